"""Column names of the DataFrame that flows between stages, and of segments.csv.

These names are the output contract (docs/outputs.md, "Output contract"). Later work
may add columns; it never renames or removes one. Bump SCHEMA_VERSION when a
column's meaning changes.
"""

from __future__ import annotations

SCHEMA_VERSION = "1"

# Identity and text. `ref` is the first reference; further references are
# `ref_2`, `ref_3`, ... (sacrebleu scores against all of them).
DOC_ID, SEG_ID, SYSTEM = "doc_id", "seg_id", "system"
SRC, MT, REF = "src", "mt", "ref"

# Provenance of the MT segment: which file and line it came from, what kind of
# unit the reader saw (line, row, sentence, heading, title) and its paragraph.
FILE, LINE, KIND, PARA = "file", "line", "kind", "para_id"
# Alignment bead (1-1, 1-2, ...) and confidence in [0, 1].
ALIGN, ALIGN_CONF = "align", "align_conf"
# The target language the input declares for the row (XLIFF `target-language`, `trgLang`, `xml:lang`;
# carried like the XLIFF `state`). Unless --target-lang is given, the row's checks read it (issue 35).
TARGET_LANG = "target_lang"
# Length limits a CAT tool set for the row (XLIFF maxwidth/maxbytes, slr:sizeRestriction, its:storageSize):
# characters, and "bytes encoding" (e.g. "40 utf-8"). Carried; the `length-limit` check reads them.
MAX_CHARS, MAX_BYTES = "max_chars", "max_bytes"

# Metrics (present only when their inputs are).
CHRF, BLEU, TER = "chrf", "bleu", "ter"
EMB_SIM_REF = "emb_sim_ref"
# Source <-> MT cross-lingual cosine, raw and as a margin over shuffled pairs
# (scorers/crosslingual.py).
XSIM, XSIM_MARGIN = "xsim", "xsim_margin"
XSIM_REF = "xsim_ref"  # MT <-> reference cosine under the cross-lingual encoder (a quality-model feature)
# The (MT, reference) cross-encoder trained here (scorers/xenc.py, mtcheck/data/adapters/mt-ref): English targets.
XENC_REF = "xenc_ref"
# The MT-only regressor trained here (scorers/xenc.py, mtcheck/data/adapters/mt-only): English MT, LM rows.
XENC_MT = "xenc_mt"
# Reference-free fluency (scorers/fluency.py): percentile among fluent human
# English, mean token log-probability, that log-probability minus fluent
# English's at the same length, and "start:end" of the least likely span.
FLUENCY, FLUENCY_LP, FLUENCY_ADJ, FLUENCY_SPAN = "fluency", "fluency_lp", "fluency_adj", "fluency_span"
# With --lm-ref: mean log-probability of the MT as a paraphrase of the reference (scorers/lmref.py).
LM_REF_LP = "lm_ref_lp"

# Post-edit comparison, with --post-edits (postedit.py): HTER, chrF++ of MT
# against the post-edit, and whether the editor changed the segment.
PE_HTER, PE_CHRF, PE_CHANGED = "pe_hter", "pe_chrf", "pe_changed"

# Fused verdict.
QUALITY, SEVERITY, FLAGGED = "quality", "severity", "flagged"
# The fusion's estimates behind `quality` (quality/fusion.py): expected MQM points (the
# head's estimate plus the MQM points of the row's findings, capped at 25;
# quality = 100 - 4 x expected_mqm) and the probability of at least one major
# error (the head's alone).
EXPECTED_MQM, P_MAJOR = "expected_mqm", "p_major"
CHECKS, EXPLANATION, SIGNALS = "checks", "explanation", "signals"
# What to do with the segment, from the routing bands (workflow.py).
ROUTE = "route"

# Left empty for the editor's review.
STATUS, EDITOR_NOTE = "status", "editor_note"

SEVERITIES = ("ok", "minor", "major", "critical")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}

LEAD_COLUMNS = [DOC_ID, SEG_ID, SYSTEM, SRC, MT, REF]
VERDICT_COLUMNS = [QUALITY, SEVERITY, FLAGGED, ROUTE, CHECKS, EXPLANATION]
METRIC_COLUMNS = [EXPECTED_MQM, P_MAJOR, PE_HTER, PE_CHRF, PE_CHANGED, CHRF, BLEU, TER, EMB_SIM_REF, XENC_REF, XENC_MT, XSIM, XSIM_MARGIN, XSIM_REF, FLUENCY, FLUENCY_LP, FLUENCY_ADJ, FLUENCY_SPAN, LM_REF_LP]
TRAIL_COLUMNS = [SIGNALS, KIND, PARA, ALIGN, ALIGN_CONF, FILE, LINE]
REVIEW_COLUMNS = [STATUS, EDITOR_NOTE]

# Text columns that hold user or MT text; these are the ones escaped against
# spreadsheet formula injection when written.
FINDINGS_COLUMNS = [DOC_ID, SEG_ID, SYSTEM, "check", "severity", "start", "end", "span", "message", "suppressed"]


def ordered_columns(columns) -> list[str]:
    """Contract order: identity, text, verdict, metrics, provenance, carried, review."""
    present = list(columns)
    extra_refs = sorted((c for c in present if c.startswith("ref_") and c[4:].isdigit()),
                        key=lambda c: int(c[4:]))
    head = [c for c in LEAD_COLUMNS if c in present] + extra_refs
    known = set(head) | set(VERDICT_COLUMNS) | set(METRIC_COLUMNS) | set(TRAIL_COLUMNS) | set(REVIEW_COLUMNS)
    carried = [c for c in present if c not in known]
    out = head
    out += [c for c in VERDICT_COLUMNS if c in present]
    out += [c for c in METRIC_COLUMNS if c in present]
    out += [c for c in TRAIL_COLUMNS if c in present]
    out += carried
    out += [c for c in REVIEW_COLUMNS if c in present]
    return out

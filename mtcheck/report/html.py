"""report.html: one self-contained page (inline CSS and JS, nothing fetched).

One Jinja2 environment with autoescape on; all data is prepared here into
plain dicts and lists before rendering (the pandas Styler pattern), so the
template holds layout only.

The segment table is data, not markup: the rows travel as JSON inside a
`<script type="application/json">` block and the page's script builds only
the visible page with `textContent`, so 50,000 segments load without
freezing the browser and MT text can never become markup.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

from mtcheck import schema as S
from mtcheck.report import charts


# Above EMBED_ALL_UP_TO segments the page embeds only the EMBED_WORST worst ones and says
# where the full table is (issue 14). 50,000 rows load in about 2 s and review stays quick
# (benchmarks/bench_report.py); a million would not. Summary, charts and per-document
# tables always count every segment.
EMBED_ALL_UP_TO = 50_000
EMBED_WORST = 10_000


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    # autoescape=True for every template, whatever its extension: MT can hold <script>.
    return Environment(loader=PackageLoader("mtcheck.report", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def highlight_parts(text: str, findings) -> list[list]:
    """Cut `text` at every finding boundary: [[piece, severity or None, tooltip], ...]."""
    cuts = {0, len(text)}
    for f in findings:
        if f.end > f.start:
            cuts.update((max(0, min(f.start, len(text))), max(0, min(f.end, len(text)))))
    points = sorted(cuts)
    parts = []
    for a, b in zip(points, points[1:]):
        covering = [f for f in findings if f.start <= a and f.end >= b and f.end > f.start]
        if covering:
            worst = max(covering, key=lambda f: S.SEVERITY_RANK[f.severity])
            parts.append([text[a:b], worst.severity, "\n".join(f"{f.check}: {f.message}" for f in covering)])
        else:
            parts.append([text[a:b], None, ""])
    return parts


def script_json(data) -> str:
    """JSON that is safe inside <script>: no '<', '>', '&' or line separators left raw."""
    from markupsafe import Markup

    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return Markup(text)


def _num(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), 2)


# The quality cell's words for the numbers behind it (issue 27): at most two are shown, the chance of a
# major error and the first piece of evidence the row has; the column names and every number are in
# the cell's tooltip.
METRIC_WORDS = {
    S.EXPECTED_MQM: ("expected MQM points", "{:.1f}"),
    S.P_MAJOR: ("chance of a major error", "{:.0%}"),
    S.CHRF: ("chrF++", "{:.0f}"),
    S.BLEU: ("BLEU", "{:.0f}"),
    S.TER: ("TER", "{:.0f}"),
    S.EMB_SIM_REF: ("similarity to the reference", "{:.2f}"),
    S.XSIM: ("similarity to the source", "{:.2f}"),
    S.XSIM_MARGIN: ("source similarity margin", "{:.2f}"),
    S.XSIM_REF: ("cross-lingual similarity to the reference", "{:.2f}"),
    S.FLUENCY: ("fluency", "{:.0f} percentile"),
    S.FLUENCY_LP: ("fluency log-probability", "{:.2f}"),
    S.FLUENCY_ADJ: ("fluency against fluent English", "{:+.2f}"),
    S.LM_REF_LP: ("paraphrase log-probability", "{:.2f}"),
    S.XENC_MT: ("quality adapter, MT alone (0 middling)", "{:+.2f}"),
    S.XENC_REF: ("quality adapter against the reference (0 middling)", "{:+.2f}"),
    S.PE_HTER: ("post-edit HTER", "{:.0f}"),
    S.PE_CHRF: ("chrF++ against the post-edit", "{:.0f}"),
}
SHOWN_FIRST = (S.P_MAJOR,)
EVIDENCE = (S.CHRF, S.XSIM, S.FLUENCY, S.LM_REF_LP)


def quality_numbers(values: dict) -> tuple[list[list[str]], str]:
    """([[words, number, column], ...] to show under quality, at most two), and the tooltip with them all.

    The chance of a major error is shown only where the row has a source or a reference: without them it
    is the fluency head's, which separates segments with a major error at chance (docs/quality.md), and it
    read "33%" on nearly every flagged row of the sample (issue 34)."""
    present = {c: v for c, v in values.items() if c in METRIC_WORDS and v is not None}
    if not {S.CHRF, S.XSIM} & set(present):
        present.pop(S.P_MAJOR, None)
    shown = [c for c in SHOWN_FIRST if c in present][:1]
    shown += [c for c in EVIDENCE if c in present][:1]
    cells = [[METRIC_WORDS[c][0], METRIC_WORDS[c][1].format(present[c]), c] for c in shown]
    tip = "\n".join(f"{METRIC_WORDS[c][0]}: {METRIC_WORDS[c][1].format(v)} ({c})" for c, v in present.items())
    return cells, tip


def verdicts_of(summary: dict):
    """The editors' earlier verdicts (mtcheck.editorial.verdicts), when the run read a verdicts file."""
    from mtcheck.errors import MtcheckError

    path = (summary.get("verdicts") or {}).get("file")
    if not path:
        return None
    from mtcheck.editorial.verdicts import load_verdicts

    try:
        return load_verdicts(path)
    except MtcheckError:  # read at the run's start; gone or changed since: the report starts unreviewed
        return None


def _text(value) -> str:
    """A text cell as the page shows it: a partition without the column, or an empty cell, is ""."""
    return value if isinstance(value, str) else ("" if value is None or value != value else str(value))


def row_records(seg, findings) -> list[tuple]:
    """The table's rows of `seg` (one partition or every row), unordered, as (sort key, row, MT text): what
    report.html shows of a row, without its rank and the editors' verdicts (`ranked_rows` adds them). A
    run keeps these, not its partitions' tables, for the page (issue 34: memory flat in corpus size)."""
    from mtcheck.checks import findings_for

    by_row = findings_for(findings)
    metric_cols = [c for c in S.METRIC_COLUMNS if c in seg.columns and c != S.FLUENCY_SPAN]
    # Plain lists, one pass: per-cell .at lookups cost minutes at 50k rows.
    wanted = [c for c in (S.FILE, S.DOC_ID, S.SEG_ID, S.SYSTEM, S.LINE, S.KIND, S.SEVERITY, S.QUALITY, S.CHECKS,
                          S.EXPLANATION, S.SRC, S.REF, S.MT, *metric_cols) if c in seg.columns]
    columns = {c: seg[c].tolist() for c in wanted}
    out = []
    for p, index in enumerate(seg.index):  # a row's index is its place in segments.csv
        rec = {c: columns[c][p] for c in wanted}
        shown, tip = quality_numbers({c: _num(rec[c]) if c != S.P_MAJOR else rec[c] for c in metric_cols
                                      if _num(rec[c]) is not None})
        row = {
            "r": 0, "d": str(rec[S.DOC_ID]), "s": str(rec[S.SEG_ID]),
            "y": str(rec.get(S.SYSTEM, "")), "l": str(rec.get(S.LINE, "")), "k": str(rec.get(S.KIND, "")),
            "f": str(rec.get(S.FILE, "")), "o": int(index),  # o: the row's place in segments.csv
            "v": rec[S.SEVERITY], "q": _num(rec[S.QUALITY]),
            "c": [c for c in _text(rec.get(S.CHECKS)).split(";") if c],
            "e": _text(rec.get(S.EXPLANATION)), "src": _text(rec.get(S.SRC)), "ref": _text(rec.get(S.REF)),
            "m": highlight_parts(_text(rec.get(S.MT)), by_row.get(index, [])),
            "x": shown, "t": tip,
        }
        out.append(((-S.SEVERITY_RANK[rec[S.SEVERITY]], rec[S.QUALITY], int(index)), row, _text(rec.get(S.MT))))
    return out


def worst_records(records: list[tuple], limit: int | None) -> list[tuple]:
    """The records in the table's order, worst first; only the `limit` worst when a limit is given."""
    import heapq

    key = lambda r: r[0]  # noqa: E731
    return heapq.nsmallest(limit, records, key=key) if limit is not None else sorted(records, key=key)


def ranked_rows(records: list[tuple], limit: int | None = None, verdicts=None, load=None):
    """The table's rows from `row_records`, worst first, ranked (one at a time, so a page can be written as
    they come); `verdicts` (mtcheck.editorial.verdicts.Verdicts) pre-fills the review of rows an editor
    reviewed (`pv`, `pn`), and names the verdicts given on the same text elsewhere (`iv`: [[status,
    where], ...]) without taking them. `load(record)` gives (row, MT text) for records kept elsewhere
    (row_spool.RowSpool's index); without it a record holds them."""
    from mtcheck.editorial.diff import text_key

    own = verdicts.reviews if verdicts is not None else {}
    for rank, record in enumerate(worst_records(records, limit), start=1):
        row, mt = load(record) if load is not None else record[1:]
        row = {**row, "r": rank}
        if verdicts is not None:
            key = text_key(row["src"], mt)
            earlier = own.get((row["d"], row["s"], key))
            if earlier:
                row["pv"], row["pn"] = earlier
            else:
                inferred = verdicts.elsewhere(row["d"], row["s"], key)
                if inferred:
                    row["iv"] = [[r.status, r.where()] for r in inferred[:4]]
        yield row


def segment_rows(seg, findings, limit: int | None = None, verdicts=None) -> list[dict]:
    """The table's rows of a whole result, worst first (see `ranked_rows`)."""
    return list(ranked_rows(row_records(seg, findings), limit, verdicts))


def prepare(result, full_table=("segments.csv",), tally=None, records=None, load=None) -> dict:
    """Everything the template shows but the rows, and the rows as a generator (`rows`). `result.segments`
    holds every segment, or `records` (from `row_records`, a run written a partition at a time) those to
    embed; `tally` (mtcheck.run.tally) counts every segment, and is counted from `result.segments` when
    not given. `full_table`: the files beside the page that hold every segment, named when the page
    embeds only the worst ones."""
    from mtcheck.run.tally import Tally

    summary = result.summary
    tally = tally or Tally.of(result.segments, result.findings)
    records = records if records is not None else row_records(result.segments, result.findings)
    total_rows = summary["segments"]
    limit = EMBED_WORST if total_rows > EMBED_ALL_UP_TO else None
    verdicts = verdicts_of(summary)
    shown = min(len(records), limit) if limit is not None else len(records)
    total = max(1, total_rows)
    severity_bar = [{"name": s, "count": summary["severity_counts"][s],
                     "pct": round(100 * summary["severity_counts"][s] / total, 2)} for s in S.SEVERITIES]
    docs = tally.group_table("docs")
    systems = with_corpus_scores(tally.group_table("systems"), summary)
    return {
        "summary": summary, "severities": S.SEVERITIES, "severity_bar": severity_bar,
        "profile": profile_words(summary), "legend": SEVERITY_WORDS,
        "has_src": tally.has_src, "has_ref": tally.has_ref,
        "histogram": charts.histogram_of_counts(tally.histogram),
        "histogram_top": max(tally.histogram, default=0),
        "check_chart": charts.bars(list(summary["check_segments"].items())),
        "doc_chart": charts.stacked_by_severity({d["name"]: d["severity"] for d in docs}),
        "docs": docs, "systems": systems,
        "all_checks": sorted(summary["check_segments"]),
        "doc_names": [d["name"] for d in docs], "system_names": [s["name"] for s in systems],
        "rows": ranked_rows(records, limit, verdicts, load),
        "embedded": {"shown": shown, "total": total_rows, "limited": limit is not None,
                     "files": list(full_table)},
        "run_id": run_id(summary),
        "signals": signal_words(summary.get("signals", [])),
    }


def signal_words(columns) -> list[dict]:
    """The run's signals as an editor reads them ("similarity to the source"), each with its column name for
    the tooltip: the name is what segments.csv calls it, the words are what it measures."""
    return [{"words": SIGNAL_WORDS.get(c) or (METRIC_WORDS[c][0] if c in METRIC_WORDS else c.replace("_", " ")),
             "column": c} for c in columns]


# Where the quality cell's words do not read well in a list of signals (a comma, a scale note).
SIGNAL_WORDS = {"checks": "rule checks", S.XENC_MT: "quality adapter reading the MT alone",
                S.XENC_REF: "quality adapter against the reference"}


def with_corpus_scores(systems: list[dict], summary: dict) -> list[dict]:
    """The system table's rows with each system's corpus chrF++ and BLEU (summary.json's `corpus_scores`), so
    that its mean quality stands beside the corpus statistics people choose systems by (issue 36)."""
    corpus = {(c.get("system"), c.get("column")): c["score"] for c in summary.get("corpus_scores", [])}
    for row in systems:
        for column, name in (("chrf", "corpus_chrf"), ("bleu", "corpus_bleu")):
            if (row["name"], column) in corpus:
                row[name] = round(corpus[(row["name"], column)], 1)
    return systems


# What each severity asks of an editor: the legend of the report's colours.
SEVERITY_WORDS = {"ok": "no problem found", "minor": "worth a look; publishable as it is",
                  "major": "an error to fix before publishing", "critical": "not a usable translation: translate again"}
_EVIDENCE_WORDS = (("chrf", "the reference"), ("xsim", "the source"), ("fluency_adj", "a language model's fluency"),
                   ("lm_ref_lp", "a language model's reading of the reference"),
                   ("xenc_mt", "a model trained on raters' judgments of MT"))


def profile_words(summary: dict) -> str:
    """What this run's scores rest on, in words (issue 34: the header said "fusion mqm-equal-9")."""
    signals = set(summary.get("signals", [])) | {s for key in summary.get("signals_per_row", {})
                                                  for s in key.split(";")}
    from mtcheck.report.console import nothing_translated, nothing_translated_words

    if nothing_translated(summary):
        return nothing_translated_words(summary)
    used = [words for name, words in _EVIDENCE_WORDS if name in signals]
    if not used:
        return "Rule checks only: no source, reference or language model, so quality is that of MT in general."
    listed = used[0] if len(used) == 1 else ", ".join(used[:-1]) + " and " + used[-1]
    return f"Scored against {listed}, with the rule checks."


def run_id(summary) -> str:
    """What the browser keys an editor's review by: this run of these inputs (name, time, input hashes).

    A re-run writes a new report with a new id, so verdicts typed into an older report never
    attach to rows they were not made on.
    """
    import hashlib

    parts = [str(summary.get("name")), str(summary.get("created"))]
    parts += [str(i.get("sha256") or i.get("path")) for i in summary.get("inputs", [])]
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


ROWS_SLOT = "\x00mtcheck-rows\x00"  # where the rows' JSON goes in the rendered page (never in real text)


def write_html(out, result, full_table=("segments.csv",), tally=None, records=None, load=None) -> None:
    """Write report.html to the open text file `out`: the page rendered without its rows, then the rows' JSON
    a row at a time. Neither the rows' JSON nor the page is ever one string in memory (issue 34: 10,000
    rows took 70 MB at the write's peak)."""
    context = prepare(result, full_table, tally, records, load)
    rows = context.pop("rows")
    page = environment().get_template("report.html.j2").render(**context, rows_json=ROWS_SLOT)
    before, after = page.split(ROWS_SLOT, 1)
    out.write(before)
    out.write("[")
    for k, row in enumerate(rows):
        out.write(("," if k else "") + script_json(row))
    out.write("]")
    out.write(after)


def render_html(result, full_table=("segments.csv",), tally=None) -> str:
    """The whole page as one string (the Python API and tests; a run writes it with `write_html`)."""
    import io

    buffer = io.StringIO()
    write_html(buffer, result, full_table, tally)
    return buffer.getvalue()

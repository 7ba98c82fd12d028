"""Post-edits (`--post-edits FILE`): what the editors changed, and whether mtcheck saw it coming.

The file holds the editors' final text, one line per checked segment, in
the order of segments.csv (UTF-8). Per segment:

* `pe_hter`: HTER (Snover et al. 2006), sacrebleu's TER of the MT against
  its post-edit, in % of the post-edit's words;
* `pe_chrf`: chrF++ of the MT against its post-edit (100 = untouched);
* `pe_changed`: whether the editor changed the text at all (whitespace aside).

summary.json (`post_edits`) then says how well the flags predicted the
edits: precision (flagged segments that were changed), recall (changed
segments that were flagged), ROC AUC of low `quality` for changed against
untouched segments, and Kendall tau of `quality` against -HTER.
"""

from __future__ import annotations

from pathlib import Path

from mtcheck import schema as S
from mtcheck.errors import InputError

PE_HTER, PE_CHRF, PE_CHANGED = S.PE_HTER, S.PE_CHRF, S.PE_CHANGED


def read_post_edits(path: str | Path) -> list[str]:
    """The editors' lines, read as every other line file is (UTF-8, or UTF-16/32 with a byte-order mark)."""
    from mtcheck.io.base import read_text, split_lines

    return split_lines(read_text(path))


def check_post_edit_count(post_edits: list[str], segments: int, path) -> None:
    if len(post_edits) != segments:
        raise InputError(f"{len(post_edits)} post-edited lines for {segments} segments", path=str(path),
                         line=min(len(post_edits), segments) + 1,
                         hint="give one line per segment, in the order of segments.csv")


def post_edit_columns(frame, post_edits: list) -> None:
    """Add pe_hter, pe_chrf and pe_changed to `frame` (in place), one post-edited line per row; a row whose
    post-edit is None (a unit the reviewer's XLIFF lacks) gets empty cells."""
    import numpy as np
    from sacrebleu.metrics import CHRF, TER

    ter, chrf = TER(), CHRF(word_order=2)
    mts = frame[S.MT].astype(str).tolist()
    pairs = list(zip(mts, post_edits))
    frame[PE_HTER] = [round(ter.sentence_score(mt, [pe]).score, 2) if pe is not None else np.nan for mt, pe in pairs]
    frame[PE_CHRF] = [round(chrf.sentence_score(mt, [pe]).score, 2) if pe is not None else np.nan
                      for mt, pe in pairs]
    frame[PE_CHANGED] = [(" ".join(mt.split()) != " ".join(pe.split())) if pe is not None else None
                         for mt, pe in pairs]


def post_edit_summary(columns: dict, path) -> dict:
    """summary.json's entry from every row's `hter`, `changed`, `flagged` and `quality` (mtcheck.run.tally)."""
    import numpy as np

    from mtcheck.evaluation.metaeval import roc_auc

    hter = np.asarray(columns["hter"], dtype=float)
    matched = ~np.isnan(hter)  # rows without a post-edit (a unit missing from the reviewer's XLIFF) count for none
    hter = hter[matched]
    edited = np.asarray(columns["changed"], dtype=bool)[matched]
    flagged = np.asarray(columns["flagged"], dtype=bool)[matched]
    quality = np.asarray(columns["quality"], dtype=float)[matched]
    tau = float("nan")
    if len(set(hter.tolist())) > 1 and len(set(quality.tolist())) > 1:
        from scipy.stats import kendalltau
        tau = float(kendalltau(quality, -hter).statistic)

    def share(a, b):
        return round(float(a) / float(b), 3) if b else None

    return {
        "file": str(path), "segments": int(len(hter)), "changed": int(edited.sum()),
        "mean_hter": round(float(np.mean(hter)), 2) if len(hter) else 0.0,
        "flag_precision": share((flagged & edited).sum(), flagged.sum()),
        "flag_recall": share((flagged & edited).sum(), edited.sum()),
        "quality_auc_changed": round(roc_auc(quality, edited, ~edited), 3) if edited.any() and (~edited).any()
        else None,
        "kendall_tau_quality_vs_hter": round(tau, 3) if tau == tau else None,
    }

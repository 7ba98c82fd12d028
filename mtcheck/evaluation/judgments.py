"""The human-judgment corpus (`shared/data/judgments/`) for training and evaluating the quality model.

Each `*.tsv.gz` table has the columns of REQUIRED_COLUMNS (see that folder's
README). Only the MQM tables with several systems per source are used: they
are the only ones whose scores can rank translations *of the same source*,
which is what the quality model is trained for (issue 12), and their penalty
points are on one scale (Google's and Unbabel's weights agree on minor 1,
major 5). DA, ESA and the single-system QE tables are left out of training;
the WMT23 ones judge the same sources as the held-out WMT23 MQM test sets.

The split holds out whole test sets, never rows (HELD_OUT): systems and
sources repeat within a test set, so a row split flatters every model.
"""

from __future__ import annotations

import csv
from pathlib import Path

from mtcheck.errors import InputError

REQUIRED_COLUMNS = ("lp", "domain", "year", "origin", "system", "doc_id", "seg_id", "src", "mt", "ref",
                    "score_kind", "score")
SCORE_KINDS = {"mqm": "lower is better", "mqm_norm": "higher is better", "da_z": "higher is better",
               "da": "higher is better", "esa": "higher is better"}
SPAN_COLUMNS = ("lp", "system", "doc_id", "seg_id", "severity")
# MQM tables with several systems per source; each may have a "<stem>-spans.tsv.gz" beside it.
MQM_TABLES = ("mqm-google-wmt21-news", "mqm-google-wmt21-ted", "mqm-google-wmt23", "mqm-unbabel-wmt21-enru")
# Whole test sets never used for fitting, choosing features or sizes: WMT23 general MQM zh-en and en-de
# (every other WMT23 zh-en/en-de table judges the same sources) and the WMT21 news en-de test set.
HELD_OUT = {("mqm-google-wmt23", "zh-en"), ("mqm-google-wmt23", "en-de"), ("mqm-google-wmt21-news", "en-de")}


def read_table(path: Path):
    """One judgments table, checked: a missing file, a missing column or an unknown score kind is an InputError."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise InputError("no such judgments file", path=str(path), hint="pass --data the judgments folder")
    try:
        frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, EOFError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read it as a gzip TSV ({type(exc).__name__})", path=str(path), line=1) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", path=str(path), line=1,
                         hint="the header must name " + " ".join(REQUIRED_COLUMNS))
    unknown = sorted(set(frame["score_kind"]) - set(SCORE_KINDS))
    if unknown:
        line = int(frame.index[frame["score_kind"] == unknown[0]][0]) + 2
        raise InputError(f"unknown score kind '{unknown[0]}'", path=str(path), line=line,
                         hint="known kinds: " + ", ".join(SCORE_KINDS))
    try:
        frame["score"] = frame["score"].astype(float)
    except ValueError:
        bad = pd.to_numeric(frame["score"], errors="coerce").isna()
        line = int(frame.index[bad][0]) + 2
        raise InputError(f"score '{frame.loc[bad, 'score'].iloc[0]}' is not a number", path=str(path),
                         line=line) from None
    return frame


def read_spans(span_path: Path, columns=SPAN_COLUMNS):
    """One span file, checked (a missing column is an InputError naming the file); None when there is none."""
    import pandas as pd

    if not Path(span_path).exists():
        return None
    try:
        spans = pd.read_csv(span_path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, EOFError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read it as a gzip TSV ({type(exc).__name__})", path=str(span_path),
                         line=1) from None
    missing = [c for c in columns if c not in spans.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", path=str(span_path), line=1,
                         hint="a span file's header names " + " ".join(columns))
    return spans


def major_rows(span_path: Path) -> set:
    """(lp, system, doc_id, seg_id) of every row where a rater marked a major or critical error."""
    spans = read_spans(span_path)
    if spans is None:
        return set()
    spans = spans[spans["severity"].str.lower().isin(["major", "critical"])]
    return set(zip(spans["lp"], spans["system"], spans["doc_id"], spans["seg_id"]))


def marked_characters(span_path: Path) -> dict:
    """(lp, system, doc_id, seg_id) -> the set of MT character offsets any rater marked, of any
    category and severity. Errors with no span in the MT (omissions, source errors) mark nothing.
    An empty dict when the table has no span file."""
    spans = read_spans(span_path, SPAN_COLUMNS + ("start", "end"))
    if spans is None:
        return {}
    spans = spans[(spans["start"] != "") & (spans["end"] != "")]
    for col in ("start", "end"):
        bad = ~spans[col].str.fullmatch(r"\d+")
        if bad.any():
            raise InputError(f"{col} '{spans.loc[bad, col].iloc[0]}' is not a character offset",
                             path=str(span_path), line=int(spans.index[bad][0]) + 2)
    marked: dict[tuple, set] = {}
    for key, start, end in zip(zip(spans["lp"], spans["system"], spans["doc_id"], spans["seg_id"]),
                               spans["start"], spans["end"]):
        marked.setdefault(key, set()).update(range(int(start), int(end)))
    return marked


def load_mqm_tables(folder: Path, tables=MQM_TABLES):
    """The multi-system MQM rows of `folder` as one frame with `dataset`, `key`, `mqm`, `has_major`, `held_out`.

    `dataset` is "<table>/<lp>", the unit the split holds out; `key` identifies a source
    segment within it, so rankings are only ever taken among translations of one source.
    Human translations (systems named ref*) are dropped: the model ranks MT.
    """
    import pandas as pd

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("no such judgments folder", path=str(folder), hint="pass --data ../shared/data/judgments")
    present = [stem for stem in tables if (folder / f"{stem}.tsv.gz").exists()]
    if not present:
        raise InputError("none of the multi-system MQM tables is here", path=str(folder),
                         hint="expected " + ", ".join(f"{t}.tsv.gz" for t in tables))
    frames = []
    for stem in present:
        frame = read_table(folder / f"{stem}.tsv.gz")
        frame = frame[frame["score_kind"] == "mqm"]
        frame = frame[~frame["system"].str.lower().str.startswith("ref")]
        majors = major_rows(folder / f"{stem}-spans.tsv.gz")
        frame = frame.assign(
            table=stem,
            has_major=[k in majors for k in zip(frame["lp"], frame["system"], frame["doc_id"], frame["seg_id"])])
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    if out.empty:
        raise InputError("no multi-system MQM rows", path=str(folder), hint="the folder's README lists the tables")
    out["dataset"] = out["table"] + "/" + out["lp"]
    out["key"] = out["dataset"] + "|" + out["doc_id"] + "|" + out["seg_id"]
    out["mqm"] = out["score"]
    out["held_out"] = [(t, lp) in HELD_OUT for t, lp in zip(out["table"], out["lp"])]
    return out

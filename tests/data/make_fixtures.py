"""Regenerate the small real-text fixtures in this folder from ../shared/data/.

Source: the MQM re-annotation of the WMT 2021 TED talks by Google
(google/wmt-mqm-human-evaluation, Apache License 2.0; Freitag et al. 2021,
"Experts, Errors, and Context", TACL). Run from the repository root:

    .venv/bin/python tests/data/make_fixtures.py
"""

import csv
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
MQM = HERE.parents[2] / "shared" / "data" / "mqm" / "ted-zh-en.tsv"
SYSTEMS = ["Facebook-AI", "Online-W", "NiuTrans"]
FIRST, LAST = 84, 123  # 40 consecutive segments of talk.2
NEWS = HERE.parents[2] / "shared" / "data" / "judgments" / "mqm-google-wmt21-news.tsv.gz"
NEWS_SYSTEM, NEWS_DOCS = "Facebook-AI", 8  # the first 8 zh-en newstest2021 documents, whole


def main() -> None:
    frame = pd.read_csv(MQM, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    frame = frame[(frame.doc_id == "talk.2") & frame.system.isin(SYSTEMS)]
    frame = frame[frame.seg_id.astype(int).between(FIRST, LAST)]
    frame = frame.sort_values(["system", "seg_id"], key=lambda c: c.astype(int) if c.name == "seg_id" else c)
    cols = ["system", "doc_id", "seg_id", "src", "mt", "ref", "mqm", "errors"]
    frame[cols].to_csv(HERE / "ted-zh-en-40.tsv", sep="\t", index=False, quoting=csv.QUOTE_NONE,
                       lineterminator="\n")
    one = frame[frame.system == SYSTEMS[0]]
    lines = HERE / "ted-lines"
    lines.mkdir(exist_ok=True)
    for role in ("src", "mt", "ref"):
        (lines / f"{role}.txt").write_text("\n".join(one[role]) + "\n", encoding="utf-8")
    news_lines()
    news_table()


SCALE_SYSTEMS = ["Facebook-AI", "Online-W", "NiuTrans", "DIDI-NLP"]


def news_table() -> None:
    """news-2000.tsv.gz: a 2,000-row table (four systems' MT of the first zh-en newstest2021 documents, with
    source and reference) for the scale tests (issue 14), one row per segment."""
    frame = pd.read_csv(NEWS, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    frame = frame[(frame.lp == "zh-en") & frame.system.isin(SCALE_SYSTEMS)].copy()
    docs = list(dict.fromkeys(frame.doc_id))
    frame["order"] = frame.doc_id.map(docs.index)
    frame["seg"] = frame.seg_id.astype(int)
    frame["sys"] = frame.system.map(SCALE_SYSTEMS.index)
    frame = frame.sort_values(["sys", "order", "seg"])
    for role in ("src", "mt", "ref"):
        frame[role] = frame[role].str.strip().str.replace("\t", " ")
    # The first 500 segments of each system, in document order (the last document cut short).
    frame = pd.concat([g.head(500) for _, g in frame.groupby("sys", sort=True)])
    frame[["system", "doc_id", "seg_id", "src", "mt", "ref"]].to_csv(
        HERE / "news-2000.tsv.gz", sep="\t", index=False, quoting=csv.QUOTE_NONE, lineterminator="\n",
        compression={"method": "gzip", "mtime": 0})


def news_lines() -> None:
    """news-lines/: whole news documents, line-aligned, for the alignment tests (issue 15)."""
    frame = pd.read_csv(NEWS, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    frame = frame[(frame.lp == "zh-en") & (frame.system == NEWS_SYSTEM)]
    docs = list(dict.fromkeys(frame.doc_id))[:NEWS_DOCS]
    frame = frame[frame.doc_id.isin(docs)].copy()
    frame["order"] = frame.doc_id.map(docs.index)
    frame["seg"] = frame.seg_id.astype(int)
    frame = frame.sort_values(["order", "seg"])
    out = HERE / "news-lines"
    out.mkdir(exist_ok=True)
    for role in ("src", "mt", "ref"):
        (out / f"{role}.txt").write_text("\n".join(frame[role].str.strip()) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

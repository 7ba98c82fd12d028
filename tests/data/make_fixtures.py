"""Regenerate the small real-text fixtures in this folder from ../shared/data/mqm/.

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


if __name__ == "__main__":
    main()

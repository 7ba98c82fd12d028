"""A team's calibration (`mtcheck calibrate --write`, mtcheck/desk/teamhead.py) simulated on a public MQM
test set that no shipped choice used: the set's translations run through `mtcheck check`, its raters'
marks loaded into a review desk in the TSV layout of google/wmt-mqm-human-evaluation, then the three
views and the fit exactly as the command does them.

The default set is WMT21 news en-de (Google's MQM), held out from every fit of fusion.json
(mtcheck/evaluation/judgments.py HELD_OUT). The fit's procedure and MIN_UNITS were written before this
script ran on it; nothing was changed after seeing its figures (docs/desk.md reports them).

Approximation: the spans table lists errors only, so a translation without any error gets one No-error
row by the rater "all"; a translation with errors is scored by the raters who marked it.

    .venv/bin/python training/eval_team_calibration.py [--lp en-de] [--table mqm-google-wmt21-news]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

JUDGMENTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "judgments"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lp", default="en-de")
    parser.add_argument("--table", default="mqm-google-wmt21-news")
    parser.add_argument("--out", type=Path, default=Path("/tmp/team-calibration"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = _rows(JUDGMENTS / f"{args.table}.tsv.gz", args.lp)
    spans = _spans(JUDGMENTS / f"{args.table}-spans.tsv.gz", args.lp)
    table, marks = args.out / "input.tsv", args.out / "marks.tsv"
    _write_input(rows, table)
    _write_marks(rows, spans, marks)
    report = args.out / "reports" / f"{args.table}-{args.lp}"
    if not (report / "segments.csv").exists():
        subprocess.run([sys.executable, "-m", "mtcheck", "check", str(table), "-o", str(report), "--force",
                        "--target-lang", args.lp.split("-")[1], "--source-lang", args.lp.split("-")[0]], check=True)
    from mtcheck.desk import calibrate, exchange, store, teamhead

    db = store.open_db(f"sqlite:///{args.out / 'desk.sqlite3'}")
    store.load_folder(db, report)
    counts = exchange.import_tsv(db, marks, report.name)
    frame = calibrate.team_frame(db, report.name)
    views = calibrate.views(frame)
    print(f"{args.table} {args.lp}: {len(rows)} translations, import {counts}")
    print(calibrate.table(views))
    fitted = teamhead.fit(frame, calibrate.target_family_of(db, report.name))
    print(teamhead.describe(fitted))
    (args.out / "results.json").write_text(json.dumps({"views": views, "fit": {k: v for k, v in fitted.items()
                                                                               if k != "head"},
                                                       "head": fitted.get("head")}, indent=1, default=str))


def _rows(path: Path, lp: str) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return [r for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE) if r["lp"] == lp]


def _spans(path: Path, lp: str) -> dict:
    out = defaultdict(list)
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if r["lp"] == lp:
                out[(r["system"], r["doc_id"], r["seg_id"])].append(r)
    return out


def _clean(text: str) -> str:
    return " ".join(str(text).replace("\t", " ").split())


def _write_input(rows, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        # mtcheck reads a TSV as it is, quotes included (WMT files have unbalanced quotes): quote nothing.
        out = csv.writer(handle, delimiter="\t", quoting=csv.QUOTE_NONE, quotechar=None)
        out.writerow(["system", "doc_id", "seg_id", "src", "mt", "ref"])
        for r in rows:
            out.writerow([r["system"], r["doc_id"], r["seg_id"], _clean(r["src"]), _clean(r["mt"]), _clean(r["ref"])])


def _write_marks(rows, spans, path: Path) -> None:
    from mtcheck.desk import mqm

    with open(path, "w", encoding="utf-8", newline="") as handle:
        table = []
        for r in rows:
            mt = _clean(r["mt"])
            found = spans.get((r["system"], r["doc_id"], r["seg_id"]), [])
            base = {"system": r["system"], "doc": r["doc_id"], "doc_id": "", "seg_id": r["seg_id"],
                    "source": _clean(r["src"])}
            if not found:
                table.append({**base, "rater": "all", "target": mt, "category": "No-error", "severity": "No-error"})
            for s in found:
                start, end = int(s["start"] or 0), int(s["end"] or 0)  # no offsets: an error without a span
                if mt[start:end] != _clean(s["span"]):  # offsets into the uncollapsed text: find the span again
                    at = mt.find(_clean(s["span"])) if _clean(s["span"]) else -1
                    start, end = (at, at + len(_clean(s["span"]))) if at >= 0 else (0, 0)
                span = mqm.with_span(mt, start, end) if 0 <= start < end <= len(mt) else mt
                table.append({**base, "rater": s["rater"], "target": span, "category": s["category"],
                              "severity": s["severity"]})
        mqm.write_tsv(table, handle)


if __name__ == "__main__":
    main()

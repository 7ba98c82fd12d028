"""Time the report for a large corpus: writing it, and opening it in headless Chromium.

    .venv/bin/python benchmarks/bench_report.py [--n 50000] [--repeats 3]

Rows are the MT sentences of the TED zh-en MQM data (../shared/data/mqm/),
repeated up to N with unique doc/seg ids, checked without a reference. The
baseline, measured in the same process, is writing the same rows with
pandas' own `to_csv`; every figure is a median over the repeats.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from bench_check import load_rows
    from browser import chromium_path, open_page
    from mtcheck.pipeline import CheckOptions, run
    from mtcheck.report import write_report

    _, frame = load_rows(args.n)
    frame = frame[["mt"]].copy()
    frame["doc_id"] = [f"doc{i // 200}" for i in range(len(frame))]
    frame["seg_id"] = range(1, len(frame) + 1)
    result = run(options=CheckOptions(scorers=()), frame=frame)
    print(f"{len(frame)} segments, {result.summary['flagged']} flagged, {args.repeats} repeats")

    base, writes, loads, marks, downloads = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeats):
            t0 = time.perf_counter()
            result.segments.to_csv(Path(tmp) / "plain.csv", index=False)
            base.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            paths = write_report(result, Path(tmp) / f"r{k}", force=True)
            writes.append(time.perf_counter() - t0)
        size = paths["report.html"].stat().st_size
        if chromium_path():
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                with open_page(paths["report.html"]) as (page, events):
                    loads.append(time.perf_counter() - t0)
                    # Review (issue 16): a status change by key, timed in the page until the
                    # progress count has changed, and the verdicts download of every row.
                    marks.append(page.evaluate("""() => {
                        const t0 = performance.now();
                        document.dispatchEvent(new KeyboardEvent("keydown", {key: "j"}));
                        document.dispatchEvent(new KeyboardEvent("keydown", {key: "2"}));
                        const done = document.getElementById("reviewed").textContent.startsWith("1 of");
                        return done ? (performance.now() - t0) / 1000 : NaN; }"""))
                    t0 = time.perf_counter()
                    with page.expect_download() as download:
                        page.click("#download")
                    download.value.path()
                    downloads.append(time.perf_counter() - t0)
                    page.evaluate("() => localStorage.clear()")
                    page.fill("#q", "sky")
                    shown = page.locator("#shown").inner_text()
            print(f"search 'sky' -> {shown}; console errors: {len(events['console_errors'])}")
    b = statistics.median(base)
    print(f"{'baseline: pandas to_csv':34s} {b:8.2f} s")
    w = statistics.median(writes)
    print(f"{'write_report (csv+json+html)':34s} {w:8.2f} s  {w / b:6.1f}x baseline")
    print(f"report.html size: {size / 1e6:.1f} MB")
    if loads:
        print(f"{'chromium: open until rows shown':34s} {statistics.median(loads):8.2f} s (browser start included)")
        print(f"{'review: key press to status shown':34s} {statistics.median(marks):8.3f} s")
        print(f"{'review: download verdicts (all rows)':34s} {statistics.median(downloads):8.2f} s")


if __name__ == "__main__":
    main()

"""Screenshot the sample corpus's report for the README and the documentation.

    .venv/bin/python training/screenshot_report.py [REPORT.html] [OUT.png]

Defaults: reports/sample-news/report.html (run `make sample` first) and
docs/report-sample.png. Uses the system's Chromium through Playwright.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import chromium_path, open_page  # noqa: E402


def main() -> int:
    report = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "reports" / "sample-news" / "report.html"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs" / "report-sample.png"
    if not report.exists():
        print(f"screenshot_report: {report} not found; run 'make sample' first", file=sys.stderr)
        return 2
    if chromium_path() is None:
        print("screenshot_report: no chromium on PATH; apt-get install chromium", file=sys.stderr)
        return 2
    with open_page(report, viewport=(1400, 1100)) as (page, _events):
        page.screenshot(path=str(out))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

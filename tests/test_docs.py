"""The documentation: the MkDocs site builds with --strict (no broken link, no missing page, every
docstring the API reference shows readable), the README stays a user's page, and no heading names an
issue of this project's tracker, which means nothing to a reader."""

import os
import re
import subprocess
import sys

from conftest import ROOT


def test_the_site_builds_strict(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    assert "CheckOptions" in api and "Raise a UsageError for a value no stage could use." in api  # from docstrings
    assert (tmp_path / "site" / "quality" / "index.html").exists()


def test_the_readme_is_short_and_links_every_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 300
    pages = {p.name for p in (ROOT / "docs").glob("*.md")} - {"index.md"}
    linked = set(re.findall(r"\]\(docs/([\w-]+\.md)\)", readme))
    assert pages <= linked, sorted(pages - linked)


def test_no_heading_names_an_issue():
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        in_code = False
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith("```"):
                in_code = not in_code
            if not in_code and line.startswith("#"):
                assert not re.search(r"\bissue\s+\d+", line, re.IGNORECASE), f"{path.name}:{number}: {line}"

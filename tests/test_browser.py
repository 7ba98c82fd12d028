"""report.html in a real headless Chromium: loads clean, filters, sorts, pages, escapes."""

import pytest
from playwright.sync_api import expect

from browser import chromium_path, open_page, require_browser
from mtcheck.pipeline import run
from mtcheck.report import write_report

if chromium_path() is None:
    if require_browser():
        raise RuntimeError("MTCHECK_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
    pytest.skip("no chromium on PATH; .ci/run installs it", allow_module_level=True)
pytest.importorskip("playwright")


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory, sample_result):
    out = tmp_path_factory.mktemp("browser-sample")
    write_report(sample_result, out)
    return out / "report.html", sample_result.summary


def visible_rows(page):
    return page.locator("#segments tbody tr")


def test_sample_report_loads_clean_and_offline(sample_report):
    path, summary = sample_report
    with open_page(path) as (page, events):
        assert page.title() == "mtcheck report: sample-news"
        assert page.locator("#shown").inner_text() == "78 of 78 segments"
        assert visible_rows(page).count() == 78
        assert visible_rows(page).first.get_attribute("data-sev") == "major"  # worst first
    assert events["console_errors"] == [] and events["page_errors"] == []
    assert events["requests"] == [path.resolve().as_uri()]  # the page itself, nothing else


def test_filters_by_severity_check_and_search(sample_report):
    path, summary = sample_report
    with open_page(path) as (page, events):
        page.select_option("#f-sev", "minor")
        assert visible_rows(page).count() == summary["severity_counts"]["minor"]
        assert {visible_rows(page).nth(i).get_attribute("data-sev") for i in range(visible_rows(page).count())} == {"minor"}
        page.select_option("#f-sev", "")
        page.select_option("#f-check", "doubled-word")
        assert visible_rows(page).count() == 1
        mark = page.locator("#segments mark", has_text="vitality and vitality")
        assert mark.count() == 1 and "doubled-word" in mark.get_attribute("title")
        page.select_option("#f-check", "")
        page.fill("#q", "Visual |")
        expect(page.locator("#shown")).to_have_text("1 of 78 segments")  # after the search box's pause
        page.fill("#q", "")
        page.fill("#f-max", "85")  # findings cost MQM points (quality/fusion.py), fluent rows sit near 90
        expected = int((sample_result_quality(path) <= 85).sum())
        assert 0 < expected < 78
        expect(page.locator("#shown")).to_have_text(f"{expected} of 78 segments")
    assert events["console_errors"] == []


def test_quality_cell_speaks_words_and_the_histogram_counts(tmp_path):
    """Issue 27: the quality cell showed column names (expected_mqm, p_major ...) and every number."""
    from conftest import TED_TSV
    from mtcheck.io import InputSpec

    result = run(InputSpec(data=str(TED_TSV)))
    write_report(result, tmp_path)
    with open_page(tmp_path / "report.html") as (page, events):
        cells = page.locator("#segments tbody tr td:nth-child(4)")
        for i in range(5):
            numbers = cells.nth(i).locator(".qn")
            assert numbers.count() == 2
            words = [numbers.nth(k).inner_text() for k in range(2)]
            assert words[0].startswith("chance of a major error ") and words[0].endswith("%")
            assert words[1].startswith("chrF++ ")
            assert not any("_" in w for w in words)
            assert numbers.nth(0).get_attribute("title") == "p_major"
            assert "(expected_mqm)" in cells.nth(i).get_attribute("title")
        counts = page.locator("#histogram text.count")
        assert sum(int(counts.nth(k).text_content()) for k in range(counts.count())) == len(result.segments)
        assert page.locator("#histogram", has_text="segments").count() == 1
    assert events["console_errors"] == [] and events["page_errors"] == []


def sample_result_quality(path):
    import pandas as pd

    return pd.read_csv(path.parent / "segments.csv")["quality"]


def test_sorting_by_quality_both_ways(sample_report):
    path, _ = sample_report
    quality = sample_result_quality(path)
    with open_page(path) as (page, _events):
        header = page.locator("#segments th[data-key=q]")
        header.click()
        first = float(visible_rows(page).first.locator("td").nth(3).inner_text().split("\n")[0])
        assert first == round(quality.min(), 1)
        assert header.get_attribute("aria-sort") == "ascending"
        header.click()
        first = float(visible_rows(page).first.locator("td").nth(3).inner_text().split("\n")[0])
        assert first == round(quality.max(), 1) and header.get_attribute("aria-sort") == "descending"


def test_script_in_mt_shows_as_text(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"mt": ["<script>alert(1)</script> and <img src=x onerror=alert(2)>",
                                 "Plain fluent sentence here."], "ref": ["", ""]})
    write_report(run(frame=frame), tmp_path)
    with open_page(tmp_path / "report.html") as (page, events):
        cell = page.locator("#segments tbody td .text").first
        assert cell.inner_text().startswith("<script>alert(1)</script> and <img src=x onerror=alert(2)>")
        assert page.locator("#segments tbody img").count() == 0
    assert events["dialogs"] == [] and events["page_errors"] == []
    assert events["requests"] == [(tmp_path / "report.html").resolve().as_uri()]


def test_twenty_thousand_segments_are_paged(tmp_path):
    import pandas as pd

    n = 20_000
    frame = pd.DataFrame({"doc_id": [f"doc{i // 100}" for i in range(n)], "seg_id": list(range(n)),
                          "mt": [f"Segment number {i} ends here." if i % 7 else f"Segment {i} stops on the"
                                 for i in range(n)]})
    write_report(run(frame=frame), tmp_path)
    with open_page(tmp_path / "report.html") as (page, events):
        assert page.locator("#page").inner_text() == "page 1 of 100"
        assert visible_rows(page).count() == 200
        page.click("#next")
        assert page.locator("#page").inner_text() == "page 2 of 100"
        page.select_option("#f-doc", "doc3")
        assert page.locator("#shown").inner_text() == "100 of 20000 segments"
    assert events["console_errors"] == [] and events["page_errors"] == []


def test_review_with_keyboard_and_mouse_persists_and_feeds_verdicts_back(tmp_path):
    """Issue 16: mark three findings in the report, reload, download, and the next run suppresses them."""
    import json

    from typer.testing import CliRunner

    from conftest import SAMPLE
    from mtcheck.cli import app
    from mtcheck.io.worklist import read_report_csv

    def invoke(*args):
        return CliRunner().invoke(app, [str(a) for a in args])

    first = tmp_path / "first"
    assert invoke("check", SAMPLE, "-o", first, "-q", "--no-fluency").exit_code == 0
    seg = read_report_csv(first / "segments.csv")
    flagged = int((seg["severity"] != "ok").sum())
    path = first / "report.html"
    with open_page(path) as (page, events):
        assert page.locator("#reviewed").inner_text() == f"0 of {flagged} flagged reviewed"
        page.keyboard.press("j")  # the first flagged segment, worst first
        first_id = page.locator("#segments tbody tr.cur").get_attribute("data-id")
        page.keyboard.press("3")  # false alarm
        page.keyboard.press("j")
        page.keyboard.press("2")  # fixed
        page.keyboard.press("n")
        page.keyboard.type("=HYPERLINK(\"x\") <b>kept as text</b>")  # a note that must stay inert text
        page.keyboard.press("Escape")
        third = page.locator('#segments tbody tr:not([data-sev="ok"])').nth(2)
        third_id = third.get_attribute("data-id")
        third.locator('button[data-status="false-alarm"]').click()  # the mouse
        assert page.locator("#reviewed").inner_text() == f"3 of {flagged} flagged reviewed"
        page.reload()
        page.wait_for_selector("#segments tbody tr")
        assert page.locator("#reviewed").inner_text() == f"3 of {flagged} flagged reviewed"
        # Sorting and filtering do not lose a decision.
        page.locator("#segments th[data-key=q]").click()
        page.select_option("#f-sev", "major")
        row = page.locator(f'#segments tbody tr[data-id="{first_id}"]')
        if row.count():
            assert row.locator('button[data-status="false-alarm"]').get_attribute("aria-pressed") == "true"
        page.select_option("#f-sev", "")
        again = page.locator(f'#segments tbody tr[data-id="{third_id}"]')
        assert again.locator('button[data-status="false-alarm"]').get_attribute("aria-pressed") == "true"
        assert page.locator("#segments b").count() == 0  # the note was never parsed as markup
        with page.expect_download() as download:
            page.click("#download")
        verdicts_csv = tmp_path / "verdicts.csv"
        download.value.save_as(verdicts_csv)
    assert events["console_errors"] == [] and events["page_errors"] == []
    assert events["requests"] == [path.resolve().as_uri()] * 2  # the page and its reload, nothing else

    verdicts = read_report_csv(verdicts_csv)
    assert len(verdicts) == len(seg) and sorted(verdicts.loc[verdicts["status"] != "", "status"]) == [
        "false-alarm", "false-alarm", "fixed"]
    assert verdicts["mt"].tolist() == seg["mt"].tolist() and verdicts["checks"].tolist() == seg["checks"].tolist()
    assert '=HYPERLINK("x") <b>kept as text</b>' in verdicts["editor_note"].tolist()
    assert "'=HYPERLINK" in verdicts_csv.read_text(encoding="utf-8")  # no formula runs in a spreadsheet
    false_alarms = seg.loc[verdicts["status"] == "false-alarm", "checks"].str.split(";").map(len).sum()

    second = tmp_path / "second"
    result = invoke("check", SAMPLE, "-o", second, "--no-fluency", "--verdicts", verdicts_csv)  # the console too
    assert result.exit_code == 0, result.output
    summary = json.loads((second / "summary.json").read_text(encoding="utf-8"))
    assert summary["verdicts"]["reviewed"] == 3
    # At least one finding per false-alarmed check; more where the same text repeats (page headers).
    assert summary["verdicts"]["suppressed_findings"] >= false_alarms > 0
    after = read_report_csv(second / "segments.csv")
    for i in seg.index[verdicts["status"] == "false-alarm"]:
        assert "Suppressed:" in after.at[i, "explanation"]
    assert "3 reviewed segments read from" in result.output and "findings suppressed" in result.output
    assert (after["status"] == "").all()  # carried-over verdicts are not new editor work in the worklist
    # The second report starts with the three decisions (issue 27), on their rows, marked as carried over.
    reviewed = {(r["doc_id"], r["seg_id"]): r["status"] for _, r in verdicts[verdicts["status"] != ""].iterrows()}
    with open_page(second / "report.html") as (page, events):
        read = page.locator("#verdicts-read").inner_text()
        assert "3 reviewed segments read from" in read
        assert "3 segments below start with the status an editor gave them" in read
        pressed = page.locator('#segments tbody tr:has(button[aria-pressed="true"])')
        assert pressed.count() >= 3
        shown = {}
        for k in range(pressed.count()):
            row = pressed.nth(k)
            where = row.locator("td").nth(1).inner_text().split("\n")[0].split(" #")
            shown[(where[0], where[1])] = row.locator('button[aria-pressed="true"]').get_attribute("data-status")
            assert row.locator(".earlier").count() == 1
        for key, status in reviewed.items():
            assert shown.get(key) == status
        with page.expect_download() as download:
            page.click("#download")
        again = tmp_path / "again.csv"
        download.value.save_as(again)
    assert events["console_errors"] == [] and events["page_errors"] == []
    assert "fixed" in set(read_report_csv(again)["status"])  # the carried-over decisions download again
    # The spreadsheet route reads the same file: the browser's verdicts are interchangeable with it.
    sheet = seg.assign(status=verdicts["status"], editor_note=verdicts["editor_note"])
    sheet.to_csv(tmp_path / "sheet.csv", index=False)
    third_run = tmp_path / "third"
    assert invoke("check", SAMPLE, "-o", third_run, "-q", "--no-fluency", "--verdicts",
                  tmp_path / "sheet.csv").exit_code == 0
    assert json.loads((third_run / "summary.json").read_text(encoding="utf-8"))["verdicts"] == {
        **summary["verdicts"], "file": str(tmp_path / "sheet.csv")}

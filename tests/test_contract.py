"""The output contract (docs/outputs.md, "Output contract"): segments.csv, findings.csv, summary.json, report.html."""

import csv
import json
import re

import pandas as pd
import pytest

from conftest import SAMPLE, TED_TSV
from mtcheck.pipeline import run
from mtcheck.report import write_report

REQUIRED = ["doc_id", "seg_id", "src", "mt", "ref", "quality", "severity", "flagged", "checks", "explanation"]


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory, sample_result):
    out = tmp_path_factory.mktemp("sample")
    write_report(sample_result, out)
    return out


@pytest.fixture(scope="module")
def ted_out(tmp_path_factory, ted_result):
    out = tmp_path_factory.mktemp("ted")
    write_report(ted_result, out)
    return out


def read_segments(folder):
    return pd.read_csv(folder / "segments.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("which", ["sample_out", "ted_out"])
def test_segments_csv_columns_and_values(which, request):
    seg = read_segments(request.getfixturevalue(which))
    assert REQUIRED == [c for c in seg.columns if c in REQUIRED]
    assert set(seg["severity"]) <= {"ok", "minor", "major", "critical"}
    assert set(seg["flagged"]) <= {"true", "false"}
    assert ((seg["flagged"] == "true") == (seg["severity"] != "ok")).all()
    quality = seg["quality"].astype(float)
    assert quality.between(0, 100).all()
    assert (seg["explanation"].str.len() > 0).all()
    assert seg["checks"].map(lambda c: all(re.fullmatch(r"[a-z-]+", x) for x in c.split(";") if x)).all()
    assert seg.columns[-2:].tolist() == ["status", "editor_note"]


def test_reference_run_has_metric_columns_and_quality_follows_expected_mqm(ted_out):
    seg = read_segments(ted_out)
    for col in ("chrf", "bleu", "emb_sim_ref", "xsim", "xsim_margin", "expected_mqm", "p_major"):
        assert col in seg.columns and (seg[col] != "").all(), col
    assert "ter" not in seg.columns  # opt-in (--ter)
    assert (seg["severity"] == "ok").any() and (seg["severity"] != "ok").any()
    # Flagged rows too: a finding's MQM points are in expected_mqm (quality/fusion.py), not a cap beside it.
    expected = 100 - 4 * seg["expected_mqm"].astype(float)
    assert (seg["quality"].astype(float) - expected).abs().max() < 0.02
    assert ted_out.joinpath("segments.csv").read_text(encoding="utf-8").count("\n") == 121


def test_sample_run_has_no_reference_metrics(sample_out):
    seg = read_segments(sample_out)
    assert "chrf" not in seg.columns and (seg["ref"] == "").all() and (seg["src"] == "").all()
    assert (seg["doc_id"] == "news-page").all()
    assert seg["seg_id"].astype(int).tolist() == list(range(1, 79))


def test_findings_csv_spans_point_into_mt(sample_out):
    seg = read_segments(sample_out).set_index("seg_id")
    findings = pd.read_csv(sample_out / "findings.csv", dtype=str, keep_default_na=False)
    assert findings.columns.tolist() == ["doc_id", "seg_id", "check", "severity", "start", "end", "span", "message",
                                      "suppressed"]
    assert len(findings) > 0
    for f in findings.itertuples():
        assert seg.at[f.seg_id, "mt"][int(f.start):int(f.end)] == f.span


def test_summary_json_contract(ted_out):
    summary = json.loads((ted_out / "summary.json").read_text(encoding="utf-8"))
    for key in ("tool", "version", "schema_version", "inputs", "segments", "flagged", "severity_counts",
                "check_findings", "check_segments", "corpus_scores", "models", "signals"):
        assert key in summary, key
    assert summary["inputs"][0]["sha256"] and summary["inputs"][0]["path"].endswith("ted-zh-en-40.tsv")
    assert sum(summary["severity_counts"].values()) == summary["segments"] == 120
    assert all(e["signature"].startswith("nrefs:1") for e in summary["corpus_scores"])


def embedded_rows(html: str) -> list[dict]:
    match = re.search(r'<script type="application/json" id="rows">(.*?)</script>', html, re.S)
    assert match, "no embedded rows"
    return json.loads(match.group(1))


def test_html_is_self_contained(sample_out):
    html = (sample_out / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    rows = embedded_rows(html)
    assert len(rows) == 78 and rows[0]["v"] == "major"  # worst first
    doubled = [p for r in rows for p in r["m"] if p[0] == "vitality and vitality"]
    assert doubled and doubled[0][1] == "minor" and "doubled-word" in doubled[0][2]


def hostile_frame():
    return pd.DataFrame({
        "mt": ["<script>alert(1)</script> is shown as text", "=HYPERLINK(\"http://x\",\"click\")",
               "+1 555 0100 call now", "@SUM(A1:A2)", "-- President Xi said", "مرحبا بالعالم 😀 &amp; done."],
        "ref": ["", "", "", "", "", ""],
    })


def test_hostile_text_is_escaped_in_html_and_neutralised_in_csv(tmp_path):
    result = run(frame=hostile_frame())
    write_report(result, tmp_path)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "</script> is shown" not in html
    assert "\\u003cscript\\u003e" in html and "\\u003c/script\\u003e" in html
    texts = {"".join(p[0] for p in r["m"]) for r in embedded_rows(html)}
    assert texts == set(hostile_frame()["mt"])  # the page gets the exact text back, to show as text
    with open(tmp_path / "segments.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    mts = [r["mt"] for r in rows]
    for value in mts:
        assert not value.startswith(("=", "+", "-", "@")), value
    assert "'=HYPERLINK(\"http://x\",\"click\")" in mts and "'-- President Xi said" in mts


def test_python_api_returns_the_csv_columns():
    import mtcheck

    frame = mtcheck.check(str(SAMPLE))
    assert REQUIRED == [c for c in frame.columns if c in REQUIRED]
    direct = mtcheck.check(pd.read_csv(TED_TSV, sep="\t", quoting=csv.QUOTE_NONE, dtype=str,
                                       keep_default_na=False).head(5), scorers=("sacrebleu",))
    assert len(direct) == 5 and "chrf" in direct.columns


def test_python_api_takes_a_list_of_mt_files_as_systems(tmp_path):
    import mtcheck
    from conftest import TED_LINES

    other = tmp_path / "other.txt"
    other.write_text((TED_LINES / "ref.txt").read_text(encoding="utf-8"), encoding="utf-8")
    frame = mtcheck.check([TED_LINES / "mt.txt", other], refs=TED_LINES / "ref.txt", fluency="off")
    assert frame["system"].tolist() == ["mt"] * 40 + ["other"] * 40
    # The second "system" is the reference itself: chrF++ 100 on every row.
    assert (frame.loc[frame["system"] == "other", "chrf"] == 100).all()


def test_xlsx_has_same_columns_frozen_header_filters_and_no_formulas(tmp_path):
    from openpyxl import load_workbook

    result = run(frame=hostile_frame())
    paths = write_report(result, tmp_path, xlsx=True)
    sheet = load_workbook(paths["segments.xlsx"]).active
    header = [c.value for c in sheet[1]]
    with open(tmp_path / "segments.csv", encoding="utf-8", newline="") as handle:
        assert header == next(csv.reader(handle))
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    mt_col = header.index("mt") + 1
    cells = [sheet.cell(row=r, column=mt_col) for r in range(2, sheet.max_row + 1)]
    assert {c.value for c in cells} == set(hostile_frame()["mt"])  # exact text, no apostrophe added
    assert all(c.data_type == "s" for c in cells)                  # and none of it is a formula
    sev_col = header.index("severity") + 1
    assert sheet.cell(row=2, column=sev_col).fill.start_color.rgb.endswith(("D3F9D8", "FFF3BF", "FFE3D3", "FFC9C9"))


def test_excel_flag_writes_a_bom(tmp_path):
    write_report(run(frame=hostile_frame()), tmp_path, excel=True)
    assert (tmp_path / "segments.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    write_report(run(frame=hostile_frame()), tmp_path / "plain")
    assert not (tmp_path / "plain" / "segments.csv").read_bytes().startswith(b"\xef\xbb\xbf")

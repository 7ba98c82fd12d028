"""Editorial workflow: quality gate, routing bands and configuration, on the sample and on human text."""

import json

import pytest
from typer.testing import CliRunner

from conftest import SAMPLE, TED_LINES
from mtcheck.cli import app
from mtcheck.editorial.config import find_config, load_config
from mtcheck.errors import UsageError
from mtcheck.editorial.routing import DEFAULT_BANDS, Gate, evaluate_gate, route_segments

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def summary_of(folder):
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def test_gate_fails_on_the_sample_with_fail_on_major(tmp_path):
    out = tmp_path / "r"
    result = invoke("check", SAMPLE, "-o", out, "-q", "--fail-on", "major")
    assert result.exit_code == 1, result.output
    assert "quality gate failed" in result.output and "severity major or worse" in result.output
    gate = summary_of(out)["gate"]
    assert gate["passed"] is False and gate["rules"] == {"fail_on": "major"}
    assert (out / "report.html").exists()  # the report is still written: the editor needs it


def test_gate_passes_on_fluent_human_text(tmp_path):
    # Professional human translations (the TED references) checked as if they were MT.
    out = tmp_path / "r"
    result = invoke("check", "-t", TED_LINES / "ref.txt", "-o", out, "-q", "--fail-on", "major")
    assert result.exit_code == 0, result.output
    assert "quality gate passed" in result.output and summary_of(out)["gate"]["passed"] is True


def test_fail_under_and_max_flagged(sample_result):
    seg = sample_result.segments
    mean = seg["quality"].mean()
    assert not evaluate_gate(seg, Gate(fail_under=mean + 1)).passed
    assert evaluate_gate(seg, Gate(fail_under=mean - 1)).passed
    share = seg["flagged"].mean()
    failed = evaluate_gate(seg, Gate(max_flagged=share - 0.01))
    assert not failed.passed and "flagged" in failed.reasons[0]
    assert evaluate_gate(seg, Gate(max_flagged=share)).passed


@pytest.mark.parametrize("kwargs", [{"fail_on": "ok"}, {"fail_under": 120}, {"max_flagged": 5}])
def test_gate_rejects_impossible_rules(kwargs):
    with pytest.raises(UsageError):
        Gate(**kwargs)


def test_routes_follow_severity_and_quality(sample_result):
    seg = sample_result.segments
    assert set(seg["route"]) <= {b["route"] for b in DEFAULT_BANDS}
    major = seg[seg["severity"] == "major"]
    # Findings add their MQM points (quality/fusion.py): two major findings on top of the head's estimate can pass
    # 15 points, below quality 40, where the segment is better translated again.
    assert (major.loc[major["quality"] >= 40, "route"] == "full post-edit").all()
    assert (major.loc[major["quality"] < 40, "route"] == "retranslate").all()
    assert (seg.loc[seg["route"] == "publish", "severity"] == "ok").all()
    counts = sample_result.summary["routes"]
    assert list(counts) == [b["route"] for b in DEFAULT_BANDS] and sum(counts.values()) == len(seg)


def test_custom_bands_first_match_wins(sample_result):
    bands = [{"route": "ship", "min_quality": 85}, {"route": "edit"}]
    routes = route_segments(sample_result.segments, bands)
    expected = ["ship" if q >= 85 else "edit" for q in sample_result.segments["quality"]]
    assert routes == expected


def test_config_is_found_upward_and_pyproject_table_works(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.mtcheck]\ntarget_lang = "de"\n[tool.mtcheck.gate]\n'
                                             'fail_on = "critical"\n', encoding="utf-8")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    assert find_config() == tmp_path / "pyproject.toml"
    cfg = load_config()
    assert cfg.values == {"target_lang": "de"} and cfg.gate == {"fail_on": "critical"}
    (nested / "mtcheck.toml").write_text('fluency = "off"\n', encoding="utf-8")
    assert load_config().values == {"fluency": "off"}  # the nearest file wins


def test_unknown_config_key_names_key_file_and_line(tmp_path):
    cfg = tmp_path / "mtcheck.toml"
    cfg.write_text('target_lang = "en"\n\n[gate]\nfail_on = "major"\nfail_undr = 70\n', encoding="utf-8")
    result = invoke("check", SAMPLE, "-o", tmp_path / "r", "--config", cfg)
    assert result.exit_code == 2
    assert f"{cfg}:5: unknown configuration key 'gate.fail_undr'" in result.output
    assert not (tmp_path / "r").exists()


def test_config_sets_checks_severity_and_gate_and_flags_override(tmp_path):
    cfg = tmp_path / "mtcheck.toml"
    cfg.write_text('checks = ["tag-trail", "doubled-word"]\n[check.tag-trail]\nseverity = "minor"\n'
                   '[gate]\nfail_on = "major"\n', encoding="utf-8")
    out = tmp_path / "r"
    result = invoke("check", SAMPLE, "-o", out, "-q", "--no-fluency", "--config", cfg)
    summary = summary_of(out)
    assert set(summary["check_findings"]) <= {"tag-trail", "doubled-word", "low-quality"}
    assert "major" not in {f["severity"] for f in _findings(out) if f["check"] == "tag-trail"}
    # tag-trail is minor now, so nothing is major: the configured gate passes.
    assert result.exit_code == 0, result.output
    assert summary["gate"]["passed"] is True
    # A flag beats the file.
    result = invoke("check", SAMPLE, "-o", out, "-q", "--no-fluency", "--config", cfg, "--force",
                    "--checks", "run-on", "--fail-on", "minor")
    assert result.exit_code == 1 and set(summary_of(out)["check_findings"]) <= {"run-on", "low-quality"}


def _findings(folder):
    import csv

    with open(folder / "findings.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_check_can_be_disabled_in_config(tmp_path):
    cfg = tmp_path / "mtcheck.toml"
    cfg.write_text('[check.duplicate-segment]\nenabled = false\n[check.grammar]\nenabled = true\n',
                   encoding="utf-8")
    opts = load_config(cfg)
    from mtcheck.pipeline import CheckOptions, enabled_checks

    names = enabled_checks(CheckOptions(check_settings=opts.check_settings))
    assert "duplicate-segment" not in names and "grammar" in names


def test_bad_routing_band_is_refused(tmp_path):
    cfg = tmp_path / "mtcheck.toml"
    cfg.write_text('[[routing]]\nroute = "publish"\nmin_qualty = 90\n', encoding="utf-8")
    with pytest.raises(UsageError, match="unknown key 'min_qualty'"):
        load_config(cfg)

"""`--annotate-xliff`: findings back into the translator's XLIFF as ITS 2.0, and the post-editor's work read back.

The fixtures are real TED MT (tests/data/formats/review-1.2.xlf and review-2.0.xlf) with inline codes
(`<g>`, `<x/>`, `<ph>`; `<pc>`, `<ph/>`, `<sc/>`/`<ec/>`), notes, comments, CDATA, `xml:space` and
elements and attributes of other namespaces, and two injected errors: a loop (unit 86) and a number the
source does not have (unit 90). translate-toolkit, a reader nobody here wrote, reads every output.
"""

import json
from xml.etree.ElementTree import canonicalize

import pytest
from typer.testing import CliRunner

from conftest import DATA
from mtcheck.cli import app

FORMATS = DATA / "formats"
ITS = "http://www.w3.org/2005/11/its"
runner = CliRunner()


def check(*args):
    result = runner.invoke(app, ["check", *map(str, args), "--no-fluency", "-q"])
    return result


def annotate(tmp_path, version, name="out.xlf", *extra):
    out = tmp_path / name
    result = check(FORMATS / f"review-{version}.xlf", "-o", tmp_path / f"report-{name}", "--annotate-xliff", out,
                   *extra)
    assert result.exit_code == 0, result.output
    return out


def _drop(elem):
    """Remove an element the annotation added, with the indentation it added (whitespace tails are swapped
    in, not joined)."""
    parent, prev, tail = elem.getparent(), elem.getprevious(), elem.tail or ""
    if prev is None:
        parent.text = tail if not (parent.text or "").strip() and not tail.strip() else (parent.text or "") + tail
    else:
        prev.tail = tail if not (prev.tail or "").strip() and not tail.strip() else (prev.tail or "") + tail
    parent.remove(elem)


def _unwrap(elem):
    parent, prev = elem.getparent(), elem.getprevious()
    at = parent.index(elem)

    def append_text(text, after):
        if after is None:
            parent.text = (parent.text or "") + text
        else:
            after.tail = (after.tail or "") + text
    append_text(elem.text or "", prev)
    children = list(elem)
    for k, child in enumerate(children):
        parent.insert(at + k, child)
    append_text(elem.tail or "", children[-1] if children else prev)
    elem.tail = None
    parent.remove(elem)


def stripped(data: bytes) -> str:
    """The canonical XML (C14N 2.0, comments kept) without what --annotate-xliff adds: ITS elements and
    attributes, mtcheck's <mrk> and its processing instructions; review states are compared apart."""
    import re

    from lxml import etree

    data = re.sub(rb"<\?mtcheck-(?:annotated|left|was) .*?\?>\n?", b"", data, flags=re.S)
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, strip_cdata=False))
    for elem in [e for e in root.iter() if isinstance(e.tag, str) and e.tag.startswith(f"{{{ITS}}}")]:
        _drop(elem)
    for elem in [e for e in root.iter() if isinstance(e.tag, str) and e.tag.endswith("}mrk")
                 and (e.get("mtype") == "x-its" or e.get("type") in ("its:generic", "its:any"))]:
        _unwrap(elem)
    for elem in root.iter():
        if isinstance(elem.tag, str):
            for name in [n for n in elem.attrib if n.startswith(f"{{{ITS}}}") or n in ("state", "subState")]:
                del elem.attrib[name]
    return canonicalize(etree.tostring(root.getroottree(), encoding="unicode"), with_comments=True)


def states(data: bytes) -> dict:
    """Each row's review state: 1.2 the target's `state` by trans-unit id; 2.0 `state` and `subState` by
    unit/segment id."""
    from lxml import etree

    root = etree.fromstring(data)
    out = {}
    for elem in root.iter():
        if not isinstance(elem.tag, str):
            continue
        name = elem.tag.rsplit("}", 1)[-1]
        if name == "trans-unit":
            target = next((c for c in elem if isinstance(c.tag, str) and c.tag.endswith("}target")), None)
            out[elem.get("id")] = (target.get("state") if target is not None else None, None)
        elif name == "segment":
            out[f"{elem.getparent().get('id')}/{elem.get('id') or ''}"] = (elem.get("state"), elem.get("subState"))
    return out


def units(path, version):
    from translate.storage import xliff, xliff2

    store = (xliff.xlifffile if version == "1.2" else xliff2.Xliff2File).parsefile(str(path))
    return [(u.getid(), str(u.source), None if u.target is None else str(u.target)) for u in store.units]


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_annotated_xliff_is_the_input_plus_annotations(tmp_path, version):
    source = FORMATS / f"review-{version}.xlf"
    out = annotate(tmp_path, version)
    data = out.read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')  # the declaration, byte for byte
    assert stripped(data) == stripped(source.read_bytes())
    # Only the flagged units changed state: the loop (86), the number (90) and unit 87, whose
    # target has inline codes (<ph>; <sc/>, <ec/>) that its source does not have (placeholder-mismatch).
    before, after = states(source.read_bytes()), states(data)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == ({"86", "87", "90"} if version == "1.2" else {"u86/", "u87/", "u90/"})
    expected = ("needs-review-translation", None) if version == "1.2" else ("translated", "mtcheck:full-post-edit")
    assert {after[k] for k in changed} == {expected}


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_translate_toolkit_reads_the_same_units(tmp_path, version):
    out = annotate(tmp_path, version)
    assert units(out, version) == units(FORMATS / f"review-{version}.xlf", version)


def test_spans_issues_and_rating_are_its(tmp_path):
    """With --xliff-spans, a finding's span is marked inside the target."""
    from lxml import etree

    root = etree.parse(str(annotate(tmp_path, "1.2", "out.xlf", "--xliff-spans"))).getroot()
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2", "its": ITS}
    assert root.get(f"{{{ITS}}}version") == "2.0"
    loop = root.find(".//x:trans-unit[@id='86']", ns)
    mrk = loop.find("x:target/x:mrk", ns)
    assert mrk.get("mtype") == "x-its" and mrk.text == "so dazzling, so dazzling, so dazzling"
    group = loop.find(f"its:locQualityIssues[@{{http://www.w3.org/XML/1998/namespace}}id='{mrk.get(f'{{{ITS}}}locQualityIssuesRef')[1:]}']", ns)
    issue = group.find("its:locQualityIssue", ns)
    assert issue.get("locQualityIssueType") == "duplication" and issue.get("locQualityIssueSeverity") == "20"
    assert issue.get("locQualityIssueProfileRef") == "urn:mtcheck:check:repeated-phrase"
    assert "loop" in issue.get("locQualityIssueComment")
    number = root.find(".//x:trans-unit[@id='90']/x:target/x:mrk", ns)
    assert number.text == "12"
    seg = json.loads((tmp_path / "report-out.xlf" / "summary.json").read_text(encoding="utf-8"))
    # The loop, the number, and unit 87's <ph> that its source does not have.
    assert seg["annotated_xliff"]["issues"] == 3 and seg["annotated_xliff"]["flagged"] == 3
    code = root.find(".//x:trans-unit[@id='87']", ns)
    assert "placeholder-mismatch" in code.find("its:locQualityIssues/its:locQualityIssue", ns).get(
        "locQualityIssueProfileRef")
    for unit in root.iterfind(".//x:trans-unit", ns):
        score = float(unit.find("x:target", ns).get(f"{{{ITS}}}locQualityRatingScore"))
        assert 0 <= score <= 100


def test_round_trip_through_translate_toolkit(tmp_path):
    """check -> annotate -> edit two targets and remove one issue with translate-toolkit -> read back:
    two post-edits and one false alarm."""
    from translate.storage import xliff

    out = annotate(tmp_path, "1.2")
    store = xliff.xlifffile.parsefile(str(out))
    by_id = {u.getid().split("\x04")[-1]: u for u in store.units}
    by_id["85"].target = "We stand on Earth and look up at the night sky; we see the stars with the naked eye."
    by_id["86"].target = "The strong sunlight is so dazzling,"
    number = by_id["90"]  # the reviewer deletes the number issue and signs the unit off, text unchanged
    for group in [e for e in number.xmlelement if e.tag == f"{{{ITS}}}locQualityIssues"]:
        for issue in list(group):
            group.remove(issue)
    number.markapproved(True)
    reviewed = tmp_path / "reviewed.xlf"
    reviewed.write_bytes(bytes(store))
    second = tmp_path / "second"
    result = check(FORMATS / "review-1.2.xlf", "-o", second, "--post-edits", reviewed, "--verdicts", reviewed)
    assert result.exit_code == 0, result.output
    summary = json.loads((second / "summary.json").read_text(encoding="utf-8"))
    assert summary["post_edits"]["changed"] == 2
    assert summary["post_edits"]["deleted"] == [] and summary["post_edits"]["added"] == []
    assert summary["verdicts"]["suppressed_findings"] == 1
    assert summary["verdicts"]["precision"] == {
        "number-mismatch": {"fixed": 0, "false_alarm": 1, "precision": 0.0},
        "repeated-phrase": {"fixed": 1, "false_alarm": 0, "precision": 1.0}}
    import pandas as pd
    seg = pd.read_csv(second / "segments.csv", dtype=str, keep_default_na=False).set_index("seg_id")
    assert seg.at["90", "severity"] == "ok" and "Suppressed: number-mismatch" in seg.at["90", "explanation"]
    assert seg.at["85", "pe_changed"] == "True" and seg.at["84", "pe_changed"] == "False"


def test_units_are_matched_by_id_and_strays_reported(tmp_path):
    from lxml import etree

    out = annotate(tmp_path, "1.2")
    tree = etree.parse(str(out))
    body = tree.getroot().find(".//{urn:oasis:names:tc:xliff:document:1.2}body")
    units = body.findall("{urn:oasis:names:tc:xliff:document:1.2}trans-unit")
    body.remove(units[0])                   # the reviewer's tool dropped unit 84
    units[-1].set("id", "99")               # and 93 came back as 99
    body.insert(0, units[-1].__copy__())    # moved to the front: position means nothing
    body.remove(units[-1])
    reviewed = tmp_path / "reviewed.xlf"
    tree.write(str(reviewed), xml_declaration=True, encoding="UTF-8")
    result = check(FORMATS / "review-1.2.xlf", "-o", tmp_path / "r2", "--post-edits", reviewed)
    assert result.exit_code == 0, result.output
    pe = json.loads((tmp_path / "r2" / "summary.json").read_text(encoding="utf-8"))["post_edits"]
    assert pe["deleted"] == ["talk2.html#84", "talk2.html#93"] and pe["added"] == ["talk2.html#99"]
    assert pe["segments"] == 5 and pe["changed"] == 0


def test_never_overwrites_the_input_or_a_reviewed_file(tmp_path):
    source = tmp_path / "project.xlf"
    source.write_bytes((FORMATS / "review-1.2.xlf").read_bytes())
    result = check(source, "-o", tmp_path / "r", "--annotate-xliff", source)
    assert result.exit_code == 2 and "is the input" in result.output
    assert source.read_bytes() == (FORMATS / "review-1.2.xlf").read_bytes()
    foreign = tmp_path / "theirs.xlf"
    foreign.write_text("<xliff/>", encoding="utf-8")
    result = check(source, "-o", tmp_path / "r", "--annotate-xliff", foreign)
    assert result.exit_code == 2 and "not written by mtcheck" in result.output
    out = tmp_path / "out.xlf"
    assert check(source, "-o", tmp_path / "r", "--annotate-xliff", out).exit_code == 0
    assert check(source, "-o", tmp_path / "r", "--annotate-xliff", out, "--force").exit_code == 0  # its own: fine
    assert check(source, "-o", tmp_path / "r2", "--annotate-xliff", out).exit_code == 0
    edited = out.read_text(encoding="utf-8").replace('state="needs-review-translation"', 'state="signed-off"', 1)
    out.write_text(edited, encoding="utf-8")  # a person signed a unit off
    result = check(source, "-o", tmp_path / "r3", "--annotate-xliff", out)
    assert result.exit_code == 2 and "a person has changed" in result.output
    assert out.read_text(encoding="utf-8") == edited
    assert check(source, "-o", tmp_path / "r3", "--annotate-xliff", out, "--force").exit_code == 0


def test_hostile_xliff_is_refused_and_nothing_written(tmp_path):
    out = tmp_path / "out.xlf"
    for name in ("bomb.xlf", "malformed.xlf"):
        result = check(FORMATS / name, "-o", tmp_path / name, "--annotate-xliff", out)
        assert result.exit_code == 2 and name in result.output
        assert not out.exists() and not (tmp_path / name).exists()


def test_annotate_needs_an_xliff_input(tmp_path):
    result = check(DATA / "ted-zh-en-40.tsv", "-o", tmp_path / "r", "--annotate-xliff", tmp_path / "o.xlf")
    assert result.exit_code == 2 and "not one" in result.output and not (tmp_path / "o.xlf").exists()


def test_pass_state_marks_the_units_that_pass(tmp_path):
    out = annotate(tmp_path, "2.0", "pass.xlf", "--xliff-pass-state", "reviewed")
    after = states(out.read_bytes())
    assert after["u93/"] == ("reviewed", None) and after["u90/"] == ("translated", "mtcheck:full-post-edit")


def test_pass_state_must_be_a_state_of_the_version(tmp_path):
    result = check(FORMATS / "review-2.0.xlf", "-o", tmp_path / "r", "--annotate-xliff", tmp_path / "o.xlf",
                   "--xliff-pass-state", "signed-off")
    assert result.exit_code == 2 and "not an XLIFF 2.0 state" in result.output and "reviewed" in result.output
    assert not (tmp_path / "o.xlf").exists()


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_a_post_edit_with_a_tool_that_keeps_markup_repeats_nothing(tmp_path, version):
    """Issue 35, defect 12: translate-toolkit puts a new target text first and keeps every child element with
    the text after it. By default mtcheck's markup is empty and last, so the edited target is the new text
    alone, and the read-back sees a post-edit."""
    from lxml import etree

    if version == "1.2":
        from translate.storage.xliff import xlifffile as store_class
    else:
        from translate.storage.xliff2 import Xliff2File as store_class
    out = annotate(tmp_path, version)
    store = store_class.parsefile(str(out))
    loop = next(u for u in store.units if u.target and "so dazzling, so dazzling" in u.target)
    edited = "The strong sunlight is so dazzling,"
    loop.target = edited
    returned = tmp_path / f"returned-{version}.xlf"
    returned.write_bytes(bytes(store))
    again = store_class.parsefile(str(returned))
    assert next(u for u in again.units if u.getid() == loop.getid()).target == edited
    target = next(t for t in etree.parse(str(returned)).getroot().iter("{*}target")
                  if "".join(t.itertext()).startswith(edited))
    assert "".join(target.itertext()) == edited  # the old "so dazzling, so dazzling, ..." is not repeated
    result = check(FORMATS / f"review-{version}.xlf", "-o", tmp_path / "back", "--post-edits", returned)
    assert result.exit_code == 0, result.output
    post_edits = json.loads((tmp_path / "back" / "summary.json").read_text(encoding="utf-8"))["post_edits"]
    assert post_edits["changed"] == 1 and post_edits["flag_recall"] == 1.0  # the one edit, on a flagged row

"""XLIFF as other tools write it (issue 35): real files from public repositories, tests/data/xliff-wild/.

The files are Symfony's validator messages (XLIFF 1.2, MIT): software strings with `{{ placeholders }}`,
`singular|plural` variants and labels. A reviewer's work on the annotated file is done with
translate-toolkit, a library nobody here wrote, as a CAT tool built on it would.
"""

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import DATA
from mtcheck.cli import app

WILD = DATA / "xliff-wild"
runner = CliRunner()


def run(*args):
    result = runner.invoke(app, ["check", *map(str, args), "--no-fluency", "-q"])
    assert result.exit_code == 0, result.output
    return result


def segments(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "segments.csv", dtype=str, keep_default_na=False).set_index("seg_id")


def german(tmp_path, name: str, *edits: tuple[str, str]) -> Path:
    """Symfony's German file with each (old, new) edit made once, as a translator or a tool changed it."""
    text = (WILD / "symfony-validators.de.xlf").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old  # an edit that no longer applies must not pass silently
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def flagged_by(folder, check: str) -> set:
    seg = segments(folder)
    return set(seg.index[seg["checks"].str.contains(check)])


def xliff2(path: Path, body: str, root: str = 'srcLang="en" trgLang="de"') -> Path:
    """A minimal XLIFF 2.0 file around `body` (its <file> content)."""
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n'
                    f'<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" {root}>\n'
                    f' <file id="f1">{body}</file>\n</xliff>\n', encoding="utf-8")
    return path


def delivered(tmp_path, name: str, **attrs) -> Path:
    """The real file as a vendor delivers it: every target `final` (and any unit attributes given)."""
    from lxml import etree

    tree = etree.parse(str(WILD / name))
    for elem in tree.iter("{*}trans-unit"):
        for key, value in attrs.items():
            elem.set(key, value)
        target = elem.find("{*}target")
        if target is not None:
            target.set("state", "final")
    path = tmp_path / name
    tree.write(str(path), xml_declaration=True, encoding="utf-8")
    return path


def test_placeholders_and_plural_variants_are_not_findings(tmp_path):
    """Correct Spanish with `{{ compared_value }}` is Spanish; German plural forms that coincide are no loop."""
    run(WILD / "symfony-validators.es.xlf", "--target-lang", "es", "-o", tmp_path / "es")
    es = segments(tmp_path / "es")
    placeholders = es[es["mt"].str.contains("{{", regex=False)]
    assert len(placeholders) > 30
    assert "wrong-language" not in ";".join(placeholders["checks"])
    run(WILD / "symfony-validators.de.xlf", "--target-lang", "de", "-o", tmp_path / "de")
    de = segments(tmp_path / "de")
    assert de.at["19", "mt"].count("Zeichen haben.") == 2  # "...|..." the same sentence twice
    assert "repeated-phrase" not in ";".join(de["checks"])
    # The check still finds a loop inside one variant.
    loop = tmp_path / "loop.xlf"
    text = (WILD / "symfony-validators.de.xlf").read_text(encoding="utf-8")
    loop.write_text(text.replace("Sie sollte höchstens {{ limit }} Zeichen haben.|",
                                 "Sie sollte höchstens {{ limit }} Zeichen Zeichen Zeichen haben.|", 1),
                    encoding="utf-8")
    run(loop, "--target-lang", "de", "-o", tmp_path / "loop")
    assert "repeated-phrase" in segments(tmp_path / "loop").at["19", "checks"]


def test_an_untouched_annotated_file_reads_back_as_no_review(tmp_path):
    """A delivered file (every unit final) annotated and returned untouched holds no review and no false
    alarm; before, every final unit counted as signed off by a reviewer."""
    source = delivered(tmp_path, "symfony-validators.es.xlf")
    out = tmp_path / "annotated.xlf"
    run(source, "--target-lang", "es", "-o", tmp_path / "first", "--annotate-xliff", out)
    run(source, "--target-lang", "es", "-o", tmp_path / "second", "--verdicts", out)
    verdicts = json.loads((tmp_path / "second" / "summary.json").read_text(encoding="utf-8"))["verdicts"]
    assert verdicts["reviewed"] == 0 and verdicts["suppressed_findings"] == 0 and verdicts["precision"] == {}


def test_only_what_a_reviewer_did_reads_back(tmp_path):
    """The reviewer (with translate-toolkit) signs off two units of a delivered file: the flagged one after
    deleting mtcheck's issue (a false alarm), and the label "Error" kept as it is, whose note ("fine for a
    name") was never written into the file and so can be no false alarm."""
    from translate.storage import xliff

    source = delivered(tmp_path, "symfony-validators.es.xlf", approved="yes")
    out = tmp_path / "annotated.xlf"
    run(source, "--target-lang", "es", "-o", tmp_path / "first", "--annotate-xliff", out)
    first = segments(tmp_path / "first")
    flagged = list(first.index[first["flagged"] == "true"])
    assert flagged and "82" not in flagged and first.at["82", "mt"] == "Error"
    store = xliff.xlifffile.parsefile(str(out))
    by_id = {u.getid().split("\x04")[-1]: u for u in store.units}
    assert not by_id[flagged[0]].isapproved()  # flagged: no longer approved="yes"
    assert by_id["82"].isapproved()
    unit = by_id[flagged[0]]
    for group in [e for e in unit.xmlelement if e.tag.endswith("}locQualityIssues")]:
        unit.xmlelement.remove(group)
    unit.markapproved(True)
    by_id["82"].xmlelement.find("{*}target").set("state", "signed-off")  # re-signed by the reviewer
    returned = tmp_path / "returned.xlf"
    returned.write_bytes(bytes(store))
    run(source, "--target-lang", "es", "-o", tmp_path / "second", "--verdicts", returned)
    verdicts = json.loads((tmp_path / "second" / "summary.json").read_text(encoding="utf-8"))["verdicts"]
    assert verdicts["reviewed"] == 2
    check = first.at[flagged[0], "checks"].split(";")[0]
    assert verdicts["precision"] == {check: {"fixed": 0, "false_alarm": 1, "precision": 0.0}}
    assert segments(tmp_path / "second").at[flagged[0], "severity"] == "ok"


def multilingual(tmp_path, units: int = 15) -> Path:
    """One XLIFF 1.2 with three `<file>` elements, German, Japanese and French: the first units of Symfony's
    real files for each, as a localization vendor bundles a delivery."""
    from lxml import etree

    root = None
    for lang in ("de", "ja", "fr"):
        tree = etree.parse(str(WILD / f"symfony-validators.{lang}.xlf"))
        file_elem = tree.find("{*}file")
        file_elem.set("original", f"validators.{lang}")
        body = file_elem.find("{*}body")
        for extra in body.findall("{*}trans-unit")[units:]:
            body.remove(extra)
        if root is None:
            root = tree.getroot()
        else:
            root.append(file_elem)
    path = tmp_path / "validators.de-ja-fr.xlf"
    etree.ElementTree(root).write(str(path), xml_declaration=True, encoding="utf-8")
    return path


LANGUAGE_CHECKS = {"wrong-language", "copied-source", "source-script", "untranslated"}


def test_each_file_of_a_multilingual_xliff_is_checked_in_its_own_language(tmp_path):
    path = multilingual(tmp_path)
    run(path, "-o", tmp_path / "own")
    seg = pd.read_csv(tmp_path / "own" / "segments.csv", dtype=str, keep_default_na=False)
    summary = json.loads((tmp_path / "own" / "summary.json").read_text(encoding="utf-8"))
    assert summary["options"]["row_languages"] is True
    assert list(dict.fromkeys(seg["target_lang"])) == ["de", "ja", "fr"]
    fired = {c for checks in seg["checks"] for c in checks.split(";") if c}
    assert not fired & LANGUAGE_CHECKS, seg[["target_lang", "checks"]]
    # --target-lang overrides the file: then German, Japanese and French are all "not English".
    run(path, "-o", tmp_path / "en", "--target-lang", "en")
    seg = pd.read_csv(tmp_path / "en" / "segments.csv", dtype=str, keep_default_na=False)
    wrong = seg["checks"].str.contains("wrong-language|source-script").groupby(seg["target_lang"]).sum()
    # Every Japanese unit; the German and French ones long enough for language identification (40 letters).
    assert wrong["ja"] == 15 and wrong["de"] >= 3 and wrong["fr"] >= 3


def test_a_file_in_a_language_the_encoder_does_not_cover(tmp_path):
    """Symfony's Urdu messages: read as Urdu (not as English), and the cross-lingual encoder, which was not
    trained on Urdu, is not used rather than calling every unit unrelated to its source. The units still
    in English are caught."""
    run(WILD / "symfony-validators.ur.xlf", "-o", tmp_path / "ur")
    summary = json.loads((tmp_path / "ur" / "summary.json").read_text(encoding="utf-8"))
    assert summary["options"]["target_lang"] == "ur"
    assert "does not cover Urdu (ur)" in summary["models"][0]["engine"]
    seg = segments(tmp_path / "ur")
    english = seg[seg["src"] == seg["mt"]]
    assert len(english) >= 5 and set(english["severity"]) == {"critical"}
    others = seg[seg["src"] != seg["mt"]]
    assert (others["severity"].isin(["major", "critical"])).sum() <= 5  # was 116 of 116 "not English"
    assert "xsim" not in seg.columns or (seg["xsim"] == "").all()


def test_xliff_2_declares_its_languages_on_the_root(tmp_path):
    path = xliff2(tmp_path / "two.xlf",
                  '<unit id="u1"><segment state="translated">\n'
                  '  <source>The file could not be uploaded because it is larger than the allowed size.</source>\n'
                  '  <target>Die Datei konnte nicht hochgeladen werden, weil sie größer als erlaubt ist.</target>\n'
                  ' </segment></unit>')
    run(path, "-o", tmp_path / "r")
    summary = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert summary["options"]["target_lang"] == "de" and summary["options"]["source_lang"] == "en"
    assert segments(tmp_path / "r").at["u1", "severity"] == "ok"


def test_an_unknown_declared_language_is_a_one_line_error(tmp_path):
    path = tmp_path / "odd.xlf"
    text = (WILD / "symfony-validators.de.xlf").read_text(encoding="utf-8")
    path.write_text(text.replace('target-language="de"', 'target-language="x-banana"'), encoding="utf-8")
    result = runner.invoke(app, ["check", str(path), "-o", str(tmp_path / "r"), "-q"])
    assert result.exit_code == 2
    assert "x-banana" in result.output and "--target-lang" in result.output and "Traceback" not in result.output


def test_locked_units_are_neither_checked_nor_annotated(tmp_path):
    """translate="no" on a unit or an enclosing group: the unit is code or a name nobody may change."""
    from lxml import etree

    text = (WILD / "symfony-validators.de.xlf").read_text(encoding="utf-8")
    # Unit 3's target empty and unit 4's an English copy: as mistakes, both would be flagged.
    text = text.replace('<trans-unit id="3">', '<trans-unit id="3" translate="no">')
    text = text.replace("<target>Dieser Wert sollte vom Typ {{ type }} sein.</target>", "<target/>")
    text = text.replace('<trans-unit id="4">', '<trans-unit id="4" translate="no">')
    text = text.replace("<target>Dieser Wert sollte leer sein.</target>", "<target>This value should be blank.</target>")
    path = tmp_path / "locked.xlf"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "annotated.xlf"
    run(path, "-o", tmp_path / "r", "--annotate-xliff", out)
    seg = segments(tmp_path / "r")
    assert "3" not in seg.index and "4" not in seg.index and "5" in seg.index
    tree = etree.parse(str(out))
    for unit in tree.iter("{*}trans-unit"):
        if unit.get("id") in ("3", "4"):
            assert not [e for e in unit.iter() if isinstance(e.tag, str) and "2005/11/its" in e.tag]
            assert not any("2005/11/its" in k for e in unit.iter() for k in e.attrib)
    two = xliff2(tmp_path / "group.xlf",
                 '\n  <group id="code" translate="no"><unit id="c1"><segment><source>npm install --save</source>'
                 '<target>npm install --save</target></segment></unit></group>\n'
                 '  <unit id="u1"><segment><source>The file could not be found.</source>'
                 '<target>Die Datei wurde nicht gefunden.</target></segment></unit>\n ')
    run(two, "-o", tmp_path / "g")
    assert list(segments(tmp_path / "g").index) == ["u1"]


QUIRKS = {
    # Both Okapi-made samples of the W3C ITS 2.0 test suite repeat an xml:id.
    "duplicate xml:id": ('<trans-unit id="1">', '<trans-unit id="1" xml:id="same">',
                         '<trans-unit id="2">', '<trans-unit id="2" xml:id="same">'),
    # A real Matecat test file: a namespace name that is not a URI.
    "namespace name not a URI": ('version="1.2"', 'version="1.2" xmlns:tos="GMAPS: https://maps.example"'),
    # A root that binds the `its` prefix to another namespace.
    "its prefix taken": ('version="1.2"', 'version="1.2" xmlns:its="urn:example:other"'),
}


@pytest.mark.parametrize("quirk", sorted(QUIRKS))
def test_what_is_read_is_written_back_and_read_again(tmp_path, quirk):
    """Files that XML allows and libxml2 refuses by default were read, checked, then refused at the end
    (exit 3, an empty report folder). They are annotated, and the annotation reads back."""
    text = (WILD / "symfony-validators.de.xlf").read_text(encoding="utf-8")
    edits = QUIRKS[quirk]
    for old, new in zip(edits[::2], edits[1::2]):
        text = text.replace(old, new, 1)
    path = tmp_path / "quirk.xlf"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "annotated.xlf"
    run(path, "-o", tmp_path / "r", "--annotate-xliff", out)
    written = out.read_text(encoding="utf-8")
    assert "locQualityIssue " in written  # the flagged units' issues
    for old, new in zip(edits[::2], edits[1::2]):
        assert new.split(" ", 1)[1] in written  # the quirk itself is kept as it was
    run(path, "-o", tmp_path / "back", "--verdicts", out)
    verdicts = json.loads((tmp_path / "back" / "summary.json").read_text(encoding="utf-8"))["verdicts"]
    assert verdicts["reviewed"] == 0


def test_a_2x_segment_without_a_target_keeps_its_state(tmp_path):
    path = xliff2(tmp_path / "notarget.xlf",
                  '\n  <unit id="u1"><segment state="initial"><source>The file could not be found.</source></segment></unit>\n'
                  '  <unit id="u2"><segment><source>The file is too large.</source>'
                  '<target>Die Datei ist zu groß.</target></segment></unit>\n ')
    out = tmp_path / "annotated.xlf"
    run(path, "-o", tmp_path / "r", "--annotate-xliff", out)
    assert segments(tmp_path / "r").at["u1", "severity"] in ("major", "critical")  # the report says it
    text = out.read_text(encoding="utf-8")
    unit = text[text.index('<unit id="u1">'):text.index("</unit>")]
    assert '<segment state="initial">' in unit and "its:" not in unit


ITS_NS = "http://www.w3.org/2005/11/its"


def _with_other_checker(tmp_path) -> Path:
    """The German file as another checker left it: unit 12 (which mtcheck flags) and unit 13 (which it
    passes) carry that tool's issue group, its reference on the target, and its rating."""
    text = (WILD / "symfony-validators.de.xlf").read_text(encoding="utf-8")
    text = text.replace('version="1.2">', f'version="1.2" xmlns:its="{ITS_NS}" its:version="2.0">', 1)
    for unit, rating in (("12", "70"), ("13", "95")):
        start = text.index(f'<trans-unit id="{unit}">')
        end = text.index("</trans-unit>", start)
        block = text[start:end]
        block = block.replace("<target>", f'<target its:locQualityIssuesRef="#other{unit}" '
                              f'its:locQualityRatingScore="{rating}" '
                              'its:locQualityRatingProfileRef="http://checker.example/profile">', 1)
        block += (f'    <its:locQualityIssues xml:id="other{unit}"><its:locQualityIssue '
                  'locQualityIssueType="terminology" locQualityIssueComment="Use the glossary term." '
                  'locQualityIssueSeverity="10"/></its:locQualityIssues>\n            ')
        text = text[:start] + block + text[end:]
    path = tmp_path / "checked-by-others.xlf"
    path.write_text(text, encoding="utf-8")
    return path


def _its_state(path):
    """(every issue group's id, every issue reference, every rating with its profile) in the file."""
    from lxml import etree

    root = etree.parse(str(path)).getroot()
    groups = [e.get("{http://www.w3.org/XML/1998/namespace}id") for e in root.iter(f"{{{ITS_NS}}}locQualityIssues")]
    refs = [v for e in root.iter() if isinstance(e.tag, str)
            for v in [e.get(f"{{{ITS_NS}}}locQualityIssuesRef")] if v]
    ratings = [(e.get(f"{{{ITS_NS}}}locQualityRatingScore"), e.get(f"{{{ITS_NS}}}locQualityRatingProfileRef"))
               for e in root.iter() if isinstance(e.tag, str) and e.get(f"{{{ITS_NS}}}locQualityRatingScore")]
    return groups, refs, ratings


def test_another_tools_its_data_is_kept_and_a_rerun_replaces_only_its_own(tmp_path):
    source = _with_other_checker(tmp_path)
    first = tmp_path / "first.xlf"
    run(source, "-o", tmp_path / "r1", "--annotate-xliff", first)
    groups, refs, ratings = _its_state(first)
    assert {"other12", "other13"} <= set(groups)
    assert "#other12" in refs and "#other13" in refs           # still pointing at the other tool's issues
    assert ("70", "http://checker.example/profile") in ratings and ("95", "http://checker.example/profile") in ratings
    assert set(r.lstrip("#") for r in refs) == set(groups)      # every group referenced, every reference resolves
    mtcheck_ratings = [r for r in ratings if r[1] == "urn:mtcheck:quality"]
    assert len(mtcheck_ratings) == 116
    # mtcheck run again on its own output: the same annotations, not a second layer.
    second = tmp_path / "second.xlf"
    run(first, "-o", tmp_path / "r2", "--annotate-xliff", second)
    again = _its_state(second)
    assert sorted(again[0]) == sorted(groups) and sorted(again[1]) == sorted(refs)
    assert sorted(again[2]) == sorted(ratings)
    assert second.read_text(encoding="utf-8").count("<mrk") == first.read_text(encoding="utf-8").count("<mrk")


def test_pass_states_users_states_and_foreign_substates(tmp_path):
    """1.2 allows user states (x-...) as --xliff-pass-state; in 2.x a pass state drops the subState another
    tool had put beside the state it replaces."""
    run(WILD / "symfony-validators.de.xlf", "-o", tmp_path / "r1", "--annotate-xliff", tmp_path / "one.xlf",
        "--xliff-pass-state", "x-checked")
    text = (tmp_path / "one.xlf").read_text(encoding="utf-8")
    assert text.count('state="x-checked"') == 114  # every unit but the two flagged
    two = xliff2(tmp_path / "two.xlf",
                 '<unit id="u1"><segment state="translated" subState="acme:needs-second-look">'
                 '<source>The file is too large.</source><target>Die Datei ist zu groß.</target></segment></unit>')
    run(two, "-o", tmp_path / "r2", "--annotate-xliff", tmp_path / "two-out.xlf", "--xliff-pass-state", "reviewed")
    text = (tmp_path / "two-out.xlf").read_text(encoding="utf-8")
    assert '<segment state="reviewed">' in text and 'subState="acme:' not in text
    # ...and the file says what the segment was before: a state and subState replaced are recorded.
    assert '<?mtcheck-was {"f1":{"u1":["translated|acme:needs-second-look"]}}?>' in text


def test_repeated_and_missing_ids_are_matched_by_order_and_text(tmp_path):
    """Two units share id 12 and one has no id: the annotation says so, and the returned file is read
    back (it was refused) with each unit matched to its own row."""
    from translate.storage import xliff

    text = (WILD / "symfony-validators.de.xlf").read_text(encoding="utf-8")
    text = text.replace('<trans-unit id="13">', '<trans-unit id="12">', 1).replace('<trans-unit id="14">',
                                                                                 "<trans-unit>", 1)
    path = tmp_path / "ids.xlf"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "annotated.xlf"
    run(path, "-o", tmp_path / "r1", "--annotate-xliff", out)
    summary = json.loads((tmp_path / "r1" / "summary.json").read_text(encoding="utf-8"))
    assert summary["annotated_xliff"]["repeated_ids"] == 1
    store = xliff.xlifffile.parsefile(str(out))
    units = [u for u in store.units if str(u.source) == "This value is not a valid datetime."]
    units[0].target = "Dieser Wert ist kein gültiges Datum mit Uhrzeit."   # the first unit 12, edited
    returned = tmp_path / "returned.xlf"
    returned.write_bytes(bytes(store))
    run(path, "-o", tmp_path / "r2", "--post-edits", returned)
    seg = pd.read_csv(tmp_path / "r2" / "segments.csv", dtype=str, keep_default_na=False)
    twelve = seg[seg["seg_id"] == "12"]
    assert list(twelve["pe_changed"]) == ["True", "False"]  # the edited one, then the second unit 12
    pe = json.loads((tmp_path / "r2" / "summary.json").read_text(encoding="utf-8"))["post_edits"]
    assert pe["changed"] == 1 and pe["deleted"] == [] and pe["added"] == []


def test_cdata_and_windows_line_ends_are_kept(tmp_path):
    path = tmp_path / "crlf.xlf"
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="de">\n'
           ' <file id="f1">\n'
           '  <unit id="u1"><segment><source><![CDATA[Press <Enter> to upload the file to the server.]]></source>'
           '<target><![CDATA[Drücken Sie <Enter>, um die Datei auf den Server hochzuladen.]]></target></segment></unit>\n'
           ' </file>\n</xliff>\n')
    path.write_bytes(xml.replace("\n", "\r\n").encode("utf-8"))
    out = tmp_path / "annotated.xlf"
    run(path, "-o", tmp_path / "r", "--annotate-xliff", out)
    data = out.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") > 5
    assert b"<![CDATA[Dr\xc3\xbccken Sie <Enter>, um die Datei" in data


def test_placeholders_dropped_renamed_or_broken_are_found_in_real_strings(tmp_path):
    """Symfony's German messages with three errors a translator makes: a placeholder dropped, one translated,
    one with a brace lost. The file as it is has none (and its 114 other units stay clean)."""
    path = german(tmp_path, "broken.xlf",
                  ("<target>Dieser Wert sollte vom Typ {{ type }} sein.</target>",
                   "<target>Dieser Wert sollte vom Typ sein.</target>"),
                  ("Dateitypen sind {{ types }}.</target>", "Dateitypen sind {{ typen }}.</target>"),
                  ("kleiner oder gleich {{ limit }} sein.</target>", "kleiner oder gleich {{ limit } sein.</target>"))
    run(path, "-o", tmp_path / "r", "--annotate-xliff", tmp_path / "out.xlf")
    seg = segments(tmp_path / "r")
    assert flagged_by(tmp_path / "r", "placeholder-mismatch") == {"3", "17", "18"}
    assert "'{{ typen }}', instead of '{{types}}'" in seg.at["17", "explanation"]
    run(WILD / "symfony-validators.de.xlf", "-o", tmp_path / "clean")
    assert not segments(tmp_path / "clean")["checks"].str.contains("placeholder-mismatch").any()


def test_inline_codes_are_tags_in_the_translators_comments():
    from mtcheck.report.xliff_its import readable_codes

    assert readable_codes("'{pc:1}Save{/pc:1} {x:2}' is said twice") == "'‹1›Save‹/1› ‹2›' is said twice"


def test_issue_references_in_the_xliff_2_fragment_form_read_back(tmp_path):
    """XLIFF 2.x markup as the 2.1 ITS module writes it: `its:generic` markers and references in the fragment
    form '#its=ID'. A file annotated by an earlier mtcheck ('its:any', '#ID') reads back the same: its unit
    signed off untouched is no false alarm."""
    import re

    source = WILD.parent / "formats" / "review-2.0.xlf"
    out = tmp_path / "annotated.xlf"
    run(source, "-o", tmp_path / "r1", "--annotate-xliff", out)
    text = out.read_text(encoding="utf-8")
    assert 'its:locQualityIssuesRef="#its=mtcheck-lqi-' in text and 'type="its:generic"' in text
    assert "its:any" not in text and 'its:locQualityIssuesRef="#mtcheck-lqi-' not in text
    # as an earlier mtcheck wrote it
    text = re.sub(r'its:locQualityIssuesRef="#its=(mtcheck-lqi-\d+)"', r'its:locQualityIssuesRef="#\1"', text)
    text = text.replace('type="its:generic"', 'type="its:any"')
    # ...and the reviewer signs every flagged segment off (state final), its issues left in place.
    text = re.sub(r'state="translated" subState="mtcheck:[\w.-]+"', 'state="final"', text)
    returned = tmp_path / "returned.xlf"
    returned.write_text(text, encoding="utf-8")
    run(source, "-o", tmp_path / "r2", "--verdicts", returned)
    verdicts = json.loads((tmp_path / "r2" / "summary.json").read_text(encoding="utf-8"))["verdicts"]
    assert verdicts["suppressed_findings"] == 0


def test_whitespace_the_translation_changed_is_found(tmp_path):
    """Symfony's German messages: a trailing space lost where the source has one, and a double space."""
    path = german(tmp_path, "spaces.xlf",
                  ("<source>This value should be false.</source>", "<source>This value should be false. </source>"),
                  ("<target>Dieser Wert sollte true sein.</target>", "<target>Dieser Wert sollte  true sein.</target>"))
    run(path, "--target-lang", "de", "-o", tmp_path / "r")
    seg = segments(tmp_path / "r")
    assert flagged_by(tmp_path / "r", "whitespace") == {"1", "2"}
    assert "at the end differs" in seg.at["1", "explanation"] and "double space" in seg.at["2", "explanation"]


def test_length_limits_set_in_the_file(tmp_path):
    """maxwidth in characters and ITS storageSize in bytes on Symfony's German units (limits a CAT tool or a
    developer would set); pixel widths are not read. Inline codes do not count."""
    # "Dieser Wert sollte false sein." is 30 characters, over unit 1's 25; unit 20's text fits 55 characters
    # but not 55 bytes of UTF-8 ("größer").
    path = german(tmp_path, "limits.xlf",
                  ('version="1.2">', 'version="1.2" xmlns:its="http://www.w3.org/2005/11/its" its:version="2.0">'),
                  ('<trans-unit id="1">', '<trans-unit id="1" maxwidth="25" size-unit="char">'),
                  ('<trans-unit id="2">', '<trans-unit id="2" maxwidth="40" size-unit="char">'),
                  ('<trans-unit id="4">', '<trans-unit id="4" maxwidth="5">'),  # pixels: not read
                  ('<trans-unit id="20">', '<trans-unit id="20" its:storageSize="55">'))
    run(path, "--target-lang", "de", "-o", tmp_path / "r")
    seg = segments(tmp_path / "r")
    assert flagged_by(tmp_path / "r", "length-limit") == {"1", "20"}
    assert "30 characters; this unit allows 25" in seg.at["1", "explanation"]
    assert len(seg.at["20", "mt"]) <= 55 < len(seg.at["20", "mt"].encode("utf-8"))  # the umlauts tip it over


def test_inconsistent_translations_within_a_file(tmp_path):
    """Symfony's German messages with "This value should be null." given its opposite's translation, and one
    repeated source translated two ways: both found, and the clean file has no such finding."""
    text = (WILD / "symfony-validators.de.xlf").read_text(encoding="utf-8")
    text = text.replace("<target>Dieser Wert sollte null sein.</target>",
                        "<target>Dieser Wert sollte nicht null sein.</target>", 1)
    text = text.replace("<source>The file is too large.</source>\n                <target>Die Datei ist zu groß.</target>",
                        "<source>The file is too large.</source>\n                <target>Die Datei ist zu gross.</target>", 1)
    text = text.replace("<source>This value is not valid.</source>",
                        "<source>The file is too large.</source>", 1)
    path = tmp_path / "inconsistent.xlf"
    path.write_text(text, encoding="utf-8")
    run(path, "--target-lang", "de", "-o", tmp_path / "r")
    found = pd.read_csv(tmp_path / "r" / "findings.csv", dtype=str, keep_default_na=False)
    found = found[found["check"] == "inconsistent-translation"].set_index("seg_id")["message"]
    assert "also used for a different source at segment 23" in found["24"]
    assert "translated differently at segment 25" in found["33"]
    run(WILD / "symfony-validators.de.xlf", "--target-lang", "de", "-o", tmp_path / "clean")
    assert not segments(tmp_path / "clean")["checks"].str.contains("inconsistent").any()


def test_units_in_skipped_states_are_left_as_they_are(tmp_path):
    """--xliff-skip-states final: a delivered unit the client accepted is not annotated, even if flagged;
    the report still lists its findings."""
    from lxml import etree

    text = (WILD / "symfony-validators.de.xlf").read_text(encoding="utf-8")
    text = text.replace('<target>Dieser Wert entspricht keiner gültigen Datums- und Zeitangabe.</target>',
                        '<target state="final">Dieser Wert entspricht keiner gültigen Datums- und Zeitangabe.</target>', 1)
    path = tmp_path / "final.xlf"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "annotated.xlf"
    run(path, "--target-lang", "de", "-o", tmp_path / "r", "--annotate-xliff", out, "--xliff-skip-states", "final")
    assert segments(tmp_path / "r").at["12", "flagged"] == "true"  # length-ratio, as in the clean run
    unit = next(u for u in etree.parse(str(out)).iter("{*}trans-unit") if u.get("id") == "12")
    assert unit.find("{*}target").get("state") == "final"
    assert not any("2005/11/its" in k for e in unit.iter() for k in e.attrib)
    summary = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert summary["annotated_xliff"]["skipped_by_state"] == 1
    result = runner.invoke(app, ["check", str(path), "-o", str(tmp_path / "bad"), "-q", "--annotate-xliff",
                                 str(tmp_path / "x.xlf"), "--xliff-skip-states", "done"])
    assert result.exit_code == 2 and "--xliff-skip-states 'done' is not an XLIFF 1.2 state" in result.output


def test_a_final_segment_mtcheck_reopens_keeps_a_record_of_its_state(tmp_path):
    """XLIFF 2.0: a flagged `final` segment becomes `translated` (subState mtcheck:ROUTE), and the file says
    it was final (with the subState another tool gave it), also after mtcheck runs on its own output."""
    import re

    path = xliff2(tmp_path / "final.xlf",
                  '<unit id="u1"><segment state="final" subState="acme:approved"><source>The report was published.</source>'
                  '<target>Der Bericht wurde wurde wurde wurde veröffentlicht.</target></segment></unit>'
                  '<unit id="u2"><segment state="final"><source>Thank you.</source><target>Danke.</target></segment></unit>')
    out = tmp_path / "annotated.xlf"
    run(path, "--target-lang", "de", "-o", tmp_path / "r1", "--annotate-xliff", out)
    text = out.read_text(encoding="utf-8")
    assert re.search(r'<segment state="translated" subState="mtcheck:[\w.-]+">', text)
    assert '<segment state="final">' in text  # the clean unit is left as it was
    assert '<?mtcheck-was {"f1":{"u1":["final|acme:approved"]}}?>' in text
    again = tmp_path / "again.xlf"
    run(out, "--target-lang", "de", "-o", tmp_path / "r2", "--annotate-xliff", again)
    assert again.read_text(encoding="utf-8").count("<?mtcheck-was ") == 1
    assert '<?mtcheck-was {"f1":{"u1":["final|acme:approved"]}}?>' in again.read_text(encoding="utf-8")


def test_a_cat_tools_own_status_is_the_state_of_a_file_without_xliff_states():
    """memoQ keeps its status in `mq:status` on the unit and Trados Studio its confirmation level in `conf`
    on its `sdl:seg`: the worklist shows the editor the word the tool shows, where XLIFF's `state` is absent."""
    from mtcheck.io.xliff import read_xliff

    memoq = read_xliff(WILD / "memoq-test_document.mqxliff")
    assert len(memoq) == 27 and set(memoq["state"]) == {"NotStarted"}
    assert set(memoq["target_lang"]) == {"en-gb"} and (memoq["mt"] == "").all()
    trados = read_xliff(WILD / "matecat-Test_stati_sdlxliff.txt_it-IT_en-US.sdlxliff").set_index("src")
    assert trados.at["Segmento 2", "state"] == "Draft" and trados.at["Segmento 7", "state"] == "ApprovedSignOff"
    assert trados.at["Segmento 12", "state"] == "ApprovedTranslation"
    assert trados.at["Segmento 1", "state"] == ""  # no `conf`: Trados says nothing we could show
    symfony = read_xliff(WILD / "symfony-validators.de.xlf")
    assert "NotStarted" not in set(symfony["state"])  # XLIFF's own states are untouched


def test_a_memoq_file_nobody_translated_yet_says_so(tmp_path):
    """A real memoQ 12 export of untranslated units (every target empty, status NotStarted), read by its
    .mqxliff extension, also from a corpus folder."""
    run(WILD / "memoq-test_document.mqxliff", "-o", tmp_path / "one")
    seg = segments(tmp_path / "one")
    assert len(seg) == 27 and (seg["checks"] == "omission").all() and set(seg["state"]) == {"NotStarted"}
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "memoq-test_document.mqxliff").write_bytes((WILD / "memoq-test_document.mqxliff").read_bytes())
    result = runner.invoke(app, ["check", str(folder), "-o", str(tmp_path / "two"), "--no-fluency"])
    assert result.exit_code == 0, result.output
    assert "Nothing is translated yet: none of the 27 segments has a translation" in " ".join(result.output.split())
    assert "review the 27 flagged" not in result.output
    assert len(segments(tmp_path / "two")) == 27
    page = (tmp_path / "two" / "report.html").read_text(encoding="utf-8")
    assert "Nothing is translated yet" in page and "no source, reference" not in page

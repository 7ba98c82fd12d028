"""Terminology checks against real glossaries (tests/data/tbx-wild: TBX-Basic's own example in both styles,
Weblate's TBX test files) and real XLIFF (Symfony's validator messages, tests/data/xliff-wild)."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import DATA, ROOT
from mtcheck.checks import CheckContext, run_checks
from mtcheck.errors import InputError
from mtcheck.io.glossary import read_glossary

TBX = DATA / "tbx-wild"
CHECKS = ["glossary-term", "forbidden-term", "do-not-translate"]
UI_GLOSSARY = ROOT / "training" / "data" / "ui-glossary.csv"


def found(rows, glossary, target, source="en"):
    frame = pd.DataFrame(rows, columns=["src", "mt"])
    ctx = CheckContext(target_lang=target, source_lang=source, glossary=glossary)
    return [(i, f.check, frame.loc[i, "mt"][f.start:f.end]) for i, f in run_checks(frame, CHECKS, ctx=ctx)]


def test_tbx_basic_reads_the_same_in_its_dca_and_dct_styles():
    dca, dct = read_glossary(TBX / "tbx-basic-astronomy-dca.tbx"), read_glossary(TBX / "tbx-basic-astronomy-dct.tbx")
    as_tuples = [[(t.lang, t.text, t.status) for t in e.terms] for e in dca.entries]
    assert as_tuples == [[(t.lang, t.text, t.status) for t in e.terms] for e in dct.entries]
    assert len(dca.entries) == 45 and dca.default_source == "en"
    statuses = pd.Series([t.status for e in dca.entries for t in e.terms]).value_counts().to_dict()
    # 12 preferredTerm-admn-sts and 81 terms without a status are terms to use; deprecated and superseded are not
    assert statuses == {"preferred": 93, "admitted": 16, "forbidden": 4}


def test_weblate_tbx_with_a_doctype_and_do_not_translate_metadata():
    glossary = read_glossary(TBX / "weblate-fr-extended-metadata.tbx")
    bus, code = glossary.entries
    assert not bus.dnt and {t.status for t in bus.terms} == {"forbidden"}  # "obsolete"
    assert code.dnt  # <descrip type="Translation needed">No</descrip>
    assert [t.text for t in read_glossary(TBX / "weblate-cs.tbx").entries[0].terms] == ["address bar", "adresní řádek"]


def test_inflected_terms_match_and_missing_ones_are_flagged():
    glossary = read_glossary(TBX / "tbx-basic-astronomy-dca.tbx")
    src = "Over 1100 open clusters are known in our Milky Way Galaxy."
    assert found([(src, "Se conocen más de 1100 cúmulos abiertos en nuestra galaxia.")], glossary, "es") == []
    hits = found([(src, "Se conocen más de 1100 grupos abiertos en nuestra galaxia.")], glossary, "es")
    assert [h[1] for h in hits] == ["glossary-term"]


def test_a_forbidden_term_is_flagged_on_its_span_but_not_inside_the_preferred_one():
    glossary = read_glossary(TBX / "tbx-basic-astronomy-dca.tbx")
    src = "The CNO cycle dominates in stars heavier than the Sun."
    bad = found([(src, "El ciclo del carbono domina en las estrellas más pesadas que el Sol.")], glossary, "es")
    assert ("forbidden-term", "ciclo del carbono") in [h[1:] for h in bad]
    good = "El ciclo del carbono-nitrógeno domina en las estrellas más pesadas que el Sol."
    assert found([(src, good)], glossary, "es") == []


def test_do_not_translate_terms_stay_exactly_as_written():
    glossary = read_glossary(TBX / "weblate-fr-extended-metadata.tbx")
    src = "The server returned SYS_ERR_406."
    assert found([(src, "Le serveur a renvoyé SYS_ERR_406.")], glossary, "fr") == []
    assert [h[1] for h in found([(src, "Le serveur a renvoyé sys_err_406.")], glossary, "fr")] == ["do-not-translate"]
    forbidden = found([("Connect the data bus.", "Connectez le bus de données.")], glossary, "fr")
    assert forbidden == [(0, "forbidden-term", "bus de données")]


def test_compounds_and_inline_codes_on_real_symfony_units():
    from mtcheck.io.xliff import read_xliff

    glossary = read_glossary(UI_GLOSSARY)
    units = read_xliff(DATA / "xliff-wild" / "symfony-validators.de.xlf")
    hits = found(units[["src", "mt"]].values.tolist(), glossary, "de")
    flagged = {units.loc[i, "mt"] for i, *_ in hits}
    # "Zahl" where the glossary says "Wert": a real deviation
    assert "Diese Zahl sollte positiv sein." in flagged
    # "Dateityp" holds "Datei", "Benutzerpasswort" holds "Passwort": German compounds are not deviations
    assert not any("Dateityp" in t or "Benutzerpasswort" in t for t in flagged)
    assert {c for _, c, _ in hits} == {"glossary-term"}  # the published file breaks no IBAN, no forbidden term


def test_glossary_csv_statuses_and_errors(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("en;de;status\nfile;Datei;\npassword;Kennwort;forbidden\nIBAN;;dnt\n", encoding="utf-8-sig")
    glossary = read_glossary(path)  # Excel's semicolons and BOM
    assert [(e.terms[0].text, e.dnt) for e in glossary.entries] == [("file", False), ("password", False), ("IBAN", True)]
    assert glossary.entries[1].terms[1].status == "forbidden"
    bad = tmp_path / "bad.csv"
    bad.write_text("term,translation\nfile,Datei\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_glossary(bad)
    assert err.value.line == 1 and "language tag" in str(err.value)


def test_cli_glossary_end_to_end_and_bad_glossary_is_a_one_line_error(tmp_path):
    from mtcheck.cli import app

    runner = CliRunner()
    xlf = DATA / "xliff-wild" / "symfony-validators.fr.xlf"
    out = tmp_path / "out"
    result = runner.invoke(app, ["check", str(xlf), "--glossary", str(UI_GLOSSARY), "--no-embedding", "--no-fluency",
                                 "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    findings = pd.read_csv(out / "findings.csv", dtype=str, keep_default_na=False)
    assert (findings["check"] == "glossary-term").sum() >= 5
    broken = tmp_path / "broken.tbx"
    broken.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><martif><text/></martif>')
    result = runner.invoke(app, ["check", str(xlf), "--glossary", str(broken), "--no-embedding", "-o",
                                 str(tmp_path / "o2"), "-q"])
    assert result.exit_code == 2 and "broken.tbx" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2


def test_a_large_glossary_is_looked_up_not_scanned():
    """Each row finds its entries through an index of the source terms' first words: 2,000 entries on the
    real German units give the same findings as the 20 that can match (it took 78 s on 2,320 rows when
    every row tried every entry)."""
    from mtcheck.io.glossary import Entry, Term
    from mtcheck.io.xliff import read_xliff

    units = read_xliff(DATA / "xliff-wild" / "symfony-validators.de.xlf")[["src", "mt"]]
    small = read_glossary(UI_GLOSSARY)
    big = read_glossary(UI_GLOSSARY)
    big.entries += [Entry([Term(f"noise{k}", "en", "preferred"), Term(f"rauschen{k}", "de", "preferred")])
                    for k in range(2000)]
    assert found(units.values.tolist(), big, "de") == found(units.values.tolist(), small, "de")
    assert len(big.compiled[("en", "de")].by_first) > 2000 and "noise7" not in {
        t.text for e in small.entries for t in e.terms}

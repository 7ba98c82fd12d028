"""The review desk in a real headless Chromium against `mtcheck serve` in its own process: two editors on
one segment, an MQM mark made by selecting words, hostile text shown as text, and no CSP violation."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from browser import CHROMIUM_ARGS, chromium_path, require_browser
from desk_load import Server
from test_desk import ENV, PASSWORD, run_dir  # noqa: F401  (the module-scoped run of mtcheck)

if chromium_path() is None:
    if require_browser():
        raise RuntimeError("MTCHECK_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
    pytest.skip("no chromium on PATH; .ci/run installs it", allow_module_level=True)


@pytest.fixture
def desk(run_dir, tmp_path):  # noqa: F811
    folder = tmp_path / "talk2"
    shutil.copytree(run_dir[0], folder)
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    for name, role in (("ana", "editor"), ("ben", "editor")):
        done = subprocess.run([sys.executable, "-m", "mtcheck", "desk", "add-editor", name, "--role", role, "--db", url],
                              env={**ENV, "MTCHECK_DESK_PASSWORD": PASSWORD}, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    server = Server(folder, url).start()
    yield server
    server.stop()


def sign_in(browser, base: str, name: str):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))
    page.goto(base + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button")
    page.wait_for_selector("section.card")
    return page, errors


def test_two_editors_one_segment_and_an_mqm_mark(desk):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            ana, ana_errors = sign_in(browser, desk.base, "ana")
            ben, ben_errors = sign_in(browser, desk.base, "ben")
            first_ana, first_ben = ana.locator("section.card").first, ben.locator("section.card").first
            expect(first_ana.locator(".mt")).to_have_text(
                "I want you to take a moment to consider the very simple fact that so far, most of what we know "
                "about the universe has come from light.")
            first_ana.get_by_role("button", name="fixed").click()
            expect(ana.locator("#message")).to_have_text("Saved.")
            # Ben's page was loaded before Ana saved: his save is refused and Ana's change is shown.
            first_ben.get_by_role("button", name="ok").click()
            expect(ben.locator("#message")).to_contain_text("ana reviewed this segment")
            first_ben = ben.locator("section.card").first
            expect(first_ben.get_by_role("button", name="fixed")).to_have_attribute("aria-pressed", "true")
            expect(first_ben).to_contain_text("fixed by ana")
            # Ana marks "take a moment" by selecting it, as an editor does with the mouse.
            ana.evaluate("""() => {
                const box = document.querySelector('section.card .mt'), text = box.firstChild;
                const at = text.textContent.indexOf('take a moment'), range = document.createRange();
                range.setStart(text, at); range.setEnd(text, at + 'take a moment'.length);
                const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
            }""")
            first_ana = ana.locator("section.card").first
            first_ana.get_by_label("MQM category").select_option("Style/Awkward")
            first_ana.get_by_label("MQM severity").select_option("major")
            first_ana.get_by_label("MQM comment").fill("<b>awkward</b> =1+1")
            first_ana.get_by_role("button", name="Mark selection").click()
            expect(ana.locator("section.card").first.locator("mark.major")).to_have_text("take a moment")
            expect(ana.locator("section.card").first.locator("ul.marks")).to_contain_text(
                'Style/Awkward, major: "take a moment" (<b>awkward</b> =1+1) by ana')
            # A hostile note is text for the colleague who reads it.
            note = ana.locator("section.card").first.locator("input.note")
            note.fill('<img src=x onerror=alert(1)>')
            note.press("Tab")
            expect(ana.locator("#message")).to_have_text("Saved.")
            ben.reload()
            ben.wait_for_selector("section.card")
            expect(ben.locator("section.card").first.locator("input.note")).to_have_value('<img src=x onerror=alert(1)>')
            expect(ben.locator("section.card").first.locator("mark.major")).to_have_text("take a moment")
            assert ben.locator("section.card img").count() == 0 and ben.locator("section.card ul.marks b").count() == 0
            # A server restart loses nothing either, and nobody has to sign in again.
            desk.stop()
            desk.start()
            for page in (ana, ben):
                page.reload()
                page.wait_for_selector("section.card")
                card = page.locator("section.card").first
                expect(card.get_by_role("button", name="fixed")).to_have_attribute("aria-pressed", "true")
                expect(card.locator("input.note")).to_have_value('<img src=x onerror=alert(1)>')
                expect(card.locator("mark.major")).to_have_text("take a moment")
            # Chromium logs the refused save (409) as a failed resource; that is the conflict above. Nothing else:
            # no script error, no CSP violation, no dialog.
            assert ana_errors == []
            assert [e for e in ben_errors if "status of 409 (Conflict)" not in e] == []
            assert len(ben_errors) == 1
        finally:
            browser.close()

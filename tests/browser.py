"""Open a report in the system's headless Chromium through Playwright (nothing is downloaded)."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

# The flags keep Chromium from phoning home on this closed network (see docs/development.md).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def open_page(path, viewport=(1400, 1000)):
    """Yield (page, events): events collects console errors, page errors, requests and dialogs."""
    from playwright.sync_api import sync_playwright

    events = {"console_errors": [], "page_errors": [], "requests": [], "dialogs": []}
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            page.on("console", lambda m: m.type == "error" and events["console_errors"].append(m.text))
            page.on("pageerror", lambda e: events["page_errors"].append(str(e)))
            page.on("request", lambda r: events["requests"].append(r.url))

            def on_dialog(dialog):
                events["dialogs"].append(dialog.message)
                dialog.dismiss()
            page.on("dialog", on_dialog)
            page.goto(path.resolve().as_uri())
            page.wait_for_selector("#segments tbody tr")
            yield page, events
        finally:
            browser.close()


def require_browser() -> bool:
    """CI sets MTCHECK_REQUIRE_BROWSER=1 so that a missing Chromium fails instead of skipping."""
    return os.environ.get("MTCHECK_REQUIRE_BROWSER") == "1"

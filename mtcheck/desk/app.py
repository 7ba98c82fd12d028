"""The desk as a Starlette app (served by uvicorn from mtcheck/desk/serve.py).

Pages: /login, / (projects), /p/{project} (review), /p/{project}/lead (a lead's view) and
/p/{project}/mqm.tsv (the team's marks). JSON API under /api for the review page's script.

Security (docs/desk.md, "Threat model"): login cookies are signed, HttpOnly and SameSite=Strict
(Starlette's SessionMiddleware); every write needs the session's CSRF token in the X-CSRF-Token header
(or the form's csrf field), and a cross-origin Origin header is refused; on loopback, requests naming
another host are refused (DNS rebinding). Pages carry a Content-Security-Policy that allows only this
page's own script, by nonce, so text from a corpus can never run as script even if it slipped past the
escaping (the page puts every text in with textContent).
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from mtcheck.desk import accounts, mqm, review, views
from mtcheck.errors import MtcheckError

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
WRITES = ("POST", "PUT", "PATCH", "DELETE")
SESSION_HOURS = 12


class Denied(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def check_write(request: Request, form=None) -> None:
    """A write must come from this site's page: same origin, and the session's CSRF token."""
    origin = request.headers.get("origin")
    if origin and origin.split("://", 1)[-1] != request.headers.get("host", ""):
        raise Denied(403, "a request from another site was refused")
    sent = request.headers.get("x-csrf-token") or (form.get("csrf") if form is not None else None) or ""
    if not secrets.compare_digest(str(sent), request.session.get("csrf", "") or "\x00"):
        raise Denied(403, "the page's security token is missing or old: reload the page")


def editor_of(request: Request):
    """The signed-in editor (the local lead on a one-person desk), or Denied."""
    local = request.app.state.local_editor
    if local is not None:
        return local
    editor_id = request.session.get("editor")
    if editor_id is not None:
        from mtcheck.desk.models import Editor

        with request.app.state.db.session() as session:
            editor = session.get(Editor, editor_id)
        if editor is not None and editor.active:
            return editor
    raise Denied(401, "sign in first")


def _page(request: Request, name: str, **context) -> Response:
    nonce = secrets.token_urlsafe(16)
    response = TEMPLATES.TemplateResponse(request, name, {"nonce": nonce, "csrf": csrf_token(request),
                                                          "quote": quote,
                                                          "local": request.app.state.local_editor is not None,
                                                          **context})
    response.headers["Content-Security-Policy"] = (f"default-src 'none'; script-src 'nonce-{nonce}'; "
                                                   f"style-src 'nonce-{nonce}'; connect-src 'self'; "
                                                   "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" makes Chromium send Origin: null
    return response


async def login_page(request: Request) -> Response:
    if request.app.state.local_editor is not None:
        return RedirectResponse("/", 303)
    return _page(request, "login.html.j2", error=request.query_params.get("failed") and "Wrong name or password.")


async def login(request: Request) -> Response:
    form = await request.form()
    await check_write(request, form)
    # argon2 and the database block: they run in Starlette's thread pool, so that one sign-in or save never
    # holds up every other editor's request on the event loop (benchmarks/bench_desk.py --load).
    editor = await run_in_threadpool(accounts.verify, request.app.state.db, str(form.get("name", "")),
                                     str(form.get("password", "")))
    if editor is None:
        return RedirectResponse("/login?failed=1", 303)
    request.session.clear()  # a new session on login: a token planted before it is worth nothing
    request.session["editor"] = editor.id
    csrf_token(request)
    return RedirectResponse("/", 303)


async def logout(request: Request) -> Response:
    form = await request.form()
    await check_write(request, form)
    request.session.clear()
    return RedirectResponse("/login", 303)


async def home(request: Request) -> Response:
    editor = editor_of(request)
    found = views.projects(request.app.state.db)
    if len(found) == 1:
        return RedirectResponse(f"/p/{quote(found[0]['name'], safe='')}", 303)
    return _page(request, "projects.html.j2", editor=editor, projects=found)


def _project_run(request: Request):
    run_id = request.query_params.get("run")
    project, run = views.run_of(request.app.state.db, request.path_params["project"],
                                int(run_id) if run_id and run_id.isdigit() else None)
    if project is None or run is None:
        raise Denied(404, "no such project or run")
    return project, run


async def desk_page(request: Request) -> Response:
    editor = editor_of(request)
    project, run = _project_run(request)
    runs = next(p["runs"] for p in views.projects(request.app.state.db) if p["id"] == project.id)
    return _page(request, "desk.html.j2", editor=editor, project=project, run=run, runs=runs,
                 categories=mqm.CATEGORIES, severities=mqm.SEVERITIES,
                 assignable=_editor_list(request) if editor.role == "lead" else [])


async def lead_page(request: Request) -> Response:
    editor = editor_of(request)
    if editor.role != "lead":
        raise Denied(403, "the lead's view is for leads")
    project, run = _project_run(request)
    rows = views.run_rows(request.app.state.db, run)
    return _page(request, "lead.html.j2", editor=editor, project=project, run=run,
                 progress=views.progress(rows), agreement=views.agreement(rows),
                 precision=views.check_precision(rows), editors=_editor_list(request))


def _editor_list(request: Request) -> list[str]:
    from sqlalchemy import select

    from mtcheck.desk.models import Editor

    with request.app.state.db.session() as session:
        return list(session.scalars(select(Editor.name).where(Editor.active.is_(True)).order_by(Editor.name)))


async def api_rows(request: Request) -> Response:
    editor_of(request)
    _, run = _project_run(request)
    return JSONResponse({"run": run.id, "rows": await run_in_threadpool(_rows_one_at_a_time, request.app.state.db, run)})


# A run's rows are built whole for the page (about 10 MB of objects for 9,000 rows): as many at once as
# the machine has cores, so that a team opening the page together does not multiply the server's memory.
_BUILDING = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


def _rows_one_at_a_time(db, run):
    with _BUILDING:
        return views.run_rows(db, run)


async def api_review(request: Request) -> Response:
    editor = editor_of(request)
    await check_write(request)
    body = await _json(request)
    try:
        saved = await run_in_threadpool(review.save_review, request.app.state.db, editor, _int(body, "unit"),
                                        _int(body, "run"), _text(body, "status"), _text(body, "note"),
                                        _int(body, "version"))
    except review.Conflict as conflict:
        who = conflict.current["by"]
        message = (f"{who} reviewed this segment; their review is shown. Only {who} or a lead can change it."
                   if conflict.owned else
                   f"{who} changed this segment since you loaded it; their change is shown. Save again to replace it.")
        return JSONResponse({"error": message, "current": conflict.current}, 409)
    return JSONResponse(saved)


async def api_mark(request: Request) -> Response:
    editor = editor_of(request)
    await check_write(request)
    body = await _json(request)
    mark = await run_in_threadpool(review.add_mark, request.app.state.db, editor, _int(body, "unit"),
                                   _int(body, "run"), _int(body, "start", 0), _int(body, "end", 0),
                                   _text(body, "category"), _text(body, "severity"), _text(body, "comment"))
    return JSONResponse(mark)


async def api_unmark(request: Request) -> Response:
    editor = editor_of(request)
    await check_write(request)
    review.remove_mark(request.app.state.db, editor, int(request.path_params["mark"]))
    return JSONResponse({"removed": int(request.path_params["mark"])})


async def api_assign(request: Request) -> Response:
    editor = editor_of(request)
    await check_write(request)
    body = await _json(request)
    units = body.get("units", [])
    if not isinstance(units, list) or not all(isinstance(u, int) and not isinstance(u, bool) for u in units):
        raise Denied(400, "units must be a list of segment numbers")
    count = review.assign(request.app.state.db, editor, units, _text(body, "editor"))
    return JSONResponse({"assigned": count})


async def export_tsv(request: Request) -> Response:
    editor_of(request)
    project, _ = _project_run(request)
    import io

    from mtcheck.desk.exchange import export_rows

    buffer = io.StringIO()
    mqm.write_tsv(export_rows(request.app.state.db, project.name), buffer)
    name = quote(f"{project.name}-mqm.tsv")
    return PlainTextResponse(buffer.getvalue(), media_type="text/tab-separated-values; charset=utf-8",
                             headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


def _int(body: dict, name: str, default: int | None = None) -> int:
    value = body.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Denied(400, f"'{name}' must be a whole number")
    return value


def _text(body: dict, name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise Denied(400, f"'{name}' must be text")
    return value


async def _json(request: Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        raise Denied(400, "the request is not JSON") from None
    if not isinstance(body, dict):
        raise Denied(400, "the request is not a JSON object")
    return body


async def _denied(request: Request, exc: Denied) -> Response:
    if exc.status == 401 and not request.url.path.startswith("/api/"):
        return RedirectResponse("/login", 303)
    return JSONResponse({"error": str(exc)}, exc.status)


async def _user_error(request: Request, exc: MtcheckError) -> Response:
    return JSONResponse({"error": exc.one_line()}, 400)


async def _forbidden(request: Request, exc: PermissionError) -> Response:
    return JSONResponse({"error": str(exc)}, 403)


def create_app(db, *, local_editor=None, loopback: bool = True, https: bool = False) -> Starlette:
    """The desk over an open database. `local_editor` makes it a one-person desk with no login (loopback
    only: serve.py refuses the combination with another address)."""
    routes = [
        Route("/login", login_page), Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]), Route("/", home),
        Route("/p/{project}", desk_page), Route("/p/{project}/lead", lead_page),
        Route("/p/{project}/mqm.tsv", export_tsv), Route("/api/p/{project}/rows", api_rows),
        Route("/api/review", api_review, methods=["POST"]), Route("/api/marks", api_mark, methods=["POST"]),
        Route("/api/marks/{mark:int}/remove", api_unmark, methods=["POST"]),
        Route("/api/assign", api_assign, methods=["POST"]),
    ]
    middleware = [Middleware(SessionMiddleware, secret_key=accounts.secret_key(db), session_cookie="mtcheck_desk",
                             max_age=SESSION_HOURS * 3600, same_site="strict", https_only=https)]
    if loopback:
        middleware.insert(0, Middleware(TrustedHostMiddleware,
                                        allowed_hosts=["127.0.0.1", "localhost", "[::1]"]))
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={
        Denied: _denied, MtcheckError: _user_error, PermissionError: _forbidden})
    app.state.db = db
    app.state.local_editor = local_editor
    return app

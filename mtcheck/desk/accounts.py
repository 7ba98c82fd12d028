"""Editors' accounts: names, roles and argon2 password hashes (argon2-cffi), and the server's secret.

Roles: an `editor` reviews and marks; a `lead` also assigns units and sees everyone's progress. A desk
with no account is a one-person desk: `mtcheck serve` then lets only this machine in (127.0.0.1) and
acts as a lead named after the system user (docs/desk.md, "Threat model").
"""

from __future__ import annotations

import os
import re
import secrets
import threading

from mtcheck.desk.models import ROLES
from mtcheck.errors import UsageError

MIN_PASSWORD = 10
# argon2-cffi's default profile (RFC 9106's low-memory one) takes 64 MiB and about 0.1 s of CPU per hash.
# Twenty editors signing in at once made the server peak at 1.5 GB (benchmarks/bench_desk.py --load), and
# sign-in attempts by anyone who can reach the server could exhaust its memory: at most as many hashes
# run at once as the machine has cores; the others wait their turn.
_HASHING = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def add_editor(db, name: str, role: str, password: str) -> None:
    from sqlalchemy import select

    from mtcheck.desk.models import Editor
    from mtcheck.desk.store import audit

    name = name.strip()
    # A letter or digit first, then letters, digits, . _ @ -: a name is shown in pages and written into
    # exports, and can then never be markup or a spreadsheet formula.
    if not re.fullmatch(r"\w[\w.@-]{0,99}", name):
        raise UsageError(f"'{name}' cannot be an editor's name",
                         hint="one word of up to 100 letters, digits, '.', '_', '@' or '-', starting with a letter or digit")
    if role not in ROLES:
        raise UsageError(f"unknown role '{role}'", hint="a role is " + " or ".join(ROLES))
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the password is shorter than {MIN_PASSWORD} characters", hint="choose a longer one")
    with db.writing() as session, session.begin():
        editor = session.scalars(select(Editor).where(Editor.name == name)).first()
        old = {"role": editor.role, "active": editor.active} if editor else None
        if editor is None:
            editor = Editor(name=name, role=role, password_hash=_hasher().hash(password))
            session.add(editor)
        else:  # the same command resets a password or a role
            editor.role, editor.active, editor.password_hash = role, True, _hasher().hash(password)
        audit(session, "mtcheck desk add-editor", "account", old=old, new={"name": name, "role": role})


def verify(db, name: str, password: str):
    """The active Editor with this name and password, or None. Verification costs the same for an
    unknown name, so that a login's timing does not say which names exist."""
    from argon2.exceptions import InvalidHashError, VerificationError
    from sqlalchemy import select

    from mtcheck.desk.models import Editor

    with db.session() as session:
        editor = session.scalars(select(Editor).where(Editor.name == name, Editor.active.is_(True))).first()
    stored = editor.password_hash if editor is not None and editor.password_hash.startswith("$argon2") else None
    try:
        with _HASHING:
            _hasher().verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    return editor if stored else None


_dummy: list = []


def _dummy_hash() -> str:
    if not _dummy:
        _dummy.append(_hasher().hash(secrets.token_hex(16)))
    return _dummy[0]


def has_accounts(db) -> bool:
    from sqlalchemy import func, select

    from mtcheck.desk.models import Editor

    with db.session() as session:
        return bool(session.scalar(select(func.count()).select_from(Editor)
                                   .where(Editor.active.is_(True), Editor.password_hash.startswith("$argon2"))))


def local_lead(db, name: str):
    """The one-person desk's editor (created on first use, with no password: it cannot log in remotely)."""
    from sqlalchemy import select

    from mtcheck.desk.models import Editor

    with db.writing() as session, session.begin():
        editor = session.scalars(select(Editor).where(Editor.name == name)).first()
        if editor is None:
            editor = Editor(name=name, role="lead", password_hash="!local", active=True)
            session.add(editor)
            session.flush()
        return editor


def secret_key(db) -> str:
    """The key that signs login cookies: made once per database, so that restarting keeps editors logged in
    and several server processes on one database agree."""
    from mtcheck.desk.models import Setting

    with db.writing() as session, session.begin():
        setting = session.get(Setting, "secret_key")
        if setting is None:
            setting = Setting(key="secret_key", value=secrets.token_urlsafe(48))
            session.add(setting)
        return setting.value

"""Typed errors that the CLI turns into one-line messages and exit codes.

Library code raises these instead of printing or exiting, so that the Python
API and the CLI report the same problem the same way (the sqlite-utils habit).
`assert` is never used on user input.
"""

from __future__ import annotations

# Bidirectional overrides and isolates reorder what a terminal shows ("Trojan Source", CVE-2021-42574).
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text) -> str:
    """`text` safe to show on a terminal in one line: control characters (an escape sequence in a file
    name would otherwise recolour, retitle or rewrite the user's terminal), line breaks and bidi
    overrides are shown as Python escapes, e.g. \\x1b."""
    out = []
    for ch in str(text):
        if (ch < " " and ch != "\t") or "\x7f" <= ch <= "\x9f" or ch in _BIDI:
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


class MtcheckError(Exception):
    """Base class for every error mtcheck reports to a user."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint

    def one_line(self) -> str:
        """`file:line: message; hint`, the form editors and compilers both use."""
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return printable(text)

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.one_line()


class InputError(MtcheckError):
    """The user's files cannot be read as asked: missing, wrong format, bad encoding."""


class AlignmentError(InputError):
    """The sides cannot be paired, for example unequal line counts without --align."""


class UsageError(MtcheckError):
    """The options contradict each other or name something that does not exist."""


class OutputError(MtcheckError):
    """The output folder cannot be written without losing something the user had."""

"""Typed errors that the CLI turns into one-line messages and exit codes.

Library code raises these instead of printing or exiting, so that the Python
API and the CLI report the same problem the same way (the sqlite-utils habit).
`assert` is never used on user input.
"""

from __future__ import annotations


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
        return text

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

"""The command line, the top layer: typer commands over `mtcheck.pipeline` and the library.
May import anything; nothing imports it but `mtcheck.__main__`.

Command line: thin typer commands over the library (the sqlite-utils habit).

Each command is one library call plus turning typed errors into exit codes (`app`): `check` is in
`check`, the others in `commands`. Nothing heavy is imported at module level, so `mtcheck --help` is
instant (tests/test_cli.py guards it).
"""

from __future__ import annotations

from mtcheck.cli import check as _check_command  # noqa: F401  (importing registers the commands)
from mtcheck.cli import commands as _other_commands  # noqa: F401
from mtcheck.cli import desk as _desk_commands  # noqa: F401
from mtcheck.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app(prog_name="mtcheck")

"""Standard input and pipes as inputs: `-t -`, `-t /dev/stdin`, `-t <(sort mt.txt)`.

mtcheck reads its inputs more than once (a survey pass counts rows and repeated texts, then the
partitions are read; a checksum names each input in the report), and a pipe can be read only once:
the second pass used to find "the input is empty" (issue 34). So a pipe, a FIFO, a character device
or `-` (standard input, the Unix convention) is copied once into a private temporary file, which the
run then reads like any other, and which is deleted when the process ends. The report still names
the input as the user did (`<stdin>`, `/dev/fd/63`): `display_name` maps the copy back.
"""

from __future__ import annotations

import atexit
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path

from mtcheck.errors import InputError, UsageError

STDIN = "-"
_COPIES: dict[str, str] = {}   # temporary copy -> the name the user gave
_FOLDER: list[str] = []


def _folder() -> str:
    if not _FOLDER:
        _FOLDER.append(tempfile.mkdtemp(prefix="mtcheck-stdin-"))
        atexit.register(shutil.rmtree, _FOLDER[0], True)
    return _FOLDER[0]


def is_stream(path: str | None) -> bool:
    """Whether `path` is `-` or something that can be read only once (a pipe, FIFO or character device)."""
    if path is None:
        return False
    if str(path) == STDIN:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def spooled(path: str | None) -> str | None:
    """`path` itself for a regular file; for a stream, the path of a temporary copy of everything it holds."""
    if not is_stream(path):
        return path
    name = "<stdin>" if str(path) == STDIN else str(path)
    # Named as the stream was (stdin, the pipe's name) in a folder of its own: a document id comes from it.
    target = Path(_folder()) / str(len(_COPIES) + 1) / ("stdin" if str(path) == STDIN else Path(name).name)
    target.parent.mkdir()
    try:
        if str(path) == STDIN:
            if sys.stdin is None or sys.stdin.isatty():
                raise UsageError("'-' reads the input from standard input, but nothing is piped in",
                                 hint="pipe the text in, e.g. cat mt.txt | mtcheck check -t -")
            source = sys.stdin.buffer
            with open(target, "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
        else:
            with open(path, "rb") as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=name) from None
    _COPIES[str(target)] = name
    return str(target)


def spool_all(paths: list) -> list:
    """`spooled` of each path; a stream named twice is a UsageError (it can be read only once)."""
    streams = [str(p) for p in paths if is_stream(p)]
    for name in dict.fromkeys(streams):
        if streams.count(name) > 1:
            shown = "<stdin>" if name == STDIN else name
            raise UsageError(f"{shown} is named twice; a stream can be read only once",
                             hint="give each role its own file or pipe")
    return [spooled(p) for p in paths]


def display_name(path: str | None) -> str | None:
    """The name the user gave an input that mtcheck copied; any other path as it is."""
    if path is None:
        return None
    return _COPIES.get(str(path), str(path))

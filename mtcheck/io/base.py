"""What every reader returns: segments that remember where they came from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from mtcheck.errors import InputError


@dataclass
class Segment:
    text: str
    line: int  # 1-based line in the file the segment starts on
    doc_id: str = ""
    seg_id: int = 0
    kind: str = "line"  # line | sentence | heading | title
    para_id: int | None = None


@dataclass
class Side:
    """One role (src, mt or ref) read from one file."""

    role: str
    path: str
    fmt: str
    segments: list[Segment] = field(default_factory=list)
    system: str | None = None  # set when several MT files are compared

    def texts(self) -> list[str]:
        return [s.text for s in self.segments]


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def open_input(path: str | Path):
    """The file opened for reading in binary, or an InputError saying why it cannot be."""
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", path=str(path), hint="check the path")
    if p.is_dir():
        raise InputError("is a folder, expected a file", path=str(path))
    try:
        return open(p, "rb")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=str(path)) from None


def read_text(path: str | Path) -> str:
    """Read a UTF-8 file (BOM allowed) exactly, or raise an InputError naming the line.

    Line endings are left alone: callers split on "\\n" only, as sacrebleu does,
    so a U+2028 inside a segment does not split it.
    """
    with open_input(path) as handle:
        data = handle.read()
    if b"\x00" in data[:65536]:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError("looks like a binary file (NUL byte)", path=str(path), line=line,
                         hint="give a UTF-8 text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", path=str(path), line=line,
                         hint="re-save the file as UTF-8, e.g. iconv -f GB18030 -t UTF-8") from None
    return text


def split_lines(text: str) -> list[str]:
    """Split on LF only; drop one trailing CR per line; keep empty lines."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]

"""What every reader returns: segments that remember where they came from."""

from __future__ import annotations

import codecs
import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from mtcheck.errors import InputError

BLOCK_ROWS = 5_000  # rows a streamed reader yields at a time (mtcheck/io/stream.py, mtcheck/io/table.py)


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


def display_path(path: str | Path | None) -> str | None:
    """The path a report names an input by: relative to the working directory when the file is inside
    it, else as given. A report is shared with colleagues, and an absolute path names the user's own
    folders (issue 27). Reading the file by this path works as long as the run does not change
    directory, which mtcheck never does."""
    if path is None:
        return None
    text = str(path)
    if not os.path.isabs(text) or text.startswith("<"):
        return text
    here = os.getcwd()
    try:
        inside = os.path.commonpath([os.path.abspath(text), here]) == here
    except ValueError:  # another drive on Windows
        return text
    return os.path.relpath(text, here) if inside else text


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# Byte-order marks of the Unicode encodings other than UTF-8, longest first: UTF-32-LE's begins with
# UTF-16-LE's. Excel's "Unicode Text" export is UTF-16-LE with a BOM (issue 27).
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def wide_encoding(head: bytes) -> str | None:
    """'utf-16' or 'utf-32' when the bytes start with that encoding's byte-order mark, else None."""
    return next((name for bom, name in _WIDE_BOMS if head.startswith(bom)), None)


class _AsUtf8(io.RawIOBase):
    """A UTF-16 or UTF-32 file read as the UTF-8 bytes of the same text, so that every reader, whole or
    streamed, sees one encoding. A byte sequence the encoding cannot decode is an InputError naming the
    line, as for UTF-8."""

    def __init__(self, raw, encoding: str, path: str) -> None:
        self._text = io.TextIOWrapper(raw, encoding=encoding, newline="")  # line endings as they are
        self._pending = b""
        self._lines = 1
        self._path = path
        self._encoding = encoding

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            try:
                chunk = self._text.read(1 << 16)
            except UnicodeDecodeError:
                raise InputError(f"not valid {self._encoding.upper()} although it starts with its byte-order mark",
                                 path=self._path, line=self._lines,
                                 hint="re-save the file as UTF-8") from None
            if not chunk:
                return 0
            self._lines += chunk.count("\n")
            self._pending = chunk.encode("utf-8", "surrogatepass")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._text.close()
        super().close()


GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(head: bytes) -> bool:
    return head[:2] == GZIP_MAGIC


def plain_suffix(path: str | Path) -> str:
    """The file's suffix, lower-cased, under a `.gz`: `news.tsv.gz` -> `.tsv`."""
    p = Path(path)
    if p.suffix.lower() == ".gz":
        p = p.with_suffix("")
    return p.suffix.lower()


class _Gunzip(io.RawIOBase):
    """A gzip-compressed file read as its decompressed bytes. A damaged or truncated stream is an
    InputError naming the file and the line reached, not a zlib traceback."""

    def __init__(self, raw, path: str) -> None:
        import gzip

        self._gz = gzip.GzipFile(fileobj=raw, mode="rb")
        self._path = path
        self._lines = 1

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        import zlib

        try:
            n = self._gz.readinto(buffer)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"damaged gzip file ({exc})", path=self._path, line=self._lines,
                             hint="compress it again, or give the uncompressed file") from None
        self._lines += bytes(buffer[:n]).count(b"\n")
        return n

    def close(self) -> None:
        self._gz.close()
        super().close()


def open_input(path: str | Path):
    """The file opened for reading in binary, or an InputError saying why it cannot be.

    A gzip-compressed file (by its first bytes, whatever its name) is read decompressed, so
    `news.tsv.gz` reads as `news.tsv` would. UTF-16 and UTF-32 files that declare themselves with a
    byte-order mark are read as UTF-8 bytes; a file without one is taken for UTF-8, and a NUL byte in
    it means it is binary."""
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", path=str(path), hint="check the path")
    if p.is_dir():
        raise InputError("is a folder, expected a file", path=str(path))
    try:
        handle = open(p, "rb")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=str(path)) from None
    if is_gzip(handle.peek(2)[:2]):
        handle = io.BufferedReader(_Gunzip(handle, str(path)))
    encoding = wide_encoding(handle.peek(4)[:4])
    if encoding is None:
        return handle
    return io.BufferedReader(_AsUtf8(handle, encoding, str(path)))


# Legacy encodings people's files come in, tried in this order, with the script their non-ASCII
# characters must read as. The test is strict: Shift_JIS text holds kana, and GB18030 or Windows-1251
# would decode a Latin-1 "é" too, but as a character inside a Latin word, which no real text has.
_LEGACY = (("SHIFT_JIS", "shift_jis", r"[\u3040-\u30ff]", 0.2), ("EUC-KR", "euc-kr", r"[\uac00-\ud7af]", 0.8),
           ("GB18030", "gb18030", r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", 0.9),
           ("WINDOWS-1251", "cp1251", r"[\u0400-\u04ff]", 0.9),
           ("WINDOWS-1252", "cp1252", r"[\u00a0-\u00ff\u0152\u0153\u0160\u0161\u017d\u017e\u20ac\u2013-\u2026]", 0.9))


def encoding_hint(data: bytes) -> str:
    """How to re-save bytes that are not UTF-8: `iconv -f ENC -t UTF-8` with the legacy encoding whose
    reading looks like real text, or a neutral ENCODING when none does (issue 34: a Latin-1 file was told
    to use GB18030)."""
    import re

    sample = data[:1 << 16]
    for name, codec, script, need in _LEGACY:
        try:
            text = sample.decode(codec)
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4:
                continue
            text = sample[:exc.start].decode(codec)
        wide = [ch for ch in text if ord(ch) > 127]
        if not wide or len(re.findall(script, "".join(wide))) / len(wide) < need:
            continue
        if codec != "cp1252" and re.search(rf"[A-Za-z](?:{script})|(?:{script})[A-Za-z]", text):
            continue  # a character of another script inside a Latin word: a misreading
        return f"it looks like {name}: re-save it as UTF-8, e.g. iconv -f {name} -t UTF-8"
    return "re-save it as UTF-8, e.g. iconv -f ENCODING -t UTF-8, with the encoding it was saved in"


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
                         hint=encoding_hint(data)) from None
    return text


def split_lines(text: str) -> list[str]:
    """Split on LF only; drop one trailing CR per line; keep empty lines."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def _decode(raw: bytes, path: str, line: int, first: bool) -> str:
    if b"\x00" in raw:
        raise InputError("looks like a binary file (NUL byte)", path=path, line=line, hint="give a UTF-8 text file")
    try:
        text = raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", path=path, line=line,
                         hint=encoding_hint(raw)) from None
    return text[:-1] if text.endswith("\r") else text


def iter_lines(path: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, text) of every line, split on LF only and one trailing CR dropped, as
    `mtcheck.io.base.split_lines` splits a whole file."""
    with open_input(path) as handle:
        for number, raw in enumerate(handle, start=1):
            if raw.endswith(b"\n"):
                raw = raw[:-1]
            yield number, _decode(raw, str(path), number, number == 1)


def count_newlines(path: str) -> int:
    """Newlines in the file, counted a megabyte at a time without decoding (a progress bar's total)."""
    count = 0
    with open_input(path) as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            count += chunk.count(b"\n")
    return count


def count_lines(path: str) -> int:
    """Lines as `iter_lines` yields them (a last line without LF counts), without decoding: the bytes
    are checked when the rows are read."""
    count, last = 0, b"\n"
    with open_input(path) as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def system_name(path: str) -> str:
    parts = Path(path).name.split(".")
    # mt.systemA.txt -> systemA; hyp-online-B.txt -> hyp-online-B
    return parts[1] if len(parts) > 2 and parts[0] == "mt" else Path(path).stem

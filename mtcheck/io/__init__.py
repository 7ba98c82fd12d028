"""Stage 1, load: one reader per format, streaming, encodings, and the dispatcher that picks a reader.
May import `schema` and `errors` only: every other layer reads through it.

Readers, one per format, and the dispatcher that picks one.

Format detection (`--format` overrides it):

* a folder is a corpus folder (see `read_corpus_folder`);
* `.tsv`, `.csv`, `.jsonl` / `.ndjson` are tables;
* `.xlf` / `.xliff` (XLIFF 1.2 or 2.0), `.tmx` (TMX 1.4) and `.xml` (a WMT
  XML test set) are bilingual files, read into a table like the others;
* `.srt` is subtitles, one segment per cue;
* any other file given as the positional argument is running text (a document);
* files given with `-t/-s/-r` are plain text, one segment per line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mtcheck.errors import InputError, UsageError
from mtcheck.io.base import Side, open_input, plain_suffix, sha256_of, system_name
from mtcheck.io.document import read_document
from mtcheck.io.plaintext import read_lines
from mtcheck.io.table import TABLE_FORMATS, read_table

XML_FORMATS = ("xliff", "tmx", "wmt")
FORMATS = ("auto", "lines", "doc", "srt") + TABLE_FORMATS + XML_FORMATS
# XLIFF as tools name it: Trados Studio .sdlxliff, memoQ .mqxliff, Phrase (Memsource) .mxliff.
XLIFF_SUFFIXES = (".xlf", ".xliff", ".sdlxliff", ".mqxliff", ".mxliff")
_TABLE_SUFFIX = {".tsv": "tsv", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".tmx": "tmx", ".xml": "wmt",
                 **dict.fromkeys(XLIFF_SUFFIXES, "xliff")}
_ROLES = ("src", "mt", "ref")


@dataclass
class InputSpec:
    """What the user named on the command line or in the Python API."""

    data: str | None = None          # positional: table, document or corpus folder
    mt: list[str] = field(default_factory=list)   # -t, one file per system
    src: str | None = None           # -s
    refs: list[str] = field(default_factory=list)  # -r, one file per reference
    fmt: str = "auto"
    columns: str | None = None
    target_lang: str | None = None   # picks the target side of a multilingual TMX
    align: bool = False              # align sides by content instead of by position

    def spooled(self) -> "InputSpec":
        """The same inputs with `-` (standard input) and pipes copied once into temporary files, which can
        be read as often as a run needs (io/spool.py)."""
        from dataclasses import replace

        from mtcheck.io.spool import spool_all

        data, src, *rest = spool_all([self.data, self.src, *self.mt, *self.refs])
        return replace(self, data=data, src=src, mt=rest[:len(self.mt)], refs=rest[len(self.mt):])

    def displayed(self) -> "InputSpec":
        """The same inputs named as a report names them (`base.display_path`): relative to the working
        directory where they are inside it."""
        from dataclasses import replace

        from mtcheck.io.base import display_path

        return replace(self, data=display_path(self.data), mt=[display_path(p) for p in self.mt],
                       src=display_path(self.src), refs=[display_path(p) for p in self.refs])


@dataclass
class Loaded:
    """Everything read, before alignment: either sides (per role) or one table."""

    name: str
    sides: dict[str, list[Side]] = field(default_factory=dict)
    table: object | None = None   # pandas.DataFrame
    inputs: list[dict] = field(default_factory=list)
    align: bool = False


_XML_ROOTS = ((b"<xliff", "xliff"), (b"<tmx", "tmx"), (b"<dataset", "wmt"))
_SRT_HEAD = __import__("re").compile(rb"^\s*1\s*\r?\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->")


def sniff_format(path: str) -> str | None:
    """Recognise XLIFF, TMX, WMT XML and SRT by their first bytes, whatever the file is called (read as
    `open_input` reads it: decompressed, and UTF-16/32 with a byte-order mark as UTF-8)."""
    try:
        with open_input(path) as handle:
            head = handle.read(4096).lstrip(b"\xef\xbb\xbf")
    except (OSError, InputError):
        return None
    lowered = head.lower()
    for marker, fmt in _XML_ROOTS:
        if marker in lowered:
            return fmt
    return "srt" if _SRT_HEAD.match(head) else None


def detect_format(path: str, positional: bool) -> str:
    """By extension first (under a `.gz`), then by content; plain text otherwise. XML formats are read
    whole by the hardened parser (io/xmlsafe.py), which takes no compressed file."""
    suffix = plain_suffix(path)
    if suffix in _TABLE_SUFFIX:
        fmt = _TABLE_SUFFIX[suffix]
        if fmt in ("xliff", "tmx", "wmt") and Path(path).suffix.lower() == ".gz":
            raise UsageError("a compressed XML file cannot be read", path=path,
                             hint=f"decompress it first: gunzip -k {path}")
        return fmt
    if suffix == ".srt":
        return "srt"
    sniffed = sniff_format(path) if Path(path).is_file() else None
    if sniffed:
        return sniffed
    return "doc" if positional else "lines"


def _read_side(path: str, role: str, fmt: str) -> Side:
    if fmt == "auto":
        fmt = detect_format(path, positional=False)
    if fmt == "doc":
        return read_document(path, role)
    if fmt == "lines":
        return read_lines(path, role)
    if fmt == "srt":
        from mtcheck.io.srt import read_srt
        return read_srt(path, role)
    raise UsageError(f"format '{fmt}' cannot be used for -{role[0]} files", path=path,
                     hint="give a bilingual file or table as the positional argument instead")


def read_any_table(path: str, fmt: str, columns: str | None = None, target_lang: str | None = None):
    """Tables and bilingual XML files, all as a DataFrame with role columns."""
    if fmt == "xliff":
        from mtcheck.io.xliff import read_xliff
        return read_xliff(path)
    if fmt == "tmx":
        from mtcheck.io.tmx import read_tmx
        return read_tmx(path, target_lang)
    if fmt == "wmt":
        from mtcheck.io.wmtxml import read_wmt_xml
        return read_wmt_xml(path)
    return read_table(path, fmt, columns)


def _record(loaded: Loaded, path: str, role: str, fmt: str, count: int) -> None:
    loaded.inputs.append({"path": str(path), "role": role, "format": fmt,
                          "sha256": sha256_of(path), "segments": count})


def read_corpus_folder(folder: Path) -> InputSpec:
    """Turn a corpus folder into an InputSpec by file names.

    A file's role is the part of its name before the first dot: `src.txt`,
    `mt.txt` (or `mt.SYSTEM.txt`, one per system) and `ref.txt` (or
    `ref.NAME.txt`, one per reference) are line-aligned plain text. A single
    `.tsv`/`.csv`/`.jsonl` file is a table. Any other `.txt` file is a
    running-text MT document. README files and hidden files are ignored.
    """
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and not p.name.startswith(".") and not p.name.upper().startswith("README"))
    roles: dict[str, list[str]] = {r: [] for r in _ROLES}
    tables, docs = [], []
    for p in files:
        head = p.name.split(".")[0].lower()
        suffix = plain_suffix(p)  # news.tsv.gz is a table, mt.txt.gz a role file
        if suffix in _TABLE_SUFFIX:
            tables.append(str(p))
        elif head in _ROLES and suffix == ".txt":
            roles[head].append(str(p))
        elif suffix == ".txt":
            docs.append(str(p))
    kinds = sum(bool(x) for x in (tables, docs, roles["mt"] or roles["src"] or roles["ref"]))
    if kinds == 0:
        raise InputError("no input files in this corpus folder", path=str(folder),
                         hint="add mt.txt (with src.txt/ref.txt), a table, or a running-text .txt document")
    if kinds > 1:
        raise UsageError("a corpus folder holds either role files, one table or documents, not a mix",
                         path=str(folder), hint="move the other files into their own folder")
    if len(tables) > 1:
        raise UsageError(f"{len(tables)} tables in one corpus folder", path=str(folder),
                         hint="keep one table per folder")
    if len(roles["src"]) > 1:
        raise UsageError("more than one src file", path=str(folder), hint="keep one src.txt per folder")
    if tables:
        return InputSpec(data=tables[0])
    if docs:
        return InputSpec(mt=docs, fmt="doc")
    if not roles["mt"]:
        raise InputError("no mt file in this corpus folder", path=str(folder), hint="name the MT file mt.txt")
    return InputSpec(mt=roles["mt"], src=(roles["src"] or [None])[0], refs=roles["ref"], fmt="lines")


def declared_languages(spec: InputSpec) -> tuple[list[str], list[str], str | None]:
    """(source tags, target tags, the file that declares them) of the XLIFF files `spec` names, in order of
    first appearance; empty lists for other inputs. A corpus folder is not searched: its files are lines,
    tables and documents, which declare no language."""
    from mtcheck.io.xliff import declared_languages as from_xliff

    sources: dict = {}
    targets: dict = {}
    where = None
    for path in [spec.data, *spec.mt]:
        if not path or not Path(path).is_file():
            continue
        fmt = spec.fmt if spec.fmt != "auto" else detect_format(path, positional=path == spec.data)
        if fmt != "xliff":
            continue
        src, trg = from_xliff(path)
        sources.update(dict.fromkeys(src))
        targets.update(dict.fromkeys(trg))
        where = where or (path if trg else None)
    return list(sources), list(targets), where


def resolve(spec: InputSpec) -> tuple[str, InputSpec, str | None]:
    """(the run's name, the spec with a corpus folder or a positional file turned into roles, the table
    format when the input is one table or bilingual file, else None). Checks what can be checked
    without reading the files."""
    if spec.fmt not in FORMATS:
        raise UsageError(f"unknown format '{spec.fmt}'", hint=f"choose one of {', '.join(FORMATS)}")
    if spec.data:
        data = Path(spec.data)
        if not data.exists():
            raise InputError("file or folder not found", path=spec.data, hint="check the path")
        name = data.name if data.is_dir() else _run_name(spec.data)
        if data.is_dir():
            if spec.mt or spec.src or spec.refs:
                raise UsageError("give either a corpus folder or -t/-s/-r files, not both", path=spec.data)
            folder_spec = read_corpus_folder(data)
            folder_spec.columns, folder_spec.target_lang, folder_spec.align = spec.columns, spec.target_lang, spec.align
            if spec.fmt != "auto":
                folder_spec.fmt = spec.fmt
            _, resolved, table_fmt = resolve(folder_spec)
            return name, resolved, table_fmt
        if spec.mt:
            raise UsageError("give either a positional file or -t files, not both", path=spec.data)
        fmt = spec.fmt if spec.fmt != "auto" else detect_format(spec.data, positional=True)
        if fmt in TABLE_FORMATS + XML_FORMATS:
            if spec.src or spec.refs:
                raise UsageError("a table carries its own src/ref columns; drop -s/-r", path=spec.data)
            return name, spec, fmt
        return name, InputSpec(mt=[spec.data], src=spec.src, refs=spec.refs, fmt=fmt, align=spec.align,
                               columns=spec.columns, target_lang=spec.target_lang), None
    if not spec.mt:
        raise UsageError("no MT given", hint="pass a file, a table or a corpus folder, or -t MT.txt")
    return _run_name(spec.mt[0]), spec, None


def _run_name(path: str) -> str:
    """The run's name, from its first input as the user named it (a stream: "stdin", the pipe's name)."""
    from mtcheck.io.spool import display_name

    shown = display_name(path)
    return "stdin" if shown == "<stdin>" else Path(shown).stem


def side_paths(spec: InputSpec) -> list[tuple[str, str]]:
    """(role, path) of every side file, MT first."""
    return ([("mt", p) for p in spec.mt] + ([("src", spec.src)] if spec.src else [])
            + [("ref", p) for p in spec.refs])


def load(spec: InputSpec) -> Loaded:
    """Read every input file named by `spec`; alignment happens later (mtcheck.align)."""
    name, spec, table_fmt = resolve(spec)
    if table_fmt is not None:
        loaded = Loaded(name=name)
        loaded.table = read_any_table(spec.data, table_fmt, spec.columns, spec.target_lang)
        _record(loaded, spec.data, "table", table_fmt, len(loaded.table))
        return loaded
    fmt = spec.fmt
    loaded = Loaded(name=name)
    for role, path in side_paths(spec):
        side = _read_side(path, role, fmt)
        if role == "mt" and len(spec.mt) > 1 and side.fmt != "doc":
            side.system = system_name(path)
        loaded.sides.setdefault(role, []).append(side)
        _record(loaded, path, role, side.fmt, len(side.segments))
    # Running text is never line-aligned with anything: it implies alignment.
    loaded.align = spec.align or any(s.fmt == "doc" for sides in loaded.sides.values() for s in sides)
    return loaded


def from_dataframe(frame) -> Loaded:
    """A pandas DataFrame with an `mt` column (the Python API's input) as a loaded table."""
    from mtcheck import schema as S

    if S.MT not in frame.columns:
        raise UsageError("the DataFrame has no 'mt' column", hint="name the translation column 'mt'")
    table = frame.copy().fillna("").astype({c: str for c in frame.columns if frame[c].dtype == object})
    table[S.FILE] = "<DataFrame>"
    table[S.LINE] = range(1, len(table) + 1)
    return Loaded(name="dataframe", table=table,
                  inputs=[{"path": "<DataFrame>", "role": "table", "format": "dataframe",
                           "sha256": None, "segments": len(table)}])

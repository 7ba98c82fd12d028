"""Glossaries for the terminology checks (mtcheck/checks/terminology.py): TBX, CSV or TSV.

**TBX** (ISO 30042): TBX v2 (`<martif>`, `termEntry/langSet/tig|ntig/term`), as Trados MultiTerm, memoQ,
Weblate and translate-toolkit write it, and TBX v3 (`<tbx>`, `conceptEntry/langSec/termSec/term`), both
the DCA style (`<termNote type="administrativeStatus">`) and the DCT style (`<min:administrativeStatus>`) of
the TBX-Basic dialect. A term's status comes from its administrative status (or the older
`normativeAuthorization`): `preferredTerm-admn-sts`, `admittedTerm-admn-sts`, or no status, are terms to
use; `deprecatedTerm-admn-sts`, `supersededTerm-admn-sts`, "obsolete" and "forbidden" are terms not to use.
An entry is *do not translate* when a `descrip` says "Translation needed: No" (Weblate's export), or a
note or description of the entry says "do not translate" or "DNT": its source terms must appear
unchanged in the translation. A DOCTYPE is accepted (TBX v2 files carry one) but never read or fetched;
entities are refused.

**CSV / TSV** (the separator is sniffed): a header row is required. Columns named by a language tag
(`en`, `de-DE`) hold that language's term; `source` and `target` mean the run's languages. An optional
`status` column says `preferred` (the default), `admitted`, `forbidden` (or `deprecated`, `superseded`,
`obsolete`) or `dnt` ("do not translate"); it applies to the row's target term (for `dnt`, to the
source term). An optional `note` is shown in the message. One row is one entry; several rows with the
same source term are one entry with several target terms (a preferred and a forbidden one, for example).

A glossary that cannot be read is a one-line error naming the file (and line), before any slow work.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from mtcheck.errors import InputError

USE = ("preferred", "admitted")
FORBIDDEN = "forbidden"
_FORBIDDEN_WORDS = ("deprecated", "superseded", "obsolete", "forbidden", "notrecommended", "rejected")
_DNT = re.compile(r"\b(do\s*not\s*translate|don'?t\s*translate|dnt|untranslatable)\b", re.I)


@dataclass(frozen=True)
class Term:
    text: str
    lang: str      # the primary language subtag, "" when the file does not say ("source"/"target" columns)
    status: str    # preferred | admitted | forbidden
    role: str = ""  # "source" / "target" for CSV columns so named, else ""


@dataclass
class Entry:
    terms: list[Term]
    dnt: bool = False
    note: str = ""
    where: str = ""  # "line 12" or "entry c4": where an editor finds it in the glossary file


@dataclass
class Glossary:
    path: str
    entries: list[Entry] = field(default_factory=list)
    default_source: str = ""  # the file's own source language (TBX xml:lang, the first CSV language column)
    # The checks' indexes per (source, target) language pair (mtcheck/checks/terminology.py), built once.
    compiled: dict = field(default_factory=dict, repr=False, compare=False)

    def pairs(self, source: str, target: str) -> list[tuple[Entry, list[Term], list[Term], list[Term]]]:
        """(entry, its source terms, target terms to use, target terms not to use) for entries that have a
        source term in `source` (primary subtags; "" takes the file's default)."""
        source = source or self.default_source
        out = []
        for entry in self.entries:
            src = [t for t in entry.terms if _is(t, source, "source")]
            use = [t for t in entry.terms if _is(t, target, "target") and t.status in USE]
            avoid = [t for t in entry.terms if _is(t, target, "target") and t.status == FORBIDDEN]
            if src and (use or avoid or entry.dnt):
                out.append((entry, src, use, avoid))
        return out


def _is(term: Term, lang: str, role: str) -> bool:
    return term.role == role if term.role else term.lang == lang


def status_of(value: str) -> str:
    """A TBX administrative status or a CSV status, as preferred / admitted / forbidden."""
    word = re.sub(r"[^a-z]", "", (value or "").lower())
    if not word or word.startswith("preferred") or word.startswith("standardized") or word == "legalterm":
        return "preferred"
    if any(word.startswith(w) for w in _FORBIDDEN_WORDS):
        return FORBIDDEN
    return "admitted"


def read_glossary(path: str | Path) -> Glossary:
    p = Path(path)
    if not p.is_file():
        raise InputError("glossary not found", path=str(path), hint="check the path given to --glossary")
    head = p.read_bytes()[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if p.suffix.lower() in (".tbx", ".xml") or head.startswith(b"<"):
        glossary = _read_tbx(p)
    else:
        glossary = _read_table(p)
    if not glossary.entries:
        raise InputError("the glossary has no entries with terms", path=str(path),
                         hint="a TBX needs termEntry/conceptEntry elements; a CSV a header and rows")
    return glossary


def _primary(tag: str) -> str:
    from mtcheck.languages import base

    try:
        return base(tag)
    except Exception:
        return (tag or "").split("-")[0].split("_")[0].lower()


def _read_tbx(p: Path) -> Glossary:
    from mtcheck.io.xmlsafe import XML_LANG, local, parse_xml

    root = parse_xml(p, allow_doctype=True)
    if local(root.tag) not in ("martif", "tbx"):
        raise InputError(f"not a TBX file: its root is <{local(root.tag)}>", path=str(p),
                         hint="a TBX file's root is <martif> (TBX v2) or <tbx> (TBX v3)")
    glossary = Glossary(str(p), default_source=_primary(root.get(XML_LANG, "")))
    for number, entry in enumerate(e for e in root.iter() if local(e.tag) in ("termEntry", "conceptEntry")):
        terms, texts = [], []
        for child in entry.iter():
            name = local(child.tag)
            if name in ("descrip", "note", "admin") and child.text:
                texts.append(((child.get("type") or "").lower(), " ".join(child.itertext()).strip()))
        dnt = any((kind == "translation needed" and text.lower() == "no") or _DNT.search(text)
                  for kind, text in texts)
        for lang_set in (e for e in entry if local(e.tag) in ("langSet", "langSec")):
            lang = _primary(lang_set.get(XML_LANG, ""))
            for holder in (e for e in lang_set.iter() if local(e.tag) in ("tig", "ntig", "termSec")):
                term = next((e for e in holder.iter() if local(e.tag) == "term"), None)
                text = " ".join("".join(term.itertext()).split()) if term is not None else ""
                if text:
                    terms.append(Term(text, lang, status_of(_admin_status(holder))))
        if terms:
            ident = entry.get("id") or f"number {number + 1}"
            glossary.entries.append(Entry(terms, dnt, "", f"entry {ident}"))
    return glossary


def _admin_status(holder) -> str:
    from mtcheck.io.xmlsafe import local

    for e in holder.iter():
        name = local(e.tag)
        kind = e.get("type") or ""
        if (name == "termNote" and kind in ("administrativeStatus", "normativeAuthorization")) \
                or name in ("administrativeStatus", "normativeAuthorization"):
            return (e.text or "").strip()
    return ""


def _read_table(p: Path) -> Glossary:
    from mtcheck.io.worklist import sniff_delimiter, sniff_encoding

    try:
        text = p.read_bytes().decode(sniff_encoding(p))
    except (UnicodeDecodeError, LookupError):
        raise InputError("the glossary is not text in a known encoding", path=str(p),
                         hint="save it as UTF-8 CSV or TSV") from None
    if "\x00" in text:
        raise InputError("the glossary is not a text file", path=str(p), hint="give a TBX, CSV or TSV file")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=sniff_delimiter(text.split("\n", 1)[0])))
    if not rows:
        raise InputError("the glossary is empty", path=str(p), hint="give a header row and one term per row")
    header = [h.strip() for h in rows[0]]
    lowered = [h.lower() for h in header]
    status_col = lowered.index("status") if "status" in lowered else None
    note_col = lowered.index("note") if "note" in lowered else None
    term_cols = [(k, h) for k, h in enumerate(header) if k not in (status_col, note_col) and h]
    if len(term_cols) < 2 and not (len(term_cols) == 1 and status_col is not None):
        raise InputError("the glossary's header does not name its term columns", path=str(p), line=1,
                         hint="name them by language (en,de) or source,target; optional status and note columns")
    columns = []
    for k, name in term_cols:
        role = name.lower() if name.lower() in ("source", "target") else ""
        if not role and not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*", name):
            raise InputError(f"the glossary's column '{name}' is neither a language tag nor source/target",
                             path=str(p), line=1, hint="name term columns by language (en,de) or source,target")
        columns.append((k, role, "" if role else _primary(name)))
    glossary = Glossary(str(p), default_source=columns[0][2])
    by_source: dict[str, Entry] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = [c.strip() for c in row] + [""] * (len(header) - len(row))
        if not any(cells):
            continue
        status = cells[status_col].lower() if status_col is not None else ""
        dnt = bool(_DNT.search(status)) or status in ("dnt", "no translation")
        first_k, first_role, first_lang = columns[0]
        source_text = cells[first_k]
        if not source_text:
            raise InputError("a glossary row has no term in its first column", path=str(p), line=number,
                             hint=f"fill in the {header[first_k]} term or delete the row")
        entry = by_source.get(source_text)
        if entry is None:
            entry = Entry([Term(source_text, first_lang, "preferred", first_role)], dnt,
                          cells[note_col] if note_col is not None else "", f"line {number}")
            by_source[source_text] = entry
            glossary.entries.append(entry)
        entry.dnt = entry.dnt or dnt
        for k, role, lang in columns[1:]:
            if cells[k]:
                entry.terms.append(Term(cells[k], lang, "preferred" if dnt else status_of(status), role))
    return glossary

"""MQM marks: the categories an editor picks from, the weights that score them, and the TSV layout of
google/wmt-mqm-human-evaluation, which the desk exports and imports.

Weights follow the judgments data mtcheck is calibrated on (shared/data/judgments/README.md): minor 1,
major 5, minor Fluency/Punctuation 0.1, Non-translation 25 (Google's), and critical 10 (Unbabel's: the
Google scheme has no critical). "No-error" weighs 0: it records that an editor read the unit and found
nothing, which is what makes an unmarked unit count as rated rather than unread.

The TSV has one row per mark, with the marked span wrapped in <v>...</v> inside the target, and columns
system, doc, doc_id, seg_id, rater, source, target, category, severity. It is read and written without
quoting, as Google's files are; tabs and line breaks inside a text are written as spaces. A cell that a
spreadsheet would run as a formula (it starts with =, +, -, @) is written with a leading apostrophe, as
every file mtcheck writes, and read back without it.
"""

from __future__ import annotations

import csv
import re

from mtcheck.io.worklist import neutralise, restore

SEVERITIES = ("minor", "major", "critical")
NO_ERROR = "No-error"
CATEGORIES = (
    "Accuracy/Mistranslation", "Accuracy/Omission", "Accuracy/Addition", "Accuracy/Untranslated text",
    "Fluency/Grammar", "Fluency/Spelling", "Fluency/Punctuation", "Fluency/Register", "Fluency/Inconsistency",
    "Fluency/Character encoding", "Terminology/Inappropriate for context", "Terminology/Inconsistent use",
    "Style/Awkward", "Locale convention/Date format", "Locale convention/Number format",
    "Locale convention/Currency format", "Locale convention/Address format", "Non-translation", "Other",
)
TSV_COLUMNS = ("system", "doc", "doc_id", "seg_id", "rater", "source", "target", "category", "severity")
_SPAN = re.compile(r"<v>(.*?)</v>", re.S)


def penalty(category: str, severity: str) -> float:
    """MQM points of one mark (higher is worse)."""
    severity = severity.strip().lower()
    if category == NO_ERROR or severity in ("no-error", "neutral", ""):
        return 0.0
    if category.startswith("Non-translation"):
        return 25.0
    if severity == "minor":
        return 0.1 if category == "Fluency/Punctuation" else 1.0
    return {"major": 5.0, "critical": 10.0}.get(severity, 0.0)


def score(marks) -> float:
    """MQM points of one rater's marks on one unit: the sum of their penalties."""
    return sum(penalty(m.category, m.severity) for m in marks)


def with_span(text: str, start: int, end: int) -> str:
    if end <= start:
        return text
    return f"{text[:start]}<v>{text[start:end]}</v>{text[end:]}"


def split_span(target: str) -> tuple[str, int, int]:
    """The target without its <v> markers, and the first marked span's offsets (0, 0 when none)."""
    match = _SPAN.search(target)
    if not match:
        return target, 0, 0
    start = match.start()
    inner = match.group(1)
    plain = _SPAN.sub(lambda m: m.group(1), target)
    return plain, start, start + len(inner)


def _flat(text) -> str:
    return " ".join(str(text).replace("\t", " ").splitlines()) if text else ""


def write_tsv(rows, handle) -> int:
    """rows: dicts with the TSV_COLUMNS keys. Returns the number written."""
    # Google's files quote nothing: a " in a text is an ordinary character (quotechar None).
    writer = csv.writer(handle, delimiter="\t", quoting=csv.QUOTE_NONE, quotechar=None, lineterminator="\n")
    writer.writerow(TSV_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([neutralise(_flat(row.get(c, ""))) for c in TSV_COLUMNS])
        count += 1
    return count


def read_tsv(path):
    """Yield (line number, dict) per row of a wmt-mqm-human-evaluation TSV; a missing column is an InputError.
    Read in the encoding the file was saved in (UTF-8, or Excel's UTF-16 "Unicode Text" and Windows-1252),
    as mtcheck reads an editor's worklist."""
    from mtcheck.errors import InputError
    from mtcheck.io.worklist import sniff_encoding

    try:
        yield from _rows(path, sniff_encoding(path))
    except UnicodeError as exc:
        raise InputError(f"cannot read the file as text ({exc.reason})", path=str(path),
                         hint="save it as UTF-8 tab-separated text") from None
    except csv.Error as exc:
        raise InputError(f"cannot read the file as TSV ({exc})", path=str(path),
                         hint="save it as tab-separated text") from None


def _rows(path, encoding: str):
    from mtcheck.errors import InputError

    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = [h.strip().lower() for h in next(reader, [])]
        needed = [c for c in TSV_COLUMNS if c != "doc_id" and c not in header]
        if needed:
            raise InputError(f"no column {', '.join(needed)}", path=str(path), line=1,
                             hint="give a TSV with the columns of google/wmt-mqm-human-evaluation: "
                                  + ", ".join(TSV_COLUMNS))
        for number, cells in enumerate(reader, 2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) < len(header):
                raise InputError(f"{len(cells)} columns where the header has {len(header)}", path=str(path),
                                 line=number, hint="every row needs all columns, tab-separated")
            yield number, dict(zip(header, (restore(c) for c in cells)))


def canonical_severity(text: str) -> str | None:
    word = text.strip().lower()
    if word in ("no-error", "no error", "neutral"):
        return "no-error"
    return word if word in SEVERITIES else None

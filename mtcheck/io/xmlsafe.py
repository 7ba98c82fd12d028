"""Parse XML without network access or entity expansion (defusedxml), with one-line errors.

A DTD, entity declaration or external reference is refused outright: an XLIFF
or TMX file never needs one, and a "billion laughs" bomb would otherwise
expand in memory. Inline markup is kept as placeholders such as `{g:1}` /
`{/g:1}` (paired codes) and `{x:2}` (standalone codes), identical on both
sides of a unit, so later checks can compare them.
"""

from __future__ import annotations

from pathlib import Path

from mtcheck.errors import InputError

PAIRED = {"g", "pc"}                                  # XLIFF 1.2 <g>, XLIFF 2.0 <pc>
STANDALONE = {"x", "bx", "ex", "ph", "bpt", "ept", "it", "sc", "ec", "ut", "sm", "em"}
TRANSPARENT = {"mrk", "hi"}                           # annotations: keep their text
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_xml(path: str | Path, allow_doctype: bool = False):
    """The file's root element. `allow_doctype` accepts a DOCTYPE (TBX v2 files name their DTD), which is
    never read or fetched; entity declarations and external references are refused either way."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    p = Path(path)
    if not p.is_file():
        raise InputError("file not found", path=str(path), hint="check the path")
    data = p.read_bytes()
    try:
        return fromstring(data, forbid_dtd=not allow_doctype, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InputError(f"refused unsafe XML ({type(exc).__name__}): DTDs and entities are not allowed",
                         path=str(path), hint="remove the DOCTYPE/ENTITY declarations") from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        message = str(exc).split(":")[0]
        raise InputError(f"malformed XML: {message}", path=str(path), line=line,
                         hint="check the file is complete, well-formed and in its declared encoding") from None


def inline_text(elem) -> str:
    """The element's text with inline codes replaced by placeholders."""
    out = [elem.text or ""]
    for child in elem:
        name = local(child.tag)
        ident = child.get("id") or child.get("i") or child.get("x") or ""
        if name in PAIRED:
            out.append(f"{{{name}:{ident}}}{inline_text(child)}{{/{name}:{ident}}}")
        elif name in STANDALONE:
            out.append(f"{{{name}:{ident}}}")
        elif name in TRANSPARENT:
            out.append(inline_text(child))
        # anything else (e.g. <sub>, comments) contributes no text of its own
        out.append(child.tail or "")
    return "".join(out)


def seg_markers(elem) -> list:
    """The `<mrk mtype="seg">` children of a segmented XLIFF 1.2 `<seg-source>` or `<target>` (Okapi and
    Trados write them, one per sentence), when all else in `elem` is whitespace between them; else [].

    Such files are often pretty-printed inside `xml:space="preserve"` units: the indentation between the
    markers is the tool's layout, not the translation's (issue 35: a Matecat/Okapi file got all 188 units
    flagged for whitespace)."""
    if elem is None:
        return []
    marks = [c for c in elem if isinstance(c.tag, str) and not _empty_its_marker(c)]
    if not marks or any(local(c.tag) != "mrk" or c.get("mtype") != "seg" for c in marks):
        return []
    if (elem.text or "").strip() or any((c.tail or "").strip() for c in marks):
        return []
    return marks


def _empty_its_marker(elem) -> bool:
    """An empty ITS annotation marker (mtcheck's trailing `<mrk>`, report/xliff_its.py): no text of its own."""
    return (local(elem.tag) == "mrk" and (elem.get("mtype") == "x-its" or (elem.get("type") or "").startswith("its:"))
            and not (elem.text or "") and len(elem) == 0)


def seg_separator(mark) -> str:
    """What stands between a segment marker and the next in the flattened text: one space where the file
    has whitespace there, nothing where it has none."""
    return " " if mark.tail else ""


def unit_text(elem) -> str:
    """`inline_text`, but of a segmented 1.2 element its segments only (see `seg_markers`)."""
    marks = seg_markers(elem)
    if not marks:
        return inline_text(elem)
    return "".join(inline_text(m) + (seg_separator(m) if k < len(marks) - 1 else "") for k, m in enumerate(marks))

"""Annotated XLIFF, the ITS 2.0 markup: issue groups, `<mrk>` spans and ratings, placed where each XLIFF
version's schema and the ITS module allow them (report/xliff.py says what goes where).

Another tool's ITS data is kept (issue 35): its issue groups, its `locQualityIssuesRef` and its rating stay
as they were, and mtcheck's go on an `<mrk>` of its own beside them. What an earlier mtcheck run wrote is
recognised by its ids (`mtcheck-lqi-N` groups, `mtcheckN` markers) and its rating profile
(`locQualityRatingProfileRef="urn:mtcheck:quality"`), and `strip_earlier` removes it before a new
annotation: a re-run replaces its own annotations and nothing else.
"""

from __future__ import annotations

import re

from mtcheck.report.xliff_file import ITS, local as _local

XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
PROFILE = "urn:mtcheck:check:"

# mtcheck check -> ITS 2.0 locQualityIssueType (https://www.w3.org/TR/its20/#lqissue-typevalues).
ITS_TYPES = {
    "omission": "omission", "addition": "addition", "untranslated": "untranslated",
    "copied-source": "untranslated", "source-script": "untranslated", "wrong-language": "untranslated",
    "duplicate-segment": "duplication", "repeated-phrase": "duplication", "doubled-word": "duplication",
    "number-mismatch": "numbers", "hallucination": "mistranslation", "low-quality": "mistranslation",
    "grammar": "grammar", "spelling": "misspelling", "low-fluency": "style",
    "run-on": "typographical", "no-terminal-punct": "typographical", "unbalanced-brackets": "typographical",
    "markup-remnant": "markup", "tag-trail": "formatting", "lone-label": "formatting",
    "length-ratio": "length", "length-limit": "length", "whitespace": "whitespace",
    "placeholder-mismatch": "markup", "inconsistent-translation": "inconsistency",
    "character-loop": "duplication", "empty-mt": "omission",
    "glossary-term": "terminology", "forbidden-term": "terminology", "do-not-translate": "terminology",
}
SEVERITY = {"minor": 4, "major": 20, "critical": 100}  # nominal quality points per severity (4 x MQM weight)


RATING_PROFILE = "urn:mtcheck:quality"  # locQualityRatingProfileRef of mtcheck's ratings
GROUP_STEM = "mtcheck-lqi-"


def its_type(check: str) -> str:
    return ITS_TYPES.get(check, "other")


# --- text runs of a target, as the reader flattens it ---------------------------------------------------

def runs(target) -> list[tuple[object, str, int, str]]:
    """Every run of the target's own text as (element, "text" or "tail", offset in the flattened `mt`,
    the text), walking the target exactly as mtcheck.io.xmlsafe.unit_text flattens it."""
    from mtcheck.io.xmlsafe import PAIRED, STANDALONE, TRANSPARENT, seg_markers, seg_separator

    runs: list = []
    at = 0

    def walk(elem):
        nonlocal at
        if elem.text:
            runs.append((elem, "text", at, elem.text))
            at += len(elem.text)
        for child in elem:
            if not isinstance(child.tag, str):  # comments and processing instructions carry no text
                pass
            else:
                name = _local(child.tag)
                ident = child.get("id") or child.get("i") or child.get("x") or ""
                if name in PAIRED:
                    at += len(f"{{{name}:{ident}}}")
                    walk(child)
                    at += len(f"{{/{name}:{ident}}}")
                elif name in STANDALONE:
                    at += len(f"{{{name}:{ident}}}")
                elif name in TRANSPARENT:
                    walk(child)
            if child.tail:
                runs.append((child, "tail", at, child.tail))
                at += len(child.tail)

    marks = seg_markers(target)
    if not marks:
        walk(target)
        return runs
    for k, mark in enumerate(marks):  # a segmented 1.2 target: its segments and one space between (unit_text)
        walk(mark)
        if k < len(marks) - 1:
            at += len(seg_separator(mark))
    return runs


def wrap(run, start: int, end: int, mrk):
    """Put text [start, end) of `run` (offsets into its own text) into `mrk`, in place. The run's current
    text is read, not the one recorded: an earlier cut of a later span has shortened it."""
    elem, where = run[0], run[1]
    text = (elem.text if where == "text" else elem.tail) or ""
    mrk.text, mrk.tail = text[start:end], text[end:]
    if where == "text":
        elem.text = text[:start]
        elem.insert(0, mrk)
    else:
        elem.tail = text[:start]
        elem.addnext(mrk)


class Ids:
    """Fresh ids: xml:id over the document, mrk ids within a unit."""

    def __init__(self, root) -> None:
        self.taken = {v for e in root.iter() if isinstance(e.tag, str) for k, v in e.attrib.items()
                      if k in (XML_ID, "id")}
        self.n = 0

    def new(self, stem: str) -> str:
        while True:
            self.n += 1
            ident = f"{stem}{self.n}"
            if ident not in self.taken:
                self.taken.add(ident)
                return ident


def readable_codes(message: str) -> str:
    """A message as the translator's CAT tool shows it: the reader's code placeholders ({pc:1}...{/pc:1},
    {x:2}) as the tags they stand for (‹1›...‹/1›, ‹2›), not as mtcheck's internal notation (issue 35)."""
    import re

    return re.sub(r"\{(/?)(?:x|bx|ex|ph|bpt|ept|it|sc|ec|ut|sm|em|g|pc):([^{}]{0,40})\}", r"‹\1\2›", message)


def issue_group(unit, ids: Ids, findings) -> object:
    """An `its:locQualityIssues` element, made inside `unit` so that it takes the root's `its` prefix."""
    from lxml import etree

    group = etree.SubElement(unit, f"{{{ITS}}}locQualityIssues")
    group.set(XML_ID, ids.new(GROUP_STEM))
    for f in findings:
        issue = etree.SubElement(group, f"{{{ITS}}}locQualityIssue")
        issue.set("locQualityIssueType", its_type(f.check))
        issue.set("locQualityIssueComment", readable_codes(f.message))
        issue.set("locQualityIssueSeverity", str(SEVERITY.get(f.severity, 4)))
        issue.set("locQualityIssueProfileRef", PROFILE + f.check)
    return group


def reference(group, version: str) -> str:
    """The reference to a stand-off issue group: "#ID" in 1.2 (an IRI to the element's xml:id), and in 2.x
    the XLIFF 2 fragment form "#its=ID" that the 2.1 ITS module uses (issue 35: a tool that rewrites
    references to that form made kept issues read back as deleted)."""
    return ("#" if version == "1" else "#its=") + group.get(XML_ID)


def place_groups(unit, version: str, groups: list) -> None:
    """Stand-off groups into the unit where its schema allows other namespaces, indented like its children."""
    if not groups:
        return
    for group in groups:  # made at the unit's end; placed below
        unit.remove(group)
    kids = [c for c in unit]
    indent = unit.text if unit.text and not unit.text.strip() else ""
    for group in groups:
        if version == "1":  # at the end of the trans-unit
            last = kids[-1] if kids else None
            if last is not None:
                group.tail, last.tail = last.tail, indent
            else:
                group.tail = unit.text
            unit.append(group)
            kids.append(group)
        else:  # at the start of the unit
            group.tail = indent
            unit.insert(0, group)


def mrk(target, version: str, ids: Ids, refs: str | None = None, rating: float | None = None):
    """A `<mrk>` in the target's own namespace, made inside it (so prefixes are the document's), empty and
    last: where it stays by default (issue 35, defect 12). A CAT tool that keeps unknown markup when its
    user rewrites the target (translate-toolkit puts the new text first and keeps every child with the
    text after it) then keeps an empty marker at the end and repeats nothing; a marker around the text
    would repeat the old text after the new. With --xliff-spans the caller moves it around a span."""
    from lxml import etree

    ns = target.tag[1:].split("}", 1)[0] if target.tag.startswith("{") else ""
    mrk = etree.SubElement(target, f"{{{ns}}}mrk" if ns else "mrk")
    if version == "1":
        mrk.set("mtype", "x-its")
    else:
        mrk.set("id", ids.new("mtcheck"))
        mrk.set("type", "its:generic")  # the 2.1 ITS module's marker type (earlier runs wrote its:any)
    if refs:
        mrk.set(f"{{{ITS}}}locQualityIssuesRef", refs)
    if rating is not None:
        rate(mrk, rating)
    return mrk


def score(quality: float) -> str:
    return f"{max(0.0, min(100.0, float(quality))):.1f}"


def _cdata_text(elem) -> bool:
    """Whether `elem`'s own text was written as a CDATA section (lxml keeps it, but has no API to ask)."""
    from lxml import etree

    markup = etree.tostring(elem, with_tail=False, encoding="unicode")
    start = markup.find(">")
    return start > 0 and markup[start + 1:].startswith("<![CDATA[")


def wrap_whole(target, mrk) -> None:
    """Move the target's whole content into `mrk`, and `mrk` into the target. A CDATA section stays one
    (issue 35: every XLIFF 2.0 target's CDATA was lost); text split around a marked span is written
    escaped, the same XML."""
    from lxml import etree

    text = target.text
    mrk.text, target.text = (etree.CDATA(text) if text and _cdata_text(target) else text), None
    for child in list(target):
        if child is not mrk:
            mrk.append(child)


def rate(holder, quality: float) -> None:
    """mtcheck's Localization Quality Rating on `holder`, marked as mtcheck's by its profile."""
    holder.set(f"{{{ITS}}}locQualityRatingScore", score(quality))
    holder.set(f"{{{ITS}}}locQualityRatingProfileRef", RATING_PROFILE)


def has_foreign_its(target) -> bool:
    """Whether another tool put an issue reference or a rating on this target (after `strip_earlier`)."""
    return any(target.get(f"{{{ITS}}}{name}") is not None
               for name in ("locQualityIssuesRef", "locQualityRatingScore"))


def _ours_ref(value: str | None) -> bool:
    return bool(value) and all(re.sub(r"^#(?:its=)?", "", part).startswith(GROUP_STEM) for part in value.split())


def _is_our_mrk(elem) -> bool:
    if _local(elem.tag) != "mrk":
        return False
    if elem.get("mtype") == "x-its" or elem.get("type") in ("its:generic", "its:any"):
        ref = elem.get(f"{{{ITS}}}locQualityIssuesRef")
        ours_rating = elem.get(f"{{{ITS}}}locQualityRatingProfileRef") == RATING_PROFILE
        return (elem.get("id") or "").startswith("mtcheck") or _ours_ref(ref) or (ours_rating and not ref)
    return False


def _remove(elem) -> None:
    """Remove an element that mtcheck placed between a unit's children, with the whitespace it took."""
    parent, prev = elem.getparent(), elem.getprevious()
    if prev is not None:
        prev.tail = elem.tail
    parent.remove(elem)


def _unwrap(elem) -> None:
    """Replace `elem` by its content (text, children, tail), in place."""
    parent = elem.getparent()
    prev = elem.getprevious()
    text = elem.text or ""
    if prev is not None:
        prev.tail = (prev.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    index = parent.index(elem)
    children = list(elem)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    tail = elem.tail or ""
    last = children[-1] if children else parent[index - 1] if index > 0 else None
    if last is not None and last is not elem:
        last.tail = (last.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(elem)


def strip_earlier(root) -> int:
    """Remove what an earlier mtcheck run wrote (its issue groups, markers, references and ratings), keep
    every other tool's ITS data; the number of elements removed."""
    removed = 0
    for elem in [e for e in root.iter(f"{{{ITS}}}locQualityIssues") if (e.get(XML_ID) or "").startswith(GROUP_STEM)]:
        _remove(elem)
        removed += 1
    for elem in [e for e in root.iter() if isinstance(e.tag, str) and _is_our_mrk(e)]:
        _unwrap(elem)
        removed += 1
    for elem in root.iter():
        if not isinstance(elem.tag, str):
            continue
        if _ours_ref(elem.get(f"{{{ITS}}}locQualityIssuesRef")):
            del elem.attrib[f"{{{ITS}}}locQualityIssuesRef"]
        if elem.get(f"{{{ITS}}}locQualityRatingProfileRef") == RATING_PROFILE:
            for name in ("locQualityRatingScore", "locQualityRatingProfileRef"):
                elem.attrib.pop(f"{{{ITS}}}{name}", None)
    return removed


"""XLIFF 1.2 and 2.0: one row per unit (1.2 trans-unit, 2.0 segment), target as `mt`."""

from __future__ import annotations

import re
from pathlib import Path

from mtcheck import schema as S
from mtcheck.errors import InputError
from mtcheck.io.xmlsafe import local, parse_xml, seg_markers, unit_text


def _child(elem, name):
    for child in elem:
        if local(child.tag) == name:
            return child
    return None


def iter_rows(root):
    """(segment-or-trans-unit, unit, version "1" or "2", file element) for every row of an XLIFF, in file
    order: a 1.2 `trans-unit` is one row; a 2.x `segment` is one, inside its `unit`. The reader, the
    annotator (report/xliff.py) and the read-back walk rows with this one function, so they agree.

    Units marked `translate="no"`, on themselves or on an enclosing `<group>` or `<file>`, are not rows:
    they are locked (code, names, strings a tool must not touch), so mtcheck neither checks nor annotates
    them (issue 35: a real Trados file got 16 "omission: translate it" issues on code-only units)."""
    version = "1" if root.get("version", "").startswith("1") else "2"
    name = "trans-unit" if version == "1" else "unit"
    for file_elem in (e for e in root.iter() if local(e.tag) == "file"):
        # Elements, not their id()s: lxml makes its element objects on demand, and an id can come back.
        locked = {u for holder in file_elem.iter() if isinstance(holder.tag, str) and holder.get("translate") == "no"
                  for u in holder.iter() if local(u.tag) == name}
        for unit in (u for u in file_elem.iter() if local(u.tag) == name and u not in locked):
            if version == "1":
                yield unit, unit, version, file_elem
            else:
                for seg in (s for s in unit if local(s.tag) == "segment"):
                    yield seg, unit, version, file_elem


def source_text(seg, source) -> str:
    """The row's source text: of a 1.2 unit whose target is segmented (`<mrk mtype="seg">`), its
    `<seg-source>`'s segments flattened the same way, so both sides compare alike; else `<source>`'s."""
    seg_source = _child(seg, "seg-source")
    if seg_markers(seg_source) and seg_markers(_child(seg, "target")):
        return unit_text(seg_source)
    return unit_text(source)


def row_id(seg, unit) -> str:
    """The row's `seg_id`: the unit's id, or "unit/segment" where a 2.x unit has several segments."""
    segments_in_unit = sum(1 for s in unit if local(s.tag) == "segment")
    unit_id = unit.get("id", "")
    return unit_id if segments_in_unit <= 1 else f"{unit_id}/{seg.get('id', '')}"


def doc_of(file_elem, path) -> str:
    return file_elem.get("original") or file_elem.get("id") or Path(path).stem


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def row_languages(root, seg, file_elem, target) -> tuple[str, str]:
    """(source, target) language tags a row declares, "" where none: 1.2 `source-language` and
    `target-language` on its `<file>`, 2.x `srcLang` and `trgLang` on the root; `xml:lang` on the
    `<target>` (or `<source>`) wins where a tool wrote one per unit."""
    source = _child(seg, "source")
    if root.get("version", "").startswith("1"):
        src, trg = file_elem.get("source-language", ""), file_elem.get("target-language", "")
    else:
        src, trg = root.get("srcLang", ""), root.get("trgLang", "")
    if source is not None and source.get(XML_LANG):
        src = source.get(XML_LANG)
    if target is not None and target.get(XML_LANG):
        trg = target.get(XML_LANG)
    return src.strip(), trg.strip()


ITS_STORAGE = "{http://www.w3.org/2005/11/its}storageSize"
SLR = "urn:oasis:names:tc:xliff:sizerestriction:2.0"


def size_limits(seg, unit, target, profiles: set) -> dict:
    """The length limits a tool set for the row, as {S.MAX_CHARS: n, S.MAX_BYTES: (n, encoding)} where set:
    1.2 `maxwidth` with `size-unit="char"` and `maxbytes` (`size-unit="byte"`) on the trans-unit; ITS
    `storageSize` (bytes in `storageEncoding`, UTF-8 by default) on the target or the unit; 2.x
    `slr:sizeRestriction` on the unit where the file's size profile is `xliff:codepoints`. Widths in
    pixels, and other profiles, are not read: their unit depends on a font or a tool."""
    out: dict = {}
    unit_kind = unit.get("size-unit", "pixel")
    if unit.get("maxwidth", "").isdigit() and unit_kind == "char":
        out[S.MAX_CHARS] = int(unit.get("maxwidth"))
    if unit.get("maxbytes", "").isdigit() and unit_kind == "byte":
        out[S.MAX_BYTES] = f"{int(unit.get('maxbytes'))} utf-8"
    restriction = unit.get(f"{{{SLR}}}sizeRestriction", "")
    if restriction.isdigit() and "xliff:codepoints" in profiles:
        out[S.MAX_CHARS] = int(restriction)
    for holder in (target, unit):
        size = holder.get(ITS_STORAGE, "") if holder is not None else ""
        if size.isdigit():
            encoding = holder.get("{http://www.w3.org/2005/11/its}storageEncoding", "UTF-8")
            out[S.MAX_BYTES] = f"{int(size)} {encoding.lower()}"
            break
    return out


def declared_languages(path) -> tuple[list[str], list[str]]:
    """The source and target language tags an XLIFF file declares, each in order of first appearance."""
    root = parse_xml(path)
    sources: dict = {}
    targets: dict = {}
    undeclared = False
    for seg, _, _, file_elem in iter_rows(root):
        src, trg = row_languages(root, seg, file_elem, _child(seg, "target"))
        sources.setdefault(src, None) if src else None
        targets.setdefault(trg, None) if trg else None
        undeclared = undeclared or not trg
    if undeclared and not targets and (named := language_in_name(path)):
        targets[named] = None
    return list(sources), list(targets)


def language_in_name(path) -> str | None:
    """The target language a file's name gives where its content gives none: Angular's `ng extract-i18n`
    writes `messages.fr.xlf` with no `target-language` (a real Angular project in tests/data/xliff-wild);
    Symfony names its files `validators.fr.xlf` too. Only a tag mtcheck knows counts."""
    from mtcheck.errors import UsageError
    from mtcheck.languages import normalise

    match = re.search(r"\.([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\.(?:xlf|xliff)$", str(path))
    if not match:
        return None
    try:
        return normalise(match.group(1))
    except UsageError:
        return None


def state_token(seg, unit, version: str) -> str:
    """A row's review state as one word: 1.2 the target's `state` (+approved where the unit is
    approved="yes"), 2.x the segment's `state`; "-" for none."""
    if version == "1":
        target = _child(seg, "target")
        state = (target.get("state") if target is not None else None) or "-"
        return state + ("+approved" if unit.get("approved") == "yes" else "")
    return seg.get("state") or "-"


def states_digest(root) -> str:
    """A fingerprint of every row's review state, to notice a person's changes (report/xliff.py writes it
    into the annotated file's `<?mtcheck-annotated states=...?>`)."""
    import hashlib

    parts = []
    for seg, unit, version, _ in iter_rows(root):
        holder = _child(seg, "target") if version == "1" else seg
        state = holder.get("state", "") if holder is not None else ""
        parts.append(f"{unit.get('id', '')}|{seg.get('id', '')}|{state}|{seg.get('subState', '')}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


MEMOQ_NS = "MQXliff"
TRADOS_NS = "http://sdl.com/FileTypes/SdlXliff/1.0"


def tool_state(unit) -> str:
    """The CAT tool's own status of a 1.2 unit, for a file without XLIFF's `state`: memoQ's `mq:status`
    ("NotStarted", "Confirmed", ...) or Trados Studio's `conf` on the unit's `sdl:seg`s ("Draft",
    "ApprovedSignOff", ...; several segments with different ones are listed in file order, joined by
    ", "). The tool's own words, not mapped onto XLIFF's: they are what the editor sees in the tool, and
    the two vocabularies do not match one to one. A Trados segment without `conf` says nothing (Studio
    shows it as not translated, but its target may hold text), so it adds nothing here."""
    status = unit.get(f"{{{MEMOQ_NS}}}status")
    if status:
        return status
    confs = [seg.get("conf") for seg in unit.iter(f"{{{TRADOS_NS}}}seg") if seg.get("conf")]
    return ", ".join(dict.fromkeys(confs))


def read_xliff(path: str | Path):
    import pandas as pd

    root = parse_xml(path)
    if local(root.tag) != "xliff":
        raise InputError(f"not XLIFF: the root element is <{local(root.tag)}>", path=str(path))
    records = []
    profiles = {e.get("generalProfile", "") for e in root.iter() if local(e.tag) == "profiles"}
    for seg, unit, version, file_elem in iter_rows(root):
        source, target = _child(seg, "source"), _child(seg, "target")
        if source is None:
            raise InputError(f"unit '{unit.get('id')}' has no <source>", path=str(path))
        state = (target.get("state") if target is not None and target.get("state") else seg.get("state", ""))
        if not state and version == "1":
            state = tool_state(unit)
        _, lang = row_languages(root, seg, file_elem, target)
        records.append({S.DOC_ID: doc_of(file_elem, path), S.SEG_ID: row_id(seg, unit), S.SRC: source_text(seg, source),
                        S.MT: unit_text(target) if target is not None else "", "state": state or "",
                        S.TARGET_LANG: lang, **size_limits(seg, unit, target, profiles)})
    if not records:
        locked = any(e.get("translate") == "no" for e in root.iter())
        raise InputError("every unit is locked (translate=\"no\")" if locked else "no translation units found",
                         path=str(path), hint="nothing to check" if locked else "expected <trans-unit> or <unit>")
    frame = pd.DataFrame.from_records(records)
    frame[S.FILE] = str(path)
    frame[S.LINE] = ""
    return frame


ITS_NS = "http://www.w3.org/2005/11/its"
CHECK_PROFILE = "urn:mtcheck:check:"  # locQualityIssueProfileRef of mtcheck's issues (report/xliff.py)
SIGNED_OFF = {"1": {"signed-off", "final"}, "2": {"reviewed", "final"}}
ANNOTATED_PI = "mtcheck-annotated"  # before the root: states="fingerprint of the states mtcheck left"
LEFT_PI = "mtcheck-left"            # last in each unit: states="the state token mtcheck left, per row"
WAS_PI = "mtcheck-was"              # before the root: the state each row had before mtcheck changed it


def read_reviewed_xliff(path: str | Path) -> list[dict]:
    """The units of an XLIFF a reviewer returned, in file order: for each row key (doc_id, seg_id, as
    `read_xliff` gives them) the target text, whether the reviewer signed it off, whether it carries
    mtcheck's annotations (its quality rating or an issue of mtcheck's), and which of mtcheck's checks
    still have an issue there, enabled or disabled (`locQualityIssueEnabled="no"`).

    Signed off means a person set it: the row is now in a signed-off state (1.2: `approved="yes"` or a
    target state `signed-off`/`final`; 2.x: a segment state `reviewed`/`final`) *and* not the one mtcheck
    left it in. Before the root, mtcheck records the rows it left signed off (`<?mtcheck-left?>`) and a
    fingerprint of every state (`<?mtcheck-annotated states=...?>`): a unit that was final before the run
    and that nobody touched is not a review, and a file whose states all stand as mtcheck wrote them
    holds no review at all (issue 35). Where a tool dropped the records, a signed-off state counts."""
    root = parse_xml(path)
    if local(root.tag) != "xliff":
        raise InputError(f"not XLIFF: the root element is <{local(root.tag)}>", path=str(path))
    left, written_digest = _records(path)
    untouched = written_digest is not None and written_digest == states_digest(root)
    groups = {e.get("{http://www.w3.org/XML/1998/namespace}id"): e for e in root.iter()
              if local(e.tag) == "locQualityIssues"}
    units = []
    position: dict = {}
    for seg, unit, version, file_elem in iter_rows(root):
        doc_id, seg_id = doc_of(file_elem, path), row_id(seg, unit)
        source, target = _child(seg, "source"), _child(seg, "target")
        state = (target.get("state", "") if version == "1" and target is not None else seg.get("state", ""))
        signed = state in SIGNED_OFF[version] or (version == "1" and unit.get("approved") == "yes")
        index = position[unit] = position.get(unit, -1) + 1
        recorded = left.get((doc_id, unit.get("id", "")), [])
        if untouched or (index < len(recorded) and recorded[index] == state_token(seg, unit, version)):
            signed = False
        units.append({"key": (doc_id, seg_id), "src": source_text(seg, source) if source is not None else "",
                      "target": unit_text(target) if target is not None else None, "signed_off": signed,
                      **_our_issues(seg, unit, target, version, groups)})
    return units


def _our_issues(seg, unit, target, version: str, groups: dict) -> dict:
    """Whether mtcheck annotated this row, and its checks that still have an issue there, on and off."""
    holders = ([target] if target is not None else []) + [unit]
    refs = [h.get(f"{{{ITS_NS}}}locQualityIssuesRef") for h in holders]
    refs += [e.get(f"{{{ITS_NS}}}locQualityIssuesRef") for e in (target.iter() if target is not None else ())]
    issues = []
    if version == "1":  # 1.2: the stand-off groups sit in the trans-unit
        issues = [i for i in unit.iter() if local(i.tag) == "locQualityIssue"]
    else:
        for ref in filter(None, refs):
            # "#ID", or the XLIFF 2 fragment form "#its=ID" that a tool may rewrite it to (issue 35)
            group = groups.get(re.sub(r"^#(?:its=)?", "", ref.strip()))
            issues += [i for i in group if local(i.tag) == "locQualityIssue"] if group is not None else []
    ours = [(i.get("locQualityIssueProfileRef", "")[len(CHECK_PROFILE):], i.get("locQualityIssueEnabled", "yes"))
            for i in issues if i.get("locQualityIssueProfileRef", "").startswith(CHECK_PROFILE)]
    rated = any(e.get(f"{{{ITS_NS}}}locQualityRatingScore") is not None
                for e in (list(target.iter()) if target is not None else []) + [unit])
    return {"annotated": rated or bool(ours), "checks": frozenset(c for c, on in ours if on != "no"),
            "disabled": frozenset(c for c, on in ours if on == "no")}


def _records(path) -> tuple[dict, str | None]:
    """({(doc_id, unit id): [state token per row]} of the units mtcheck left signed off, the fingerprint of
    every state it left, or None) from the processing instructions report/xliff.py writes before the
    root. The file was already read by the defused parser, which refused DTDs and entities; the standard
    library's tree drops processing instructions, so lxml reads the prolog here."""
    import json

    from lxml import etree

    # As report/xliff.py `_parse` does: duplicate xml:ids and non-URI namespace names are XML, not errors.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True,
                             collect_ids=False, recover=True)
    tree = etree.parse(str(path), parser)
    digest, left = None, {}
    for node in tree.getroot().itersiblings(preceding=True):
        if not isinstance(node, etree._ProcessingInstruction):
            continue
        if node.target == ANNOTATED_PI:
            digest = node.get("states")
        elif node.target == LEFT_PI:
            try:
                record = json.loads(node.text or "{}")
            except ValueError:  # damaged by hand: no record, so signed-off states count as sign-offs
                record = {}
            left = {(str(doc), str(unit)): [str(t) for t in tokens] for doc, units in record.items()
                    if isinstance(units, dict) for unit, tokens in units.items() if isinstance(tokens, list)}
    return left, digest

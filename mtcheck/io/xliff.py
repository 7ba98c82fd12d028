"""XLIFF 1.2 and 2.0: one row per unit (1.2 trans-unit, 2.0 segment), target as `mt`."""

from __future__ import annotations

from pathlib import Path

from mtcheck import schema as S
from mtcheck.errors import InputError
from mtcheck.io.xmlsafe import inline_text, local, parse_xml


def _child(elem, name):
    for child in elem:
        if local(child.tag) == name:
            return child
    return None


def read_xliff(path: str | Path):
    import pandas as pd

    root = parse_xml(path)
    if local(root.tag) != "xliff":
        raise InputError(f"not XLIFF: the root element is <{local(root.tag)}>", path=str(path))
    version = root.get("version", "")
    records = []
    for file_elem in (e for e in root.iter() if local(e.tag) == "file"):
        doc_id = file_elem.get("original") or file_elem.get("id") or Path(path).stem
        if version.startswith("1"):
            units = [(u, u) for u in file_elem.iter() if local(u.tag) == "trans-unit"]
        else:
            units = [(seg, unit) for unit in file_elem.iter() if local(unit.tag) == "unit"
                     for seg in unit if local(seg.tag) == "segment"]
        for seg, unit in units:
            source, target = _child(seg, "source"), _child(seg, "target")
            if source is None:
                raise InputError(f"unit '{unit.get('id')}' has no <source>", path=str(path))
            segments_in_unit = sum(1 for s in unit if local(s.tag) == "segment")
            unit_id = unit.get("id", "")
            seg_id = unit_id if segments_in_unit <= 1 else f"{unit_id}/{seg.get('id', '')}"
            state = (target.get("state") if target is not None and target.get("state") else seg.get("state", ""))
            records.append({S.DOC_ID: doc_id, S.SEG_ID: seg_id, S.SRC: inline_text(source),
                            S.MT: inline_text(target) if target is not None else "", "state": state or ""})
    if not records:
        raise InputError("no translation units found", path=str(path), hint="expected <trans-unit> or <unit>")
    frame = pd.DataFrame.from_records(records)
    frame[S.FILE] = str(path)
    frame[S.LINE] = ""
    return frame


ITS_NS = "http://www.w3.org/2005/11/its"
CHECK_PROFILE = "urn:mtcheck:check:"  # locQualityIssueProfileRef of mtcheck's issues (report/xliff.py)
SIGNED_OFF = {"1": {"signed-off", "final"}, "2": {"reviewed", "final"}}


def read_reviewed_xliff(path: str | Path) -> list[dict]:
    """The units of an XLIFF a reviewer returned, in file order: for each row key (doc_id, seg_id, as
    `read_xliff` gives them) the target text, whether the reviewer signed it off (1.2: `approved="yes"`
    or a target state `signed-off`/`final`; 2.0: a segment state `reviewed`/`final`), whether it carries
    mtcheck's annotations (its quality rating or an issue of mtcheck's), and which of mtcheck's checks
    still have an issue there, enabled or disabled (`locQualityIssueEnabled="no"`)."""
    root = parse_xml(path)
    if local(root.tag) != "xliff":
        raise InputError(f"not XLIFF: the root element is <{local(root.tag)}>", path=str(path))
    version = "1" if root.get("version", "").startswith("1") else "2"
    groups = {e.get("{http://www.w3.org/XML/1998/namespace}id"): e for e in root.iter()
              if local(e.tag) == "locQualityIssues"}
    units = []
    for file_elem in (e for e in root.iter() if local(e.tag) == "file"):
        doc_id = file_elem.get("original") or file_elem.get("id") or Path(path).stem
        if version == "1":
            pairs = [(u, u) for u in file_elem.iter() if local(u.tag) == "trans-unit"]
        else:
            pairs = [(seg, unit) for unit in file_elem.iter() if local(unit.tag) == "unit"
                     for seg in unit if local(seg.tag) == "segment"]
        for seg, unit in pairs:
            segments_in_unit = sum(1 for s in unit if local(s.tag) == "segment")
            unit_id = unit.get("id", "")
            seg_id = unit_id if segments_in_unit <= 1 else f"{unit_id}/{seg.get('id', '')}"
            source, target = _child(seg, "source"), _child(seg, "target")
            state = (target.get("state", "") if version == "1" and target is not None else seg.get("state", ""))
            signed = state in SIGNED_OFF[version] or (version == "1" and unit.get("approved") == "yes")
            holders = ([target] if target is not None else []) + [unit]
            refs = [h.get(f"{{{ITS_NS}}}locQualityIssuesRef") for h in holders]
            refs += [e.get(f"{{{ITS_NS}}}locQualityIssuesRef") for e in (target.iter() if target is not None else ())]
            issues = []
            if version == "1":  # 1.2: the stand-off groups sit in the trans-unit
                issues = [i for i in unit.iter() if local(i.tag) == "locQualityIssue"]
            else:
                for ref in filter(None, refs):
                    group = groups.get(ref.lstrip("#"))
                    issues += [i for i in group if local(i.tag) == "locQualityIssue"] if group is not None else []
            ours = [(i.get("locQualityIssueProfileRef", "")[len(CHECK_PROFILE):], i.get("locQualityIssueEnabled", "yes"))
                    for i in issues if i.get("locQualityIssueProfileRef", "").startswith(CHECK_PROFILE)]
            rated = any(e.get(f"{{{ITS_NS}}}locQualityRatingScore") is not None
                        for e in (list(target.iter()) if target is not None else []) + [unit])
            units.append({"key": (doc_id, seg_id), "src": inline_text(source) if source is not None else "",
                          "target": inline_text(target) if target is not None else None, "signed_off": signed,
                          "annotated": rated or bool(ours),
                          "checks": frozenset(c for c, on in ours if on != "no"),
                          "disabled": frozenset(c for c, on in ours if on == "no")})
    return units

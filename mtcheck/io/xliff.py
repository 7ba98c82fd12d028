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

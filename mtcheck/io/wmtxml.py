"""WMT XML test sets (WMT21 onward): `<doc>` with `<src>`, `<ref translator=…>` and `<hyp system=…>`.

The layout is the one sacrebleu's `wmt_xml` reader handles: each of src, ref
and hyp holds `<p><seg id=…>` elements in the same order. One row per
(system, segment); several references become `ref`, `ref_2`, ...
"""

from __future__ import annotations

from pathlib import Path

from mtcheck import schema as S
from mtcheck.errors import InputError
from mtcheck.io.xmlsafe import inline_text, local, parse_xml


def _segs(elem) -> list[tuple[str, str]]:
    return [(seg.get("id", ""), inline_text(seg)) for seg in elem.iter() if local(seg.tag) == "seg"]


def read_wmt_xml(path: str | Path):
    import pandas as pd

    root = parse_xml(path)
    docs = [e for e in root.iter() if local(e.tag) == "doc"]
    if not docs:
        raise InputError("no <doc> elements: not a WMT XML test set", path=str(path))
    records = []
    for doc in docs:
        doc_id = doc.get("id", "")
        src = next((_segs(e) for e in doc if local(e.tag) == "src"), [])
        refs = [_segs(e) for e in doc if local(e.tag) == "ref"]
        hyps = [(e.get("system", ""), _segs(e)) for e in doc if local(e.tag) == "hyp"]
        if not hyps:
            raise InputError(f"document '{doc_id}' has no <hyp>: there is no MT to check", path=str(path),
                             hint="add the system output as <hyp system=NAME>")
        for system, hyp in hyps:
            for side, name in [(src, "src")] + [(r, "ref") for r in refs]:
                if side and len(side) != len(hyp):
                    raise InputError(f"document '{doc_id}': {name} has {len(side)} segments, "
                                     f"hyp '{system}' has {len(hyp)}", path=str(path))
            for k, (seg_id, text) in enumerate(hyp):
                record = {S.SYSTEM: system, S.DOC_ID: doc_id, S.SEG_ID: seg_id, S.MT: text,
                          S.SRC: src[k][1] if src else ""}
                for r, ref in enumerate(refs, start=1):
                    record[S.REF if r == 1 else f"ref_{r}"] = ref[k][1]
                records.append(record)
    frame = pd.DataFrame.from_records(records).fillna("")
    if frame[S.SYSTEM].nunique() == 1 and not frame[S.SYSTEM].iloc[0]:
        frame = frame.drop(columns=[S.SYSTEM])
    frame[S.FILE] = str(path)
    frame[S.LINE] = ""
    return frame

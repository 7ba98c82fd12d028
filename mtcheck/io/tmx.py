"""TMX 1.4: `tu`/`tuv`/`seg` with `xml:lang`. The header's srclang is `src`; the other language is `mt`."""

from __future__ import annotations

from pathlib import Path

from mtcheck import schema as S
from mtcheck.errors import InputError, UsageError
from mtcheck.io.xmlsafe import XML_LANG, inline_text, local, parse_xml


def _lang(tuv) -> str:
    return (tuv.get(XML_LANG) or tuv.get("lang") or "").lower()


def read_tmx(path: str | Path, target_lang: str | None = None):
    import pandas as pd

    root = parse_xml(path)
    if local(root.tag) != "tmx":
        raise InputError(f"not TMX: the root element is <{local(root.tag)}>", path=str(path))
    header = next((e for e in root if local(e.tag) == "header"), None)
    srclang = (header.get("srclang", "") if header is not None else "").lower()
    records = []
    for number, tu in enumerate((e for e in root.iter() if local(e.tag) == "tu"), start=1):
        texts = {}
        for tuv in tu:
            if local(tuv.tag) == "tuv":
                seg = next((e for e in tuv if local(e.tag) == "seg"), None)
                texts[_lang(tuv)] = inline_text(seg) if seg is not None else ""
        if not texts:
            continue
        src_key = srclang if srclang in texts else next(iter(texts))
        others = [k for k in texts if k != src_key]
        if target_lang and others:
            wanted = [k for k in others if k.split("-")[0] == target_lang.lower().split("-")[0]]
            others = wanted or others
        records.append({S.DOC_ID: Path(path).stem, S.SEG_ID: tu.get("tuid") or str(number),
                        S.SRC: texts[src_key], S.MT: texts[others[0]] if others else "",
                        "src_lang": src_key, "mt_lang": others[0] if others else ""})
    if not records:
        raise InputError("no <tu> translation units found", path=str(path))
    if len({r["mt_lang"] for r in records}) > 2:
        raise UsageError("the TMX holds several target languages", path=str(path),
                         hint="pick one with --target-lang")
    frame = pd.DataFrame.from_records(records)
    frame[S.FILE] = str(path)
    frame[S.LINE] = ""
    return frame

"""Run-to-run diff of two report folders (`mtcheck diff OLD NEW`).

Segments are matched by a stable key:

* `ids` (default): system (when present), doc_id and seg_id: the same place in
  the corpus, even when the MT text changed between the runs;
* `text`: a hash of the normalised src and mt (Unicode NFC, whitespace
  collapsed): the same sentence pair, wherever it moved.

Findings are compared per segment and check id: *new* (fires in NEW only),
*resolved* (OLD only) and *persisting* (both). `diff.csv` has one row per
segment in either run with both qualities, the change, and the three lists.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from mtcheck import schema as S
from mtcheck.errors import UsageError

KEYS = ("ids", "text")
DIFF_COLUMNS = ["key", S.DOC_ID, S.SEG_ID, "status", "old_quality", "new_quality", "quality_change",
                "old_severity", "new_severity", "new_checks", "resolved_checks", "persisting_checks", S.MT]


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def text_key(src: str, mt: str) -> str:
    return hashlib.sha1(f"{normalise(src)}\x1f{normalise(mt)}".encode("utf-8")).hexdigest()[:16]


def segment_keys(frame, how: str) -> list[str]:
    if how == "text":
        src = frame[S.SRC] if S.SRC in frame.columns else [""] * len(frame)
        return [text_key(s, m) for s, m in zip(src, frame[S.MT])]
    system = frame[S.SYSTEM] if S.SYSTEM in frame.columns else [""] * len(frame)
    return [f"{sy}|{d}|{s}" if sy else f"{d}|{s}" for sy, d, s in zip(system, frame[S.DOC_ID], frame[S.SEG_ID])]


@dataclass
class DiffResult:
    table: object                      # pandas DataFrame, DIFF_COLUMNS
    counts: dict = field(default_factory=dict)


def _checks_by_key(frame, keys) -> dict[str, set]:
    out: dict[str, set] = {}
    for key, cell in zip(keys, frame[S.CHECKS]):
        out.setdefault(key, set()).update(c for c in cell.split(";") if c)
    return out


def _read(folder: Path):
    from mtcheck.io.worklist import read_report_csv

    if not Path(folder).is_dir():
        raise UsageError("not a report folder", path=str(folder), hint="give two folders written by mtcheck check")
    frame = read_report_csv(Path(folder) / "segments.csv")
    missing = [c for c in (S.DOC_ID, S.SEG_ID, S.MT, S.QUALITY, S.SEVERITY, S.CHECKS) if c not in frame.columns]
    if missing:
        raise UsageError(f"segments.csv has no '{missing[0]}' column", path=str(Path(folder) / "segments.csv"),
                         hint="give a folder written by mtcheck check")
    return frame


def diff_reports(old_dir: Path, new_dir: Path, key: str = "ids") -> DiffResult:
    import pandas as pd

    if key not in KEYS:
        raise UsageError(f"--key must be ids or text, not '{key}'")
    old, new = _read(old_dir), _read(new_dir)
    old_keys, new_keys = segment_keys(old, key), segment_keys(new, key)
    for frame_keys, folder in ((old_keys, old_dir), (new_keys, new_dir)):
        if len(set(frame_keys)) < len(frame_keys):
            dup = next(k for k in frame_keys if frame_keys.count(k) > 1)
            raise UsageError(f"two segments share the key '{dup}'", path=str(Path(folder) / "segments.csv"),
                             hint="use --key text, or --key ids when the texts repeat")
    old_at = dict(zip(old_keys, old.to_dict("records")))
    new_at = dict(zip(new_keys, new.to_dict("records")))
    old_checks, new_checks = _checks_by_key(old, old_keys), _checks_by_key(new, new_keys)
    rows = []
    for k in list(dict.fromkeys(new_keys + old_keys)):
        a, b = old_at.get(k), new_at.get(k)
        ca, cb = old_checks.get(k, set()), new_checks.get(k, set())
        qa = float(a[S.QUALITY]) if a else None
        qb = float(b[S.QUALITY]) if b else None
        status = "added" if a is None else "removed" if b is None else (
            "worse" if cb - ca or (qb < qa - 0.5) else "better" if ca - cb or (qb > qa + 0.5) else "same")
        ref = b or a
        rows.append({"key": k, S.DOC_ID: ref[S.DOC_ID], S.SEG_ID: ref[S.SEG_ID], "status": status,
                     "old_quality": qa, "new_quality": qb,
                     "quality_change": round(qb - qa, 2) if a and b else None,
                     "old_severity": a[S.SEVERITY] if a else "", "new_severity": b[S.SEVERITY] if b else "",
                     "new_checks": ";".join(sorted(cb - ca)), "resolved_checks": ";".join(sorted(ca - cb)),
                     "persisting_checks": ";".join(sorted(ca & cb)), S.MT: ref[S.MT]})
    table = pd.DataFrame(rows, columns=DIFF_COLUMNS)
    matched = table[table["quality_change"].notna()]
    counts = {
        "matched": int(len(matched)),
        "added": int((table["status"] == "added").sum()),
        "removed": int((table["status"] == "removed").sum()),
        "new_findings": int(sum(len(c.split(";")) for c in table["new_checks"] if c)),
        "resolved_findings": int(sum(len(c.split(";")) for c in table["resolved_checks"] if c)),
        "persisting_findings": int(sum(len(c.split(";")) for c in table["persisting_checks"] if c)),
        "better": int((table["status"] == "better").sum()),
        "worse": int((table["status"] == "worse").sum()),
        "mean_quality_change": round(float(matched["quality_change"].mean()), 2) if len(matched) else 0.0,
    }
    return DiffResult(table=table, counts=counts)

"""Running totals of a run's segments: what summary.json, the quality gate and report.html's charts
and tables count, gathered a partition at a time so that no stage needs every row at once (issue 14).

`Tally.of(frame)` counts a whole frame; `add(rows, findings)` adds one partition. Groups (documents,
systems) keep the order in which they first appear, as a pandas groupby with sort=False does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from mtcheck import schema as S


HIST_BINS = 10  # the report's quality histogram: bins of 10 points


def count_bins(values, counts: list[int]) -> list[int]:
    """Add each quality 0-100 of `values` to its one of len(counts) equal bins (NaN to none)."""
    bins = len(counts)
    width = 100 / bins
    for v in values:
        if v == v:  # not NaN
            counts[min(bins - 1, max(0, int(v // width)))] += 1
    return counts


def _group() -> dict:
    return {"segments": 0, "flagged": 0, "quality": 0.0, "severity": dict.fromkeys(S.SEVERITIES, 0),
            "chrf": 0.0, "chrf_n": 0}


@dataclass
class Tally:
    segments: int = 0
    flagged: int = 0
    quality_sum: float = 0.0
    severity_counts: dict = field(default_factory=lambda: dict.fromkeys(S.SEVERITIES, 0))
    first_at: dict = field(default_factory=dict)  # severity rank -> (ordinal, doc_id, seg_id, checks or severity)
    check_findings: Counter = field(default_factory=Counter)
    check_segments: Counter = field(default_factory=Counter)
    signals_per_row: Counter = field(default_factory=Counter)
    routes: Counter = field(default_factory=Counter)
    has_src: bool = False
    has_ref: bool = False
    histogram: list = field(default_factory=list)  # quality counts per report.charts bin
    docs: dict = field(default_factory=dict)
    systems: dict = field(default_factory=dict)
    post_edit: dict = field(default_factory=lambda: {"hter": [], "changed": [], "flagged": [], "quality": [],
                                                     "checks": [], "keys": []})
    suppressed_checks: Counter = field(default_factory=Counter)  # findings editors' verdicts suppressed, per check

    @classmethod
    def of(cls, frame, findings=()) -> "Tally":
        tally = cls()
        tally.add(frame, findings)
        return tally

    def add(self, rows, findings=()) -> None:
        if not self.histogram:
            self.histogram = [0] * HIST_BINS
        quality = rows[S.QUALITY].tolist()
        severity = rows[S.SEVERITY].tolist()
        flagged = [bool(v) for v in rows[S.FLAGGED].tolist()]
        self.segments += len(rows)
        self.flagged += sum(flagged)
        self.quality_sum += float(sum(q for q in quality if q == q))
        checks = rows[S.CHECKS].tolist() if S.CHECKS in rows.columns else [""] * len(rows)
        for ordinal, sev, doc, seg, cell in zip(rows.index, severity, rows[S.DOC_ID].tolist(),
                                                rows[S.SEG_ID].tolist(), checks):
            self.severity_counts[sev] += 1
            rank = S.SEVERITY_RANK[sev]
            if rank not in self.first_at:
                self.first_at[rank] = (ordinal, doc, seg, cell or sev)
        self.check_findings.update(f.check for _, f in findings)
        self.check_segments.update(c for cell in checks for c in cell.split(";") if c)
        if S.SIGNALS in rows.columns:
            self.signals_per_row.update(rows[S.SIGNALS].tolist())
        if S.ROUTE in rows.columns:
            self.routes.update(rows[S.ROUTE].tolist())
        self.has_src |= bool((rows[S.SRC].astype(str).str.strip() != "").any()) if S.SRC in rows.columns else False
        self.has_ref |= bool((rows[S.REF].astype(str).str.strip() != "").any()) if S.REF in rows.columns else False
        count_bins(quality, self.histogram)
        chrf = rows[S.CHRF].tolist() if S.CHRF in rows.columns else [float("nan")] * len(rows)
        self._groups(self.docs, rows[S.DOC_ID].tolist(), severity, quality, flagged, chrf)
        if S.SYSTEM in rows.columns:
            self._groups(self.systems, rows[S.SYSTEM].tolist(), severity, quality, flagged, chrf)
        if S.PE_HTER in rows.columns:
            self.post_edit["hter"] += rows[S.PE_HTER].tolist()
            self.post_edit["changed"] += [bool(v) for v in rows[S.PE_CHANGED].tolist()]
            self.post_edit["flagged"] += flagged
            self.post_edit["quality"] += quality
            self.post_edit["checks"] += checks
            # Which rows had a post-edit, by id: an XLIFF's missing and extra units are listed (editorial).
            self.post_edit["keys"] += list(zip(rows[S.DOC_ID].astype(str), rows[S.SEG_ID].astype(str)))

    @staticmethod
    def _groups(groups: dict, keys, severity, quality, flagged, chrf) -> None:
        for key, sev, q, flag, c in zip(keys, severity, quality, flagged, chrf):
            group = groups.get(key)
            if group is None:
                group = groups[key] = _group()
            group["segments"] += 1
            group["flagged"] += flag
            group["quality"] += q
            group["severity"][sev] += 1
            if c == c:
                group["chrf"] += c
                group["chrf_n"] += 1

    # --- what the outputs read ---

    @property
    def quality_mean(self) -> float:
        return self.quality_sum / self.segments if self.segments else float("nan")

    def at_least(self, severity: str) -> tuple[int, tuple | None]:
        """How many segments are at least this severe, and the first of them (ordinal, doc, seg, checks)."""
        rank = S.SEVERITY_RANK[severity]
        count = sum(n for s, n in self.severity_counts.items() if S.SEVERITY_RANK[s] >= rank)
        firsts = [v for r, v in self.first_at.items() if r >= rank]
        return count, min(firsts, key=lambda v: v[0]) if firsts else None

    def group_table(self, which: str) -> list[dict]:
        """report.html's per-document or per-system rows."""
        rows = []
        for key, g in (self.docs if which == "docs" else self.systems).items():
            row = {"name": str(key), "segments": g["segments"], "flagged": g["flagged"],
                   "quality": round(g["quality"] / g["segments"], 1), "severity": dict(g["severity"])}
            if g["chrf_n"]:
                row["chrf"] = round(g["chrf"] / g["chrf_n"], 1)
            rows.append(row)
        return rows

"""Fuse metrics and findings into quality, severity, flagged, checks and explanation.

This is the first, uncalibrated fusion (version "rules-1"); it is transparent
so that an editor can recompute it by hand:

* base = chrF++ against the reference when the row has one, else 100;
* quality = base - sum of finding penalties (minor 10, major 30,
  critical 60), clipped to 0..100;
* severity = the most severe finding, or "ok"; flagged = severity != "ok".

The penalties are placeholders, not learned. Calibration on the MQM
judgments (issue 4) replaces this function and bumps FUSION_VERSION.
"""

from __future__ import annotations

from mtcheck import schema as S
from mtcheck.checks import Finding

FUSION_VERSION = "rules-1"
PENALTY = {"minor": 10.0, "major": 30.0, "critical": 60.0}


def explain(findings: list[Finding], chrf: float | None) -> str:
    if not findings:
        if chrf is not None:
            return f"No rule check fired; chrF++ against the reference is {chrf:.1f}."
        return "No rule check fired."
    worst = findings[0]  # run_checks sorts the most severe first within a row
    text = worst.message
    others = sorted({f.check for f in findings[1:]} - {worst.check})
    more = len(findings) - 1
    if more:
        text += f" (+{more} more finding{'s' if more > 1 else ''}"
        text += f": {', '.join(others)})" if others else ")"
    return text


def fuse(frame, by_row: dict[int, list[Finding]]):
    """Add the verdict columns to `frame` (in place) and return it."""
    import math

    quality, severity, checks, explanation, signals = [], [], [], [], []
    has_chrf = S.CHRF in frame.columns
    for index in frame.index:
        found = by_row.get(index, [])
        chrf = frame.at[index, S.CHRF] if has_chrf else None
        chrf = None if chrf is None or (isinstance(chrf, float) and math.isnan(chrf)) else float(chrf)
        base = chrf if chrf is not None else 100.0
        penalty = sum(PENALTY[f.severity] for f in found)
        quality.append(round(max(0.0, min(100.0, base - penalty)), 2))
        worst = max((S.SEVERITY_RANK[f.severity] for f in found), default=0)
        severity.append(S.SEVERITIES[worst])
        checks.append(";".join(dict.fromkeys(f.check for f in found)))
        explanation.append(explain(found, chrf))
        signals.append(";".join((["chrf"] if chrf is not None else []) + ["checks"]))
    frame[S.QUALITY] = quality
    frame[S.SEVERITY] = severity
    frame[S.FLAGGED] = [s != "ok" for s in severity]
    frame[S.CHECKS] = checks
    frame[S.EXPLANATION] = explanation
    frame[S.SIGNALS] = signals
    return frame

"""Geometry for the report's inline SVG charts.

Python computes every coordinate; the template only draws. Labels stay plain
strings, so Jinja2's autoescape covers them like any other text.
"""

from __future__ import annotations

from mtcheck import schema as S
from mtcheck.run.tally import HIST_BINS, count_bins

MAX_BARS = 25


def histogram(values, bins: int = HIST_BINS) -> list[dict]:
    """Quality 0-100 in `bins` equal bins; heights in percent of the tallest bin."""
    return histogram_of_counts(count_bins(values, [0] * bins))


def histogram_of_counts(counts: list[int]) -> list[dict]:
    """The bars of `histogram` from counts per bin (mtcheck.run.tally counts them a partition at a time)."""
    bins = len(counts)
    width = 100 / bins
    top = max(counts) or 1
    return [{"label": f"{int(k * width)}–{int((k + 1) * width)}", "low": int(k * width), "count": c,
             "height": round(100 * c / top, 1)} for k, c in enumerate(counts)]


def bars(items: list[tuple[str, int]], limit: int = MAX_BARS) -> dict:
    """Horizontal bars, widest first, at most `limit` of them; `hidden` counts the rest."""
    items = sorted(items, key=lambda kv: -kv[1])
    top = max((v for _, v in items), default=0) or 1
    shown = [{"label": k, "count": v, "pct": round(100 * v / top, 1)} for k, v in items[:limit]]
    return {"bars": shown, "hidden": max(0, len(items) - limit)}


def stacked_by_severity(groups: dict[str, dict[str, int]], limit: int = MAX_BARS) -> dict:
    """One bar per group (document, system) split by severity; worst groups first."""
    def badness(item):
        counts = item[1]
        return (-(counts.get("critical", 0) + counts.get("major", 0)), -sum(counts.values()) + counts.get("ok", 0))

    ordered = sorted(groups.items(), key=badness)
    rows = []
    for label, counts in ordered[:limit]:
        total = sum(counts.values()) or 1
        x, parts = 0.0, []
        for sev in S.SEVERITIES:
            share = 100 * counts.get(sev, 0) / total
            if share:
                parts.append({"severity": sev, "x": round(x, 2), "w": round(share, 2), "count": counts.get(sev, 0)})
            x += share
        rows.append({"label": label, "total": sum(counts.values()), "parts": parts})
    return {"rows": rows, "hidden": max(0, len(ordered) - limit)}

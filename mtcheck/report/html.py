"""report.html: one self-contained page (inline CSS and JS, nothing fetched).

One Jinja2 environment with autoescape on; all data is prepared here into
plain dicts and lists before rendering (the pandas Styler pattern), so the
template holds layout only and every piece of MT text passes the escaper.
"""

from __future__ import annotations

import math
from functools import lru_cache

from mtcheck import schema as S

HIST_BINS = 10


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    # autoescape=True for every template, whatever its extension: MT can hold <script>.
    return Environment(loader=PackageLoader("mtcheck.report", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def highlight_parts(text: str, findings) -> list[dict]:
    """Cut `text` at every finding boundary; each piece knows the findings covering it."""
    cuts = {0, len(text)}
    for f in findings:
        if f.end > f.start:
            cuts.update((max(0, min(f.start, len(text))), max(0, min(f.end, len(text)))))
    points = sorted(cuts)
    parts = []
    for a, b in zip(points, points[1:]):
        covering = [f for f in findings if f.start <= a and f.end >= b and f.end > f.start]
        if covering:
            worst = max(covering, key=lambda f: S.SEVERITY_RANK[f.severity])
            parts.append({"text": text[a:b], "severity": worst.severity,
                          "title": " | ".join(f"{f.check}: {f.message}" for f in covering)})
        else:
            parts.append({"text": text[a:b], "severity": None, "title": ""})
    return parts


def _num(value, digits=1):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{digits}f}"


def _histogram(values) -> list[dict]:
    counts = [0] * HIST_BINS
    for v in values:
        counts[min(HIST_BINS - 1, max(0, int(v // (100 / HIST_BINS))))] += 1
    top = max(counts) or 1
    width = 100 / HIST_BINS
    return [{"label": f"{int(k * width)}-{int((k + 1) * width)}", "low": int(k * width), "count": c,
             "height": round(100 * c / top, 1)}
            for k, c in enumerate(counts)]


def prepare(result) -> dict:
    from mtcheck.checks import findings_for

    seg = result.segments
    by_row = findings_for(result.findings)
    order = sorted(seg.index, key=lambda i: (-S.SEVERITY_RANK[seg.at[i, S.SEVERITY]], seg.at[i, S.QUALITY], i))
    metric_cols = [c for c in S.METRIC_COLUMNS if c in seg.columns]
    has_src = bool((seg[S.SRC].astype(str).str.strip() != "").any())
    has_ref = bool((seg[S.REF].astype(str).str.strip() != "").any())
    rows = []
    for rank, i in enumerate(order, start=1):
        found = by_row.get(i, [])
        rows.append({
            "rank": rank, "doc_id": str(seg.at[i, S.DOC_ID]), "seg_id": str(seg.at[i, S.SEG_ID]),
            "system": str(seg.at[i, S.SYSTEM]) if S.SYSTEM in seg.columns else "",
            "line": str(seg.at[i, S.LINE]) if S.LINE in seg.columns else "",
            "kind": str(seg.at[i, S.KIND]) if S.KIND in seg.columns else "",
            "severity": seg.at[i, S.SEVERITY], "quality": _num(seg.at[i, S.QUALITY]),
            "quality_value": float(seg.at[i, S.QUALITY]),
            "checks": [c for c in seg.at[i, S.CHECKS].split(";") if c],
            "explanation": seg.at[i, S.EXPLANATION],
            "src": seg.at[i, S.SRC], "ref": seg.at[i, S.REF],
            "mt_parts": highlight_parts(seg.at[i, S.MT], found),
            "metrics": [(c, _num(seg.at[i, c], 2 if c == S.EMB_SIM_REF else 1)) for c in metric_cols],
        })
    summary = result.summary
    total = max(1, summary["segments"])
    severity_bar = [{"name": s, "count": summary["severity_counts"][s],
                     "pct": round(100 * summary["severity_counts"][s] / total, 2)} for s in S.SEVERITIES]
    all_checks = sorted({c for r in rows for c in r["checks"]})
    docs = list(dict.fromkeys(r["doc_id"] for r in rows))
    return {
        "summary": summary, "rows": rows, "has_src": has_src, "has_ref": has_ref,
        "metric_cols": metric_cols, "severity_bar": severity_bar, "severities": S.SEVERITIES,
        "histogram": _histogram(seg[S.QUALITY].tolist()), "all_checks": all_checks, "docs": docs,
        "check_rows": list(summary["check_segments"].items()),
    }


def render_html(result) -> str:
    return environment().get_template("report.html.j2").render(**prepare(result))

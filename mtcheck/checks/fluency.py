"""Low fluency: text the language model finds far less likely than fluent human English.

Reads the fluency scorer's columns (`fluency`, the percentile among fluent
human sentences, and `fluency_span`, the least likely three-token window), so
it fires only when that scorer ran. Headings, titles and list items are left
to the furniture checks: the calibration is on full sentences, against which
"——Prevent risks and ensure safety" looks unlikely without being wrong.
"""

from __future__ import annotations

from typing import Iterator

from mtcheck import schema as S
from mtcheck.checks import CheckContext, Finding, segment_check

# Below the 2nd percentile of fluent references: about 1 in 50 human sentences, by construction.
LOW_PERCENTILE = 2.0


@segment_check("low-fluency")
def low_fluency(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """Phrasing the fluency model finds less likely than 98% of fluent human English sentences."""
    value = row.get(S.FLUENCY)
    if value is None or value != value or value >= LOW_PERCENTILE:
        return
    if row.get(S.KIND) in ("heading", "title", "item"):
        return  # calibrated on sentences: headings and tag-laden titles read as unlikely prose

    span = str(row.get(S.FLUENCY_SPAN) or "0:0")
    start, _, end = span.partition(":")
    start, end = int(start or 0), int(end or 0)
    text = row.get(S.MT, "")
    yield Finding("low-fluency", "minor",
                  f"The phrasing reads as garbled (fluency percentile {value:.1f} among fluent human English); "
                  f"look first at '{text[start:end]}' and rephrase.", start, end)

"""Editorial workflow on top of the fused verdict: routing bands and the quality gate.

Routing. Each segment gets a `route` from an ordered list of bands; the first
band whose conditions the segment meets wins, and the last band catches the
rest. A band has a `route` name and optional conditions `min_quality` (the
segment's quality is at least this) and `max_severity` (its worst finding is
at most this severe). The defaults read the quality scale in MQM terms
(quality/fusion.py: 80 = one major error expected):

    publish            quality >= 90 and no finding
    light post-edit    quality >= 80 and at most minor findings
    full post-edit     quality >= 40 and at most major findings
    retranslate        everything else (critical findings, quality < 40)

Gate. `--fail-on SEVERITY` fails when any segment's severity is at least
SEVERITY; `--fail-under SCORE` when the corpus quality (mean of `quality`)
is below SCORE; `--max-flagged SHARE` when more than SHARE (0-1) of the
segments are flagged. The verdict and its reasons go into summary.json
(`gate`) and the console; the CLI exits 1 when the gate fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mtcheck import schema as S
from mtcheck.errors import UsageError

DEFAULT_BANDS = [
    {"route": "publish", "min_quality": 90.0, "max_severity": "ok"},
    {"route": "light post-edit", "min_quality": 80.0, "max_severity": "minor"},
    {"route": "full post-edit", "min_quality": 40.0, "max_severity": "major"},
    {"route": "retranslate"},
]
BAND_KEYS = {"route", "min_quality", "max_severity"}


def validate_bands(bands, where: str = "routing bands") -> list[dict]:
    """Check a band list from configuration; raise UsageError naming what is wrong."""
    if not isinstance(bands, list) or not bands:
        raise UsageError(f"{where}: expected a non-empty list of bands")
    out = []
    for k, band in enumerate(bands, 1):
        if not isinstance(band, dict) or "route" not in band:
            raise UsageError(f"{where}: band {k} needs a 'route' name")
        unknown = sorted(set(band) - BAND_KEYS)
        if unknown:
            raise UsageError(f"{where}: band {k} has unknown key '{unknown[0]}'",
                             hint=f"a band has {', '.join(sorted(BAND_KEYS))}")
        if "max_severity" in band and band["max_severity"] not in S.SEVERITIES:
            raise UsageError(f"{where}: band {k} max_severity must be one of {', '.join(S.SEVERITIES)}")
        if "min_quality" in band and not isinstance(band["min_quality"], (int, float)):
            raise UsageError(f"{where}: band {k} min_quality must be a number")
        out.append(dict(band))
    return out


def _misses(band: dict, quality: float, severity: str) -> str | None:
    """Why a row does not meet `band`, in words; None when it does."""
    if "max_severity" in band and S.SEVERITY_RANK[severity] > S.SEVERITY_RANK[band["max_severity"]]:
        what = "a finding" if band["max_severity"] == "ok" else f"a {severity} finding"
        return f"{what} rules out {band['route']}"
    if "min_quality" in band and quality < band["min_quality"]:
        return f"quality {quality:.0f} is below {band['route']}'s {band['min_quality']:g}"
    return None


def _meets(band: dict) -> str:
    parts = []
    if "min_quality" in band:
        parts.append(f"quality at least {band['min_quality']:g}")
    if "max_severity" in band:
        parts.append("no finding" if band["max_severity"] == "ok" else f"findings at most {band['max_severity']}")
    return " and ".join(parts)


def route_segments(frame, bands: list[dict] | None = None, reasons: list | None = None) -> list[str]:
    """The route of each row: the first band it satisfies; the last band takes the rest.

    With a list `reasons`, each row's reason is appended to it in words an editor can check against the
    row (issue 34): why the better band before it was not met ("a major finding rules out light
    post-edit", "quality 35 is below full post-edit's 40"), or, for the first band, what it met.
    """
    bands = bands or DEFAULT_BANDS
    routes = []
    for quality, severity in zip(frame[S.QUALITY], frame[S.SEVERITY]):
        chosen, why = len(bands) - 1, None
        for k, band in enumerate(bands):
            missed = _misses(band, quality, severity) if k < len(bands) - 1 or len(bands) == 1 else None
            if missed is None:
                chosen = k
                break
            why = missed
        routes.append(bands[chosen]["route"])
        if reasons is not None:
            if chosen == 0:
                met = _meets(bands[0])
                reasons.append(f"Route: {bands[0]['route']}" + (f" ({met})." if met else "."))
            else:
                reasons.append(f"Route: {bands[chosen]['route']}, since {why}.")
    return routes


def route_counts(routes, bands: list[dict] | None = None) -> dict[str, int]:
    """Segments per route, in band order (routes with no segment included, as 0)."""
    from collections import Counter

    counts = Counter(routes)
    return {band["route"]: int(counts.get(band["route"], 0)) for band in (bands or DEFAULT_BANDS)}


@dataclass
class Gate:
    fail_on: str | None = None          # a severity: fail when any segment is at least this severe
    fail_under: float | None = None     # fail when the corpus quality is below this
    max_flagged: float | None = None    # fail when more than this share of segments is flagged

    def __post_init__(self) -> None:
        if self.fail_on is not None and self.fail_on not in S.SEVERITIES[1:]:
            raise UsageError(f"--fail-on must be minor, major or critical, not '{self.fail_on}'")
        if self.fail_under is not None and not 0 <= self.fail_under <= 100:
            raise UsageError(f"--fail-under must be between 0 and 100, not {self.fail_under}")
        if self.max_flagged is not None and not 0 <= self.max_flagged <= 1:
            raise UsageError(f"--max-flagged is a share between 0 and 1, not {self.max_flagged}")

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.fail_on, self.fail_under, self.max_flagged))


@dataclass
class GateResult:
    passed: bool
    reasons: list[str] = field(default_factory=list)
    rules: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"passed": self.passed, "reasons": self.reasons, "rules": self.rules}


def evaluate_gate(segments, gate: Gate) -> GateResult:
    """Apply the gate's rules to the segments (a DataFrame, or the run's mtcheck.run.tally.Tally); every
    failed rule gives one reason."""
    from mtcheck.run.tally import Tally

    tally = segments if isinstance(segments, Tally) else Tally.of(segments)
    reasons = []
    n = tally.segments
    if gate.fail_on is not None:
        count, worst = tally.at_least(gate.fail_on)
        if count:
            _, doc, seg, what = worst
            reasons.append(f"{count} segment(s) at severity {gate.fail_on} or worse (--fail-on {gate.fail_on}); "
                           f"first: {doc} #{seg}, {what}")
    if gate.fail_under is not None and n:
        mean = tally.quality_mean
        if mean < gate.fail_under:
            reasons.append(f"corpus quality {mean:.1f} is below {gate.fail_under:g} (--fail-under)")
    if gate.max_flagged is not None and n:
        share = tally.flagged / n
        if share > gate.max_flagged:
            reasons.append(f"{share:.1%} of segments flagged, more than {gate.max_flagged:.1%} (--max-flagged)")
    rules = {k: v for k, v in (("fail_on", gate.fail_on), ("fail_under", gate.fail_under),
                               ("max_flagged", gate.max_flagged)) if v is not None}
    return GateResult(passed=not reasons, reasons=reasons, rules=rules)

"""Hallucinations that leave the source behind: output unrelated to its source, or several times longer.

Guerreiro et al. 2023 ("Looking for a needle in a haystack: a comprehensive study of hallucinations
in neural machine translation") sort NMT hallucinations into *oscillations*, where a phrase or a
sentence repeats (checks/repetition.py, `repeated-phrase`), and *detached* output, fluent text that
says something else. A language model scores both as fluent, so they are a rule's job. The
thresholds were chosen on the TED MQM data (shared/data/mqm) and are measured on the other test sets
by training/eval_hallucination.py (docs/checks.md "Hallucinations").
"""

from __future__ import annotations

import math
from typing import Iterator

from mtcheck import languages
from mtcheck import schema as S
from mtcheck.checks import CheckContext, Finding, iter_text, segment_check
from mtcheck.checks.source import MIN_SOURCE_CHARS, length_bounds

# Source <-> MT cosine under the packaged USE below which the MT is unrelated to its source. On TED
# zh-en and en-de, 0 of 1,058 human translations and 1 of 7,779 error-free MT fall below it, and 84%
# of MT paired with another sentence's source do.
DETACHED_XSIM = 0.15
USE_LANGUAGES = languages.USE_LANGUAGES
# "Several times longer": MT at least this many times the reference's length, in characters. Human
# and error-free MT on TED reach 2.2 at most.
OVERLONG_VS_REF = 3.0
MIN_REF_CHARS = 20
# Against the source, the pair's own range (checks/source.py): this many times its upper bound.
OVERLONG_VS_SOURCE = 2.0


def _detached(row: dict, ctx: CheckContext) -> Finding | None:
    xsim = row.get(S.XSIM)
    if (not isinstance(xsim, float) or math.isnan(xsim) or ctx.xmodel is not None
            or ctx.source not in USE_LANGUAGES or ctx.lang not in USE_LANGUAGES):
        return None
    if xsim >= DETACHED_XSIM:
        return None
    text = iter_text(row)
    return Finding("hallucination", "critical",
                   f"The MT is unrelated to its source (source similarity {xsim:.2f}; human translations score "
                   f"above {DETACHED_XSIM:.2f}): a detached hallucination or a misaligned row. "
                   "Translate the segment again from the source.", 0, len(text))


def _overlong(row: dict, ctx: CheckContext) -> Finding | None:
    text = iter_text(row).strip()
    ref = iter_text(row, S.REF).strip()
    if len(ref) >= MIN_REF_CHARS and len(text) >= OVERLONG_VS_REF * len(ref):
        times, against = len(text) / len(ref), "its reference"
    else:
        source = iter_text(row, S.SRC).strip()
        bounds = length_bounds().get(f"{ctx.source}-{ctx.lang}")
        if not bounds or len(source) < MIN_SOURCE_CHARS:
            return None
        if len(text) / len(source) < OVERLONG_VS_SOURCE * bounds["high"]:
            return None
        times, against = len(text) / len(source) / bounds["median"], "a usual translation of its source"
    return Finding("hallucination", "major",
                   f"The MT is {times:.1f} times as long as {against}: it says things the source does not "
                   "(a hallucination or runaway output). Delete what has no counterpart in the source.",
                   0, len(iter_text(row)))


@segment_check("hallucination")
def hallucination(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """MT that left its source behind: unrelated to it (detached), or several times longer than the source or reference."""
    if not iter_text(row).strip():
        return
    for finding in (_detached(row, ctx), _overlong(row, ctx)):
        if finding is not None:
            yield finding

"""English grammar with Harper (harper-py), restricted to the lint kinds that carry signal.

Measured on the TED zh-en MQM data (6,877 system rows, 46% of them with a
rater error; 529 human references): Harper's Typo and Miscellaneous lints
(wrong a/an and the like) fall on erroneous rows 65% and 37-53% of the time
and rarely on references, while its Spelling (names), Formatting, Readability
and Style lints fire on many fluent references and its Agreement lints did not
beat the base rate. Even restricted to KINDS, the check fires on 55 system rows
of which 47% carry a rater error, no better than the 46% base rate, and on 7 of
529 references: so it is off by default (`--checks ...,grammar` turns it on).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from mtcheck.checks import CheckContext, Finding, iter_text, segment_check

KINDS = frozenset({"Typo", "Miscellaneous"})


@lru_cache(maxsize=1)
def linter():
    """One Harper linter per process: building its dictionary is the expensive step (about 1 s)."""
    try:
        import harper
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    return harper.Linter()


@segment_check("grammar", default=False)
def grammar(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """English grammar slips Harper is sure of: wrong a/an, typos (English targets only)."""
    text = iter_text(row)
    if ctx.lang != "en" or not text.strip():
        return
    lint = linter()
    if lint is None:
        return
    for found in lint.lint(text):
        if found.lint_kind not in KINDS:
            continue
        span = found.span
        fix = ""
        if found.suggestions:
            replacement = found.suggestions[0].replacement_text
            fix = f" Suggested: '{replacement}'." if replacement else ""
        yield Finding("grammar", "minor", f"{found.message.rstrip('.')} ('{found.problem_text}').{fix}",
                      span.start, span.end)

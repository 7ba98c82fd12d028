"""Run-ons: two sentences fused where MT (or the scraper) lost the full stop.

"... energy, power, communications, and transportation The level of facility
security protection ..." A capitalised sentence opener followed by a
lower-case word, in the middle of a sentence and after a content word, is a
lost boundary. Title-like capitals ("The Guardian", "The New York Times")
are excluded because their next word is capitalised too.
"""

from __future__ import annotations

import re
from typing import Iterator

from mtcheck.checks import CheckContext, Finding, iter_text, segment_check
from mtcheck.checks.truncation import FUNCTION_WORDS

OPENERS = ("The", "This", "These", "Those", "It", "Its", "In", "On", "At", "We", "Our", "He", "She", "They",
           "There", "According", "However", "Among", "Since", "After", "Before", "During", "When", "While",
           "Meanwhile", "Currently", "Today", "Moreover", "Therefore", "Thus")
_RUN_ON = re.compile(r"(?<=[\w%)\]])\s+(" + "|".join(OPENERS) + r")\s+(?=[a-z])")
_PRECEDING = re.compile(r"([\w'’-]+)[%)\]]?$")


@segment_check("run-on")
def run_on(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """A full stop lost between two sentences ("... and transportation The level of ...")."""
    if ctx.lang != "en":
        return
    text = iter_text(row)
    for match in _RUN_ON.finditer(text):
        before = text[: match.start()]
        if len(before.split()) < 4:
            continue
        prev = _PRECEDING.search(before)
        if not prev or prev.group(1).lower() in FUNCTION_WORDS:
            continue
        opener = match.group(1)
        yield Finding("run-on", "major",
                      f"A full stop seems lost before '{opener}': two sentences run together; "
                      f"end the first after '{prev.group(1)}'.", match.start(1), match.end(1))

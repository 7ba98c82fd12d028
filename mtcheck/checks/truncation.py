"""Truncation: a segment that stops without terminal punctuation.

Scraped teasers and MT of long sentences are often cut off mid-thought
("... improving families and schools"). Headings, title lines and list items
legitimately lack a full stop, so the reader's `kind` exempts them; when a
source is present and it lacks terminal punctuation too, the MT mirrors it.
"""

from __future__ import annotations

import re
from typing import Iterator

from mtcheck import schema as S
from mtcheck.checks import CheckContext, Finding, iter_text, segment_check

TERMINALS = tuple(".!?:\u2026\u3002\uff01\uff1f\uff1a")
_CLOSERS = "\"'\u201d\u2019)]\u300d\u300f\uff09*\u00bb\u00ab\u203a\u2039"
# A sentence that ends on one of these stopped mid-thought.
FUNCTION_WORDS = frozenset(
    """a an the and or but nor that which who whom whose of to in on at by for from with as than
    because while if into onto about between among our their its his her my your this these those
    is are was were be been has have had will would can could should must""".split()
)
_LAST_WORD = re.compile(r"([^\W_]+(?:['\u2019-][^\W_]+)*)[^\w]*$")
_EXEMPT_KINDS = frozenset({"heading", "title", "item"})


def has_terminal(text: str) -> bool:
    stripped = text.rstrip().rstrip(_CLOSERS).rstrip()
    return stripped.endswith(TERMINALS)


@segment_check("no-terminal-punct")
def no_terminal_punct(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """A sentence that stops without a full stop, possibly cut off; major when it ends on 'and', 'that', 'of' ..."""
    text = iter_text(row).rstrip()
    if not text or row.get(S.KIND) in _EXEMPT_KINDS or has_terminal(text):
        return
    if text.startswith(("(", "\uff08", "[")) and text.endswith((")", "\uff09", "]")):
        return  # stage directions such as "(Laughter)" in transcripts
    source = iter_text(row, S.SRC).strip()
    if source and not has_terminal(source):
        return
    match = _LAST_WORD.search(text)
    if not match:
        return
    word = match.group(1)
    if ctx.lang == "en" and word.lower() in FUNCTION_WORDS:
        yield Finding("no-terminal-punct", "major",
                      f"The sentence stops on '{word}' with no full stop: it was cut off mid-thought; "
                      "restore the missing end from the source.", match.start(1), match.end(1))
    else:
        yield Finding("no-terminal-punct", "minor",
                      f"The sentence ends at '{word}' with no full stop; check whether it was cut off "
                      "and complete or punctuate it.", match.start(1), match.end(1))

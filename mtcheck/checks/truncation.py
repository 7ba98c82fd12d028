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
from mtcheck.checks import CheckContext, Finding, corpus_check, iter_text

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


# A markup tag, blanked out before the sentence's end is read: "alert(1)</script>" must not end "at 'script'"
# (issue 27). The markup-remnant check reports the tags themselves.
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>|<!--.*?-->")


def _without_tags(text: str) -> str:
    """`text` with every tag replaced by spaces of its length, so offsets into it stay offsets into `text`."""
    return _TAG.sub(lambda m: " " * len(m.group(0)), text)


def unterminated(row: dict, ctx: CheckContext) -> Finding | None:
    """The finding for one row that stops without terminal punctuation, or None."""
    text = _without_tags(iter_text(row)).rstrip()
    if not text or row.get(S.KIND) in _EXEMPT_KINDS or has_terminal(text):
        return None
    if text.startswith(("(", "\uff08", "[")) and text.endswith((")", "\uff09", "]")):
        return None  # stage directions such as "(Laughter)" in transcripts
    source = iter_text(row, S.SRC).strip()
    if source and not has_terminal(source):
        return None
    match = _LAST_WORD.search(text)
    if not match:
        return None
    word = match.group(1)
    if ctx.lang == "en" and word.lower() in FUNCTION_WORDS:
        return Finding("no-terminal-punct", "major",
                       f"The sentence stops on '{word}' with no full stop: it was cut off mid-thought; "
                       "restore the missing end from the source.", match.start(1), match.end(1))
    return Finding("no-terminal-punct", "minor",
                   f"The sentence ends at '{word}' with no full stop; check whether it was cut off "
                   "and complete or punctuate it.", match.start(1), match.end(1))


def paragraph_ends(frame) -> set:
    """Row indices that end a running-text paragraph of two or more sentences, or a document."""
    if S.PARA not in frame.columns or S.KIND not in frame.columns:
        return set()
    prose = frame[frame[S.KIND] == "sentence"]
    ends = set()
    for _, group in prose.groupby([S.DOC_ID, S.PARA], sort=False):
        if len(group) >= 2:
            ends.add(group.index[-1])
    # The document's last sentence: a page that stops mid-sentence was cut off too.
    for _, group in prose.groupby(S.DOC_ID, sort=False):
        ends.add(group.index[-1])
    return ends


@corpus_check("no-terminal-punct")
def no_terminal_punct(frame, ctx: CheckContext) -> Iterator[tuple[int, Finding]]:
    """A sentence that stops without a full stop, possibly cut off; major when it ends on 'and', 'that', 'of' ...

    The last sentence of a running-text paragraph that stops this way is a
    teaser cut off by the page ("... improving families and schools"): major.
    """
    ends = paragraph_ends(frame)
    for index, row in zip(frame.index, frame.to_dict("records")):
        finding = unterminated(row, ctx)
        if finding is None:
            continue
        if index in ends and finding.severity == "minor":
            word = iter_text(row)[finding.start:finding.end]
            finding = Finding("no-terminal-punct", "major",
                              f"The paragraph stops mid-sentence at '{word}': the text was cut off (a teaser); "
                              "restore the rest from the source or delete the fragment.", finding.start, finding.end)
        yield index, finding

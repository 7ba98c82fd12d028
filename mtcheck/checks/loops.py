"""Character loops: one character, or a unit of two to four, said over and over ("!!!!!!!!", "。。。。",
"aaaaaaaa", "hahahahaha", "!?!?!?!?").

A decoder that degenerates repeats its last token; when that token is a punctuation mark or a
single character, the word-level checks (`repeated-phrase`) see nothing, and the language model
finds the run perfectly predictable: "The prices rose sharply" followed by 80 "!" scored quality 97,
and 200 "a"s the 100th fluency percentile (issue 34). Human text repeats characters too, but
briefly ("...", "!!!", "Zzz", "……", "——"), so a loop needs MIN_COPIES copies of its unit; digits
never count (0000, 1111 are numbers). Where the source holds a run of the same unit at least half as
long, the MT mirrors it and passes.

The thresholds were chosen on the training test sets' human sentences and injected loops, and are
measured by training/eval_loops.py (docs/checks.md "Character loops"): recall on injected loops and
false alarms on clean human text in five languages.
"""

from __future__ import annotations

import re
from typing import Iterator

from mtcheck import schema as S
from mtcheck.checks import CheckContext, Finding, iter_text, segment_check

# Copies that make a loop, by the kind of unit. One punctuation mark or symbol: "!!!!" is
# shouting, five is a loop. One letter: "Zzzz", "Aaaah" stop at four. One CJK character:
# "哈哈哈" (laughter), "谢谢" stop at three. Units of two to four characters: "hahaha" stops at three.
MIN_COPIES = {"mark": 5, "letter": 5, "cjk": 4, "unit": 4}
# A loop that takes at least this share of the segment's characters is most of the segment: critical.
MOSTLY_LOOP = 0.5
_RUN = re.compile(r"(\S{1,4}?)\1+", re.DOTALL)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def _kind(unit: str) -> str | None:
    """The kind of a loop's unit, or None for a unit that never makes a loop (digits, spaces)."""
    if any(ch.isdigit() for ch in unit) or not unit.strip():
        return None
    if len(unit) > 1:
        return "unit"
    if _CJK.match(unit):
        return "cjk"
    return "letter" if unit.isalpha() else "mark"


def loops(text: str) -> list[tuple[int, int, str, int]]:
    """(start, end, unit, copies) of every loop in `text`, left to right, not overlapping."""
    found = []
    for match in _RUN.finditer(text):
        unit = match.group(1)
        if len(set(unit)) == 1 and len(unit) > 1:
            unit = unit[0]  # "!!" said 40 times is "!" said 80 times
        copies = (match.end() - match.start()) // len(unit)
        kind = _kind(unit)
        if kind is not None and copies >= MIN_COPIES[kind]:
            found.append((match.start(), match.start() + copies * len(unit), unit, copies))
    return found


def _mirrored(source: str, unit: str, copies: int) -> bool:
    """Whether the source repeats `unit` back to back at least half as often (a row of dots in a table of
    contents, a "哈哈哈哈" translated as "hahaha" is another unit and is judged on its own)."""
    need = max(2, copies // 2)
    return bool(source) and unit * need in source


def _shown(unit: str, copies: int) -> str:
    return f"'{unit}' is repeated {copies:,} times"


@segment_check("character-loop")
def character_loop(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """A character or a short unit said over and over ("!!!!!!!!", "。。。。", "aaaaaaaa", "hahahaha"), a loop of
    the MT system; critical when the loop is most of the segment."""
    text = iter_text(row)
    if not text:
        return
    source = iter_text(row, S.SRC)
    visible = max(1, len(text.strip()))
    for start, end, unit, copies in loops(text):
        if _mirrored(source, unit, copies):
            continue
        if (end - start) / visible >= MOSTLY_LOOP:
            yield Finding("character-loop", "critical",
                          f"{_shown(unit, copies)}: most of the segment is a loop of the MT system, not a "
                          "translation; translate the segment again from the source.", start, end)
        else:
            yield Finding("character-loop", "major",
                          f"{_shown(unit, copies)} back to back, a loop of the MT system; delete the run "
                          "(keep one, if any).", start, end)

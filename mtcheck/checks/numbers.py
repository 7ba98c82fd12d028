"""Numbers that differ between source and MT.

Numbers are compared as multisets after removing thousands separators and
reading ordinal suffixes ("14th" -> 14), and only when both sides write some
number in digits: numbers spelled out in words are a legitimate choice. A source number written with a
Chinese unit character (万, 亿, 千, 百: "10亿" is "1 billion") cannot be
compared digit for digit, so a segment whose source has one is skipped.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterator

from mtcheck import schema as S
from mtcheck.checks import CheckContext, Finding, iter_text, segment_check

# Only ASCII letters and digits bound a number: in Chinese a digit touches CJK characters ("30公里").
_NUMBER = re.compile(r"(?<![A-Za-z0-9.])(\d{1,3}(?:[,.\u202f\u00a0 ]\d{3})+|\d+)(?:[.,](\d+))?"
                     r"(?:st|nd|rd|th)?(?![A-Za-z0-9])")
_CJK_UNIT = re.compile(r"\d\s*[万亿千百兆]")
_WORD_NUMBERS = re.compile(r"\b(?:hundred|thousand|million|billion|trillion|dozen|percent|per cent)\b", re.I)
# A month written as a number in the source ("7月11日", "2021-07") and as a name in the MT ("July 11"):
# the same date. On WMT21 news zh-en, dates were most of this check's false alarms.
_MONTH_IN_SOURCE = re.compile(r"(?<!\d)(1[0-2]|0?[1-9])\s*月")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAME = re.compile(r"\b(" + "|".join(_MONTHS) + r")[a-z]*\.?(?![a-z])", re.I)


def _months(source: str, text: str) -> Counter:
    """Source month numbers that the MT writes as month names (English), counted as present in the MT."""
    named = Counter(_MONTHS.index(m.group(1).lower()) + 1 for m in _MONTH_NAME.finditer(text))
    found = Counter()
    for match in _MONTH_IN_SOURCE.finditer(source):
        month = int(match.group(1))
        if named[month] > found[str(month)]:
            found[str(month)] += 1
    return found


def numbers(text: str) -> list[tuple[str, int, int]]:
    """(normalised number, start, end) for each number in `text`."""
    out = []
    for match in _NUMBER.finditer(text):
        whole = re.sub(r"[,.\u202f\u00a0 ]", "", match.group(1)) if len(match.group(1)) > 3 else match.group(1)
        value = whole.lstrip("0") or "0"
        if match.group(2):
            value += "." + match.group(2).rstrip("0") if match.group(2).rstrip("0") else ""
        out.append((value, match.start(), match.end()))
    return out


@segment_check("number-mismatch")
def number_mismatch(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """A number in the MT that is not in the source, or one of the source's numbers missing from the MT."""
    source, text = iter_text(row, S.SRC), iter_text(row)
    if not source.strip() or not text.strip() or _CJK_UNIT.search(source):
        return
    src_numbers, mt_numbers = numbers(source), numbers(text)
    if not src_numbers or not mt_numbers:
        # One side spells its numbers out ("Fourteen billion" / "14 Milliarden"): nothing to compare.
        return
    src_count = Counter(v for v, _, _ in src_numbers)
    mt_count = Counter(v for v, _, _ in mt_numbers) + _months(source, text)
    scaled = bool(_WORD_NUMBERS.search(text))  # "3 million" may render "300万"
    for value, start, end in mt_numbers:
        if mt_count[value] > src_count[value] and not scaled:
            yield Finding("number-mismatch", "major",
                          f"The number {text[start:end]} is not in the source; check it against the source.",
                          start, end)
            mt_count[value] -= 1
    missing = [v for v in src_count if src_count[v] > mt_count.get(v, 0)]
    if missing and not scaled:
        yield Finding("number-mismatch", "major",
                      f"The source's number{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                      f"{'are' if len(missing) > 1 else 'is'} missing from the MT; add "
                      f"{'them' if len(missing) > 1 else 'it'}.", 0, 0)

"""Sentence splitting for running text, English and Chinese punctuation.

A deliberately small rule splitter (in the spirit of Koehn's
split-sentences.perl used for Europarl): a boundary is terminal punctuation,
optional closing quotes or brackets, white space, and a token that can start a
sentence. Chinese full-width terminals need no following space. Known
abbreviations and single initials do not end a sentence.
"""

from __future__ import annotations

import re

# Lower-cased tokens (without the final dot) after which "." is not a boundary.
# "etc." is left out on purpose: before a capital it nearly always ends a sentence.
ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt vs no nos fig figs vol pp p jan feb mar apr jun jul aug
    sep sept oct nov dec inc ltd co corp dept gen col lt sgt rev gov approx est op cf al""".split()
)

_TERMINAL = re.compile(r"([.!?\u2026]+|[\u3002\uff01\uff1f]+)([\"'\u201d\u2019\u300d\u300f)\]\uff09]*)(\s*)")
_CJK_TERMINALS = "\u3002\uff01\uff1f"
_OPENERS = "\"'\u201c\u2018([\u300c\u300e\uff08"
_INITIALISM = re.compile(r"(?:[a-z]\.)+[a-z]")


def _can_start_sentence(ch: str) -> bool:
    return ch.isupper() or ch.isdigit() or ch in _OPENERS or "\u4e00" <= ch <= "\u9fff"


def _is_abbreviation(before: str) -> bool:
    match = re.search(r"(\S+)$", before)
    if not match:
        return False
    token = match.group(1).lower().lstrip(_OPENERS)
    return token in ABBREVIATIONS or (len(token) == 1 and token.isalpha()) or bool(_INITIALISM.fullmatch(token))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in `text`, stripped of surrounding space."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _TERMINAL.finditer(text):
        punct, space, after = match.group(1), match.group(3), match.end()
        if after >= len(text):
            break
        if punct[0] not in _CJK_TERMINALS:
            if not space or not _can_start_sentence(text[after]):
                continue
            if punct == "." and _is_abbreviation(text[start:match.start()]):
                continue
        spans.append((start, match.start(3)))
        start = after
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]

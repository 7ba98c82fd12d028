"""Spelling: lowercase English words that neither of two dictionaries knows (a weak signal).

A word is flagged only when Hunspell's en_US dictionary (shipped in the PyPI
package `chunspell`) rejects it *and* it is absent from symspellpy's
82,765-word frequency list, which adds British spellings and many inflections
Hunspell lacks. Capitalised words are skipped (names), and so are words whose
best suggestion only splits them in two ("supermassive" -> "super massive"):
that is a compound, not a typo.

Measured on the TED zh-en MQM data: it fires on 11 of 523 human references
(2%: rare technical terms, Latin plant names) and on 18 of 4,417 distinct MT
rows (0.4%), mostly the same kind of term, but also garbled non-words such as
"stress holmons" (hormones) that raters marked as major errors. Only 1 of the
18 carries a rater's Fluency/Spelling error (base rate 1.7%): the raters'
spelling errors on this data are mostly capitalisation, which a dictionary
cannot see. A weak signal, so the check is off by default
(`--checks ...,spelling` or `[check.spelling] enabled = true`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

from mtcheck.checks import CheckContext, Finding, iter_text, segment_check

WORD = re.compile(r"(?<![\w'’-])[a-z]{3,}(?![\w'’-])")


@lru_cache(maxsize=1)
def dictionaries():
    """(Hunspell en_US, symspellpy's frequency words), loaded once per process (about 1 s)."""
    try:
        import hunspell
        from importlib import resources
    except ImportError:  # pragma: no cover - declared dependencies
        return None
    words = set()
    path = resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt")
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            words.add(line.split(" ", 1)[0])
    return hunspell.Hunspell("en_US"), frozenset(words)


def unknown_words(text: str):
    """(start, end, word, suggestion) for each lowercase word both dictionaries reject."""
    loaded = dictionaries()
    if loaded is None:
        return
    speller, frequent = loaded
    for match in WORD.finditer(text):
        word = match.group()
        if word in frequent or speller.spell(word):
            continue
        suggestions = speller.suggest(word)
        best = suggestions[0] if suggestions else ""
        if best.replace(" ", "").replace("-", "") == word:
            continue  # "super massive": a compound the dictionaries lack, not a misspelling
        yield match.start(), match.end(), word, best


@segment_check("spelling", default=False)
def spelling(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """Words no English dictionary knows, with a suggestion (weak signal; English targets only)."""
    text = iter_text(row)
    if ctx.lang != "en" or not text.strip():
        return
    for start, end, word, best in unknown_words(text):
        hint = f" Did you mean '{best}'?" if best else ""
        yield Finding("spelling", "minor", f"'{word}' is not in the English dictionaries.{hint} Check names and "
                      "technical terms before changing it.", start, end)

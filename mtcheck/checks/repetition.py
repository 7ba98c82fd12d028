"""Repetition: doubled words inside a segment and segments repeated across a corpus.

Neural MT loops and doubles words ("new vitality and vitality"), and scraped
pages repeat headers and headlines. OpusFilter's RepetitionFilter (Aulamo et
al. 2020) targets the same failure; later work adds n-gram loops.
"""

from __future__ import annotations

import re
from typing import Iterator

from mtcheck import schema as S
from mtcheck.checks import CheckContext, Finding, corpus_check, iter_text, segment_check

# Adjacent doubles that a language uses on purpose, by target language.
# English: "I had had enough", "that that". German relative clauses put an
# article or pronoun twice ("Kinder, die die Schule abbrechen"; seen in the
# en-de MQM references, rated error-free).
ADJACENT_OK = {
    "en": frozenset("had that is bye ha haha no knock chop tut la boo hey oh wow yeah so".split()),
    "de": frozenset("die der das den dem des sie es ihr wir man".split()),
}
# "X and X" that English uses on purpose: "more and more", "lots and lots",
# and comparatives ("bigger and bigger"), excluded by their -er ending.
COORD_OK = frozenset("""more again over round on through back out up down less time times year years day days
    side one two step lots masses miles hours weeks months tons piles rows layers thousands hundreds millions
    billions on and off""".split())

_ADJACENT = re.compile(r"\b([^\W\d_]+)(?:\s+\1\b)+", re.IGNORECASE)
_COORDINATED = re.compile(r"\b([^\W\d_]{3,})\s+(?:and|or)\s+\1\b", re.IGNORECASE)


@segment_check("doubled-word")
def doubled_word(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """A word written twice, side by side ("the the") or joined by and/or ("vitality and vitality").

    Capitalised pairs ("Tian Tian", "Ylang Ylang") are names and pass.
    """
    text = iter_text(row)
    allowed = ADJACENT_OK.get(ctx.lang, ADJACENT_OK["en"])
    for match in _ADJACENT.finditer(text):
        word = match.group(1)
        second = text[match.end() - len(word):match.end()]
        if word.lower() in allowed or len(word) == 1 or (word[0].isupper() and second[0].isupper()):
            continue
        yield Finding("doubled-word", "minor",
                      f"'{word}' is written twice in a row; delete the second one.",
                      match.start(), match.end())
    for match in _COORDINATED.finditer(text):
        word = match.group(1).lower()
        if ctx.lang == "en" and (word in COORD_OK or word.endswith("er")):
            continue
        yield Finding("doubled-word", "minor",
                      f"'{match.group(0)}' joins a word to itself, a typical MT doubling; "
                      "keep one and check the source for the second meaning.",
                      match.start(), match.end())


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


DUPLICATE_MIN_WORDS = 4


class DuplicateSurvey:
    """What `duplicate-segment` must know about a whole run, gathered a frame at a time (issue 14).

    Per row it keeps two 64-bit hashes (of system + normalised MT, of normalised source), so a
    million rows cost 16 MB, not the texts. `index()` then names the repeated texts: their
    count, the row of the first copy, and whether every copy has the same non-empty source.
    A row's ordinal is its DataFrame index: the row's place in the whole run.
    """

    def __init__(self) -> None:
        self.ordinals, self.keys, self.sources = [], [], []

    def add(self, frame) -> None:
        import numpy as np

        from mtcheck.scorers.crosslingual import text_hash

        systems = frame[S.SYSTEM].astype(str).tolist() if S.SYSTEM in frame.columns else [""] * len(frame)
        mts = frame[S.MT].fillna("").astype(str).map(_normalise).tolist()
        srcs = (frame[S.SRC].fillna("").astype(str).map(_normalise).tolist() if S.SRC in frame.columns
                else [""] * len(frame))
        keep = [len(m.split()) >= DUPLICATE_MIN_WORDS for m in mts]
        self.ordinals.append(np.asarray(frame.index, dtype="int64")[keep])
        self.keys.append(np.array([text_hash(y, m) for y, m, k in zip(systems, mts, keep) if k], dtype="uint64"))
        self.sources.append(np.array([text_hash(x) if x else 0 for x, k in zip(srcs, keep) if k], dtype="uint64"))

    def index(self) -> dict[int, list]:
        """{key hash: [count, first row's ordinal, first_at (filled by `describe_first`)]} of texts to flag."""
        import numpy as np

        if not self.keys:
            return {}
        ordinals, keys, sources = (np.concatenate(a) for a in (self.ordinals, self.keys, self.sources))
        order = np.lexsort((ordinals, keys))
        ordinals, keys, sources = ordinals[order], keys[order], sources[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        counts = np.diff(np.r_[starts, len(keys)])
        out = {}
        for start, count in zip(starts[counts >= 2], counts[counts >= 2]):
            group = sources[start:start + count]
            if group[0] != 0 and (group == group[0]).all():
                continue  # the same source each time: a faithful translation of a repeated source
            out[int(keys[start])] = [int(count), int(ordinals[start]), ""]
        return out


def row_key(row_system: str, mt: str) -> int | None:
    from mtcheck.scorers.crosslingual import text_hash

    text = _normalise(mt)
    return text_hash(row_system, text) if len(text.split()) >= DUPLICATE_MIN_WORDS else None


def describe_first(index: dict, frame) -> None:
    """Fill in `index` where the first copy of each repeated text is, from the rows of `frame` that hold one."""
    firsts = {entry[1]: entry for entry in index.values()}
    for ordinal in firsts.keys() & set(frame.index):
        where = f"segment {frame.at[ordinal, S.SEG_ID]}"
        if S.LINE in frame.columns:
            where += f" (line {frame.at[ordinal, S.LINE]})"
        firsts[ordinal][2] = where


@corpus_check("duplicate-segment")
def duplicate_segment(frame, ctx: CheckContext) -> Iterator[tuple[int, Finding]]:
    """The same MT text more than once in a corpus: a repeated page header or a duplicated headline.

    Two copies flag the second; three or more flag every copy, since a text
    printed at each page break is page furniture wherever it stands. Copies
    whose sources are identical too are a faithful translation and pass.
    Segments shorter than DUPLICATE_MIN_WORDS words ("Yes.") repeat naturally.
    Copies are counted per system, over the whole run: a run in partitions passes the
    run's `DuplicateSurvey` index in `ctx.duplicates`; a frame checked on its own is the run.
    """
    index = ctx.duplicates
    if index is None:
        survey = DuplicateSurvey()
        survey.add(frame)
        index = survey.index()
        describe_first(index, frame)
    if not index:
        return
    systems = frame[S.SYSTEM].astype(str).tolist() if S.SYSTEM in frame.columns else [""] * len(frame)
    for ordinal, system, text in zip(frame.index, systems, frame[S.MT].fillna("").astype(str).tolist()):
        key = row_key(system, text)
        entry = index.get(key) if key is not None else None
        if entry is None:
            continue
        count, first, first_at = entry
        if count >= 3:
            msg = (f"This text appears {count} times in the corpus, like a page header printed at each "
                   "page break; delete the copies that are page furniture.")
        elif ordinal != first:
            msg = f"Repeats {first_at} word for word, a duplicated headline or header; delete this copy."
        else:
            continue
        yield ordinal, Finding("duplicate-segment", "major", msg, 0, len(text))


# A phrase of 1-6 words said three or more times in a row, or one of 3-12 words
# said twice in a row: the decoder looped (OpusFilter's RepetitionFilter idea).
_SOURCE_REPEATS = re.compile(r"(\w{2,20}?)[\s,\uff0c\u3001;\uff1b]*\1", re.IGNORECASE)
_LOOP_SHORT = re.compile(r"\b((?:[^\W_]+[\s,;]+){1,6}?)\1{2,}", re.IGNORECASE)
_LOOP_LONG = re.compile(r"\b((?:[^\W_]+[\s,;]+){2,11}[^\W_]+)([\s,;]+)\1\b", re.IGNORECASE)


@segment_check("repeated-phrase")
def repeated_phrase(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """A phrase repeated back to back: the MT decoder looped ("the the the", "in the city in the city").

    When the source repeats itself too ("无处不在，无处不在"), the repetition is rhetoric, not a loop.
    """
    text = iter_text(row)
    source = iter_text(row, S.SRC)
    if source and (_SOURCE_REPEATS.search(source) or _LOOP_SHORT.search(source + " ")
                   or _LOOP_LONG.search(source)):
        return
    taken: list[tuple[int, int]] = []
    for pattern in (_LOOP_SHORT, _LOOP_LONG):
        for match in pattern.finditer(text + " "):
            start, end = match.start(), min(match.end(), len(text))
            if any(a <= start < b for a, b in taken):
                continue
            phrase = match.group(1).strip(" ,;")
            if pattern is _LOOP_SHORT and len(phrase.split()) == 1 and phrase.lower() in ADJACENT_OK.get(ctx.lang, ()):
                continue
            taken.append((start, end))
            yield Finding("repeated-phrase", "major",
                          f"'{phrase}' is repeated back to back, a loop in the MT output; keep one copy.",
                          start, end)

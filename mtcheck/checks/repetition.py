"""Repetition: doubled words inside a segment and segments repeated across a corpus.

Neural MT loops and doubles words ("new vitality and vitality"), and scraped
pages repeat headers and headlines. OpusFilter's RepetitionFilter (Aulamo et
al. 2020) targets the same failure; later work adds n-gram loops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
# Doubles that are grammar only as doubles ("what it is is", "I had had"): said three times, they loop.
ONLY_DOUBLED = frozenset("had that is die der das den dem des sie es ihr wir man".split())
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
        line = frame.at[ordinal, S.LINE] if S.LINE in frame.columns else ""
        if str(line).strip() not in ("", "nan"):  # XLIFF rows have no line
            where += f" (line {line})"
        firsts[ordinal][2] = where


@corpus_check("duplicate-segment")
def duplicate_segment(frame, ctx: CheckContext) -> Iterator[tuple[int, Finding]]:
    """The same MT text more than once in a corpus: a repeated page header or a duplicated headline.

    Every copy after the first is flagged (major); the first is the one to keep, and its
    explanation says it is the original (a note, severity ok: it is not flagged; issue 27).
    Copies whose sources are identical too are a faithful translation and pass.
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
        later = count - 1
        if ordinal == first:
            yield ordinal, Finding("duplicate-segment", "ok",
                                   f"The original of a text repeated {later:,} more time{'s' if later > 1 else ''} "
                                   "in the corpus: keep this copy; the later ones are flagged.", 0, len(text))
        elif count >= 3:
            yield ordinal, Finding("duplicate-segment", "major",
                                   f"This text appears {count:,} times in the corpus, like a page header printed at "
                                   f"each page break; the original is {first_at}: delete this copy.", 0, len(text))
        else:
            yield ordinal, Finding("duplicate-segment", "major",
                                   f"Repeats {first_at} word for word, a duplicated headline or header; "
                                   "delete this copy.", 0, len(text))


# Words, and each character of the scripts written without spaces (Chinese, Japanese), as tokens.
_UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_UNSPACED_CHAR = re.compile(f"[{_UNSPACED}]")
_TOKEN = re.compile(f"[{_UNSPACED}]|[^\\W_{_UNSPACED}]+")
MIN_UNIT_TOKENS = 3
# Repeated copies that make up at least this share of a segment's tokens make the loop critical: the
# segment is mostly hallucinated and must be translated again, not edited.
MOSTLY_REPEATED = 0.5


@dataclass(frozen=True)
class Repeat:
    """A unit of `period` tokens said `copies` times back to back, from token `start` on."""

    start: int
    period: int
    copies: int

    @property
    def end(self) -> int:
        return self.start + self.period * self.copies


def tokens(text: str) -> list[re.Match]:
    return list(_TOKEN.finditer(text))


def tandem_repeats(ids: list, min_unit: int = MIN_UNIT_TOKENS) -> list[Repeat]:
    """Every maximal run of a unit of at least `min_unit` tokens repeated back to back, in token order.

    Linear in the text's length, so a 1 MB line of one sentence said 23,000 times is checked in a
    fraction of a second: a unit of period p shows up as tokens whose nearest earlier occurrence is
    exactly p back (a token said once in the unit); each such token seeds a run of positions j with
    ids[j] == ids[j - p], grown both ways. A run of at least p positions is one full copy more.
    Periods are tried from the shortest, so a loop is reported at its own unit, not at a multiple.
    Repeats may overlap when neither unit is a multiple of the other.
    A unit whose every token occurs twice in it ("a b b a") seeds nothing and is missed; real
    sentences hold a word said once.
    """
    last: dict = {}
    seeds: dict[int, list[int]] = {}
    for j, token in enumerate(ids):
        i = last.get(token)
        if i is not None and j - i >= min_unit:
            seeds.setdefault(j - i, []).append(j)
        last[token] = j
    found: list[Repeat] = []
    for period in sorted(seeds):
        grown_to = -1
        for j in seeds[period]:
            if j <= grown_to:
                continue
            lo, hi = j, j
            while lo - 1 >= period and ids[lo - 1] == ids[lo - 1 - period]:
                lo -= 1
            while hi + 1 < len(ids) and ids[hi + 1] == ids[hi + 1 - period]:
                hi += 1
            grown_to = hi
            run = hi - lo + 1
            if run < period:
                continue
            repeat = Repeat(lo - period, period, (run + period) // period)
            # A loop of period p also has period 2p, 3p ...: report it once, at its own unit. A longer
            # unit that holds a shorter loop ("if it is empty, if it is empty, ..." said twice) stays.
            if any(f.start <= repeat.start and repeat.end <= f.end and period % f.period == 0 for f in found):
                continue
            found.append(repeat)
    return sorted(found, key=lambda r: (r.start, -r.end))


def outermost(repeats: list[Repeat]) -> list[Repeat]:
    """The repeats that no other one contains: the loop an editor must cut, not the loops inside it."""
    return [r for r in repeats
            if not any(o is not r and o.start <= r.start and r.end <= o.end and (o.start, o.end) != (r.start, r.end)
                       for o in repeats)]


def _ids(found: list[re.Match]) -> list[str]:
    return [m.group(0).lower() for m in found]


def _source_repeats(source: str) -> tuple[int, float]:
    """How often the source says its most repeated unit back to back (0: never), and the largest share of
    its tokens that a repeat's extra copies take.

    A unit of one word counts ("Both, both, both, I'm matching ..." in a WMT23 en-de source); in
    Chinese or Japanese, where a token is a character, a unit needs two ("研究研究"), since a doubled
    character is often one ordinary word ("谢谢", "看看")."""
    if not source:
        return 0, 0.0
    ids = _ids(tokens(source))
    repeats = [r for r in tandem_repeats(ids, min_unit=1) if r.period >= 2 or not _UNSPACED_CHAR.match(ids[r.start])]
    if not repeats:
        return 0, 0.0
    return max(r.copies for r in repeats), max((r.copies - 1) * r.period for r in repeats) / len(ids)


# How much more of the MT than of the source a mirrored repetition may take: "if the universe is
# empty, if the universe is empty" mirrors "如果宇宙是空的， 如果宇宙是空的"; a whole sentence said twice
# does not mirror a doubled word in its source ("一批一批").
MIRRORED_SHARE_SLACK = 0.15


def _quote(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


@segment_check("repeated-phrase")
def repeated_phrase(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """A phrase or sentence repeated back to back, a loop (hallucination); critical when the loop is most of the segment.

    Any unit of three or more tokens said twice in a row ("The cat sat on the mat. The cat sat on
    the mat."), and a word or two said three times ("the the the"), are oscillations (Guerreiro et
    al. 2023, "Looking for a needle in a haystack"). The language model cannot see them: repeated
    text is predictable, so it scores as fluent. When the source repeats itself as often, and about as
    much of it ("无处不在，无处不在"), the repetition is rhetoric, not a loop.
    """
    text, source = iter_text(row), iter_text(row, S.SRC)
    parts, sources = text.split("|"), source.split("|")
    if len(parts) == 1 or len(parts) != len(sources):
        yield from _loops(text, source, ctx.lang)
        return
    # Plural variants ("1 file.|%count% files.", Symfony, gettext-like): where the source has as many
    # `|`-separated variants as the MT, each variant is checked apart, against its own source. A language
    # whose plural forms coincide writes the same sentence twice ("... Zeichen haben.|... Zeichen
    # haben."): 6 of 116 units of Symfony's German validator messages were "loops" (issue 35).
    offset = 0
    for part, part_source in zip(parts, sources):
        for f in _loops(part, part_source, ctx.lang):
            yield Finding(f.check, f.severity, f.message, f.start + offset, f.end + offset)
        offset += len(part) + 1


def _loops(text: str, source: str, lang: str | None) -> Iterator[Finding]:
    source_copies, source_share = _source_repeats(source)
    found = tokens(text)

    def mirrored(r: Repeat) -> bool:
        share = (r.copies - 1) * r.period / len(found)
        return r.copies <= source_copies and share <= source_share + MIRRORED_SHARE_SLACK

    repeats = outermost([r for r in tandem_repeats(_ids(found)) if not mirrored(r)])
    repeated = sum((r.copies - 1) * r.period for r in repeats)
    # Besides, a word or two said three times or more ("the the the", "Thank you. Thank you. Thank you."),
    # whatever punctuation separates the copies: the decoder looped (OpusFilter's RepetitionFilter idea).
    # Loops of single characters are checks/loops.py's.
    critical = bool(found) and repeated / len(found) >= MOSTLY_REPEATED
    taken: list[tuple[int, int]] = []
    for r in repeats:
        start, end = found[r.start].start(), found[r.end - 1].end()
        unit = text[start:found[r.start + r.period - 1].end()]
        taken.append((start, end))
        times = "twice" if r.copies == 2 else f"{r.copies:,} times"
        if critical:
            yield Finding("repeated-phrase", "critical",
                          f"'{_quote(unit)}' is said {times} back to back: most of the segment is a "
                          "loop (a hallucination of the MT system); translate the segment again from the source.",
                          start, end)
        else:
            yield Finding("repeated-phrase", "major",
                          f"'{_quote(unit)}' is said {times} back to back, a loop in the MT output; keep one copy.",
                          start, end)
    if source_copies:
        return
    ids = _ids(found)
    for r in tandem_repeats(ids, min_unit=1):
        if r.period > 2 or r.copies < 3:
            continue
        start, end = found[r.start].start(), found[r.end - 1].end()
        if any(a <= start < b or a < end <= b for a, b in taken):
            continue
        unit = ids[r.start:r.start + r.period]
        if r.period == 1 and ((unit[0] in ADJACENT_OK.get(lang, ()) and unit[0] not in ONLY_DOUBLED)
                              or _UNSPACED_CHAR.match(unit[0])):
            continue  # "ha ha ha", "no no no"; one CJK character said thrice is a word ("哈哈哈")
        taken.append((start, end))
        phrase = text[start:found[r.start + r.period - 1].end()]
        yield Finding("repeated-phrase", "major",
                      f"'{phrase}' is repeated {r.copies:,} times back to back, a loop in the MT output; keep one "
                      "copy.", start, end)

"""Terminology against a glossary (`--glossary FILE`, mtcheck/io/glossary.py): three checks, as Xbench and
CheckMate run them before delivery (issue 35).

* `glossary-term` (minor): a source term of the glossary occurs in the source, and none of the target
  terms the glossary gives for it (preferred or admitted) occurs in the translation. Minor, because a
  translator may have had a reason (a pronoun, a rephrased sentence); the editor decides.
* `forbidden-term` (major): the translation uses a target term the glossary marks deprecated,
  superseded, obsolete or forbidden, where the source has that entry's term. Its span is the term.
* `do-not-translate` (major): an entry marked "do not translate" occurs in the source, and the
  translation does not have it exactly as written (case included: product names and codes).

Matching. Words are compared in lower case, without accents, after Snowball stemming in the languages Snowball has
(English, German, French, Spanish, Italian, Portuguese, Dutch, the Nordic languages, Russian, Czech,
Polish and 20 more: `snowballstemmer.algorithms()`), so "files" matches "file" and "Dateien" matches
"Datei". A multi-word term matches the same words in a row. Languages written without spaces (Chinese,
Japanese, Thai, Lao, Khmer, Burmese, Tibetan) match the term as a substring, in lower case. Other
languages match whole words in lower case, without inflection. Inline codes (`{x:1}`) are removed
first. Whether a glossary term is *used* is decided loosely (a stem that is a prefix of the other, see
`find`), whether a forbidden term is used strictly: both err on the side of not flagging. In languages
that write compounds as one word (German, Dutch, the Nordic languages, Finnish,
Estonian, Hungarian), a one-word term of at least four letters also matches inside a word: "Datei" in
"Dateityp"; a shorter one ("Bus") does not, as it would match by chance.

The checks need a glossary; without one they find nothing. Which entries apply: those with a term in
the run's source language (or the glossary's own when the source language is unknown) and one in the
row's target language (primary subtags: a glossary's `en-GB` serves an `en-US` run).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

from mtcheck import schema as S
from mtcheck.checks import CheckContext, Finding, iter_text, segment_check

_CODE = re.compile(r"\{/?[a-z]+:[^{}]{0,40}\}")
_WORD = re.compile(r"\w+(?:['’]\w+)*")
NO_SPACES = {"zh", "ja", "th", "lo", "km", "my", "bo"}
# Languages that write compounds as one word: a one-word term of at least four letters (stemmed) also
# matches inside a longer word.
COMPOUNDING = {"de", "nl", "sv", "da", "no", "nb", "nn", "fi", "is", "et", "hu"}
SNOWBALL = {"ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
            "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish",
            "fr": "french", "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian",
            "id": "indonesian", "ga": "irish", "it": "italian", "lt": "lithuanian", "ne": "nepali",
            "no": "norwegian", "nb": "norwegian", "nn": "norwegian", "fa": "persian", "pl": "polish",
            "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "st": "sesotho",
            "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish"}


@lru_cache(maxsize=64)
def _stemmer(lang: str):
    import snowballstemmer

    name = SNOWBALL.get(lang)
    return snowballstemmer.stemmer(name) if name else None


@lru_cache(maxsize=200_000)
def _norm(word: str, lang: str) -> str:
    """The word as terms are compared: lower case, stemmed, then without accents (Spanish "carácter" and
    its plural "caracteres" move the accent)."""
    import unicodedata

    stemmer = _stemmer(lang)
    low = word.lower()
    stem = stemmer.stemWord(low) if stemmer is not None else low
    return "".join(c for c in unicodedata.normalize("NFD", stem) if not unicodedata.combining(c))


def _words(text: str, lang: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), _norm(m.group(0), lang)) for m in _WORD.finditer(text)]


def _same(a: str, b: str, loose: bool) -> bool:
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return loose and len(short) >= 5 and long_.startswith(short) and len(short) >= 0.75 * len(long_)


def find(term: str, text: str, lang: str, words=None, loose: bool = False) -> tuple[int, int] | None:
    """The character span of the first occurrence of `term` in `text` (inflection-tolerant, see above).
    `loose` also takes a stem that is a prefix of the other of at least five letters and three quarters of
    its length: Snowball's Spanish stems "carácter" to "caract" but "caracteres" to "caracter"."""
    if lang in NO_SPACES:
        at = text.lower().find(term.lower().strip())
        return (at, at + len(term.strip())) if at >= 0 and term.strip() else None
    wanted = [w for _, _, w in _words(term, lang)]
    if not wanted:
        return None
    words = words if words is not None else _words(text, lang)
    for k in range(len(words) - len(wanted) + 1):
        if all(_same(words[k + j][2], wanted[j], loose) for j in range(len(wanted))):
            return words[k][0], words[k + len(wanted) - 1][1]
    if lang in COMPOUNDING and len(wanted) == 1 and len(wanted[0]) >= 4:
        for start, end, _ in words:  # "Datei" in "Dateityp", "Passwort" in "Benutzerpasswort"
            if wanted[0] in text[start:end].lower():
                return start, end
    return None


def _exact(term: str, text: str) -> bool:
    """`term` in `text` as written, not inside a longer word."""
    pattern = (r"(?<!\w)" if term[:1].isalnum() or term[:1] == "_" else "") + re.escape(term) + \
              (r"(?!\w)" if term[-1:].isalnum() or term[-1:] == "_" else "")
    return re.search(pattern, text) is not None


def _blank_codes(text: str) -> str:
    """Inline codes as spaces of their own length: words are not glued together, offsets stay the MT's."""
    return _CODE.sub(lambda m: " " * len(m.group(0)), text)


class _Index:
    """A glossary's entries for one language pair, indexed by the first word of each source term (stemmed),
    so that a row looks up the few entries its source can contain instead of trying every entry: a
    2,000-entry glossary on 2,320 rows took 78 s when each row tried each entry three times."""

    def __init__(self, glossary, source: str, target: str) -> None:
        self.source, self.target = source, target
        self.entries = glossary.pairs(source, target)
        self.by_first: dict[str, list] = {}
        self.scan: list = []  # terms found by substring: languages without spaces, one-word compound parts
        for k, (_entry, sources, _use, _avoid) in enumerate(self.entries):
            for term in sources:
                norms = [w for _, _, w in _words(term.text, source)]
                if source in NO_SPACES or (source in COMPOUNDING and len(norms) == 1 and len(norms[0]) >= 4):
                    self.scan.append((k, term))
                elif norms:
                    self.by_first.setdefault(norms[0], []).append((k, term))

    def hits(self, src: str, src_words) -> list:
        """(entry, its source terms, terms to use, terms not to use, the source term found) of each entry
        whose source term `src` contains, in glossary order."""
        found: dict[int, object] = {}
        candidates = [c for _, _, w in src_words for c in self.by_first.get(w, ())] + self.scan
        for k, term in candidates:
            if k not in found and find(term.text, src, self.source, src_words):
                found[k] = term
        return [(*self.entries[k], found[k]) for k in sorted(found)]


def _index(glossary, source: str, target: str) -> _Index:
    key = (source, target)
    if key not in glossary.compiled:
        glossary.compiled[key] = _Index(glossary, source, target)
    return glossary.compiled[key]


@lru_cache(maxsize=8192)
def _analysed(index: _Index, src: str, mt: str) -> tuple:
    """(source text, MT text, the MT's words, `index.hits`) of one row, shared by the three checks."""
    src, mt = _blank_codes(src), _blank_codes(mt)
    return src, mt, _words(mt, index.target), index.hits(src, _words(src, index.source))


def _applicable(row: dict, ctx: CheckContext):
    """(source text, MT text, the MT's words, the entries whose source term the row's source contains)."""
    glossary = ctx.glossary
    src, mt = iter_text(row, S.SRC), iter_text(row, S.MT)
    if glossary is None or not src.strip() or not mt.strip():
        return "", "", [], []
    return _analysed(_index(glossary, ctx.source or glossary.default_source, ctx.lang), src, mt)


def _quote(terms) -> str:
    return " or ".join(f'"{t.text}"' for t in terms[:3])


@segment_check("glossary-term")
def glossary_term(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """A glossary term in the source, and none of its translations in the MT."""
    _src, mt, mt_words, hits = _applicable(row, ctx)
    for entry, _sources, use, _avoid, hit in hits:
        if entry.dnt or not use or any(find(t.text, mt, ctx.lang, mt_words, loose=True) for t in use):
            continue
        note = f" ({entry.note})" if entry.note else ""
        yield Finding("glossary-term", "minor",
                      f'The glossary translates "{hit.text}" as {_quote(use)}{note}; the translation does not use '
                      f"it. Use the glossary's term, or tell the terminologist why not.", 0, len(iter_text(row)))


@segment_check("forbidden-term")
def forbidden_term(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """A term the glossary forbids (deprecated, superseded) in the MT, where the source has its entry."""
    _src, mt, mt_words, hits = _applicable(row, ctx)
    for _entry, _sources, use, avoid, _hit in hits:
        if not avoid:
            continue
        allowed = [span for t in use if (span := find(t.text, mt, ctx.lang, mt_words))]
        for term in avoid:
            span = find(term.text, mt, ctx.lang, mt_words)
            # The forbidden "ciclo del carbono" inside the preferred "ciclo del carbono-nitrógeno" is not a use
            # of it (TBX-Basic's own example glossary has this pair).
            if span is None or any(a <= span[0] and span[1] <= b for a, b in allowed):
                continue
            start, end = span
            instead = f"; use {_quote(use)}" if use else ""
            yield Finding("forbidden-term", "major",
                          f'"{mt[start:end]}" is a term the glossary does not allow{instead}.', start, end)
            break


@segment_check("do-not-translate")
def do_not_translate(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """A do-not-translate term of the source that the MT does not keep exactly as written."""
    src, mt, _mt_words, hits = _applicable(row, ctx)
    for entry, sources, _use, _avoid, _hit in hits:
        if not entry.dnt:
            continue
        for term in sources:
            if _exact(term.text, src) and not _exact(term.text, mt):
                yield Finding("do-not-translate", "major",
                              f'"{term.text}" is not to be translated; the translation does not have it as '
                              "written. Keep it exactly as in the source.", 0, len(iter_text(row)))
                break

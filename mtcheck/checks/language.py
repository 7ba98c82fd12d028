"""Wrong language: language identification per segment and per sentence (pycld2, CLD2).

CLD2 reports percentages for mixed text but labels short spans poorly, so a
segment is judged whole and, when it holds several sentences, sentence by
sentence. Only reliable answers on at least MIN_LETTERS letters count; script
mixing (Chinese inside English) is the `source-script` check's business.
"""

from __future__ import annotations

from typing import Iterator

from mtcheck.checks import CheckContext, Finding, iter_text, segment_check
from mtcheck.checks.placeholders import masked
from mtcheck.io.sentences import sentence_spans
from mtcheck.languages import same_language

MIN_LETTERS = 40  # below this CLD2 mislabels short German as English (MQM en-de refs)
MIN_PERCENT = 80


def identify(text: str) -> tuple[str, str, int] | None:
    """(language code, language name, percent) when CLD2 is sure, else None."""
    try:
        import pycld2
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    try:
        reliable, _, details = pycld2.detect(text)
    except pycld2.error:
        return None  # invalid UTF-8 such as lone surrogates
    if not reliable or not details or details[0][1] == "un":
        return None
    name, code, percent, _ = details[0]
    return code.split("-")[0].lower(), name.title(), percent


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


@segment_check("wrong-language")
def wrong_language(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """The segment, or one of its sentences, is in another language than the target.

    Sentences are judged one by one first: CLD2 labels "German sentence. English
    sentence." as 99% English, which would hide which part is wrong. Placeholders and
    inline codes are blanked first (checks/placeholders.py): they are in no language.
    """
    text = masked(iter_text(row))
    target = ctx.lang
    if not target or _letters(text) < MIN_LETTERS:
        return
    judged = []
    pieces = sentence_spans(text)
    if len(pieces) >= 2:
        for start, end in pieces:
            if _letters(text[start:end]) >= MIN_LETTERS:
                judged.append((start, end, identify(text[start:end])))
    wrong = [(a, b, f) for a, b, f in judged if f and not same_language(f[0], target) and f[2] >= MIN_PERCENT]
    if judged and len(wrong) < len(judged):
        for start, end, found in wrong:
            yield Finding("wrong-language", "major",
                          f"This sentence is in {found[1]}, not the target language '{target}'; translate it.",
                          start, end)
        return
    whole = identify(text)
    if whole and not same_language(whole[0], target) and whole[2] >= MIN_PERCENT:
        yield Finding("wrong-language", "major",
                      f"This segment is in {whole[1]} ({whole[2]}%), not the target language '{target}'; "
                      "translate it.", 0, len(text))


def infer_source_language(texts, sample: int = 200) -> str | None:
    """The source's language from a sample of its segments: Han characters mean Chinese;
    otherwise CLD2 on the joined sample. None when there is no source or CLD2 is unsure."""
    chosen = [t for t in texts if isinstance(t, str) and t.strip()][:sample]
    if not chosen:
        return None
    joined = " ".join(chosen)
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in joined)
    if han > 0.3 * sum(ch.isalpha() for ch in joined):
        return "zh"
    found = identify(joined)
    if not found:
        return None
    from mtcheck.languages import CLD2_LEGACY

    return CLD2_LEGACY.get(found[0], found[0])

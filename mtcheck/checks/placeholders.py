"""Placeholders and inline codes: the `placeholder-mismatch` check, and what language identification must not read.

Software strings carry template placeholders (`{{ limit }}`, `{0}`, `{count}`, `%s`, `%1$@`, `${name}`),
and the XLIFF reader turns inline codes into `{x:ID}`, `{pc:ID}...{/pc:ID}` (mtcheck/io/xmlsafe.py). A
translation must carry each of them over as it is: a dropped `{{ limit }}` makes the application show
"at least characters", a translated `{{ Grenze }}` makes it crash or show the raw name. Xbench and
Okapi CheckMate check this on every bilingual file; so does `placeholder-mismatch`, on every input with
a source (issue 35). Its precision and recall are training/eval_placeholders.py's (docs/checks.md).

`masked()` blanks placeholders and codes with spaces, so offsets into the text stay true: to CLD2
`{{ compared_value_type }}` is English, and on Symfony's Spanish validator messages 10 of 116 correct
units were flagged "wrong language" for their placeholders alone.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterator

from mtcheck import schema as S
from mtcheck.checks import CheckContext, Finding, iter_text, segment_check

# What a translation must carry over unchanged. No printf space flag: "50% discount" is no "% d".
TOKEN = re.compile(
    r"\{\{[^{}]{0,80}\}\}"                          # Twig, Handlebars, Angular: {{ limit }}
    r"|\{/?(?:x|bx|ex|ph|bpt|ept|it|sc|ec|ut|sm|em|g|pc):[^{}]{0,40}\}"  # inline codes as the reader writes them
    r"|\$\{[^{}]{0,80}\}"                           # ${name}
    r"|%(?:\d+\$)?[-+#0]*\d*(?:\.\d+)?[@sdifuxXeEgGc]"  # printf: %s, %1$@, %.2f
    r"|%[A-Za-z_][\w.-]{0,40}%"                     # %count% (Symfony, Drupal)
    r"|\{[\w.-]{1,40}\}"                            # {0}, {count}
)
# Besides those, language identification skips snake_case identifiers (compared_value_type) and the
# heads of ICU messages ({count, plural, ...}), whose bodies are translated text.
PLACEHOLDER = re.compile(TOKEN.pattern + r"|\{[\w.-]{1,40},[^{}]{0,80}\}|\b[a-z]+(?:_[a-z0-9]+)+\b")


def masked(text: str) -> str:
    """`text` with every placeholder and inline code replaced by as many spaces."""
    return PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), text)


def _key(token: str) -> str:
    """A placeholder as it must match: spaces inside Twig braces do not count ({{limit}} = {{ limit }})."""
    return re.sub(r"\s+", "", token) if token.startswith("{{") else token


def _named(key: str) -> bool:
    """A placeholder that names its value (any number of uses is the same), not an inline code or printf's
    next-argument %s."""
    if key.startswith("%"):
        return bool(re.match(r"%\d+\$|%[A-Za-z_][\w.-]*%$", key))  # %1$s, %count%
    return not re.match(r"\{/?[a-z]+:", key)  # {x:1}, {pc:2}: inline codes


def tokens(text: str) -> list[re.Match]:
    return list(TOKEN.finditer(text))


def _shown(token: str) -> str:
    return token if len(token) <= 40 else token[:37] + "..."


@segment_check("placeholder-mismatch")
def placeholder_mismatch(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """A placeholder or inline code of the source is missing, changed or added in the translation."""
    source, text = iter_text(row, S.SRC), iter_text(row)
    if not source or not text or not (TOKEN.search(source) or TOKEN.search(text)):
        return
    broken = _broken(source, text) or _misnested(source, text)
    if broken:
        yield broken
    # Plural variants ("{{ limit }} choice.|{{ limit }} choices.") are compared as one text, each named
    # placeholder once: a language with one plural form (Chinese, Turkish, Thai) rightly writes one
    # variant, and Danish and Finnish spell the singular out ("mindst én mulighed"). Compared variant by
    # variant, 14 correct Danish and Finnish units were flagged; as one text, a placeholder dropped from
    # one variant of several goes unseen (training/eval_placeholders.py).
    yield from _compare(source, text, 0, once="|" in source)


def _compare(source: str, text: str, offset: int, once: bool) -> Iterator[Finding]:
    """Findings for the placeholders of `text` against those of `source` (offsets shifted by `offset`).

    A named placeholder may be said once or twice ("{{ limit }} or less" can become "{{ limit }} or
    below {{ limit }}" in Burmese): named ones count once. Inline codes and printf's unnumbered %s, %d,
    which take the next argument, count each, unless `once`."""
    src, mt = tokens(source), tokens(text)
    want, have = Counter(_key(m.group(0)) for m in src), Counter(_key(m.group(0)) for m in mt)
    want = Counter({k: (1 if once or _named(k) else n) for k, n in want.items()})
    have = Counter({k: (1 if once or _named(k) else n) for k, n in have.items()})
    missing, extra = want - have, have - want
    for m in mt:
        key = _key(m.group(0))
        if extra[key] > 0:
            extra[key] -= 1
            lost = ", ".join(f"'{_shown(k)}'" for k in missing)
            what = f"instead of {lost} of the source" if missing else "which the source does not have"
            yield Finding("placeholder-mismatch", "major",
                          f"The translation has the placeholder '{_shown(m.group(0))}', {what}; placeholders "
                          "and tags must be copied as they are.", offset + m.start(), offset + m.end())
    if missing and not (have - want):
        names = ", ".join(f"'{_shown(k)}'" + (f" ({n}x)" if n > 1 else "") for k, n in missing.items())
        plural = sum(missing.values()) > 1
        yield Finding("placeholder-mismatch", "major",
                      f"The source's placeholder{'s' if plural else ''} {names} {'are' if plural else 'is'} "
                      "missing from the translation; copy placeholders and tags as they are.",
                      offset, offset + len(text))


def _broken(source: str, text: str) -> Finding | None:
    """A placeholder whose braces the translation broke (`{{ limit }`): the source's `{{` and `}}` pair up,
    the translation's do not. Seen in Symfony's Urdu validator messages, where plural variants hide it
    from the comparison of placeholders."""
    if source.count("{{") != source.count("}}") or text.count("{{") == text.count("}}"):
        return None
    at = next((m.start() for m in re.finditer(r"\{\{[^{}]*?\}(?!\})", text)), None)
    start = at if at is not None else 0
    end = text.find("}", start) + 1 if at is not None else len(text)
    return Finding("placeholder-mismatch", "major",
                   "A placeholder's braces are broken ('{{' and '}}' do not pair up as in the source); copy "
                   "placeholders as they are.", start, end)


_PAIRED = re.compile(r"\{(/?)(g|pc):([^{}]{0,40})\}")


def _nesting_error(text: str) -> re.Match | None:
    """The first paired code of `text` ({g:1}...{/g:1}, {pc:2}...{/pc:2}) that closes before it opens, closes
    across another pair (overlap) or never closes; None when they nest."""
    open_codes: list[re.Match] = []
    for m in _PAIRED.finditer(text):
        if not m.group(1):
            open_codes.append(m)
        elif not open_codes or (open_codes[-1].group(2), open_codes[-1].group(3)) != (m.group(2), m.group(3)):
            return m
        else:
            open_codes.pop()
    return open_codes[0] if open_codes else None


def _misnested(source: str, text: str) -> Finding | None:
    """Paired inline codes that the translation reordered so that they no longer nest (a closing tag before
    its opening one, or two pairs overlapping), where the source's nest: the file would not convert back.
    Pairs may change places as words do; only broken nesting is an error."""
    if _nesting_error(source) is not None:
        return None
    bad = _nesting_error(text)
    if bad is None:
        return None
    return Finding("placeholder-mismatch", "major",
                   f"The tag '{_shown(bad.group(0))}' is out of order: paired tags must open before they close and "
                   "must not overlap; move it as in the source.", bad.start(), bad.end())

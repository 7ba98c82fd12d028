"""Placeholders and inline codes in a segment's text: what language identification must not read.

Software strings carry template placeholders (`{{ limit }}`, `{0}`, `{count}`, `%s`, `%1$@`, `${name}`),
and the XLIFF reader turns inline codes into `{x:ID}`, `{pc:ID}...{/pc:ID}` (mtcheck/io/xmlsafe.py).
To CLD2 `{{ compared_value_type }}` is English: on Symfony's Spanish validator messages, 10 of 116
correct units were flagged "wrong language" for their placeholders alone (issue 35). `masked()`
blanks them with spaces, so offsets into the text stay true.
"""

from __future__ import annotations

import re

PLACEHOLDER = re.compile(
    r"\{\{[^{}]{0,80}\}\}"                          # Twig, Handlebars, Angular: {{ limit }}
    r"|\{/?(?:x|bx|ex|ph|bpt|ept|it|sc|ec|ut|sm|em|g|pc):[^{}]{0,40}\}"  # inline codes as the reader writes them
    r"|\$\{[^{}]{0,80}\}"                           # ${name}
    r"|\{[\w.-]{1,40}(?:,[^{}]{0,80})?\}"           # {0}, {count}, ICU {n, plural, ...} heads
    r"|%(?:\d+\$)?[-+ #0]*\d*(?:\.\d+)?[@sdifuxXeEgGcp]"  # printf: %s, %1$@, %.2f
    r"|\b[a-z]+(?:_[a-z0-9]+)+\b"                   # snake_case identifiers (compared_value_type)
)


def masked(text: str) -> str:
    """`text` with every placeholder and inline code replaced by as many spaces."""
    return PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), text)

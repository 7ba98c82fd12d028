"""Length limits set in the file: the `length-limit` check (issue 35).

A CAT tool or a developer sets how long a string may be: a button, a menu entry, an SMS, a database
column. mtcheck reads the limits XLIFF carries (mtcheck/io/xliff.py `size_limits`: `maxwidth` in
characters, `maxbytes`, `slr:sizeRestriction` in code points, ITS `storageSize` in bytes) into the
`max_chars` and `max_bytes` columns, and this check compares the translation with them. Inline codes
do not count (they are markup, not text); placeholders count as written. The comparison is exact, so
on every row with a limit its precision and recall are 1 by construction (tests/test_xliff_wild.py).
"""

from __future__ import annotations

import math
import re
from typing import Iterator

from mtcheck import schema as S
from mtcheck.checks import CheckContext, Finding, iter_text, segment_check

_CODE = re.compile(r"\{/?(?:x|bx|ex|ph|bpt|ept|it|sc|ec|ut|sm|em|g|pc):[^{}]{0,40}\}")


def _limit(value) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    return int(float(value))


@segment_check("length-limit")
def length_limit(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """The translation is longer than the limit its file sets (characters or bytes)."""
    text = iter_text(row)
    plain = _CODE.sub("", text)
    chars = _limit(row.get(S.MAX_CHARS))
    if chars is not None and len(plain) > chars:
        yield Finding("length-limit", "major",
                      f"The translation has {len(plain)} characters; this unit allows {chars}. Shorten it.",
                      0, len(text))
    bytes_limit = row.get(S.MAX_BYTES)
    if isinstance(bytes_limit, str) and bytes_limit.strip():
        size, _, encoding = bytes_limit.partition(" ")
        try:
            used = len(plain.encode(encoding or "utf-8"))
        except (LookupError, UnicodeEncodeError):
            return
        if used > int(size):
            yield Finding("length-limit", "major",
                          f"The translation takes {used} bytes in {encoding or 'utf-8'}; this unit allows {size}. "
                          "Shorten it.", 0, len(text))

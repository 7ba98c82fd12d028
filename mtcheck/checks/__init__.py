"""Stage 4, flag: the rule checks, each a small registered function yielding findings.
May import `scorers` (for a hash), `io`, `schema` and `errors`; never quality or anything above.

Rule checks: small functions that yield findings about the MT text.

Two shapes, registered with a decorator:

* a *segment* check sees one row (a dict with src, mt, ref, kind ...) and
  the `CheckContext`, and yields `Finding`s whose span is a character range
  of `mt`;
* a *corpus* check sees the whole DataFrame and the context, and yields
  (row index, Finding), for problems such as a segment repeated across the
  corpus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from mtcheck import schema as S


@dataclass(frozen=True)
class Finding:
    """What a check found in one row's MT, with its span (character offsets into `mt`).

    Severity `ok` makes a *note*: it does not flag the row, costs no MQM points and is neither listed
    in `checks` nor written to findings.csv; the fusion puts its message into the explanation (the
    original of a duplicated text says so). `is_note` tells them apart."""

    check: str
    severity: str  # minor | major | critical, or ok for a note
    message: str
    start: int
    end: int

    @property
    def is_note(self) -> bool:
        return self.severity == "ok"


@dataclass(frozen=True)
class CheckContext:
    """What checks may know beyond the row: the languages, and what a corpus check must know of the
    whole run when it sees one partition of it (issue 14)."""

    target_lang: str = "en"
    source_lang: str | None = None
    duplicates: dict | None = None  # checks/repetition.py DuplicateSurvey index of the whole run
    # The cross-lingual encoder that scored `xsim`: None is the packaged USE, whose thresholds the checks
    # measured (checks/hallucination.py); with another (--xmodel) they leave the cosine alone.
    xmodel: str | None = None
    glossary: object | None = None  # mtcheck.io.glossary.Glossary (--glossary), read once for the run
    has_src: bool = False  # the run has a source side (a bilingual file, -s): an empty source is then empty

    @property
    def lang(self) -> str:
        """The target's primary language subtag ("en" for "en-GB")."""
        from mtcheck.languages import base

        return base(self.target_lang)

    @property
    def source(self) -> str:
        """The source's primary language subtag, "" when unknown."""
        from mtcheck.languages import base

        return base(self.source_lang)


@dataclass(frozen=True)
class CheckInfo:
    id: str
    scope: str  # "segment" or "corpus"
    func: Callable
    description: str
    default: bool = True  # runs unless --checks names the checks to run


REGISTRY: dict[str, CheckInfo] = {}


def _register(scope: str, check_id: str, default: bool):
    def wrap(func):
        doc = (func.__doc__ or "").strip().splitlines()
        REGISTRY[check_id] = CheckInfo(check_id, scope, func, doc[0] if doc else "", default)
        return func
    return wrap


def segment_check(check_id: str, default: bool = True):
    return _register("segment", check_id, default)


def corpus_check(check_id: str, default: bool = True):
    return _register("corpus", check_id, default)


def default_checks() -> list[str]:
    return [name for name, info in available().items() if info.default]


BUILTIN_MODULES = ("alignment", "consistency", "fluency", "furniture", "grammar", "language", "limits", "numbers", "placeholders",
                   "repetition", "loops", "hallucination", "runon", "source", "spelling", "terminology",
                   "truncation", "untranslated", "whitespace")


def _load_builtin_checks() -> None:
    # Importing the modules registers their checks.
    import importlib

    for name in BUILTIN_MODULES:
        importlib.import_module(f"mtcheck.checks.{name}")


def available() -> dict[str, CheckInfo]:
    """Every check, built-in ones in BUILTIN_MODULES order: the order checks run and findings of equal
    severity are listed in, whichever module some other code imported first."""
    _load_builtin_checks()

    def place(item):
        module = item[1].func.__module__.rsplit(".", 1)[-1]
        return BUILTIN_MODULES.index(module) if module in BUILTIN_MODULES else len(BUILTIN_MODULES)
    return dict(sorted(REGISTRY.items(), key=place))  # sorted() is stable: definition order within a module


def run_checks(frame, enabled: Iterable[str] | None = None, progress=None,
               ctx: CheckContext | None = None, row_languages: bool = False) -> list[tuple[int, Finding]]:
    """All findings for `frame`, as (row index, Finding), in row order. With `row_languages`, a segment
    check sees each row with the target language the row declares (its `target_lang`, from an XLIFF
    file with several languages; mtcheck.pipeline.languages_from_input), corpus checks the run's."""
    ctx = ctx or CheckContext()
    checks = available()
    names = default_checks() if enabled is None else list(enabled)
    unknown = [n for n in names if n not in checks]
    if unknown:
        from mtcheck.errors import UsageError
        raise UsageError(f"unknown check(s): {', '.join(unknown)}", hint=f"known: {', '.join(sorted(checks))}")
    found: list[tuple[int, Finding]] = []
    records = frame.to_dict("records")
    contexts = _row_contexts(frame, ctx) if row_languages else [ctx] * len(frame)
    for name in names:
        info = checks[name]
        if info.scope == "corpus":
            found.extend(info.func(frame, ctx))
        else:
            for index, row, row_ctx in zip(frame.index, records, contexts):
                found.extend((index, f) for f in info.func(row, row_ctx))
        if progress is not None:
            progress(len(frame))
    found.sort(key=lambda item: (item[0], -S.SEVERITY_RANK[item[1].severity], item[1].start))
    return found


def _row_contexts(frame, ctx: CheckContext) -> list[CheckContext]:
    """Each row's CheckContext: the run's, with the row's declared target language where it has one."""
    from dataclasses import replace

    from mtcheck.languages import normalise_declared

    if S.TARGET_LANG not in frame.columns:
        return [ctx] * len(frame)
    made: dict = {"": ctx}
    out = []
    for tag in frame[S.TARGET_LANG].fillna("").astype(str):
        if tag not in made:
            made[tag] = replace(ctx, target_lang=normalise_declared(tag))  # known: languages_from_input checked it
        out.append(made[tag])
    return out


def findings_for(found: list[tuple[int, Finding]]) -> dict[int, list[Finding]]:
    by_row: dict[int, list[Finding]] = {}
    for index, finding in found:
        by_row.setdefault(index, []).append(finding)
    return by_row


def iter_text(row: dict, column: str = S.MT) -> str:
    value = row.get(column, "")
    return value if isinstance(value, str) else ""


__all__ = ["Finding", "CheckContext", "CheckInfo", "segment_check", "corpus_check", "run_checks", "available",
           "findings_for", "iter_text", "Iterator"]

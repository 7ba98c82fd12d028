"""The pipeline: load -> align -> score -> flag -> fuse -> report, one partition at a time.

`run()` is the whole story: resolve the options once, open the editors' files, survey the input,
check its partitions on an engine, and hand them and the summary to a sink. `check_partition()`
is one partition's part of it: score, flag, fuse, then the editorial steps. `check()` is the Python
API and returns the segments DataFrame; `mtcheck.report.write_report` writes a `CheckResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from mtcheck.errors import UsageError
from mtcheck.io import InputSpec, Loaded
from mtcheck.options import CheckOptions
from mtcheck.run.result import CheckResult, MemorySink, Part, Timer

__all__ = ["CheckOptions", "CheckResult", "check", "check_partition", "collect_signals", "resolve_options", "run"]


def languages_from_input(spec, options: CheckOptions) -> CheckOptions:
    """Where no --target-lang was given, the target language the input declares (XLIFF `target-language`,
    `trgLang`, `xml:lang`; issue 35: a Symfony `validators.ur.xlf` had 116 of 116 units flagged as not
    English), and the source language likewise where no --source-lang was given.

    One declared target language becomes the run's. Several (a file with German, Japanese and French
    `<file>` elements) make each row's checks read its own (`row_languages`), while the run's language,
    which picks the scorers' models and the fusion's heads, is the first non-English one: the English-only
    models (the fluency language model, the English reference encoder) are then off for the whole run,
    rather than reading German as bad English. --target-lang overrides every declaration."""
    from mtcheck.errors import InputError
    from mtcheck.io import declared_languages
    from mtcheck.languages import base, normalise_declared

    if options.target_lang is not None or spec is None:
        return options
    sources, targets, where = declared_languages(spec)
    if not targets:
        return options
    tags = []
    for tag in targets:
        try:
            tags.append(normalise_declared(tag))
        except UsageError as exc:
            raise InputError(f"declares the target language '{tag}', which mtcheck does not know", path=where,
                             hint=f"give --target-lang to say which language it is ({exc.hint})") from None
    several = len({base(t) for t in tags}) > 1
    run_lang = next((t for t in tags if base(t) != "en"), tags[0]) if several else tags[0]
    source = options.source_lang
    if source is None and len(sources) == 1:
        try:
            source = normalise_declared(sources[0], "--source-lang")
        except UsageError:
            source = None  # an unknown source language: inferred from the text, as when none is declared
    return replace(options, target_lang=run_lang, source_lang=source, row_languages=several)


def resolve_options(options: CheckOptions) -> CheckOptions:
    """The options with every default decided, once for the whole run (and every Dask worker): the scorers
    and checks that run, the language model's precision, whether the cross-lingual reference cosine is
    computed (when a shipped head reads it), and the editors' files named as the report names inputs."""
    from mtcheck import scorers
    from mtcheck.io.base import display_path
    from mtcheck.models.smollm import requested_precision
    from mtcheck.quality.fusion import uses_xsim_ref

    from mtcheck.languages import normalise
    from mtcheck.models.embedders import check_available

    options.validate()
    from mtcheck.quality.calibration import calibrated_params

    calibrated_params(options.calibration)  # a calibration file that cannot be read fails before the slow part
    if options.glossary:  # so does a glossary
        from mtcheck.io.glossary import read_glossary

        read_glossary(options.glossary)
    check_available(options.model, "--model")
    check_available(options.xmodel, "--xmodel")
    return replace(
        options, target_lang=normalise(options.target_lang or "en"),
        source_lang=normalise(options.source_lang, "--source-lang"), checks=enabled_checks(options), scorers=tuple(options.scorers or scorers.DEFAULT_SCORERS),
        precision=requested_precision(options.precision),
        xsim_ref=options.xsim_ref if options.xsim_ref is not None else uses_xsim_ref(options.target_lang or "en"),
        verdicts=display_path(options.verdicts), post_edits=display_path(options.post_edits))


def enabled_checks(options: CheckOptions) -> list[str]:
    """--checks (or the configuration's list), else the defaults; then per-check `enabled` settings."""
    from mtcheck.checks import default_checks

    names = list(options.checks) if options.checks is not None else default_checks()
    for check_id, setting in (options.check_settings or {}).items():
        if setting.get("enabled") is False and check_id in names:
            names.remove(check_id)
        elif setting.get("enabled") is True and check_id not in names:
            names.append(check_id)
    return names


def _override_severities(found, settings: dict):
    """The configuration's per-check severities (`[check.ID] severity = ...`); notes stay notes."""
    if not any("severity" in s for s in settings.values()):
        return found
    return [(i, replace(f, severity=settings[f.check]["severity"])
             if "severity" in settings.get(f.check, {}) and not f.is_note else f) for i, f in found]


@dataclass
class Signals:
    """Everything the stages before fusion produced, for one partition (or a whole frame)."""

    rows: object                          # aligned DataFrame with every scorer's columns
    found: list                           # [(row index, Finding)] from the rule checks
    stats: dict                           # {(scorer, system, column): per-segment statistics} for corpus scores
    signals: list
    models: list
    cache: dict = field(default_factory=dict)  # the persistent cache's use


def partition_signals(rows, options: CheckOptions, context, progress=None, timer: Timer | None = None) -> Signals:
    """Score and run the rule checks on aligned rows, with what the survey knows of the whole run.
    `options` are resolved (`resolve_options`)."""
    from mtcheck import scorers
    from mtcheck.checks import CheckContext, run_checks
    from mtcheck.models import cache

    timer = timer or Timer()
    store = cache.configure(options.cache)
    hits, misses = store.hits, store.misses
    rows = rows.copy()
    ctx = scorers.ScoreContext(target_lang=options.target_lang, model=options.model, xmodel=options.xmodel,
                               fluency=options.fluency, ter=options.ter, lm_ref=options.lm_ref,
                               xsim_ref=options.xsim_ref, xsim_margin=options.xsim_margin,
                               precision=options.precision, progress=progress, adapter_ref=options.adapter_ref,
                               max_refs=context.max_refs, margin_pool=context.margin_pool)
    stats, signals = {}, []
    from mtcheck.models import LANGUAGE_MODEL_SCORERS, SCORER_MODELS, release_models
    from mtcheck.scorers.fluency import fluency_rows

    # With the language model, each model is released once no later stage of the partition needs it:
    # the models are never all held at once (issue 34). Without it they stay loaded (nothing to gain): a
    # partition whose every row has a reference never loads it under `--fluency auto`, and reloading the
    # encoders for each partition cost seconds for nothing.
    frugal = options.lm_ref or (bool(set(options.scorers) & set(LANGUAGE_MODEL_SCORERS))
                                and bool(fluency_rows(rows, ctx).any()))
    for k, name in enumerate(options.scorers):
        with timer.stage(f"score:{name}"):
            result = scorers.get(name)(rows, ctx)
            if frugal:
                release_models(set().union(*(SCORER_MODELS.get(n, set()) for n in options.scorers[k + 1:])))
        for col in result.columns.columns:
            rows[col] = result.columns[col]
        stats.update({(name, *key): value for key, value in result.stats.items()})
        signals.extend(result.signals)
    with timer.stage("checks"):
        advance = progress("rule checks", len(options.checks) * len(rows)) if progress else None
        found = run_checks(rows, options.checks, advance,
                           CheckContext(target_lang=options.target_lang, source_lang=context.source_lang,
                                        duplicates=context.duplicates, xmodel=options.xmodel,
                                        glossary=getattr(context, "glossary", None),
                                        has_src=bool(getattr(context, "has_src", False))),
                           row_languages=options.row_languages)
        found = _override_severities(found, options.check_settings or {})
    cache_use = {"enabled": store.enabled, "path": str(store.path) if store.path else None,
                 "hits": store.hits - hits, "misses": store.misses - misses}
    return Signals(rows, found, stats, signals, ctx.models_used, cache_use)


def collect_signals(loaded: Loaded, options: CheckOptions, progress=None, timer: Timer | None = None) -> Signals:
    """Align, score and run the rule checks on everything `loaded` holds, as one partition: the inputs of the
    fusion (training/train_quality.py trains on these)."""
    from mtcheck.run.partitions import _whole, partitions, survey

    options = resolve_options(options)
    whole = 1 << 62  # one partition
    run_input = _whole(loaded, options, progress)
    context = prepare_context(survey(run_input, options, whole), options, progress)
    return partition_signals(next(partitions(run_input, whole)), options, context, progress, timer)


def check_partition(rows, context, *, options: CheckOptions, desk, progress=None) -> Part:
    """Score, flag, fuse and finish one partition of aligned rows (in this process or on a Dask worker).

    `options` are resolved; `desk` is the run's `mtcheck.editorial.desk.Editorial`. The engines call this
    with the partition's rows and the survey's context, as `partial(check_partition, options=, desk=)`.
    """
    from mtcheck.quality.calibration import calibrated_params
    from mtcheck.quality.fusion import fuse

    timer = Timer()
    sig = partition_signals(rows, options, context, progress, timer)
    rows = sig.rows
    with timer.stage("fuse"):
        found, suppressed = fuse(rows, sig.found, options.target_lang, params=calibrated_params(options.calibration),
                                 veto=desk.veto(rows))
    with timer.stage("editorial"):
        rows = desk.finish(rows, suppressed)
    forget_vectors()
    return Part(rows, found, suppressed, sig.stats, sig.signals, sig.models, sig.cache, timer.timings)


def forget_vectors() -> None:
    """Drop the sentence vectors a partition kept in memory (mtcheck.models.embedders `_VECTORS`) once it is
    done. Within a partition, alignment's vectors serve the similarity scorers; across partitions they only
    served a text repeated in another partition, which the persistent cache serves too. Kept for the
    whole run, they made its memory grow with its size: a 10,000-row reference run peaked at 847 MB
    against 546 MB for 1,000 rows (issue 34). A vector is the same encoded again (vec2: one text at a
    time), so no score changes."""
    import sys

    embedders = sys.modules.get("mtcheck.models.embedders")
    if embedders is not None:
        embedders.forget_vectors()


def prepare_context(context, options: CheckOptions, progress=None):
    """Read the glossary and encode the cross-lingual margin's pool once for the whole run (the pool when
    that scorer runs and the margin is wanted: `--no-xsim-margin` skips it, issue 26)."""
    from mtcheck import scorers
    from mtcheck.models import cache

    cache.configure(options.cache)
    if options.glossary and context.glossary is None:
        from mtcheck.io.glossary import read_glossary

        context.glossary = read_glossary(options.glossary)
    if (options.xsim_margin and "crosslingual" in options.scorers and context.pool_pairs
            and context.margin_pool is None):
        from mtcheck.models.embedders import embedder_for
        from mtcheck.scorers.crosslingual import pool_from_pairs
        from mtcheck.scorers.embedding import loader_with_progress

        embedder = embedder_for("src", options.target_lang, options.model, options.xmodel)
        texts = len({t for pair in context.pool_pairs for t in pair})
        advance = progress("cross-lingual margin pool", texts) if progress else None
        ctx = scorers.ScoreContext(progress=progress)
        context.margin_pool = pool_from_pairs(context.pool_pairs, embedder, advance,
                                              loader_with_progress(embedder, ctx))
    return context


def run(spec: InputSpec | None = None, options: CheckOptions | None = None, progress=None,
        frame=None, engine=None, sink=None, partition_rows: int | None = None, verdicts=None):
    """Run every stage on the inputs named by `spec` (or on a ready DataFrame), a partition at a time.

    `engine` runs the partitions (mtcheck.run.engines: local by default, or Dask); `sink` receives them
    in order (default: kept in memory, and the CheckResult returned; the CLI's writes the report).
    `verdicts` are editors' verdicts read elsewhere (the review desk's database), in place of the file
    `options.verdicts` names.
    """
    from mtcheck.editorial.desk import Editorial
    from mtcheck.run.engines import LocalEngine
    from mtcheck.run.partitions import PARTITION_ROWS, partitions
    from mtcheck.run.result import Totals, build_summary

    from mtcheck.models.cpu import limit_arenas

    limit_arenas()  # before any encoder starts a thread (docs/speed.md "Memory by mode")
    options = resolve_options(languages_from_input(spec, options or CheckOptions()))
    desk = Editorial.open(options, verdicts)  # the editors' files are read first: a mistake in them fails fast
    partition_rows = partition_rows or PARTITION_ROWS
    timer = Timer()
    # Inputs are named in the report as the user would name them to a colleague (issue 27).
    run_input, context = _survey(spec.displayed() if spec else None, frame, options, partition_rows, desk,
                                 progress, timer)
    engine, sink = engine or LocalEngine(), sink if sink is not None else MemorySink()
    sink.begin(context.rows)
    totals = Totals(timer)
    check_one = partial(check_partition, options=options, desk=desk)
    for part in engine.map(check_one, partitions(run_input, partition_rows), context, progress):
        totals.add(part)
        sink.add(part)
    summary = build_summary(run_input, totals, options, context, engine)
    desk.summarise(summary, totals.tally, totals.suppressed)
    return sink.finish(summary, totals.tally)


def _survey(spec, frame, options, partition_rows, desk, progress, timer):
    """Open the input and run the survey pass: the input as re-readable blocks, and the RunContext."""
    from mtcheck.errors import InputError
    from mtcheck.run.partitions import open_run, survey

    with timer.stage("load"):
        run_input = open_run(spec, frame, options, progress)
    with timer.stage("survey"):
        context = survey(run_input, options, partition_rows, progress)
    if context.rows == 0:
        first = run_input.inputs[0]["path"] if run_input.inputs else None
        raise InputError("no segments to check (the input is empty)", path=first,
                         hint="give a file with at least one line of MT")
    for entry in run_input.inputs:
        if entry.get("segments") is None:
            entry["segments"] = context.rows
    desk.check_rows(context.rows)  # before the margin pool's encoding: a wrong post-edit count fails fast
    with timer.stage("margin pool"):
        prepare_context(context, options, progress)
    return run_input, context


def check(data=None, *, mt=None, src=None, refs=None, fmt="auto", columns=None, **options):
    """Python API: check MT and return the segments DataFrame (the segments.csv columns).

    `data` is a path (table, document or corpus folder), a list of paths
    (line-aligned MT files, one system each, like repeated -t), or a pandas
    DataFrame with an `mt` column; or give `mt=` (a path or a list of paths),
    `src=` and `refs=` for line-aligned files. Keyword `options` are
    CheckOptions fields: target_lang, source_lang, model, xmodel, checks,
    scorers, fluency ("auto", "on", "off"), ter, lm_ref, xsim_margin, precision ("auto", "fp32", "onnx",
    "int8"), cache (False: --no-cache), verdicts and post_edits.
    """
    unknown = sorted(set(options) - set(CheckOptions.__dataclass_fields__))
    if unknown:
        raise UsageError(f"unknown option(s): {', '.join(unknown)}",
                         hint=f"options are {', '.join(CheckOptions.__dataclass_fields__)}")
    opts = CheckOptions(**options)
    if data is not None and not isinstance(data, (str, bytes)) and hasattr(data, "columns"):
        return run(options=opts, frame=data).segments
    mts = [str(mt)] if isinstance(mt, (str, Path)) else [str(m) for m in mt or []]
    if isinstance(data, (list, tuple)):
        if mts:
            raise UsageError("give the MT files either as data or as mt=, not both")
        mts, data = [str(d) for d in data], None
    spec = InputSpec(data=str(data) if data is not None else None, mt=mts, src=str(src) if src else None,
                     refs=[str(refs)] if isinstance(refs, (str, Path)) else [str(r) for r in refs or []],
                     fmt=fmt, columns=columns)
    return run(spec, opts).segments

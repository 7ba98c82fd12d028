"""The pipeline: load -> align -> score -> flag -> report.

`run()` returns a `CheckResult`; `mtcheck.report.write_report` writes it.
`check()` is the Python API and returns the segments DataFrame.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from mtcheck import __version__
from mtcheck import schema as S
from mtcheck.errors import UsageError
from mtcheck.io import InputSpec, Loaded


@dataclass
class CheckOptions:
    target_lang: str = "en"
    source_lang: str | None = None       # None: inferred from the source text, when there is one
    model: str | None = None             # sentence-transformers name/path for MT<->ref similarity
    checks: list[str] | None = None      # None = every registered check
    scorers: tuple[str, ...] | None = None  # None = mtcheck.scorers.DEFAULT_SCORERS
    xmodel: str | None = None            # cross-lingual model for src<->MT [default: packaged USE]
    fluency: str = "auto"                # auto (rows without a reference), on, off
    ter: bool = False                    # sentence and corpus TER (slow; not used by the fusion)
    lm_ref: bool = False                 # MT-given-reference likelihood under SmolLM2 (slow; English)
    xsim_ref: bool | None = None         # the cross-lingual MT<->reference cosine; None: when the fusion uses it
    precision: str | None = None         # language-model engine: auto, fp32, onnx, int8 [default: auto]
    cache: bool = True                   # the persistent score cache (mtcheck/cache.py); False: --no-cache
    check_settings: dict | None = None   # check id -> {"enabled": bool, "severity": str} (configuration)
    routing: list | None = None          # routing bands (mtcheck.workflow); None = the defaults
    gate: object | None = None           # mtcheck.workflow.Gate; None = no gate
    verdicts: str | None = None          # a reviewed segments.csv (mtcheck.verdicts)
    post_edits: str | None = None        # the editors' final text, one line per segment (mtcheck.postedit)


@dataclass
class CheckResult:
    segments: object                      # pandas.DataFrame in contract column order
    findings: list = field(default_factory=list)  # [(row index, Finding)]
    suppressed: list = field(default_factory=list)  # [(row index, Finding)] hidden by editors' verdicts
    summary: dict = field(default_factory=dict)


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    def stage(self, name: str):
        timer = self

        class _Stage:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                timer.timings[name] = round(time.perf_counter() - self.t0, 4)
        return _Stage()


def _from_dataframe(frame) -> Loaded:
    if S.MT not in frame.columns:
        raise UsageError("the DataFrame has no 'mt' column", hint="name the translation column 'mt'")
    table = frame.copy().fillna("").astype({c: str for c in frame.columns if frame[c].dtype == object})
    table[S.FILE] = "<DataFrame>"
    table[S.LINE] = range(1, len(table) + 1)
    return Loaded(name="dataframe", table=table,
                  inputs=[{"path": "<DataFrame>", "role": "table", "format": "dataframe",
                           "sha256": None, "segments": len(table)}])


@dataclass
class Signals:
    """Everything the stages before fusion produced, for one partition (or a whole frame)."""

    rows: object                          # aligned DataFrame with every scorer's columns
    found: list                           # [(row index, Finding)] from the rule checks
    stats: dict                           # {(scorer, system, column): per-segment statistics} for corpus scores
    signals: list
    models: list
    enabled: list
    source_lang: str | None
    precision: str = "auto"               # the language-model precision asked for (the engine is in `models`)
    cache: dict = field(default_factory=dict)  # the persistent cache's use


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
    from dataclasses import replace

    if not any("severity" in s for s in settings.values()):
        return found
    return [(i, replace(f, severity=settings[f.check]["severity"])
             if "severity" in settings.get(f.check, {}) and not f.is_note else f) for i, f in found]


def _check_fluency_option(options: CheckOptions) -> None:
    if options.fluency not in ("auto", "on", "off"):
        raise UsageError(f"fluency must be auto, on or off, not '{options.fluency}'")


def _wants_xsim_ref(options: CheckOptions) -> bool:
    from mtcheck.fuse import uses_xsim_ref

    return options.xsim_ref if options.xsim_ref is not None else uses_xsim_ref(options.target_lang)


def partition_signals(rows, options: CheckOptions, context, progress=None, timer: _Timer | None = None) -> Signals:
    """Score and run the rule checks on aligned rows, with what the survey knows of the whole run."""
    from mtcheck import cache, scorers
    from mtcheck.checks import CheckContext, run_checks
    from mtcheck.runtime.smollm import requested_precision

    timer = timer or _Timer()
    _check_fluency_option(options)
    precision = requested_precision(options.precision)
    store = cache.configure(options.cache)
    hits, misses = store.hits, store.misses
    rows = rows.copy()
    ctx = scorers.ScoreContext(target_lang=options.target_lang, model=options.model, xmodel=options.xmodel,
                               fluency=options.fluency, ter=options.ter, lm_ref=options.lm_ref,
                               xsim_ref=_wants_xsim_ref(options), precision=precision, progress=progress,
                               max_refs=context.max_refs, margin_pool=context.margin_pool)
    stats, signals = {}, []
    for name in options.scorers or scorers.DEFAULT_SCORERS:
        with timer.stage(f"score:{name}"):
            result = scorers.get(name)(rows, ctx)
        for col in result.columns.columns:
            rows[col] = result.columns[col]
        stats.update({(name, *key): value for key, value in result.stats.items()})
        signals.extend(result.signals)
    with timer.stage("checks"):
        enabled = enabled_checks(options)
        advance = progress("rule checks", len(enabled) * len(rows)) if progress else None
        found = run_checks(rows, enabled, advance,
                           CheckContext(target_lang=options.target_lang, source_lang=context.source_lang,
                                        duplicates=context.duplicates, xmodel=options.xmodel))
        found = _override_severities(found, options.check_settings or {})
    cache_use = {"enabled": store.enabled, "path": str(store.path) if store.path else None,
                 "hits": store.hits - hits, "misses": store.misses - misses}
    return Signals(rows, found, stats, signals, ctx.models_used, enabled, context.source_lang, precision, cache_use)


def collect_signals(loaded: Loaded, options: CheckOptions, progress=None, timer: _Timer | None = None) -> Signals:
    """Align, score and run the rule checks on everything `loaded` holds, as one partition: the inputs of the
    fusion (scripts/train_quality.py trains on these)."""
    from mtcheck.partitions import _whole, partitions, survey

    whole = 1 << 62  # one partition
    run_input = _whole(loaded, options, progress)
    context = prepare_context(survey(run_input, options, whole), options, progress)
    return partition_signals(next(partitions(run_input, whole)), options, context, progress, timer)


@dataclass
class Part:
    """One partition, checked: what the engines return to the run."""

    rows: object
    found: list
    suppressed: list
    stats: dict
    signals: list
    models: list
    enabled: list
    precision: str
    cache: dict
    timings: dict


def check_partition(rows, options: CheckOptions, context, verdicts=None, progress=None) -> Part:
    """Score, check, fuse and route one partition of aligned rows (on this process or a Dask worker)."""
    from mtcheck import workflow
    from mtcheck.checks import findings_for
    from mtcheck.fuse import fuse
    from mtcheck.verdicts import false_alarm_test, note_suppressed, suppress

    timer = _Timer()
    sig = partition_signals(rows, options, context, progress, timer)
    rows, found = sig.rows, sig.found
    suppressed = []
    if verdicts is not None:
        found, suppressed = suppress(rows, found, verdicts)
    with timer.stage("fuse"):
        veto = false_alarm_test(rows, verdicts) if verdicts is not None and verdicts.false_alarms else None
        added = fuse(rows, findings_for(found), options.target_lang, veto=veto, vetoed=suppressed)
        # Notes (severity ok) have spoken through the explanation; they are no findings.
        found = sorted([item for item in found + added if not item[1].is_note],
                       key=lambda item: (item[0], -S.SEVERITY_RANK[item[1].severity], item[1].start))
    if suppressed:
        note_suppressed(rows, suppressed)
    if context.post_edits is not None:
        from mtcheck.postedit import post_edit_columns

        with timer.stage("post-edits"):
            post_edit_columns(rows, [context.post_edits[i] for i in rows.index])
    rows[S.ROUTE] = workflow.route_segments(rows, options.routing)
    rows[S.STATUS] = ""
    rows[S.EDITOR_NOTE] = ""
    rows = rows[S.ordered_columns(rows.columns)]
    return Part(rows, found, suppressed, sig.stats, sig.signals, sig.models, sig.enabled, sig.precision,
                sig.cache, timer.timings)


def prepare_context(context, options: CheckOptions, progress=None):
    """Encode the cross-lingual margin's pool once for the whole run (when that scorer runs)."""
    from mtcheck import cache, scorers

    cache.configure(options.cache)
    wanted = options.scorers or scorers.DEFAULT_SCORERS
    if "crosslingual" in wanted and context.pool_pairs and context.margin_pool is None:
        from mtcheck.embedders import embedder_for
        from mtcheck.scorers.crosslingual import pool_from_pairs
        from mtcheck.scorers.embedding import loader_with_progress

        embedder = embedder_for("src", options.target_lang, options.model, options.xmodel)
        texts = len({t for pair in context.pool_pairs for t in pair})
        advance = progress("cross-lingual margin pool", texts) if progress else None
        ctx = scorers.ScoreContext(progress=progress)
        context.margin_pool = pool_from_pairs(context.pool_pairs, embedder, advance,
                                              loader_with_progress(embedder, ctx))
    return context


class MemorySink:
    """Keeps every partition: the Python API's result (`run`)."""

    def __init__(self) -> None:
        self.parts: list = []

    def begin(self, total_rows: int) -> None:
        pass

    def add(self, part: Part) -> None:
        self.parts.append((part.rows, part.found, part.suppressed))

    def finish(self, summary: dict, tally) -> CheckResult:
        import pandas as pd

        frames = [rows for rows, _, _ in self.parts]
        segments = pd.concat(frames) if len(frames) > 1 else frames[0]
        segments = segments[S.ordered_columns(segments.columns)]
        return CheckResult(segments=segments, findings=[f for _, found, _ in self.parts for f in found],
                           suppressed=[f for _, _, s in self.parts for f in s], summary=summary)


def run(spec: InputSpec | None = None, options: CheckOptions | None = None, progress=None,
        frame=None, engine=None, sink=None, partition_rows: int | None = None):
    """Run every stage on the inputs named by `spec` (or on a ready DataFrame), a partition at a time.

    `engine` runs the partitions (mtcheck.engines: local by default, or Dask); `sink` receives them
    in order (default: kept in memory, and the CheckResult returned; the CLI's writes the report).
    """
    from mtcheck import workflow
    from mtcheck.engines import LocalEngine
    from mtcheck.fuse import fusion_version
    from mtcheck.partitions import PARTITION_ROWS, partitions
    from mtcheck.postedit import post_edit_summary, read_post_edits
    from mtcheck.verdicts import load_verdicts

    from dataclasses import replace

    from mtcheck.io.base import display_path

    options = options or CheckOptions()
    _check_fluency_option(options)
    # Inputs are named in the report as the user would name them to a colleague (issue 27).
    spec = spec.displayed() if spec is not None else None
    options = replace(options, verdicts=display_path(options.verdicts), post_edits=display_path(options.post_edits))
    partition_rows = partition_rows or PARTITION_ROWS
    timer = _Timer()
    # Files that only matter at the end are read first, so a mistake in them fails fast.
    verdicts = load_verdicts(options.verdicts) if options.verdicts else None
    post_edits = read_post_edits(options.post_edits) if options.post_edits else None
    run_input, context = _survey_run(spec, frame, options, partition_rows, post_edits, progress, timer)
    engine = engine or LocalEngine()
    sink = sink if sink is not None else MemorySink()
    sink.begin(context.rows)
    totals = _Totals()
    for part in engine.map(partitions(run_input, partition_rows), options, context, verdicts, progress):
        totals.add(part, timer)
        sink.add(part)
    tally = totals.tally
    summary = build_summary(run_input, tally, _corpus_scores(totals.stats, options, context),
                            totals.signals + ["checks"], totals.models, options, totals.first.enabled,
                            fusion_version(), timer.timings, context.source_lang)
    summary["options"]["precision"] = totals.first.precision
    summary["cache"] = totals.cache
    summary["engine"] = engine.describe(context.partitions)
    summary["routes"] = workflow.route_counts(tally.routes.elements(), options.routing)
    if verdicts is not None:
        summary["verdicts"] = verdicts.summary(totals.suppressed)
    if post_edits is not None:
        summary["post_edits"] = post_edit_summary(tally.post_edit, options.post_edits)
    if options.gate is not None and options.gate.active:
        summary["gate"] = workflow.evaluate_gate(tally, options.gate).as_dict()
    return sink.finish(summary, tally)


def _survey_run(spec, frame, options, partition_rows, post_edits, progress, timer):
    """Open the input and run the survey pass: the input as re-readable blocks, and the RunContext."""
    from mtcheck.errors import InputError
    from mtcheck.partitions import open_run, survey
    from mtcheck.postedit import check_post_edit_count

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
    if post_edits is not None:
        check_post_edit_count(post_edits, context.rows, options.post_edits)
        context.post_edits = post_edits
    with timer.stage("margin pool"):
        prepare_context(context, options, progress)
    return run_input, context


class _Totals:
    """What the run keeps of its partitions for summary.json: counts, corpus statistics, models, timings."""

    def __init__(self) -> None:
        from mtcheck.tally import Tally

        self.tally, self.stats, self.signals, self.models = Tally(), {}, [], []
        self.first: Part | None = None
        self.cache, self.suppressed = {"hits": 0, "misses": 0}, 0

    def add(self, part: Part, timer: _Timer) -> None:
        self.first = self.first or part
        self.tally.add(part.rows, part.found)
        for key, value in part.stats.items():
            self.stats.setdefault(key, []).append(value)
        self.signals += [s for s in part.signals if s not in self.signals]
        self.models += [m for m in part.models if m not in self.models]
        for stage, seconds in part.timings.items():  # summed over partitions (over workers, with Dask)
            timer.timings[stage] = round(timer.timings.get(stage, 0.0) + seconds, 4)
        self.cache = {**part.cache, "hits": self.cache["hits"] + part.cache["hits"],
                      "misses": self.cache["misses"] + part.cache["misses"]}
        self.suppressed += len(part.suppressed)


def _corpus_scores(stats: dict, options: CheckOptions, context) -> list[dict]:
    """Corpus-level scores of the whole run, from the partitions' per-segment statistics in run order."""
    import numpy as np

    from mtcheck import scorers
    from mtcheck.engines import release_memory

    ctx = scorers.ScoreContext(target_lang=options.target_lang, ter=options.ter, max_refs=context.max_refs)
    def join(tables: list):
        # Each partition's table is freed as it is copied in: a million rows' chrF++ statistics are
        # 96 MB, and the partitions' copies beside the joined one would be the run's peak.
        out = np.empty((sum(len(t) for t in tables), tables[0].shape[1]), dtype=tables[0].dtype)
        at = 0
        while tables:
            table = tables.pop(0)
            out[at:at + len(table)] = table
            at += len(table)
            if len(tables) % 16 == 0:
                release_memory()  # the freed tables' pages go back to the system as we go
        return out

    by_scorer: dict = {}
    for name, *key in list(stats):
        by_scorer.setdefault(name, {})[tuple(key)] = join(stats.pop((name, *key)))
    out = []
    for name, tables in by_scorer.items():
        hook = scorers.corpus_hook(name)
        if hook is not None:
            out += hook(tables, ctx)
    return out


def build_summary(run_input, tally, corpus_scores, signals, models, options, enabled, fusion, timings,
                  source_lang=None) -> dict:
    return {
        "tool": "mtcheck",
        "version": __version__,
        "schema_version": S.SCHEMA_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "name": run_input.name,
        "inputs": run_input.inputs,
        "segments": int(tally.segments),
        "flagged": int(tally.flagged),
        "quality_mean": round(float(tally.quality_mean), 2),
        "severity_counts": dict(tally.severity_counts),
        "check_findings": dict(tally.check_findings.most_common()),
        "check_segments": dict(tally.check_segments.most_common()),
        "corpus_scores": corpus_scores,
        "signals": list(dict.fromkeys(signals)),
        # Which signals each row's quality rests on (a row without a reference uses fewer).
        "signals_per_row": dict(tally.signals_per_row.most_common()),
        "fusion": fusion,
        "models": models,
        "options": {"target_lang": options.target_lang, "source_lang": source_lang, "checks": enabled,
                    "model": options.model, "xmodel": options.xmodel, "fluency": options.fluency,
                    "ter": options.ter, "lm_ref": options.lm_ref},
        "timings_s": timings,
    }


def check(data=None, *, mt=None, src=None, refs=None, fmt="auto", columns=None, **options):
    """Python API: check MT and return the segments DataFrame (the segments.csv columns).

    `data` is a path (table, document or corpus folder), a list of paths
    (line-aligned MT files, one system each, like repeated -t), or a pandas
    DataFrame with an `mt` column; or give `mt=` (a path or a list of paths),
    `src=` and `refs=` for line-aligned files. Keyword `options` are
    CheckOptions fields: target_lang, source_lang, model, xmodel, checks,
    scorers, fluency ("auto", "on", "off"), ter, lm_ref, precision ("auto", "fp32", "onnx",
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

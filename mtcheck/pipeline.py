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
    xsim_ref: bool = False               # also the cross-lingual MT<->reference cosine (scripts/train_quality.py)
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
    """Everything the stages before fusion produced."""

    rows: object                          # aligned DataFrame with every scorer's columns
    found: list                           # [(row index, Finding)] from the rule checks
    corpus_scores: list
    signals: list
    models: list
    enabled: list
    source_lang: str | None
    precision: str = "auto"               # the language-model precision asked for (the engine is in `models`)
    cache: dict = field(default_factory=dict)  # the persistent cache's use in this run


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
    return [(i, replace(f, severity=settings[f.check]["severity"]) if "severity" in settings.get(f.check, {})
             else f) for i, f in found]


def collect_signals(loaded: Loaded, options: CheckOptions, progress=None, timer: _Timer | None = None) -> Signals:
    """Align, score and run the rule checks: the inputs of the fusion (scripts/train_quality.py trains on these)."""
    from mtcheck import align as align_mod
    from mtcheck import cache, scorers
    from mtcheck.checks import CheckContext, run_checks
    from mtcheck.runtime.smollm import requested_precision

    timer = timer or _Timer()
    if options.fluency not in ("auto", "on", "off"):
        raise UsageError(f"fluency must be auto, on or off, not '{options.fluency}'")
    precision = requested_precision(options.precision)
    store = cache.configure(options.cache)
    hits, misses = store.hits, store.misses
    with timer.stage("align"):
        rows = align_mod.align(loaded, options.target_lang, options.model, progress)
    ctx = scorers.ScoreContext(target_lang=options.target_lang, model=options.model, xmodel=options.xmodel,
                               fluency=options.fluency, ter=options.ter, lm_ref=options.lm_ref,
                               xsim_ref=options.xsim_ref,
                               precision=precision, progress=progress)
    corpus_scores, signals = [], []
    for name in options.scorers or scorers.DEFAULT_SCORERS:
        with timer.stage(f"score:{name}"):
            result = scorers.get(name)(rows, ctx)
        for col in result.columns.columns:
            rows[col] = result.columns[col]
        corpus_scores.extend(result.corpus)
        signals.extend(result.signals)

    with timer.stage("checks"):
        enabled = enabled_checks(options)
        advance = progress("rule checks", len(enabled) * len(rows)) if progress else None
        source_lang = options.source_lang
        if source_lang is None and S.SRC in rows.columns:
            from mtcheck.checks.language import infer_source_language
            source_lang = infer_source_language(rows[S.SRC].tolist())
        found = run_checks(rows, enabled, advance,
                           CheckContext(target_lang=options.target_lang, source_lang=source_lang))
        found = _override_severities(found, options.check_settings or {})
    cache_use = {"enabled": store.enabled, "path": str(store.path) if store.path else None,
                 "hits": store.hits - hits, "misses": store.misses - misses}
    return Signals(rows, found, corpus_scores, signals, ctx.models_used, enabled, source_lang, precision, cache_use)


def run(spec: InputSpec | None = None, options: CheckOptions | None = None, progress=None,
        frame=None) -> CheckResult:
    """Run every stage on the inputs named by `spec` (or on a ready DataFrame)."""
    from mtcheck import io as io_mod
    from mtcheck import workflow
    from mtcheck.checks import findings_for
    from mtcheck.fuse import fuse, fusion_version
    from mtcheck.postedit import read_post_edits, score_post_edits
    from mtcheck.verdicts import false_alarm_test, load_verdicts, note_suppressed, suppress

    options = options or CheckOptions()
    timer = _Timer()
    # Files that only matter at the end are read first, so a mistake in them fails fast.
    verdicts = load_verdicts(options.verdicts) if options.verdicts else None
    post_edits = read_post_edits(options.post_edits) if options.post_edits else None
    with timer.stage("load"):
        loaded = _from_dataframe(frame) if frame is not None else io_mod.load(spec)
    sig = collect_signals(loaded, options, progress, timer)
    rows, found = sig.rows, sig.found
    suppressed = []
    if verdicts is not None:
        found, suppressed = suppress(rows, found, verdicts)
    with timer.stage("fuse"):
        veto = false_alarm_test(rows, verdicts) if verdicts is not None and verdicts.false_alarms else None
        added = fuse(rows, findings_for(found), options.target_lang, veto=veto, vetoed=suppressed)
        found = sorted(found + added,
                       key=lambda item: (item[0], -S.SEVERITY_RANK[item[1].severity], item[1].start))
    if suppressed:
        note_suppressed(rows, suppressed)
    if post_edits is not None:
        with timer.stage("post-edits"):
            pe_summary = score_post_edits(rows, post_edits, options.post_edits)
    rows[S.ROUTE] = workflow.route_segments(rows, options.routing)
    rows[S.STATUS] = ""
    rows[S.EDITOR_NOTE] = ""
    rows = rows[S.ordered_columns(rows.columns)]

    summary = build_summary(loaded, rows, found, sig.corpus_scores, sig.signals + ["checks"], sig.models,
                            options, sig.enabled, fusion_version(), timer.timings, sig.source_lang)
    summary["options"]["precision"] = sig.precision
    summary["cache"] = sig.cache
    summary["routes"] = workflow.route_counts(rows[S.ROUTE], options.routing)
    if verdicts is not None:
        summary["verdicts"] = verdicts.summary(len(suppressed))
    if post_edits is not None:
        summary["post_edits"] = pe_summary
    if options.gate is not None and options.gate.active:
        summary["gate"] = workflow.evaluate_gate(rows, options.gate).as_dict()
    return CheckResult(segments=rows, findings=found, summary=summary, suppressed=suppressed)


def build_summary(loaded, rows, found, corpus_scores, signals, models, options, enabled, fusion, timings,
                  source_lang=None) -> dict:
    from collections import Counter

    per_check = Counter(f.check for _, f in found)
    seg_per_check = Counter(c for cell in rows[S.CHECKS] for c in cell.split(";") if c)
    severity_counts = {s: int((rows[S.SEVERITY] == s).sum()) for s in S.SEVERITIES}
    return {
        "tool": "mtcheck",
        "version": __version__,
        "schema_version": S.SCHEMA_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "name": loaded.name,
        "inputs": loaded.inputs,
        "segments": int(len(rows)),
        "flagged": int(rows[S.FLAGGED].sum()),
        "quality_mean": round(float(rows[S.QUALITY].mean()), 2),
        "severity_counts": severity_counts,
        "check_findings": dict(per_check.most_common()),
        "check_segments": dict(seg_per_check.most_common()),
        "corpus_scores": corpus_scores,
        "signals": list(dict.fromkeys(signals)),
        # Which signals each row's quality rests on (a row without a reference uses fewer).
        "signals_per_row": dict(Counter(rows[S.SIGNALS]).most_common()),
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

"""What a run hands on: each checked partition (`Part`), the Python API's result (`CheckResult`, kept by
`MemorySink`), and the run's totals and summary.json (`Totals`, `build_summary`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from mtcheck import schema as S


class Timer:
    """Seconds per named stage, for summary.json's `timings_s`."""

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


@dataclass
class Part:
    """One partition, checked: what the engines return to the run."""

    rows: object
    found: list
    suppressed: list
    stats: dict
    signals: list
    models: list
    cache: dict
    timings: dict


@dataclass
class CheckResult:
    segments: object                      # pandas.DataFrame in contract column order
    findings: list = field(default_factory=list)  # [(row index, Finding)]
    suppressed: list = field(default_factory=list)  # [(row index, Finding)] hidden by editors' verdicts
    summary: dict = field(default_factory=dict)


class MemorySink:
    """Keeps every partition: the Python API's result (`mtcheck.pipeline.run`)."""

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


class Totals:
    """What the run keeps of its partitions for summary.json: counts, corpus statistics, models, timings."""

    def __init__(self, timer: Timer) -> None:
        from mtcheck.run.tally import Tally

        self.tally, self.stats, self.signals, self.models = Tally(), {}, [], []
        self.timer = timer
        self.cache, self.suppressed = {"hits": 0, "misses": 0}, 0

    def add(self, part: Part) -> None:
        self.tally.add(part.rows, part.found)
        for key, value in part.stats.items():
            self.stats.setdefault(key, []).append(value)
        self.signals += [s for s in part.signals if s not in self.signals]
        self.models += [m for m in part.models if m not in self.models]
        for stage, seconds in part.timings.items():  # summed over partitions (over workers, with Dask)
            self.timer.timings[stage] = round(self.timer.timings.get(stage, 0.0) + seconds, 4)
        self.cache = {**part.cache, "hits": self.cache["hits"] + part.cache["hits"],
                      "misses": self.cache["misses"] + part.cache["misses"]}
        self.suppressed += len(part.suppressed)
        self.tally.suppressed_checks.update(f.check for _, f in part.suppressed)

    def corpus_scores(self, options, context) -> list[dict]:
        """Corpus-level scores of the whole run, from the partitions' per-segment statistics in run order."""
        import numpy as np

        from mtcheck import scorers
        from mtcheck.run.engines import release_memory

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
        for name, *key in list(self.stats):
            by_scorer.setdefault(name, {})[tuple(key)] = join(self.stats.pop((name, *key)))
        out = []
        for name, tables in by_scorer.items():
            hook = scorers.corpus_hook(name)
            if hook is not None:
                out += hook(tables, ctx)
        return out


def build_summary(run_input, totals: Totals, options, context, engine) -> dict:
    """summary.json, but for the editorial parts (`mtcheck.editorial.desk.Editorial.summarise` adds them)."""
    from mtcheck._version import __version__
    from mtcheck.io.spool import display_name
    from mtcheck.quality.calibration import calibrated_params
    from mtcheck.quality.fusion import fusion_version

    tally = totals.tally
    return {
        "tool": "mtcheck",
        "version": __version__,
        "schema_version": S.SCHEMA_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "name": run_input.name,
        # A stream read through a temporary copy (io/spool.py) is named as the user named it.
        "inputs": [{**i, "path": display_name(i.get("path"))} for i in run_input.inputs],
        "segments": int(tally.segments),
        "flagged": int(tally.flagged),
        "quality_mean": round(float(tally.quality_mean), 2),
        "severity_counts": dict(tally.severity_counts),
        "check_findings": dict(tally.check_findings.most_common()),
        "check_segments": dict(tally.check_segments.most_common()),
        "corpus_scores": totals.corpus_scores(options, context),
        "signals": list(dict.fromkeys(totals.signals + ["checks"])),
        # Which signals each row's quality rests on (a row without a reference uses fewer).
        "signals_per_row": dict(tally.signals_per_row.most_common()),
        "fusion": fusion_version(calibrated_params(options.calibration)),
        "models": totals.models,
        "options": {"target_lang": options.target_lang, "source_lang": context.source_lang,
                    "checks": list(options.checks), "model": options.model, "xmodel": options.xmodel,
                    "fluency": options.fluency, "ter": options.ter, "lm_ref": options.lm_ref,
                    "xsim_margin": options.xsim_margin, "precision": options.precision,
                    "row_languages": options.row_languages},
        "timings_s": totals.timer.timings,
        "cache": totals.cache,
        "engine": engine.describe(context.partitions),
    }

"""Stage 3, score: one module per signal (sacrebleu metrics, embeddings, fluency, `--lm-ref`).
May import `models`, `io`, `schema` and `errors`; never checks, quality or anything above.

Scorers: one module per signal behind a small registry.

A scorer works on the whole batch: it takes the aligned DataFrame and returns
new columns (NaN where its inputs are missing), plus optional corpus-level
scores. Heavy libraries are imported inside the module that needs them, and
the module is imported only when the scorer runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from mtcheck.errors import UsageError


@dataclass
class ScoreContext:
    """Options every scorer may read."""

    target_lang: str = "en"
    model: str | None = None          # sentence-transformers name or path for MT<->ref similarity
    xmodel: str | None = None         # cross-lingual model for src<->MT similarity (default: packaged USE)
    fluency: str = "auto"             # auto: rows without a reference; on: every row; off
    ter: bool = False                 # sentence and corpus TER are opt-in: sacrebleu's TER is slow
    lm_ref: bool = False              # MT-given-reference likelihood (scorers/lmref.py), opt-in: slow
    xsim_ref: bool = False            # MT<->reference cosine under the cross-lingual encoder (training feature)
    xsim_margin: bool = True          # the margin over other rows' pairs (False skips it: no fusion head reads it)
    adapters: bool = True             # the quality adapters trained here (mtcheck/data/adapters/); False skips them
    adapter_ref: bool = False         # also the (MT, reference) adapter, `xenc_ref` (--adapter; no head reads it)
    precision: str | None = None      # language-model engine: auto, fp32, onnx, int8 (runtime/smollm.py)
    max_refs: int | None = None       # most references any row of the whole run has (None: this frame's)
    margin_pool: object | None = None  # scorers/crosslingual.py MarginPool of the whole run (None: this frame's)
    progress: object | None = None    # callable(stage, total) -> advance(n); see mtcheck.run.progress
    models_used: list[dict] = field(default_factory=list)


@dataclass
class ScoreResult:
    columns: object                   # pandas.DataFrame indexed like the input
    corpus: list[dict] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)
    # Additive per-segment statistics for corpus-level scores, {(system, column): rows x stats array}:
    # partitions of a run each return theirs and the module's `corpus_scores_from_stats(stats, ctx)`
    # scores their concatenation (issue 14).
    stats: dict = field(default_factory=dict)


# name -> "module:function". The function takes (frame, ctx) and returns ScoreResult.
REGISTRY = {
    "sacrebleu": "mtcheck.scorers.sacrebleu_metrics:score",
    "embedding": "mtcheck.scorers.embedding:score",
    "xenc": "mtcheck.scorers.xenc:score",
    "crosslingual": "mtcheck.scorers.crosslingual:score",
    "fluency": "mtcheck.scorers.fluency:score",
    "lmref": "mtcheck.scorers.lmref:score",
}
DEFAULT_SCORERS = ("sacrebleu", "embedding", "crosslingual", "fluency", "xenc", "lmref")


def get(name: str):
    if name not in REGISTRY:
        raise UsageError(f"unknown scorer '{name}'", hint=f"known: {', '.join(REGISTRY)}")
    module, func = REGISTRY[name].split(":")
    return getattr(importlib.import_module(module), func)


def corpus_hook(name: str):
    """The scorer's `corpus_scores_from_stats(stats, ctx)`, or None when it has no corpus-level score."""
    module = importlib.import_module(REGISTRY[name].split(":")[0])
    return getattr(module, "corpus_scores_from_stats", None)


def has_text(frame, column: str):
    """Boolean mask: rows where `column` exists and holds non-blank text."""
    if column not in frame.columns:
        import pandas as pd
        return pd.Series(False, index=frame.index)
    return frame[column].fillna("").astype(str).str.strip() != ""

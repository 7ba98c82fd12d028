"""The (MT, reference) cross-encoder trained here (mtcheck/models/adapters.py, `mt-ref`): `xenc_ref`.

English targets with a reference only: the adapter was trained on English-target MQM judgments. The
score is higher for a better translation; it is on the scale of its training target (a normal score of
the MQM rank within a test set), so 0 is a translation of middling quality. Each (MT, reference) pair is
scored once per run and kept in the persistent cache.
"""

from __future__ import annotations

from mtcheck import schema as S
from mtcheck.scorers import ScoreContext, ScoreResult, has_text


def applies(target_lang: str) -> bool:
    from mtcheck.languages import base
    from mtcheck.models.adapters import available

    return base(target_lang or "en") == "en" and available("mt-ref")


def pair_scores(model, pairs: list[tuple[str, str]], progress=None) -> list[float]:
    """The adapter `model`'s score of each (MT, reference) pair, each distinct pair scored once and cached."""
    from mtcheck.models import cache

    advance = progress("quality adapter (mt-ref)", len(set(pairs))) if progress else None

    def compute(missing):
        return [[s] for s in model.score([m for m, _ in missing], [r for _, r in missing], advance)]

    def load():
        loading = progress("loading the quality adapter", 1) if progress else None
        model.load()
        if loading:
            loading(1)

    scored = cache.cached(f"{model.cache_id}/v1", pairs, compute, load, advance)
    return [float(scored[p][0]) for p in pairs]


def score(frame, ctx: ScoreContext) -> ScoreResult:
    import numpy as np
    import pandas as pd

    from mtcheck.models.adapters import get_cross_encoder

    out = pd.DataFrame(index=frame.index)
    mask = has_text(frame, S.REF) & has_text(frame, S.MT)
    if not mask.any() or not ctx.adapters or not applies(ctx.target_lang):
        return ScoreResult(columns=out)
    model = get_cross_encoder("mt-ref")
    pairs = list(zip(frame.loc[mask, S.MT].astype(str), frame.loc[mask, S.REF].astype(str)))
    values = np.full(len(frame), np.nan)
    values[frame.index.get_indexer(frame.index[mask])] = pair_scores(model, pairs, ctx.progress)
    out[S.XENC_REF] = values
    ctx.models_used.append({"role": "mt-ref quality adapter", **model.describe()})
    return ScoreResult(columns=out, signals=[S.XENC_REF])

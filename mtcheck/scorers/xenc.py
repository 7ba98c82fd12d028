"""The quality adapters trained here (mtcheck/models/adapters.py): `xenc_ref` and `xenc_mt`.

* `xenc_ref`, the `mt-ref` (MT, reference) cross-encoder: English targets with a reference, with
  `--adapter` only (no quality head reads it: docs/adapters.md).
* `xenc_mt`, the `mt-only` regressor on SmolLM2: English targets, the MT alone, on the rows without a
  reference that the language model reads (scorers/fluency.py's rule; none with `--fluency off`),
  because it is the language model with a LoRA. It runs by default there: the English heads without a
  reference read it (training/eval_adapter_mt.py), and no head with a reference does.

Both were trained on English-target judgments; their scores are on the scale of the training target (a
normal score of the judgment's rank within a test set), so 0 is a translation of middling quality and
higher is better. Each distinct input is scored once per run and kept in the persistent cache.
"""

from __future__ import annotations

from mtcheck import schema as S
from mtcheck.scorers import ScoreContext, ScoreResult, has_text


def applies(target_lang: str, name: str = "mt-ref") -> bool:
    from mtcheck.languages import base
    from mtcheck.models.adapters import available

    return base(target_lang or "en") == "en" and available(name)


def pair_scores(model, pairs: list[tuple[str, ...]], progress=None) -> list[float]:
    """The adapter `model`'s score of each input (an (MT, reference) pair or an (MT,) tuple), each distinct
    input scored once and cached."""
    from mtcheck.models import cache

    advance = progress(f"quality adapter ({model.name})", len(set(pairs))) if progress else None

    def compute(missing):
        return [[s] for s in model.score(*(list(c) for c in zip(*missing)), advance=advance)]

    def load():
        loading = progress("loading the quality adapter", 1) if progress else None
        model.load()
        if loading:
            loading(1)

    scored = cache.cached(f"{model.cache_id}/v1", pairs, compute, load, advance)
    return [float(scored[p][0]) for p in pairs]


def _column(frame, mask, columns: list[str], name: str, ctx: ScoreContext):
    import numpy as np

    from mtcheck.models.adapter_pool import get_adapter

    model = get_adapter(name)
    inputs = list(zip(*(frame.loc[mask, c].astype(str) for c in columns)))
    values = np.full(len(frame), np.nan)
    values[frame.index.get_indexer(frame.index[mask])] = pair_scores(model, inputs, ctx.progress)
    ctx.models_used.append({"role": f"{name} quality adapter", **model.describe()})
    return values


def score(frame, ctx: ScoreContext) -> ScoreResult:
    import pandas as pd

    from mtcheck.scorers.fluency import fluency_rows

    out = pd.DataFrame(index=frame.index)
    signals = []
    if not ctx.adapters:
        return ScoreResult(columns=out)
    with_ref = has_text(frame, S.REF) & has_text(frame, S.MT)
    if ctx.adapter_ref and with_ref.any() and applies(ctx.target_lang, "mt-ref"):
        out[S.XENC_REF] = _column(frame, with_ref, [S.MT, S.REF], "mt-ref", ctx)
        signals.append(S.XENC_REF)
    # Where the language model runs and no reference is there: only the heads without a reference read it
    # (with `--fluency on`, rows with a reference would pay 0.6x the language model's time for nothing).
    alone = fluency_rows(frame, ctx) & ~has_text(frame, S.REF)
    if alone.any() and applies(ctx.target_lang, "mt-only"):
        out[S.XENC_MT] = _column(frame, alone, [S.MT], "mt-only", ctx)
        signals.append(S.XENC_MT)
    return ScoreResult(columns=out, signals=signals)

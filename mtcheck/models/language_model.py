"""The SmolLM2 language model as scorers use it: `LanguageModel`, loaded on first use, one per process and
precision (`get_model`), with token log-probabilities and conditional scores.

Loading, the engines, the choice between them, the tokenizer and the length-sorted batching are in
mtcheck/models/smollm.py.
"""

from __future__ import annotations

from mtcheck.models.cpu import release_memory
from mtcheck.models.smollm import MAX_TOKENS, MODEL_ID, MODEL_NAME, Tokenizer, _converted, _run_batches, cache_dir, \
    requested_precision
from mtcheck.models.smollm_engines import _open, choose_engine
from mtcheck.models.smollm_torch import SharedPrefixRunner, TorchRunner


class LanguageModel:
    """SmolLM2-135M on one engine, loaded on first use."""

    def __init__(self, precision: str | None = None) -> None:
        self.precision = requested_precision(precision)
        self.engine: str | None = None
        self.tokenizer: Tokenizer | None = None
        self._runner = None
        self._prefix_runner: SharedPrefixRunner | None = None
        self._library: str | None = None        # what ran, kept when the runner is released
        self._conditional: str | None = None

    @property
    def loaded(self) -> bool:
        return self._runner is not None

    def load(self) -> "LanguageModel":
        if self._runner is None:
            runner = None
            engine = self.precision
            if engine == "auto":
                engine, runner = choose_engine()
            self.tokenizer = Tokenizer(_converted())
            self._runner = runner or _open(engine)
            self.engine = engine
            release_memory()
        return self

    @property
    def cache_id(self) -> str:
        """What a cached score depends on: the model and the engine's numerics.

        onnx and fp32 agree to 1e-4 nats, so they share cached scores; int8 does not."""
        return f"{MODEL_ID}/{'int8' if self.precision == 'int8' else 'fp32'}"

    def encode(self, texts: list[str]):
        """Token ids and character offsets of each text (no special tokens, truncated)."""
        self.load()
        return self.tokenizer.encode(texts)

    def token_logprobs(self, seqs: list[list[int]], scored_from: list[int] | None = None,
                       advance=None) -> list[list[float]]:
        """Log-probability of each sequence's tokens from position `scored_from[k]` on, in input order.

        A start token is put before every sequence, so its first token is predicted too."""
        self.load()
        scored_from = scored_from or [0] * len(seqs)
        keep = [k for k in range(len(seqs)) if len(seqs[k]) > scored_from[k]]
        out = _run_batches(self._runner, [[self.tokenizer.start_id] + seqs[k] for k in keep],
                           equal_lengths=self.engine == "int8", advance=advance)
        if advance and len(keep) < len(seqs):
            advance(len(seqs) - len(keep))
        results: list[list[float]] = [[] for _ in seqs]
        for k, lp in zip(keep, out):
            results[k] = lp[scored_from[k]:].tolist()
        return results

    def conditional(self, prefixes: list[str], targets: list[str], advance=None) -> list[float]:
        """Mean log-probability of each target's tokens after its prefix (the prefix is not scored).

        Each distinct prefix runs once and its KV cache serves every target after it
        (smollm.SharedPrefixRunner), on torch whatever engine scores fluency: fp32, or int8 when that
        precision was asked for. Every prefix must have text (lm_ref's prompt always does)."""
        if not targets:
            return []
        self.load_conditional()
        pre = self.tokenizer.encode(prefixes, MAX_TOKENS)[0]
        tgt = self.tokenizer.encode(targets, MAX_TOKENS)[0]
        start = self.tokenizer.start_id  # leads every sequence, as in token_logprobs
        scored = self._prefix_runner([[start, *p] for p in pre], tgt, advance)
        return [float(lp.mean()) if len(lp) else float("nan") for lp in scored]

    @property
    def prefix_loaded(self) -> bool:
        return self._prefix_runner is not None

    def load_conditional(self) -> "LanguageModel":
        """What `conditional` needs: the tokenizer and torch's model, not the fluency engine (which, on ONNX
        Runtime, would hold a second copy of the weights, issue 34)."""
        if self.tokenizer is None:
            self.tokenizer = Tokenizer(_converted())
        if self._prefix_runner is None:
            reuse = self._runner.module.model if isinstance(self._runner, TorchRunner) else None
            int8 = self.precision == "int8" or self.engine == "int8"
            self._prefix_runner = SharedPrefixRunner("int8" if int8 else "fp32", reuse)
            release_memory()
        return self

    def release(self, runner: bool = True, prefix: bool = True) -> None:
        """Drop the fluency engine (`runner`) and/or lm_ref's torch model (`prefix`); they load again when
        next needed. What describe() says stays: it names what scored this partition."""
        if runner and self._runner is not None:
            self._library = self._runner.library()
            self._runner = None
        if prefix and self._prefix_runner is not None:
            self._conditional = self._prefix_runner.library()
            self._prefix_runner = None

    def describe(self) -> dict:
        """Name, path, engine and library; a model that every score came from the cache for was never loaded."""
        from mtcheck.models import path_label

        library = self._runner.library() if self._runner else self._library
        conditional = self._prefix_runner.library() if self._prefix_runner else self._conditional
        return {"name": MODEL_NAME, "path": path_label(cache_dir()), "precision": self.precision,
                "engine": self.engine or "none: scores from cache", "library": library or "scores from cache",
                **({"conditional": conditional} if conditional else {})}


def release_all(runner: bool = True, prefix: bool = True) -> None:
    """Release the engines of every language model this process built (LanguageModel.release)."""
    for precision in ("auto", "fp32", "onnx", "int8"):
        if precision in _BUILT:
            _BUILT[precision].release(runner, prefix)


_BUILT: dict[str, LanguageModel] = {}


def get_model(precision: str | None = None) -> LanguageModel:
    """The process's SmolLM2 for `precision` (None: $MTCHECK_PRECISION or auto), built once, loaded on first use."""
    return _get(requested_precision(precision))


def _get(precision: str) -> LanguageModel:
    if precision not in _BUILT:
        _BUILT[precision] = LanguageModel(precision)
    return _BUILT[precision]

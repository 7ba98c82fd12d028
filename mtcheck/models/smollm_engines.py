"""SmolLM2 on ONNX Runtime, and the measured choice between it and torch (see smollm.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from mtcheck.models.smollm import (MODEL_ID, ONNX_FILE, PROBE, TORCH_MARGIN, Tokenizer, _converted, _run_batches,
                                   cache_dir)
from mtcheck.models.smollm_torch import TorchRunner, _logprob_module, torch_model


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
        self.session = onnx.session(path, shapes_vary=True)
        self._shrink = onnx.shrinking_run()

    def __call__(self, input_ids, mask, shrink: bool = False):
        """`shrink`: give the arena's blocks back after this batch (onnx.shrinking_run)."""
        return self.session.run(None, {"input_ids": input_ids, "attention_mask": mask},
                                self._shrink if shrink else None)[0]

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
        # Each engine is dropped once measured and the winner opened again: two copies of the weights at
        # once doubled the first run's peak memory (issue 34); the second load costs seconds, once per CPU.
        del runner
        release_memory()
    engine = "onnx" if "onnx" in rates else "fp32"
    if "fp32" in rates and rates["fp32"] >= TORCH_MARGIN * rates.get("onnx", 0.0):
        engine = "fp32"
    if engine in rates:
        runners[engine] = _open(engine)
    records[key] = {"engine": engine, "segments_per_s": rates, "errors": errors, "cpu": cpu.description(),
                    "probe_segments": len(seqs), "measured": time.strftime("%Y-%m-%dT%H:%M:%S")}
    try:
        tmp = record_path.with_name(f"engine.json.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(records, indent=1))
        os.replace(tmp, record_path)
    except OSError:
        pass  # a read-only cache: the next run measures again
    return engine, runners.get(engine)

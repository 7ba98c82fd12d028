"""ONNX Runtime: export a torch module once into the cache, and open sessions on it.

Why ONNX Runtime: on the CPUs measured here its fp32 kernels ran SmolLM2
1.35x and MiniLM 1.2x faster than torch's, with the same scores (mean
difference 1e-4 nats, cosine 1e-6), and a run whose models are exported
already never imports torch (docs/speed.md, "Speed"). Its own int8 quantisation
(`quantize_dynamic`) was measured and not taken: it scales activations per
tensor, so on SmolLM2 scores moved 0.5 nats from fp32 and 0.4 nats with
batch-mates.

Exports are written to a temporary name and renamed, so two runs that export
at once never leave a half-written model behind.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

OPSET = 17


def available() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None


def version() -> str:
    from importlib.metadata import version as _version

    return _version("onnxruntime") if available() else ""


def export(module, example: tuple, path: Path, input_names: list[str], output_names: list[str],
           dynamic_axes: dict) -> Path:
    """Trace `module` on `example` and write it to `path` (atomically). Needs torch and onnx."""
    import warnings

    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer warnings about Python control flow we do not take
            torch.onnx.export(module.eval(), example, str(tmp), input_names=input_names,
                              output_names=output_names, dynamic_axes=dynamic_axes, opset_version=OPSET,
                              dynamo=False)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def session(path: Path):
    """An ONNX Runtime CPU session with every graph optimisation, on all cores."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = os.cpu_count() or 1
    options.log_severity_level = 3  # errors only: its warnings about unused initialisers are noise
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

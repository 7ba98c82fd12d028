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
           dynamic_axes: dict, rewrite=None) -> Path:
    """Trace `module` on `example` and write it to `path` (atomically), after `rewrite(path)` changed the
    traced graph in place if given. Needs torch and onnx."""
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
        if rewrite is not None:
            rewrite(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def share_tied_weights(path: Path) -> None:
    """Make a language model's output projection read the embedding matrix it is tied to.

    The tracer writes a tied weight twice: the embedding (vocabulary x hidden) for the Gather, and its
    transpose for the output MatMul, 113 MB more for SmolLM2 in the file and in memory. The MatMul becomes
    ONNX Runtime's FusedMatMul with transB=1 on the embedding itself. A graph without such a pair is
    left as it is."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    weights = {w.name: w for w in graph.initializer}
    gathers = [n for n in graph.node if n.op_type == "Gather" and n.input[0] in weights
               and len(weights[n.input[0]].dims) == 2]
    for gather in gathers:
        table = weights[gather.input[0]]
        vocab, hidden = table.dims
        for node in graph.node:
            other = weights.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
            if other is None or list(other.dims) != [hidden, vocab]:
                continue
            a, b = numpy_helper.to_array(table), numpy_helper.to_array(other)
            if not np.array_equal(a.T, b):
                continue
            fused = helper.make_node("FusedMatMul", [node.input[0], table.name], list(node.output), name=node.name,
                                     domain="com.microsoft", transB=1, alpha=1.0)
            graph.node.insert(list(graph.node).index(node), fused)
            graph.node.remove(node)
            graph.initializer.remove(other)
            if not any(o.domain == "com.microsoft" for o in model.opset_import):
                model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
            onnx.save(model, str(path))
            return


def session(path: Path, shapes_vary: bool = False):
    """An ONNX Runtime CPU session with every graph optimisation, on all cores.

    Weights are not pre-packed: MLAS would keep a packed copy of every MatMul's weights beside the
    original, which for SmolLM2 is another half gigabyte of resident memory; measured on 400 news
    segments, scoring took no longer without it (issue 34, docs/speed.md "Memory").

    `shapes_vary`: for the language models, whose batches change width at nearly every run. ONNX
    Runtime's memory pattern, planned for one input shape, is then only an extra block beside the arena:
    without it a lone 256-token sequence took 50 MB less, with the same scores and no loss of speed."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = os.cpu_count() or 1
    options.log_severity_level = 3  # errors only: its warnings about unused initialisers are noise
    options.add_session_config_entry("session.disable_prepacking", "1")
    # A measuring switch, not an option: without the arena a source-only run peaked at 1.67 GB instead of
    # about 1 GB, and grew across partitions just the same (docs/speed.md "Memory by mode").
    if os.environ.get("MTCHECK_NOARENA"):
        options.enable_cpu_mem_arena = False
    if shapes_vary:
        options.enable_mem_pattern = False
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def shrinking_run():
    """Run options that give the session arena's free blocks back when the run ends.

    The arena keeps every block it ever took, so a batch wider than all before it is served from new
    blocks beside the old ones. Shrinking after the run before such a batch keeps a language model's peak
    at its weights plus its widest batch. Not after every run: blocks taken again cost about 10% of the
    stage's time (docs/speed.md "Memory by mode")."""
    import onnxruntime as ort

    options = ort.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options


def shrink_before_growth(sizes: list[int]) -> list[bool]:
    """For batches of these sizes (padded tokens) in the order they run: whether to shrink the arena
    after each one, because the next is bigger than every batch before it."""
    flags, largest = [], 0
    for this, following in zip(sizes, sizes[1:] + [0]):
        largest = max(largest, this)
        flags.append(following > largest)
    return flags

"""Model runtimes and the persistent score cache: what scorers and alignment ask for vectors and scores.
May import `schema` and `errors` only.

Model runtimes: loading the packaged models and running them on the CPU at hand.

* `cpu`: what this CPU is, as a signature that keys cached decisions;
* `onnx`: exporting a torch module to ONNX once, into the cache, and opening
  ONNX Runtime sessions;
* `smollm`: the SmolLM2-135M language model (token log-probabilities), with
  its engines (ONNX Runtime fp32, torch fp32, torch int8) and the choice
  between them;
* `minilm`: the packaged all-MiniLM-L6-v2 sentence encoder on ONNX Runtime;
* `int8`: the W8A8 products of the torch int8 engine.

Scorers use these; they never load a model runtime themselves.
"""


def cache_root():
    """$XDG_CACHE_HOME/mtcheck (default ~/.cache/mtcheck): converted models and the score cache."""
    import os
    from pathlib import Path

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mtcheck"

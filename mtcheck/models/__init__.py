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


def path_label(path) -> str:
    """A model's place as the report and summary.json show it, free of this machine's layout: a model
    inside an installed package as `package/...` with `(packaged)`, one under the home folder with `~`,
    any other path as given. Two machines with the same packages then write the same label."""
    import os

    text = str(path)
    parts = text.replace(os.sep, "/").split("/")
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            return "/".join(parts[parts.index(marker) + 1:]) + " (packaged)"
    home = os.path.expanduser("~")
    if home not in ("", "/", "~") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home):]
    return text


# The models each scorer runs (pipeline.partition_signals releases what no later scorer needs).
SCORER_MODELS = {"embedding": {"encoders"}, "crosslingual": {"encoders"}, "fluency": {"lm"}, "lmref": {"lm-prefix"},
                 "xenc": {"adapters"}}
LANGUAGE_MODEL_SCORERS = ("fluency", "lmref")


def release_models(needed: set) -> None:
    """Release the loaded models not in `needed` ("encoders", "adapters", "lm": the fluency engine,
    "lm-prefix": lm_ref's torch model), then give freed memory back to the system.

    A run with the language model holds SmolLM2 (540 MB of weights, twice with --lm-ref: ONNX Runtime
    for fluency, torch for lm_ref's shared prefixes) beside the sentence encoders; held together they
    made a source-only run peak at 2.6 GB (issue 34). Each partition instead loads each model when its
    stage comes and releases it when no later stage of the partition needs it; a load costs a few
    seconds a partition. Modules that were never imported are not imported to be released.
    """
    import sys

    from mtcheck.models.cpu import release_memory

    embedders = sys.modules.get("mtcheck.models.embedders")
    if embedders is not None and "encoders" not in needed:
        embedders.release_all()
    adapters = sys.modules.get("mtcheck.models.adapter_pool")
    if adapters is not None and "adapters" not in needed:
        adapters.release_all()
    language_model = sys.modules.get("mtcheck.models.language_model")
    if language_model is not None:
        language_model.release_all(runner="lm" not in needed, prefix="lm-prefix" not in needed)
    release_memory()

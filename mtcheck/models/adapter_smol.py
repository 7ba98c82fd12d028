"""The `mt-only` adapter: SmolLM2-135M (the packaged fluency model) with a LoRA and a regression head that
reads the MT alone and says how it would be judged ("does this read like a garbled translation?").

Training builds `SmolRegressor` on torch (training/train_adapters.py); a run merges the LoRA into the base
with peft once and exports the regressor to ONNX into the cache, like the `mt-ref` adapter
(mtcheck/models/adapters.py, which holds the length buckets that make a text score the same in any
batch). SmolLM2 reads left to right and rows are padded on the right, so padding never reaches a real
token; the score is the mean of the last hidden states over the text's own tokens.
"""

from __future__ import annotations

import json
from pathlib import Path

from mtcheck.models.adapters import Adapter

PAD_TOKEN = "<|endoftext|>"


def smol_regressor_class():
    """SmolRegressor, defined when torch is imported (training and the one-time export need it)."""
    import torch
    from transformers.modeling_outputs import SequenceClassifierOutput

    class SmolRegressor(torch.nn.Module):
        """SmolLM2's transformer (no output projection) with a linear head on the mean of its last hidden
        states over the MT's tokens: one score per text, higher = better (the `mt-only` adapter)."""

        def __init__(self, base) -> None:
            super().__init__()
            self.base = base
            self.config = base.config
            self.score = torch.nn.Linear(base.config.hidden_size, 1)

        def forward(self, input_ids, attention_mask, labels=None, **_):
            hidden = self.base(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
            predicted = self.score(pooled).squeeze(-1)
            loss = torch.nn.functional.mse_loss(predicted, labels.to(predicted.dtype)) if labels is not None else None
            return SequenceClassifierOutput(loss=loss, logits=predicted)

        @classmethod
        def for_training(cls):
            """(a fresh regressor on the packaged SmolLM2, its tokenizer padding with the end token)."""
            from transformers import PreTrainedTokenizerFast

            from mtcheck.models.smollm import _converted
            from mtcheck.models.smollm_torch import torch_model

            tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(_converted() / "tokenizer.json"))
            tokenizer.pad_token = tokenizer.eos_token = PAD_TOKEN
            return cls(torch_model("fp32").model), tokenizer

    return SmolRegressor


class _SmolRegressorProxy:
    """`SmolRegressor.for_training()` without importing torch at module import."""

    def __getattr__(self, name):
        return getattr(smol_regressor_class(), name)


SmolRegressor = _SmolRegressorProxy()


class MtRegressor(Adapter):
    """score(mts) -> numpy array of the `mt-only` adapter's score per text, higher = better."""

    base_name = "SmolLM2-135M"

    def __init__(self, name: str = "mt-only", folder: Path | None = None) -> None:
        super().__init__(name, folder)
        recipe = json.loads((self.folder / "training.json").read_text(encoding="utf-8")).get("recipe", {})
        self.max_len = int(recipe.get("max_len", 96))  # the texts were cut here in training too

    def _open_tokenizer(self):
        from tokenizers import Tokenizer

        from mtcheck.models.smollm import _converted

        tokenizer = Tokenizer.from_file(str(_converted() / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=self.max_len)
        tokenizer.no_padding()
        self.pad_id = tokenizer.token_to_id(PAD_TOKEN) or 0
        return tokenizer

    def _export(self, path: Path) -> None:
        import torch
        from peft import PeftModel

        from mtcheck.models import onnx

        regressor, _ = SmolRegressor.for_training()
        merged = PeftModel.from_pretrained(regressor, str(self.folder)).merge_and_unload().eval()

        class Score(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = merged

            def forward(self, input_ids, attention_mask):
                return self.model(input_ids=input_ids, attention_mask=attention_mask).logits

        example = (torch.tensor([[504, 3458, 28, 0], [504, 3458, 28, 2115]]), torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]]))
        names = ["input_ids", "attention_mask"]
        onnx.export(Score(), example, path, names, ["score"],
                    {**{n: {0: "batch", 1: "tokens"} for n in names}, "score": {0: "batch"}})

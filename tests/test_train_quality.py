"""The quality model's training command (training/train_quality.py) and its data loader (mtcheck/evaluation/judgments.py).

tests/data/judgments/ holds real rows of shared/data/judgments: 25 source segments of each of
WMT21 news zh-en and TED zh-en (training) and WMT23 zh-en (held out), with their span files.
"""

import csv
import gzip
import shutil
import sys

import pandas as pd
import pytest

from conftest import DATA, ROOT
from mtcheck.errors import InputError
from mtcheck.evaluation.judgments import load_mqm_tables, read_table

JUDGMENTS = DATA / "judgments"
sys.path.insert(0, str(ROOT / "training"))


def _write(path, frame):
    frame.to_csv(path, sep="\t", quoting=csv.QUOTE_NONE, index=False)


def test_loader_joins_major_errors_from_span_files_and_holds_out_whole_test_sets():
    rows = load_mqm_tables(JUDGMENTS)
    assert set(rows["dataset"]) == {"mqm-google-wmt21-news/zh-en", "mqm-google-wmt21-ted/zh-en",
                                    "mqm-google-wmt23/zh-en"}
    assert rows.groupby("dataset")["held_out"].nunique().eq(1).all()  # never a row split
    assert rows.loc[rows["held_out"], "dataset"].unique().tolist() == ["mqm-google-wmt23/zh-en"]
    assert not rows["system"].str.lower().str.startswith("ref").any()
    # A row with a major error in its span file costs at least a major's 5 points (Google's weights).
    assert rows["has_major"].any() and (rows.loc[rows["has_major"], "mqm"] >= 5).all()
    # No source segment key is shared between test sets.
    assert rows.groupby("key")["dataset"].nunique().max() == 1


def test_missing_column_unknown_kind_and_bad_score_are_one_line_errors_naming_file_and_line(tmp_path):
    frame = read_table(JUDGMENTS / "mqm-google-wmt21-news.tsv.gz")
    _write(tmp_path / "no-ref.tsv", frame.drop(columns=["ref"]))
    with pytest.raises(InputError) as err:
        read_table(tmp_path / "no-ref.tsv")
    assert "no-ref.tsv:1: missing column(s) ref" in err.value.one_line()
    odd = frame.copy()
    odd.loc[3, "score_kind"] = "likert"
    _write(tmp_path / "odd.tsv", odd)
    with pytest.raises(InputError) as err:
        read_table(tmp_path / "odd.tsv")
    assert "odd.tsv:5: unknown score kind 'likert'" in err.value.one_line()
    bad = frame.copy()
    bad["score"] = bad["score"].astype(str)
    bad.loc[2, "score"] = "n/a"
    _write(tmp_path / "bad.tsv", bad)
    with pytest.raises(InputError, match="bad.tsv:4: score 'n/a' is not a number"):
        read_table(tmp_path / "bad.tsv")
    with gzip.open(tmp_path / "broken.tsv.gz", "wb") as out:
        out.write(b"")
    (tmp_path / "broken.tsv.gz").write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match="broken.tsv.gz:1: cannot read it"):
        read_table(tmp_path / "broken.tsv.gz")


def test_training_command_errors_name_the_folder_and_never_trace_back(tmp_path, capsys):
    from train_quality import main

    assert main(["--data", str(tmp_path / "nowhere")]) == 2
    assert "nowhere: no such judgments folder" in capsys.readouterr().err
    only_held = tmp_path / "held"
    only_held.mkdir()
    for name in ("mqm-google-wmt23.tsv.gz", "mqm-google-wmt23-spans.tsv.gz"):
        shutil.copy(JUDGMENTS / name, only_held / name)
    assert main(["--data", str(only_held)]) == 2
    assert "the split leaves no training or no held-out rows" in capsys.readouterr().err


def test_training_on_real_rows_is_reproducible_and_beats_chance_on_the_held_out_set(tmp_path, capsys):
    from train_quality import main

    out1, out2 = tmp_path / "a.json", tmp_path / "b.json"
    args = ["--data", str(JUDGMENTS), "--fluency-sources", "0", "--lmref-sources", "0"]
    assert main(args + ["--out", str(out1)]) == 0
    printed = capsys.readouterr().out
    assert "mqm-google-wmt23/zh-en — with reference" in printed and "| sentence chrF++ |" in printed
    from mtcheck.quality.fusion import load_params

    assert f"previous quality ({load_params()['version']}" in printed  # the shipped heads on the same rows
    assert not out1.exists()  # evaluation only, without --write
    # Only English targets are in the fixture: writing parameters without the other family is refused,
    # and the shipped file is untouched.
    assert main(args + ["--write", "--out", str(out2)]) == 2
    assert "no training rows for other targets" in capsys.readouterr().err and not out2.exists()
    # The same data gives the same heads.
    import quality_model
    from train_quality import HEAD_KEYS, dataset_features

    rows = load_mqm_tables(JUDGMENTS)
    parts = [pd.concat([f.reset_index(drop=True), dataset_features(d, f, 0).add_prefix("f_")], axis=1)
             for d, f in rows.groupby("dataset")]
    table = pd.concat(parts, ignore_index=True)
    train = table[~table["held_out"]]
    first, second = quality_model.fit_family(train, HEAD_KEYS), quality_model.fit_family(train, HEAD_KEYS)
    assert first == second and "ref+src" in first
    table["family"] = "en"
    result = quality_model.evaluate_heads(table[table["held_out"]], {"en": first})
    with_ref = next(r for r in result if r["kind"].startswith("with reference"))
    head = next(r for r in with_ref["table"] if r["signal"].startswith("head score"))
    assert head["grouped_tau"] > 0.05  # 25 unseen WMT23 sources: the head ranks their translations


def test_lm_ref_feature_scores_the_chosen_sources_rows_only_and_english_targets_only():
    import numpy as np

    from train_quality import fluency_sample, lmref_column

    rows = load_mqm_tables(JUDGMENTS)
    frame = rows[rows["dataset"] == "mqm-google-wmt21-ted/zh-en"].reset_index(drop=True)
    values = lmref_column(frame, 1)
    chosen = frame["key"].isin(fluency_sample(frame["key"], 1)).to_numpy()
    assert frame.loc[chosen, "key"].nunique() == 1 and chosen.sum() >= 5  # one source, all its systems
    assert np.isfinite(values[chosen]).all() and np.isnan(values[~chosen]).all()
    assert (values[chosen] < 0).all()  # mean log-probabilities
    # Where the MT is the reference itself, the likelihood is far higher than for any system's MT.
    copy = frame.loc[chosen].assign(mt=frame.loc[chosen, "ref"]).reset_index(drop=True)
    assert lmref_column(copy, 1).min() >= values[chosen].max()
    assert np.isnan(lmref_column(frame.assign(lp="zh-de"), 1)).all()  # no English language model


def test_a_damaged_span_file_is_a_one_line_error(tmp_path):
    for name in ("mqm-google-wmt23.tsv.gz",):
        shutil.copy(JUDGMENTS / name, tmp_path / name)
    spans = pd.read_csv(JUDGMENTS / "mqm-google-wmt23-spans.tsv.gz", sep="\t", quoting=csv.QUOTE_NONE, dtype=str)
    _write(tmp_path / "mqm-google-wmt23-spans.tsv.gz", spans.drop(columns=["severity"]))
    with pytest.raises(InputError, match="mqm-google-wmt23-spans.tsv.gz:1: missing column.s. severity"):
        load_mqm_tables(tmp_path)


def test_merging_named_heads_replaces_them_and_their_copies_and_keeps_the_rest(tmp_path, capsys):
    import json

    from train_quality import main, merge_heads

    out = tmp_path / "fusion.json"
    shipped = {"version": "mqm-ranknet-4", "heads": {
        "en": {"ref+src": {"id": "old en ref+src"}, "src": {"id": "old en src"}},
        "other": {"ref+src": {"id": "old"}, "ref+src+lmref": {"id": "old"}, "ref": {"id": "old ref"}}}}
    out.write_text(json.dumps(shipped), encoding="utf-8")
    trained_ref_src = {"id": "new other ref+src"}
    heads = {"en": {"ref+src": {"id": "new en ref+src"}, "src": {"id": "new en src"}},
             "other": {"ref+src": trained_ref_src, "ref": {"id": "new ref"}, "ref+src+lmref": trained_ref_src}}
    copied = {"en": {}, "other": {"ref+src+lmref": trained_ref_src}}
    params = merge_heads(out, heads, copied, "en:ref+src, other:ref+src", {"fitted_on": ["a"], "held_out": ["b"]})
    assert params["version"] == "mqm-ranknet-5"
    assert params["heads"]["en"] == {"ref+src": {"id": "new en ref+src"}, "src": {"id": "old en src"}}
    # German's lm-ref key is a copy of its ref+src head, so it follows it; "ref" was not named.
    assert params["heads"]["other"] == {"ref+src": trained_ref_src, "ref+src+lmref": trained_ref_src,
                                        "ref": {"id": "old ref"}}
    assert params["replaced"]["heads"] == {"en": ["ref+src"], "other": ["ref+src", "ref+src+lmref"]}
    # A head that does not exist is refused before any training, and --heads needs an existing --out.
    assert main(["--heads", "en:ref+nothing", "--write", "--out", str(out)]) == 2
    assert "'en:ref+nothing' is not a head" in capsys.readouterr().err
    assert main(["--heads", "en:src", "--out", str(out)]) == 2
    assert "give --write" in capsys.readouterr().err
    # An --out that is not a parameter file is refused before training, and left as it was.
    (tmp_path / "notes.json").write_text('{"heads": []}', encoding="utf-8")
    assert main(["--heads", "en:src", "--write", "--out", str(tmp_path / "notes.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "notes.json: not a parameter file" in err
    assert (tmp_path / "notes.json").read_text(encoding="utf-8") == '{"heads": []}'


def test_fresh_check_bad_inputs_are_one_line_errors_naming_the_file(tmp_path, capsys):
    from fresh_check import TABLE, main

    assert main(["--data", str(tmp_path), "--trained", str(tmp_path / "none.json")]) == 2
    assert f"{TABLE}.tsv.gz: no such judgments file" in capsys.readouterr().err
    rows = read_table(JUDGMENTS / "mqm-google-wmt21-news.tsv.gz").head(3).assign(score_kind="mqm_norm")
    _write(tmp_path / f"{TABLE}.tsv.gz", rows)
    assert main(["--data", str(tmp_path), "--trained", str(tmp_path / "none.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "none.json: cannot read it (FileNotFoundError)" in err
    (tmp_path / "odd.json").write_text('{"version": "x"}', encoding="utf-8")
    assert main(["--data", str(tmp_path), "--trained", str(tmp_path / "odd.json")]) == 2
    assert "odd.json: not a parameter file" in capsys.readouterr().err

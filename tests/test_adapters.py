"""The `mt-ref` quality adapter shipped in mtcheck/data/adapters/ (issue 36), on real TED MT with its references.

Its figures on the held-out judgments are training/eval_adapter.py's (docs/evaluation.md); here, what a
user relies on: the score is the same whatever the batch, it orders a translation above an unrelated
one, and a run puts it in `xenc_ref` only where it applies (English targets with a reference).
"""

import numpy as np
import pandas as pd
import pytest

from conftest import DATA
from mtcheck.models.adapters import CrossEncoder, available

pytestmark = pytest.mark.skipif(not available("mt-ref"), reason="no mt-ref adapter in mtcheck/data/adapters/")


@pytest.fixture(scope="module")
def ted():
    rows = pd.read_csv(DATA / "ted-zh-en-40.tsv", sep="\t", dtype=str, keep_default_na=False)
    return rows[(rows["mt"] != "") & (rows["ref"] != "")].reset_index(drop=True)


@pytest.fixture(scope="module")
def model():
    return CrossEncoder("mt-ref").load()


def test_a_pair_scores_the_same_alone_and_in_any_batch(ted, model):
    mts, refs = ted["mt"].tolist(), ted["ref"].tolist()
    together = model.score(mts, refs)
    alone = np.array([model.score([m], [r])[0] for m, r in zip(mts, refs)])
    order = np.random.default_rng(7).permutation(len(mts))
    shuffled = model.score([mts[k] for k in order], [refs[k] for k in order])
    assert np.array_equal(together, alone)
    assert np.array_equal(together[order], shuffled)
    assert len(set(together)) > len(together) // 2  # real, varied scores, not a constant


def test_a_translation_scores_above_another_sentences_translation(ted, model):
    """Against its reference, each MT scores above the MT of the next row (a detached translation)."""
    mts, refs = ted["mt"].tolist(), ted["ref"].tolist()
    own = model.score(mts, refs)
    other = model.score(mts[1:] + mts[:1], refs)
    assert (own > other).mean() >= 0.9


def test_a_run_scores_english_rows_with_a_reference_only(ted):
    from mtcheck.pipeline import check

    frame = ted[["src", "mt", "ref"]].copy()
    frame.loc[:4, "ref"] = ""
    out = check(frame, target_lang="en", scorers=("sacrebleu", "xenc"), checks=[], fluency="off", adapter_ref=True)
    assert out["xenc_ref"].iloc[:5].isna().all() and out["xenc_ref"].iloc[5:].notna().all()
    german = check(frame, target_lang="de", scorers=("sacrebleu", "xenc"), checks=[], fluency="off", adapter_ref=True)
    plain = check(frame, target_lang="en", scorers=("sacrebleu", "xenc"), checks=[], fluency="off")
    assert "xenc_ref" not in plain.columns  # without --adapter, the (MT, reference) adapter does not run
    assert "xenc_ref" not in german.columns or german["xenc_ref"].isna().all()


mt_only = pytest.mark.skipif(not available("mt-only"), reason="no mt-only adapter in mtcheck/data/adapters/")


@mt_only
def test_the_mt_only_adapter_scores_a_text_the_same_in_any_batch_and_garble_below_fluent(ted):
    """The MT-only regressor on SmolLM2: a text scores the same alone and among others; a real MT that the
    raters found error-free scores above the same MT with its words shuffled."""
    from mtcheck.models.adapter_smol import MtRegressor

    model = MtRegressor("mt-only").load()
    mts = ted["mt"].tolist()[:24]
    together = model.score(mts)
    alone = np.array([model.score([m])[0] for m in mts])
    assert np.array_equal(together, alone)
    rng = np.random.default_rng(3)
    shuffled = [" ".join(rng.permutation(m.split())) for m in mts]
    assert (model.score(shuffled) < together).mean() >= 0.8


@mt_only
def test_a_run_without_reference_reads_the_mt_only_adapter_where_the_language_model_runs(ted):
    from mtcheck.pipeline import check

    frame = ted[["mt"]].head(8).copy()
    out = check(frame, target_lang="en", scorers=("fluency", "xenc"), checks=[], fluency="on")
    assert out["xenc_mt"].notna().all()
    off = check(frame, target_lang="en", scorers=("fluency", "xenc"), checks=[], fluency="off")
    assert "xenc_mt" not in off.columns or off["xenc_mt"].isna().all()

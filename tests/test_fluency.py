"""The fluency scorer (SmolLM2-135M, packaged) on real MT, and the low-fluency check."""

import pandas as pd
import pytest

from conftest import SAMPLE
from mtcheck.checks import CheckContext
from mtcheck.checks.fluency import low_fluency
from mtcheck.io import InputSpec
from mtcheck.pipeline import CheckOptions, run
from mtcheck.scorers.fluency import calibration, get_model, percentile

FLUENT = "The Internet is the most dynamic area of our times, and also the biggest variable we face."
# From the sample page: a fragment left over where the MT split a quotation.
GARBLED = 'Control to make our cyberspace clear".'


@pytest.fixture(scope="module")
def model():
    return get_model().load()


def test_fluent_news_english_scores_above_garbled_mt(model):
    (fluent, _, _), (garbled, a, b) = model.score([FLUENT, GARBLED])
    assert fluent > garbled
    reference = calibration()["en"]["sorted_mean_logprobs"]
    assert percentile(fluent, reference) > 50 > percentile(garbled, reference)
    assert 0 <= a < b <= len(GARBLED)  # the least likely window lies inside the text


def test_scores_do_not_depend_on_batch_order(model):
    texts = [FLUENT, GARBLED, "Network security, one thing affects the whole body.", "Short one."]
    together = [round(s[0], 3) for s in model.score(texts)]
    alone = [round(model.score([t])[0][0], 3) for t in texts]
    assert together == pytest.approx(alone, abs=0.02)


def test_pipeline_writes_fluency_columns_on_the_sample():
    result = run(InputSpec(data=str(SAMPLE)), CheckOptions(scorers=("fluency",)))
    seg = result.segments
    assert {"fluency", "fluency_lp", "fluency_span"} <= set(seg.columns)
    assert seg["fluency"].between(0, 100).all()
    assert "fluency" in result.summary["signals"]
    assert result.summary["models"][0]["role"] == "fluency"
    fluent = seg[seg["mt"] == FLUENT].iloc[0]
    assert fluent["fluency"] > 20


def test_low_fluency_check_reads_the_scorer_columns():
    row = {"mt": GARBLED, "fluency": 0.5, "fluency_span": "20:30"}
    found = list(low_fluency(row, CheckContext("en")))
    assert found and (found[0].start, found[0].end) == (20, 30) and "cyberspace" in found[0].message
    assert list(low_fluency({"mt": FLUENT, "fluency": 60.0, "fluency_span": "0:4"}, CheckContext("en"))) == []
    assert list(low_fluency({"mt": FLUENT}, CheckContext("en"))) == []  # scorer did not run


def test_non_english_targets_are_not_scored():
    frame = pd.DataFrame({"mt": ["Die Eisberge um mich herum ragten beinah 60 Meter aus dem Wasser."]})
    result = run(frame=frame, options=CheckOptions(scorers=("fluency",), target_lang="de"))
    assert "fluency" not in result.segments.columns


def test_low_fluency_leaves_headings_to_other_checks():
    row = {"mt": "——Prevent risks and ensure safety", "fluency": 1.1, "fluency_span": "0:4", "kind": "heading"}
    assert list(low_fluency(row, CheckContext("en"))) == []


def test_mt_is_likelier_as_a_paraphrase_of_its_own_reference(model):
    """scorers/lmref.py: log P(mt | its reference) beats log P(mt | another segment's reference)."""
    import csv

    import numpy as np

    from conftest import TED_TSV
    from mtcheck.scorers import ScoreContext, get

    ted = pd.read_csv(TED_TSV, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False).head(20)
    right = get("lmref")(ted, ScoreContext(lm_ref=True)).columns["lm_ref_lp"].to_numpy()
    wrong = get("lmref")(ted.assign(ref=np.roll(ted["ref"].to_numpy(), 5)),
                         ScoreContext(lm_ref=True)).columns["lm_ref_lp"].to_numpy()
    assert (right > wrong).mean() >= 0.9
    # Opt-in, and English only.
    assert get("lmref")(ted, ScoreContext()).columns.empty
    assert get("lmref")(ted, ScoreContext(lm_ref=True, target_lang="de")).columns.empty


def test_conditional_score_ignores_padding_and_batch_order(model):
    prefixes = ["Sentence: The cat sat.\nParaphrase:", "Sentence: It rained all day long in the city.\nParaphrase:"]
    targets = [" A cat was sitting.", " The whole day it rained in town."]
    together = model.conditional_score(prefixes, targets)
    alone = [model.conditional_score([p], [t])[0] for p, t in zip(prefixes, targets)]
    assert together == pytest.approx(alone, abs=1e-4)

"""The fluency scorer (SmolLM2-135M, packaged) on real MT, and the low-fluency check."""

import pandas as pd
import pytest

from conftest import SAMPLE
from mtcheck.checks import CheckContext
from mtcheck.checks.fluency import low_fluency
from mtcheck.io import InputSpec
from mtcheck.pipeline import CheckOptions, run
from mtcheck.scorers.fluency import FluencyModel, adjusted, calibration, get_model, percentile

FLUENT = "The Internet is the most dynamic area of our times, and also the biggest variable we face."
# From the sample page: a fragment left over where the MT split a quotation.
GARBLED = 'Control to make our cyberspace clear".'


@pytest.fixture(scope="module")
def model():
    return get_model().load()


def test_fluent_news_english_scores_above_garbled_mt(model):
    fluent, garbled = model.score([FLUENT, GARBLED])
    assert fluent.lp > garbled.lp
    reference = calibration()["en"]["sorted_adjusted"]
    # Fluent MT sits among fluent human sentences; the garble below the low-fluency threshold (2).
    assert percentile(adjusted(fluent), reference) > 25
    assert percentile(adjusted(garbled), reference) < 2
    assert 0 <= garbled.start < garbled.end <= len(GARBLED)  # the least likely window lies inside the text
    assert fluent.tokens > garbled.tokens > 5
    # Against the fluent position baseline the span is the garble, not the sentence opening.
    located = model.score([GARBLED], baseline=calibration()["en"]["position_baseline"])[0]
    assert located.start > 0 and "cyberspace" in GARBLED[located.start:located.end]


def test_scores_do_not_depend_on_batch_order(model):
    texts = [FLUENT, GARBLED, "Network security, one thing affects the whole body.", "Short one."]
    together = [s.lp for s in model.score(texts)]
    alone = [model.score([t])[0].lp for t in texts]
    # int8 activations are scaled per token (scorers/int8.py), so batch-mates only matter through
    # fp32 rounding in attention that flips an int8 code: on the sample page, mean 0.006 nats
    # (README, "Fluency"); with torch's per-batch quantize_dynamic it was the whole scale.
    assert together == pytest.approx(alone, abs=0.15)
    assert sum(abs(a - b) for a, b in zip(together, alone)) / len(texts) < 0.05
    assert model.score(texts) == model.score(texts)  # the same input always gives the same scores


def test_int8_scores_track_fp32_on_the_sample(model):
    import numpy as np

    from mtcheck.io.document import read_document

    texts = [s.text for s in read_document(SAMPLE / "news-page.txt").segments][:60]
    fp32 = np.array([s.lp for s in FluencyModel("fp32").load().score(texts)])
    int8 = np.array([s.lp for s in model.score(texts)])
    assert model.precision == "int8"
    assert np.corrcoef(fp32, int8)[0, 1] > 0.98
    assert np.abs(fp32 - int8).mean() < 0.15


def test_length_adjustment_keeps_short_fluent_sentences_off_the_bottom(model):
    """Raw mean log-probability punishes short sentences (their first tokens are hard to guess).

    On real fluent human English (TED references), the raw log-probability ranks short sentences
    far below long ones; the length adjustment must remove most of that gap."""
    import csv

    import numpy as np

    from conftest import TED_TSV

    ted = pd.read_csv(TED_TSV, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    refs = list(dict.fromkeys(r for r in ted["ref"] if r.strip()))
    scored = model.score(refs)
    tokens = np.array([s.tokens for s in scored])
    raw = np.array([s.lp for s in scored])
    adj = np.array([adjusted(s) for s in scored])
    short, long = tokens <= np.percentile(tokens, 25), tokens >= np.percentile(tokens, 75)
    assert short.sum() >= 3 and long.sum() >= 3
    raw_gap = raw[long].mean() - raw[short].mean()
    assert raw_gap > 1.0
    # Ten sentences a side (residual sd 0.83), so the test asks for most of the gap gone, not all.
    assert abs(adj[long].mean() - adj[short].mean()) < raw_gap / 2


def test_pipeline_writes_fluency_columns_on_the_sample():
    result = run(InputSpec(data=str(SAMPLE)), CheckOptions(scorers=("fluency",)))
    seg = result.segments
    assert {"fluency", "fluency_lp", "fluency_adj", "fluency_span"} <= set(seg.columns)
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

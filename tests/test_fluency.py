"""The fluency scorer (SmolLM2-135M, packaged) on real MT, and the low-fluency check."""

import pandas as pd
import pytest

from conftest import SAMPLE
from mtcheck.checks import CheckContext
from mtcheck.checks.fluency import low_fluency
from mtcheck.io import InputSpec
from mtcheck.pipeline import CheckOptions, run
from mtcheck.models.language_model import LanguageModel, get_model
from mtcheck.models.smollm import _batches, requested_precision
from mtcheck.scorers.fluency import adjusted, calibration, percentile, score_texts

FLUENT = "The Internet is the most dynamic area of our times, and also the biggest variable we face."
# From the sample page: a fragment left over where the MT split a quotation.
GARBLED = 'Control to make our cyberspace clear".'


@pytest.fixture(scope="module")
def model():
    return get_model().load()


@pytest.fixture(scope="module")
def torch_fp32():
    return LanguageModel("fp32").load()


def test_fluent_news_english_scores_above_garbled_mt(model):
    fluent, garbled = score_texts(model, [FLUENT, GARBLED])
    assert fluent.lp > garbled.lp
    reference = calibration()["en"]["sorted_adjusted"]
    # Fluent MT sits among fluent human sentences; the garble below the low-fluency threshold (2).
    assert percentile(adjusted(fluent), reference) > 25
    assert percentile(adjusted(garbled), reference) < 2
    assert 0 <= garbled.start < garbled.end <= len(GARBLED)  # the least likely window lies inside the text
    assert fluent.tokens > garbled.tokens > 5
    # Against the fluent position baseline the span is the garble, not the sentence opening.
    located = score_texts(model, [GARBLED], baseline=calibration()["en"]["position_baseline"])[0]
    assert located.start > 0 and "cyberspace" in GARBLED[located.start:located.end]


TEXTS = [FLUENT, GARBLED, "Network security, one thing affects the whole body.", "Short one.",
         "The cat sat on the mat.", "It rained all day long in the city."]


@pytest.mark.parametrize("engine", ["auto", "fp32"])
def test_scores_do_not_depend_on_batch_mates(engine, model, torch_fp32):
    """Issue 13: a text's score must not move with what else is in the corpus (beyond 1e-3 nats)."""
    lm = model if engine == "auto" else torch_fp32
    together = [s.lp for s in score_texts(lm, TEXTS)]
    alone = [score_texts(lm, [t])[0].lp for t in TEXTS]
    with_others = [s.lp for s in score_texts(lm, TEXTS + [FLUENT + " " + FLUENT] * 20)][:len(TEXTS)]
    assert together == pytest.approx(alone, abs=1e-3)
    assert together == pytest.approx(with_others, abs=1e-3)
    assert score_texts(lm, TEXTS) == score_texts(lm, TEXTS)  # the same input always gives the same scores


def test_auto_engine_gives_the_scores_of_torch_fp32(model, torch_fp32):
    """Whichever engine auto picks on a CPU (ONNX Runtime or torch), the scores are fp32's: two machines
    agree."""
    import numpy as np

    from mtcheck.io.document import read_document

    assert model.engine in ("onnx", "fp32") and torch_fp32.engine == "fp32"
    texts = [s.text for s in read_document(SAMPLE / "news-page.txt").segments][:40]
    auto = np.array([s.lp for s in score_texts(model, texts)])
    ref = np.array([s.lp for s in score_texts(torch_fp32, texts)])
    assert np.abs(auto - ref).max() < 1e-3


def test_arena_shrinks_only_before_a_batch_wider_than_all_before_it_and_scores_do_not_move():
    """Issue 34: ONNX Runtime gives its arena back before a batch bigger than any so far (the long
    segments sorted last), not after every batch; a shrunk arena changes no score."""
    import numpy as np

    from mtcheck.models.onnx import shrink_before_growth
    from mtcheck.models.smollm_engines import OnnxRunner

    assert shrink_before_growth([128, 112, 128, 65, 200, 256, 256]) == [False, False, False, True, True,
                                                                        False, False]
    assert shrink_before_growth([40]) == [False]
    runner = OnnxRunner()
    ids = np.array([[0] + [504, 2745, 314, 281] * 40], dtype="int64")
    mask = np.ones_like(ids)
    plain = runner(ids, mask)
    assert np.array_equal(runner(ids, mask, shrink=True), plain)
    assert np.array_equal(runner(ids, mask), plain)


def test_int8_batches_hold_one_length_so_nothing_is_padded():
    seqs = [[1] * n for n in (5, 3, 5, 7, 3, 3, 5)]
    batches = _batches(seqs, equal_lengths=True)
    assert all(len({len(seqs[k]) for k in batch}) == 1 for batch in batches)
    assert sorted(k for batch in batches for k in batch) == list(range(len(seqs)))
    assert len(_batches(seqs, equal_lengths=False)) == 1  # fp32 pads: one batch of 7


def test_int8_engine_tracks_fp32_and_ignores_batch_mates(torch_fp32):
    """The int8 engine on a few short texts (on CPUs without VNNI it is slow, so the texts are few)."""
    int8 = LanguageModel("int8").load()
    texts = ["Short one.", "Two words.", "The cat sat on the mat."]
    together = [s.lp for s in score_texts(int8, texts)]
    alone = [score_texts(int8, [t])[0].lp for t in texts]
    assert together == pytest.approx(alone, abs=1e-3)
    fp32 = [s.lp for s in score_texts(torch_fp32, texts)]
    assert together == pytest.approx(fp32, abs=0.3)
    assert int8.cache_id.endswith("/int8") and torch_fp32.cache_id.endswith("/fp32")


def test_precision_is_checked_and_read_from_the_environment(monkeypatch):
    from mtcheck.errors import UsageError

    monkeypatch.delenv("MTCHECK_PRECISION", raising=False)
    assert requested_precision(None) == "auto"
    monkeypatch.setenv("MTCHECK_PRECISION", "FP32")
    assert requested_precision(None) == "fp32" and requested_precision("onnx") == "onnx"
    with pytest.raises(UsageError, match="unknown precision 'fp16'"):
        requested_precision("fp16")


def test_length_adjustment_keeps_short_fluent_sentences_off_the_bottom(model):
    """Raw mean log-probability punishes short sentences (their first tokens are hard to guess).

    On real fluent human English (TED references), the raw log-probability ranks short sentences
    far below long ones; the length adjustment must remove most of that gap."""
    import csv

    import numpy as np

    from conftest import TED_TSV

    ted = pd.read_csv(TED_TSV, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    refs = list(dict.fromkeys(r for r in ted["ref"] if r.strip()))
    scored = score_texts(model, refs)
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
    assert result.summary["models"][0]["engine"] in ("onnx", "fp32", "none: scores from cache")
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
    together = model.conditional(prefixes, targets)
    alone = [model.conditional([p], [t])[0] for p, t in zip(prefixes, targets)]
    assert together == pytest.approx(alone, abs=1e-4)


def test_engine_choice_is_measured_once_per_cpu_and_cached(tmp_path, monkeypatch):
    import json

    from mtcheck.models import cpu, smollm_engines

    record = tmp_path / "engine.json"
    monkeypatch.setattr(smollm_engines, "_engine_record", lambda: record)
    engine, runner = smollm_engines.choose_engine()
    assert engine in ("onnx", "fp32") and runner is not None  # measured now: the winner comes back loaded
    saved = json.loads(record.read_text())
    entry = saved[smollm_engines._signature()]
    assert entry["engine"] == engine and set(entry["segments_per_s"]) == {"onnx", "fp32"}
    rates = entry["segments_per_s"]
    assert (engine == "fp32") == (rates["fp32"] >= smollm_engines.TORCH_MARGIN * rates["onnx"])
    assert smollm_engines.choose_engine() == (engine, None)  # the second time nothing is measured
    # A cap on the instruction set is another CPU as far as kernels go: it gets its own measurement.
    before = cpu.signature("x")
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "avx2")
    assert cpu.signature("x") != before


def test_shared_prefixes_score_as_one_pass_and_ignore_the_rest_of_the_corpus(model):
    """smollm.SharedPrefixRunner (issue 26): each reference's prompt runs once for every system's MT. The
    scores agree with one pass over prompt, reference and MT, and a row scores the same whether or not
    other systems translated its source."""
    import csv

    import numpy as np

    from conftest import TED_TSV
    from mtcheck.scorers.lmref import PROMPT

    ted = pd.read_csv(TED_TSV, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    ted = ted[ted["seg_id"].isin(ted["seg_id"].unique()[:6])]  # 6 sources, every system's MT
    assert ted.groupby("seg_id").size().min() >= 2
    prefixes = [PROMPT.format(ref=r) for r in ted["ref"]]
    targets = [" " + m for m in ted["mt"]]
    shared = np.array(model.conditional(prefixes, targets))
    pre, tgt = model.tokenizer.encode(prefixes)[0], model.tokenizer.encode(targets)[0]
    one_pass = [np.mean(lp) for lp in model.token_logprobs([p + t for p, t in zip(pre, tgt)], [len(p) for p in pre])]
    assert shared == pytest.approx(one_pass, abs=5e-4)  # two engines may differ by 2e-4 (smollm.py)
    first = ted["system"].to_numpy() == ted["system"].iloc[0]
    alone = model.conditional(list(np.array(prefixes)[first]), list(np.array(targets)[first]))
    assert np.round(alone, 4) == pytest.approx(np.round(shared[first], 4), abs=1.01e-4)
    assert "shared prefixes" in model.describe()["conditional"]

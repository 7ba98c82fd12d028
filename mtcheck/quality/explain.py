"""A row's explanation in an editor's words: the finding that decides it, or the inputs of its head that moved
its score (the fusion, mtcheck/quality/fusion.py, writes it into `explanation`)."""

from __future__ import annotations

from mtcheck.checks import Finding

CLEAN_QUALITY = 90.0  # at or above it, a row without findings reads "No problem found"


# An input's words, with its own number where `{value}` stands; the inputs whose words need more (a ratio
# read against its usual value, the fluency percentile) are in `_words`.
_PLAIN_WORDS = {
    "chrf": "chrF++ {value:.0f} against the reference",
    "bleu": "BLEU {value:.0f} against the reference",
    "emb_sim_ref": "similarity to the reference {value:.2f}",
    "xsim_ref": "cross-lingual similarity to the reference {value:.2f}",
    "xenc_ref": "the quality adapter's {value:+.2f} against the reference",
    "xenc_mt": "the MT-only quality adapter's {value:+.2f} (0 is a middling translation)",
    "xsim": "source similarity {value:.2f}",
    "lm_ref_lp": "paraphrase log-prob {value:.2f}",
}


def _words(name: str, row_feats, usual: float = 0.0) -> str | None:
    """One input of a head, in an editor's words with its own number (`usual`: the input's training mean)."""
    import math

    value = row_feats.get(name)
    if value is None or value != value:
        return None
    if name in _PLAIN_WORDS:
        return _PLAIN_WORDS[name].format(value=value)
    if name == "len_ratio":  # characters differ so much between scripts that only the usual ratio means much
        return f"length {math.exp(value - usual):.1f}x what its source usually gives"
    if name == "ref_len_ratio":
        return f"length {math.exp(value):.1f}x the reference's"
    if name == "fluency_adj":
        percentile = row_feats.get("fluency")
        return (f"fluency percentile {percentile:.0f} among fluent English" if percentile == percentile
                else f"fluency {value:+.2f} against fluent English")
    if name == "mt_len":
        return f"{math.expm1(value):.0f} characters long"
    return None


def evidence(head: dict, row_feats, direction: int = 0, most: int = 2) -> str | None:
    """The inputs that moved this row's score the most in its direction, in words (None for a head with no
    input). Each input's share of the score is its weight times its standardised value; with
    `direction` -1 (a likely error) the inputs that pulled the score down are named, with +1 those that
    pulled it up, with 0 those that agree with the score's sign."""
    import numpy as np

    names = head["features"]
    if not names:
        return None
    x = np.array([float(row_feats.get(n, np.nan)) for n in names])
    shares = np.nan_to_num((x - np.asarray(head["mean"])) / np.asarray(head["scale"])) * np.asarray(head["weights"])
    sign = direction or (1 if shares.sum() >= 0 else -1)
    order = [k for k in np.argsort(-np.abs(shares)) if shares[k] * sign > 0][:most]
    words = [w for w in (_words(names[k], row_feats, head["mean"][k]) for k in order) if w]
    if not words:
        return None
    return " and ".join(words) + (" raise it" if sign > 0 else " lower it")


def plain_evidence(row_feats, key: str) -> str:
    """The evidence an editor can check, in words (where no input of the head moved the score)."""
    bits = []
    if "ref" in key.split("+"):
        bits.append(f"chrF++ {row_feats['chrf']:.0f} against the reference")
    if "src" in key.split("+"):
        # The raw cosine, which the heads read; not the margin, whose pool is the run's other rows.
        bits.append(f"source similarity {row_feats['xsim']:.2f}")
    if "fluency" in key.split("+"):
        bits.append(f"fluency percentile {row_feats['fluency']:.0f} among fluent English")
    if "lmref" in key.split("+"):
        bits.append(f"paraphrase log-prob {row_feats['lm_ref_lp']:.2f}")
    return "; ".join(bits) if bits else "rule checks only"


def explain(findings: list[Finding], quality: float, key: str, row_feats, head: dict | None = None) -> str:
    notes = [f.message for f in findings if f.is_note]
    findings = [f for f in findings if not f.is_note]
    if not findings:
        because = (evidence(head, row_feats) if head is not None else None) or plain_evidence(row_feats, key)
        if head is not None and not head["features"]:
            return " ".join([f"No problem found by the rule checks; no score compared it with a source or a "
                             f"reference or read it with the language model, so quality {quality:.0f} is that of MT "
                             "in general."] + notes)
        if quality >= CLEAN_QUALITY:
            return " ".join([f"No problem found (quality {quality:.0f}; {because})."] + notes)
        advice = "read it against the source" if "src" in key.split("+") else "read it through"
        return " ".join([f"No specific error found, but the scores suggest problems (quality {quality:.0f}; "
                         f"{because}): {advice}."] + notes)
    worst = findings[0]
    text = worst.message
    more = findings[1:]
    if more:
        # Every further finding named, a repeated check with its count: "(+2 more findings: no-terminal-punct
        # x2)" rather than one name for two findings.
        counts: dict[str, int] = {}
        for f in more:
            counts[f.check] = counts.get(f.check, 0) + 1
        names = ", ".join(name if n == 1 else f"{name} \u00d7{n}" for name, n in counts.items())
        text += f" (+{len(more)} more finding{'s' if len(more) > 1 else ''}: {names})"
    return " ".join([text] + notes)

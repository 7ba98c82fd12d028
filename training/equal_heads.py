"""Write the equal-weight heads that training/evaluate_quality.py's rule chose into mtcheck/data/fusion.json.

    .venv/bin/python training/equal_heads.py [--data ../shared/data/judgments] [--out mtcheck/data/fusion.json]
                                            [--keep en:ref+src+lmref] [--write]

An equal-weight head (training/quality_model.py `equal_weight_head`) averages the standardised inputs
that `select_inputs` picked on the training test sets for views 1 and 2 together, with no fitted weight
and no length; its isotonic maps to MQM points and P(major) are fitted on the same training rows.

The rule, written in evaluate_quality.py's docstring before the held-out sets were scored with these
heads: for each row kind, the equal-weight head replaces the shipped one if, on the training sets
(`evaluate_quality.py --sets train`), its worst-set margin over the best single input (the smaller of
views 1 and 2) is at least the shipped head's. On 2026-12-06 that held for every row kind but English
with a source, a reference and --lm-ref (`en:ref+src+lmref`, -0.027 against -0.021), which `--keep`
leaves as it was. The keys the table does not evaluate (English `ref+fluency` and `ref+fluency+lmref`,
--fluency on without a source) follow their evaluated neighbours (`ref`, `ref+lmref`), which both
went to equal weights; MT only without a language model becomes a constant (no input: quality from
the rule checks alone), which the rule chose over the absolute-length head in both families.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

VERSION = "mqm-equal-6"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "judgments")
    parser.add_argument("--out", type=Path, default=ROOT / "mtcheck" / "data" / "fusion.json")
    parser.add_argument("--keep", default="en:ref+src+lmref",
                        help="family:key,... of the heads the rule kept (they stay as in --out)")
    parser.add_argument("--fluency-sources", type=int, default=250)
    parser.add_argument("--lmref-sources", type=int, default=250)
    parser.add_argument("--write", action="store_true", help="write --out (else only say what would change)")
    args = parser.parse_args(argv)

    from evaluate_quality import equal_params
    from train_quality import check_params_file, feature_table, parse_heads

    from mtcheck.errors import MtcheckError
    from mtcheck.evaluation.judgments import load_mqm_tables
    from mtcheck.quality.fusion import head_for

    try:
        keep = {tuple(k) for k in parse_heads(args.keep)} if args.keep else set()
        check_params_file(args.out)
        rows = load_mqm_tables(args.data)
    except MtcheckError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    table = feature_table(rows, args.fluency_sources, args.lmref_sources)
    params = json.loads(args.out.read_text(encoding="utf-8"))
    equal = equal_params(table)
    replaced = []
    for family, heads in equal["heads"].items():
        for key, head in heads.items():
            if (family, key) not in keep:
                params["heads"][family][key] = head
                replaced.append(f"{family}:{key}")
        for key in list(params["heads"][family]):  # keys without training rows copy their largest subset's head
            if key not in heads and (family, key) not in keep:
                params["heads"][family][key] = head_for(heads, key)
                replaced.append(f"{family}:{key} (copy)")
    params["previous_version"], params["version"] = params.get("version"), VERSION
    params["equal_weight"] = {"heads": replaced, "kept": sorted(f"{f}:{k}" for f, k in keep),
                              "decided_by": "training/evaluate_quality.py --sets train (its docstring's rule)",
                              "fitted_on": sorted(table.loc[~table["held_out"], "dataset"].unique())}
    if not args.write:
        print(f"would replace {len(replaced)} heads in {args.out} (--write to write it)")
        return 0
    args.out.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(replaced)} heads replaced, kept {', '.join(sorted(params['equal_weight']['kept']))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

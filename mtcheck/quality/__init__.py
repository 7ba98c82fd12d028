"""Stage 5, fuse: every signal and finding into `quality`, `expected_mqm`, `p_major`, `severity`, `flagged`,
`checks` and `explanation` (`fusion`), with the heads shipped in mtcheck/data/fusion.json.

May import `checks`, `schema` and `errors`; never the run, the editorial workflow or the reports.
"""

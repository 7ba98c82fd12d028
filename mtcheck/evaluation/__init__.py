"""Evaluation tooling, not a pipeline stage: the human-judgment corpus reader (`judgments`), meta-evaluation
statistics (`metaeval`: Kendall tau, ROC AUC, system Pearson) and alignment test cases (`alignment_cases`).

Used by training/, benchmarks/ and tests/, and by the editorial post-edit summary (ROC AUC). It imports
nothing of mtcheck but `errors` and `schema`.
"""

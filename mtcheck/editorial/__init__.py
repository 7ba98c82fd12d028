"""The editorial workflow on top of the verdict: configuration (`config`), routing bands and the quality gate
(`routing`), editors' verdicts (`verdicts`), post-edits (`postedit`), run-to-run diffs (`diff`) and system
comparisons (`compare`).

May import the run's tally, quality, scorers, io and below; never the pipeline or the reports.
"""

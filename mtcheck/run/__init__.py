"""The run: the survey pass and partitions (`partitions`), the engines that check them here or on Dask
(`engines`), the running totals of the summary (`tally`) and progress bars (`progress`).

Engines receive the function that checks a partition from the pipeline; nothing here imports the
pipeline, the editorial workflow or the reports. May import io, align, scorers, checks and models.
"""

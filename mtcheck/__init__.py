"""mtcheck: machine-translation quality triage.

The pipeline runs in one direction: load -> align -> score -> flag -> report.
Importing this package is cheap; pandas, sacrebleu and torch load only when a
stage that needs them runs.
"""

from __future__ import annotations

from mtcheck._version import __version__

__all__ = ["__version__", "check"]


def check(*args, **kwargs):
    """Run the whole pipeline and return the segments DataFrame.

    See :func:`mtcheck.pipeline.check` for the arguments.
    """
    from mtcheck.pipeline import check as _check

    return _check(*args, **kwargs)

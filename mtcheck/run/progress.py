"""Progress reporting that library code can call without knowing about the console.

A stage asks `progress(description, total)` and gets back `advance(n)`. The
CLI passes a rich-backed implementation; the Python API passes none.
"""

from __future__ import annotations

from contextlib import contextmanager


class RichProgress:
    """rich progress bars, one per stage, with items per second."""

    def __init__(self, console) -> None:
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn)

        self._progress = Progress(
            TextColumn("{task.description:<28}"), BarColumn(bar_width=24), MofNCompleteColumn(),
            TextColumn("[progress.data.speed]{task.fields[rate]:>11}"),
            TimeElapsedColumn(), console=console, transient=False,
        )

        self._started = False
        self._tasks: dict[str, int] = {}

    def __call__(self, description: str, total: int):
        # Start the live display only when a stage reports, so that a run that
        # fails while loading prints its one-line error and nothing else.
        if not self._started:
            self._progress.start()
            self._started = True
        # A stage that runs again (once per partition of a long run) grows its bar instead of adding one.
        task = self._tasks.get(description)
        if task is None:
            task = self._tasks[description] = self._progress.add_task(description, total=max(total, 1), rate="")
        else:
            self._progress.update(task, total=self._progress.tasks[task].total + total)

        def advance(n: int) -> None:
            self._progress.advance(task, n)
            speed = self._progress.tasks[task].speed
            if speed and not description.startswith("partitions"):  # those come far slower than segments
                self._progress.update(task, rate=f"{speed:,.0f} seg/s")
        return advance

    @contextmanager
    def running(self):
        try:
            yield self
        finally:
            if self._started:
                self._progress.stop()

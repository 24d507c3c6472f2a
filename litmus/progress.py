"""Progress of a batch run, for the person or the CI log watching it.

On a terminal, a rich progress bar under the report (tests done, failures
and errors so far, elapsed and remaining time, the test just done), which
disappears when the run ends. Elsewhere (a CI log, a pipe), a plain line on
standard error every :data:`PLAIN_EVERY` seconds once the run has lasted
that long, so a long campaign shows it is alive and short runs print nothing
more than their report.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Self

#: Seconds between the plain progress lines (and before the first).
PLAIN_EVERY = 10.0


class Progress:
    """Call :meth:`update` as each test is done; use as a context manager.
    ``console`` is the rich console the report is printed on: the bar is
    shown only when it is a terminal and there is more than one test."""

    def __init__(self, console: Any, total: int, what: str = "tests") -> None:
        self.console = console
        self.total = total
        self.what = what
        self.failed = self.errors = 0
        self.start = time.monotonic()
        self.last_line = self.start
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Self:
        if self.console.is_terminal and self.total > 1:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[counts]}"), TimeElapsedColumn(),
                            TimeRemainingColumn(), TextColumn("[dim]{task.fields[name]}"),
                            console=self.console, transient=True)
            self._task = self._bar.add_task(self.what, total=self.total, counts="", name="")
            self._bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, done: int, total: int, report: Any) -> None:
        """One more test is done (``done`` of ``total``); ``report`` is its
        :class:`~litmus.batch.TestReport`."""
        self.failed += 1 if report.failed else 0
        self.errors += report.error_count
        from .report import plural

        counts = (f"{self.failed} failed" if self.failed else "") + (
            (", " if self.failed else "") + plural(self.errors, "error") if self.errors else "")
        if self._bar is not None:
            name = report.test.name if report.test is not None else report.source
            self._bar.update(self._task, completed=done, counts=counts, name=name[-40:])
            return
        now = time.monotonic()
        if now - self.last_line >= PLAIN_EVERY and done < total:
            self.last_line = now
            elapsed = now - self.start
            left = elapsed / done * (total - done) if done else 0.0
            print(f"litmus: {done}/{total} {self.what} done"
                  + (f" ({counts})" if counts else "")
                  + f", {_duration(elapsed)} elapsed, about {_duration(left)} left",
                  file=sys.stderr, flush=True)


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


__all__ = ["PLAIN_EVERY", "Progress"]

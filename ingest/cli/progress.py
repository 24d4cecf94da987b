"""Progress bars for long work (fetch, validate, build, backfill), drawn with rich.

The bars go to stderr, so stdout keeps the summary (or the JSON of ``--json``) for scripts,
and only to a terminal: in a log or a pipe stderr keeps nothing but errors, one line each.
Every callback is safe to call from worker threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class Bars:
    """The bars of one command: one per stage, each with counts, elapsed and time left."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress

    def _task(self, description: str, total: int | None) -> TaskID:
        return self._progress.add_task(description, total=total)

    def counter(self, description: str, total: int) -> Callable[[int], None]:
        """A bar of ``total`` steps; the callback advances it by its argument."""
        task = self._task(description, total)
        return lambda n: self._progress.advance(task, n)

    def setter(self, description: str) -> Callable[[int, int], None]:
        """A bar fed ``(done, total)`` of one piece of work (dbt's nodes)."""
        task = self._task(description, None)
        return lambda done, total: self._progress.update(task, completed=done, total=total)

    def tracker(self, description: str) -> Callable[[int, int], None]:
        """A bar fed ``(done, total)`` of one piece of work after the other: the totals of
        successive pieces add up (a backfill validates one chunk of months after the other)."""
        task = self._task(description, None)
        base = {"done": 0, "total": 0, "last_total": 0}

        def update(done: int, total: int) -> None:
            if done == 0:  # a new piece starts
                base["done"] += base["last_total"]
                base["last_total"] = total
                base["total"] += total
            self._progress.update(task, completed=base["done"] + done, total=base["total"])

        return update


@contextmanager
def bars(enabled: bool = True) -> Iterator[Bars]:
    """Bars on stderr for the block when it is a terminal; ``enabled=False`` (``--json``)
    draws nothing."""
    console = Console(stderr=True)
    progress = Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(bar_width=30),
        MofNCompleteColumn(),
        TextColumn("vergangen"),
        TimeElapsedColumn(),
        TextColumn("verbleibend"),
        TimeRemainingColumn(),
        console=console,
        disable=not (enabled and console.is_terminal),
    )
    with progress:
        yield Bars(progress)

"""The Rich progress display of a running sweep: runs done, failed, diverged, ETA."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from losslab.sweep._run import RunResult
from losslab.sweep._runner import SweepOutcome

__all__ = ["SweepProgress"]


class SweepProgress:
    """Callbacks for :func:`losslab.sweep.run_sweep` that drive a Rich progress bar.

    Use as a context manager; pass :meth:`start` as ``on_start`` and
    :meth:`update` as ``on_result``.
    """

    def __init__(self, console: Console | None = None) -> None:
        self.progress = Progress(
            TextColumn("[bold]sweep"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("ok {task.fields[ok]}"),
            TextColumn("[yellow]diverged {task.fields[diverged]}"),
            TextColumn("[red]failed {task.fields[failed]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self.task = self.progress.add_task("sweep", total=None, ok=0, diverged=0, failed=0)

    def __enter__(self) -> SweepProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, todo: int, done: int) -> None:
        """Set the total: the runs still to do."""
        self.progress.update(self.task, total=todo, completed=0)

    def update(self, result: RunResult, outcome: SweepOutcome) -> None:
        """Count one result."""
        self.progress.update(
            self.task,
            completed=outcome.completed + outcome.failed,
            ok=outcome.ok,
            diverged=outcome.diverged,
            failed=outcome.failed,
        )

"""One progress bar for everything that takes a while: fit, compare, sweeps, landscapes.

:class:`Progress` is a Rich progress bar over a count of steps (epochs, runs,
losses) that does nothing when disabled, so a caller writes the same code
either way:

>>> with Progress(False, total=3, description="training") as bar:
...     for epoch in range(1, 4):
...         bar.update(completed=epoch, description=f"epoch {epoch}")

With ``counters`` it also shows how many steps ended each way (a sweep's
``ok``, ``diverged`` and ``failed`` runs) and ``done / total``. Rich is
imported only when a bar is shown; it comes with the ``[cli]`` extra.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from losslab._optional import require

__all__ = ["Progress"]


class Progress:
    """A Rich progress bar used as a context manager, or a no-op when ``enabled`` is False.

    Args:
        enabled: Show the bar; when False every method does nothing.
        total: Number of steps, or None until known (``update(total=...)``).
        description: Text at the left of the bar (Rich markup allowed).
        counters: Named counts shown after the bar, each with a Rich style
            (``{"ok": "", "failed": "red"}``); set them with ``update(ok=3)``.
        console: The Rich console to draw on (default: Rich's, on stdout).
    """

    def __init__(
        self,
        enabled: bool = True,
        *,
        total: float | None = None,
        description: str = "",
        counters: Mapping[str, str] | None = None,
        console: Any = None,
    ) -> None:
        self.enabled = bool(enabled)
        self.total, self.description = total, description
        self.counters = dict(counters or {})
        self.console = console
        self._bar: Any = None
        self._task: Any = None

    def _columns(self) -> list[Any]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        if not self.counters:
            return [
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeRemainingColumn(),
            ]
        counts = [
            TextColumn(f"[{style}]" * bool(style) + f"{name} {{task.fields[{name}]}}")
            for name, style in self.counters.items()
        ]
        return [
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), *counts,
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
        ]  # fmt: skip

    def __enter__(self) -> Progress:
        if self.enabled:
            require("cli", "a progress bar")
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(*self._columns(), console=self.console)
            self._bar.start()
            fields = dict.fromkeys(self.counters, 0)
            self._task = self._bar.add_task(self.description, total=self.total, **fields)
        return self

    def update(
        self,
        *,
        completed: float | None = None,
        advance: float | None = None,
        total: float | None = None,
        description: str | None = None,
        **counts: int,
    ) -> None:
        """Move the bar: set ``completed`` or ``advance`` it, change ``total``, text, counters."""
        unknown = set(counts) - set(self.counters)
        if unknown:
            raise ValueError(f"counts: {sorted(unknown)} are not counters of this bar")
        if self._bar is None:
            return
        changes = {
            "completed": completed, "advance": advance, "total": total, "description": description,
        }  # fmt: skip
        self._bar.update(
            self._task, **{k: v for k, v in changes.items() if v is not None}, **counts
        )

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

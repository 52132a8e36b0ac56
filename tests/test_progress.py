"""The one progress bar: silent when disabled, a Rich bar with counters when enabled."""

from __future__ import annotations

import pytest
from rich.console import Console

from losslab.progress import Progress


def test_disabled_bar_prints_nothing(capsys) -> None:
    with Progress(False, total=2, description="x", counters={"ok": ""}) as bar:
        bar.update(completed=1, description="y", ok=1)
    assert capsys.readouterr().out == ""


def test_enabled_bar_shows_description_counts_and_counters() -> None:
    console = Console(record=True, width=120, force_terminal=False)
    counters = {"ok": "", "failed": "red"}
    with Progress(total=None, description="sweep", counters=counters, console=console) as bar:
        bar.update(total=4, completed=0)
        bar.update(completed=3, ok=2, failed=1)
    text = console.export_text()
    assert "sweep" in text
    assert "3/4" in text
    assert "ok 2" in text
    assert "failed 1" in text


def test_unknown_counter_is_named_even_when_disabled() -> None:
    with Progress(False, counters={"ok": ""}) as bar, pytest.raises(ValueError, match="skipped"):
        bar.update(skipped=1)

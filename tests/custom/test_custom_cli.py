"""The helper behind `losslab custom "EXPR" --param a=2 --check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from losslab.custom import UnsafeExpressionError, run_custom_check


def test_prints_formulas_checks_and_plots(tmp_path: Path) -> None:
    console = Console(record=True, width=200)
    png = tmp_path / "loss.png"
    result = run_custom_check(
        "where(y_true > y_pred, a*(y_true - y_pred)**2, (y_true - y_pred)**2)",
        {"a": 5.0},
        check=True,
        plot=png,
        console=console,
    )
    text = console.export_text()
    assert "Piecewise((2*a, y_pred < y_true), (2, True))" in text
    assert result["passed"] is True
    assert result["errors"]["grad"] < 1e-8
    assert result["errors"]["hess"] < 1e-8
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(png) in text


def test_binary_expression_on_logits(tmp_path: Path) -> None:
    result = run_custom_check(
        "y_true*softplus(-y_pred) + (1 - y_true)*softplus(y_pred)",
        {},
        task="binary",
        y_pred_kind="logit",
        plot=tmp_path / "b.png",
        console=Console(record=True),
    )
    assert result["passed"] is True


def test_hostile_expression_is_refused_before_anything_is_printed(tmp_path: Path) -> None:
    console = Console(record=True)
    with pytest.raises(UnsafeExpressionError, match="attribute access at column 1"):
        run_custom_check(
            "__import__('os').system('x')", {}, plot=tmp_path / "x.png", console=console
        )
    assert console.export_text() == ""
    assert not (tmp_path / "x.png").exists()

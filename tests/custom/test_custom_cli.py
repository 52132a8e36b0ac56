"""The helper behind `losslab custom "EXPR" --param a=2 --check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from losslab.cli import app
from losslab.custom import UnsafeExpressionError, run_custom_check
from losslab.custom._cli import PlotPathError


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


def test_no_plot_path_writes_no_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # a temporary file would land here too
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    console = Console(record=True, width=200)
    result = run_custom_check("(y_pred - y_true)**2", {}, check=True, console=console)
    assert result["passed"] is True
    assert result["plot"] is None
    assert "plot:" not in console.export_text()
    assert list(tmp_path.iterdir()) == []


def test_plot_into_a_missing_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    console = Console(record=True)
    with pytest.raises(PlotPathError, match=r"folder '.*missing' does not exist"):
        run_custom_check("(y_pred - y_true)**2", {}, plot=tmp_path / "missing" / "a.png",
                         console=console)  # fmt: skip
    assert console.export_text() == ""
    with pytest.raises(PlotPathError, match="is a folder"):
        run_custom_check("(y_pred - y_true)**2", {}, plot=tmp_path, console=console)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(PlotPathError, match="is not a folder"):
        run_custom_check("(y_pred - y_true)**2", {}, plot=blocker / "a.png", console=console)


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_cli_plot_into_a_missing_folder_exits_2_with_a_message(tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "loss.png"
    result = _invoke("custom", "(y_pred - y_true)**2", "--check", "--plot", str(target))
    assert result.exit_code == 2
    assert "Error: --plot: folder" in result.output
    assert "does not exist" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not target.parent.exists()


def test_cli_check_writes_a_file_only_when_asked(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    result = _invoke("custom", "(y_pred - y_true)**2", "--check")
    assert result.exit_code == 0, result.output
    assert "pass" in result.output
    assert list(tmp_path.iterdir()) == []
    asked = _invoke("custom", "(y_pred - y_true)**2", "--check", "--plot", "loss.png")
    assert asked.exit_code == 0, asked.output
    assert (tmp_path / "loss.png").read_bytes()[:4] == b"\x89PNG"

"""What ``losslab custom "EXPR" [--param a=2] [--check]`` does, as plain functions.

The CLI command is a thin shell over :func:`run_custom_check`: it parses the
``--param`` options (:func:`losslab.specs.parse_pairs`), calls it, and turns
a ``ValueError`` (an :class:`UnsafeExpressionError` included) into a message
and exit status 2. A :class:`PlotPathError` (a ValueError) names ``--plot``:
its folder is checked before anything is derived, so a typo in the path
costs nothing. No file is written unless a plot path is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from losslab.custom._checks import finite_difference_errors
from losslab.custom._symbolic import ExpressionLoss, expression_loss

__all__ = ["PlotPathError", "check_plot_path", "run_custom_check"]


class PlotPathError(ValueError):
    """The plot cannot be written where asked: a missing folder, a folder as the path, no access."""


def check_plot_path(plot: str | Path) -> Path:
    """``plot`` as a Path whose folder exists and can be written, or a :class:`PlotPathError`.

    >>> check_plot_path("/no/such/folder/loss.png")
    Traceback (most recent call last):
    ...
    losslab.custom._cli.PlotPathError: folder '/no/such/folder' does not exist; create it first
    """
    import os

    path = Path(plot).expanduser()
    folder = path.parent
    if path.is_dir():
        raise PlotPathError(f"{str(path)!r} is a folder; give a file name such as loss.png")
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist; create it first"
        raise PlotPathError(f"folder {str(folder)!r} {what}")
    if not os.access(folder, os.W_OK):
        raise PlotPathError(f"folder {str(folder)!r} is not writable")
    return path


TOLERANCE = 1e-6
"""Largest finite-difference error the check accepts (relative to max(1, |exact|))."""


def _sample_points(loss: ExpressionLoss, n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Reproducible random points inside the loss's domain, for the finite-difference check."""
    rng = np.random.default_rng(0)
    low, high = loss.link.interval
    if np.isfinite(low) and np.isfinite(high):
        # Inside the interval, clear of its edges, where a probability's log is steep.
        inset = 0.05 * (high - low)
        return rng.uniform(low + inset, high - inset, n), rng.integers(0, 2, n).astype(np.float64)
    if loss.task == "binary":
        return rng.normal(0.0, 2.0, n), rng.integers(0, 2, n).astype(np.float64)
    y_true = rng.normal(0.0, 1.0, n)
    return y_true + rng.normal(0.0, 1.5, n), y_true


def _defined(loss: ExpressionLoss, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """Mask of points where the loss and both derivatives are finite (a log needs y > 0...)."""
    d = loss._derivation
    values = [loss.params[name] for name in d.parameters]
    ok = np.ones(y_pred.shape, dtype=bool)
    with np.errstate(all="ignore"):
        for f in d.functions:
            ok &= np.isfinite(np.broadcast_to(np.asarray(f(y_pred, y_true, *values)), ok.shape))
    return ok


def _plot(loss: ExpressionLoss, path: Path, y_true: float | None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    d = loss._derivation
    values = [loss.params[name] for name in d.parameters]
    label, (low, high) = loss.link.axis
    x = np.linspace(low, high, 601)
    y_pred, truth, _ = loss.link.sweep(x, y_true)
    with np.errstate(all="ignore"):
        curves = [
            np.broadcast_to(np.asarray(f(y_pred, truth, *values), dtype=float), x.shape)
            for f in d.functions
        ]
    figure = Figure(figsize=(9, 3.6), layout="constrained")
    left, right = figure.subplots(1, 2)
    left.plot(x, curves[0], color="C0")
    left.set(title=f"loss, y_true = {float(truth[0]):g}", xlabel=label, ylabel="loss")
    right.plot(x, curves[1], color="C1", label="gradient")
    right.plot(x, curves[2], color="C2", linestyle="--", label="Hessian")
    right.axhline(0.0, color="0.7", linewidth=0.8)
    right.set(title="derivatives in y_pred", xlabel=label)
    right.legend()
    figure.suptitle(loss.expression if len(loss.expression) < 90 else loss.expression[:87] + "...")
    figure.savefig(path, dpi=110)
    return path


def run_custom_check(
    expression: str,
    params: Mapping[str, float] | None = None,
    check: bool = True,
    *,
    task: str = "regression",
    y_pred_kind: str = "value",
    plot: str | Path | None = None,
    y_true: float | None = None,
    console: Any = None,
) -> dict[str, Any]:
    """Derive a loss from ``expression``, print its formulas, check them and plot them.

    Prints, with rich: the loss, its gradient and its Hessian in ``y_pred``;
    with ``check``, the largest errors of the gradient and Hessian against
    4th-order finite differences at 64 reproducible random points (pass or
    fail at 1e-6); and, when ``plot`` names a file, the path of a PNG plotting
    the loss and its derivatives along the axis of its link (:meth:`losslab.links.Link.sweep`:
    the residual ``y_pred - y_true`` at ``y_true`` = 0 for values, ``y_pred``
    at ``y_true`` = 1 for a logit, a log-rate or a probability).

    Args:
        expression: the loss expression (see :func:`expression_loss`).
        params: parameter values by name.
        check: run the finite-difference check.
        task: "regression" or "binary".
        y_pred_kind: "value", "log_rate", "logit" or "probability".
        plot: where to save the PNG; None writes no file. Its folder must exist.
        y_true: the target held fixed in the plot (default: the link's).
        console: a ``rich.console.Console`` to print to (a new one when None).

    Returns:
        ``{"loss": ExpressionLoss, "formulas": {name: str}, "errors": {"grad": e,
        "hess": e} or None, "passed": bool or None, "plot": Path or None}``.

    Raises:
        UnsafeExpressionError: the whitelist refused the expression (nothing
            was evaluated); the CLI prints it and exits with status 2.
        PlotPathError: ``plot`` cannot be written (checked first).
        ValueError: any other unusable expression or parameter.
    """
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    path = None if plot is None else check_plot_path(plot)
    loss = expression_loss(expression, task=task, y_pred_kind=y_pred_kind, **dict(params or {}))  # type: ignore[arg-type]
    formulas = {name: str(f) for name, f in loss.formulas.items()}
    table = Table(title=f"loss {loss.expression}", show_lines=True)
    table.add_column("")
    table.add_column("formula (d/dy_pred)")
    for name, label in (("value", "loss"), ("grad", "gradient"), ("hess", "Hessian")):
        table.add_row(label, formulas[name])
    console.print(table)
    if loss.params:
        console.print("parameters: " + ", ".join(f"{k} = {v:g}" for k, v in loss.params.items()))

    errors, passed = None, None
    if check:
        y_pred, truth = _sample_points(loss)
        keep = _defined(loss, y_pred, truth)
        if not keep.any():
            raise ValueError(f"the loss {expression!r} is undefined at every sampled point")
        errors = finite_difference_errors(loss, y_pred[keep], truth[keep])
        passed = max(errors.values()) <= TOLERANCE
        verdict = "[green]pass[/green]" if passed else "[red]FAIL[/red]"
        console.print(
            f"finite differences (4th order, {int(keep.sum())} points): "
            f"max gradient error {errors['grad']:.2e}, max Hessian error {errors['hess']:.2e} "
            f"(tolerance {TOLERANCE:g}): {verdict}"
        )

    if path is not None:
        try:
            _plot(loss, path, y_true)
        except OSError as error:  # the folder vanished or filled up since the check
            raise PlotPathError(f"cannot write {str(path)!r}: {error.strerror or error}") from None
        console.print(f"plot: {path}")
    return {
        "loss": loss,
        "formulas": formulas,
        "errors": errors,
        "passed": passed,
        "plot": path,
    }

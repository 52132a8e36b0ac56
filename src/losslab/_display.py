"""Rich display in Jupyter: HTML tables of a run, with its curves inline when matplotlib is there.

:func:`history_html` is what a :class:`~losslab.train.History` shows in a
notebook: how the run ended, the final epoch's metrics (train and validation
side by side) and, with matplotlib installed, a figure of the loss and the
accuracy (or, for regression, the RMSE) per epoch as an inline PNG. Without
matplotlib the table alone: the core install does not need it.
"""

from __future__ import annotations

import base64
import html
import importlib.util
import math
from typing import Any

__all__ = ["figure_html", "history_html", "matplotlib_available", "number"]

_SPLITS = ("train", "val")
_RUN_COLUMNS = ("grad_norm", "param_norm", "lr", "wall_time")
_TABLE_STYLE = "border-collapse:collapse;font-size:0.9em"
_CELL_STYLE = "padding:2px 8px;text-align:right"


def matplotlib_available() -> bool:
    """Whether matplotlib can be imported (the figure of :func:`history_html` needs it)."""
    try:
        return importlib.util.find_spec("matplotlib") is not None
    except ImportError:
        return False


def number(value: Any) -> str:
    """A number for a table: six significant digits, ``nan`` and ``inf`` as such.

    Example:
        >>> number(0.123456789), number(200000000.0), number(float("nan"))
        ('0.123457', '2e+08', 'nan')
    """
    value = float(value)
    return f"{value:.6g}" if math.isfinite(value) else str(value)


def figure_html(figure: Any, alt: str) -> str:
    """A matplotlib figure as an inline ``<img>`` (PNG, base64)."""
    from losslab.plots._canvas import png_bytes

    data = base64.b64encode(png_bytes(figure, dpi=80)).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"/>'


def _status(history: Any) -> str:
    if not history.records:
        return "interrupted before epoch 0: nothing recorded"
    epochs = f"{history.epochs_completed} epoch{'s' if history.epochs_completed != 1 else ''}"
    if history.diverged:
        return f"diverged at epoch {history.diverged_epoch}: {history.diverged_reason}"
    if history.stopped_early:
        return f"stopped early after {epochs}: {history.stop_reason}"
    if history.interrupted:
        return f"interrupted after {epochs}"
    return f"completed {epochs}"


def _metric_names(record: dict[str, float]) -> list[str]:
    names: list[str] = []
    for key in record:
        for split in _SPLITS:
            base = key.removeprefix(f"{split}_")
            if key.startswith(f"{split}_") and base not in names:
                names.append(base)
    return names


def _final_table(record: dict[str, float]) -> str:
    rows = []
    for name in _metric_names(record):
        cells = "".join(
            f'<td style="{_CELL_STYLE}">'
            f"{number(record[f'{split}_{name}']) if f'{split}_{name}' in record else ''}</td>"
            for split in _SPLITS
        )
        rows.append(f'<tr><th style="{_CELL_STYLE}">{html.escape(name)}</th>{cells}</tr>')
    header = "".join(f'<th style="{_CELL_STYLE}">{split}</th>' for split in _SPLITS)
    run = ", ".join(f"{key} {number(record[key])}" for key in _RUN_COLUMNS if key in record)
    return (
        f'<table style="{_TABLE_STYLE}"><thead><tr><th style="{_CELL_STYLE}">'
        f"epoch {int(record['epoch'])}</th>{header}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"<p style='font-size:0.85em;margin:2px 0'>{html.escape(run)}</p>"
    )


def _curves_figure(history: Any) -> Any:
    from losslab.plots._canvas import new_figure

    record = history.final
    second = "accuracy" if "train_accuracy" in record else "rmse"
    figure, axes = new_figure(2, width=3.4, height=2.4)
    epochs = history["epoch"]
    for ax, name in zip(axes, ("loss", second), strict=True):
        for split, colour in zip(_SPLITS, ("#1f77b4", "#d62728"), strict=True):
            key = f"{split}_{name}"
            if key in record:
                ax.plot(epochs, history[key], color=colour, label=split, lw=1.4)
        ax.set_title(f"{name} ({history.loss})" if name == "loss" else name, fontsize="medium")
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize="small")
    return figure


def history_html(history: Any, *, figure: bool | None = None) -> str:
    """A History as HTML: how it ended, the final metrics and (with matplotlib) its curves.

    Args:
        history: A :class:`~losslab.train.History`.
        figure: Draw the curves; default when matplotlib is installed and two
            or more epochs were recorded.
    """
    title = html.escape(f"History: {history.loss or 'run'} ({history.task or 'task unknown'})")
    parts = [f"<div><p><strong>{title}</strong>, {html.escape(_status(history))}.</p>"]
    if history.records:
        parts.append(_final_table(history.final))
        if figure is None:
            figure = matplotlib_available() and len(history.records) >= 2
        if figure:
            parts.append(figure_html(_curves_figure(history), "loss and metric per epoch"))
    parts.append("</div>")
    return "".join(parts)

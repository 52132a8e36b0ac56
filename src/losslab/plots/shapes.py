"""Each loss and its derivative against the residual, margin or probability."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from losslab.plots._canvas import LabFigure, colours, new_figure

__all__ = ["loss_shapes"]


def loss_shapes(
    curves: pd.DataFrame,
    *,
    title: str = "",
    points: Mapping[str, Sequence[tuple[float, float]]] | None = None,
) -> LabFigure:
    """Two panels: the loss and its derivative, one curve per label.

    Args:
        curves: A table from :func:`losslab.experiments.loss_curves` (one axis kind).
        title: Prefix of the panel titles.
        points: Per label, ``(x, value)`` pairs to mark and annotate on the loss panel.
    """
    figure, (left, right) = new_figure(2, width=4.4, height=3.4)
    labels = list(dict.fromkeys(curves["label"]))
    palette = colours(labels)
    for label in labels:
        part = curves[curves["label"] == label]
        left.plot(part["x"], part["value"], color=palette[label], label=label, lw=1.6)
        right.plot(part["x"], part["derivative"], color=palette[label], label=label, lw=1.6)
        for x, value in (points or {}).get(label, ()):
            left.scatter([x], [value], color=palette[label], zorder=3, s=20)
            left.annotate(f"{value:.3g}", (x, value), textcoords="offset points", xytext=(4, 4),
                          fontsize="small")  # fmt: skip
    axis = str(curves["axis"].iloc[0])
    for ax, what in ((left, "loss"), (right, "derivative")):
        ax.set_xlabel(axis)
        ax.set_title(f"{title} {what}".strip())
        ax.axhline(0, color="#999999", lw=0.8)
        ax.grid(alpha=0.3)
    left.legend(fontsize="small")
    return figure

"""Models over their inputs: fitted lines on 1-D data, decision regions on 2-D data."""

from __future__ import annotations

import numpy as np

from losslab.experiments import BoundaryGrid, LineFits
from losslab.plots._canvas import LabFigure, colours, new_figure

__all__ = ["decision_boundaries", "fitted_lines"]


def fitted_lines(fits: LineFits, *, title: str = "fitted lines") -> LabFigure:
    """The data as points and one fitted line per loss."""
    figure, (ax,) = new_figure(1, width=6.0, height=4.0)
    ax.scatter(fits.X, fits.y, s=10, color="#555555", alpha=0.6, label="data")
    palette = colours(list(fits.lines))
    for label, line in fits.lines.items():
        ax.plot(fits.x, line, color=palette[label], lw=2, label=label)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return figure


def decision_boundaries(grid: BoundaryGrid) -> LabFigure:
    """One panel per loss: the probability of class 1 (or the class), the 0.5 contour, the data."""
    figure, axes = new_figure(len(grid.surfaces), width=3.8, height=3.4)
    n_classes = int(np.max(grid.y)) + 1
    for ax, (label, surface) in zip(axes, grid.surfaces.items(), strict=True):
        if grid.binary:
            ax.contourf(grid.xx, grid.yy, surface, levels=np.linspace(0, 1, 11), cmap="RdBu_r",
                        alpha=0.6)  # fmt: skip
            ax.contour(grid.xx, grid.yy, surface, levels=[0.5], colors="k", linewidths=1.2)
        else:
            ax.contourf(grid.xx, grid.yy, surface, levels=np.arange(n_classes + 1) - 0.5,
                        cmap="tab10", alpha=0.35)  # fmt: skip
        ax.scatter(grid.X[:, 0], grid.X[:, 1], c=grid.y, cmap="RdBu_r" if grid.binary else "tab10",
                   s=9, edgecolors="k", linewidths=0.2)  # fmt: skip
        ax.set_title(label)
        ax.set_xticks([])
        ax.set_yticks([])
    return figure

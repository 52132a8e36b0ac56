"""The reliability diagram: predicted probability against observed frequency."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from losslab.plots._canvas import LabFigure, colours, new_figure

__all__ = ["reliability_diagram"]


def reliability_diagram(tables: Mapping[str, pd.DataFrame], *, title: str = "") -> LabFigure:
    """One curve per model from reliability tables (:func:`losslab.experiments.reliability`).

    Marker area follows the number of rows in each bin; the diagonal is perfect calibration.
    """
    figure, (ax,) = new_figure(1, width=4.6, height=4.2)
    ax.plot([0, 1], [0, 1], ls="--", color="#888888", lw=1, label="calibrated")
    palette = colours(list(tables))
    for label, table in tables.items():
        size = 200 * table["count"] / max(float(table["count"].sum()), 1.0) + 8
        ax.plot(table["confidence"], table["frequency"], color=palette[label], lw=1.5, label=label)
        ax.scatter(table["confidence"], table["frequency"], s=size, color=palette[label], zorder=3)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("predicted probability (mean in bin)")
    ax.set_ylabel("observed frequency")
    ax.set_title(title or "reliability")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return figure

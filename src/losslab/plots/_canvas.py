"""Figures without pyplot: no global state, no GUI backend, PNG and SVG out.

:class:`LabFigure` is a :class:`matplotlib.figure.Figure` drawn with the Agg
canvas, and shows itself in Jupyter through ``_repr_png_``.

>>> figure, axes = new_figure(1, 1)
>>> png_bytes(figure)[1:4]
b'PNG'
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["LabFigure", "colours", "new_figure", "png_bytes", "save_figure"]

_PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip

# Metadata matplotlib writes by default holds its home-page URL; a report must carry none.
_PNG_METADATA = {"Software": None}
_SVG_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}


class LabFigure(Figure):
    """A matplotlib Figure on the Agg canvas that Jupyter displays inline."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        FigureCanvasAgg(self)

    def _repr_png_(self) -> bytes:
        return png_bytes(self)


def new_figure(ncols: int = 1, nrows: int = 1, *, width: float = 4.2, height: float = 3.2):
    """A :class:`LabFigure` with a grid of axes, each ``width`` x ``height`` inches.

    Returns:
        ``(figure, axes)``, axes as a flat list.
    """
    figure = LabFigure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=False)
    return figure, [ax for row in axes for ax in row]


def colours(labels: Sequence[str]) -> dict[str, str]:
    """One colour per label, stable in the order given."""
    return {label: _PALETTE[i % len(_PALETTE)] for i, label in enumerate(labels)}


def png_bytes(figure: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata=_PNG_METADATA)
    return buffer.getvalue()


def save_figure(figure: Figure, stem: str | Path, *, svg: bool = True) -> list[Path]:
    """Write ``stem.png`` (and ``stem.svg``) and return the paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png")]
    paths[0].write_bytes(png_bytes(figure))
    if svg:
        paths.append(stem.with_suffix(".svg"))
        figure.savefig(paths[1], format="svg", metadata=_SVG_METADATA)
    return paths

"""Figures of experiments, drawn with matplotlib's Agg canvas, and the HTML report.

Every function takes numbers already computed (by :mod:`losslab.experiments`)
and returns a :class:`LabFigure`, a matplotlib Figure that Jupyter shows
inline; :func:`save_figure` writes it as PNG and SVG. No pyplot, so no global
state and no GUI backend.
"""

from losslab._optional import require

require("report", "losslab.plots")

from losslab.plots._canvas import LabFigure, colours, new_figure, png_bytes, save_figure
from losslab.plots.calibration import reliability_diagram
from losslab.plots.convergence import band_panels, convergence, loss_and_accuracy
from losslab.plots.regions import decision_boundaries, fitted_lines
from losslab.plots.report import Report, Section, check_folder, comparison_report
from losslab.plots.shapes import loss_shapes

__all__ = [
    "LabFigure",
    "Report",
    "Section",
    "band_panels",
    "check_folder",
    "colours",
    "comparison_report",
    "convergence",
    "decision_boundaries",
    "fitted_lines",
    "loss_and_accuracy",
    "loss_shapes",
    "new_figure",
    "png_bytes",
    "reliability_diagram",
    "save_figure",
]

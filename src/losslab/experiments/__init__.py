"""Experiments: compare losses over seeds, and the seeds' headline claims measured.

:func:`compare` trains every (loss, seed) pair on one dataset and ranks the
losses by a metric they share; :mod:`losslab.experiments.demo` holds the
experiments behind ``losslab demo``. The helpers compute what the figures in
:mod:`losslab.plots` draw: bands over seeds, fitted lines, decision regions,
reliability tables and loss curves.
"""

from losslab._optional import require

require("report", "losslab.experiments")

from losslab.experiments import demo
from losslab.experiments._baseline import CONSTANT_HINT, beats, constant_prediction, constant_scores
from losslab.experiments._calibration import reliability
from losslab.experiments._compare import Comparison, Run, compare, dataset_spec, task_metrics
from losslab.experiments._curves import AxisValues, along_axis, loss_curves, parameter_family
from losslab.experiments._grids import BoundaryGrid, LineFits, decision_grid, line_fits
from losslab.experiments._specs import parse_loss, resolve_dataset, resolve_losses
from losslab.experiments._summary import (
    HIGHER_IS_BETTER,
    bands,
    default_target,
    epochs_to_target,
    metric_mode,
    summarise,
)
from losslab.specs import split_specs

__all__ = [
    "CONSTANT_HINT",
    "HIGHER_IS_BETTER",
    "AxisValues",
    "BoundaryGrid",
    "Comparison",
    "LineFits",
    "Run",
    "along_axis",
    "bands",
    "beats",
    "compare",
    "constant_prediction",
    "constant_scores",
    "dataset_spec",
    "decision_grid",
    "default_target",
    "demo",
    "epochs_to_target",
    "line_fits",
    "loss_curves",
    "metric_mode",
    "parameter_family",
    "parse_loss",
    "reliability",
    "resolve_dataset",
    "resolve_losses",
    "split_specs",
    "summarise",
    "task_metrics",
]

"""The constant model: what any loss must beat.

A model that ignores the features can still predict the best constant for
its loss: ``loss.optimal_constant(y_train)`` (the mean for MSE, the median
for MAE, the base-rate log-odds for logistic losses, the log class
frequencies for cross-entropy). Evaluated on the validation rows with the
task's metrics, it is the floor of a comparison: a trained run that ends no
better than its own loss's constant has learned nothing usable, most often
because the features are unscaled, the learning rate is off or the run is
too short. :func:`constant_scores` measures the constant exactly as
:func:`losslab.train.fit` measures a model (the same metrics on the same
rows); :func:`beats` is the one rule that flags a run.

>>> from losslab import datasets, losses
>>> parts = datasets.linear(n_samples=40, seed=0).split(0.25, seed=0)
>>> scores = constant_scores(losses.get("mse"), parts.y_train, parts.y_val)
>>> round(scores["val_r2"], 3) <= 0.0  # the training mean explains no validation variance
True
>>> beats(0.9, 0.6, "max"), beats(0.6, 0.6, "max"), beats(float("nan"), 0.6, "max")
(True, False, False)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losslab.metrics import Mode

# fit's own evaluation (link inverse, then the task's metrics), so the constant is scored
# exactly as every run is.
from losslab.train import _task_metrics, check_targets

__all__ = ["CONSTANT_HINT", "beats", "constant_prediction", "constant_scores"]

CONSTANT_HINT = (
    "a run that ends no better than the constant model has learned nothing usable from the "
    "features: check their scaling (standardize=true), the learning rate (too high "
    "oscillates, too low barely moves) and the number of epochs"
)
"""What to look at when a run does not beat its constant."""

# Logit given to a class the training rows never show (its optimal logit is -inf): its
# softmax probability underflows to exactly 0, and the prediction stays finite.
_ABSENT_CLASS_LOGIT = -1e3


def constant_prediction(loss: Any, y_train: Any, n_rows: int, n_outputs: int = 2) -> np.ndarray:
    """``n_rows`` copies of ``loss.optimal_constant(y_train)``, shaped as the loss's ``y_pred``.

    Multiclass labels are read as one-hot rows of ``n_outputs`` classes, so the
    constant has one logit per output of the model.

    Raises:
        TypeError, ValueError: A loss without an optimal constant, or targets it cannot read.
    """
    targets = check_targets(loss, y_train, n_outputs if loss.link.rows else None)
    if loss.task == "multiclass" and targets.ndim == 1:
        targets = np.eye(n_outputs)[targets.astype(np.int64)]
    constant = np.asarray(loss.optimal_constant(targets), dtype=np.float64)
    constant = np.where(np.isneginf(constant), _ABSENT_CLASS_LOGIT, constant)
    if constant.ndim == 0:
        return np.full(n_rows, float(constant))
    return np.tile(constant, (n_rows, 1))


def constant_scores(
    loss: Any, y_train: Any, y_val: Any | None = None, n_outputs: int = 2
) -> dict[str, float]:
    """The task's metrics of the constant model, as History columns.

    Args:
        loss: The loss whose optimal constant is the model.
        y_train: The training targets the constant is fitted on.
        y_val: The validation targets, or None.
        n_outputs: The model's outputs (classes) for losses on rows.

    Returns:
        ``train_<metric>`` and, with ``y_val``, ``val_<metric>`` for every
        metric of the task; empty when the loss has no optimal constant.
    """
    try:
        scores = {}
        parts = {"train": y_train} if y_val is None else {"train": y_train, "val": y_val}
        for part, y in parts.items():
            y = check_targets(loss, y, n_outputs if loss.link.rows else None)
            y_pred = constant_prediction(loss, y_train, len(y), n_outputs)
            scores.update({f"{part}_{k}": v for k, v in _task_metrics(loss, y_pred, y).items()})
    except (TypeError, ValueError, NotImplementedError):
        return {}
    return scores


def beats(value: float, constant: float, mode: Mode) -> bool:
    """Whether a run's ``value`` is strictly better than the constant's (a NaN never is).

    A tie counts as not beating it: a run that only matches the constant
    (every row called the majority class) has learned nothing usable.
    """
    if not math.isfinite(value):
        return False
    if not math.isfinite(constant):
        return True
    return value < constant if mode == "min" else value > constant

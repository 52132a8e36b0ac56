"""Evaluation metrics, written from their definitions.

Argument order follows the package convention ``metric(y_pred, y_true)``
(scikit-learn puts ``y_true`` first; the symmetric metrics do not care, the
asymmetric ones such as precision, recall and R² do). Classification labels
are integers ``0 .. K - 1``; binary probabilities and scores are those of
class 1.

>>> mean_squared_error([1.0, 2.0], [1.0, 4.0])
2.0
>>> accuracy([0, 1, 1], [0, 1, 0])
0.6666666666666666
>>> roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
0.75

:data:`METRICS` is the one table of what training records per task and which
way is better; :func:`metric_mode` reads it for a History column:

>>> metric_names("regression"), metric_mode("val_r2"), metric_mode("train_log_loss")
(('mse', 'rmse', 'mae', 'r2'), 'max', 'min')
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "HIGHER_IS_BETTER",
    "METRICS",
    "accuracy",
    "class_probabilities",
    "classification_metrics",
    "expected_calibration_error",
    "f1_score",
    "higher_is_better",
    "log_loss",
    "mean_absolute_error",
    "mean_squared_error",
    "metric_mode",
    "metric_names",
    "precision",
    "r2_score",
    "recall",
    "regression_metrics",
    "roc_auc",
    "root_mean_squared_error",
]

Average = Literal["binary", "macro"]
Mode = Literal["min", "max"]

_CLASSIFICATION: Mapping[str, Mode] = MappingProxyType(
    {
        "accuracy": "max",
        "precision": "max",
        "recall": "max",
        "f1": "max",
        "roc_auc": "max",
        "log_loss": "min",
        "ece": "min",
    }
)
METRICS: Mapping[str, Mapping[str, Mode]] = MappingProxyType(
    {
        "regression": MappingProxyType({"mse": "min", "rmse": "min", "mae": "min", "r2": "max"}),
        "binary": _CLASSIFICATION,
        "multiclass": _CLASSIFICATION,
    }
)
"""Per task, the metrics :func:`losslab.train.fit` records (as ``train_<name>`` and
``val_<name>``, in this order) and whether a lower (``"min"``) or higher (``"max"``)
value is better. Every other column (the losses themselves, ``expected_cost``) is
minimised."""

HIGHER_IS_BETTER = frozenset(
    name for table in METRICS.values() for name, mode in table.items() if mode == "max"
)
"""The metrics of :data:`METRICS` where larger is better."""


def metric_names(task: str) -> tuple[str, ...]:
    """The metrics recorded for ``task`` (``"regression"``, ``"binary"``, ``"multiclass"``).

    Raises:
        ValueError: For an unknown task.
    """
    if task not in METRICS:
        raise ValueError(f"task must be one of {tuple(METRICS)}, got {task!r}")
    return tuple(METRICS[task])


def metric_mode(column: str) -> Mode:
    """``"max"`` when a larger value of ``column`` is better, else ``"min"``.

    ``column`` is a metric name or a History column (``val_accuracy``, ``train_r2``,
    ``val_loss``).
    """
    base = column.removeprefix("train_").removeprefix("val_")
    return "max" if base in HIGHER_IS_BETTER else "min"


def higher_is_better(column: str) -> bool:
    """Whether larger values of ``column`` are better (accuracy, R², ...).

    >>> higher_is_better("val_accuracy"), higher_is_better("val_rmse")
    (True, False)
    """
    return metric_mode(column) == "max"


def _pair(y_pred: ArrayLike, y_true: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y_pred, y_true = np.asarray(y_pred), np.asarray(y_true)
    if y_pred.shape[0] != y_true.shape[0]:
        raise ValueError(
            "y_pred and y_true must have the same length, "
            f"got {y_pred.shape[0]} and {y_true.shape[0]}"
        )
    if y_true.shape[0] == 0:
        raise ValueError("y_true is empty")
    return y_pred, y_true


# ----------------------------------------------------------------------------- regression


def mean_squared_error(y_pred: ArrayLike, y_true: ArrayLike) -> float:
    """Mean squared error, ``(1/n) Σ (ŷ_i − y_i)²``."""
    y_pred, y_true = _pair(y_pred, y_true)
    return float(np.mean((y_pred - y_true) ** 2))


def root_mean_squared_error(y_pred: ArrayLike, y_true: ArrayLike) -> float:
    """Root mean squared error, ``sqrt((1/n) Σ (ŷ_i − y_i)²)``."""
    return float(np.sqrt(mean_squared_error(y_pred, y_true)))


def mean_absolute_error(y_pred: ArrayLike, y_true: ArrayLike) -> float:
    """Mean absolute error, ``(1/n) Σ |ŷ_i − y_i|``."""
    y_pred, y_true = _pair(y_pred, y_true)
    return float(np.mean(np.abs(y_pred - y_true)))


def r2_score(y_pred: ArrayLike, y_true: ArrayLike) -> float:
    """Coefficient of determination, ``1 − Σ (y_i − ŷ_i)² / Σ (y_i − ȳ)²``.

    As in scikit-learn, a constant ``y_true`` gives 1.0 for a perfect
    prediction and 0.0 otherwise (instead of dividing by zero).
    """
    y_pred, y_true = _pair(y_pred, y_true)
    residual = float(np.sum((y_true - y_pred) ** 2))
    total = float(np.sum((y_true - np.mean(y_true)) ** 2))
    if total == 0.0:
        return 1.0 if residual == 0.0 else 0.0
    return 1.0 - residual / total


def regression_metrics(y_pred: ArrayLike, y_true: ArrayLike) -> dict[str, float]:
    """MSE, RMSE, MAE and R² in one dict keyed ``mse``, ``rmse``, ``mae``, ``r2``."""
    mse = mean_squared_error(y_pred, y_true)
    return {
        "mse": mse,
        "rmse": float(np.sqrt(mse)),
        "mae": mean_absolute_error(y_pred, y_true),
        "r2": r2_score(y_pred, y_true),
    }


# ----------------------------------------------------------------------------- classification


def accuracy(labels_pred: ArrayLike, y_true: ArrayLike) -> float:
    """Share of rows whose predicted label equals the true one."""
    labels_pred, y_true = _pair(labels_pred, y_true)
    return float(np.mean(labels_pred == y_true))


def _confusion_counts(labels_pred, y_true, average: Average):
    """True positives, predicted positives and actual positives, per class."""
    labels_pred, y_true = _pair(labels_pred, y_true)
    if average == "binary":
        classes = np.array([1])
    elif average == "macro":
        classes = np.union1d(labels_pred, y_true)
    else:
        raise ValueError(f"average must be 'binary' or 'macro', got {average!r}")
    pred_pos = labels_pred[None, :] == classes[:, None]
    true_pos = y_true[None, :] == classes[:, None]
    tp = np.sum(pred_pos & true_pos, axis=1)
    return tp, pred_pos.sum(axis=1), true_pos.sum(axis=1)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    # 0/0 counts as 0, scikit-learn's zero_division=0.
    return np.where(denominator > 0, numerator / np.maximum(denominator, 1), 0.0)


def precision(labels_pred: ArrayLike, y_true: ArrayLike, *, average: Average = "binary") -> float:
    """Precision ``TP / (TP + FP)``: of 1 for ``average="binary"``, else the mean over classes.

    A class never predicted has precision 0 (scikit-learn's ``zero_division=0``).
    """
    tp, predicted, _ = _confusion_counts(labels_pred, y_true, average)
    return float(np.mean(_ratio(tp, predicted)))


def recall(labels_pred: ArrayLike, y_true: ArrayLike, *, average: Average = "binary") -> float:
    """Recall ``TP / (TP + FN)``: of 1 for ``average="binary"``, else the mean over classes."""
    tp, _, actual = _confusion_counts(labels_pred, y_true, average)
    return float(np.mean(_ratio(tp, actual)))


def f1_score(labels_pred: ArrayLike, y_true: ArrayLike, *, average: Average = "binary") -> float:
    """F1 ``2 TP / (2 TP + FP + FN)``, the harmonic mean of precision and recall, per class."""
    tp, predicted, actual = _confusion_counts(labels_pred, y_true, average)
    return float(np.mean(_ratio(2 * tp, predicted + actual)))


def _binary_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    from scipy.stats import rankdata  # here: scipy.stats takes 0.3-0.6 s to import

    # Mann-Whitney U: AUC = P(score_pos > score_neg) + ½ P(tie); average ranks count ties as ½.
    ranks = rankdata(scores)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def roc_auc(scores: ArrayLike, y_true: ArrayLike) -> float:
    """Area under the ROC curve.

    Binary: ``scores`` of shape ``(n,)`` rank rows by how likely they are
    class 1; AUC is the probability that a random positive outranks a random
    negative (ties count ½), computed from ranks. Multiclass: ``scores`` of
    shape ``(n, K)`` and the unweighted mean of one-vs-rest AUCs (scikit-learn's
    ``multi_class="ovr", average="macro"``). NaN when ``y_true`` holds a
    single class, where the AUC is undefined.
    """
    scores, y_true = _pair(scores, y_true)
    if scores.ndim == 1:
        return _binary_auc(scores, y_true == 1)
    aucs = [_binary_auc(scores[:, k], y_true == k) for k in range(scores.shape[1])]
    return float(np.mean(aucs))


def class_probabilities(proba: np.ndarray) -> np.ndarray:
    """Rows of class probabilities: ``(n,)`` probabilities of class 1 become ``(n, 2)`` rows.

    ``(n, K)`` rows are returned unchanged.
    """
    return np.column_stack([1 - proba, proba]) if proba.ndim == 1 else proba


def log_loss(proba: ArrayLike, y_true: ArrayLike) -> float:
    """Mean negative log-likelihood ``−(1/n) Σ log p_i[y_i]``.

    ``proba`` is ``(n,)`` probabilities of class 1, or ``(n, K)`` rows.
    Probabilities are clipped to ``[ε, 1 − ε]`` with ε the float64 machine
    epsilon, as scikit-learn does, so a confident mistake costs about 36, not inf.
    """
    proba, y_true = _pair(proba, y_true)
    rows = class_probabilities(np.asarray(proba, dtype=np.float64))
    eps = np.finfo(np.float64).eps
    picked = np.clip(rows[np.arange(rows.shape[0]), y_true.astype(np.int64)], eps, 1 - eps)
    return float(-np.mean(np.log(picked)))


def expected_calibration_error(proba: ArrayLike, y_true: ArrayLike, *, n_bins: int = 10) -> float:
    """Expected calibration error of the top-label confidence (Guo et al., 2017).

    ``ECE = Σ_b (n_b / n) |acc_b − conf_b|`` where each row's confidence is the
    largest class probability, rows are put in ``n_bins`` equal-width bins
    ``(b/B, (b+1)/B]`` of confidence (the first closed at 0), ``acc_b`` is the
    share of correct top-label predictions in bin ``b`` and ``conf_b`` the mean
    confidence there. ``proba`` is ``(n,)`` probabilities of class 1 or
    ``(n, K)`` rows.
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    proba, y_true = _pair(proba, y_true)
    rows = class_probabilities(np.asarray(proba, dtype=np.float64))
    confidence = rows.max(axis=1)
    correct = (rows.argmax(axis=1) == y_true).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.searchsorted(edges[1:-1], confidence)
    count = np.bincount(bins, minlength=n_bins)
    gap = np.abs(
        np.bincount(bins, weights=correct, minlength=n_bins)
        - np.bincount(bins, weights=confidence, minlength=n_bins)
    )
    # |Σ correct − Σ conf| / n over a bin equals (n_b / n) |acc_b − conf_b|.
    return float(gap[count > 0].sum() / confidence.size)


def classification_metrics(proba: ArrayLike, y_true: ArrayLike) -> dict[str, float]:
    """Accuracy, precision, recall, F1, ROC AUC, log loss and ECE in one dict.

    Args:
        proba: ``(n,)`` probabilities of class 1 (binary) or ``(n, K)`` rows.
        y_true: Integer labels.

    Returns:
        Keys ``accuracy``, ``precision``, ``recall``, ``f1`` (binary: of class
        1; multiclass: macro averages), ``roc_auc``, ``log_loss``, ``ece``.
    """
    proba = np.asarray(proba, dtype=np.float64)
    y_true = np.asarray(y_true)
    if proba.ndim == 1:
        labels = (proba > 0.5).astype(np.int64)
        average: Average = "binary"
    else:
        labels = proba.argmax(axis=1)
        average = "macro"
    return {
        "accuracy": accuracy(labels, y_true),
        "precision": precision(labels, y_true, average=average),
        "recall": recall(labels, y_true, average=average),
        "f1": f1_score(labels, y_true, average=average),
        "roc_auc": roc_auc(proba, y_true),
        "log_loss": log_loss(proba, y_true),
        "ece": expected_calibration_error(proba, y_true),
    }

"""Asymmetric regression losses: LINEX and squared error weighted by the side of the error.

The residual is r = y_pred - y_true, so r < 0 is an under-prediction. The
pinball loss, the other classic asymmetric loss, is the catalogue's
``quantile``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losslab._array import Array
from losslab.custom._loss import CustomLoss
from losslab.losses import Loss
from losslab.losses.batch import Batch, check_positive, check_range, prepare

__all__ = ["asymmetric_squared", "linex"]

# Below this |a r| the series of e^x - 1 - x is used: expm1(x) - x loses about
# 2 eps / |x| relative accuracy to cancellation, and the series' first omitted
# term, x^8 / 8!, is below 1e-16 of x^2 / 2 there.
_SERIES_CUTOFF = 1e-2


# ---------------------------------------------------------------- LINEX


def _check_linex(a: Any, b: Any) -> tuple[float, float]:
    a = check_range(a, "a")
    if a == 0.0:
        raise ValueError("a must not be 0 (LINEX tends to b r² / 2 as a -> 0; use mse)")
    return a, check_positive(b, "b")


def _exp_minus_linear(xp: Any, x: Array) -> Array:
    """e^x - 1 - x without cancellation near 0; +inf (no warning) once e^x overflows."""
    small = xp.abs(x) < _SERIES_CUTOFF
    s = xp.where(small, x, xp.zeros_like(x))  # keeps the unused series branch finite
    series = (s * s) * (
        0.5 + s * (1 / 6 + s * (1 / 24 + s * (1 / 120 + s * (1 / 720 + s * (1 / 5040)))))
    )
    return xp.where(small, series, xp.expm1(x) - x)


def _linex_batch(y_pred: Any, y_true: Any, weights: Any, reduction: str) -> Batch:
    return prepare(y_pred, y_true, weights, reduction)


def _linex(
    y_pred: Any, y_true: Any, *, a: float, b: float, weights: Any = None, reduction: str = "mean"
) -> Array:
    batch = _linex_batch(y_pred, y_true, weights, reduction)
    x = a * (batch.y_pred - batch.y_true)
    with np.errstate(over="ignore"):
        return batch.value((b / (a * a)) * _exp_minus_linear(batch.xp, x))


def _linex_grad(
    y_pred: Any, y_true: Any, *, a: float, b: float, weights: Any = None, reduction: str = "mean"
) -> Array:
    batch = _linex_batch(y_pred, y_true, weights, reduction)
    with np.errstate(over="ignore"):
        return batch.derivative((b / a) * batch.xp.expm1(a * (batch.y_pred - batch.y_true)))


def _linex_hess(
    y_pred: Any, y_true: Any, *, a: float, b: float, weights: Any = None, reduction: str = "mean"
) -> Array:
    batch = _linex_batch(y_pred, y_true, weights, reduction)
    with np.errstate(over="ignore"):
        return batch.derivative(b * batch.xp.exp(a * (batch.y_pred - batch.y_true)))


def linex(a: float = 1.0, b: float = 1.0) -> Loss:
    """LINEX loss (Varian 1975): exponential on one side of the error, linear on the other.

    Domain: ``y_pred`` and ``y_true`` real, same shape; ``a != 0``, ``b > 0``.

    Formula, with r = y_pred - y_true and x = a r:

        l = b (e^x - x - 1) / a²,   gradient b (e^x - 1) / a,   Hessian b e^x.

    About b r² / 2 near r = 0, so it tends to mse / 2 scaled by b as a -> 0.
    For a > 0 over-prediction costs exponentially and under-prediction
    linearly (slope b / |a|); a < 0 mirrors it. The minimiser of its
    expectation is (1/a) log E[e^(a y)]: below the mean for a > 0. Near
    x = 0 the loss uses the Taylor series of e^x - 1 - x (no cancellation);
    once e^x overflows (x > 709) the loss and its derivatives are +inf, as the
    true values exceed the float range.

    Example:
        >>> loss = linex(a=1.0, b=1.0)
        >>> [round(v, 6) for v in loss([1.0, -1.0], [0.0, 0.0], reduction="none").tolist()]
        [0.718282, 0.367879]
    """
    a, b = _check_linex(a, b)
    return CustomLoss(
        "linex",
        _linex,
        _linex_grad,
        _linex_hess,
        params={"a": a, "b": b},
        task="regression",
        y_pred_kind="value",
        summary="LINEX: exponential cost on one side of the error, linear on the other.",
        factory=linex,
        factory_kwargs={"a": a, "b": b},
    )


# ---------------------------------------------------------------- asymmetric squared


def _side_weight(batch: Batch, under: float, over: float) -> tuple[Array, Array]:
    r = batch.y_pred - batch.y_true
    ones = batch.xp.ones_like(r)
    # r = 0 takes the "over" weight; the loss and gradient are 0 there either way.
    return r, batch.xp.where(r < 0, under * ones, over * ones)


def _asymmetric_squared(
    y_pred: Any,
    y_true: Any,
    *,
    under: float,
    over: float,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    batch = prepare(y_pred, y_true, weights, reduction)
    r, w = _side_weight(batch, under, over)
    return batch.value(w * r * r)


def _asymmetric_squared_grad(
    y_pred: Any,
    y_true: Any,
    *,
    under: float,
    over: float,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    batch = prepare(y_pred, y_true, weights, reduction)
    r, w = _side_weight(batch, under, over)
    return batch.derivative(2.0 * w * r)


def _asymmetric_squared_hess(
    y_pred: Any,
    y_true: Any,
    *,
    under: float,
    over: float,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    batch = prepare(y_pred, y_true, weights, reduction)
    return batch.derivative(2.0 * _side_weight(batch, under, over)[1])


def asymmetric_squared(under: float = 2.0, over: float = 1.0) -> Loss:
    """Squared error with one weight for under-predictions and another for over-predictions.

    Domain: ``y_pred`` and ``y_true`` real, same shape; ``under, over > 0``.

    Formula, with r = y_pred - y_true and w = under if r < 0 else over:

        l = w r²,   gradient 2 w r,   Hessian 2 w   (the "over" side at r = 0).

    With under = over = 1 it is ``mse``. Its minimiser over a distribution of
    y_true is the expectile at level tau = under / (under + over) (Newey and
    Powell 1987): above the mean when under-prediction costs more, the
    squared-error analogue of the quantile loss.

    Example:
        >>> loss = asymmetric_squared(under=5.0, over=1.0)
        >>> loss([9.0, 11.0], [10.0, 10.0], reduction="none").tolist()
        [5.0, 1.0]
    """
    under_ = check_positive(under, "under")
    over_ = check_positive(over, "over")
    return CustomLoss(
        "asymmetric_squared",
        _asymmetric_squared,
        _asymmetric_squared_grad,
        _asymmetric_squared_hess,
        params={"under": under_, "over": over_},
        task="regression",
        y_pred_kind="value",
        summary="Squared error weighted by side: under-predictions and over-predictions apart.",
        factory=asymmetric_squared,
        factory_kwargs={"under": under_, "over": over_},
    )

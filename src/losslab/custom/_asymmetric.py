"""Asymmetric regression losses: LINEX and squared error weighted by the side of the error.

The residual is r = y_pred - y_true, so r < 0 is an under-prediction. The
pinball loss, the other classic asymmetric loss, is the catalogue's
``quantile``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from losslab import links
from losslab._math import m
from losslab.custom._loss import from_definition
from losslab.losses import Elementwise, Loss, Param, Properties, definition
from losslab.losses.batch import check_range

__all__ = ["AsymmetricSquared", "Linex", "asymmetric_squared", "linex"]

# Below this |a r| the series of e^x - 1 - x is used: expm1(x) - x loses about
# 2 eps / |x| relative accuracy to cancellation, and the series' first omitted
# term, x^8 / 8!, is below 1e-16 of x^2 / 2 there.
_SERIES_CUTOFF = 1e-2


# ---------------------------------------------------------------- LINEX


def _nonzero(a: Any) -> Any:
    check_range(a, "a")
    if a == 0:
        raise ValueError("a must not be 0 (LINEX tends to b r² / 2 as a -> 0; use mse)")
    return a


def _exp_minus_linear(x):
    """e^x - 1 - x without cancellation near 0; +inf once e^x overflows."""
    small = m.abs(x) < _SERIES_CUTOFF
    s = m.where(small, x, 0.0)  # keeps the series finite where it is not used
    series = (s * s) * (
        0.5 + s * (1 / 6 + s * (1 / 24 + s * (1 / 120 + s * (1 / 720 + s * (1 / 5040)))))
    )
    return m.where(small, series, m.expm1(x) - x)


class Linex(Elementwise):
    """LINEX loss (Varian 1975): exponential on one side of the error, linear on the other.

    Domain: ``y_pred`` and ``y_true`` real, same shape; ``a != 0``, ``b > 0``.

    Formula, with r = y_pred - y_true and x = a r:

        l = b (e^x - x - 1) / a²,   gradient b (e^x - 1) / a,   Hessian b e^x.

    About b r² / 2 near r = 0, so it tends to mse / 2 scaled by b as a -> 0.
    For a > 0 over-prediction costs exponentially and under-prediction
    linearly (slope b / |a|); a < 0 mirrors it. The minimiser of its
    expectation is -(1/a) log E[e^(-a y)]: below the mean for a > 0. Near
    x = 0 the loss uses the Taylor series of e^x - 1 - x (no cancellation);
    once e^x overflows (x > 709) the loss and its derivatives are +inf, as the
    true values exceed the float range.
    """

    name = "linex"
    task = "regression"
    link = links.IDENTITY
    params = (Param("a", 1.0, check=_nonzero), Param("b", 1.0, low=0.0, low_open=True))
    summary = "LINEX: exponential cost on one side of the error, linear on the other."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex (Hessian b e^(a r) > 0) and smooth; the exponential side's force is unbounded."""
        return Properties(convex=True, smoothness="Cinf", lipschitz=None, robust=False)

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """-(1/a) log of the weighted mean of e^(-a y), computed as a log-sum-exp."""
        a = float(params["a"])
        t = np.asarray(y_true, dtype=np.float64).reshape(-1)
        w = np.ones_like(t) if weights is None else np.broadcast_to(weights, np.shape(y_true))
        w = np.asarray(w, dtype=np.float64).reshape(-1)
        x = -a * t
        top = np.max(x[w > 0])
        return np.asarray(-(top + np.log(np.sum(w * np.exp(x - top)) / np.sum(w))) / a)

    @staticmethod
    def value(p, t, a, b):
        return (b / (a * a)) * _exp_minus_linear(a * (p - t))

    @staticmethod
    def grad(p, t, a, b):
        """The gradient b (e^(a r) - 1) / a."""
        return (b / a) * m.expm1(a * (p - t))

    @staticmethod
    def hess(p, t, a, b):
        """The Hessian b e^(a r)."""
        return b * m.exp(a * (p - t))


def linex(a: float = 1.0, b: float = 1.0) -> Loss:
    """The LINEX loss with asymmetry ``a`` and scale ``b`` (see :class:`Linex`).

    Example:
        >>> loss = linex(a=1.0, b=1.0)
        >>> [round(v, 6) for v in loss([1.0, -1.0], [0.0, 0.0], reduction="none").tolist()]
        [0.718282, 0.367879]
    """
    return from_definition(Linex, {"a": a, "b": b}, factory=linex, factory_kwargs={"a": a, "b": b})


# ---------------------------------------------------------------- asymmetric squared


class AsymmetricSquared(definition("expectile")):
    """Squared error with one weight for under-predictions and another for over-predictions.

    Domain: ``y_pred`` and ``y_true`` real, same shape; ``under, over > 0``.

    Formula, with r = y_pred - y_true and w = under if r < 0 else over:

        l = w r²,   gradient 2 w r,   Hessian 2 w   (the "over" side at r = 0).

    It is the catalogue's ``expectile`` formula with free weights:
    (under + over) expectile(tau = under / (under + over)). With
    under = over = 1 it is ``mse``. Its minimiser over a distribution of
    y_true is the expectile at level tau (Newey and Powell 1987): above the
    mean when under-prediction costs more.
    """

    name = "asymmetric_squared"
    params = (
        Param("under", 2.0, low=0.0, low_open=True),
        Param("over", 1.0, low=0.0, low_open=True),
    )
    summary = "Squared error weighted by side: under-predictions and over-predictions apart."

    @classmethod
    def arguments(cls, params: Mapping[str, Any], eps: float) -> tuple[float, ...]:
        """The two weights, as given."""
        return float(params["under"]), float(params["over"])

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex; the Hessian jumps at r = 0 unless the two weights are equal."""
        smooth = "Cinf" if float(params["under"]) == float(params["over"]) else "C1"
        return Properties(convex=True, smoothness=smooth, lipschitz=None, robust=False)


def asymmetric_squared(under: float = 2.0, over: float = 1.0) -> Loss:
    """Squared error weighted by the side of the error (see :class:`AsymmetricSquared`).

    Example:
        >>> loss = asymmetric_squared(under=5.0, over=1.0)
        >>> loss([9.0, 11.0], [10.0, 10.0], reduction="none").tolist()
        [5.0, 1.0]
    """
    return from_definition(
        AsymmetricSquared,
        {"under": under, "over": over},
        factory=asymmetric_squared,
        factory_kwargs={"under": under, "over": over},
    )

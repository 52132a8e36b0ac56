"""What a loss is, mathematically, stated as data; and the constant that minimises it.

Every catalogue definition answers :meth:`~losslab.losses._define.Definition.properties`
with a :class:`Properties`, and :meth:`~losslab.losses._define.Definition.optimal_constant`
with the best constant prediction. ``tests/losses/test_stated_properties.py`` checks
every statement against the loss's own value, gradient and Hessian, so a
property written here is a property that holds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

__all__ = [
    "Properties",
    "Smoothness",
    "broadcast_weights",
    "log_weighted_mean",
    "mean_target_row",
    "minimise_constant",
    "weighted_quantile",
    "weighted_quantiles",
]

Smoothness = Literal["C0", "C1", "C2", "Cinf"]


@dataclass(frozen=True)
class Properties:
    """Mathematical properties of a loss at given parameters, in ``y_pred``.

    Attributes:
        convex: The per-example loss is convex in ``y_pred`` for every target.
        smoothness: How often it is continuously differentiable in ``y_pred``:
            ``"C0"`` (kinks: MAE, hinge), ``"C1"`` (Huber), ``"C2"``, ``"Cinf"``.
        lipschitz: The smallest L with ``|l(a) - l(b)| <= L |a - b|`` (the bound
            on the gradient's norm, per example, rows in the Euclidean norm);
            None when the gradient is unbounded.
        robust: Bounded influence: the gradient stays bounded however far
            ``y_pred`` moves from the target (an outlier pulls with finite force).
        redescending: The influence falls back to 0 far from the target (an
            outlier far enough away is ignored): Welsch, Tukey, Cauchy.
        proper: For classification losses, a proper scoring rule: the
            expected loss under true class probabilities is minimised by
            predicting them (through the link). None for other tasks.
        calibrated: For classification losses, classification-calibrated:
            minimising the expected loss gives the Bayes decision (the sign of
            the margin agrees with the majority class). None for other tasks.
    """

    convex: bool
    smoothness: Smoothness
    lipschitz: float | None
    robust: bool
    redescending: bool = False
    proper: bool | None = None
    calibrated: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        """The properties as a plain dictionary (for tables and JSON)."""
        return asdict(self)


def broadcast_weights(weights: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """``weights`` as float64 broadcast to the examples' ``shape``, or None without weights."""
    return None if weights is None else np.broadcast_to(np.asarray(weights, np.float64), shape)


def log_weighted_mean(y_true: Any, weights: Any) -> np.ndarray:
    """The log of the weighted mean of ``y_true`` (-inf when it is 0).

    The best constant log-mean of the Poisson, Tweedie and Gamma losses.
    """
    t = np.asarray(y_true, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.asarray(np.log(np.average(t, weights=broadcast_weights(weights, t.shape))))


def mean_target_row(y_true: Any, weights: Any) -> np.ndarray:
    """The weighted mean target row of labels (K = the largest label + 1) or probability rows."""
    t = np.asarray(y_true)
    if t.dtype.kind in "biu":
        rows, shape = np.eye(int(t.max()) + 1)[t.reshape(-1)], t.shape
    else:
        rows, shape = t.astype(np.float64).reshape(-1, t.shape[-1]), t.shape[:-1]
    w = broadcast_weights(weights, shape)
    return np.average(rows, axis=0, weights=None if w is None else w.reshape(-1))


def weighted_quantile(values: np.ndarray, weights: np.ndarray | None, q: float) -> float:
    """The q-quantile of ``values`` under ``weights``: a minimiser of the weighted pinball loss.

    The smallest value whose cumulative weight reaches q of the total; where
    the cumulative weight equals q exactly, the midpoint of that value and the
    next (every point between them minimises the loss; the midpoint is the
    usual median of an even count).
    """
    return weighted_quantiles(values, weights, [q])[0]


def weighted_quantiles(values: np.ndarray, weights: np.ndarray | None, qs: Any) -> list[float]:
    """:func:`weighted_quantile` at each of ``qs``, sorting ``values`` once."""
    v = np.asarray(values, dtype=np.float64).ravel()
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    keep = w > 0
    v, w = v[keep], w[keep]
    cumulative = np.cumsum(w)
    found = []
    for q in qs:
        target = q * cumulative[-1]
        i = min(int(np.searchsorted(cumulative, target, side="left")), v.size - 1)
        if math.isclose(cumulative[i], target, rel_tol=1e-12) and i + 1 < v.size:
            found.append(float((v[i] + v[i + 1]) / 2.0))
        else:
            found.append(float(v[i]))
    return found


def minimise_constant(
    objective: Callable[[np.ndarray], float],
    gradient: Callable[[np.ndarray], np.ndarray],
    start: np.ndarray,
) -> np.ndarray:
    """The constant ``c`` (a scalar or a row) minimising ``objective(c)``, from ``start``.

    L-BFGS with the loss's exact gradient; for losses without a closed form
    (Huber, log-cosh, Barron, the robust family). A non-convex loss gets the
    local minimum nearest ``start``, which callers choose well (the median
    for the redescending losses).
    """
    from scipy.optimize import minimize

    x0 = np.atleast_1d(np.asarray(start, dtype=np.float64))
    result = minimize(
        lambda x: float(objective(x)),
        x0,
        jac=lambda x: np.asarray(gradient(x), dtype=np.float64).reshape(x0.shape),
        method="L-BFGS-B",
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 1000},
    )
    return result.x.reshape(np.shape(start))

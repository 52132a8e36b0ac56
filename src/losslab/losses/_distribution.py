"""Losses of a predicted distribution: a Gaussian's mean and log-variance, a row of quantiles.

Each is a :class:`~losslab.losses._define.Rows` definition: ``y_pred`` holds one
row per example (``(mu, s)`` for :class:`GaussianNLL`, Q quantile predictions
for :class:`MultiQuantile`) and ``y_true`` one real target per row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from array_api_compat import device

from losslab import links
from losslab._math import array_math, bind
from losslab.losses._define import Param, Rows
from losslab.losses._properties import Properties, broadcast_weights, weighted_quantile
from losslab.losses._registry import register
from losslab.losses._regression import Quantile

# ---------------------------------------------------------------- gaussian_nll


def _gaussian_parts(xp: Any, z: Any, t: Any) -> tuple[Any, Any, Any, Any]:
    """The residual r = mu - y (or None), e = exp(-s/4), a = r e^{-s/2} and r = 0.

    e^{-s/2} = e e is applied one factor at a time: the products are monotone, so
    none overflows or underflows unless the result does (r = 1e-300 with s = -1500
    gives a = 1e26). A residual whose difference overflows is taken in halves.
    """
    mu, s = z[..., 0], z[..., 1]
    r = mu - t
    e = xp.exp(-0.25 * s)
    zero = r == 0.0
    half = 0.5 * mu - 0.5 * t
    finite = xp.isfinite(r)
    # Where r overflows, r e² = 2 ((r/2) e) e; both sides are evaluated, the other discarded.
    a = xp.where(finite, (r * e) * e, 2.0 * ((half * e) * e))
    a = xp.where(zero, xp.zeros_like(a), a)
    return r, e, a, zero


def _gaussian_force(xp: Any, a: Any, e: Any, zero: Any) -> Any:
    """The force r e^{-s} = a e e, 0 where r = 0 (never 0 x inf)."""
    force = (a * e) * e
    return xp.where(zero, xp.zeros_like(force), force)


class GaussianNLL(Rows):
    r"""Gaussian negative log-likelihood of a predicted mean and log-variance.

    Domain: ``y_pred`` rows ``(mu, s)`` of shape ``(..., 2)``: the mean and the
    log-variance s = log sigma²; ``y_true`` one real value per row, ``(...)``.

    $$
    \begin{gathered}
    \ell(\mu, s) = \frac{s + r^2 e^{-s}}{2}, \qquad \nabla \ell = \begin{pmatrix} r e^{-s} \\
    \frac12 (1 - r^2 e^{-s}) \end{pmatrix}, \\
    \nabla^2 \ell = \begin{pmatrix} e^{-s} & -r e^{-s} \\ -r e^{-s} & \frac12 r^2 e^{-s}
    \end{pmatrix}, \qquad r = \mu - y.
    \end{gathered}
    $$

    Formula, with r = mu - y:

        l = (s + r² e^{-s}) / 2

    the negative log-density of N(mu, e^s) at y without the constant
    log(2 pi) / 2. Gradient (r e^{-s}, (1 - r² e^{-s}) / 2); Hessian block
    [[e^{-s}, -r e^{-s}], [-r e^{-s}, r² e^{-s} / 2]]. Its determinant
    -r² e^{-2s} / 2 is negative wherever r != 0: the loss is convex in mu and in
    s separately, not jointly. r² e^{-s} / 2 is computed as a (a / 2) with
    a = r e^{-s/4} e^{-s/4}: exact where r = 1e-300 and s = -1500, finite
    wherever r² e^{-s} / 2 is (a² alone overflows first), and 0 (not NaN)
    where r = 0 and e^{-s} overflows.

    Same as ``torch.nn.functional.gaussian_nll_loss(mu, y, var=exp(s),
    full=False)`` wherever exp(s) exceeds torch's clamp ``eps`` (1e-6 by
    default), with ``full=True`` adding log(2 pi) / 2; here the variance is
    never clamped: the log-variance parametrisation keeps it positive.

    Example (a unit-variance prediction one standard deviation off):
        >>> gaussian_nll([[1.0, 0.0]], [0.0], reduction="none").tolist()
        [0.5]
    """

    name = "gaussian_nll"
    task = "distribution"
    link = links.GAUSSIAN
    target = "value"
    summary = "Gaussian negative log-likelihood of a predicted mean and log-variance."

    @classmethod
    def width(cls, params: Mapping[str, Any]) -> int:
        """Two: the mean and the log-variance."""
        return 2

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Not jointly convex (the Hessian's determinant is -r² e^{-2s} / 2); unbounded force."""
        return Properties(convex=False, smoothness="Cinf", lipschitz=None, robust=False)

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The row (weighted mean, log of the weighted variance); -inf for a constant target."""
        t = np.asarray(y_true, dtype=np.float64)
        w = broadcast_weights(weights, t.shape)
        mean = np.average(t, weights=w)
        variance = np.average((t - mean) ** 2, weights=w)
        with np.errstate(divide="ignore"):
            return np.array([mean, np.log(variance)])

    @staticmethod
    def value(xp, z, t):
        _, _, a, _ = _gaussian_parts(xp, z, t)
        return 0.5 * z[..., 1] + a * (0.5 * a)

    @staticmethod
    def grad(xp, z, t):
        """(r e^{-s}, (1 - r² e^{-s}) / 2) with r = mu - y."""
        _, e, a, zero = _gaussian_parts(xp, z, t)
        return xp.stack([_gaussian_force(xp, a, e, zero), 0.5 - a * (0.5 * a)], axis=-1)

    @staticmethod
    def hess(xp, z, t):
        """[[e^{-s}, -r e^{-s}], [-r e^{-s}, r² e^{-s} / 2]]."""
        _, e, a, zero = _gaussian_parts(xp, z, t)
        precision = ((e * e) * e) * e
        cross = -_gaussian_force(xp, a, e, zero)
        rows = [xp.stack([precision, cross], axis=-1), xp.stack([cross, a * (0.5 * a)], axis=-1)]
        return xp.stack(rows, axis=-2)


# ---------------------------------------------------------------- multi_quantile


def _levels(value: Any) -> tuple[float, ...]:
    """``qs`` as a non-empty tuple of floats, each in (0, 1)."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"qs must be a sequence of quantile levels, got {value!r}")
    levels = tuple(value)
    if not levels:
        raise ValueError("qs must hold at least one quantile level")
    for q in levels:
        if isinstance(q, bool) or not isinstance(q, (int, float, np.floating, np.integer)):
            raise TypeError(f"qs must hold real numbers, got {q!r}")
        if not 0.0 < float(q) < 1.0:
            raise ValueError(f"qs must lie in (0, 1), got {q!r}")
    return tuple(float(q) for q in levels)


def _pinball(xp: Any, which: str, z: Any, t: Any, qs: tuple[float, ...]) -> Any:
    """Quantile's element function ``which`` on every column j at level qs[j]."""
    levels = xp.asarray(qs, dtype=z.dtype, device=device(z))
    function = bind(getattr(Quantile, which), array_math(xp, z.dtype))
    return function(z, t[..., None], levels)


class MultiQuantile(Rows):
    r"""The pinball loss of several quantile predictions at once, summed over the levels.

    Domain: ``y_pred`` rows of Q predictions ``(..., Q)``, column j the
    prediction of the qs[j]-quantile; ``y_true`` one real value per row; ``qs``
    a tuple of levels in (0, 1) (default (0.1, 0.5, 0.9)), Q = len(qs).

    $$
    \begin{gathered}
    \ell = \sum_j \rho_{q_j}(r_j), \qquad \rho_q(r) = \begin{cases} (1 - q)\, r & r \ge 0 \\
    -q\, r & r < 0 \end{cases}, \\
    \frac{\partial \ell}{\partial \hat y_j} = \begin{cases} 1 - q_j & r_j > 0 \\ 0 & r_j = 0 \\
    -q_j & r_j < 0 \end{cases}, \qquad \nabla^2 \ell = 0, \qquad r_j = \hat y_j - y.
    \end{gathered}
    $$

    Formula, with r_j = y_pred_j - y_true: l = sum_j pinball_{q_j}(r_j), the
    pinball loss of :func:`~losslab.losses.quantile` (the same element
    functions): (1 - q_j) r_j above the target, -q_j r_j below. The sum, not
    the mean, over the levels: each column is exactly ``quantile(q=qs[j])`` of
    that column. Gradient 1 - q_j or -q_j per column (0 at r_j = 0); Hessian
    0. Minimised by the weighted q_j-quantiles of y_true, column by column.
    Same as summing scikit-learn's ``mean_pinball_loss(alpha=q_j)`` over j
    (or Keras' ``quantile`` losses of each head).

    Example:
        >>> multi_quantile([[0.0, 1.0, 2.0]], [1.0], reduction="none").tolist()
        [0.2]
    """

    name = "multi_quantile"
    task = "distribution"
    link = links.QUANTILES
    target = "value"
    params = (Param("qs", (0.1, 0.5, 0.9), check=_levels),)
    summary = "Pinball losses of several quantiles at once, summed: a predicted interval."

    @classmethod
    def width(cls, params: Mapping[str, Any]) -> int:
        """One column per level."""
        return len(params["qs"])

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex, kinked at each target; force at most sqrt(sum_j max(q_j, 1 - q_j)²)."""
        bound = math.sqrt(sum(max(q, 1.0 - q) ** 2 for q in params["qs"]))
        return Properties(convex=True, smoothness="C0", lipschitz=bound, robust=True)

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The weighted q_j-quantiles of ``y_true``, one per column."""
        t = np.asarray(y_true, dtype=np.float64)
        w = broadcast_weights(weights, t.shape)
        return np.array([weighted_quantile(t, w, q) for q in params["qs"]])

    @staticmethod
    def value(xp, z, t, qs):
        return xp.sum(_pinball(xp, "value", z, t, qs), axis=-1)

    @staticmethod
    def grad(xp, z, t, qs):
        """1 - q_j where y_pred_j > y_true, -q_j where below, 0 where equal."""
        return _pinball(xp, "grad", z, t, qs)

    @staticmethod
    def hess(xp, z, t, qs):
        """0 everywhere (piecewise linear)."""
        k = z.shape[-1]
        return xp.zeros((*z.shape, k), dtype=z.dtype, device=device(z))


gaussian_nll, gaussian_nll_grad, gaussian_nll_hess = register(GaussianNLL)
multi_quantile, multi_quantile_grad, multi_quantile_hess = register(MultiQuantile)

"""Regression losses of positive targets: Tweedie and Gamma deviances on a log-mean, MSLE.

Tweedie and Gamma take ``y_pred`` as the log of the predicted mean (link
:data:`losslab.links.LOG`, like ``poisson_nll``) and are scikit-learn's
``HalfTweedieLoss`` and ``HalfGammaLoss``; MSLE is Keras' mean squared
logarithmic error on the values themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from losslab import links
from losslab._math import m
from losslab.losses._define import Elementwise, Param
from losslab.losses._properties import Properties, broadcast_weights, log_weighted_mean
from losslab.losses._registry import register


def _times_exp(k, u):
    """The product k e^u for k >= 0, finite wherever it is: past |u| = 700, e^(u + log k)."""
    near = m.abs(u) <= 700.0
    return m.where(near, k * m.exp(m.clip(u, -700.0, 700.0)), m.exp(u + m.log(k)))


class Tweedie(Elementwise):
    r"""Half Tweedie deviance with power p in (1, 2), on a log-mean z = y_pred.

    Domain: ``y_pred`` a real log-mean (the mean is mu = exp(y_pred));
    ``y_true`` non-negative; ``1 < power < 2`` (compound Poisson-Gamma).

    $$
    \begin{gathered}
    \ell(z) = \frac{e^{(2-p) z}}{2 - p} + \frac{y\, e^{(1-p) z}}{p - 1}, \qquad \frac{\partial
    \ell}{\partial z} = e^{(2-p) z} - y\, e^{(1-p) z}, \\
    \frac{\partial^2 \ell}{\partial z^2} = (2 - p)\, e^{(2-p) z} + (p - 1)\, y\, e^{(1-p) z}.
    \end{gathered}
    $$

    Formula: l = e^((2-p) z) / (2-p) + y e^((1-p) z) / (p-1), gradient
    e^((2-p) z) - y e^((1-p) z) = mu^(1-p) (mu - y), Hessian
    (2-p) e^((2-p) z) + (p-1) y e^((1-p) z) > 0: convex in z. It is
    scikit-learn's ``HalfTweedieLoss(power=p)`` to the value (its ``loss``
    keeps no constant terms either) and to the gradient and Hessian; the half
    deviance ``mean_tweedie_deviance(y, exp(z), power=p) / 2`` is this plus
    the constant y^(2-p) / ((1-p)(2-p)) per example. The minimum over z is at
    z = log y; the limits p -> 1 and p -> 2 are ``poisson_nll`` and
    ``gamma_nll`` up to terms free of z. Both terms of the value are positive
    (no cancellation), and y e^((1-p) z) goes through e^((1-p) z + log y)
    where e^((1-p) z) alone would overflow.

    Example:
        >>> round(float(tweedie([0.0], [1.0], power=1.5)), 6)
        4.0
    """

    name = "tweedie"
    task = "regression"
    link = links.LOG
    true_domain = "nonnegative"
    params = (Param("power", 1.5, low=1.0, high=2.0, low_open=True, high_open=True),)
    summary = "Tweedie deviance on a log-mean, 1 < power < 2: zero-inflated positive amounts."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex in the log-mean (the Hessian is a sum of positive terms); force unbounded."""
        return Properties(convex=True, smoothness="Cinf", lipschitz=None, robust=False)

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The log of the weighted mean target (-inf when every target is 0)."""
        return log_weighted_mean(y_true, weights)

    @classmethod
    def arguments(cls, params: Mapping[str, Any], eps: float) -> tuple[float, ...]:
        """2 - p and p - 1 (both exact in floating point for p in [1, 2])."""
        power = float(params["power"])
        return 2.0 - power, power - 1.0

    @staticmethod
    def value(p, t, a, b):
        # y e^((1-p) z) before the division by p - 1: y / (p - 1) alone may overflow.
        return _times_exp(1.0 / a, a * p) + _times_exp(t, -b * p) / b

    @staticmethod
    def grad(p, t, a, b):
        """exp((2-p) z) - y exp((1-p) z) = mu^(1-p) (mu - y)."""
        return _times_exp(1.0, a * p) - _times_exp(t, -b * p)

    @staticmethod
    def hess(p, t, a, b):
        """(2-p) exp((2-p) z) + (p-1) y exp((1-p) z)."""
        return _times_exp(a, a * p) + _times_exp(b * t, -b * p)


class GammaNLL(Elementwise):
    r"""Gamma negative log-likelihood (half Gamma deviance) on a log-mean z = y_pred.

    Domain: ``y_pred`` a real log-mean (the mean is exp(y_pred)); ``y_true``
    positive.

    $$
    \ell(z) = z + y\, e^{-z}, \qquad \frac{\partial \ell}{\partial z} = 1 - y\, e^{-z}, \qquad
    \frac{\partial^2 \ell}{\partial z^2} = y\, e^{-z}.
    $$

    Formula: l = z + y e^(-z), gradient 1 - y e^(-z), Hessian y e^(-z) > 0:
    convex in z, minimal at z = log y with value log y + 1. Same as
    scikit-learn's ``HalfGammaLoss`` (value, gradient and Hessian); the half
    deviance ``mean_gamma_deviance(y, exp(z)) / 2`` is this minus log y + 1
    per example. Tweedie's power 2.

    Example:
        >>> float(gamma_nll([0.0], [1.0]))
        1.0
    """

    name = "gamma_nll"
    task = "regression"
    link = links.LOG
    true_domain = "positive"
    summary = "Gamma negative log-likelihood on a log-mean: relative errors of positive amounts."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex in the log-mean, smooth; the force 1 - y e^(-z) is unbounded as z falls."""
        return Properties(convex=True, smoothness="Cinf", lipschitz=None, robust=False)

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The log of the weighted mean target."""
        return log_weighted_mean(y_true, weights)

    @staticmethod
    def value(p, t):
        return p + _times_exp(t, -p)

    @staticmethod
    def grad(p, t):
        """1 - y_true exp(-y_pred)."""
        return 1.0 - _times_exp(t, -p)

    @staticmethod
    def hess(p, t):
        """y_true exp(-y_pred)."""
        return _times_exp(t, -p)


class MSLE(Elementwise):
    r"""Mean squared logarithmic error, (log1p(max(y_pred, 0)) - log1p(y_true))².

    Domain: ``y_pred`` real (negative predictions count as 0, as Keras clips
    them); ``y_true`` non-negative.

    $$
    \begin{gathered}
    \ell = d^2, \qquad \frac{\partial \ell}{\partial \hat y} = \frac{2 d}{1 + \hat y}, \qquad
    \frac{\partial^2 \ell}{\partial \hat y^2} = \frac{2 (1 - d)}{(1 + \hat y)^2} \quad (\hat y
    \ge 0), \\
    d = \log(1 + \hat y) - \log(1 + y); \\
    \ell = \log^2(1 + y),\ \text{gradient and Hessian } 0 \quad (\hat y < 0).
    \end{gathered}
    $$

    Formula, with d = log1p(y_pred) - log1p(y_true) for y_pred >= 0:
    l = d², gradient 2 d / (1 + y_pred), Hessian 2 (1 - d) / (1 + y_pred)².
    For y_pred < 0 the loss is log1p(y_true)², its gradient and Hessian 0
    (at y_pred = 0 the right derivatives). Same as Keras'
    ``MeanSquaredLogarithmicError`` (which clips at its epsilon, 1e-7, rather
    than 0) and ``sklearn.metrics.mean_squared_log_error`` (which refuses
    negative values). Not convex: the Hessian is negative where d > 1, and
    the gradient jumps at y_pred = 0 unless y_true = 0. d is written as
    ±log1p(|y_pred - y_true| / (1 + min(y_pred, y_true))), exact near the
    target and far from it.

    Example:
        >>> round(float(msle([np.e - 1.0], [0.0])), 12)
        1.0
    """

    name = "msle"
    task = "regression"
    link = links.IDENTITY
    true_domain = "nonnegative"
    summary = "Squared error of log(1 + y): relative errors, for positive targets spanning scales."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Not convex (Hessian < 0 past d = 1); the gradient jumps at y_pred = 0 (C0).

        For one target y the force |2 d / (1 + y_pred)| is bounded: by
        2 log1p(y) below the target (reached at y_pred = 0) and by
        2 / (e (1 + y)) above it (at d = 1); it falls back to 0 far from the
        target (as log(y_pred) / y_pred above it, exactly 0 below 0 where
        predictions are clipped): bounded influence, redescending. No bound
        holds for every target, so there is no Lipschitz constant.
        """
        return Properties(
            convex=False, smoothness="C0", lipschitz=None, robust=True, redescending=True
        )

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """expm1 of the weighted mean of log1p(y_true)."""
        t = np.asarray(y_true, dtype=np.float64)
        return np.asarray(
            np.expm1(np.average(np.log1p(t), weights=broadcast_weights(weights, t.shape)))
        )

    @staticmethod
    def value(p, t):
        d, _ = _msle_parts(p, t)
        return d * d

    @staticmethod
    def grad(p, t):
        """2 d / (1 + y_pred), d = log1p(y_pred) - log1p(y_true); 0 for y_pred < 0."""
        d, x = _msle_parts(p, t)
        return m.where(p < 0.0, 0.0, 2.0 * d / (1.0 + x))

    @staticmethod
    def hess(p, t):
        """2 (1 - d) / (1 + y_pred)²; 0 for y_pred < 0."""
        d, x = _msle_parts(p, t)
        s = 1.0 / (1.0 + x)
        return m.where(p < 0.0, 0.0, 2.0 * (1.0 - d) * s * s)


def _msle_parts(p, t):
    """The log-ratio d = log1p(x) - log1p(y) with x = max(y_pred, 0), and x.

    d = ±log1p(|x - y| / (1 + min(x, y))): one log1p of a non-negative number,
    exact whether x is near y (no difference of logarithms) or far from it.
    """
    x = m.maximum(p, 0.0)
    magnitude = m.log1p(m.abs(x - t) / (1.0 + m.minimum(x, t)))
    return m.where(x < t, -magnitude, magnitude), x


tweedie, tweedie_grad, tweedie_hess = register(Tweedie)
gamma_nll, gamma_nll_grad, gamma_nll_hess = register(GammaNLL)
msle, msle_grad, msle_hess = register(MSLE)

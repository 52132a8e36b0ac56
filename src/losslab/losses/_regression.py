"""Regression losses: functions of the residual r = y_pred - y_true (Poisson: of a log-rate).

Each loss is one :class:`~losslab.losses._define.Elementwise` definition: its
value, gradient and Hessian of one element, written in the vocabulary of
:mod:`losslab._math` (``m.exp``, ``m.where``...), from which the public
functions (``huber``, ``huber_grad``, ``huber_hess``), the fused kernels and
the landscape grid kernels all derive. The public functions share one
signature, ``f(y_pred, y_true, *, <params>, weights=None, reduction="mean")``,
and return the derivatives of what ``f`` returns, so they carry the reduction
(a mean divides them by n, or by the sum of the weights).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from losslab import links
from losslab._math import LOG2, m
from losslab.losses._define import Elementwise, Param, positive
from losslab.losses._properties import (
    Properties,
    broadcast_weights,
    log_weighted_mean,
    weighted_quantile,
)
from losslab.losses._registry import register

_E_700, _E_MINUS_700 = math.exp(700.0), math.exp(-700.0)


class MSE(Elementwise):
    r"""Mean squared error, the mean of r² with r = y_pred - y_true.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape.

    $$
    \ell(r) = r^2, \qquad \frac{\partial \ell}{\partial \hat y} = 2r, \qquad \frac{\partial^2
    \ell}{\partial \hat y^2} = 2, \qquad r = \hat y - y.
    $$

    Formula: l(r) = r², gradient 2r, Hessian 2. MSE is the mean of squared
    errors, not half of it: scikit-learn's ``HalfSquaredError`` is mse / 2;
    ``torch.nn.functional.mse_loss`` and Keras' ``MeanSquaredError`` agree
    with this one.

    Example (the seeds' housing prices, in thousands of dollars):
        >>> float(mse([210, 340, 480], [200, 350, 500]))
        200.0
    """

    name = "mse"
    task = "regression"
    link = links.IDENTITY
    summary = "Mean squared error: squares errors, so large ones dominate."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex and smooth; the gradient grows with the residual (not robust)."""
        return Properties(convex=True, smoothness="Cinf", lipschitz=None, robust=False)

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The weighted mean of ``y_true``."""
        t = np.asarray(y_true, dtype=np.float64)
        return np.asarray(np.average(t, weights=broadcast_weights(weights, t.shape)))

    @staticmethod
    def value(p, t):
        r = p - t
        return r * r

    @staticmethod
    def grad(p, t):
        """2 (y_pred - y_true)."""
        return 2.0 * (p - t)

    @staticmethod
    def hess(p, t):
        """2 everywhere."""
        return m.fill(p, 2.0)


class MAE(Elementwise):
    r"""Mean absolute error, the mean of |y_pred - y_true|.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape.

    $$
    \ell(r) = |r|, \qquad \frac{\partial \ell}{\partial \hat y} = \operatorname{sign}(r), \qquad
    \frac{\partial^2 \ell}{\partial \hat y^2} = 0.
    $$

    Formula: l(r) = |r|, gradient sign(r), Hessian 0. At the kink r = 0 the
    gradient is the subgradient 0 (as in PyTorch's ``l1_loss``), so a perfect
    prediction has zero gradient. Same as ``torch.nn.functional.l1_loss`` and
    ``sklearn.metrics.mean_absolute_error``; scikit-learn's
    ``AbsoluteError`` too.

    Example (the seeds' rainfall bonus, model A):
        >>> float(mae([12, 23, 6, 38, 18], [10, 25, 5, 40, 15]))
        2.0
    """

    name = "mae"
    task = "regression"
    link = links.IDENTITY
    summary = "Mean absolute error: every unit of error costs the same; robust to outliers."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex with a kink at 0; every residual pulls with force 1."""
        return Properties(convex=True, smoothness="C0", lipschitz=1.0, robust=True)

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The weighted median of ``y_true``."""
        t = np.asarray(y_true, dtype=np.float64)
        return np.asarray(weighted_quantile(t, broadcast_weights(weights, t.shape), 0.5))

    @staticmethod
    def value(p, t):
        return m.abs(p - t)

    @staticmethod
    def grad(p, t):
        """sign(y_pred - y_true), 0 at r = 0."""
        return m.sign(p - t)

    @staticmethod
    def hess(p, t):
        """0 everywhere (undefined at the kink, taken as 0)."""
        return m.fill(p, 0.0)


class Huber(Elementwise):
    r"""Huber loss: quadratic for |r| <= delta, linear beyond, r = y_pred - y_true.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape; ``delta > 0``.

    $$
    \begin{gathered}
    \ell(r) = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\ \delta \left(|r| - \tfrac12
    \delta\right) & |r| > \delta \end{cases}, \\
    \frac{\partial \ell}{\partial \hat y} = \operatorname{clip}(r, -\delta, \delta), \qquad
    \frac{\partial^2 \ell}{\partial \hat y^2} = [\,|r| \le \delta\,].
    \end{gathered}
    $$

    Formula: l(r) = r²/2 for |r| <= delta and delta (|r| - delta/2) beyond.
    Gradient clip(r, -delta, delta); Hessian 1 for |r| <= delta, else 0.
    As delta grows it tends to mse / 2; as delta -> 0, huber / delta tends to
    mae. Same as ``torch.nn.functional.huber_loss(delta=delta)`` and Keras'
    ``Huber``; PyTorch's ``smooth_l1_loss(beta=b)`` equals huber(delta=b) / b.

    Example:
        >>> huber([0.5, 3.0], [0.0, 0.0], reduction="none").tolist()
        [0.125, 2.5]
    """

    name = "huber"
    task = "regression"
    link = links.IDENTITY
    params = (positive("delta", 1.0),)
    summary = "Squared error for |r| <= delta, absolute beyond: MSE's smoothness, MAE's robustness."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex, once differentiable (the Hessian jumps at |r| = delta), force at most delta."""
        return Properties(
            convex=True, smoothness="C1", lipschitz=float(params["delta"]), robust=True
        )

    @staticmethod
    def value(p, t, delta):
        a = m.abs(p - t)
        c = m.minimum(a, delta)
        # c (|r| - c/2) is both branches at once (|r|²/2, then delta (|r| - delta/2))
        # and never squares a huge residual.
        return c * (a - 0.5 * c)

    @staticmethod
    def grad(p, t, delta):
        """clip(y_pred - y_true, -delta, delta)."""
        r = p - t
        # min(|r|, delta) with r's sign: the clip, sharing min(|r|, delta) with the value.
        return m.copysign(m.minimum(m.abs(r), delta), r)

    @staticmethod
    def hess(p, t, delta):
        """1 where |y_pred - y_true| <= delta, else 0."""
        return m.where(m.abs(p - t) <= delta, 1.0, 0.0)


class PseudoHuber(Elementwise):
    r"""Pseudo-Huber loss, a smooth Huber: delta² (sqrt(1 + (r/delta)²) - 1).

    Domain: ``y_pred`` and ``y_true`` real, of the same shape; ``delta > 0``.

    $$
    \ell = \delta^2 (h - 1), \qquad \frac{\partial \ell}{\partial \hat y} = \frac{r}{h}, \qquad
    \frac{\partial^2 \ell}{\partial \hat y^2} = \frac{1}{h^3}, \qquad h = \sqrt{1 +
    (r/\delta)^2}.
    $$

    Formula, with a = r / delta and h = sqrt(1 + a²): l = delta² (h - 1),
    gradient r / h, Hessian 1 / h³. Near 0 it is r²/2, far out delta |r|.
    Written with tan, sin and cos of arctan a (l = delta |r| tan(atan(a)/2),
    gradient delta sin(atan a), Hessian cos(atan a)³), which never square a
    huge a nor cancel for a small one, so delta = 1e-6 and |r| = 1e300 stay
    exact. It is Barron's loss with alpha = 1 and scale delta, times delta².
    Neither PyTorch nor scikit-learn has it; XGBoost's
    ``reg:pseudohubererror`` with ``huber_slope=delta`` is the same loss.

    Example:
        >>> round(float(pseudo_huber([1.0], [0.0])), 6)
        0.414214
    """

    name = "pseudo_huber"
    task = "regression"
    link = links.IDENTITY
    params = (positive("delta", 1.0),)
    summary = "A smooth Huber with every derivative continuous."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex and smooth; the force r / sqrt(1 + (r/delta)²) tends to delta."""
        return Properties(
            convex=True, smoothness="Cinf", lipschitz=float(params["delta"]), robust=True
        )

    @staticmethod
    def value(p, t, delta):
        # One division (p - t) / delta, shared with the gradient.
        return delta * m.abs(p - t) * m.tan_half_atan(m.abs((p - t) / delta))

    @staticmethod
    def grad(p, t, delta):
        """(y_pred - y_true) / sqrt(1 + (r/delta)²) = delta sin(arctan(r/delta))."""
        return delta * m.sin_atan((p - t) / delta)

    @staticmethod
    def hess(p, t, delta):
        """(1 + (r/delta)²)^(-3/2) = cos(arctan(r/delta))³."""
        c = m.cos_atan((p - t) / delta)
        return c * c * c


class LogCosh(Elementwise):
    r"""Log-cosh loss, log(cosh(y_pred - y_true)).

    Domain: ``y_pred`` and ``y_true`` real, of the same shape.

    $$
    \ell(r) = \log \cosh r, \qquad \frac{\partial \ell}{\partial \hat y} = \tanh r, \qquad
    \frac{\partial^2 \ell}{\partial \hat y^2} = 1 - \tanh^2 r = \operatorname{sech}^2 r.
    $$

    Formula: l(r) = log cosh r, gradient tanh r, Hessian 1 - tanh² r =
    sech² r. About r²/2 near 0 and |r| - log 2 far out. Keras' ``LogCosh``
    is the same; PyTorch and scikit-learn do not have it. The Hessian
    takes r = y_pred - y_true with its rounding error, which sech² would
    multiply by 2|r| (12 ulp at |r| = 19, hundreds further out).

    Example:
        >>> round(float(log_cosh([1.0], [0.0])), 6)
        0.433781
    """

    name = "log_cosh"
    task = "regression"
    link = links.IDENTITY
    summary = "log cosh r: r²/2 near zero, |r| - log 2 far out."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex and smooth; the force tanh r tends to 1."""
        return Properties(convex=True, smoothness="Cinf", lipschitz=1.0, robust=True)

    @staticmethod
    def value(p, t):
        a, e, em1 = _log_cosh_parts(p, t)
        # Near 0, log cosh a = log1p(cosh a - 1) with cosh a - 1 = expm1(-a)² / (2 exp(-a)):
        # no cancellation. Past 1, a - log 2 + log1p(exp(-2a)): never overflows. One log1p.
        near = a < 1.0
        return m.log1p(m.where(near, em1 * em1 / (2.0 * e), e * e)) + m.where(near, 0.0, a - LOG2)

    @staticmethod
    def grad(p, t):
        """tanh(y_pred - y_true) = -expm1(-2|r|) / (2 + expm1(-2|r|)), signed."""
        _, _, em1 = _log_cosh_parts(p, t)
        em2 = em1 * (2.0 + em1)  # expm1(-2a), exact from expm1(-a)
        magnitude = -em2 / (2.0 + em2)
        return m.where(p - t < 0.0, -magnitude, magnitude)

    @staticmethod
    def hess(p, t):
        """sech²(r) = 4 e² / (1 + e²)², e = exp(-|r|): exact where 1 - tanh² would round to 0.

        sech² multiplies a relative error of r by 2|r|, so r's rounding is put back:
        with p - t = r + lo exactly, e² at |r| + d (d = ±lo) is e² (1 - 2d) to first order.
        """
        r, lo = m.two_difference(p, t)
        _, e, _ = _log_cosh_parts(p, t)
        e2 = e * e
        e2 = e2 - 2.0 * m.where(r < 0.0, -lo, lo) * e2
        return 4.0 * e2 / ((1.0 + e2) * (1.0 + e2))


def _log_cosh_parts(p, t):
    """|r|, exp(-|r|) and expm1(-|r|): log-cosh's value and derivatives share them."""
    a = m.abs(p - t)
    return a, m.exp(-a), m.expm1(-a)


class Quantile(Elementwise):
    r"""Quantile (pinball) loss at level q, minimised by the q-th quantile of y_true.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape; ``0 < q < 1``.

    $$
    \begin{gathered}
    \ell(r) = \begin{cases} (1 - q)\, r & r \ge 0 \\ -q\, r & r < 0 \end{cases}, \\
    \frac{\partial \ell}{\partial \hat y} = \begin{cases} 1 - q & r > 0 \\ 0 & r = 0 \\ -q & r <
    0 \end{cases}, \qquad \frac{\partial^2 \ell}{\partial \hat y^2} = 0.
    \end{gathered}
    $$

    Formula, with r = y_pred - y_true: l = (1 - q) r for r >= 0 (over-
    prediction) and -q r for r < 0 (under-prediction). Gradient 1 - q for
    r > 0, -q for r < 0 and the subgradient 0 at r = 0 (0 lies in
    [-q, 1 - q]); Hessian 0. quantile(q=0.5) is mae / 2. Same as
    scikit-learn's ``PinballLoss(quantile=q)`` and
    ``mean_pinball_loss(alpha=q)``.

    Example (under-predicting costs q per unit, over-predicting 1 - q):
        >>> quantile([0.0, 2.0], [1.0, 1.0], q=0.9, reduction="none").tolist()
        [0.9, 0.09999999999999998]
    """

    name = "quantile"
    task = "regression"
    link = links.IDENTITY
    params = (Param("q", 0.5, low=0.0, high=1.0, low_open=True, high_open=True),)
    summary = "Pinball loss: under-prediction costs q, over-prediction 1 - q; fits quantile q."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex with a kink at 0; force q below the target, 1 - q above."""
        q = float(params["q"])
        return Properties(convex=True, smoothness="C0", lipschitz=max(q, 1.0 - q), robust=True)

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The weighted q-quantile of ``y_true``."""
        t = np.asarray(y_true, dtype=np.float64)
        return np.asarray(
            weighted_quantile(t, broadcast_weights(weights, t.shape), float(params["q"]))
        )

    @staticmethod
    def value(p, t, q):
        r = p - t
        return m.maximum((1.0 - q) * r, -q * r)

    @staticmethod
    def grad(p, t, q):
        """1 - q where y_pred > y_true, -q where y_pred < y_true, 0 where equal."""
        r = p - t
        return m.where(r > 0.0, 1.0 - q, m.where(r < 0.0, -q, 0.0))

    @staticmethod
    def hess(p, t, q):
        """0 everywhere (piecewise linear)."""
        return m.fill(p, 0.0)


class Expectile(Elementwise):
    r"""Expectile loss at level tau, the asymmetric squared error minimised by the tau-expectile.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape; ``0 < tau < 1``.

    $$
    \ell(r) = w\, r^2, \qquad \frac{\partial \ell}{\partial \hat y} = 2 w r, \qquad
    \frac{\partial^2 \ell}{\partial \hat y^2} = 2 w, \qquad w = \begin{cases} \tau & r < 0 \\ 1
    - \tau & r \ge 0. \end{cases}
    $$

    Formula, with r = y_pred - y_true and w = tau for r < 0 (under-prediction),
    1 - tau for r >= 0 (over-prediction): l = w r², gradient 2 w r, Hessian
    2 w (the "over" side, 2 (1 - tau), at the kink r = 0). As the quantile
    loss weighs absolute errors, this weighs squared ones (Newey and Powell
    1987): expectile(tau=0.5) is mse / 2, and the constant that minimises it
    is the tau-expectile of y_true. PyTorch, Keras and scikit-learn have no
    expectile loss; LightGBM and XGBoost take it as a custom objective with
    this gradient and Hessian. :func:`losslab.custom.asymmetric_squared` is
    the same formula with any two weights.

    Example (under-predicting by 1 costs tau, over-predicting 1 - tau):
        >>> expectile([0.0, 2.0], [1.0, 1.0], tau=0.9, reduction="none").tolist()
        [0.9, 0.09999999999999998]
    """

    name = "expectile"
    task = "regression"
    link = links.IDENTITY
    params = (Param("tau", 0.5, low=0.0, high=1.0, low_open=True, high_open=True),)
    summary = "Asymmetric squared error: under-prediction weighs tau; fits the tau-expectile."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex; the Hessian jumps at r = 0 unless tau = 1/2 (then it is mse / 2)."""
        smooth = "Cinf" if float(params["tau"]) == 0.5 else "C1"
        return Properties(convex=True, smoothness=smooth, lipschitz=None, robust=False)

    @classmethod
    def arguments(cls, params: Mapping[str, Any], eps: float) -> tuple[float, ...]:
        """The weights of under- and over-predictions: tau and 1 - tau."""
        tau = float(params["tau"])
        return tau, 1.0 - tau

    @staticmethod
    def value(p, t, under, over):
        r = p - t
        # (w r) r: w <= 1, so w r never overflows where w r² does not.
        return (m.where(r < 0.0, under, over) * r) * r

    @staticmethod
    def grad(p, t, under, over):
        """2 w (y_pred - y_true), w = tau below the target, 1 - tau above."""
        r = p - t
        return 2.0 * (m.where(r < 0.0, under, over) * r)

    @staticmethod
    def hess(p, t, under, over):
        """2 w: 2 tau where y_pred < y_true, 2 (1 - tau) from there up."""
        return 2.0 * m.where(p - t < 0.0, under, over)


# ---------------------------------------------------------------- Barron


def _exp_times(y, log_k, k):
    """K e^y for a constant k = e^log_k > 0, without overflowing or underflowing e^y alone."""
    return m.where(m.abs(y) < 600.0, k * m.exp(y), m.exp(y + log_k))


class _BarronL2:
    """alpha = 2: z²/2 with z = x / c, gradient z / c, Hessian 1 / c²."""

    @staticmethod
    def value(p, t, alpha, scale):
        z = (p - t) / scale
        return 0.5 * z * z

    @staticmethod
    def grad(p, t, alpha, scale):
        return (p - t) / scale / scale

    @staticmethod
    def hess(p, t, alpha, scale):
        return m.fill(p, 1.0 / scale / scale)


class _BarronCharbonnier:
    """alpha = 1: sqrt(z² + 1) - 1 = |z| tan(atan|z| / 2), gradient S / c, Hessian C³ / c².

    S and C are sin and cos of arctan z.
    """

    @staticmethod
    def value(p, t, alpha, scale):
        a = m.abs(p - t) / scale
        return a * m.tan_half_atan(a)

    @staticmethod
    def grad(p, t, alpha, scale):
        return m.sin_atan((p - t) / scale) / scale

    @staticmethod
    def hess(p, t, alpha, scale):
        c = m.cos_atan((p - t) / scale)
        return c * c * c / scale / scale


class _BarronCauchy:
    """alpha = 0: log(z²/2 + 1), gradient 2 x / (x² + 2 c²), Hessian (C² - S²) C² / c².

    S and C are sin and cos of arctan u, u = z / sqrt 2.
    """

    @staticmethod
    def value(p, t, alpha, scale):
        return m.log1p_square_ratio(m.abs(p - t), scale * math.sqrt(2.0))

    @staticmethod
    def grad(p, t, alpha, scale):
        # 2 x / (x² + s²), s = c sqrt 2: as (2/s) u / (1 + u²) inside |x| <= s, and as
        # (2/x) / (1 + (s/x)²) beyond, so a huge x over a tiny c does not overflow u.
        x = p - t
        s = scale * math.sqrt(2.0)
        inside = m.abs(x) <= s
        u = m.clip(x / s, -1.0, 1.0)
        far = m.where(inside, s, x)
        v = s / far
        return m.where(inside, 2.0 / s * (u / (1.0 + u * u)), 2.0 / far / (1.0 + v * v))

    @staticmethod
    def hess(p, t, alpha, scale):
        u = (p - t) / (scale * math.sqrt(2.0))
        s, c = m.sin_atan(u), m.cos_atan(u)
        return (c * c - s * s) * (c * c) / scale / scale


class _BarronGemanMcClure:
    """alpha = -2: 2 z² / (z² + 4) = 2 S², gradient 2 S C³ / c, Hessian (C² - 3 S²) C⁴ / c².

    S and C are sin and cos of arctan u, u = z / 2.
    """

    @staticmethod
    def value(p, t, alpha, scale):
        s = m.sin_atan((p - t) / (2.0 * scale))
        return 2.0 * s * s

    @staticmethod
    def grad(p, t, alpha, scale):
        u = (p - t) / (2.0 * scale)
        c = m.cos_atan(u)
        return 2.0 / scale * m.sin_atan(u) * c * c * c

    @staticmethod
    def hess(p, t, alpha, scale):
        u = (p - t) / (2.0 * scale)
        s, c = m.sin_atan(u), m.cos_atan(u)
        c2 = c * c
        return (c2 - 3.0 * s * s) * c2 * c2 / scale / scale


class _BarronWelsch:
    """alpha = -inf: 1 - e^(-z²/2), gradient (z / c) e^(-z²/2), Hessian (1 - z²) e^(-z²/2) / c².

    e^(-z²/2) multiplies a relative error of z by z², up to 1600: the derivatives take
    z²/2 to twice the working precision (:func:`_welsch_parts`) and correct e^(-z²/2) by
    the low part, e^(-w - dw) = e^(-w) (1 - dw). The value, 1 - e^(-z²/2), is well
    conditioned and uses z²/2 rounded.
    """

    # Past |z| = 40, exp(-z²/2) is 0 in float64: clip z there, so z² never overflows.

    @staticmethod
    def value(p, t, alpha, scale):
        z = m.clip((p - t) / scale, -40.0, 40.0)
        return -m.expm1(-0.5 * z * z)

    @staticmethod
    def grad(p, t, alpha, scale):
        z, dz, w, dw = _welsch_parts(p, t, scale)
        g = m.exp(-w)
        return (z + dz) / scale * (g - g * dw)

    @staticmethod
    def hess(p, t, alpha, scale):
        _, _, w, dw = _welsch_parts(p, t, scale)
        g = m.exp(-w)
        # 1 - z² = (1 - 2w) - 2dw: 2w is z² rounded, exact, so nothing cancels near |z| = 1.
        return ((1.0 - 2.0 * w) - 2.0 * dw) * (g - g * dw) / scale / scale


def _welsch_parts(p, t, scale):
    """Z = (y_pred - y_true) / scale in [-40, 40] as z + dz, and z²/2 as w + dw.

    dz holds the rounding errors of the residual and of the division (zero where z is
    clipped); w = z²/2 rounded, dw its error plus z dz, to first order in dz.
    """
    r, lo = m.two_difference(p, t)
    z = r / scale
    # x / c - z = (r - z c + lo) / c, with z c exact as zc + zc_lo (r - zc is exact).
    zc, zc_lo = m.two_product(z, scale)
    dz = m.where(m.abs(z) <= 40.0, ((r - zc) - zc_lo + lo) / scale, 0.0)
    z = m.clip(z, -40.0, 40.0)
    square, square_lo = m.two_product(z, z)
    return z, dz, 0.5 * square, 0.5 * square_lo + z * dz


class _BarronGeneral:
    """Any other alpha, through L = log(1 + u²), u = z / sqrt k, k = |alpha - 2|.

    value (k / alpha) expm1(alpha L / 2); gradient (sqrt k / c) S e^((alpha - 1) L / 2);
    Hessian (C² + (alpha - 1) S²) e^((alpha / 2 - 1) L) / c², S and C the sin and cos
    of arctan u. Past e^600 the constant factor goes inside the exponential, so
    nothing overflows before the result does.
    """

    @staticmethod
    def value(p, t, alpha, scale):
        k = abs(alpha - 2.0)
        y = 0.5 * alpha * m.log1p_square_ratio(m.abs(p - t), scale * math.sqrt(k))
        ratio = k / abs(alpha)
        # Where e^y would overflow (alpha > 0): (k/alpha)(e^y - 1) = e^(y + log(k/alpha)) - k/alpha.
        large = m.exp(y + math.log(ratio)) - ratio
        return m.where(y > 700.0, large, (k / alpha) * m.expm1(y))

    @staticmethod
    def grad(p, t, alpha, scale):
        """(x / c²) (z²/|alpha - 2| + 1)^(alpha/2 - 1); exact branches at the special alphas."""
        k = abs(alpha - 2.0)
        s = scale * math.sqrt(k)
        y = 0.5 * (alpha - 1.0) * m.log1p_square_ratio(m.abs(p - t), s)
        factor = math.sqrt(k) / scale
        return m.sin_atan((p - t) / s) * _exp_times(y, math.log(factor), factor)

    @staticmethod
    def hess(p, t, alpha, scale):
        """b^(alpha/2 - 2) (b + sign(alpha - 2) z²) / c² with b = z²/|alpha - 2| + 1."""
        k = abs(alpha - 2.0)
        s = scale * math.sqrt(k)
        u = (p - t) / s
        y = (0.5 * alpha - 1.0) * m.log1p_square_ratio(m.abs(p - t), s)
        sin, cos = m.sin_atan(u), m.cos_atan(u)
        factor = 1.0 / scale / scale
        shape = cos * cos + (alpha - 1.0) * sin * sin
        return shape * _exp_times(y, -2.0 * math.log(scale), factor)


_BARRON_SPECIAL = {
    2.0: _BarronL2,
    1.0: _BarronCharbonnier,
    0.0: _BarronCauchy,
    -2.0: _BarronGemanMcClure,
    -math.inf: _BarronWelsch,
}


class Barron(Elementwise):
    r"""Barron's general and adaptive robust loss (CVPR 2019), shape alpha and scale c.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape; ``alpha`` any
    real number or ``-inf``; ``scale > 0``.

    $$
    \begin{gathered}
    \rho(x) = \frac{k}{\alpha} \left(b^{\alpha/2} - 1\right), \qquad \rho'(x) = \frac{x}{c^2}\,
    b^{\alpha/2 - 1}, \\
    \rho''(x) = \frac{b^{\alpha/2 - 2}\, (b + s z^2)}{c^2}, \qquad z = \frac{x}{c},\ k = |\alpha
    - 2|,\ b = \frac{z^2}{k} + 1,\ s = \operatorname{sign}(\alpha - 2).
    \end{gathered}
    $$

    Formula, with x = y_pred - y_true, z = x / c and k = |alpha - 2|:

        rho = (k / alpha) ((z²/k + 1)^(alpha/2) - 1)

    gradient (x / c²) b^(alpha/2 - 1) and Hessian b^(alpha/2 - 2) (b + s z²) / c²,
    where b = z²/k + 1 and s = sign(alpha - 2). The formula is undefined
    or degenerate at the special cases, which are computed as exact
    branches: alpha = 2, z²/2 (scaled mse); alpha = 1,
    sqrt(z² + 1) - 1 (pseudo-Huber / Charbonnier); alpha = 0,
    log(z²/2 + 1) (Cauchy / Lorentzian); alpha = -2, 2 z² / (z² + 4)
    (Geman-McClure); alpha = -inf, 1 - exp(-z²/2) (Welsch). Other alphas go
    through log b, so residuals of 1e300 neither overflow nor lose the tiny
    gradients of the bounded (alpha <= 0) losses; there the relative error
    grows with |alpha log b| (about 1e-13 at |z| = 1e150), as exponentiating
    a rounded logarithm must. Smaller alpha gives outliers less influence;
    alpha <= 0 makes the loss bounded-ish and non-convex.

    Example:
        >>> float(barron([2.0], [0.0], alpha=2.0))
        2.0
        >>> round(float(barron([2.0], [0.0], alpha=0.0)), 6)
        1.098612
    """

    name = "barron"
    task = "regression"
    link = links.IDENTITY
    params = (
        Param("alpha", 1.0, high=math.inf, high_open=True, allow_inf=True),
        positive("scale", 1.0),
    )
    summary = "Barron's general robust loss: alpha moves from L2 (2) through Cauchy (0) to Welsch."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex for alpha >= 1; bounded influence for alpha <= 1, redescending below.

        The largest force, for alpha < 1, is at u = z²/|alpha - 2| = 1/(1 - alpha):
        sqrt(u |alpha - 2|) (u + 1)^(alpha/2 - 1) / c (Welsch: e^(-1/2) / c).
        """
        alpha, c = float(params["alpha"]), float(params["scale"])
        if alpha == -math.inf:
            lipschitz: float | None = math.exp(-0.5) / c
        elif alpha < 1.0:
            u = 1.0 / (1.0 - alpha)
            lipschitz = math.sqrt(u * abs(alpha - 2.0)) * (u + 1.0) ** (alpha / 2.0 - 1.0) / c
        elif alpha == 1.0:
            lipschitz = 1.0 / c
        else:
            lipschitz = None
        return Properties(
            convex=alpha >= 1.0,
            smoothness="Cinf",
            lipschitz=lipschitz,
            robust=alpha <= 1.0,
            redescending=alpha < 1.0,
        )

    @classmethod
    def variant(cls, params: Mapping[str, Any]) -> Any:
        """The exact branch for a special alpha, else the general formula.

        An alpha within 1e-100 of 0 or 2 takes that branch: the two differ by
        about |alpha - special| log(z²)², far below rounding, while the general
        formula would divide by nearly 0.
        """
        alpha = float(params["alpha"])
        for special in (0.0, 2.0):
            if abs(alpha - special) < 1e-100:
                alpha = special
        return _BARRON_SPECIAL.get(alpha, _BarronGeneral)

    value = _BarronGeneral.value
    grad = _BarronGeneral.grad
    hess = _BarronGeneral.hess


# ---------------------------------------------------------------- Poisson


class PoissonNLL(Elementwise):
    r"""Poisson negative log-likelihood on a log-rate z = y_pred: exp(z) - y z.

    Domain: ``y_pred`` a real log-rate (the rate is exp(y_pred));
    ``y_true`` non-negative counts (or rates).

    $$
    \ell(z) = e^z - y z, \qquad \frac{\partial \ell}{\partial z} = e^z - y, \qquad
    \frac{\partial^2 \ell}{\partial z^2} = e^z.
    $$

    Formula: l = exp(z) - y z, gradient exp(z) - y, Hessian exp(z). The
    constant log(y!) is left out, so the minimum, at z = log y, is
    y - y log y rather than 0. Same as
    ``torch.nn.functional.poisson_nll_loss(log_input=True, full=False)`` and
    scikit-learn's ``HalfPoissonLoss`` (whose "half" names the deviance, not
    a factor on this value).

    Example:
        >>> float(poisson_nll([0.0], [1.0]))
        1.0
    """

    name = "poisson_nll"
    task = "regression"
    link = links.LOG
    true_domain = "nonnegative"
    summary = "Poisson negative log-likelihood on a log-rate, for counts."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex in the log-rate and smooth; the force exp(z) - y is unbounded."""
        return Properties(convex=True, smoothness="Cinf", lipschitz=None, robust=False)

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The log of the weighted mean count (-inf when every count is 0)."""
        return log_weighted_mean(y_true, weights)

    @staticmethod
    def value(p, t):
        e, up, down = _poisson_exp(p)
        # Past z = 709, exp(z) may overflow while exp(z) - y z does not (y large): there both
        # terms are scaled by e^-700 and back, (exp(z - 700) - (y e^-700) z) e^700. Past
        # z = 1400, exp(z - 700) is inf and so is the value: z is capped so y z stays finite.
        return (e - (t * down) * m.minimum(p, 1400.0)) * up

    @staticmethod
    def grad(p, t):
        """exp(y_pred) - y_true."""
        e, up, _ = _poisson_exp(p)
        return e * up - t

    @staticmethod
    def hess(p, t):
        """exp(y_pred)."""
        e, up, _ = _poisson_exp(p)
        return e * up


def _poisson_exp(z):
    """exp(z) as e * up: e = exp(z - 700) and up = e^700 past z = 709 (down = e^-700), else 1."""
    high = z >= 709.0
    e = m.exp(z - m.where(high, 700.0, 0.0))
    return e, m.where(high, _E_700, 1.0), m.where(high, _E_MINUS_700, 1.0)


mse, mse_grad, mse_hess = register(MSE)
mae, mae_grad, mae_hess = register(MAE)
huber, huber_grad, huber_hess = register(Huber)
pseudo_huber, pseudo_huber_grad, pseudo_huber_hess = register(PseudoHuber)
log_cosh, log_cosh_grad, log_cosh_hess = register(LogCosh)
quantile, quantile_grad, quantile_hess = register(Quantile)
expectile, expectile_grad, expectile_hess = register(Expectile)
barron, barron_grad, barron_hess = register(Barron)
poisson_nll, poisson_nll_grad, poisson_nll_hess = register(PoissonNLL)

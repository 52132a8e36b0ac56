"""Robust regression losses of the residual r = y_pred - y_true: bounded influence.

Four are members of Barron's family (:class:`~losslab.losses._regression.Barron`)
at a fixed shape, with their own names as the literature knows them: Cauchy
(alpha = 0), Welsch (alpha = -inf), Geman-McClure (alpha = -2) and Charbonnier
(alpha = 1). Their value, gradient and Hessian are Barron's exact branches
(``_BarronCauchy``...), reused here, not written again: each class maps its
``scale`` to the ``(alpha, scale)`` those functions take. Tukey's biweight and
the SVR's epsilon-insensitive loss are written here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from losslab import links
from losslab._math import m
from losslab.losses._define import Elementwise, Param, positive
from losslab.losses._properties import Properties, broadcast_weights, weighted_quantile
from losslab.losses._registry import register
from losslab.losses._regression import (
    _BarronCauchy,
    _BarronCharbonnier,
    _BarronGemanMcClure,
    _BarronWelsch,
)


class _BarronMember(Elementwise):
    """A member of Barron's family at a fixed ``alpha``, with parameter ``scale`` only."""

    task = "regression"
    link = links.IDENTITY
    params = (positive("scale", 1.0),)
    alpha: float

    @classmethod
    def arguments(cls, params: Mapping[str, Any], eps: float) -> tuple[float, ...]:
        """Barron's arguments: the fixed alpha and the scale."""
        return cls.alpha, float(params["scale"])


class Cauchy(_BarronMember):
    r"""Cauchy (Lorentzian) loss: log(1 + z²/2) with z = (y_pred - y_true) / scale.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape; ``scale > 0``.

    $$
    \ell(x) = \log\left(1 + \frac{x^2}{2 c^2}\right), \qquad \ell'(x) = \frac{2 x}{x^2 + 2 c^2},
    \qquad \ell''(x) = \frac{2 (2 c^2 - x^2)}{(x^2 + 2 c^2)^2}.
    $$

    Formula, with x = y_pred - y_true, c = scale: l = log(1 + x²/(2c²)),
    gradient 2x / (x² + 2c²), Hessian 2 (2c² - x²) / (x² + 2c²)². It is
    ``barron(alpha=0, scale=c)`` exactly (the same functions). Non-convex
    beyond |x| = c sqrt 2, where the influence 2x / (x² + 2c²) peaks at
    1 / (c sqrt 2) and falls back towards 0. Some texts write the Cauchy loss
    as (c²/2) log(1 + (x/c)²): that is (c²/2) cauchy(scale=c / sqrt 2).

    Example:
        >>> round(float(cauchy([2.0], [0.0])), 6)
        1.098612
    """

    name = "cauchy"
    summary = "Cauchy (Lorentzian): log(1 + z²/2); influence peaks then fades, outliers ignored."
    alpha = 0.0
    value = _BarronCauchy.value
    grad = _BarronCauchy.grad
    hess = _BarronCauchy.hess

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Non-convex, smooth, redescending; the force peaks at |x| = c sqrt 2: 1 / (c sqrt 2)."""
        c = float(params["scale"])
        return Properties(
            convex=False,
            smoothness="Cinf",
            lipschitz=1.0 / (math.sqrt(2.0) * c),
            robust=True,
            redescending=True,
        )


class Welsch(_BarronMember):
    r"""Welsch (Leclerc) loss: 1 - exp(-z²/2) with z = (y_pred - y_true) / scale.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape; ``scale > 0``.

    $$
    \ell(x) = 1 - e^{-z^2/2}, \qquad \ell'(x) = \frac{x}{c^2}\, e^{-z^2/2}, \qquad \ell''(x) =
    \frac{(1 - z^2)\, e^{-z^2/2}}{c^2}, \qquad z = \frac{x}{c}.
    $$

    Formula, with x = y_pred - y_true, c = scale: l = 1 - e^(-z²/2), gradient
    (x / c²) e^(-z²/2), Hessian (1 - z²) e^(-z²/2) / c². It is
    ``barron(alpha=-inf, scale=c)`` exactly (the same functions): bounded by
    1, its influence peaks at |x| = c with e^(-1/2) / c and then vanishes
    faster than any power. Some texts scale it by c²/2. The gradient and
    Hessian take z²/2 to twice the working precision, r's rounding error
    included: e^(-z²/2) multiplies a relative error of z by z².

    Example:
        >>> round(float(welsch([1.0], [0.0])), 6)
        0.393469
    """

    name = "welsch"
    summary = "Welsch (Leclerc): 1 - exp(-z²/2); bounded, far outliers have no influence."
    alpha = -math.inf
    value = _BarronWelsch.value
    grad = _BarronWelsch.grad
    hess = _BarronWelsch.hess

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Non-convex, smooth, redescending; the force peaks at |x| = c: e^(-1/2) / c."""
        c = float(params["scale"])
        return Properties(
            convex=False,
            smoothness="Cinf",
            lipschitz=math.exp(-0.5) / c,
            robust=True,
            redescending=True,
        )


class GemanMcClure(_BarronMember):
    r"""Geman-McClure loss: 2 z² / (z² + 4) with z = (y_pred - y_true) / scale.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape; ``scale > 0``.

    $$
    \ell(x) = \frac{2 z^2}{z^2 + 4}, \qquad \ell'(x) = \frac{16 z}{c\, (z^2 + 4)^2}, \qquad
    \ell''(x) = \frac{16 (4 - 3 z^2)}{c^2 (z^2 + 4)^3}, \qquad z = \frac{x}{c}.
    $$

    Formula, with x = y_pred - y_true, c = scale: l = 2 z² / (z² + 4),
    gradient 16 z / (c (z² + 4)²), Hessian 16 (4 - 3 z²) / (c² (z² + 4)³).
    It is ``barron(alpha=-2, scale=c)`` exactly (the same functions): bounded
    by 2, with the largest force 9 / (8 sqrt 3 c) at z² = 4/3. The textbook
    form z² / (1 + z²) (Geman and McClure 1985) is
    geman_mcclure(scale=c / 2) / 2.

    Example:
        >>> float(geman_mcclure([2.0], [0.0]))
        1.0
    """

    name = "geman_mcclure"
    summary = "Geman-McClure: 2 z² / (z² + 4); bounded, redescending, for heavy outliers."
    alpha = -2.0
    value = _BarronGemanMcClure.value
    grad = _BarronGemanMcClure.grad
    hess = _BarronGemanMcClure.hess

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Non-convex, smooth, redescending; the force peaks at z² = 4/3: 9 / (8 sqrt 3 c)."""
        c = float(params["scale"])
        return Properties(
            convex=False,
            smoothness="Cinf",
            lipschitz=9.0 / (8.0 * math.sqrt(3.0) * c),
            robust=True,
            redescending=True,
        )


class Charbonnier(_BarronMember):
    r"""Charbonnier loss: sqrt(z² + 1) - 1 with z = (y_pred - y_true) / scale.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape; ``scale > 0``.

    $$
    \ell(x) = h - 1, \qquad \ell'(x) = \frac{x}{c^2 h}, \qquad \ell''(x) = \frac{1}{c^2 h^3},
    \qquad h = \sqrt{z^2 + 1},\ z = \frac{x}{c}.
    $$

    Formula, with x = y_pred - y_true, c = scale and h = sqrt(z² + 1):
    l = h - 1, gradient x / (c² h), Hessian 1 / (c² h³). It is
    ``barron(alpha=1, scale=c)`` exactly (the same functions), and
    ``pseudo_huber(delta=c)`` / c². The "Charbonnier penalty" of optical flow,
    sqrt(x² + eps²), is eps (charbonnier(scale=eps) + 1).

    Example:
        >>> round(float(charbonnier([1.0], [0.0])), 6)
        0.414214
    """

    name = "charbonnier"
    summary = "Charbonnier: sqrt(z² + 1) - 1; a smooth L1, convex, the force tends to 1/scale."
    alpha = 1.0
    value = _BarronCharbonnier.value
    grad = _BarronCharbonnier.grad
    hess = _BarronCharbonnier.hess

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex and smooth; the force x / (c² h) tends to 1 / c (not redescending)."""
        c = float(params["scale"])
        return Properties(convex=True, smoothness="Cinf", lipschitz=1.0 / c, robust=True)


class Tukey(Elementwise):
    r"""Tukey's biweight (bisquare) loss with tuning constant c.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape; ``c > 0``.

    $$
    \begin{gathered}
    \ell(r) = \begin{cases} \frac{c^2}{6} \left(1 - (1 - s)^3\right) & |r| \le c \\
    \frac{c^2}{6} & |r| > c \end{cases}, \\
    \frac{\partial \ell}{\partial \hat y} = r (1 - s)^2, \qquad \frac{\partial^2 \ell}{\partial
    \hat y^2} = (1 - s)(1 - 5 s) \quad (|r| \le c;\ 0 \text{ beyond}), \qquad s = (r / c)^2.
    \end{gathered}
    $$

    Formula, with r = y_pred - y_true and s = (r/c)²: l = (c²/6)(1 - (1 - s)³)
    for |r| <= c and c²/6 beyond; gradient r (1 - s)² inside, 0 beyond;
    Hessian (1 - s)(1 - 5 s) inside, 0 beyond. Value, gradient and Hessian
    are continuous at |r| = c (the Hessian is 0 on both sides), the third
    derivative jumps: the loss is C². The default c = 4.685 gives 95%
    efficiency at the normal (as in statsmodels' ``TukeyBiweight``, whose
    rho is the same).

    Computed from a = min(|r|, c) and 1 - s = ((c - a)/c)((c + a)/c), with
    c - a corrected by the rounding error of r: no square of a huge residual,
    no cancellation near |r| = c, and
    l = a² (1 + q + q²) / 6 with q = 1 - s, exact for tiny residuals.

    Example:
        >>> tukey([0.0, 1.0, 10.0], [0.0, 0.0, 0.0], c=2.0, reduction="none").tolist()
        [0.0, 0.3854166666666667, 0.6666666666666666]
    """

    name = "tukey"
    task = "regression"
    link = links.IDENTITY
    params = (positive("c", 4.685),)
    summary = "Tukey's biweight: residuals beyond c cost a constant and pull with no force."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Non-convex, C² (the third derivative jumps at |r| = c), redescending to 0 at c.

        The force r (1 - s)² peaks at s = 1/5: 16 c / (25 sqrt 5).
        """
        c = float(params["c"])
        return Properties(
            convex=False,
            smoothness="C2",
            lipschitz=16.0 * c / (25.0 * math.sqrt(5.0)),
            robust=True,
            redescending=True,
        )

    @staticmethod
    def value(p, t, c):
        a, q, _ = _tukey_parts(p, t, c)
        # c²/6 (1 - q³) = a² (1 + q + q²) / 6: at a = c, q = 0 and this is c²/6.
        return a * a * (1.0 + q + q * q) / 6.0

    @staticmethod
    def grad(p, t, c):
        """The force r (1 - (r/c)²)² for |r| <= c, else 0."""
        a, q, _ = _tukey_parts(p, t, c)
        return m.where(p - t < 0.0, -a, a) * (q * q)

    @staticmethod
    def hess(p, t, c):
        """(1 - s)(1 - 5 s), s = (r/c)², for |r| <= c, else 0."""
        _, q, u = _tukey_parts(p, t, c)
        # 1 - 5 s = q - 4 s.
        return q * (q - 4.0 * (u * u))


def _tukey_parts(p, t, c):
    """The clipped a = min(|r|, c), q = 1 - (a/c)² as ((c - a)/c)((c + a)/c), and u = a/c.

    c - |r| is taken from r and its rounding error lo (p - t = r + lo exactly, by
    TwoSum): near |r| = c, q is small and the rounding of r alone would be magnified.
    """
    r, lo = m.two_difference(p, t)
    a = m.minimum(m.abs(r), c)
    gap = m.maximum((c - m.abs(r)) - m.where(r < 0.0, -lo, lo), 0.0)
    q = (gap / c) * ((c + a) / c)
    return a, q, a / c


class EpsilonInsensitive(Elementwise):
    r"""Epsilon-insensitive loss of support vector regression: max(0, |r| - epsilon).

    Domain: ``y_pred`` and ``y_true`` real, of the same shape; ``epsilon >= 0``.

    $$
    \ell(r) = \max(0, |r| - \epsilon), \qquad \frac{\partial \ell}{\partial \hat y} =
    \operatorname{sign}(r)\, [\,|r| > \epsilon\,], \qquad \frac{\partial^2 \ell}{\partial \hat
    y^2} = 0.
    $$

    Formula, with r = y_pred - y_true: l = max(0, |r| - epsilon), gradient
    sign(r) outside the tube |r| > epsilon and 0 inside (the subgradient 0 at
    its edges), Hessian 0. epsilon = 0 gives mae. Same as scikit-learn's
    ``SGDRegressor(loss="epsilon_insensitive", epsilon=epsilon)`` and the
    loss of ``LinearSVR`` (its ``loss="epsilon_insensitive"``);
    ``loss="squared_epsilon_insensitive"`` there is the square of this one.

    Example:
        >>> epsilon_insensitive([0.05, 1.0, -2.0], [0.0, 0.0, 0.0], reduction="none").tolist()
        [0.0, 0.9, 1.9]
    """

    name = "epsilon_insensitive"
    task = "regression"
    link = links.IDENTITY
    params = (Param("epsilon", 0.1, low=0.0),)
    summary = "SVR's epsilon-insensitive loss: errors inside the tube cost nothing, then |r|."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex with kinks at |r| = epsilon; every residual outside pulls with force 1."""
        return Properties(convex=True, smoothness="C0", lipschitz=1.0, robust=True)

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """A weighted median of the tube edges y - epsilon and y + epsilon.

        The mean loss has derivative sum w [c > y + eps] - sum w [c < y - eps], half that
        of sum w (|c - (y - eps)| + |c - (y + eps)|): the two differ by a constant, and
        the median of the 2n edges (each with its example's weight) minimises both.
        """
        t = np.asarray(y_true, dtype=np.float64).ravel()
        eps = float(params["epsilon"])
        w = np.ones_like(t) if weights is None else broadcast_weights(weights, np.shape(y_true))
        w = w.ravel()
        edges = np.concatenate([t - eps, t + eps])
        return np.asarray(weighted_quantile(edges, np.concatenate([w, w]), 0.5))

    @staticmethod
    def value(p, t, epsilon):
        return m.maximum(m.abs(p - t) - epsilon, 0.0)

    @staticmethod
    def grad(p, t, epsilon):
        """sign(y_pred - y_true) where |r| > epsilon, else 0."""
        r = p - t
        return m.where(m.abs(r) > epsilon, m.sign(r), 0.0)

    @staticmethod
    def hess(p, t, epsilon):
        """0 everywhere (piecewise linear)."""
        return m.fill(p, 0.0)


cauchy, cauchy_grad, cauchy_hess = register(Cauchy)
welsch, welsch_grad, welsch_hess = register(Welsch)
geman_mcclure, geman_mcclure_grad, geman_mcclure_hess = register(GemanMcClure)
charbonnier, charbonnier_grad, charbonnier_hess = register(Charbonnier)
tukey, tukey_grad, tukey_hess = register(Tukey)
epsilon_insensitive, epsilon_insensitive_grad, epsilon_insensitive_hess = register(
    EpsilonInsensitive
)

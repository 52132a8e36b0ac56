"""Multiclass losses of a row of logits: PolyLoss, focal, Brier, multi-margin and sparsemax.

Each is a :class:`~losslab.losses._define.Rows` definition with ``target =
"classes"``: ``y_true`` holds integer labels or probability rows, and the
functions below always see ``t`` as probability rows (labels one-hot). For
``poly1``, ``softmax_focal`` and ``multi_margin``, linear in ``t``, the loss
of a probability row is the expectation over the label of the loss of that
label; ``brier`` and ``sparsemax`` hold ||t||² and differ from that
expectation by a constant in z, -(1 - ||t||²) and -(1 - ||t||²)/2, so their
gradients and Hessians are the expectation's.

Three of them (``poly1``, ``softmax_focal``, ``brier``) are sums over the
classes of a function of one softmax probability, l = sum_c f_c(p_c); they
share one gradient and one Hessian. With phi_c = p_c f_c'(p_c), psi_c =
p_c (p_c f_c')'(p_c), Phi = sum_c phi_c and v_c = e_c - p:

    grad_k = phi_k - p_k Phi,
    H = sum_c psi_c v_c v_c^T - Phi (diag(p) - p p^T),

written so that nothing cancels for a confident row: the largest logit's
gradient is phi u - p (Phi - phi) with u = 1 - p taken from the softmax's
accurate complement, and v_c's own entry is that complement. The Hessian is
one K x K product per row (O(K³)); these losses take the plain path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from array_api_compat import device

from losslab import links
from losslab._array import Array, softmax_parts
from losslab._math import array_math
from losslab.losses._classification import _focal_force
from losslab.losses._define import Param, Rows, positive
from losslab.losses._properties import Properties, mean_target_row
from losslab.losses._registry import register

# ---------------------------------------------------------------- shared pieces


def _eye(xp: Any, z: Array) -> Array:
    return xp.eye(z.shape[-1], dtype=z.dtype, device=device(z))


def _symmetric(xp: Any, h: Array) -> Array:
    """(H + H^T) / 2: the blocks exactly symmetric, whatever the rounding of the products."""
    return 0.5 * (h + xp.matrix_transpose(h))


def _softmax_jacobian(xp: Any, p: Array, complement: Array) -> Array:
    """diag(p) - p p^T, its diagonal p (1 - p) from the accurate complement."""
    eye = _eye(xp, p)
    return eye * (p * complement)[..., None, :] + (eye - 1.0) * (p[..., :, None] * p[..., None, :])


def _directions(xp: Any, p: Array, complement: Array) -> Array:
    """The rows v_c = e_c - p of a (..., K, K) array, each v_c[c] the accurate 1 - p_c."""
    eye = _eye(xp, p)
    return eye * complement[..., :, None] - (1.0 - eye) * p[..., None, :]


def _per_class_gradient(xp: Any, phi: Array, p: Array, complement: Array, is_top: Array) -> Array:
    """phi_k - p_k Phi; for the largest logit phi u - p (Phi - phi), which does not cancel."""
    m_ = array_math(xp, p.dtype)
    total = xp.sum(phi, axis=-1, keepdims=True)
    rest = xp.sum(m_.where(is_top, 0.0, phi), axis=-1, keepdims=True)
    return m_.where(is_top, phi * complement - p * rest, phi - p * total)


def _per_class_hessian(
    xp: Any, psi: Array, phi: Array, p: Array, complement: Array, v: Array | None = None
) -> Array:
    """sum_c psi_c v_c v_c^T - Phi (diag(p) - p p^T); ``v`` the rows v_c (or rescaled ones)."""
    if v is None:
        v = _directions(xp, p, complement)
    curvature = xp.matmul(xp.matrix_transpose(v) * psi[..., None, :], v)
    total = xp.sum(phi, axis=-1)[..., None, None]
    return _symmetric(xp, curvature - total * _softmax_jacobian(xp, p, complement))


def _surprisal(xp: Any, z: Array, t: Array, log_p: Array) -> Array:
    """t_c (-log p_c), 0 where t_c = 0, finite wherever the true value is.

    Where z_c - max z overflowed (a row spanning more than the float range),
    -log p_c = (max z - z_c) - log p_max is formed from halves, so a small t_c
    keeps a finite product.
    """
    m_ = array_math(xp, z.dtype)
    top = xp.max(z, axis=-1, keepdims=True)
    top_log_p = xp.max(log_p, axis=-1, keepdims=True)
    far = 2.0 * (t * (0.5 * top - 0.5 * z)) - t * top_log_p
    near = t * -log_p
    return m_.where(t == 0.0, 0.0, m_.where(log_p > -math.inf, near, far))


# ---------------------------------------------------------------- PolyLoss


class Poly1(Rows):
    r"""Poly-1 loss (Leng et al. 2022): cross-entropy plus epsilon (1 - p_t).

    Domain: ``y_pred`` logits of shape (..., K); ``y_true`` integer labels
    (...) in 0..K-1 or probability rows (..., K); ``epsilon >= -1``.

    $$
    \begin{gathered}
    \ell(z) = \sum_c t_c \left(-\log p_c + \epsilon (1 - p_c)\right), \qquad A = \sum_c t_c,\ q
    = \sum_c t_c p_c, \\
    \nabla_z \ell = A\, p - t + \epsilon\, p \odot (q - t), \\
    \nabla_z^2 \ell = (A + \epsilon q) \left(\operatorname{diag}(p) - p p^\top\right) - \epsilon
    \sum_c t_c p_c\, v_c v_c^\top, \qquad v_c = e_c - p.
    \end{gathered}
    $$

    Formula, per row, with p = softmax(z):

        l = sum_c t_c (-log p_c + epsilon (1 - p_c)),

    for a label y: -log p_y + epsilon (1 - p_y). Gradient, with A = sum_c t_c
    and q = sum_c t_c p_c: A p - t + epsilon p (q - t) (elementwise);
    Hessian (A + epsilon q)(diag p - p p^T) - epsilon sum_c t_c p_c v_c v_c^T
    with v_c = e_c - p. epsilon = 0 is :func:`cross_entropy`; epsilon = -1 is
    its polynomial expansion without the first term. Equal to
    ``optax.losses.poly_loss_cross_entropy(logits, labels, epsilon=epsilon)``
    with ``labels`` the probability rows (optax's default epsilon is 2.0,
    here 1.0).

    Example:
        >>> round(float(poly1([[2.0, 0.0, 0.0]], [0])), 6)
        0.452559
    """

    name = "poly1"
    task = "multiclass"
    link = links.SOFTMAX
    params = (Param("epsilon", 1.0, low=-1.0),)
    summary = "Poly-1 loss: cross-entropy plus epsilon (1 - p_t), the first polynomial term."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex for -1 <= epsilon <= 1; proper only at epsilon = 0; always calibrated.

        The expected loss under class probabilities q is minimised by
        p_c = q_c / (lambda - epsilon q_c), which keeps the order of q but is
        q only for epsilon = 0. The gradient's largest length, at a label,
        is sqrt 2 max over u in [0, 1] of (1 + epsilon u)(1 - u): sqrt 2 for
        epsilon <= 1, sqrt 2 (1 + epsilon)² / (4 epsilon) beyond.
        """
        eps = float(params["epsilon"])
        force = 1.0 if eps <= 1.0 else (1.0 + eps) ** 2 / (4.0 * eps)
        return Properties(
            convex=-1.0 <= eps <= 1.0,
            smoothness="Cinf",
            lipschitz=math.sqrt(2.0) * force,
            robust=True,
            proper=eps == 0.0,
            calibrated=True,
        )

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The log of p_c = q_c / (lambda - epsilon q_c), lambda making p sum to 1.

        q is the weighted mean target row (labels: K = the largest label + 1);
        lambda is the root of that one-dimensional equation (Brent's method).
        """
        from scipy.optimize import brentq

        q = mean_target_row(y_true, weights)
        eps = float(params["epsilon"])
        keep = q > 0
        p = q
        if eps != 0.0 and np.count_nonzero(keep) > 1:
            kept = q[keep]

            def excess(lam: float) -> float:
                return float(np.sum(kept / (lam - eps * kept))) - 1.0

            # sum_c q_c / (lambda - eps q_c) falls from +inf to at most 1 as lambda rises
            # from L = max_c eps q_c to L + 1: the root is bracketed.
            floor = float(np.max(eps * kept))
            step = float(kept[np.argmax(eps * kept)])
            while excess(floor + step) <= 0.0 and step > 0.0:
                step /= 2.0
            lam = brentq(excess, floor + step, floor + 1.0, xtol=1e-300, rtol=1e-15)
            p = np.where(keep, q / (lam - eps * q), 0.0)
        with np.errstate(divide="ignore"):
            return np.log(p)

    @staticmethod
    def value(xp, z, t, epsilon):
        m_ = array_math(xp, z.dtype)
        log_p, _, complement, _ = softmax_parts(xp, z)
        per_class = _surprisal(xp, z, t, log_p) + m_.where(t == 0.0, 0.0, epsilon * t * complement)
        return xp.sum(per_class, axis=-1)

    @staticmethod
    def grad(xp, z, t, epsilon):
        """A p - t + epsilon p (q - t), q = sum_c t_c p_c."""
        _, p, complement, is_top = softmax_parts(xp, z)
        return _per_class_gradient(xp, -t * (1.0 + epsilon * p), p, complement, is_top)

    @staticmethod
    def hess(xp, z, t, epsilon):
        """(A + epsilon q)(diag p - p p^T) - epsilon sum_c t_c p_c v_c v_c^T."""
        _, p, complement, _ = softmax_parts(xp, z)
        return _per_class_hessian(xp, -epsilon * t * p, -t * (1.0 + epsilon * p), p, complement)


# ---------------------------------------------------------------- multiclass focal


def _focal_pieces(xp, z, t, gamma):
    """p, 1 - p, -log p, the top mask, (1 - p)^gamma and a = (1 - p)^gamma (1 + gamma p r).

    r = -log p / (1 - p) (1 at p = 1, its limit); p r and p (-log p) are 0 at
    p = 0 (their limits), even where -log p overflowed to inf.
    """
    m_ = array_math(xp, z.dtype)
    log_p, p, u, is_top = softmax_parts(xp, z)
    ce = -log_p
    safe_u = m_.where(u > 0.0, u, 1.0)
    ratio = m_.where(u > 0.0, ce / safe_u, 1.0)
    pr = m_.where(p > 0.0, p * ratio, 0.0)
    pl = m_.where(p > 0.0, p * ce, 0.0)
    modulator = u**gamma
    a = modulator * (1.0 + gamma * pr)
    return p, u, log_p, is_top, modulator, a, pr, pl


class SoftmaxFocal(Rows):
    r"""Multiclass focal loss (Lin et al. 2017) on a row of logits: sum_c -t_c (1 - p_c)^g log p_c.

    Domain: ``y_pred`` logits (..., K); ``y_true`` integer labels (...) or
    probability rows (..., K); ``gamma >= 0``.

    $$
    \begin{gathered}
    \ell(z) = \sum_c t_c\, u_c^g \left(-\log p_c\right), \qquad \nabla_z \ell = W p - t \odot a,
    \\
    u_c = 1 - p_c,\ a_c = u_c^g (1 + g\, p_c r_c),\ r_c = \frac{-\log p_c}{u_c},\ W = \sum_c t_c
    a_c, \\
    \nabla_z^2 \ell = W \left(\operatorname{diag}(p) - p p^\top\right) - \sum_c t_c b_c\, v_c
    v_c^\top, \qquad v_c = e_c - p, \\
    b_c = g\, p_c u_c^{g-1} \left(-\log p_c - 2 - (g - 1)\, p_c r_c\right).
    \end{gathered}
    $$

    Formula, per row, with p = softmax(z), u_c = 1 - p_c, g = gamma:

        l = sum_c t_c u_c^g (-log p_c),

    for a label y: -(1 - p_y)^g log p_y. With a_c = u_c^g (1 + g p_c r_c),
    r_c = -log p_c / u_c, and W = sum_c t_c a_c, the gradient is
    W p - t a (elementwise); the Hessian is W (diag p - p p^T) -
    sum_c t_c b_c v_c v_c^T with v_c = e_c - p and
    b_c = g p_c u_c^(g-1) (-log p_c - 2 - (g - 1) p_c r_c), the derivative of
    a_c times p_c. The largest logit's v_c is carried divided by its u_c (and
    b_c times u_c²), so p_c -> 1 with g < 1 gives no inf * 0. gamma = 0 is
    :func:`cross_entropy`. PyTorch has no multiclass focal loss; the usual
    formula, ``-((1 - p) ** gamma * log_softmax(z)).gather(-1, y)``, is this
    one for labels (no alpha weighting).

    Example:
        >>> round(float(softmax_focal([[2.0, 0.0, 0.0]], [0], gamma=2.0)), 6)
        0.010869
    """

    name = "softmax_focal"
    task = "multiclass"
    link = links.SOFTMAX
    params = (Param("gamma", 2.0, low=0.0),)
    summary = "Multiclass focal loss: softmax cross-entropy scaled by (1 - p)^gamma."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Non-convex for gamma > 0, proper only at gamma = 0, calibrated.

        The gradient at a label y is a_y (p - e_y), of length at most
        sqrt 2 a_y (1 - p_y): the largest is sqrt 2 times the binary focal
        loss's largest force; probability rows mix labels linearly.
        """
        gamma = float(params["gamma"])
        return Properties(
            convex=gamma == 0.0,
            smoothness="Cinf",
            lipschitz=math.sqrt(2.0) * _focal_force(gamma),
            robust=True,
            proper=gamma == 0.0,
            calibrated=True,
        )

    @staticmethod
    def value(xp, z, t, gamma):
        _, _, log_p, _, modulator, _, _, _ = _focal_pieces(xp, z, t, gamma)
        return xp.sum(modulator * _surprisal(xp, z, t, log_p), axis=-1)

    @staticmethod
    def grad(xp, z, t, gamma):
        """W p - t a, a_c = (1 - p_c)^g (1 + g p_c (-log p_c) / (1 - p_c)), W = sum_c t_c a_c."""
        p, u, _, is_top, _, a, _, _ = _focal_pieces(xp, z, t, gamma)
        return _per_class_gradient(xp, -t * a, p, u, is_top)

    @staticmethod
    def hess(xp, z, t, gamma):
        """W (diag p - p p^T) - sum_c t_c b_c v_c v_c^T (see the loss)."""
        m_ = array_math(xp, z.dtype)
        p, u, _, is_top, _, a, pr, pl = _focal_pieces(xp, z, t, gamma)
        # b_c u_c^(-2) scale_c^2 with scale_c = u_c for the largest logit, 1 elsewhere.
        lifted = m_.where(is_top, 1.0, u)  # >= 1/2 off the top
        power = m_.where(is_top, u ** (gamma + 1.0), lifted ** (gamma - 1.0))
        b = gamma * power * (pl - 2.0 * p - (gamma - 1.0) * p * pr)
        v = _directions(xp, p, u)
        scale = m_.where(is_top, u, 1.0)
        safe = m_.where(scale > 0.0, scale, 1.0)
        eye = _eye(xp, z)
        v = v / safe[..., :, None]
        # The largest logit's row is (1 at its own entry, -p_j / u elsewhere), also when u = 0.
        v = m_.where((eye == 1.0) & is_top[..., :, None], 1.0, v)
        return _per_class_hessian(xp, -t * b, -t * a, p, u, v)


# ---------------------------------------------------------------- Brier score


def _brier_error(xp, z, t):
    """p, 1 - p, the top mask and e = p - t, the largest logit's as (1 - t) - (1 - p)."""
    m_ = array_math(xp, z.dtype)
    _, p, u, is_top = softmax_parts(xp, z)
    return p, u, is_top, m_.where(is_top, (1.0 - t) - u, p - t)


class Brier(Rows):
    r"""Multiclass Brier score of softmax(z): sum_c (p_c - t_c)².

    Domain: ``y_pred`` logits (..., K); ``y_true`` integer labels (...) or
    probability rows (..., K).

    $$
    \begin{gathered}
    \ell(z) = \sum_c (p_c - t_c)^2, \qquad \nabla_z \ell = 2 J^\top e, \qquad J =
    \operatorname{diag}(p) - p p^\top,\ e = p - t, \\
    \nabla_z^2 \ell = 2 \sum_c p_c (2 p_c - t_c)\, v_c v_c^\top - 2\, (p \cdot e)\, J, \qquad
    v_c = e_c - p.
    \end{gathered}
    $$

    Formula, per row, with p = softmax(z) and e = p - t: l = sum_c e_c².
    Gradient J^T 2 e with J = diag(p) - p p^T, that is 2 p (e - p.e)
    (elementwise); Hessian 2 J^T J + 2 sum_c e_c (Hessian of p_c), written
    as 2 sum_c p_c (2 p_c - t_c) v_c v_c^T - 2 (p.e) J with v_c = e_c - p.
    The square loss on probabilities, a proper scoring rule; bounded by 2.
    For two classes scikit-learn's ``brier_score_loss(y, p1)`` is the mean
    of (p_1 - y)², half of this sum (both classes err by the same amount).

    Example:
        >>> round(float(brier([[0.0, 0.0]], [0])), 6)
        0.5
    """

    name = "brier"
    task = "multiclass"
    link = links.SOFTMAX
    summary = "Brier score: squared error of softmax(logits) against the one-hot target."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Proper and calibrated; not convex in the logits; force at most 16 sqrt 2 / 27.

        On a two-class row with the wrong class's probability w the loss is 2 w²
        and the gradient (g, -g) with |g| = 4 w² (1 - w), largest at w = 2/3;
        more classes do no better (maximised numerically over 3 to 5 classes),
        and probability rows mix labels linearly. Not redescending: on two
        classes a hopeless answer's force falls back to 0, but with three or
        more a wrong answer shared by two classes, p -> (0.7, 0.3, 0) against
        label 2, keeps a force of 0.168 on each.
        """
        return Properties(
            convex=False,
            smoothness="Cinf",
            lipschitz=16.0 * math.sqrt(2.0) / 27.0,
            robust=True,
            proper=True,
            calibrated=True,
        )

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The log of the weighted class frequencies (the Brier score is proper)."""
        with np.errstate(divide="ignore"):
            return np.log(mean_target_row(y_true, weights))

    @staticmethod
    def value(xp, z, t):
        e = _brier_error(xp, z, t)[3]
        return xp.sum(e * e, axis=-1)

    @staticmethod
    def grad(xp, z, t):
        """2 p (e - p.e), e = p - t."""
        p, u, is_top, e = _brier_error(xp, z, t)
        return _per_class_gradient(xp, 2.0 * e * p, p, u, is_top)

    @staticmethod
    def hess(xp, z, t):
        """2 sum_c p_c (2 p_c - t_c) v_c v_c^T - 2 (p.e)(diag p - p p^T), v_c = e_c - p."""
        p, u, _, e = _brier_error(xp, z, t)
        return _per_class_hessian(xp, 2.0 * p * (p + e), 2.0 * e * p, p, u)


# ---------------------------------------------------------------- multi-margin


def _power(value: Any) -> int:
    """The exponent p of :class:`MultiMargin`: 1 or 2."""
    if isinstance(value, bool) or value not in (1, 2):
        raise ValueError(f"p must be 1 or 2, got {value!r}")
    return int(value)


class MultiMargin(Rows):
    r"""Multiclass margin loss of Weston and Watkins, as ``torch.nn.functional.multi_margin_loss``.

    Domain: ``y_pred`` scores (..., K); ``y_true`` integer labels (...) or
    probability rows (..., K); ``margin > 0``; ``p`` 1 or 2.

    $$
    \begin{gathered}
    \ell(z) = \frac{1}{K} \sum_{i \ne y} \max(0, s_i)^p, \qquad s_i = \mathrm{margin} - z_y +
    z_i, \\
    \frac{\partial \ell}{\partial z_i} = \frac{p}{K}\, s_i^{p-1} [\,s_i > 0\,] = -\frac{\partial
    \ell}{\partial z_y} \text{ per pair}, \\
    \nabla_z^2 \ell = \begin{cases} 0 & p = 1 \\ \frac{2}{K} \sum_{s_i > 0} (e_i - e_y)(e_i -
    e_y)^\top & p = 2. \end{cases}
    \end{gathered}
    $$

    Formula, for a label y, with the slack s_i = margin - z_y + z_i:

        l = (1/K) sum_{i != y} max(0, s_i)^p.

    For probability rows t the loss is the expectation over the label,
    sum_y t_y l(z, y). Gradient, per active pair (y, i), (p/K) s_i^(p-1) on
    z_i and its negative on z_y (the subgradient 0 at s_i = 0); Hessian 0 for
    p = 1 (piecewise linear) and, for p = 2, (2/K) sum over active pairs of
    t_y (e_i - e_y)(e_i - e_y)^T. Equal to PyTorch's ``multi_margin_loss(z,
    y, p=p, margin=margin)`` for labels (no ``weight``). The slacks of every
    pair of classes are formed: O(K²) per row.

    Example:
        >>> float(multi_margin([[0.1, 0.2, 0.4, 0.8]], [3]))
        0.325
    """

    name = "multi_margin"
    task = "multiclass"
    link = links.SOFTMAX
    params = (positive("margin", 1.0), Param("p", 1, check=_power))
    summary = "Multiclass hinge (Weston-Watkins): every class within a margin of the true one pays."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex and not proper; p = 1 has kinks, p = 2 is once differentiable.

        p = 1: the force is sqrt(1 - 1/K) for K classes, at most 1 over every
        row length; not calibrated (Tewari and Bartlett 2007: without a
        majority class the minimiser ties the leading classes). p = 2: the
        force is unbounded; calibrated, as every pairwise comparison loss
        with a differentiable, decreasing phi is (Zhang 2004).
        """
        squared = int(params["p"]) == 2
        return Properties(
            convex=True,
            smoothness="C1" if squared else "C0",
            lipschitz=None if squared else 1.0,
            robust=not squared,
            proper=False,
            calibrated=squared,
        )

    @staticmethod
    def value(xp, z, t, margin, p):
        m_ = array_math(xp, z.dtype)
        half, active, weight = _pairs(xp, z, t, margin)
        width = z.shape[-1]
        # t_y s^p / K as products that overflow only where the term itself does.
        if p == 1:
            per = weight * (half * (2.0 / width))
        else:
            per = (weight * half) * (half * (4.0 / width))
        terms = m_.where(active & (weight > 0.0), per, 0.0)
        return xp.sum(xp.sum(terms, axis=-1), axis=-1)

    @staticmethod
    def grad(xp, z, t, margin, p):
        """Per active pair (y, i): t_y (p/K) s^(p-1) on z_i, its negative on z_y."""
        m_ = array_math(xp, z.dtype)
        half, active, weight = _pairs(xp, z, t, margin)
        width = z.shape[-1]
        # Half of each push, so neither sum overflows where their difference does not.
        push = (0.5 / width) if p == 1 else half * (2.0 / width)
        force = m_.where(active & (weight > 0.0), weight * push, 0.0)
        return 2.0 * (xp.sum(force, axis=-2) - xp.sum(force, axis=-1))

    @staticmethod
    def hess(xp, z, t, margin, p):
        """0 for p = 1; for p = 2, (2/K) times the Laplacian of the active pairs' weights t_y."""
        m_ = array_math(xp, z.dtype)
        if p == 1:
            return xp.zeros((*z.shape, z.shape[-1]), dtype=z.dtype, device=device(z))
        _, active, weight = _pairs(xp, z, t, margin)
        pairs = m_.where(active, weight, 0.0)
        degree = xp.sum(pairs, axis=-2) + xp.sum(pairs, axis=-1)
        eye = _eye(xp, z)
        laplacian = eye * degree[..., None, :] - pairs - xp.matrix_transpose(pairs)
        return (2.0 / z.shape[-1]) * laplacian


def _pairs(xp: Any, z: Array, t: Array, margin: float) -> tuple[Array, Array, Array]:
    """Half the slack margin - z_y + z_i of each pair [y, i], whether it is active, and t_y.

    Halves (exact) so that no slack overflows where the loss does not.
    """
    half = 0.5 * margin + (0.5 * z[..., None, :] - 0.5 * z[..., :, None])
    eye = _eye(xp, z)
    active = (half > 0.0) & (eye == 0.0)
    weight = t[..., :, None] + xp.zeros_like(half)
    return half, active, weight


# ---------------------------------------------------------------- sparsemax


def _sparsemax(xp, z):
    """Max z, the threshold tau (of z - max z), the support, sparsemax(z), the top mask, |S|.

    Sort-based (Martins and Astudillo 2016, Algorithm 1) on the shifted row,
    whose support lies in [-1, 0], so tau is accurate to a few ulps.
    """
    m_ = array_math(xp, z.dtype)
    width = z.shape[-1]
    top = xp.max(z, axis=-1, keepdims=True)
    u = z - top
    ranked = xp.sort(u, axis=-1, descending=True)
    cumulative = xp.cumulative_sum(ranked, axis=-1)
    k = xp.arange(1, width + 1, dtype=z.dtype, device=device(z))
    size = xp.sum(xp.astype(1.0 + k * ranked > cumulative, z.dtype), axis=-1, keepdims=True)
    reached = m_.where(k == size, cumulative, 0.0)
    tau = (xp.sum(reached, axis=-1, keepdims=True) - 1.0) / size
    support = u > tau
    p = m_.where(support, u - tau, 0.0)
    first = xp.argmax(z, axis=-1, keepdims=True)
    classes = xp.arange(width, dtype=first.dtype, device=device(z))
    return top, tau, support, p, classes == first, size


def _sparsemax_error(xp, z, t):
    """sparsemax(z) - t; the largest logit's as (1 - t) - (the others' sparsemax mass)."""
    m_ = array_math(xp, z.dtype)
    top, tau, support, p, is_top, size = _sparsemax(xp, z)
    rest = xp.sum(m_.where(is_top, 0.0, p), axis=-1, keepdims=True)
    return m_.where(is_top, (1.0 - t) - rest, p - t), top, tau, support, size


class Sparsemax(Rows):
    r"""Sparsemax loss (Martins and Astudillo 2016): the Fenchel-Young loss of sparsemax.

    Domain: ``y_pred`` scores (..., K); ``y_true`` integer labels (...) or
    probability rows (..., K).

    $$
    \begin{gathered}
    \ell(z) = -t^\top z + \frac12 \sum_{j \in S} \left(z_j^2 - \tau^2\right) + \frac12 \|t\|^2,
    \\
    \nabla_z \ell = p - t, \qquad \nabla_z^2 \ell = \operatorname{diag}(s) - \frac{s
    s^\top}{|S|}, \\
    p = \operatorname{sparsemax}(z),\ p_j = \max(z_j - \tau, 0),\ S = \{j : z_j > \tau\},\ s =
    \mathbb{1}_S.
    \end{gathered}
    $$

    With p = sparsemax(z), the Euclidean projection of z onto the simplex
    (p_j = max(z_j - tau, 0), support S where z_j > tau), the loss is

        l = -t.z + (1/2) sum_{j in S} (z_j² - tau²) + (1/2) ||t||²
          = (1/2) ||p - t||² + sum_{j not in S} t_j (tau - z_j),

    the second form a sum of non-negative terms (computed so, from z shifted
    by its maximum). Gradient p - t; Hessian the generalized Jacobian of
    sparsemax, diag(s) - s s^T / |S| with s the support's indicator. Convex,
    once differentiable; 0 exactly where p = t. For labels equal to
    ``optax.losses.multiclass_sparsemax_loss(z, y)`` (optax's
    ``sparsemax_loss`` is the binary one). The catalogue reads the scores
    through the softmax link (losslab has no sparsemax link), so curves and
    tables show softmax(z); the loss's own prediction is sparsemax(z).

    Example:
        >>> float(sparsemax([[1.0, 0.5, -2.0]], [0]))
        0.0625
    """

    name = "sparsemax"
    task = "multiclass"
    link = links.SOFTMAX
    summary = "Sparsemax loss: the Fenchel-Young loss of the sparse projection onto the simplex."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex, C1, gradient p - t at most sqrt 2 long; calibrated.

        Proper for its own prediction map (the expected loss is minimised where
        sparsemax(z) = q), but not through the softmax link the catalogue reads
        its scores with: softmax of the minimiser is not q.
        """
        return Properties(
            convex=True,
            smoothness="C1",
            lipschitz=math.sqrt(2.0),
            robust=True,
            proper=False,
            calibrated=True,
        )

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The weighted mean target row q itself: sparsemax(q) = q."""
        return mean_target_row(y_true, weights)

    @staticmethod
    def value(xp, z, t):
        m_ = array_math(xp, z.dtype)
        e, top, tau, support, _ = _sparsemax_error(xp, z, t)
        # t_j (tau - u_j) from halves: max z - z_j may overflow where the loss does not.
        gap = 0.5 * tau + (0.5 * top - 0.5 * z)
        outside = m_.where(support | (t == 0.0), 0.0, 2.0 * (t * gap))
        return 0.5 * xp.sum(e * e, axis=-1) + xp.sum(outside, axis=-1)

    @staticmethod
    def grad(xp, z, t):
        """sparsemax(z) - t."""
        return _sparsemax_error(xp, z, t)[0]

    @staticmethod
    def hess(xp, z, t):
        """diag(s) - s s^T / |S|, s the support's indicator."""
        _, _, _, support, size = _sparsemax_error(xp, z, t)
        s = xp.astype(support, z.dtype)
        eye = _eye(xp, z)
        return eye * s[..., None, :] - (s[..., :, None] * s[..., None, :]) / size[..., None]


brier, brier_grad, brier_hess = register(Brier)
multi_margin, multi_margin_grad, multi_margin_hess = register(MultiMargin)
poly1, poly1_grad, poly1_hess = register(Poly1)
softmax_focal, softmax_focal_grad, softmax_focal_hess = register(SoftmaxFocal)
sparsemax, sparsemax_grad, sparsemax_hess = register(Sparsemax)

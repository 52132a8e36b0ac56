"""Regression losses: functions of the residual r = y_pred - y_true.

Each loss is three pure functions with one signature,
``f(y_pred, y_true, *, <params>, weights=None, reduction="mean")``: the loss,
its gradient ``f_grad`` and the diagonal of its Hessian ``f_hess``, all with
respect to ``y_pred``. The gradient and Hessian are those of what ``f``
returns, so they carry the reduction (a mean divides them by n, or by the sum
of the weights).
"""

from __future__ import annotations

import math
from typing import Any

from losslab._array import Array
from losslab.losses._batch import Batch, check_positive, check_range, prepare
from losslab.losses._registry import register

_LOG2 = math.log(2.0)


# ---------------------------------------------------------------- mse


def mse(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Mean squared error, the mean of r² with r = y_pred - y_true.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape.

    Formula: l(r) = r², gradient 2r, Hessian 2. MSE is the mean of squared
    errors, not half of it: scikit-learn's ``HalfSquaredError`` is mse / 2;
    ``torch.nn.functional.mse_loss`` and Keras' ``MeanSquaredError`` agree
    with this one.

    Example (the seeds' housing prices, in thousands of dollars):
        >>> float(mse([210, 340, 480], [200, 350, 500]))
        200.0
    """
    b = prepare(y_pred, y_true, weights, reduction)
    r = b.y_pred - b.y_true
    return b.value(r * r)


def mse_grad(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Gradient of :func:`mse`: 2 (y_pred - y_true), scaled by the reduction."""
    b = prepare(y_pred, y_true, weights, reduction)
    return b.derivative(2.0 * (b.y_pred - b.y_true))


def mse_hess(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Hessian diagonal of :func:`mse`: the constant 2, scaled by the reduction."""
    b = prepare(y_pred, y_true, weights, reduction)
    return b.derivative(2.0 * b.xp.ones_like(b.y_pred))


# ---------------------------------------------------------------- mae


def mae(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Mean absolute error, the mean of |y_pred - y_true|.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape.

    Formula: l(r) = |r|, gradient sign(r), Hessian 0. At the kink r = 0 the
    gradient is the subgradient 0 (as in PyTorch's ``l1_loss``), so a perfect
    prediction has zero gradient. Same as ``torch.nn.functional.l1_loss`` and
    ``sklearn.metrics.mean_absolute_error``; scikit-learn's
    ``AbsoluteError`` too.

    Example (the seeds' rainfall bonus, model A):
        >>> float(mae([12, 23, 6, 38, 18], [10, 25, 5, 40, 15]))
        2.0
    """
    b = prepare(y_pred, y_true, weights, reduction)
    return b.value(b.xp.abs(b.y_pred - b.y_true))


def mae_grad(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Gradient of :func:`mae`: sign(y_pred - y_true), 0 at r = 0, scaled by the reduction."""
    b = prepare(y_pred, y_true, weights, reduction)
    return b.derivative(b.xp.sign(b.y_pred - b.y_true))


def mae_hess(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Hessian diagonal of :func:`mae`: 0 everywhere (undefined at the kink, taken as 0)."""
    b = prepare(y_pred, y_true, weights, reduction)
    return b.derivative(b.xp.zeros_like(b.y_pred))


# ---------------------------------------------------------------- huber


def _check_delta(*, delta: float) -> None:
    check_positive(delta, "delta")


def _huber_parts(b: Batch, delta: float) -> tuple[Array, Array]:
    r = b.y_pred - b.y_true
    return r, b.xp.clip(r, min=-delta, max=delta)


def huber(
    y_pred: Any,
    y_true: Any,
    *,
    delta: float = 1.0,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Huber loss: quadratic for |r| <= delta, linear beyond, r = y_pred - y_true.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape; ``delta > 0``.

    Formula: l(r) = r²/2 for |r| <= delta and delta (|r| - delta/2) beyond.
    Gradient clip(r, -delta, delta); Hessian 1 for |r| <= delta, else 0.
    As delta grows it tends to mse / 2; as delta -> 0, huber / delta tends to
    mae. Same as ``torch.nn.functional.huber_loss(delta=delta)`` and Keras'
    ``Huber``; PyTorch's ``smooth_l1_loss(beta=b)`` equals huber(delta=b) / b.

    Example:
        >>> huber([0.5, 3.0], [0.0, 0.0], reduction="none").tolist()
        [0.125, 2.5]
    """
    _check_delta(delta=delta)
    b = prepare(y_pred, y_true, weights, reduction)
    r, clipped = _huber_parts(b, delta)
    # With c = clip(r): c²/2 + delta (|r| - |c|) is both branches at once and never squares
    # a huge residual, so |r| = 1e200 gives delta (|r| - delta / 2) without overflow.
    return b.value(0.5 * clipped * clipped + delta * (b.xp.abs(r) - b.xp.abs(clipped)))


def huber_grad(
    y_pred: Any,
    y_true: Any,
    *,
    delta: float = 1.0,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Gradient of :func:`huber`: clip(y_pred - y_true, -delta, delta), scaled by the reduction."""
    _check_delta(delta=delta)
    b = prepare(y_pred, y_true, weights, reduction)
    return b.derivative(_huber_parts(b, delta)[1])


def huber_hess(
    y_pred: Any,
    y_true: Any,
    *,
    delta: float = 1.0,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Hessian diagonal of :func:`huber`: 1 where |r| <= delta, else 0."""
    _check_delta(delta=delta)
    b = prepare(y_pred, y_true, weights, reduction)
    inside = b.xp.abs(b.y_pred - b.y_true) <= delta
    return b.derivative(b.xp.astype(inside, b.y_pred.dtype))


# ---------------------------------------------------------------- pseudo-Huber


def _pseudo_huber_parts(b: Batch, delta: float) -> tuple[Array, Array]:
    a = (b.y_pred - b.y_true) / delta
    return a, b.xp.hypot(b.xp.ones_like(a), a)


def pseudo_huber(
    y_pred: Any,
    y_true: Any,
    *,
    delta: float = 1.0,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Pseudo-Huber loss, a smooth Huber: delta² (sqrt(1 + (r/delta)²) - 1).

    Domain: ``y_pred`` and ``y_true`` real, of the same shape; ``delta > 0``.

    Formula, with a = r / delta and h = sqrt(1 + a²): l = delta² (h - 1),
    gradient delta a / h, Hessian 1 / h³. Near 0 it is r²/2, far out
    delta |r|. It is Barron's loss with alpha = 1 and scale delta, times
    delta². Neither PyTorch nor scikit-learn has it; XGBoost's
    ``reg:pseudohubererror`` with ``huber_slope=delta`` is the same loss.

    Example:
        >>> round(float(pseudo_huber([1.0], [0.0])), 6)
        0.414214
    """
    _check_delta(delta=delta)
    b = prepare(y_pred, y_true, weights, reduction)
    a, h = _pseudo_huber_parts(b, delta)
    # h - 1 = a² / (h + 1) avoids cancellation for small a; writing it as |a| (|a| / (h + 1))
    # avoids overflowing a² for residuals like 1e200.
    abs_a = b.xp.abs(a)
    return b.value(delta * delta * abs_a * (abs_a / (h + 1.0)))


def pseudo_huber_grad(
    y_pred: Any,
    y_true: Any,
    *,
    delta: float = 1.0,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Gradient of :func:`pseudo_huber`: r / sqrt(1 + (r/delta)²), scaled by the reduction."""
    _check_delta(delta=delta)
    b = prepare(y_pred, y_true, weights, reduction)
    a, h = _pseudo_huber_parts(b, delta)
    return b.derivative(delta * (a / h))


def pseudo_huber_hess(
    y_pred: Any,
    y_true: Any,
    *,
    delta: float = 1.0,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Hessian diagonal of :func:`pseudo_huber`: (1 + (r/delta)²)^(-3/2)."""
    _check_delta(delta=delta)
    b = prepare(y_pred, y_true, weights, reduction)
    inverse = 1.0 / _pseudo_huber_parts(b, delta)[1]
    return b.derivative(inverse * inverse * inverse)


# ---------------------------------------------------------------- log-cosh


def log_cosh(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Log-cosh loss, log(cosh(y_pred - y_true)).

    Domain: ``y_pred`` and ``y_true`` real, of the same shape.

    Formula: l(r) = log cosh r, gradient tanh r, Hessian 1 - tanh² r =
    sech² r. About r²/2 near 0 and |r| - log 2 far out. Keras' ``LogCosh``
    is the same; PyTorch and scikit-learn do not have it.

    Example:
        >>> round(float(log_cosh([1.0], [0.0])), 6)
        0.433781
    """
    b = prepare(y_pred, y_true, weights, reduction)
    xp = b.xp
    a = xp.abs(b.y_pred - b.y_true)
    # Near 0: log cosh a = log1p(2 sinh²(a/2)), no cancellation.
    small_a = xp.minimum(a, xp.ones_like(a))
    half_sinh = xp.sinh(0.5 * small_a)
    near = xp.log1p(2.0 * half_sinh * half_sinh)
    # Far out: log cosh a = a + log1p(e^(-2a)) - log 2, never overflows.
    far = a + xp.log1p(xp.exp(-2.0 * a)) - _LOG2
    return b.value(xp.where(a < 1.0, near, far))


def log_cosh_grad(
    y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean"
) -> Array:
    """Gradient of :func:`log_cosh`: tanh(y_pred - y_true), scaled by the reduction."""
    b = prepare(y_pred, y_true, weights, reduction)
    return b.derivative(b.xp.tanh(b.y_pred - b.y_true))


def log_cosh_hess(
    y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean"
) -> Array:
    """Hessian diagonal of :func:`log_cosh`: sech²(r), scaled by the reduction."""
    b = prepare(y_pred, y_true, weights, reduction)
    # sech² r = 4 e / (1 + e)² with e = exp(-2|r|): exact where 1 - tanh² would round to 0.
    e = b.xp.exp(-2.0 * b.xp.abs(b.y_pred - b.y_true))
    return b.derivative(4.0 * e / ((1.0 + e) * (1.0 + e)))


# ---------------------------------------------------------------- quantile


def _check_q(*, q: float) -> None:
    check_range(q, "q", low=0.0, high=1.0, low_open=True, high_open=True)


def quantile(
    y_pred: Any,
    y_true: Any,
    *,
    q: float = 0.5,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Quantile (pinball) loss at level q, minimised by the q-th quantile of y_true.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape; ``0 < q < 1``.

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
    _check_q(q=q)
    b = prepare(y_pred, y_true, weights, reduction)
    r = b.y_pred - b.y_true
    return b.value(b.xp.maximum((1.0 - q) * r, -q * r))


def quantile_grad(
    y_pred: Any,
    y_true: Any,
    *,
    q: float = 0.5,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Gradient of :func:`quantile`: 1 - q where r > 0, -q where r < 0, 0 at r = 0."""
    _check_q(q=q)
    b = prepare(y_pred, y_true, weights, reduction)
    xp = b.xp
    r = b.y_pred - b.y_true
    over = xp.astype(r > 0, r.dtype)
    under = xp.astype(r < 0, r.dtype)
    return b.derivative((1.0 - q) * over - q * under)


def quantile_hess(
    y_pred: Any,
    y_true: Any,
    *,
    q: float = 0.5,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Hessian diagonal of :func:`quantile`: 0 everywhere (piecewise linear)."""
    _check_q(q=q)
    b = prepare(y_pred, y_true, weights, reduction)
    return b.derivative(b.xp.zeros_like(b.y_pred))


# ---------------------------------------------------------------- Barron


def _check_barron(*, alpha: float, scale: float) -> None:
    check_range(alpha, "alpha", allow_inf=True, high=math.inf, high_open=True)
    check_positive(scale, "scale")


def _log1p_square(xp: Any, t: Array) -> Array:
    """log(1 + t²) without overflowing t² for huge |t|."""
    a = xp.abs(t)
    small = xp.minimum(a, xp.ones_like(a))
    big = xp.maximum(a, xp.ones_like(a))
    # For |t| > 1: log(1 + t²) = 2 log|t| + log1p(1/t²).
    return xp.where(
        a <= 1.0, xp.log1p(small * small), 2.0 * xp.log(big) + xp.log1p(1.0 / (big * big))
    )


def _barron_parts(b: Batch, alpha: float, scale: float, order: int) -> Array:
    """Barron's loss (order 0), its derivative (1) or second derivative (2) in x = r.

    Away from the special cases everything is written through
    log b = log(1 + z²/k), so residuals of 1e150 neither overflow nor lose
    the tiny gradients of the bounded (alpha <= 0) losses.
    """
    xp = b.xp
    x = b.y_pred - b.y_true
    z = x / scale
    c2 = scale * scale
    # Within 1e-12 of 0 or 2 the general formula divides by nearly 0; the special case
    # differs from it by O(|alpha - special|), below rounding.
    if abs(alpha) < 1e-12:
        alpha = 0.0
    elif abs(alpha - 2.0) < 1e-12:
        alpha = 2.0
    if alpha == 2.0:
        return (0.5 * z * z, x / c2, xp.ones_like(x) / c2)[order]
    if alpha == 1.0:
        h = xp.hypot(xp.ones_like(z), z)
        abs_z = xp.abs(z)
        return (abs_z * (abs_z / (h + 1.0)), (z / scale) / h, (1.0 / h) ** 3 / c2)[order]
    if alpha == -math.inf:
        # exp(-z²/2) is 0 in floating point long before z² overflows.
        zc = xp.clip(z, min=-1e10, max=1e10)
        g = xp.exp(-0.5 * zc * zc)
        return (-xp.expm1(-0.5 * zc * zc), (x / c2) * g, (1.0 - zc * zc) * g / c2)[order]
    k = abs(alpha - 2.0)
    log_b = _log1p_square(xp, z / math.sqrt(k))
    if order == 0:
        if alpha == 0.0:
            return log_b  # log(z²/2 + 1), the Cauchy loss: the alpha -> 0 limit
        if alpha == -2.0:
            return -2.0 * xp.expm1(-log_b)  # 2 z² / (z² + 4), Geman-McClure
        # b^p - 1 = expm1(p log b) stays accurate for small z.
        return (k / alpha) * xp.expm1(0.5 * alpha * log_b)
    if order == 1:
        return (x / c2) * xp.exp((0.5 * alpha - 1.0) * log_b)
    # b^(a/2-2) (b + s z²) = b^(a/2-1) + s (z b^(a/4-1))², which never forms z².
    sign = 1.0 if alpha > 2.0 else -1.0
    root = z * xp.exp((0.25 * alpha - 1.0) * log_b)
    return (xp.exp((0.5 * alpha - 1.0) * log_b) + sign * root * root) / c2


def barron(
    y_pred: Any,
    y_true: Any,
    *,
    alpha: float = 1.0,
    scale: float = 1.0,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Barron's general and adaptive robust loss (CVPR 2019), shape alpha and scale c.

    Domain: ``y_pred`` and ``y_true`` real, of the same shape; ``alpha`` any
    real number or ``-inf``; ``scale > 0``.

    Formula, with x = y_pred - y_true, z = x / c and k = |alpha - 2|:

        rho = (k / alpha) ((z²/k + 1)^(alpha/2) - 1)

    gradient (x / c²) b^(alpha/2 - 1) and Hessian b^(alpha/2 - 2) (b + s z²) / c²,
    where b = z²/k + 1 and s = sign(alpha - 2). The formula is undefined
    or degenerate at the special cases, which are computed as exact
    branches: alpha = 2, z²/2 (scaled mse); alpha = 1,
    sqrt(z² + 1) - 1 (pseudo-Huber / Charbonnier); alpha = 0,
    log(z²/2 + 1) (Cauchy / Lorentzian); alpha = -2, 2 z² / (z² + 4)
    (Geman-McClure); alpha = -inf, 1 - exp(-z²/2) (Welsch). Smaller alpha
    gives outliers less influence; alpha <= 0 makes the loss bounded-ish and
    non-convex.

    Example:
        >>> float(barron([2.0], [0.0], alpha=2.0))
        2.0
        >>> round(float(barron([2.0], [0.0], alpha=0.0)), 6)
        1.098612
    """
    _check_barron(alpha=alpha, scale=scale)
    b = prepare(y_pred, y_true, weights, reduction)
    return b.value(_barron_parts(b, float(alpha), float(scale), 0))


def barron_grad(
    y_pred: Any,
    y_true: Any,
    *,
    alpha: float = 1.0,
    scale: float = 1.0,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Gradient of :func:`barron`: (x / c²) (z²/|alpha-2| + 1)^(alpha/2 - 1)."""
    _check_barron(alpha=alpha, scale=scale)
    b = prepare(y_pred, y_true, weights, reduction)
    return b.derivative(_barron_parts(b, float(alpha), float(scale), 1))


def barron_hess(
    y_pred: Any,
    y_true: Any,
    *,
    alpha: float = 1.0,
    scale: float = 1.0,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Hessian diagonal of :func:`barron`: b^(alpha/2 - 2) (b + sign(alpha - 2) z²) / c²."""
    _check_barron(alpha=alpha, scale=scale)
    b = prepare(y_pred, y_true, weights, reduction)
    return b.derivative(_barron_parts(b, float(alpha), float(scale), 2))


# ---------------------------------------------------------------- Poisson


def poisson_nll(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Poisson negative log-likelihood on a log-rate z = y_pred: exp(z) - y z.

    Domain: ``y_pred`` a real log-rate (the rate is exp(y_pred));
    ``y_true`` non-negative counts (or rates).

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
    b = prepare(y_pred, y_true, weights, reduction, true_domain="nonnegative")
    return b.value(b.xp.exp(b.y_pred) - b.y_true * b.y_pred)


def poisson_nll_grad(
    y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean"
) -> Array:
    """Gradient of :func:`poisson_nll`: exp(y_pred) - y_true, scaled by the reduction."""
    b = prepare(y_pred, y_true, weights, reduction, true_domain="nonnegative")
    return b.derivative(b.xp.exp(b.y_pred) - b.y_true)


def poisson_nll_hess(
    y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean"
) -> Array:
    """Hessian diagonal of :func:`poisson_nll`: exp(y_pred), scaled by the reduction."""
    b = prepare(y_pred, y_true, weights, reduction, true_domain="nonnegative")
    return b.derivative(b.xp.exp(b.y_pred))


# ---------------------------------------------------------------- registry

register(
    "mse",
    mse,
    mse_grad,
    mse_hess,
    task="regression",
    y_pred_kind="value",
    summary="Mean squared error: squares errors, so large ones dominate.",
)
register(
    "mae",
    mae,
    mae_grad,
    mae_hess,
    task="regression",
    y_pred_kind="value",
    summary="Mean absolute error: every unit of error costs the same; robust to outliers.",
)
register(
    "huber",
    huber,
    huber_grad,
    huber_hess,
    task="regression",
    y_pred_kind="value",
    check=_check_delta,
    summary="Squared error for |r| <= delta, absolute beyond: MSE's smoothness, MAE's robustness.",
)
register(
    "pseudo_huber",
    pseudo_huber,
    pseudo_huber_grad,
    pseudo_huber_hess,
    task="regression",
    y_pred_kind="value",
    check=_check_delta,
    summary="A smooth Huber with every derivative continuous.",
)
register(
    "log_cosh",
    log_cosh,
    log_cosh_grad,
    log_cosh_hess,
    task="regression",
    y_pred_kind="value",
    summary="log cosh r: r²/2 near zero, |r| - log 2 far out.",
)
register(
    "quantile",
    quantile,
    quantile_grad,
    quantile_hess,
    task="regression",
    y_pred_kind="value",
    check=_check_q,
    summary="Pinball loss: under-prediction costs q, over-prediction 1 - q; fits quantile q.",
)
register(
    "barron",
    barron,
    barron_grad,
    barron_hess,
    task="regression",
    y_pred_kind="value",
    check=_check_barron,
    summary="Barron's general robust loss: alpha moves from L2 (2) through Cauchy (0) to Welsch.",
)
register(
    "poisson_nll",
    poisson_nll,
    poisson_nll_grad,
    poisson_nll_hess,
    task="regression",
    y_pred_kind="log_rate",
    summary="Poisson negative log-likelihood on a log-rate, for counts.",
)

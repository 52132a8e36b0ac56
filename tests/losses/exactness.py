"""The exactness table: every catalogue loss's value, gradient and Hessian in mpmath, and the
extreme inputs and parameters they are checked on.

Each :class:`Reference` evaluates one element (or one row) at 200 bits from the exact
float inputs, as a list of *terms* per quantity whose sum is the quantity. The loss is
then held, in :mod:`test_exactness`, to

    |computed - sum(terms)| <= ulps * eps(dtype) * sum(|terms|)   (or a few tiny near 0)

so a quantity that is one term is held to a relative error of ``ulps``, and one that
is a difference of terms (a gradient sigma(z) - y near the optimum) to an absolute
error at the scale of its terms, the best any floating-point evaluation can promise.
The formulas are the textbook ones, in forms that do not cancel at 200 bits (expm1,
log1p, sinh of half the residual); sources are in each function's docstring.

Adding a loss to the catalogue adds one entry to :data:`REFERENCES`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np

mp = mpmath.mp
mp.prec = 200

Terms = tuple[list[Any], list[Any], list[Any]]

_MAGNITUDES = [0.0, 1e-300, 1e-150, 1e-40, 1e-20, 1e-8, 1e-3, 0.3, 1.0, 2.5, 30.0, 745.0, 1e4,
               1e8, 1e20, 1e38, 1e150, 1e300]  # fmt: skip


def signed(dtype: Any, *, top: float = math.inf) -> list[float]:
    """Every magnitude that the dtype holds (and is at most ``top``), with both signs."""
    info = np.finfo(dtype)
    values = [
        v for v in _MAGNITUDES if v <= min(float(info.max), top) and (v == 0 or v >= info.tiny)
    ]
    values += [float(info.tiny)]
    return sorted({*values, *(-v for v in values)})


@dataclass(frozen=True)
class Reference:
    """One loss: its mpmath terms, and the inputs and parameters it is checked on.

    Attributes:
        name: The catalogue name.
        terms: ``(p, t, **params) -> (value terms, grad terms, hess terms)`` in mpf;
            for rows, ``(row, target, **params)`` with ``target`` a label or a
            probability row, and each quantity a list of per-class term lists
            (the value's terms as one list).
        params: The parameter settings: the defaults and the extremes.
        preds: ``dtype -> y_pred values`` (rows for losses on rows).
        trues: ``dtype -> y_true values`` (labels or probability rows for rows).
        ulps: The tolerance in units of eps(dtype) on the terms' scale, or
            ``(params, p, t) -> ulps`` where the error grows with the input.
        rows: Whether ``y_pred`` is rows (of logits, thresholds, scores, a mean and a
            log-variance, quantiles); ``target`` a label, a probability or relevance row,
            or one real value.
        whole: A loss of the whole batch (dice, tversky): ``terms(p_list, t_list,
            **params)`` of a batch, the derivatives per element; ``preds`` and ``trues``
            are elements, checked as one-element batches and as batches of several.
        context: ``dtype -> extra keyword arguments of terms`` (bce's clipping eps).
    """

    name: str
    terms: Callable[..., Terms]
    params: Sequence[dict[str, Any]]
    preds: Callable[[Any], list[Any]]
    trues: Callable[[Any], list[Any]]
    ulps: float | Callable[..., float] = 8.0
    rows: bool = False
    whole: bool = False
    context: Callable[[Any], dict[str, Any]] = field(default=lambda dtype: {})


def _f(x: float) -> Any:
    # An mpf passes through unrounded (the references' own derivative checks move inputs
    # by less than a float's spacing); anything else is read as the float it holds.
    return x if isinstance(x, mpmath.mpf) else mp.mpf(float(x))


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + mp.exp(-x))


def _softplus(x: Any) -> Any:
    return mp.log1p(mp.exp(x))


def _clip_sign(r: Any) -> Any:
    return mp.mpf(0) if r == 0 else mp.sign(r)


# ---------------------------------------------------------------- regression


def mse(p: float, t: float) -> Terms:
    """r², 2r, 2 (the seeds' MSE, not halved)."""
    r = _f(p) - _f(t)
    return [r * r], [2 * r], [mp.mpf(2)]


def mae(p: float, t: float) -> Terms:
    """|r|, sign r (0 at 0), 0."""
    r = _f(p) - _f(t)
    return [abs(r)], [_clip_sign(r)], [mp.mpf(0)]


def huber(p: float, t: float, delta: float) -> Terms:
    """r²/2 inside |r| <= delta, delta (|r| - delta/2) beyond; clip(r), indicator (Huber 1964)."""
    r, d = _f(p) - _f(t), _f(delta)
    if abs(r) <= d:
        return [r * r / 2], [r], [mp.mpf(1)]
    return [d * abs(r), -d * d / 2], [d * mp.sign(r)], [mp.mpf(0)]


def pseudo_huber(p: float, t: float, delta: float) -> Terms:
    """delta² (sqrt(1 + a²) - 1) with a = r / delta; r / sqrt(1 + a²); (1 + a²)^(-3/2)."""
    r, d = _f(p) - _f(t), _f(delta)
    a = r / d
    h = mp.sqrt(1 + a * a)
    return [d * d * a * a / (h + 1)], [r / h], [h ** (-3)]


def log_cosh(p: float, t: float) -> Terms:
    """log cosh r = log1p(2 sinh²(r/2)); tanh r; 1 / cosh² r."""
    r = _f(p) - _f(t)
    return [mp.log1p(2 * mp.sinh(r / 2) ** 2)], [mp.tanh(r)], [1 / mp.cosh(r) ** 2]


def quantile(p: float, t: float, q: float) -> Terms:
    """max((1 - q) r, -q r); 1 - q, -q or 0; 0 (the pinball loss)."""
    r, q_ = _f(p) - _f(t), _f(q)
    grad = (1 - q_) if r > 0 else (-q_ if r < 0 else mp.mpf(0))
    return [max((1 - q_) * r, -q_ * r)], [grad], [mp.mpf(0)]


def expectile(p: float, t: float, tau: float) -> Terms:
    """w r², 2 w r, 2 w with w = tau for r < 0 and 1 - tau from 0 up (Newey and Powell 1987)."""
    r, tau_ = _f(p) - _f(t), _f(tau)
    w = tau_ if r < 0 else 1 - tau_
    return [w * r * r], [2 * w * r], [2 * w]


def barron(p: float, t: float, alpha: float, scale: float) -> Terms:
    """Barron (CVPR 2019), eq. 1 and its limits; b = z²/k + 1, k = |alpha - 2|, z = x / c.

    rho = (k / alpha)(b^(alpha/2) - 1) = (k / alpha) expm1((alpha/2) log1p(z²/k));
    rho' = (x / c²) b^(alpha/2 - 1); rho'' = b^(alpha/2 - 2) (1 + (alpha - 1) z²/k) / c².
    """
    x, c = _f(p) - _f(t), _f(scale)
    z = x / c
    if alpha == 2.0:
        return [z * z / 2], [x / (c * c)], [1 / (c * c)]
    if alpha == -math.inf:
        g = mp.exp(-z * z / 2)
        return [-mp.expm1(-z * z / 2)], [x / (c * c) * g], [(1 - z * z) * g / (c * c)]
    a = _f(alpha)
    k = abs(a - 2)
    b = z * z / k + 1
    value = mp.log1p(z * z / 2) if alpha == 0.0 else k / a * mp.expm1(a / 2 * mp.log1p(z * z / k))
    grad = x / (c * c) * b ** (a / 2 - 1)
    # The Hessian is a difference where 1 + (alpha - 1) z²/k cancels (alpha near 1): two terms.
    base = b ** (a / 2 - 2) / (c * c)
    return [value], [grad], [base, base * (a - 1) * z * z / k]


def _barron_ulps(params: dict[str, Any], p: float, t: float) -> float:
    # The general alpha exponentiates a rounded logarithm, exp(y) with y = (alpha/2) log b
    # (alpha/2 - 1/2 and - 1 in the derivatives): its relative error grows with |y|, the
    # condition number of b^(alpha/2) itself.
    alpha, scale = params["alpha"], params["scale"]
    z = (_f(p) - _f(t)) / _f(scale)
    # The exact branches stay at a few ulps; Welsch's e^(-z²/2), whose condition number is
    # z², too: it takes z²/2, r's rounding error included, to twice the working precision.
    if alpha in (2.0, 1.0, 0.0, -2.0, -math.inf):
        return 16.0
    log_b = float(mp.log1p(z * z / abs(_f(alpha) - 2)))
    return 8.0 + 4.0 * (abs(alpha) / 2 + 1) * log_b


def poisson_nll(p: float, t: float) -> Terms:
    """exp(z) - y z; exp(z) - y; exp(z) (the Poisson NLL without log y!)."""
    z, y = _f(p), _f(t)
    e = mp.exp(z)
    return [e, -y * z], [e, -y], [e]


def tweedie(p: float, t: float, power: float) -> Terms:
    """mu^(2-p)/(2-p) + y mu^(1-p)/(p-1); mu^(2-p) - y mu^(1-p); (2-p) mu^(2-p) + (p-1) y mu^(1-p).

    mu = e^z: scikit-learn's HalfTweedieLoss (the half unit deviance without its constant).
    """
    z, y, pw = _f(p), _f(t), _f(power)
    high, low = mp.exp((2 - pw) * z), y * mp.exp((1 - pw) * z)
    return (
        [high / (2 - pw), low / (pw - 1)],
        [high, -low],
        [(2 - pw) * high, (pw - 1) * low],
    )


def _exp_ulps(params: dict[str, Any], p: float, t: float) -> float:
    # e^(a z) of a rounded product a z (Tweedie's exponents): relative error |a z| eps, the
    # condition number of the exponential; past |a z| = 700, y e^(a z) goes through
    # e^(a z + log y), whose exponent carries log y's rounding too.
    power = params.get("power", 2.0)
    exponent = max(2.0 - power, power - 1.0) * min(abs(float(p)), 1e6)
    extra = abs(math.log(float(t))) if exponent > 700.0 and t > 0 else 0.0
    return 16.0 + 4.0 * (exponent + extra)


def gamma_nll(p: float, t: float) -> Terms:
    """z + y e^(-z); 1 - y e^(-z); y e^(-z) (scikit-learn's HalfGammaLoss)."""
    z, y = _f(p), _f(t)
    e = y * mp.exp(-z)
    return [z, e], [mp.mpf(1), -e], [e]


def msle(p: float, t: float) -> Terms:
    """(log1p x - log1p y)², x = max(y_pred, 0); 2 d / (1 + x); 2 (1 - d) / (1 + x)² (Keras)."""
    x, y = max(_f(p), mp.mpf(0)), _f(t)
    d = mp.log1p(x) - mp.log1p(y)
    if p < 0:
        return [d * d], [mp.mpf(0)], [mp.mpf(0)]
    s = 1 / (1 + x)
    return [d * d], [2 * d * s], [2 * s * s, -2 * d * s * s]


def tukey(p: float, t: float, c: float) -> Terms:
    """(c²/6)(1 - (1 - s)³) = r² (3 - 3s + s²) / 6 inside |r| <= c, s = (r/c)², c²/6 beyond;
    r (1 - s)²; (1 - s)(1 - 5 s) (Beaton and Tukey 1974)."""
    r, c_ = _f(p) - _f(t), _f(c)
    if abs(r) > c_:
        return [c_ * c_ / 6], [mp.mpf(0)], [mp.mpf(0)]
    s = (r / c_) ** 2
    return [r * r * (3 - 3 * s + s * s) / 6], [r * (1 - s) ** 2], [1 - s, -5 * s * (1 - s)]


def epsilon_insensitive(p: float, t: float, epsilon: float) -> Terms:
    """max(0, |r| - eps); sign r outside the tube, 0 inside; 0 (Vapnik's SVR loss)."""
    r, e = _f(p) - _f(t), _f(epsilon)
    if abs(r) > e:
        return [abs(r), -e], [mp.sign(r)], [mp.mpf(0)]
    return [mp.mpf(0)], [mp.mpf(0)], [mp.mpf(0)]


def _barron_member(alpha: float) -> Callable[..., Terms]:
    """Barron's terms at a fixed alpha (cauchy, welsch, geman_mcclure, charbonnier)."""
    return lambda p, t, scale: barron(p, t, alpha, scale)


def _barron_member_ulps(alpha: float) -> Callable[..., float]:
    return lambda params, p, t: _barron_ulps({**params, "alpha": alpha}, p, t)


def _positive_targets(*values: float) -> Callable[[Any], list[float]]:
    def targets(dtype: Any) -> list[float]:
        info = np.finfo(dtype)
        return [v for v in values if float(info.tiny) <= v <= float(info.max)]

    return targets


# ---------------------------------------------------------------- binary


def bce(p: float, t: float, eps: float) -> Terms:
    """-[y log p + (1 - y) log(1 - p)] with each log's argument clipped below at eps.

    A clipped term is constant: it adds nothing to the gradient and Hessian.
    """
    p_, y, e = _f(p), _f(t), _f(eps)
    q = 1 - p_
    pc, qc = max(p_, e), max(q, e)
    value = [-y * mp.log(pc), -(1 - y) * (mp.log1p(-p_) if q >= e else mp.log(e))]
    grad = [-y / pc if p_ >= e else mp.mpf(0), (1 - y) / qc if q >= e else mp.mpf(0)]
    hess = [y / pc**2 if p_ >= e else mp.mpf(0), (1 - y) / qc**2 if q >= e else mp.mpf(0)]
    return value, grad, hess


def bce_with_logits(p: float, t: float, pos_weight: float) -> Terms:
    """w y log(1 + e^-z) + (1 - y) log(1 + e^z); its derivatives through sigma (PyTorch's)."""
    z, y, w = _f(p), _f(t), _f(pos_weight)
    value = [w * y * _softplus(-z), (1 - y) * _softplus(z)]
    grad = [-w * y * _sigmoid(-z), (1 - y) * _sigmoid(z)]
    return value, grad, [(w * y + 1 - y) * _sigmoid(z) * _sigmoid(-z)]


def focal(p: float, t: float, gamma: float, alpha: float | None) -> Terms:
    """-alpha_t (1 - p_t)^gamma log p_t (Lin et al. 2017), p_t = sigma(m), m = (2y - 1) z.

    With u = 1 - p_t and ce = -log p_t: d/dz = -alpha_t s u^g (g p_t ce + u) and
    d²/dz² = alpha_t u^g p_t (g ce (g p_t - u) + (2g + 1) u); checked against mpmath.diff
    in test_exactness.test_focal_reference_derivatives.
    """
    z, y, g = _f(p), _f(t), _f(gamma)
    s = 2 * y - 1
    m = s * z
    right, wrong = _sigmoid(m), _sigmoid(-m)
    ce = _softplus(-m)
    alpha_t = mp.mpf(1) if alpha is None else (_f(alpha) if y == 1 else 1 - _f(alpha))
    u_g = wrong**g
    value = [alpha_t * u_g * ce]
    grad = [-alpha_t * s * u_g * g * right * ce, -alpha_t * s * u_g * wrong]
    hess = [
        alpha_t * u_g * right * g * g * ce * right,
        -alpha_t * u_g * right * g * ce * wrong,
        alpha_t * u_g * right * (2 * g + 1) * wrong,
    ]
    return value, grad, hess


def _focal_ulps(params: dict[str, Any], p: float, t: float) -> float:
    # (1 - p_t)^gamma = exp(-gamma softplus(m)) is exp of a rounded product: its relative
    # error grows with gamma |m|, the condition number of the modulator itself.
    return 16.0 + 4.0 * (params["gamma"] + 1.0) * min(abs(float(p)), 1e300)


def _signed_label(t: float) -> Any:
    return mp.mpf(-1) if t == 0 else _f(t)


def hinge(p: float, t: float) -> Terms:
    """max(0, 1 - s z) with s = ±1 (0 read as -1); -s where s z < 1, else 0; 0."""
    s = _signed_label(t)
    slack = 1 - s * _f(p)
    return [max(slack, mp.mpf(0))], [-s if slack > 0 else mp.mpf(0)], [mp.mpf(0)]


def squared_hinge(p: float, t: float) -> Terms:
    """max(0, 1 - s z)²; -2 s max(0, 1 - s z); 2 where s z < 1."""
    s = _signed_label(t)
    active = max(1 - s * _f(p), mp.mpf(0))
    return [active**2], [-2 * s * active], [mp.mpf(2) if active > 0 else mp.mpf(0)]


def exponential(p: float, t: float) -> Terms:
    """exp(-s z), -s exp(-s z), exp(-s z) with s = ±1 (0 read as -1): AdaBoost's loss."""
    s = _signed_label(t)
    e = mp.exp(-s * _f(p))
    return [e], [-s * e], [e]


def modified_huber(p: float, t: float) -> Terms:
    """max(0, 1 - m)² for m = s z >= -1, else -4 m (Zhang 2004); its derivatives in z."""
    s = _signed_label(t)
    margin = s * _f(p)
    if margin < -1:
        return [-4 * margin], [-4 * s], [mp.mpf(0)]
    active = max(1 - margin, mp.mpf(0))
    return [active**2], [-2 * s * active], [mp.mpf(2) if margin < 1 else mp.mpf(0)]


# ---------------------------------------------------------------- rows


def _softmax_parts(row: Sequence[float]) -> tuple[list[Any], list[Any], int, Any]:
    """log p, p, the index of the (first) largest logit and the others' mass s."""
    z = [_f(v) for v in row]
    top = max(range(len(z)), key=lambda j: (z[j], -j))
    others = mp.fsum(mp.exp(z[j] - z[top]) for j in range(len(z)) if j != top)
    log_norm = mp.log1p(others)
    log_p = [(v - z[top]) - log_norm for v in z]
    return log_p, [mp.exp(v) for v in log_p], top, others


def _softmax_derivatives(a: list[Any], p: list[Any], top: int, others: Any) -> tuple[list, list]:
    """A p - a and the Hessian diagonal A p (1 - p), with 1 - p_top = s / (1 + s).

    A p_top - a_top = (A - a_top) - A (1 - p_top), with A - a_top summed from the others.
    """
    total = mp.fsum(a)
    rest = mp.fsum(a[j] for j in range(len(a)) if j != top)
    complement = [others / (1 + others) if j == top else 1 - p[j] for j in range(len(p))]
    grad = []
    for j in range(len(p)):
        if j == top:
            grad.append([rest, -total * complement[j]])
        else:
            grad.append([total * p[j], -a[j]])
    hess = [[total * p[j] * complement[j]] for j in range(len(p))]
    return grad, hess


def cross_entropy(row: Sequence[float], label: int) -> Terms:
    """-log softmax(z)_y = (max z - z_y) + log1p(s); softmax - onehot; p (1 - p)."""
    _, p, top, others = _softmax_parts(row)
    a = [mp.mpf(1) if j == label else mp.mpf(0) for j in range(len(row))]
    z = [_f(v) for v in row]
    value = [z[top] - z[label], mp.log1p(others)]
    return value, *_softmax_derivatives(a, p, top, others)  # type: ignore[return-value]


def kl_div(row: Sequence[float], target: Sequence[float]) -> Terms:
    """sum_c t_c (log t_c - log p_c) (0 log 0 = 0); A p - t; A p (1 - p), A = sum t."""
    log_p, p, top, others = _softmax_parts(row)
    t = [_f(v) for v in target]
    value = []
    for tj, lp in zip(t, log_p, strict=True):
        if tj > 0:
            value += [tj * mp.log(tj), -tj * lp]
    return value, *_softmax_derivatives(t, p, top, others)  # type: ignore[return-value]


def _target_row(target: Any, width: int) -> list[Any]:
    """A label as its one-hot row, or a probability row, in mpf."""
    if isinstance(target, int):
        return [mp.mpf(1) if j == target else mp.mpf(0) for j in range(width)]
    return [_f(v) for v in target]


def _per_class(row: Sequence[float], phi: list, psi: list) -> tuple[list, list]:
    """Gradient and Hessian-diagonal terms of l = sum_c f_c(p_c), p = softmax(z).

    ``phi[c]`` and ``psi[c]`` are the parts (lists) of phi_c = p_c f_c'(p_c) and
    psi_c = p_c (p f_c')'(p_c). grad_k = phi_k - p_k Phi (the largest logit's as
    phi u - p (Phi - phi), u = 1 - p); H_kk = sum_c psi_c (delta_ck - p_k)² -
    Phi p_k (1 - p_k). Checked against mpmath.diff in test_exactness.
    """
    _, p, top, others = _softmax_parts(row)
    width = len(row)
    u = [others / (1 + others) if j == top else 1 - p[j] for j in range(width)]
    grad, hess = [], []
    for k in range(width):
        if k == top:
            terms = [v * u[k] for v in phi[k]]
            terms += [-p[k] * v for c in range(width) if c != k for v in phi[c]]
        else:
            terms = list(phi[k]) + [-p[k] * v for c in range(width) for v in phi[c]]
        grad.append(terms)
        direction = [u[k] if c == k else -p[k] for c in range(width)]
        diag = [v * direction[c] ** 2 for c in range(width) for v in psi[c]]
        diag += [-v * p[k] * u[k] for c in range(width) for v in phi[c]]
        hess.append(diag)
    return grad, hess


def _surprisal_parts(row: Sequence[float]) -> tuple[list[Any], Any]:
    """-log p_c = (max z - z_c) + log1p(s): the gaps, and the shared log1p(s)."""
    z = [_f(v) for v in row]
    _, _, top, others = _softmax_parts(row)
    return [z[top] - v for v in z], mp.log1p(others)


def poly1(row: Sequence[float], target: Any, epsilon: float) -> Terms:
    """sum_c t_c (-log p_c + epsilon (1 - p_c)) (Leng et al. 2022); f_c' = t_c (-1/p - epsilon)."""
    _, p, top, others = _softmax_parts(row)
    t, e = _target_row(target, len(row)), _f(epsilon)
    gaps, log_norm = _surprisal_parts(row)
    u = [others / (1 + others) if j == top else 1 - p[j] for j in range(len(row))]
    value = [v for c, tc in enumerate(t) if tc != 0 for v in (tc * gaps[c], tc * log_norm,
             e * tc * u[c])]  # fmt: skip
    phi = [[-tc, -e * tc * pc] for tc, pc in zip(t, p, strict=True)]
    psi = [[-e * tc * pc] for tc, pc in zip(t, p, strict=True)]
    return value or [mp.mpf(0)], *_per_class(row, phi, psi)  # type: ignore[return-value]


def softmax_focal(row: Sequence[float], target: Any, gamma: float) -> Terms:
    """sum_c -t_c u_c^g log p_c, u = 1 - p (Lin et al. 2017, over classes).

    f_c = t_c u^g l with l = -log p: phi_c = -t_c (u^g + g u^(g-1) p l) and
    psi_c = -t_c g p u^(g-1) (l - 2 - (g - 1) p l / u).
    """
    _, p, top, others = _softmax_parts(row)
    t, g = _target_row(target, len(row)), _f(gamma)
    gaps, log_norm = _surprisal_parts(row)
    u = [others / (1 + others) if j == top else 1 - p[j] for j in range(len(row))]
    ell = [gaps[c] + log_norm for c in range(len(row))]
    value = [v for c, tc in enumerate(t) if tc != 0 for v in (tc * u[c] ** g * gaps[c],
             tc * u[c] ** g * log_norm)]  # fmt: skip
    phi, psi = [], []
    for c, tc in enumerate(t):
        lift = u[c] ** (g - 1)
        phi.append([-tc * u[c] ** g, -tc * g * lift * p[c] * ell[c]])
        ratio = p[c] * ell[c] / u[c]
        psi.append([-tc * g * p[c] * lift * (ell[c] - 2 - (g - 1) * ratio)])
    return value or [mp.mpf(0)], *_per_class(row, phi, psi)  # type: ignore[return-value]


def brier(row: Sequence[float], target: Any) -> Terms:
    """sum_c (p_c - t_c)² of p = softmax(z); phi_c = 2 e_c p_c, psi_c = 2 p_c (2 p_c - t_c).

    The largest logit's e is (1 - t) - (1 - p); each e_c² is written e_c times its parts.
    """
    _, p, top, others = _softmax_parts(row)
    t = _target_row(target, len(row))
    parts = [
        [1 - t[c], -others / (1 + others)] if c == top else [p[c], -t[c]] for c in range(len(row))
    ]
    e = [mp.fsum(ps) for ps in parts]
    value = [e[c] * v for c in range(len(row)) for v in parts[c]]
    phi = [[2 * p[c] * v for v in parts[c]] for c in range(len(row))]
    psi = [[4 * p[c] ** 2, -2 * p[c] * t[c]] for c in range(len(row))]
    return value, *_per_class(row, phi, psi)  # type: ignore[return-value]


def multi_margin(row: Sequence[float], target: Any, margin: float, p: int) -> Terms:
    """(1/K) sum_y t_y sum_{i != y} max(0, margin - z_y + z_i)^p (PyTorch's multi_margin_loss).

    Each slack is written as its three parts, the scale on which it is rounded.
    """
    z, width = [_f(v) for v in row], len(row)
    t, mg = _target_row(target, width), _f(margin)
    value: list[Any] = []
    grad: list[list[Any]] = [[] for _ in range(width)]
    hess: list[list[Any]] = [[] for _ in range(width)]
    for y, ty in enumerate(t):
        for i in range(width):
            slack = mg - z[y] + z[i]
            if i == y or ty == 0 or not slack > 0:
                continue
            parts = [ty * mg / width, ty * z[i] / width, -ty * z[y] / width]
            if p == 1:
                value += parts
                grad[i].append(ty / width)
                grad[y].append(-ty / width)
            else:
                value += [slack * v for v in parts]
                grad[i] += [2 * v for v in parts]
                grad[y] += [-2 * v for v in parts]
                hess[i].append(2 * ty / width)
                hess[y].append(2 * ty / width)
    fill = [[mp.mpf(0)] if not cell else cell for cell in grad]
    return value or [mp.mpf(0)], fill, [[mp.mpf(0)] if not c else c for c in hess]


def sparsemax(row: Sequence[float], target: Any) -> Terms:
    """(1/2) ||p - t||² + sum_{j not in S} t_j (tau - z_j), p = sparsemax(z) (Martins 2016).

    tau from the sorted shifted row; the largest logit's p - t is (1 - t) minus the
    others' p; each p_j - t_j is written as its parts u_j, -tau, -t_j.
    """
    z, width = [_f(v) for v in row], len(row)
    t = _target_row(target, width)
    top = max(range(width), key=lambda j: (z[j], -j))
    u = [v - z[top] for v in z]
    ranked = sorted(u, reverse=True)
    size = max(k for k in range(1, width + 1) if 1 + k * ranked[k - 1] > mp.fsum(ranked[:k]))
    tau = (mp.fsum(ranked[:size]) - 1) / size
    support = [v > tau for v in u]
    parts = []
    for j in range(width):
        if j == top:
            rest = [v for i in range(width) if i != top and support[i] for v in (-u[i], tau)]
            parts.append([mp.mpf(1), -t[j], *rest])
        elif support[j]:
            parts.append([u[j], -tau, -t[j]])
        else:
            parts.append([-t[j]])
    value = [mp.fsum(parts[j]) * v / 2 for j in range(width) for v in parts[j]]
    value += [v for j in range(width) if not support[j] and t[j] != 0 for v in (t[j] * tau,
              -t[j] * u[j])]  # fmt: skip
    hess = [[(1 - mp.mpf(1) / size) if support[j] else mp.mpf(0)] for j in range(width)]
    return value, parts, hess


def _rows_ulps(params: dict[str, Any], row: Any, target: Any) -> float:
    # exp(z_j - max z) of a rounded difference: relative error |z_j - max z| eps on every
    # term that does not underflow, the condition number of softmax in that logit.
    z = np.asarray(row, dtype=np.float64)
    gaps = np.abs(z - z.max())
    return 8.0 + 4.0 * float(np.max(gaps[gaps < 750.0], initial=0.0))


def _focal_rows_ulps(params: dict[str, Any], row: Any, target: Any) -> float:
    # As _rows_ulps, and (1 - p)^gamma: a power of a rounded complement, its error times gamma.
    return _rows_ulps(params, row, target) + 8.0 * (params["gamma"] + 1.0)


# ---------------------------------------------------------------- inputs


def _targets(*values: float) -> Callable[[Any], list[float]]:
    return lambda dtype: [v for v in values if abs(v) <= float(np.finfo(dtype).max)]


def _probabilities(dtype: Any) -> list[float]:
    eps, tiny = float(np.finfo(dtype).eps), float(np.finfo(dtype).tiny)
    values = [0.0, tiny, 1e-300, eps / 4, eps, 1e-8, 0.3, 0.5, 1 - 1e-8, 1 - eps, 1 - eps / 4, 1.0]
    rounded = {float(dtype(v)) for v in values if v == 0 or v >= tiny}
    return sorted(v for v in rounded if 0.0 <= v <= 1.0)


_ROWS = [
    [0.0, 0.0, 0.0],
    [2.0, -1.0, 0.5],
    [30.0, 0.0, -30.0],
    [700.0, -700.0, 0.0],
    [40.0, 0.0, 0.0],
    [1e4, -1e4, 0.0],
    [-1e4, -1e4, -1e4],
    [1e4, 1e4 - 1.0, 0.0],
    [1e30, -1e30, 0.0],
    [1e300, -1e300, 0.0],
    [3.0, 3.0, -2.0],
]


def _rows(dtype: Any) -> list[list[float]]:
    top = float(np.finfo(dtype).max)
    return [r for r in _ROWS if max(abs(v) for v in r) <= top]


def _probability_rows(dtype: Any) -> list[list[float]]:
    tiny = 1e-300 if dtype == np.float64 else 1e-30
    return [
        [1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0],
        [0.2, 0.3, 0.5],
        [1 - 2 * tiny, tiny, tiny],
        [1 / 3, 1 / 3, 1 / 3],
    ]


_BARRON_ALPHAS = [2.0, 1.0, 0.0, -2.0, -math.inf, 0.5, 3.0, -5.0, 10.0]
_NEAR_SPECIAL = [s + d for s in (2.0, 1.0, 0.0, -2.0) for d in (-1e-12, 1e-12)]

REFERENCES: dict[str, Reference] = {
    ref.name: ref
    for ref in [
        Reference("mse", mse, [{}], signed, _targets(0.0, 1.0, -3.7, 1e10), ulps=2.0),
        Reference("mae", mae, [{}], signed, _targets(0.0, 1.0, -3.7), ulps=2.0),
        Reference(
            "huber",
            huber,
            [{"delta": d} for d in (1.0, 1e-6, 1e6)],
            signed,
            _targets(0.0, 2.0),
            ulps=2.0,
        ),
        Reference(
            "pseudo_huber",
            pseudo_huber,
            [{"delta": d} for d in (1.0, 1e-6, 1e6)],
            signed,
            _targets(0.0, -3.0),
        ),
        Reference("log_cosh", log_cosh, [{}], signed, _targets(0.0, 1.0)),
        Reference(
            "quantile",
            quantile,
            [{"q": q} for q in (0.5, 1e-6, 0.3, 1 - 1e-6)],
            signed,
            _targets(0.0, 5.0),
            ulps=2.0,
        ),
        Reference(
            "expectile",
            expectile,
            [{"tau": tau} for tau in (0.5, 1e-6, 0.9, 1 - 1e-6)],
            signed,
            _targets(0.0, 5.0),
            ulps=2.0,
        ),
        Reference(
            "barron",
            barron,
            [
                {"alpha": a, "scale": c}
                for a in _BARRON_ALPHAS + _NEAR_SPECIAL
                for c in (1.0, 1e-6, 1e6)
            ],
            signed,
            _targets(0.0),
            ulps=_barron_ulps,
        ),
        Reference(
            "poisson_nll",
            poisson_nll,
            [{}],
            signed,
            _targets(0.0, 1.0, 3.0, 1e-300, 1e10, 1e300),
        ),
        Reference(
            "tweedie",
            tweedie,
            [{"power": pw} for pw in (1.5, 1 + 1e-6, 1.2, 1.9, 2 - 1e-6)],
            signed,
            _targets(0.0, 1.0, 3.0, 1e-300, 1e10, 1e300, 4e307),
            ulps=_exp_ulps,
        ),
        Reference(
            "gamma_nll",
            gamma_nll,
            [{}],
            signed,
            _positive_targets(1.0, 0.2, 3.0, 1e-300, 1e-30, 1e10, 1e30, 1e300),
            ulps=_exp_ulps,
        ),
        Reference("msle", msle, [{}], signed, _targets(0.0, 1.0, 3.7, 1e-300, 1e-8, 1e10, 1e300)),
        *[
            Reference(
                name,
                _barron_member(alpha),
                [{"scale": c} for c in (1.0, 1e-6, 1e6)],
                signed,
                _targets(0.0, 2.5),
                ulps=_barron_member_ulps(alpha),
            )
            for name, alpha in (
                ("cauchy", 0.0),
                ("welsch", -math.inf),
                ("geman_mcclure", -2.0),
                ("charbonnier", 1.0),
            )
        ],
        Reference(
            "tukey",
            tukey,
            [{"c": c} for c in (4.685, 1e-6, 1.0, 1e6)],
            signed,
            _targets(0.0, 2.0, -1e-3),
        ),
        Reference(
            "epsilon_insensitive",
            epsilon_insensitive,
            [{"epsilon": e} for e in (0.1, 0.0, 1e-6, 1e6)],
            signed,
            _targets(0.0, 2.0),
            ulps=2.0,
        ),
        Reference(
            "bce",
            bce,
            [{}],
            _probabilities,
            _probabilities,
            context=lambda dtype: {"eps": float(np.finfo(dtype).eps)},
        ),
        Reference("mse_probability", mse, [{}], _probabilities, _probabilities, ulps=2.0),
        Reference(
            "bce_with_logits",
            bce_with_logits,
            [{"pos_weight": w} for w in (1.0, 1e-6, 1e6)],
            signed,
            _targets(0.0, 1.0, 0.3, 1e-300, 1 - 1e-8),
        ),
        Reference(
            "focal",
            focal,
            [{"gamma": g, "alpha": a} for g in (2.0, 0.0, 0.5, 5.0) for a in (None, 0.25)],
            signed,
            _targets(0.0, 1.0),
            ulps=_focal_ulps,
        ),
        Reference("hinge", hinge, [{}], signed, _targets(0.0, 1.0, -1.0), ulps=2.0),
        Reference("squared_hinge", squared_hinge, [{}], signed, _targets(0.0, 1.0), ulps=2.0),
        Reference(
            "cross_entropy",
            cross_entropy,
            [{}],
            _rows,
            lambda dtype: [0, 1, 2],
            ulps=_rows_ulps,
            rows=True,
        ),
        Reference("kl_div", kl_div, [{}], _rows, _probability_rows, ulps=_rows_ulps, rows=True),
        Reference("exponential", exponential, [{}], signed, _targets(0.0, 1.0, -1.0), ulps=2.0),
        Reference("modified_huber", modified_huber, [{}], signed, _targets(0.0, 1.0), ulps=2.0),
        Reference(
            "poly1",
            poly1,
            [{"epsilon": e} for e in (1.0, -1.0, 0.0, 3.0, 1e6)],
            _rows,
            _probability_rows,
            ulps=_rows_ulps,
            rows=True,
        ),
        Reference(
            "softmax_focal",
            softmax_focal,
            [{"gamma": g} for g in (2.0, 0.0, 0.5, 5.0)],
            _rows,
            _probability_rows,
            ulps=_focal_rows_ulps,
            rows=True,
        ),
        Reference("brier", brier, [{}], _rows, _probability_rows, ulps=_rows_ulps, rows=True),
        Reference(
            "multi_margin",
            multi_margin,
            [{"margin": mg, "p": p} for mg in (1.0, 1e-6, 1e6) for p in (1, 2)],
            _rows,
            _probability_rows,
            ulps=16.0,
            rows=True,
        ),
        Reference("sparsemax", sparsemax, [{}], _rows, _probability_rows, ulps=16.0, rows=True),
    ]
}
"""Every catalogue loss's reference, by name."""


# ---------------------------------------------------------------- distributions, ordinal, ranking


def gaussian_nll(row: Sequence[float], target: float) -> Terms:
    """(s + r² e^{-s}) / 2 with r = mu - y; its gradient and Hessian diagonal.

    Gradient (r e^{-s}, (1 - r² e^{-s}) / 2), diagonal (e^{-s}, r² e^{-s} / 2).
    """
    mu, s = _f(row[0]), _f(row[1])
    r = mu - _f(target)
    e = mp.exp(-s)
    return (
        [s / 2, r * r * e / 2],
        [[r * e], [mp.mpf(1) / 2, -r * r * e / 2]],
        [[e], [r * r * e / 2]],
    )


def multi_quantile(row: Sequence[float], target: float, qs: tuple[float, ...]) -> Terms:
    """The pinball loss of each column at its level, summed (see :func:`quantile`)."""
    columns = [quantile(p, target, q) for p, q in zip(row, qs, strict=True)]
    return [v for c in columns for v in c[0]], [c[1] for c in columns], [c[2] for c in columns]


def coral(row: Sequence[float], label: int) -> Terms:
    """bce_with_logits of each threshold z_k against [y > k] (Cao et al. 2020), summed."""
    columns = [bce_with_logits(z, 1.0 if label > k else 0.0, 1.0) for k, z in enumerate(row)]
    return [v for c in columns for v in c[0]], [c[1] for c in columns], [c[2] for c in columns]


def pairwise_logistic(row: Sequence[float], relevance: Sequence[float]) -> Terms:
    """sum over rel_i > rel_j of log(1 + e^{-(s_i - s_j)}); its derivatives through sigma."""
    s = [_f(v) for v in row]
    n = len(s)
    pairs = [(i, j) for i in range(n) for j in range(n) if relevance[i] > relevance[j]]
    value = [_softplus(-(s[i] - s[j])) for i, j in pairs]
    grad: list[list[Any]] = [[] for _ in range(n)]
    hess: list[list[Any]] = [[] for _ in range(n)]
    for i, j in pairs:
        d = s[i] - s[j]
        grad[i].append(-_sigmoid(-d))
        grad[j].append(_sigmoid(-d))
        for k in (i, j):
            hess[k].append(_sigmoid(d) * _sigmoid(-d))
    empty = [mp.mpf(0)]
    return value or empty, [g or empty for g in grad], [h or empty for h in hess]


def _pairs_ulps(params: dict[str, Any], row: Any, target: Any) -> float:
    # softplus(-D) = e^{-D} for a large margin D: relative error |D| eps from the rounded D.
    z = np.asarray(row, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        gaps = np.abs(z[:, None] - z[None, :])
    return 8.0 + 4.0 * float(np.max(gaps[gaps < 750.0], initial=0.0))


def softmax_ranking(row: Sequence[float], relevance: Sequence[float]) -> Terms:
    """-sum_i rel_i log softmax(s)_i (optax's ranking_softmax_loss); A p - rel; A p (1 - p)."""
    _, p, top, others = _softmax_parts(row)
    z = [_f(v) for v in row]
    a = [_f(v) for v in relevance]
    value = [mp.mpf(0)]
    for aj, zj in zip(a, z, strict=True):
        if aj > 0:
            value += [-aj * (zj - z[top]), aj * mp.log1p(others)]
    return value, *_softmax_derivatives(a, p, top, others)  # type: ignore[return-value]


def overlap(
    p: Sequence[float], t: Sequence[float], c: float, alpha: float, beta: float, smooth: float
) -> Terms:
    """A / D with A = alpha FP + beta FN, D = c TP + A + smooth (dice: c = 2, alpha = beta = 1).

    Gradient (a_i - l d_i) / D, Hessian diagonal -2 d_i g_i / D with a_i = alpha (1 - t_i)
    - beta t_i and d_i = c t_i + a_i; all 0 where D = 0.
    """
    ps, ts = [_f(v) for v in p], [_f(v) for v in t]
    al, be, cc, sm = _f(alpha), _f(beta), _f(c), _f(smooth)
    tp = mp.fsum(x * y for x, y in zip(ps, ts, strict=True))
    fp = mp.fsum(x * (1 - y) for x, y in zip(ps, ts, strict=True))
    fn = mp.fsum((1 - x) * y for x, y in zip(ps, ts, strict=True))
    missed = al * fp + be * fn
    denominator = cc * tp + missed + sm
    zero = [mp.mpf(0)]
    if denominator == 0:
        return zero, [zero for _ in ps], [zero for _ in ps]
    loss = missed / denominator
    a = [al * (1 - y) - be * y for y in ts]
    d = [cc * y + ai for y, ai in zip(ts, a, strict=True)]
    grad = [[ai / denominator, -loss * di / denominator] for ai, di in zip(a, d, strict=True)]
    hess = [
        [-2 * di * ai / denominator**2, 2 * loss * di * di / denominator**2]
        for ai, di in zip(a, d, strict=True)
    ]
    return [loss], grad, hess


def dice(p: Sequence[float], t: Sequence[float], smooth: float) -> Terms:
    """Soft Dice over the batch: (FP + FN) / (2 TP + FP + FN + smooth)."""
    return overlap(p, t, 2.0, 1.0, 1.0, smooth)


def tversky(
    p: Sequence[float], t: Sequence[float], alpha: float, beta: float, smooth: float
) -> Terms:
    """Tversky over the batch: (alpha FP + beta FN) / (TP + alpha FP + beta FN + smooth)."""
    return overlap(p, t, 1.0, alpha, beta, smooth)


_MEANS = [0.0, 1e-300, -1e-8, 1.0, -2.5, 30.0, 1e20, -1e150, 1e300, 1.7e308]
_LOG_VARIANCES = [0.0, -1.0, 2.5, -30.0, 30.0, 700.0, -1400.0, -1500.0, 3000.0, -3000.0, 1e4,
                  -1e300, 1e300]  # fmt: skip


def _gaussian_rows(dtype: Any) -> list[list[float]]:
    top = float(np.finfo(dtype).max)
    return [[mu, s] for mu in _MEANS for s in _LOG_VARIANCES if max(abs(mu), abs(s)) <= top]


_QUANTILE_ROWS = [[0.0, 0.0, 0.0], [1.0, -1.0, 5.0], [1e300, -1e300, 0.0], [1e-300, 5.0, -1e20],
                  [-2.5, 1e8, 1e38]]  # fmt: skip


def _quantile_rows(dtype: Any) -> list[list[float]]:
    top = float(np.finfo(dtype).max)
    return [r for r in _QUANTILE_ROWS if max(abs(v) for v in r) <= top]


def _relevance_rows(dtype: Any) -> list[list[float]]:
    return [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 2.0, 1.0], [3.0, 3.0, 0.0], [0.2, 0.3, 0.5],
            [1e10, 0.0, 1.0]]  # fmt: skip


_MASKS = [0.0, 1.0, 0.3]

REFERENCES.update(
    {
        ref.name: ref
        for ref in [
            Reference(
                "gaussian_nll",
                gaussian_nll,
                [{}],
                _gaussian_rows,
                _targets(0.0, 1.0, -3.7, -1.7e308),
                ulps=16.0,
                rows=True,
            ),
            Reference(
                "multi_quantile",
                multi_quantile,
                [{"qs": (0.1, 0.5, 0.9)}, {"qs": (1e-6, 0.5, 1 - 1e-6)}],
                _quantile_rows,
                _targets(0.0, 5.0, -1e300),
                ulps=2.0,
                rows=True,
            ),
            Reference("coral", coral, [{}], _rows, lambda dtype: [0, 1, 2, 3], rows=True),
            Reference(
                "pairwise_logistic",
                pairwise_logistic,
                [{}],
                _rows,
                _relevance_rows,
                ulps=_pairs_ulps,
                rows=True,
            ),
            Reference(
                "softmax_ranking",
                softmax_ranking,
                [{}],
                _rows,
                _relevance_rows,
                ulps=_rows_ulps,
                rows=True,
            ),
            Reference(
                "dice",
                dice,
                [{"smooth": s} for s in (1.0, 0.0, 1e-6, 1e6)],
                _probabilities,
                lambda dtype: _MASKS,
                whole=True,
            ),
            Reference(
                "tversky",
                tversky,
                [
                    {"alpha": a, "beta": b, "smooth": s}
                    for a, b, s in (
                        (0.5, 0.5, 1.0),
                        (0.3, 0.7, 0.0),
                        (1e-6, 1.0, 1e-6),
                        (1.0, 0.0, 1.0),
                        (1e6, 1e-6, 1e6),
                    )
                ],
                _probabilities,
                lambda dtype: _MASKS,
                whole=True,
            ),
        ]
    }
)

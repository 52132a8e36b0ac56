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
        rows: Whether ``y_pred`` is rows of logits.
        context: ``dtype -> extra keyword arguments of terms`` (bce's clipping eps).
    """

    name: str
    terms: Callable[..., Terms]
    params: Sequence[dict[str, Any]]
    preds: Callable[[Any], list[Any]]
    trues: Callable[[Any], list[Any]]
    ulps: float | Callable[..., float] = 8.0
    rows: bool = False
    context: Callable[[Any], dict[str, Any]] = field(default=lambda dtype: {})


def _f(x: float) -> Any:
    return mp.mpf(float(x))


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
    # condition number of b^(alpha/2) itself. The exact branches stay at a few ulps.
    alpha, scale = params["alpha"], params["scale"]
    z = (_f(p) - _f(t)) / _f(scale)
    if alpha == -math.inf:  # exp(-z²/2) of a rounded z²/2: its condition number is z²
        return 16.0 + 4.0 * min(float(z * z), 1e4)
    if alpha in (2.0, 1.0, 0.0, -2.0):
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


def _rows_ulps(params: dict[str, Any], row: Any, target: Any) -> float:
    # exp(z_j - max z) of a rounded difference: relative error |z_j - max z| eps on every
    # term that does not underflow, the condition number of softmax in that logit.
    z = np.asarray(row, dtype=np.float64)
    gaps = np.abs(z - z.max())
    return 8.0 + 4.0 * float(np.max(gaps[gaps < 750.0], initial=0.0))


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
    ]
}
"""Every catalogue loss's reference, by name."""

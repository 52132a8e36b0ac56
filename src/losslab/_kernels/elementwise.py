"""One-pass kernels of the elementwise losses.

Every kernel has the signature
``kernel(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums)``:

- ``pred``, ``true``: 1-D C-contiguous arrays of one float dtype (float32 or
  float64), ``weights`` the same dtype and length, or empty for none;
- ``a``, ``b``, ``c``: the loss parameters as float64 (unused ones 0);
- ``order``: 1 writes the gradient into ``out``, 2 the Hessian diagonal;
- ``want_value``: compute the loss too (skipped for ``grad``/``hess`` alone);
- ``divisor``: what the reduction divides derivatives by (the sum of weights
  or the count for "mean", 1 otherwise);
- ``values``: per-example weighted losses (reduction "none"), or empty;
- ``sums``: float64 ``(n_chunks, 4)``, one row per chunk of :data:`CHUNK`
  elements: the weighted loss sum, a check (0 unless a value is NaN, inf or
  outside the loss's domain), the count of 0 labels and of -1 labels.

The per-element formulas are those of the plain path, term for term
(:mod:`losslab.losses._regression`, :mod:`losslab.losses._classification`),
evaluated in float64 whatever the input dtype; results are rounded once to
the input dtype on store. Per-chunk sums make the reduction deterministic:
the same bits for any number of threads. No ``fastmath``: the stable
formulas rely on IEEE semantics (no reassociation, inf and NaN honoured).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

CHUNK = 16384
"""Elements per chunk: one partial sum each; large enough to amortise, small enough to balance."""

REAL, NONNEGATIVE, PROBABILITY, PREDICTION_AND_TARGET_PROBABILITY, BINARY, SIGNED_BINARY = range(6)

_LOG2 = math.log(2.0)


@nb.njit(inline="always")
def _check(domain: int, p: float, t: float) -> tuple[float, float, float]:
    # p - p is 0 for a finite p and NaN for NaN or inf, so the sum flags both without a branch.
    bad = (p - p) + (t - t)
    zero = 0.0
    minus = 0.0
    if domain == NONNEGATIVE:
        bad += t < 0.0
    elif domain == PROBABILITY:
        bad += (t < 0.0) or (t > 1.0)
    elif domain == PREDICTION_AND_TARGET_PROBABILITY:
        bad += (t < 0.0) or (t > 1.0) or (p < 0.0) or (p > 1.0)
    elif domain == BINARY:
        bad += (t != 0.0) and (t != 1.0)
    elif domain == SIGNED_BINARY:
        bad += (t != 0.0) and (t != 1.0) and (t != -1.0)
        zero = 1.0 if t == 0.0 else 0.0
        minus = 1.0 if t == -1.0 else 0.0
    return bad, zero, minus


@nb.njit(inline="always")
def _softplus_parts(x: float) -> tuple[float, float]:
    """Return e = exp(-|x|) and log1p(e): softplus(±x) = max(±x, 0) + log1p(e)."""
    e = math.exp(-abs(x))
    return e, math.log1p(e)


@nb.njit(inline="always")
def _sigmoid_from(x: float, e: float) -> float:
    """sigmoid(x) from e = exp(-|x|), as the plain path's two-branch form."""
    return 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)


# The per-element functions return (loss, derivative of the requested order).


@nb.njit(inline="always")
def _mse(p, t, a, b, c, order, want):
    r = p - t
    return r * r, 2.0 * r if order == 1 else 2.0


@nb.njit(inline="always")
def _mae(p, t, a, b, c, order, want):
    r = p - t
    return abs(r), float(np.sign(r)) if order == 1 else 0.0


@nb.njit(inline="always")
def _huber(p, t, delta, b, c, order, want):
    r = p - t
    clipped = min(max(r, -delta), delta)
    value = 0.5 * clipped * clipped + delta * (abs(r) - abs(clipped))
    if order == 1:
        return value, clipped
    return value, 1.0 if abs(r) <= delta else 0.0


@nb.njit(inline="always")
def _pseudo_huber(p, t, delta, b, c, order, want):
    a = (p - t) / delta
    h = math.hypot(1.0, a)
    abs_a = abs(a)
    value = delta * delta * abs_a * (abs_a / (h + 1.0))
    if order == 1:
        return value, delta * (a / h)
    inverse = 1.0 / h
    return value, inverse * inverse * inverse


@nb.njit(inline="always")
def _log_cosh(p, t, a_, b, c, order, want):
    r = p - t
    a = abs(r)
    value = 0.0
    if want:
        if a < 1.0:
            half_sinh = math.sinh(0.5 * min(a, 1.0))
            value = math.log1p(2.0 * half_sinh * half_sinh)
        else:
            value = a + math.log1p(math.exp(-2.0 * a)) - _LOG2
    if order == 1:
        return value, math.tanh(r)
    e = math.exp(-2.0 * a)
    return value, 4.0 * e / ((1.0 + e) * (1.0 + e))


@nb.njit(inline="always")
def _quantile(p, t, q, b, c, order, want):
    r = p - t
    value = max((1.0 - q) * r, -q * r)
    if order == 2:
        return value, 0.0
    if r > 0:
        return value, 1.0 - q
    return value, -q if r < 0 else 0.0


@nb.njit(inline="always")
def _barron(p, t, alpha, scale, case, order, want):
    x = p - t
    z = x / scale
    z2 = z * z
    c2 = scale * scale
    if case == 0:  # alpha = 2
        value, grad, hess = 0.5 * z2, x / c2, 1.0 / c2
    elif case == 1:  # alpha = 1
        h = math.hypot(1.0, z)
        abs_z = abs(z)
        inverse = 1.0 / h
        value = abs_z * (abs_z / (h + 1.0))
        grad, hess = (z / scale) / h, inverse * inverse * inverse / c2
    elif case == 2:  # alpha = 0
        d = 1.0 + 0.5 * z2
        value = math.log1p(0.5 * z2)
        grad, hess = (x / c2) / d, (1.0 - 0.5 * z2) / (c2 * d * d)
    elif case == 3:  # alpha = -2
        d = 0.25 * z2 + 1.0
        value = 2.0 * z2 / (z2 + 4.0)
        grad, hess = (x / c2) / (d * d), (1.0 - 0.75 * z2) / (c2 * d * d * d)
    elif case == 4:  # alpha = -inf
        g = math.exp(-0.5 * z2)
        value = -math.expm1(-0.5 * z2)
        grad, hess = (x / c2) * g, (1.0 - z2) * g / c2
    else:
        k = abs(alpha - 2.0)
        log_b = math.log1p(z2 / k)
        value = (k / alpha) * math.expm1(0.5 * alpha * log_b) if want else 0.0
        sign = 1.0 if alpha > 2.0 else -1.0
        if order == 1:
            grad, hess = (x / c2) * math.exp((0.5 * alpha - 1.0) * log_b), 0.0
        else:
            grad = 0.0
            hess = math.exp((0.5 * alpha - 2.0) * log_b) * (1.0 + z2 / k + sign * z2) / c2
    return value, grad if order == 1 else hess


@nb.njit(inline="always")
def _poisson_nll(p, t, a, b, c, order, want):
    e = math.exp(p)
    return e - t * p, e - t if order == 1 else e


@nb.njit(inline="always")
def _bce(p, t, eps, b, c, order, want):
    q = 1.0 - p
    p_kept = 1.0 if p >= eps else 0.0
    q_kept = 1.0 if q >= eps else 0.0
    p_clip = max(p, eps)
    q_clip = max(q, eps)
    value = -(t * math.log(p_clip) + (1.0 - t) * math.log(q_clip)) if want else 0.0
    if order == 1:
        return value, -p_kept * t / p_clip + q_kept * (1.0 - t) / q_clip
    return value, p_kept * t / (p_clip * p_clip) + q_kept * (1.0 - t) / (q_clip * q_clip)


@nb.njit(inline="always")
def _bce_with_logits(z, t, pos_weight, b, c, order, want):
    e, log1p_e = _softplus_parts(z)
    value = 0.0
    if want:
        value = pos_weight * t * (max(-z, 0.0) + log1p_e) + (1.0 - t) * (max(z, 0.0) + log1p_e)
    if order == 1:
        return value, -pos_weight * t * _sigmoid_from(-z, e) + (1.0 - t) * _sigmoid_from(z, e)
    return value, (pos_weight * t + 1.0 - t) * (e / ((1.0 + e) * (1.0 + e)))


@nb.njit(inline="always")
def _focal(z, t, gamma, alpha, has_alpha, order, want):
    s = 2.0 * t - 1.0
    m = s * z
    e, log1p_e = _softplus_parts(m)
    ce = max(-m, 0.0) + log1p_e
    modulator = math.exp(-gamma * (max(m, 0.0) + log1p_e))
    alpha_t = alpha * t + (1.0 - alpha) * (1.0 - t) if has_alpha else 1.0
    value = alpha_t * modulator * ce
    right = _sigmoid_from(m, e)
    wrong = _sigmoid_from(-m, e)
    if order == 1:
        return value, -alpha_t * s * modulator * (gamma * right * ce + wrong)
    inner = gamma * ce * (gamma * right - wrong) + (2.0 * gamma + 1.0) * wrong
    return value, alpha_t * modulator * right * inner


@nb.njit(inline="always")
def _hinge(z, t, a, b, c, order, want):
    s = -1.0 if t == 0.0 else t
    slack = 1.0 - s * z
    return max(slack, 0.0), -s * (1.0 if slack > 0.0 else 0.0) if order == 1 else 0.0


@nb.njit(inline="always")
def _squared_hinge(z, t, a, b, c, order, want):
    s = -1.0 if t == 0.0 else t
    slack = 1.0 - s * z
    active = max(slack, 0.0)
    return active * active, -2.0 * s * active if order == 1 else (2.0 if slack > 0.0 else 0.0)


@nb.njit(inline="always")
def _store(i, value, derivative, weights, out, values, divisor):
    """Weigh, scale and store one element as ``Batch.value``/``Batch.derivative`` do."""
    if weights.size != 0:
        w = float(weights[i])
        value = value * w
        derivative = derivative * w
    out[i] = derivative / divisor
    if values.size != 0:
        values[i] = value
    return value


# One kernel per loss: numba caches a function taking another as an argument
# poorly (a recompilation per process), so the loop is written out each time.


@nb.njit(parallel=True, cache=True)
def mse(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of mse (see the module docstring for the signature)."""
    for chunk in nb.prange(sums.shape[0]):
        total = 0.0
        bad = 0.0
        for i in range(chunk * CHUNK, min((chunk + 1) * CHUNK, pred.size)):
            p, t = float(pred[i]), float(true[i])
            bad += _check(REAL, p, t)[0]
            v, d = _mse(p, t, a, b, c, order, want_value)
            total += _store(i, v, d, weights, out, values, divisor)
        sums[chunk, 0] = total
        sums[chunk, 1] = bad


@nb.njit(parallel=True, cache=True)
def mae(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of mae."""
    for chunk in nb.prange(sums.shape[0]):
        total = 0.0
        bad = 0.0
        for i in range(chunk * CHUNK, min((chunk + 1) * CHUNK, pred.size)):
            p, t = float(pred[i]), float(true[i])
            bad += _check(REAL, p, t)[0]
            v, d = _mae(p, t, a, b, c, order, want_value)
            total += _store(i, v, d, weights, out, values, divisor)
        sums[chunk, 0] = total
        sums[chunk, 1] = bad


@nb.njit(parallel=True, cache=True)
def huber(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of huber (a = delta)."""
    for chunk in nb.prange(sums.shape[0]):
        total = 0.0
        bad = 0.0
        for i in range(chunk * CHUNK, min((chunk + 1) * CHUNK, pred.size)):
            p, t = float(pred[i]), float(true[i])
            bad += _check(REAL, p, t)[0]
            v, d = _huber(p, t, a, b, c, order, want_value)
            total += _store(i, v, d, weights, out, values, divisor)
        sums[chunk, 0] = total
        sums[chunk, 1] = bad


@nb.njit(parallel=True, cache=True)
def pseudo_huber(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of pseudo_huber (a = delta)."""
    for chunk in nb.prange(sums.shape[0]):
        total = 0.0
        bad = 0.0
        for i in range(chunk * CHUNK, min((chunk + 1) * CHUNK, pred.size)):
            p, t = float(pred[i]), float(true[i])
            bad += _check(REAL, p, t)[0]
            v, d = _pseudo_huber(p, t, a, b, c, order, want_value)
            total += _store(i, v, d, weights, out, values, divisor)
        sums[chunk, 0] = total
        sums[chunk, 1] = bad


@nb.njit(parallel=True, cache=True)
def log_cosh(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of log_cosh."""
    for chunk in nb.prange(sums.shape[0]):
        total = 0.0
        bad = 0.0
        for i in range(chunk * CHUNK, min((chunk + 1) * CHUNK, pred.size)):
            p, t = float(pred[i]), float(true[i])
            bad += _check(REAL, p, t)[0]
            v, d = _log_cosh(p, t, a, b, c, order, want_value)
            total += _store(i, v, d, weights, out, values, divisor)
        sums[chunk, 0] = total
        sums[chunk, 1] = bad


@nb.njit(parallel=True, cache=True)
def quantile(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of quantile (a = q)."""
    for chunk in nb.prange(sums.shape[0]):
        total = 0.0
        bad = 0.0
        for i in range(chunk * CHUNK, min((chunk + 1) * CHUNK, pred.size)):
            p, t = float(pred[i]), float(true[i])
            bad += _check(REAL, p, t)[0]
            v, d = _quantile(p, t, a, b, c, order, want_value)
            total += _store(i, v, d, weights, out, values, divisor)
        sums[chunk, 0] = total
        sums[chunk, 1] = bad


@nb.njit(parallel=True, cache=True)
def barron(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of barron (a = alpha, b = scale, c = the special case, see the plain path)."""
    case = int(c)
    for chunk in nb.prange(sums.shape[0]):
        total = 0.0
        bad = 0.0
        for i in range(chunk * CHUNK, min((chunk + 1) * CHUNK, pred.size)):
            p, t = float(pred[i]), float(true[i])
            bad += _check(REAL, p, t)[0]
            v, d = _barron(p, t, a, b, case, order, want_value)
            total += _store(i, v, d, weights, out, values, divisor)
        sums[chunk, 0] = total
        sums[chunk, 1] = bad


@nb.njit(parallel=True, cache=True)
def poisson_nll(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of poisson_nll."""
    for chunk in nb.prange(sums.shape[0]):
        total = 0.0
        bad = 0.0
        for i in range(chunk * CHUNK, min((chunk + 1) * CHUNK, pred.size)):
            p, t = float(pred[i]), float(true[i])
            bad += _check(NONNEGATIVE, p, t)[0]
            v, d = _poisson_nll(p, t, a, b, c, order, want_value)
            total += _store(i, v, d, weights, out, values, divisor)
        sums[chunk, 0] = total
        sums[chunk, 1] = bad


@nb.njit(parallel=True, cache=True)
def bce(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of bce (a = the machine epsilon of the input dtype, where logs are clipped)."""
    for chunk in nb.prange(sums.shape[0]):
        total = 0.0
        bad = 0.0
        for i in range(chunk * CHUNK, min((chunk + 1) * CHUNK, pred.size)):
            p, t = float(pred[i]), float(true[i])
            bad += _check(PREDICTION_AND_TARGET_PROBABILITY, p, t)[0]
            v, d = _bce(p, t, a, b, c, order, want_value)
            total += _store(i, v, d, weights, out, values, divisor)
        sums[chunk, 0] = total
        sums[chunk, 1] = bad


@nb.njit(parallel=True, cache=True)
def bce_with_logits(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of bce_with_logits (a = pos_weight)."""
    for chunk in nb.prange(sums.shape[0]):
        total = 0.0
        bad = 0.0
        for i in range(chunk * CHUNK, min((chunk + 1) * CHUNK, pred.size)):
            p, t = float(pred[i]), float(true[i])
            bad += _check(PROBABILITY, p, t)[0]
            v, d = _bce_with_logits(p, t, a, b, c, order, want_value)
            total += _store(i, v, d, weights, out, values, divisor)
        sums[chunk, 0] = total
        sums[chunk, 1] = bad


@nb.njit(parallel=True, cache=True)
def focal(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of focal (a = gamma, b = alpha, c = 1 when alpha is given)."""
    has_alpha = c != 0.0
    for chunk in nb.prange(sums.shape[0]):
        total = 0.0
        bad = 0.0
        for i in range(chunk * CHUNK, min((chunk + 1) * CHUNK, pred.size)):
            p, t = float(pred[i]), float(true[i])
            bad += _check(BINARY, p, t)[0]
            v, d = _focal(p, t, a, b, has_alpha, order, want_value)
            total += _store(i, v, d, weights, out, values, divisor)
        sums[chunk, 0] = total
        sums[chunk, 1] = bad


@nb.njit(parallel=True, cache=True)
def hinge(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of hinge."""
    for chunk in nb.prange(sums.shape[0]):
        total = 0.0
        bad = 0.0
        zeros = 0.0
        minus = 0.0
        for i in range(chunk * CHUNK, min((chunk + 1) * CHUNK, pred.size)):
            p, t = float(pred[i]), float(true[i])
            flags = _check(SIGNED_BINARY, p, t)
            bad += flags[0]
            zeros += flags[1]
            minus += flags[2]
            v, d = _hinge(p, t, a, b, c, order, want_value)
            total += _store(i, v, d, weights, out, values, divisor)
        sums[chunk, 0] = total
        sums[chunk, 1] = bad
        sums[chunk, 2] = zeros
        sums[chunk, 3] = minus


@nb.njit(parallel=True, cache=True)
def squared_hinge(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of squared_hinge."""
    for chunk in nb.prange(sums.shape[0]):
        total = 0.0
        bad = 0.0
        zeros = 0.0
        minus = 0.0
        for i in range(chunk * CHUNK, min((chunk + 1) * CHUNK, pred.size)):
            p, t = float(pred[i]), float(true[i])
            flags = _check(SIGNED_BINARY, p, t)
            bad += flags[0]
            zeros += flags[1]
            minus += flags[2]
            v, d = _squared_hinge(p, t, a, b, c, order, want_value)
            total += _store(i, v, d, weights, out, values, divisor)
        sums[chunk, 0] = total
        sums[chunk, 1] = bad
        sums[chunk, 2] = zeros
        sums[chunk, 3] = minus


KERNELS = {
    "mse": mse,
    "mae": mae,
    "huber": huber,
    "pseudo_huber": pseudo_huber,
    "log_cosh": log_cosh,
    "quantile": quantile,
    "barron": barron,
    "poisson_nll": poisson_nll,
    "bce": bce,
    "bce_with_logits": bce_with_logits,
    "focal": focal,
    "hinge": hinge,
    "squared_hinge": squared_hinge,
}
"""Kernel of each elementwise loss, by catalogue name."""

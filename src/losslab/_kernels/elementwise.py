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
the same bits for any number of threads.

Vectorisation (checked in the assembly: packed AVX-512 ``zmm`` arithmetic in
every kernel's hot loops):

- no ``fastmath`` on the formulas, which rely on IEEE semantics; only the
  running sums go through :func:`_add`, compiled with ``fastmath={"reassoc"}``
  (flags are per instruction and survive inlining), so LLVM keeps one partial
  sum per SIMD lane: a fixed order, so still deterministic;
- each chunk runs one of five copies of its loop, specialised for the flags
  (``order``, ``want_value``, weights, per-example values) so that the loop
  body has no branches on them, and indexed from 0 (a loop from ``lo`` makes
  numba emit negative-index wraparound, which blocks vectorisation);
- ``error_model="numpy"``: numba's default inserts a division-by-zero check
  (and exception exit) before every data-dependent division, which keeps a
  loop scalar; NumPy semantics give the plain path's inf/NaN instead;
- the transcendental losses (log_cosh, bce_with_logits, focal, poisson_nll;
  pseudo_huber for its ``hypot``) use ``*_simd`` twins of their per-element functions built on the
  branch-free :func:`_vexp`, :func:`_vexpm1` and :func:`_vlog1p` (within 2, 2
  and 4 ulp of libm), because glibc's scalar ``exp``/``log1p`` calls cannot
  be vectorised and llvmlite has no SVML. The scalar functions (``_mse`` ...
  ``_squared_hinge``) stay as they were, for :mod:`losslab._kernels.grid`.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

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


# ----------------------------------------------------------------------------- vector maths
# numba calls glibc's scalar exp/log1p/tanh, which LLVM cannot vectorise (llvmlite is built
# without Intel SVML, so fastmath would not help). The kernels of the transcendental losses
# use these branch-free versions instead, written in plain arithmetic that LLVM vectorises
# (AVX-512: 8 float64 lanes). Accuracy against glibc on 10^6 random arguments and the edge
# cases (tests/perf/test_vector_maths.py): exp and expm1 within 2 ulp, log1p within 4 ulp,
# far inside the fused path's float64 tolerance (rtol 1e-12).

_LN2_HI = 6.93147180369123816490e-01  # ln 2 = _LN2_HI + _LN2_LO, _LN2_HI with 32 bits
_LN2_LO = 1.90821492927058770002e-10
_LOG2E = 1.4426950408889634
_SQRT2 = 1.4142135623730951


@intrinsic
def _bits_to_float(typingctx, bits):
    """Reinterpret an int64 as a float64 (an LLVM bitcast, which vectorises; ldexp does not)."""
    if bits != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@nb.njit(inline="always")
def _pow2(k):
    """2^k for -1022 <= k <= 1023, built from its exponent bits."""
    return _bits_to_float((k + 1023) << 52)


@nb.njit(inline="always")
def _exp_reduce(x):
    """Cody-Waite reduction: x = k ln 2 + r, |r| <= ln(2)/2; returns (k, r)."""
    k = math.floor(x * _LOG2E + 0.5)
    return k, (x - k * _LN2_HI) - k * _LN2_LO


@nb.njit(inline="always")
def _expm1_series(r):
    """exp(r) - 1 for |r| <= 0.35: Taylor to r^13 (remainder below 2e-17 relative)."""
    q = 1.0 / 6227020800.0
    q = q * r + 1.0 / 479001600.0
    q = q * r + 1.0 / 39916800.0
    q = q * r + 1.0 / 3628800.0
    q = q * r + 1.0 / 362880.0
    q = q * r + 1.0 / 40320.0
    q = q * r + 1.0 / 5040.0
    q = q * r + 1.0 / 720.0
    q = q * r + 1.0 / 120.0
    q = q * r + 1.0 / 24.0
    q = q * r + 1.0 / 6.0
    q = q * r + 0.5
    return r + r * (r * q)


@nb.njit(inline="always")
def _vexp(x):
    """exp(x), branch-free; NaN gives an unspecified value (callers flag NaN inputs)."""
    # Below -1400 the result is 0 and above 1000 inf, as are those of the clamped x.
    k, r = _exp_reduce(min(max(x, -1400.0), 1000.0))
    n = np.int64(k)
    half = n >> 1
    # Two factors keep each power of two normal; the product rounds once into subnormals.
    return (1.0 + _expm1_series(r)) * _pow2(half) * _pow2(n - half)


@nb.njit(inline="always")
def _vexpm1(x):
    """expm1(x) for x <= 0 (-1 below -60), branch-free, accurate near 0."""
    k, r = _exp_reduce(max(x, -60.0))
    scale = _pow2(np.int64(k))
    # 2^k (1 + q) - 1 = 2^k q + (2^k - 1): no cancellation for k = 0, 2^k - 1 exact.
    return scale * _expm1_series(r) + (scale - 1.0)


@nb.njit(inline="always")
def _vlog1p(e):
    """log1p(e) for 0 <= e <= 1, branch-free."""
    u = 1.0 + e
    big = u > _SQRT2
    m = 0.5 * u if big else u
    # log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716: odd series to s^23.
    s = (m - 1.0) / (m + 1.0)
    s2 = s * s
    q = 1.0 / 23.0
    q = q * s2 + 1.0 / 21.0
    q = q * s2 + 1.0 / 19.0
    q = q * s2 + 1.0 / 17.0
    q = q * s2 + 1.0 / 15.0
    q = q * s2 + 1.0 / 13.0
    q = q * s2 + 1.0 / 11.0
    q = q * s2 + 1.0 / 9.0
    q = q * s2 + 1.0 / 7.0
    q = q * s2 + 1.0 / 5.0
    q = q * s2 + 1.0 / 3.0
    log_u = 2.0 * s + 2.0 * s * (s2 * q)
    log_u = log_u + (_LN2_HI + _LN2_LO) if big else log_u
    d = u - 1.0
    # Goldberg: log1p(e) = log(u) e / (u - 1), with u - 1 exact, undoes the rounding of 1 + e.
    return e if d == 0.0 else log_u * (e / d)


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


# Vectorisable twins of the transcendental losses, used by the kernels: the formulas of the
# scalar functions above (kept, term for term, for the landscape grids), with _vexp,
# _vexpm1 and _vlog1p in place of libm, and selects instead of branches.


@nb.njit(inline="always")
def _vsoftplus_parts(x: float) -> tuple[float, float]:
    e = _vexp(-abs(x))
    return e, _vlog1p(e)


@nb.njit(inline="always")
def _vsigmoids(x: float, e: float) -> tuple[float, float]:
    """(sigmoid(x), sigmoid(-x)) from e = exp(-|x|), sharing one division."""
    # sigmoid(|x|) = 1 / (1 + e), sigmoid(-|x|) = e / (1 + e).
    positive = 1.0 / (1.0 + e)
    negative = e * positive
    return (positive, negative) if x >= 0 else (negative, positive)


@nb.njit(inline="always")
def _log_cosh_simd(p, t, a_, b, c, order, want):
    r = p - t
    a = abs(r)
    em1 = _vexpm1(-a)  # exp(-a) - 1
    e = _vexp(-a)
    value = 0.0
    if want:
        # a < 1: log1p(cosh a - 1), cosh a - 1 = 2 sinh(a/2)^2 = expm1(-a)^2 / (2 exp(-a));
        # a >= 1: a + log1p(exp(-2a)) - log 2. Both as the scalar function, without branches.
        small = _vlog1p(min(em1 * em1 / (2.0 * e), 1.0))
        large = a + _vlog1p(e * e) - _LOG2
        value = small if a < 1.0 else large
    if order == 1:
        # tanh a = -expm1(-2a) / (1 + exp(-2a)), expm1(-2a) = em1 (2 + em1).
        em2 = em1 * (2.0 + em1)
        return value, math.copysign(-em2 / (2.0 + em2), r)
    e2 = e * e
    return value, 4.0 * e2 / ((1.0 + e2) * (1.0 + e2))


@nb.njit(inline="always")
def _bce_with_logits_simd(z, t, pos_weight, b, c, order, want):
    e, log1p_e = _vsoftplus_parts(z)
    value = 0.0
    if want:
        value = pos_weight * t * (max(-z, 0.0) + log1p_e) + (1.0 - t) * (max(z, 0.0) + log1p_e)
    if order == 1:
        up, down = _vsigmoids(z, e)
        return value, -pos_weight * t * down + (1.0 - t) * up
    return value, (pos_weight * t + 1.0 - t) * (e / ((1.0 + e) * (1.0 + e)))


@nb.njit(inline="always")
def _focal_simd(z, t, gamma, alpha, has_alpha, order, want):
    s = 2.0 * t - 1.0
    m = s * z
    e, log1p_e = _vsoftplus_parts(m)
    ce = max(-m, 0.0) + log1p_e
    modulator = _vexp(-gamma * (max(m, 0.0) + log1p_e))
    alpha_t = alpha * t + (1.0 - alpha) * (1.0 - t) if has_alpha else 1.0
    value = alpha_t * modulator * ce
    right, wrong = _vsigmoids(m, e)
    if order == 1:
        return value, -alpha_t * s * modulator * (gamma * right * ce + wrong)
    inner = gamma * ce * (gamma * right - wrong) + (2.0 * gamma + 1.0) * wrong
    return value, alpha_t * modulator * right * inner


@nb.njit(inline="always")
def _pseudo_huber_simd(p, t, delta, b, c, order, want):
    a = (p - t) / delta
    abs_a = abs(a)
    # hypot(1, a) without the libm call: sqrt(1 + a^2) is within 1 ulp of it, and past
    # 1e150 (where a^2 would overflow) hypot(1, a) is |a| to the last bit.
    h = math.sqrt(1.0 + a * a) if abs_a < 1e150 else abs_a
    value = delta * delta * abs_a * (abs_a / (h + 1.0))
    if order == 1:
        return value, delta * (a / h)
    inverse = 1.0 / h
    return value, inverse * inverse * inverse


@nb.njit(inline="always")
def _poisson_nll_simd(p, t, a, b, c, order, want):
    e = _vexp(p)
    return e - t * p, e - t if order == 1 else e


@nb.njit(fastmath={"reassoc"})
def _add(total, term):
    # Only this addition may be reassociated: after LLVM inlines it into a loop, the
    # vectoriser keeps one partial sum per SIMD lane (fixed order, so the same bits on every
    # run and thread count), while the loss formulas around it keep strict IEEE semantics.
    return total + term


@nb.njit(inline="always")
def _loop(
    element, domain, pred, true, weights, a, b, c, order, want, divisor, out, values, has_w, has_v
):
    """One chunk (arrays already sliced to it): store derivatives, return the four sums.

    With ``order``, ``want``, ``has_w`` and ``has_v`` constant at the call site, the
    branches on them fold away and LLVM vectorises the loop (selects, no calls, a
    reassociable sum); the indices start at 0 so numba emits no negative-index wraparound.
    """
    total = 0.0
    bad = 0.0
    zeros = 0.0
    minus = 0.0
    for i in range(pred.size):
        p, t = float(pred[i]), float(true[i])
        flags = _check(domain, p, t)
        bad = _add(bad, flags[0])
        if domain == SIGNED_BINARY:
            zeros = _add(zeros, flags[1])
            minus = _add(minus, flags[2])
        value, derivative = element(p, t, a, b, c, order, want)
        if has_w:
            w = float(weights[i])
            value = value * w
            derivative = derivative * w
        out[i] = derivative / divisor
        if has_v:
            values[i] = value
        total = _add(total, value)
    return total, bad, zeros, minus


@nb.njit(inline="always")
def _chunk(
    element, domain, pred, true, weights, a, b, c, order, want, divisor, out, values, sums, k
):
    """Chunk ``k`` of a kernel: pick the loop specialised for the flags, write row k of sums."""
    lo = k * CHUNK
    hi = min(lo + CHUNK, pred.size)
    p, t, o = pred[lo:hi], true[lo:hi], out[lo:hi]
    has_w = weights.size != 0
    w = weights[lo:hi] if has_w else weights
    v = values[lo:hi] if values.size != 0 else values
    if order == 1 and values.size == 0:
        # The hot paths (value_and_grad and grad, with or without weights): one loop each.
        if want:
            if has_w:
                r = _loop(element, domain, p, t, w, a, b, c, 1, True, divisor, o, v, True, False)
            else:
                r = _loop(element, domain, p, t, w, a, b, c, 1, True, divisor, o, v, False, False)
        elif has_w:
            r = _loop(element, domain, p, t, w, a, b, c, 1, False, divisor, o, v, True, False)
        else:
            r = _loop(element, domain, p, t, w, a, b, c, 1, False, divisor, o, v, False, False)
    else:
        r = _loop(element, domain, p, t, w, a, b, c, order, want, divisor, o, v, has_w, v.size != 0)
    sums[k, 0] = r[0]
    sums[k, 1] = r[1]
    sums[k, 2] = r[2]
    sums[k, 3] = r[3]


# One kernel per loss: numba caches a kernel taking the loss as an argument poorly (a
# recompilation per process), so each kernel names its loss; _chunk is inlined into it.


@nb.njit(parallel=True, cache=True, error_model="numpy")
def mse(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of mse (see the module docstring for the signature)."""
    for k in nb.prange(sums.shape[0]):
        _chunk(
            _mse,
            REAL,
            pred,
            true,
            weights,
            a,
            b,
            c,
            order,
            want_value,
            divisor,
            out,
            values,
            sums,
            k,
        )


@nb.njit(parallel=True, cache=True, error_model="numpy")
def mae(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of mae."""
    for k in nb.prange(sums.shape[0]):
        _chunk(
            _mae,
            REAL,
            pred,
            true,
            weights,
            a,
            b,
            c,
            order,
            want_value,
            divisor,
            out,
            values,
            sums,
            k,
        )


@nb.njit(parallel=True, cache=True, error_model="numpy")
def huber(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of huber (a = delta)."""
    for k in nb.prange(sums.shape[0]):
        _chunk(
            _huber,
            REAL,
            pred,
            true,
            weights,
            a,
            b,
            c,
            order,
            want_value,
            divisor,
            out,
            values,
            sums,
            k,
        )


@nb.njit(parallel=True, cache=True, error_model="numpy")
def pseudo_huber(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of pseudo_huber (a = delta)."""
    for k in nb.prange(sums.shape[0]):
        _chunk(
            _pseudo_huber_simd,
            REAL,
            pred,
            true,
            weights,
            a,
            b,
            c,
            order,
            want_value,
            divisor,
            out,
            values,
            sums,
            k,
        )


@nb.njit(parallel=True, cache=True, error_model="numpy")
def log_cosh(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of log_cosh."""
    for k in nb.prange(sums.shape[0]):
        _chunk(
            _log_cosh_simd,
            REAL,
            pred,
            true,
            weights,
            a,
            b,
            c,
            order,
            want_value,
            divisor,
            out,
            values,
            sums,
            k,
        )


@nb.njit(parallel=True, cache=True, error_model="numpy")
def quantile(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of quantile (a = q)."""
    for k in nb.prange(sums.shape[0]):
        _chunk(
            _quantile,
            REAL,
            pred,
            true,
            weights,
            a,
            b,
            c,
            order,
            want_value,
            divisor,
            out,
            values,
            sums,
            k,
        )


@nb.njit(parallel=True, cache=True, error_model="numpy")
def barron(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of barron (a = alpha, b = scale, c = the special case, see the plain path)."""
    case = int(c)
    for k in nb.prange(sums.shape[0]):
        _chunk(
            _barron,
            REAL,
            pred,
            true,
            weights,
            a,
            b,
            case,
            order,
            want_value,
            divisor,
            out,
            values,
            sums,
            k,
        )


@nb.njit(parallel=True, cache=True, error_model="numpy")
def poisson_nll(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of poisson_nll."""
    for k in nb.prange(sums.shape[0]):
        _chunk(
            _poisson_nll_simd,
            NONNEGATIVE,
            pred,
            true,
            weights,
            a,
            b,
            c,
            order,
            want_value,
            divisor,
            out,
            values,
            sums,
            k,
        )


@nb.njit(parallel=True, cache=True, error_model="numpy")
def bce(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of bce (a = the machine epsilon of the input dtype, where logs are clipped)."""
    for k in nb.prange(sums.shape[0]):
        _chunk(
            _bce,
            PREDICTION_AND_TARGET_PROBABILITY,
            pred,
            true,
            weights,
            a,
            b,
            c,
            order,
            want_value,
            divisor,
            out,
            values,
            sums,
            k,
        )


@nb.njit(parallel=True, cache=True, error_model="numpy")
def bce_with_logits(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of bce_with_logits (a = pos_weight)."""
    for k in nb.prange(sums.shape[0]):
        _chunk(
            _bce_with_logits_simd,
            PROBABILITY,
            pred,
            true,
            weights,
            a,
            b,
            c,
            order,
            want_value,
            divisor,
            out,
            values,
            sums,
            k,
        )


@nb.njit(parallel=True, cache=True, error_model="numpy")
def focal(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of focal (a = gamma, b = alpha, c = 1 when alpha is given)."""
    has_alpha = c != 0.0
    for k in nb.prange(sums.shape[0]):
        _chunk(
            _focal_simd,
            BINARY,
            pred,
            true,
            weights,
            a,
            b,
            has_alpha,
            order,
            want_value,
            divisor,
            out,
            values,
            sums,
            k,
        )


@nb.njit(parallel=True, cache=True, error_model="numpy")
def hinge(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of hinge."""
    for k in nb.prange(sums.shape[0]):
        _chunk(
            _hinge,
            SIGNED_BINARY,
            pred,
            true,
            weights,
            a,
            b,
            c,
            order,
            want_value,
            divisor,
            out,
            values,
            sums,
            k,
        )


@nb.njit(parallel=True, cache=True, error_model="numpy")
def squared_hinge(pred, true, weights, a, b, c, order, want_value, divisor, out, values, sums):
    """Kernel of squared_hinge."""
    for k in nb.prange(sums.shape[0]):
        _chunk(
            _squared_hinge,
            SIGNED_BINARY,
            pred,
            true,
            weights,
            a,
            b,
            c,
            order,
            want_value,
            divisor,
            out,
            values,
            sums,
            k,
        )


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

"""The loss vocabulary on float64 scalars, for numba kernels (the ``m`` of the fast path).

Loss definitions (:mod:`losslab._math`) are bound to this module: inside
a kernel ``m.exp(x)`` is :func:`exp` below. Every operation is branch-free
scalar arithmetic that LLVM vectorises across a loop (AVX-512: 8 float64
lanes): numba would call glibc's scalar ``exp``/``log``/``log1p``, which
cannot be vectorised, and llvmlite has no vector math library (SVML).

Accuracy against glibc on 10^6 random arguments and the special values
(tests/perf/test_vector_maths.py): exp and expm1 within 2 ulp, log and log1p
within 4 ulp, tanh within 4 ulp; the loss tests then hold every loss built on
them to its stated error against mpmath.

NaN arguments give unspecified values: the kernels check their inputs and
hand invalid data to the plain path, which raises.
"""

from __future__ import annotations

import math
import sys

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from losslab._math import DERIVED, bind

_LN2_HI = 6.93147180369123816490e-01  # ln 2 = _LN2_HI + _LN2_LO, _LN2_HI with 32 bits
_LN2_LO = 1.90821492927058770002e-10
_LOG2E = 1.4426950408889634
_SQRT2 = 1.4142135623730951
_TINY = 2.2250738585072014e-308  # the smallest normal float64
_TWO54 = 18014398509481984.0


def compile_function(function):
    """Compile a bound definition for the kernels: inlined into its caller, so it vectorises."""
    return nb.njit(forceinline=True, error_model="numpy")(function)


@intrinsic
def _bits_to_float(typingctx, bits):
    """Reinterpret an int64 as a float64 (an LLVM bitcast, which vectorises; ldexp does not)."""
    if bits != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@intrinsic
def _float_to_bits(typingctx, x):
    """Reinterpret a float64 as an int64."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@nb.njit(forceinline=True, error_model="numpy")
def _pow2(k):
    """2^k for -1022 <= k <= 1023, built from its exponent bits."""
    return _bits_to_float((k + 1023) << 52)


@nb.njit(forceinline=True, error_model="numpy")
def _exp_reduce(x):
    """Cody-Waite reduction: x = k ln 2 + r, |r| <= ln(2)/2; returns (k, r)."""
    k = math.floor(x * _LOG2E + 0.5)
    return k, (x - k * _LN2_HI) - k * _LN2_LO


@nb.njit(forceinline=True, error_model="numpy")
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


@nb.njit(forceinline=True, error_model="numpy")
def _log_series(f):
    """The logarithm of f in [sqrt(1/2), sqrt(2)]: 2 atanh((f - 1) / (f + 1)), series to s^23."""
    s = (f - 1.0) / (f + 1.0)
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
    return 2.0 * s + 2.0 * s * (s2 * q)


@nb.njit(forceinline=True, error_model="numpy")
def exp(x):
    """e^x, 0 below -745 and inf above 709.78."""
    # Below -1400 the result is 0 and above 1000 inf, as are those of the clamped x.
    k, r = _exp_reduce(min(max(x, -1400.0), 1000.0))
    n = np.int64(k)
    half = n >> 1
    # Two factors keep each power of two normal; the product rounds once into subnormals.
    return (1.0 + _expm1_series(r)) * _pow2(half) * _pow2(n - half)


@nb.njit(forceinline=True, error_model="numpy")
def expm1(x):
    """e^x - 1, accurate near 0, inf past 709.78."""
    # Below -60 the result rounds to -1; past 710 it is inf, as it is at the clamp.
    k, r = _exp_reduce(min(max(x, -60.0), 710.0))
    n = np.int64(k)
    low = min(n, 1023)
    scale = _pow2(low)
    # 2^k (1 + q) - 1 = 2^k q + (2^k - 1): no cancellation for k = 0, 2^k - 1 exact to k = 53;
    # the one k past 1023 (x in (709.4, 709.8]) doubles a finite 2^1023 (1 + q) - 1 instead.
    return (scale * _expm1_series(r) + (scale - 1.0)) * _pow2(n - low)


@nb.njit(forceinline=True, error_model="numpy")
def log(x):
    """Log x for x >= 0 (log 0 = -inf, log inf = inf; negative x gives NaN)."""
    tiny = x < _TINY
    y = x * _TWO54 if tiny else x  # subnormals become normal
    bits = _float_to_bits(y)
    k = ((bits >> 52) & 0x7FF) - 1023
    f = _bits_to_float((bits & 0xFFFFFFFFFFFFF) | 0x3FF0000000000000)  # the mantissa, in [1, 2)
    big = f > _SQRT2
    f = 0.5 * f if big else f
    k = k + 1 if big else k
    k = k - 54 if tiny else k
    kf = float(k)
    result = kf * _LN2_HI + (_log_series(f) + kf * _LN2_LO)
    result = -math.inf if x == 0.0 else result
    result = math.inf if x == math.inf else result
    return result if x >= 0.0 else math.nan


@nb.njit(forceinline=True, error_model="numpy")
def log1p(x):
    """log(1 + x) for x >= -1, accurate near 0."""
    u = 1.0 + x
    d = u - 1.0
    # Goldberg: log1p(x) = log(u) x / (u - 1), with u - 1 exact, undoes the rounding of 1 + x.
    result = x if d == 0.0 else log(u) * (x / d)
    return math.inf if x == math.inf else result


@nb.njit(forceinline=True, error_model="numpy")
def log1p_unit(e):
    """log1p(e) for 0 <= e <= 1: log1p without the exponent split a general argument needs."""
    u = 1.0 + e
    big = u > _SQRT2
    log_u = _log_series(0.5 * u if big else u)
    log_u = log_u + (_LN2_HI + _LN2_LO) if big else log_u
    d = u - 1.0
    # Goldberg: log1p(e) = log(u) e / (u - 1), with u - 1 exact, undoes the rounding of 1 + e.
    return e if d == 0.0 else log_u * (e / d)


@nb.njit(forceinline=True, error_model="numpy")
def tanh(x):
    """Tanh x = -expm1(-2|x|) / (2 + expm1(-2|x|)), odd."""
    e = expm1(-2.0 * abs(x))
    t = -e / (2.0 + e)
    return -t if x < 0.0 else t


@nb.njit(forceinline=True, error_model="numpy")
def sqrt(x):
    """The square root (an LLVM intrinsic, correctly rounded)."""
    return math.sqrt(x)


@nb.njit(forceinline=True, error_model="numpy")
def _abs(x):
    # Not abs(x): this module's global ``abs`` is this function.
    return math.fabs(x)


@nb.njit(forceinline=True, error_model="numpy")
def sign(x):
    """-1, 0 or 1 as x is negative, zero or positive."""
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


@nb.njit(forceinline=True, error_model="numpy")
def minimum(a, b):
    """The smaller of a and b; NaN if either is NaN, as NumPy's."""
    # a < b is false for a NaN b, so b passes; a != a catches a NaN a.
    return a if (a < b) | (a != a) else b


@nb.njit(forceinline=True, error_model="numpy")
def maximum(a, b):
    """The larger of a and b; NaN if either is NaN, as NumPy's."""
    return a if (a > b) | (a != a) else b


@nb.njit(forceinline=True, error_model="numpy")
def clip(x, low, high):
    """The nearest value to x in [low, high]; NaN stays NaN, as NumPy's."""
    return low if x < low else (high if x > high else x)


@nb.njit(forceinline=True, error_model="numpy")
def copysign(magnitude, sign):
    """|magnitude| with the sign bit of ``sign`` (of -0.0 too)."""
    return math.copysign(magnitude, sign)


@nb.njit(forceinline=True, error_model="numpy")
def fill(like, value):
    """``value`` in the place of ``like`` (a constant derivative)."""
    return value


@nb.njit(forceinline=True, error_model="numpy")
def where(condition, a, b):
    """A where condition holds, else b (a select: both are evaluated)."""
    return a if condition else b


abs = _abs

# The shared pieces (softplus, sigmoid, ...) are written once in losslab._math; bind them here.
_this = sys.modules[__name__]
for _function in DERIVED:
    setattr(_this, _function.__name__, bind(_function, _this))

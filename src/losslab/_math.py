"""The vocabulary a loss is written in, and its two implementations.

A loss's value, gradient and Hessian are written once, as functions of one
element (``value(p, t, delta)``), in plain arithmetic plus the operations of
one namespace, the global name ``m``: ``m.exp``, ``m.log1p``, ``m.where``...
Data-dependent choices go through ``m.where`` (both sides are evaluated), so a
definition has no ``if`` on its data; ``if`` on a parameter is fine.

The same source then runs in two worlds, by :func:`bind` giving the function
a different ``m``:

- on arrays: :func:`array_math` returns an :class:`ArrayMath` for an
  array-API namespace (NumPy, PyTorch, CuPy, JAX, array-api-strict), whose
  operations apply elementwise to whole arrays. This is the plain path, the
  reference;
- on scalars inside numba kernels: :mod:`losslab._kernels.scalar_math`, whose
  operations are branch-free scalar functions that LLVM vectorises. This is
  the fused path and the landscape grid kernels.

The functions below are the shared pieces that several losses are built from
(softplus, the sigmoid, the safe ``sqrt(1 + a²)`` family); they are written
in the vocabulary too and bound into both namespaces, so each formula exists
once.

Example:
    >>> import numpy as np
    >>> m = array_math(np)
    >>> m.softplus(np.array([-800.0, 0.0, 800.0])).tolist()
    [0.0, 0.6931471805599453, 800.0]
"""

from __future__ import annotations

import functools
import math
import types
from collections.abc import Callable
from typing import Any

import numpy as np
from array_api_compat import device as _device

from losslab._array import Array, is_numpy

__all__ = [
    "DERIVED",
    "ArrayMath",
    "array_math",
    "bind",
    "cos_atan",
    "log1p_square_ratio",
    "sigmoid",
    "sigmoid_product",
    "sin_atan",
    "softmax_element",
    "softmax_gradient",
    "softmax_hessian",
    "softplus",
    "tan_half_atan",
    "two_difference",
    "two_product",
]


class _Unbound:
    """The value of ``m`` until a definition is bound to a namespace."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)  # introspection (doctest, pickle) asks; it is not there
        raise RuntimeError(
            f"m.{name}: loss definitions run through bind(function, namespace), not directly"
        )


m: Any = _Unbound()


def bind(function: Callable[..., Any], namespace: Any) -> Callable[..., Any]:
    """``function`` with its global ``m`` replaced by ``namespace`` (a new function object).

    The code object is shared: only the globals differ, so one source serves
    NumPy arrays, torch tensors and numba's scalars alike. Helper functions of
    the same module that ``function`` calls by name are bound too, and a
    namespace with a ``compile_function`` (numba's) compiles each result.
    """
    return _bind_cached(function, namespace)


@functools.lru_cache(maxsize=4096)
def _bind_cached(function: Callable[..., Any], namespace: Any) -> Callable[..., Any]:
    scope = dict(function.__globals__)
    scope["m"] = namespace
    for name in function.__code__.co_names:
        helper = scope.get(name)
        if (
            isinstance(helper, types.FunctionType)
            and helper is not function
            and helper.__module__ == function.__module__
        ):
            scope[name] = bind(helper, namespace)
    bound = types.FunctionType(
        function.__code__, scope, function.__name__, function.__defaults__, function.__closure__
    )
    bound.__qualname__ = function.__qualname__
    bound.__doc__ = function.__doc__
    bound.__module__ = function.__module__
    compile_ = getattr(namespace, "compile_function", None)
    return bound if compile_ is None else compile_(bound)


# ---------------------------------------------------------------------------- shared pieces


def softplus(x: Any) -> Any:
    """log(1 + e^x), exact for any x: max(x, 0) + log1p(e^-|x|)."""
    return m.maximum(x, 0.0) + m.log1p_unit(m.exp(-m.abs(x)))


def sigmoid(x: Any) -> Any:
    """1 / (1 + e^-x) with full relative precision on both sides of 0."""
    # e = exp(-|x|) <= 1 never overflows; sigma(-|x|) = e / (1 + e) keeps tiny values exact.
    # One division: sigma(x) and sigma(-x) used together share it.
    e = m.exp(-m.abs(x))
    inverse = 1.0 / (1.0 + e)
    return m.where(x >= 0.0, inverse, e * inverse)


def sigmoid_product(x: Any) -> Any:
    """sigma(x) sigma(-x), the logistic derivative: e / (1 + e)² with e = exp(-|x|)."""
    e = m.exp(-m.abs(x))
    return e / ((1.0 + e) * (1.0 + e))


# Past |a| = 1e150, a² would overflow while sqrt(1 + a²) is |a| to the last bit: the three
# functions below switch to their asymptotic forms there. They share sqrt(1 + a²), which
# the compiler computes once where several are used together.


def cos_atan(a: Any) -> Any:
    """cos(arctan a) = 1 / sqrt(1 + a²), for any a (a = ±inf gives 0)."""
    x = m.abs(a)
    return m.where(x < 1e150, 1.0 / m.sqrt(1.0 + x * x), 1.0 / x)


def sin_atan(a: Any) -> Any:
    """sin(arctan a) = a / sqrt(1 + a²), odd, for any a (±inf gives ±1)."""
    x = m.abs(a)
    magnitude = m.where(x < 1e150, x / m.sqrt(1.0 + x * x), 1.0)
    return m.where(a < 0.0, -magnitude, magnitude)


def tan_half_atan(a: Any) -> Any:
    """tan(arctan(a) / 2) = (sqrt(1 + a²) - 1) / a = a / (sqrt(1 + a²) + 1), odd, for any a."""
    x = m.abs(a)
    # Past 1e150, 1 - 1/|a| rounds to 1.
    magnitude = m.where(x < 1e150, x / (m.sqrt(1.0 + x * x) + 1.0), 1.0)
    return m.where(a < 0.0, -magnitude, magnitude)


def log1p_square_ratio(a: Any, s: Any) -> Any:
    """log(1 + (a/s)²) for a >= 0 and s > 0, never forming a/s when it could overflow."""
    # For a > s: log(1 + (a/s)²) = 2 (log a - log s) + log1p((s/a)²).
    ratio = m.minimum(a, s) / s
    inverse = s / m.maximum(a, s)
    near = m.log1p(ratio * ratio)
    far = 2.0 * (m.log(m.maximum(a, s)) - m.log(s)) + m.log1p(inverse * inverse)
    return m.where(a <= s, near, far)


# Residuals carried to twice the working precision. Where a loss's relative condition number
# grows with the residual (sech² r amplifies a relative error of r by 2|r|, e^(-z²/2) by z²),
# rounding r = p - t alone costs that many ulps; with r's error known exactly, an element
# function evaluates f(r + e) = f(r) + f'(r) e to first order instead. Both are plain
# arithmetic that must not be reassociated: the kernels are compiled without fastmath.


def two_difference(p: Any, t: Any) -> tuple[Any, Any]:
    """(r, e) with r = p - t rounded and p - t = r + e exactly (Knuth's TwoSum of p and -t).

    Six operations and no branch, exact in round-to-nearest for any finite p and t
    (Knuth, TAOCP vol. 2, 4.2.2). Where r overflows, e is 0, not NaN.

    Example:
        >>> import numpy as np
        >>> m = array_math(np)
        >>> r, e = m.two_difference(np.array([19.000000000000004, 1e16]), np.array([1e-17, -1.0]))
        >>> r.tolist(), e.tolist()
        ([19.000000000000004, 1e+16], [-1e-17, 1.0])
    """
    r = p - t
    back = r - p  # the part of r that came from -t
    e = (p - (r - back)) - (t + back)
    return r, m.where(m.abs(e) <= FLOAT_MAX, e, 0.0)


_SPLIT = 134217729.0  # 2^27 + 1: Dekker's splitter for float64


def two_product(a: Any, b: Any) -> tuple[Any, Any]:
    """(s, e) with s = a b rounded and a b = s + e exactly (Dekker's product, without fma).

    Exact when |a| and |b| are below 1e300 and e is not subnormal; where a split would
    overflow, e is 0, not NaN. Dekker (1971) splits each factor into two halves of 26
    bits, whose products are exact.
    """
    s = a * b
    a_big = _SPLIT * a
    a_high = a_big - (a_big - a)
    a_low = a - a_high
    b_big = _SPLIT * b
    b_high = b_big - (b_big - b)
    b_low = b - b_high
    e = ((a_high * b_high - s) + a_high * b_low + a_low * b_high) + a_low * b_low
    return s, m.where(m.abs(e) <= FLOAT_MAX, e, 0.0)


def softmax_element(d: Any, e: Any, others: Any, log_norm: Any, inverse: Any, is_top: Any) -> Any:
    """(log p, p, 1 - p) of one entry of a softmax row, accurate for confident rows.

    ``d = z - max(z)`` and ``e = exp(d)`` for the entry; ``others`` is the
    sum of ``exp(d)`` over the row's entries but its largest (the first
    largest on ties), ``log_norm = log1p(others)`` and ``inverse =
    1 / (1 + others)``: one logarithm and one division per row. ``is_top``
    marks the largest entry. log p = d - log1p(others) keeps a confident
    row's tiny loss (others ~ 1e-14) to full relative precision, and the
    largest entry's 1 - p = others / (1 + others) does not cancel.
    """
    p = e * inverse
    return d - log_norm, p, m.where(is_top, others * inverse, 1.0 - p)


def softmax_gradient(a: Any, total: Any, rest: Any, p: Any, complement: Any, is_top: Any) -> Any:
    """A p - a, with the largest logit's entry written as (A - a) - A (1 - p).

    ``rest`` is A minus the target weight of the largest logit, summed from
    the other classes, and ``complement`` is 1 - p without cancellation
    (:func:`softmax_element`), so a confident right answer keeps
    its tiny gradient.
    """
    return m.where(is_top, rest - total * complement, total * p - a)


def softmax_hessian(total: Any, p: Any, complement: Any) -> Any:
    """The Hessian diagonal A p (1 - p)."""
    return total * p * complement


DERIVED: tuple[Callable[..., Any], ...] = (
    softplus,
    sigmoid,
    sigmoid_product,
    cos_atan,
    sin_atan,
    tan_half_atan,
    log1p_square_ratio,
    two_difference,
    two_product,
    softmax_element,
    softmax_gradient,
    softmax_hessian,
)
"""The shared pieces, bound into every namespace as ``m.<name>``."""


# ---------------------------------------------------------------------------- arrays


class ArrayMath:
    """The vocabulary on the arrays of one array-API namespace ``xp``.

    Operations accept Python numbers where the array API would need arrays
    (``m.maximum(x, 0.0)``, ``m.where(c, 1.0, x)``): a number takes the dtype
    and device of the array beside it, or ``dtype`` where there is none.
    """

    def __init__(self, xp: Any, dtype: Any = None) -> None:
        self.xp = xp
        self.dtype = dtype
        self._numpy = is_numpy(xp)
        for function in DERIVED:
            setattr(self, function.__name__, bind(function, self))

    @staticmethod
    def _unary(function: Any, on_number: Any, x: Any) -> Any:
        # A parameter (a Python number) may meet an operation: NumPy computes it as a float.
        return float(on_number(x)) if isinstance(x, (int, float)) else function(x)

    def _like(self, value: Any, other: Array) -> Any:
        if self._numpy or not isinstance(value, (int, float)):
            return value
        return self.xp.asarray(float(value), dtype=other.dtype, device=_device(other))

    def abs(self, x: Array) -> Array:
        return self._unary(self.xp.abs, np.abs, x)

    def sign(self, x: Array) -> Array:
        return self._unary(self.xp.sign, np.sign, x)

    def sqrt(self, x: Array) -> Array:
        return self._unary(self.xp.sqrt, np.sqrt, x)

    def exp(self, x: Array) -> Array:
        return self._unary(self.xp.exp, np.exp, x)

    def expm1(self, x: Array) -> Array:
        return self._unary(self.xp.expm1, np.expm1, x)

    def log(self, x: Array) -> Array:
        return self._unary(self.xp.log, np.log, x)

    def log1p(self, x: Array) -> Array:
        return self._unary(self.xp.log1p, np.log1p, x)

    def log1p_unit(self, x: Array) -> Array:
        return self.log1p(x)

    def tanh(self, x: Array) -> Array:
        return self._unary(self.xp.tanh, np.tanh, x)

    def fill(self, like: Array, value: float) -> Array:
        return self.xp.full_like(like, value)

    def minimum(self, a: Array, b: Any) -> Array:
        return self.xp.minimum(a, self._like(b, a))

    def maximum(self, a: Array, b: Any) -> Array:
        return self.xp.maximum(a, self._like(b, a))

    def clip(self, x: Array, low: float, high: float) -> Array:
        return self.xp.clip(x, low, high)

    def copysign(self, magnitude: Array, sign: Array) -> Array:
        return self.xp.copysign(magnitude, self._like(sign, magnitude))

    def where(self, condition: Array, a: Any, b: Any) -> Array:
        if not self._numpy:
            if isinstance(a, (int, float)) and isinstance(b, (int, float)):
                # Two numbers: the working dtype, on the condition's device.
                a = self.xp.asarray(float(a), dtype=self.dtype, device=_device(condition))
            if isinstance(a, (int, float)):
                a = self._like(a, b)
            b = self._like(b, a)
        return self.xp.where(condition, a, b)


@functools.lru_cache(maxsize=64)
def array_math(xp: Any, dtype: Any = None) -> ArrayMath:
    """The :class:`ArrayMath` of namespace ``xp``; numbers meeting no array become ``dtype``.

    ``dtype`` None is the library's default float.
    """
    return ArrayMath(xp, dtype)


LOG2 = math.log(2.0)
"""log 2, for the definitions (a global constant is fine in both namespaces)."""

FLOAT_MAX = float(np.finfo(np.float64).max)
"""The largest float64; larger results are inf."""

"""Array namespaces and the numerically stable building blocks every loss shares.

Every function here takes the array namespace ``xp`` first, so the same code
runs on NumPy, PyTorch, JAX and CuPy arrays through ``array-api-compat``.
"""

from __future__ import annotations

from typing import Any

import array_api_compat
import numpy as np

Array = Any
"""An array of any array-API library (NumPy, PyTorch, JAX, CuPy...)."""


def namespace(*arrays: Any) -> Any:
    """Return the array-API namespace shared by ``arrays``, ignoring ``None``.

    Python lists, tuples and scalars count as NumPy arrays.
    """
    present = [a for a in arrays if a is not None]
    if all(not _is_array(a) for a in present):
        return array_api_compat.array_namespace(np.empty(0))
    return array_api_compat.array_namespace(*[a for a in present if _is_array(a)])


def _is_array(x: Any) -> bool:
    return array_api_compat.is_array_api_obj(x) and not isinstance(x, (int, float, complex, bool))


def is_numpy(xp: Any) -> bool:
    """Whether ``xp`` is NumPy's namespace (plain or wrapped by array-api-compat)."""
    return array_api_compat.is_numpy_namespace(xp)


def sigmoid(xp: Any, x: Array) -> Array:
    """Logistic function 1 / (1 + exp(-x)), without overflow for any x."""
    # exp(-|x|) <= 1, so neither branch can overflow.
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(xp: Any, x: Array) -> Array:
    """log(1 + exp(x)), exact for large |x|."""
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
    return xp.maximum(x, xp.zeros_like(x)) + xp.log1p(xp.exp(-xp.abs(x)))


def sigmoid_product(xp: Any, x: Array) -> Array:
    """sigmoid(x) * sigmoid(-x), the logistic derivative, without overflow."""
    # sigma(x) sigma(-x) = e^-|x| / (1 + e^-|x|)^2, symmetric in x.
    e = xp.exp(-xp.abs(x))
    return e / ((1.0 + e) * (1.0 + e))


def logsumexp(xp: Any, x: Array, axis: int = -1) -> Array:
    """log(sum(exp(x))) along ``axis``, shifted by the maximum so it never overflows."""
    m = xp.max(x, axis=axis, keepdims=True)
    return xp.squeeze(m, axis=axis) + xp.log(xp.sum(xp.exp(x - m), axis=axis))


def log_softmax(xp: Any, x: Array, axis: int = -1) -> Array:
    """log(softmax(x)) along ``axis``: x - logsumexp(x)."""
    m = xp.max(x, axis=axis, keepdims=True)
    shifted = x - m
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def softmax(xp: Any, x: Array, axis: int = -1) -> Array:
    """Softmax of x along ``axis``, shifted by the maximum so it never overflows."""
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def xlogx_ratio(xp: Any, t: Array, log_q: Array) -> Array:
    """Return t (log t - log_q), taking 0 log 0 = 0."""
    positive = t > 0
    safe_t = xp.where(positive, t, xp.ones_like(t))
    return xp.where(positive, t * (xp.log(safe_t) - log_q), xp.zeros_like(t))

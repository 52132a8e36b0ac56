"""Array namespaces and the numerically stable building blocks every loss shares.

Every function here takes the array namespace ``xp`` first, so the same code
runs on NumPy, PyTorch, JAX and CuPy arrays through ``array-api-compat``.
"""

from __future__ import annotations

import types
from typing import Any

import array_api_compat
import numpy as np

Array = Any
"""An array of any array-API library (NumPy, PyTorch, JAX, CuPy...)."""


def _sort(x: Array, /, *, axis: int = -1, descending: bool = False, stable: bool = True) -> Array:
    """``numpy.sort`` along ``axis``, largest first when ``descending`` (the standard's)."""
    out = np.sort(x, axis=axis, kind="stable" if stable else None)
    return np.flip(out, axis=axis) if descending else out


def _numpy_namespace() -> types.ModuleType:
    """NumPy's own module as an array-API namespace, with ``sort`` as the standard has it.

    Since NumPy 2.1 the ``numpy`` module follows the standard in every
    function losslab uses but ``sort``, which lacks ``descending``. This
    replaces array-api-compat's wrapper of NumPy, whose import clones the
    whole module and so loads ``numpy.f2py`` and ``numpy.testing`` (~0.1 s of
    ``import losslab.losses``). A plain module holding NumPy's loaded names, so
    that ``xp.exp`` costs what ``np.exp`` does; what NumPy loads lazily is
    looked up there when asked for (the module's ``__getattr__``, PEP 562).
    """
    module = types.ModuleType("numpy", "NumPy as losslab's array-API namespace.")
    module.__dict__.update((k, v) for k, v in vars(np).items() if not k.startswith("__"))
    module.sort = _sort  # type: ignore[attr-defined]
    module.__getattr__ = lambda name: getattr(np, name)  # type: ignore[method-assign]
    return module


NUMPY = _numpy_namespace()
"""The namespace of NumPy arrays, Python scalars and lists."""


def namespace(*arrays: Any) -> Any:
    """Return the array-API namespace shared by ``arrays``, ignoring ``None``.

    Python lists, tuples and scalars count as NumPy arrays (:data:`NUMPY`).
    """
    present = [a for a in arrays if a is not None and _is_array(a)]
    if all(isinstance(a, (np.ndarray, np.generic)) for a in present):
        return NUMPY
    return array_api_compat.array_namespace(*present)


def _is_array(x: Any) -> bool:
    return array_api_compat.is_array_api_obj(x) and not isinstance(x, (int, float, complex, bool))


def is_numpy(xp: Any) -> bool:
    """Whether ``xp`` is NumPy's namespace (:data:`NUMPY`, plain or wrapped by array-api-compat)."""
    return xp is NUMPY or array_api_compat.is_numpy_namespace(xp)


def sigmoid(xp: Any, x: Array) -> Array:
    """Logistic function 1 / (1 + exp(-x)) for any x (:func:`losslab._math.sigmoid`)."""
    from losslab._math import array_math

    return array_math(xp).sigmoid(x)


def softplus(xp: Any, x: Array) -> Array:
    """log(1 + exp(x)), exact for large |x| (:func:`losslab._math.softplus`)."""
    from losslab._math import array_math

    return array_math(xp).softplus(x)


def sigmoid_product(xp: Any, x: Array) -> Array:
    """sigmoid(x) * sigmoid(-x), the logistic derivative (:func:`losslab._math.sigmoid_product`)."""
    from losslab._math import array_math

    return array_math(xp).sigmoid_product(x)


def softmax_parts(xp: Any, x: Array) -> tuple[Array, Array, Array, Array]:
    """Log-softmax, softmax and 1 - softmax along the last axis, accurate for confident rows.

    Returns ``(log_p, p, complement, is_max)``; the formulas given the row's
    maximum are :func:`losslab._math.softmax_element` (shared with the fused
    kernels): with m the row maximum and s the sum of exp(x_j - m) over the
    other entries, log p_j = x_j - m - log1p(s) and the largest entry's
    1 - p = s / (1 + s).
    """
    from losslab._math import array_math

    m = xp.max(x, axis=-1, keepdims=True)
    d = x - m
    e = xp.exp(d)
    top = xp.argmax(x, axis=-1, keepdims=True)
    classes = xp.arange(x.shape[-1], dtype=top.dtype, device=array_api_compat.device(x))
    is_max = classes == top
    others = xp.sum(xp.where(is_max, xp.zeros_like(e), e), axis=-1, keepdims=True)
    log_norm, inverse = xp.log1p(others), 1.0 / (1.0 + others)
    log_p, p, complement = array_math(xp).softmax_element(d, e, others, log_norm, inverse, is_max)
    return log_p, p, complement, is_max


def log_softmax(xp: Any, x: Array) -> Array:
    """log(softmax(x)) along the last axis (see :func:`softmax_parts`)."""
    return softmax_parts(xp, x)[0]


def softmax(xp: Any, x: Array, axis: int = -1) -> Array:
    """Softmax along the last axis (see :func:`softmax_parts`)."""
    if axis not in (-1, x.ndim - 1):
        raise ValueError(f"axis must be the last axis, got {axis}")
    return softmax_parts(xp, x)[1]

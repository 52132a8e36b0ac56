"""The fast path: fused one-pass kernels for NumPy float32/float64 inputs.

:class:`~losslab.losses.Loss` sends ``grad``, ``hess`` and ``value_and_grad``
here first. :func:`dispatch` runs the numba kernel of the loss
(:mod:`losslab._kernels`) when it applies and returns ``NotImplemented``
otherwise, so the caller falls back to the plain path, which is the
reference. It applies to catalogue losses on NumPy arrays of float32 or
float64 ``y_pred`` (``y_true`` is cast to that dtype, as the plain path
does), with or without ``weights``, every reduction, and for
``cross_entropy`` integer labels without ``class_weights`` or
``label_smoothing`` (other options fall back), when
:func:`losslab.config.fused_enabled` is on and numba is installed.

Validation stays one pass over the data: the kernel flags NaN, inf and
out-of-domain values as it goes, and when a flag is set the plain path runs
instead and raises its usual error. Shape, size and weight errors come from
the plain path too, so both paths fail alike.

Memory: without ``out=`` one array the shape of ``y_pred`` is allocated (the
gradient), plus the per-example losses for ``reduction="none"``; with ``out=``
none. Inputs that are not C-contiguous, weights that need broadcasting and a
``y_true`` of another dtype are copied first.

Agreement with the plain path: float64 to rtol 1e-12 (the formulas are the
same, term for term; only the exp/log1p implementations, which are within a
few ulp of libm, and summation order differ); float32 to rtol 1e-5 (the
kernels compute in float64 and round once, the plain path rounds every
intermediate to float32; sums are accumulated in float64). The kernels are
vectorised (SIMD) loops; see :mod:`losslab._kernels.elementwise` for how.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from losslab import config
from losslab._array import namespace
from losslab.losses._batch import check_reduction, prepare_weights

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))

_kernels: Any = None
_unavailable = False


def _load() -> Any:
    """Import the kernels on first use; None when numba is missing."""
    global _kernels, _unavailable
    if _kernels is None and not _unavailable:
        try:
            from losslab._kernels import elementwise, rows
        except ImportError:
            _unavailable = True
        else:
            _kernels = (elementwise, rows)
    return _kernels


def available() -> bool:
    """Whether the fused kernels can run here (numba importable)."""
    return _load() is not None


def check_out(out: Any, shape: tuple[int, ...], dtype: Any, *inputs: Any) -> np.ndarray:
    """Raise TypeError/ValueError unless ``out`` can receive a result of ``shape`` and ``dtype``."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a NumPy array, got {type(out).__name__}")
    if out.shape != tuple(shape):
        raise ValueError(f"out must have the shape of y_pred {tuple(shape)}, got {out.shape}")
    if out.dtype != dtype:
        raise TypeError(f"out must have dtype {np.dtype(dtype)} (that of y_pred), got {out.dtype}")
    if not out.flags.c_contiguous:
        raise ValueError("out must be C-contiguous")
    if not out.flags.writeable:
        raise ValueError("out must be writeable, got a read-only array")
    for arr in inputs:
        if isinstance(arr, np.ndarray) and np.may_share_memory(out, arr):
            raise ValueError("out must not overlap y_pred, y_true or weights")
    return out


def into_out(result: Any, out: Any, *inputs: Any) -> Any:
    """Copy a plain-path ``result`` into ``out`` (if given) and return what the caller gets."""
    if out is None:
        return result
    if not isinstance(result, np.ndarray):
        raise TypeError(f"out= needs NumPy inputs, got {type(result).__name__} results")
    check_out(out, result.shape, result.dtype, *inputs)
    out[...] = result
    return out


def _readonly(arr: np.ndarray) -> np.ndarray:
    # One numba specialisation per dtype: inputs are always passed as read-only views.
    view = arr.view()
    view.flags.writeable = False
    return view


def _contiguous(arr: np.ndarray, dtype: Any) -> np.ndarray:
    return _readonly(np.ascontiguousarray(arr, dtype=dtype))


def dispatch(
    loss: Any,
    op: str,
    y_pred: Any,
    y_true: Any,
    weights: Any,
    reduction: Any,
    out: Any,
) -> Any:
    """Run ``op`` ("grad", "hess" or "value_and_grad") of ``loss`` fused, or return NotImplemented.

    The result is what the plain path returns: the gradient or Hessian
    diagonal (``out`` itself when given), or ``(value, gradient)``.
    """
    if not config.fused_enabled() or not isinstance(y_pred, np.ndarray):
        return NotImplemented
    if y_pred.dtype.kind in "biu":
        # As the plain path does; both then share the float64 kernel and agree exactly.
        y_pred = y_pred.astype(np.float64)
    if y_pred.dtype not in _FLOATS or not isinstance(y_true, np.ndarray):
        return NotImplemented
    if weights is not None and not isinstance(weights, np.ndarray):
        return NotImplemented
    if not _is_catalogue(loss) or _load() is None:
        return NotImplemented
    check_reduction(reduction)
    if out is not None:
        check_out(out, y_pred.shape, y_pred.dtype, y_pred, y_true, weights)
    with _threads_for(y_pred.size):
        if loss.name in _kernels[0].KERNELS:
            return _elementwise(loss, op, y_pred, y_true, weights, reduction, out)
        if loss.name == "cross_entropy":
            return _cross_entropy(loss, op, y_pred, y_true, weights, reduction, out)
        if loss.name == "kl_div":
            return _kl_div(op, y_pred, y_true, weights, reduction, out)
    return NotImplemented


SERIAL_BELOW = 1 << 18
"""Inputs with fewer elements run the kernels on one thread."""


@contextlib.contextmanager
def _threads_for(size: int) -> Iterator[None]:
    # Waking the thread pool costs more than a small array's whole pass, and far more when
    # the cores are busy (training loops call the loss thousands of times on ~100 rows).
    # Worse, numba's OpenMP threads spin for a while after a parallel loop and steal the
    # cores from OpenBLAS's threads in the matmuls that follow: on 2 cores, full-batch
    # logistic regression on 10^5 rows ran its loss 20x and its backward 7x slower with
    # 2 kernel threads than with 1. The vectorised kernels take ~0.25 ms for 10^5
    # elements on one thread, so below 2^18 elements one thread is the faster choice.
    if size >= SERIAL_BELOW:
        yield
        return
    import numba

    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def _fresh(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """A new array for a kernel to write, its pages touched first on one thread.

    A large new array is fresh memory from the OS: its pages are mapped on first write.
    When the kernel's two threads take those page faults together they contend (measured
    on the benchmark machine, 2 cores, transparent huge pages: a parallel triad into a new
    10^7-element float32 array took 38 ms, 5 ms after a one-thread ``fill``, 2.5 ms into
    reused memory). So large arrays are filled here first, on one thread.
    """
    arr = np.empty(shape, dtype=dtype)
    if arr.size >= SERIAL_BELOW:
        arr.fill(0)
    return arr


def _is_catalogue(loss: Any) -> bool:
    from losslab.losses._registry import _REGISTRY

    entry = _REGISTRY.get(loss.name)
    return entry is not None and entry.value is getattr(loss, "_value", None)


def _parameters(loss: Any, dtype: Any) -> tuple[float, float, float] | None:
    """The loss's parameters as the kernel's (a, b, c), or None to fall back."""
    params = loss.params

    def weak(value: float) -> float:
        # The plain path multiplies float32 arrays by Python floats, which NumPy rounds
        # to float32 first (NEP 50); thresholds such as delta must round alike.
        return float(dtype.type(value))

    name = loss.name
    if name in ("huber", "pseudo_huber"):
        return weak(params["delta"]), 0.0, 0.0
    if name == "quantile":
        return float(params["q"]), 0.0, 0.0
    if name == "bce_with_logits":
        return weak(params["pos_weight"]), 0.0, 0.0
    if name == "bce":
        return float(np.finfo(dtype).eps), 0.0, 0.0
    if name == "focal":
        alpha = params["alpha"]
        if alpha is None:
            return weak(params["gamma"]), 0.0, 0.0
        return weak(params["gamma"]), float(alpha), 1.0
    if name == "barron":
        alpha, scale = float(params["alpha"]), float(params["scale"])
        special = {2.0: 0, 1.0: 1, 0.0: 2, -2.0: 3, -math.inf: 4}
        return alpha, scale, float(special.get(alpha, 5))
    return 0.0, 0.0, 0.0


def _finish(
    op: str, sums: np.ndarray, reduction: str, normalizer: float, dtype: Any, out: Any, values: Any
) -> Any:
    if op != "value_and_grad":
        return out
    if reduction == "none":
        return values, out
    total = float(np.sum(sums[:, 0]))
    if reduction == "mean":
        total /= normalizer
    return dtype.type(total), out


def _plan(
    op: str, reduction: str, example_shape: tuple[int, ...], dtype: Any
) -> tuple[int, bool, np.ndarray]:
    order = 2 if op == "hess" else 1
    want_value = op == "value_and_grad"
    values = _fresh(example_shape if want_value and reduction == "none" else (0,), dtype)
    return order, want_value, values


def _weights(
    weights: Any, example_shape: tuple[int, ...], dtype: Any
) -> tuple[np.ndarray, float] | None:
    """Weights flattened to the examples with their sum; None when the plain path must judge."""
    if weights is None:
        return np.empty(0, dtype=dtype), float(max(math.prod(example_shape), 1))
    try:
        w, total = prepare_weights(namespace(weights), weights, example_shape, dtype)
    except (TypeError, ValueError):
        # The plain path reports errors in its own order (y_pred first), so let it raise.
        return None
    return _contiguous(w, dtype).reshape(-1), float(total)


def _elementwise(
    loss: Any, op: str, y_pred: np.ndarray, y_true: np.ndarray, weights: Any, reduction: str, out
) -> Any:
    elementwise = _kernels[0]
    dtype = y_pred.dtype
    if y_true.shape != y_pred.shape or y_pred.size == 0 or y_true.dtype.kind not in "biuf":
        return NotImplemented
    params = _parameters(loss, dtype)
    prepared = _weights(weights, y_pred.shape, dtype)
    if params is None or prepared is None:
        return NotImplemented
    w, weight_sum = prepared
    pred = _contiguous(y_pred, dtype).reshape(-1)
    true = _contiguous(y_true, dtype).reshape(-1)
    result = _fresh(y_pred.shape, dtype) if out is None else out
    order, want_value, values = _plan(op, reduction, y_pred.shape, dtype)
    divisor = weight_sum if reduction == "mean" else 1.0
    sums = np.zeros((-(-pred.size // elementwise.CHUNK), 4))
    kernel = elementwise.KERNELS[loss.name]
    kernel(
        pred,
        true,
        w,
        *params,
        order,
        want_value,
        divisor,
        result.reshape(-1),
        values.reshape(-1),
        sums,
    )
    if np.sum(sums[:, 1]) != 0 or (np.sum(sums[:, 2]) > 0 and np.sum(sums[:, 3]) > 0):
        # Bad input: the plain path finds it again and raises its error.
        return NotImplemented
    return _finish(op, sums, reduction, weight_sum, dtype, result, values)


def _cross_entropy(
    loss: Any, op: str, y_pred: np.ndarray, y_true: np.ndarray, weights: Any, reduction: str, out
) -> Any:
    rows = _kernels[1]
    params = loss.params
    if params["class_weights"] is not None or params["label_smoothing"] != 0.0:
        return NotImplemented
    if y_pred.ndim == 0 or y_pred.size == 0 or y_true.ndim != y_pred.ndim - 1:
        return NotImplemented
    if y_true.shape != y_pred.shape[:-1] or y_true.dtype.kind not in "iu":
        return NotImplemented
    dtype = y_pred.dtype
    example_shape = y_pred.shape[:-1]
    prepared = _weights(weights, example_shape, dtype)
    if prepared is None:
        return NotImplemented
    w, _ = prepared
    n_classes = y_pred.shape[-1]
    labels = _contiguous(y_true, np.int64).reshape(-1)
    ignore_index = int(params["ignore_index"])
    label_sums = np.zeros((-(-labels.size // rows.ROWS_PER_CHUNK), 2))
    rows.label_totals(labels, w, n_classes, ignore_index, label_sums)
    normalizer = float(np.sum(label_sums[:, 0]))
    if np.sum(label_sums[:, 1]) != 0 or (reduction == "mean" and not normalizer > 0):
        return NotImplemented
    pred = _contiguous(y_pred, dtype).reshape(-1, n_classes)
    result = _fresh(y_pred.shape, dtype) if out is None else out
    order, want_value, values = _plan(op, reduction, example_shape, dtype)
    divisor = normalizer if reduction == "mean" else 1.0
    sums = np.zeros((label_sums.shape[0], 4))
    rows.cross_entropy(
        pred,
        labels,
        w,
        ignore_index,
        order,
        want_value,
        divisor,
        result.reshape(-1, n_classes),
        values.reshape(-1),
        sums,
    )
    if np.sum(sums[:, 1]) != 0:
        return NotImplemented
    return _finish(op, sums, reduction, normalizer, dtype, result, values)


def _kl_div(
    op: str, y_pred: np.ndarray, y_true: np.ndarray, weights: Any, reduction: str, out: Any
) -> Any:
    rows = _kernels[1]
    if y_pred.ndim == 0 or y_pred.size == 0 or y_true.shape != y_pred.shape:
        return NotImplemented
    if y_true.dtype.kind not in "biuf":
        return NotImplemented
    dtype = y_pred.dtype
    example_shape = y_pred.shape[:-1]
    prepared = _weights(weights, example_shape, dtype)
    if prepared is None:
        return NotImplemented
    w, weight_sum = prepared
    n_classes = y_pred.shape[-1]
    pred = _contiguous(y_pred, dtype).reshape(-1, n_classes)
    true = _contiguous(y_true, dtype).reshape(-1, n_classes)
    result = _fresh(y_pred.shape, dtype) if out is None else out
    order, want_value, values = _plan(op, reduction, example_shape, dtype)
    divisor = weight_sum if reduction == "mean" else 1.0
    sums = np.zeros((-(-pred.shape[0] // rows.ROWS_PER_CHUNK), 4))
    rows.kl_div(
        pred,
        true,
        w,
        order,
        want_value,
        divisor,
        result.reshape(-1, n_classes),
        values.reshape(-1),
        sums,
    )
    # The plain path's tolerance on the row sums, in the same dtype-dependent form.
    tolerance = 1e-6 if dtype == np.float64 else 1e-3
    if np.sum(sums[:, 1]) != 0 or np.max(sums[:, 2]) > tolerance:
        return NotImplemented
    return _finish(op, sums, reduction, weight_sum, dtype, result, values)

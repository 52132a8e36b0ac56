"""The fast path: fused one-pass kernels for NumPy float32/float64 inputs.

:class:`~losslab.losses.Loss` sends ``grad``, ``hess`` and ``value_and_grad``
here first. :func:`dispatch` runs the numba kernel compiled from the loss's
own definition (:mod:`losslab._kernels`) when it applies and returns
``NotImplemented`` otherwise, so the caller falls back to the plain path,
which is the reference. It applies to catalogue losses on NumPy arrays of
float32 or float64 ``y_pred`` (``y_true`` is cast to that dtype, as the plain
path does), with or without ``weights``, every reduction; for the softmax
losses to integer labels or probability rows when the definition's targets
need no more (``cross_entropy`` without ``class_weights`` or
``label_smoothing``); when numba is installed and :func:`losslab.config.fused_mode`
allows it: ``"always"``, or ``"auto"`` (the default) for inputs of at least the
loss's crossover size (:mod:`losslab.losses._crossover`), below which the plain
path is the quicker answer and numba is not even imported.

Validation stays one pass over the data: the kernel flags NaN, inf and
out-of-domain values as it goes, and when a flag is set the plain path runs
instead and raises its usual error. Shape, size and weight errors come from
the plain path too, so both paths fail alike. A mean whose sum overflows is
left to the plain path, which scales it.

Memory: without ``out=`` one array the shape of ``y_pred`` is allocated (the
gradient), plus the per-example losses for ``reduction="none"``; with ``out=``
none. Inputs that are not C-contiguous, weights that need broadcasting and a
``y_true`` of another dtype are copied first.

Agreement with the plain path: both evaluate the same element functions in
float64 and round once to the input dtype; only the exp/log implementations
(:mod:`losslab._kernels.scalar_math` against libm, a few ulp apart) and the
summation order differ. The tests hold float64 to rtol 1e-12 and float32 to
1e-5 (in practice one float32 ulp).
"""

from __future__ import annotations

import ctypes
import math
import threading
import weakref
from typing import Any

import numpy as np

from losslab import config
from losslab._array import namespace
from losslab.losses._crossover import fused_from
from losslab.losses._define import Elementwise, SoftmaxRows
from losslab.losses.batch import check_reduction, prepare_weights, row_sum_tolerance

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


def has_kernel(definition: Any, params: Any) -> bool:
    """Whether ``definition`` at ``params`` has a fused kernel.

    Elementwise losses all have one; softmax-row losses when the row kernel
    covers their options.
    """
    return issubclass(definition, Elementwise) or (
        issubclass(definition, SoftmaxRows) and definition.fused(params)
    )


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
    mode = config.fused_mode()
    if mode == "off" or not isinstance(y_pred, np.ndarray):
        return NotImplemented
    if y_pred.dtype.kind in "biu":
        # As the plain path does; both then share the float64 kernel and agree exactly.
        y_pred = y_pred.astype(np.float64)
    if y_pred.dtype not in _FLOATS or not isinstance(y_true, np.ndarray):
        return NotImplemented
    if weights is not None and not isinstance(weights, np.ndarray):
        return NotImplemented
    definition = getattr(loss, "definition", None)
    if definition is None:
        return NotImplemented
    if mode == "auto" and y_pred.size < fused_from(definition.name, y_pred.dtype):
        return NotImplemented
    if _load() is None:
        return NotImplemented
    check_reduction(reduction)
    if out is not None:
        check_out(out, y_pred.shape, y_pred.dtype, y_pred, y_true, weights)
    if not has_kernel(definition, loss.params):
        return NotImplemented
    parallel = y_pred.size >= config.SERIAL_BELOW
    if issubclass(definition, Elementwise):
        return _elementwise(loss, op, y_pred, y_true, weights, reduction, out, parallel)
    return _rows(loss, op, y_pred, y_true, weights, reduction, out, parallel)


def _fresh(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """A new array for a kernel to write: recycled memory when large (see :class:`_Recycler`)."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < _Recycler.SMALLEST:
        return np.empty(shape, dtype=dtype)
    return _RECYCLER.array(shape, dtype, nbytes)


class _Recycler:
    """Large result arrays backed by memory that returns here when the caller lets go of it.

    A large new array is fresh memory from the OS: every page is mapped, and zeroed,
    on its first write, a pass as long as the kernel's own (and worse when the kernel's
    threads fault together: a parallel triad into a new 10^7-element float32 array took
    38 ms, 5 ms after a one-thread ``fill``, 2.5 ms into reused memory, on the benchmark
    machine). A training loop asks for a gradient of the same size every step and drops
    the last one, so the pages it just let go of are recycled instead. The array handed
    out views a ctypes block over pooled memory; NumPy keeps that block alive while any
    view of the array lives, and when the last one goes, a finalizer returns the memory
    here. At most :data:`KEEP` blocks per size and :data:`BUDGET` bytes in all wait here.
    """

    SMALLEST = 1 << 20
    KEEP = 2
    BUDGET = 1 << 29

    def __init__(self) -> None:
        self._free: dict[int, list[np.ndarray]] = {}
        self._lock = threading.Lock()

    def array(self, shape: tuple[int, ...], dtype: np.dtype, nbytes: int) -> np.ndarray:
        with self._lock:
            blocks = self._free.get(nbytes)
            raw = blocks.pop() if blocks else None
        if raw is None:
            raw = np.empty(nbytes, dtype=np.uint8)
            raw.fill(0)  # fault the pages in on one thread (see above)
        block = (ctypes.c_char * nbytes).from_address(raw.ctypes.data)
        block.memory = raw  # type: ignore[attr-defined]
        weakref.finalize(block, self._release, raw)
        return np.frombuffer(block, dtype=dtype).reshape(shape)

    def _release(self, raw: np.ndarray) -> None:
        with self._lock:
            blocks = self._free.setdefault(raw.nbytes, [])
            waiting = sum(b.nbytes for bs in self._free.values() for b in bs)
            if len(blocks) < self.KEEP and waiting + raw.nbytes <= self.BUDGET:
                blocks.append(raw)


_RECYCLER = _Recycler()


def _finish(
    op: str, sums: np.ndarray, reduction: str, normalizer: float, dtype: Any, out: Any, values: Any
) -> Any:
    if op != "value_and_grad":
        return out
    if reduction == "none":
        return values, out
    total = float(np.sum(sums[:, 0]))
    if reduction == "mean":
        if not math.isfinite(total):
            return NotImplemented  # the plain path scales a sum that overflowed
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
    weights: Any, example_shape: tuple[int, ...], dtype: Any, reduction: str
) -> tuple[np.ndarray, float] | None:
    """Weights flattened to the examples with their sum; None when the plain path must judge.

    The sum is taken in float64, as the plain path takes it; for a mean it is
    a normal float64 whose reciprocal is normal too (``prepare_weights``).
    """
    if weights is None:
        return np.empty(0, dtype=dtype), float(max(math.prod(example_shape), 1))
    try:
        w, total = prepare_weights(
            namespace(weights), weights, example_shape, np.float64, mean=reduction == "mean"
        )
    except (TypeError, ValueError):
        # The plain path reports errors in its own order (y_pred first), so let it raise.
        return None
    return _contiguous(w, dtype).reshape(-1), float(total)


def _elementwise(
    loss: Any, op: str, y_pred: np.ndarray, y_true: np.ndarray, weights: Any, reduction: str, out,
    parallel: bool,
) -> Any:  # fmt: skip
    definition = loss.definition
    dtype = y_pred.dtype
    if y_true.shape != y_pred.shape or y_pred.size == 0 or y_true.dtype.kind not in "biuf":
        return NotImplemented
    prepared = _weights(weights, y_pred.shape, dtype, reduction)
    if prepared is None:
        return NotImplemented
    w, weight_sum = prepared
    kernel = _kernels[0].kernel(
        definition, definition.variant(loss.params), dtype, parallel=parallel
    )
    pred = _contiguous(y_pred, dtype).reshape(-1)
    true = _contiguous(y_true, dtype).reshape(-1)
    result = _fresh(y_pred.shape, dtype) if out is None else out
    order, want_value, values = _plan(op, reduction, y_pred.shape, dtype)
    divisor = weight_sum if reduction == "mean" else 1.0
    sums = np.zeros((-(-pred.size // _kernels[0].CHUNK), 4))
    kernel(
        pred,
        true,
        w,
        definition.arguments(loss.params, float(np.finfo(dtype).eps)),
        order,
        want_value,
        1.0 / divisor,
        result.reshape(-1),
        values.reshape(-1),
        sums,
    )
    if np.sum(sums[:, 1]) != 0 or (np.sum(sums[:, 2]) > 0 and np.sum(sums[:, 3]) > 0):
        # Bad input: the plain path finds it again and raises its error.
        return NotImplemented
    return _finish(op, sums, reduction, weight_sum, dtype, result, values)


def _rows(
    loss: Any, op: str, y_pred: np.ndarray, y_true: np.ndarray, weights: Any, reduction: str, out,
    parallel: bool,
) -> Any:  # fmt: skip
    rows = _kernels[1]
    definition = loss.definition
    if y_pred.ndim == 0 or y_pred.size == 0:
        return NotImplemented
    labels = definition.labels_allowed and y_true.ndim == y_pred.ndim - 1
    if labels and (y_true.shape != y_pred.shape[:-1] or y_true.dtype.kind not in "iu"):
        return NotImplemented
    if not labels and (y_true.shape != y_pred.shape or y_true.dtype.kind not in "biuf"):
        return NotImplemented
    dtype = y_pred.dtype
    example_shape = y_pred.shape[:-1]
    prepared = _weights(weights, example_shape, dtype, reduction)
    if prepared is None:
        return NotImplemented
    w, normalizer = prepared
    n_classes = y_pred.shape[-1]
    ignore_index = definition.ignore_index(loss.params)
    ignore_index = -1 if ignore_index is None else int(ignore_index)
    if labels:
        target = _contiguous(y_true, np.int64).reshape(-1)
        label_sums = np.zeros((-(-target.size // rows.ROWS_PER_CHUNK), 2))
        rows.label_totals(dtype, parallel=parallel)(target, w, n_classes, ignore_index, label_sums)
        normalizer = float(np.sum(label_sums[:, 0]))
        if np.sum(label_sums[:, 1]) != 0 or (reduction == "mean" and not normalizer > 0):
            return NotImplemented
    else:
        target = _contiguous(y_true, dtype).reshape(-1, n_classes)
    pred = _contiguous(y_pred, dtype).reshape(-1, n_classes)
    result = _fresh(y_pred.shape, dtype) if out is None else out
    order, want_value, values = _plan(op, reduction, example_shape, dtype)
    divisor = normalizer if reduction == "mean" else 1.0
    sums = np.zeros((-(-pred.shape[0] // rows.ROWS_PER_CHUNK), 4))
    rows.kernel(definition, labels, dtype, parallel=parallel)(
        pred,
        target,
        w,
        ignore_index,
        order,
        want_value,
        divisor,
        result.reshape(-1, n_classes),
        values.reshape(-1),
        sums,
    )
    tolerance = row_sum_tolerance(dtype == np.float64)
    if np.sum(sums[:, 1]) != 0 or (not labels and np.max(sums[:, 2]) > tolerance):
        return NotImplemented
    return _finish(op, sums, reduction, normalizer, dtype, result, values)

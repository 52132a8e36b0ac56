"""Input checks and reductions shared by every loss: the kit for writing one.

A loss function starts with :func:`prepare` (or :func:`prepare_rows` for
losses on rows of logits), which validates and converts its arguments into a
:class:`Batch`; it ends with ``batch.value(per_example)`` for the loss or
``batch.derivative(per_element)`` for its gradient and Hessian. So the rules
"weighted mean divides by the sum of weights", "an example of weight 0
contributes nothing" and "a shape mismatch names both shapes" are written
once, here. The catalogue (:mod:`losslab.losses`) and the custom losses
(:mod:`losslab.custom`) are both written with it.

Precision: a batch holds its arrays in float64 where the array library and
device have it (:func:`working_dtype`), whatever the input's float dtype,
and ``value``/``derivative`` round the result once to the input's dtype
(``batch.dtype``). So float32 input gets float32 output computed in float64.

Example:
    >>> b = prepare([1.0, 3.0], [0.0, 0.0], None, "mean")
    >>> float(b.value((b.y_pred - b.y_true) ** 2))
    5.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
from array_api_compat import device as _device

from losslab._array import Array, is_numpy, namespace

__all__ = [
    "REDUCTIONS",
    "Batch",
    "Domain",
    "Reduction",
    "as_array",
    "as_float",
    "check_domain",
    "check_finite",
    "check_positive",
    "check_range",
    "check_reduction",
    "namespace_of",
    "prepare",
    "prepare_rows",
    "prepare_weights",
    "row_sum_tolerance",
    "size",
    "working_dtype",
]

Reduction = Literal["mean", "sum", "none"]
REDUCTIONS: tuple[str, ...] = get_args(Reduction)

Domain = Literal["real", "nonnegative", "probability", "binary", "signed_binary", "positive"]


@dataclass(frozen=True)
class Batch:
    """Validated inputs of one loss evaluation.

    Attributes:
        xp: the array namespace of the inputs.
        y_pred: predictions, in the working dtype (float64 where available).
        y_true: targets, in the working dtype (integer for class labels).
        weights: per-example weights broadcast to ``example_shape``, or None.
        reduction: "mean", "sum" or "none".
        normalizer: what "mean" divides by: the sum of weights, or the count.
        event_ndim: trailing axes of ``y_pred`` that belong to one example
            (1 for a row of logits, 0 for elementwise losses).
        dtype: the float dtype of ``y_pred`` as given, that of every result.
    """

    xp: Any
    y_pred: Array
    y_true: Array
    weights: Array | None
    reduction: Reduction
    normalizer: Any
    event_ndim: int = 0
    dtype: Any = None

    def weigh(self, values: Array) -> Array:
        """Multiply ``values`` (per example, or per element of ``y_pred``) by the weights.

        An example of weight 0 contributes exactly 0, even where its loss is
        infinite.
        """
        if self.weights is None:
            return values
        w = self.weights
        for _ in range(values.ndim - w.ndim):
            w = self.xp.expand_dims(w, axis=-1)
        return self.xp.where(w == 0.0, self.xp.zeros_like(values), values * w)

    def reduce(self, terms: Array) -> Array:
        """Apply the reduction to per-example terms already multiplied by their weights.

        A mean whose sum overflows while the terms are finite is computed
        again with the terms scaled down, so it is inf only when the mean is.
        """
        if self.reduction == "none":
            return self._output(terms)
        xp = self.xp
        total = xp.sum(terms)
        if self.reduction == "mean":
            mean = total / self.normalizer
            if not bool(xp.isfinite(total)) and bool(xp.all(xp.isfinite(terms))):
                top = xp.max(xp.abs(terms))
                mean = top * (xp.sum(terms / top) / self.normalizer)
            total = mean
        return self._output(total)

    def scale(self, terms: Array) -> Array:
        """Scale per-element derivative terms (already weighted) as the reduction requires."""
        return self._output(terms / self.normalizer if self.reduction == "mean" else terms)

    def value(self, per_example: Array) -> Array:
        """The reduced loss from unweighted per-example losses."""
        return self.reduce(self.weigh(per_example))

    def derivative(self, per_element: Array) -> Array:
        """The gradient (or Hessian diagonal) from unweighted per-example derivatives."""
        return self.scale(self.weigh(per_element))

    def _output(self, result: Array) -> Array:
        if self.dtype is None or result.dtype == self.dtype:
            return result
        return self.xp.astype(result, self.dtype)


def working_dtype(xp: Any, dtype: Any, like: Array) -> Any:
    """float64 where namespace ``xp`` has it on the device of ``like``, else ``dtype``.

    Losses compute in float64 and round once to the input dtype; a library or
    device without float64 (Apple's MPS, JAX without x64) computes in ``dtype``.
    """
    if is_numpy(xp):
        return np.float64
    try:
        info = xp.__array_namespace_info__()
        available = info.dtypes(device=_device(like), kind="real floating")
    except (AttributeError, TypeError, ValueError):
        return dtype
    return available.get("float64", dtype)


def check_reduction(reduction: object) -> None:
    """Raise ValueError unless ``reduction`` is "mean", "sum" or "none"."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction={reduction!r} must be one of 'mean', 'sum', 'none'")


def namespace_of(**arrays: Any) -> Any:
    """The array-API namespace the named arrays share (None, lists and numbers go with any).

    Raises:
        TypeError: Arrays of different libraries (a torch ``y_pred`` with a
            NumPy ``y_true``), naming each argument and its type.

    Example:
        >>> namespace_of(y_pred=np.zeros(2), y_true=[0.0, 1.0]).__name__
        'numpy'
    """
    try:
        return namespace(*arrays.values())
    except TypeError:
        kinds = {
            name: f"{type(a).__module__.partition('.')[0]}.{type(a).__name__}"
            for name, a in arrays.items()
            if a is not None and not isinstance(a, (list, tuple, int, float, complex, bool))
        }
        first, library = next(iter(kinds.items()))
        others = [name for name, kind in kinds.items() if kind != library]
        described = ", ".join(f"{name} is a {kind}" for name, kind in kinds.items())
        if library.startswith("torch"):
            hint = f" (torch.as_tensor({others[0]}, device={first}.device))"
        elif library.startswith("numpy"):
            hint = f" (a torch tensor: {others[0]}.detach().cpu().numpy())"
        else:
            hint = ""
        raise TypeError(
            f"{first} and {', '.join(others)} must be arrays of one library, but {described}; "
            f"convert {', '.join(others)} to the library of {first}{hint}"
        ) from None


def as_array(xp: Any, x: Any, name: str) -> Array:
    """Convert ``x`` to an array of namespace ``xp``, refusing non-numeric data."""
    if x is None:
        raise TypeError(f"{name} must be an array, got None")
    try:
        arr = xp.asarray(x)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array, got {type(x).__name__}: {exc}") from exc
    if not _is_numeric(xp, arr):
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    return arr


def _is_numeric(xp: Any, arr: Array) -> bool:
    if isinstance(arr, np.ndarray):
        return arr.dtype.kind in "biuf"
    return xp.isdtype(arr.dtype, ("bool", "integral", "real floating"))


def _is_floating(xp: Any, arr: Array) -> bool:
    return xp.isdtype(arr.dtype, "real floating")


def as_float(xp: Any, x: Array, name: str, dtype: Any = None) -> Array:
    """Cast ``x`` to ``dtype``, or to float64 when it is not floating point already."""
    if dtype is None:
        dtype = x.dtype if _is_floating(xp, x) else xp.float64
    if x.dtype != dtype:
        x = xp.astype(x, dtype)
    return x


def size(x: Array) -> int:
    """Number of elements of ``x`` (array-API arrays may not define ``.size``)."""
    return math.prod(x.shape)


def check_finite(xp: Any, x: Array, name: str) -> None:
    """Raise ValueError if ``x`` holds NaN or inf, saying how many and where the first is."""
    finite = xp.isfinite(x)
    if bool(xp.all(finite)):
        return
    bad = int(xp.sum(xp.astype(~finite, xp.int64)))
    first = ""
    if isinstance(x, np.ndarray):
        index = tuple(int(i) for i in np.argwhere(~np.asarray(finite))[0])
        first = f"; the first is {float(x[index])} at index {index if len(index) > 1 else index[0]}"
    raise ValueError(f"{name} must be finite, found {bad} NaN or inf value(s){first}")


def check_domain(xp: Any, x: Array, name: str, domain: Domain) -> None:
    """Raise ValueError if ``x`` falls outside ``domain``, naming the offending value."""
    if domain == "real":
        return
    low, high = float(xp.min(x)), float(xp.max(x))
    if domain == "nonnegative" and low < 0:
        raise ValueError(f"{name} must be non-negative, got a value of {low}")
    if domain == "positive" and low <= 0:
        raise ValueError(f"{name} must be positive, got a value of {low}")
    if domain == "probability" and (low < 0 or high > 1):
        bad = low if low < 0 else high
        raise ValueError(f"{name} must be probabilities in [0, 1], got a value of {bad}")
    if domain in ("binary", "signed_binary"):
        zero_one = bool(xp.all((x == 0.0) | (x == 1.0)))
        plus_minus = domain == "signed_binary" and bool(xp.all((x == -1.0) | (x == 1.0)))
        if not (zero_one or plus_minus):
            labels = "0 or 1" if domain == "binary" else "0/1 or -1/+1 (one convention)"
            odd = (x != 0.0) & (x != 1.0) & (x != -1.0)
            bad = x[odd][0] if bool(xp.any(odd)) else low
            raise ValueError(
                f"{name} must hold binary labels {labels}, got a value of {float(bad)}"
            )


_NORMAL = (2.0**-1022, 2.0**1022)
"""Sums of weights whose reciprocal is a normal float64 too (the fused kernels multiply by it)."""


def prepare_weights(
    xp: Any, weights: Any, example_shape: tuple[int, ...], dtype: Any, *, mean: bool = False
) -> tuple[Array | None, Any]:
    """Validate ``weights`` and return them broadcast to ``example_shape`` with their sum.

    Without weights the sum is the number of examples. For a weighted mean
    (``mean=True``), which scaling all weights leaves unchanged, weights
    whose sum is not a normal float (it overflows, or is subnormal) are
    scaled by a power of two, exactly, so that their largest is about 1.
    """
    if weights is None:
        return None, float(max(math.prod(example_shape), 1))
    w = as_float(xp, as_array(xp, weights, "weights"), "weights", dtype)
    try:
        shape = tuple(np.broadcast_shapes(tuple(w.shape), example_shape))
    except ValueError:
        shape = None
    if shape != example_shape:
        raise ValueError(
            f"weights of shape {tuple(w.shape)} cannot broadcast to the per-example loss "
            f"shape {example_shape}"
        )
    check_finite(xp, w, "weights")
    low = float(xp.min(w)) if size(w) else 0.0
    if low < 0:
        raise ValueError(f"weights must be non-negative, got a value of {low}")
    w = xp.broadcast_to(w, example_shape)
    with np.errstate(over="ignore"):  # an overflowing sum is handled below
        total = xp.sum(w)
    if not float(total) > 0:
        raise ValueError("weights must not all be zero (the weighted mean would divide by zero)")
    if mean and not _NORMAL[0] <= float(total) <= _NORMAL[1]:
        # Two factors, as 2^-e alone may not be a float (e = -1070 for tiny weights).
        e = math.frexp(float(xp.max(w)))[1]
        w = w * math.ldexp(1.0, -(e // 2)) * math.ldexp(1.0, e // 2 - e)
        total = xp.sum(w)
    return w, total


def prepare(
    y_pred: Any,
    y_true: Any,
    weights: Any,
    reduction: object,
    *,
    pred_domain: Domain = "real",
    true_domain: Domain = "real",
) -> Batch:
    """Validate the arguments of an elementwise loss and return them as a :class:`Batch`.

    ``y_pred`` and ``y_true`` must have the same shape; ``y_pred`` is made
    floating point (float64 from integers, other float dtypes kept) and
    ``y_true`` takes its dtype.
    """
    check_reduction(reduction)
    xp = namespace_of(y_pred=y_pred, y_true=y_true, weights=weights)
    pred = as_float(xp, as_array(xp, y_pred, "y_pred"), "y_pred")
    true = as_float(xp, as_array(xp, y_true, "y_true"), "y_true", pred.dtype)
    if tuple(pred.shape) != tuple(true.shape):
        raise ValueError(
            f"y_pred and y_true must have the same shape, got {tuple(pred.shape)} "
            f"and {tuple(true.shape)}"
        )
    if size(pred) == 0:
        raise ValueError(f"y_pred and y_true must not be empty, got shape {tuple(pred.shape)}")
    for arr, name, domain in ((pred, "y_pred", pred_domain), (true, "y_true", true_domain)):
        check_finite(xp, arr, name)
        check_domain(xp, arr, name, domain)
    work = working_dtype(xp, pred.dtype, pred)
    w, normalizer = prepare_weights(xp, weights, tuple(pred.shape), work, mean=reduction == "mean")
    return Batch(
        xp,
        as_float(xp, pred, "y_pred", work),
        as_float(xp, true, "y_true", work),
        w,
        reduction,  # type: ignore[arg-type]
        normalizer,
        dtype=pred.dtype,
    )


def check_positive(value: Any, name: str) -> float:
    """Raise ValueError unless ``value`` is a finite number > 0."""
    return check_range(value, name, low=0.0, low_open=True)


def check_range(
    value: Any,
    name: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
    allow_inf: bool = False,
) -> float:
    """Raise TypeError/ValueError unless ``value`` is a real number in the stated interval."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    v = float(value)
    if math.isnan(v) or (math.isinf(v) and not allow_inf):
        raise ValueError(f"{name} must be finite, got {v}")
    too_low = v <= low if low_open else v < low
    too_high = v >= high if high_open else v > high
    if too_low or too_high:
        if low == 0.0 and low_open and high == math.inf:
            raise ValueError(f"{name} must be > 0, got {v}")
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise ValueError(f"{name} must be in {left}{low}, {high}{right}, got {v}")
    return v


def row_sum_tolerance(float64: bool) -> float:
    """How far a probability row's sum may be from 1: rows written to four decimals pass.

    1e-4 (and a hair, for the rounding of the sum itself) in float64; 1e-3 in
    float32, whose rows of many classes cannot sum closer.
    """
    return 1.0001e-4 if float64 else 1e-3


def prepare_rows(
    y_pred: Any,
    y_true: Any,
    weights: Any,
    reduction: object,
    *,
    labels_allowed: bool,
    ignore_index: int | None = None,
) -> tuple[Batch, bool]:
    """Validate the arguments of a loss on rows of logits.

    Returns the batch and whether ``y_true`` holds integer labels (else rows
    of probabilities).

    ``y_pred`` has shape ``(..., K)``. ``y_true`` is either labels of shape
    ``(...)`` with values in ``0..K-1`` (or ``ignore_index``), or probability
    rows of shape ``(..., K)`` that each sum to 1. One example is one row, so
    ``weights`` broadcast to ``(...)``.
    """
    check_reduction(reduction)
    xp = namespace_of(y_pred=y_pred, y_true=y_true, weights=weights)
    pred = as_float(xp, as_array(xp, y_pred, "y_pred"), "y_pred")
    true = as_array(xp, y_true, "y_true")
    if pred.ndim == 0:
        raise ValueError("y_pred must have a trailing axis of class logits, got a 0-d array")
    if size(pred) == 0:
        raise ValueError(f"y_pred must not be empty, got shape {tuple(pred.shape)}")
    check_finite(xp, pred, "y_pred")
    n_classes = pred.shape[-1]
    example_shape = tuple(pred.shape[:-1])
    if labels_allowed and true.ndim == pred.ndim - 1:
        labels = True
        if tuple(true.shape) != example_shape:
            raise ValueError(
                f"y_true labels must have shape y_pred.shape[:-1] = {example_shape}, "
                f"got {tuple(true.shape)}"
            )
        true = _as_labels(xp, true)
        valid = true != ignore_index if ignore_index is not None else true == true
        outside = valid & ((true < 0) | (true >= n_classes))
        if bool(xp.any(outside)):
            bad = int(true[outside][0])
            raise ValueError(
                f"y_true holds label {bad}, outside the classes 0..{n_classes - 1}"
                + (f" (and not ignore_index={ignore_index})" if ignore_index is not None else "")
            )
    else:
        labels = False
        if tuple(true.shape) != tuple(pred.shape):
            what = "labels of shape y_pred.shape[:-1] or " if labels_allowed else ""
            raise ValueError(
                f"y_true must be {what}probability rows of the shape of y_pred "
                f"{tuple(pred.shape)}, got {tuple(true.shape)}"
            )
        true = as_float(xp, true, "y_true", pred.dtype)
        check_finite(xp, true, "y_true")
        check_domain(xp, true, "y_true", "probability")
        sums = xp.sum(true, axis=-1)
        off = xp.abs(sums - 1.0)
        if float(xp.max(off)) > row_sum_tolerance(pred.dtype == xp.float64):
            worst = int(xp.argmax(xp.reshape(off, (-1,))))
            index = tuple(int(i) for i in np.unravel_index(worst, tuple(sums.shape)))
            where = index[0] if len(index) == 1 else index
            total = float(xp.reshape(sums, (-1,))[worst])
            raise ValueError(
                f"y_true rows must be probabilities summing to 1; row {where} sums to {total:.6g}"
            )
    work = working_dtype(xp, pred.dtype, pred)
    w, normalizer = prepare_weights(xp, weights, example_shape, work, mean=reduction == "mean")
    if not labels:
        true = as_float(xp, true, "y_true", work)
    batch = Batch(
        xp,
        as_float(xp, pred, "y_pred", work),
        true,
        w,
        reduction,  # type: ignore[arg-type]
        normalizer,
        event_ndim=1,
        dtype=pred.dtype,
    )
    return batch, labels


def _as_labels(xp: Any, true: Array) -> Array:
    if xp.isdtype(true.dtype, "integral"):
        return true
    if xp.isdtype(true.dtype, "bool"):
        return xp.astype(true, xp.int64)
    if xp.isdtype(true.dtype, "real floating"):
        check_finite(xp, true, "y_true")
        if bool(xp.any(xp.round(true) != true)):
            raise ValueError("y_true labels must be whole numbers, got a fractional value")
        return xp.astype(true, xp.int64)
    raise TypeError(f"y_true labels must be integers, got dtype {true.dtype}")

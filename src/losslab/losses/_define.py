"""A loss written once: its definition class, and everything derived from it.

A catalogue loss is a subclass of :class:`Elementwise` (a function of one
prediction and one target) or :class:`SoftmaxRows` (a function of a row of
logits through the softmax), holding

- its registry entry: ``name``, ``task``, ``link`` (:mod:`losslab.links`),
  ``params`` (:class:`Param`: default and range), ``summary``, and the
  domains of ``y_pred`` and ``y_true``;
- its mathematics, once: ``value``, ``grad`` and ``hess`` of one element,
  written in the vocabulary of :mod:`losslab._math` (``m.exp``, ``m.where``...).

:func:`losslab.losses._registry.register` turns a definition into the public
functions ``huber(y_pred, y_true, *, delta=1.0, weights=None,
reduction="mean")``, ``huber_grad`` and ``huber_hess``; the plain path binds
the element functions to the arrays' namespace (:func:`evaluate`), the fused
path and the landscape grid kernels compile the same functions with numba
(:mod:`losslab._kernels`). Adding an elementwise loss is therefore one class,
one ``register`` line, its export and one row in the tests' table of cases.

Inputs are computed in float64 where the array library and device have it
(float32 in, float32 out, but float64 inside): the plain path is the
reference, correctly rounded to the input dtype almost everywhere.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from array_api_compat import device

from losslab._array import Array, softmax_parts
from losslab._math import array_math, bind
from losslab.links import Link
from losslab.losses._properties import (
    Properties,
    broadcast_weights,
    minimise_constant,
    weighted_quantiles,
)
from losslab.losses.batch import (
    Batch,
    Domain,
    as_array,
    as_float,
    check_domain,
    check_finite,
    check_range,
    namespace_of,
    prepare,
    prepare_rows,
    prepare_weights,
)

__all__ = [
    "Definition",
    "Elementwise",
    "Param",
    "Rows",
    "SoftmaxRows",
    "Task",
    "Whole",
    "evaluate",
]

Task = Literal[
    "regression", "binary", "multiclass", "distribution", "ordinal", "ranking", "segmentation"
]
"""What a loss is for. The first three train on losslab's datasets; the others are
losses of rows or batches (a predicted distribution, ordinal thresholds, a ranked
list, a segmentation mask) used through their functions and ``hvp``."""
Which = Literal["value", "grad", "hess"]


@dataclass(frozen=True)
class Param:
    """A loss parameter: its default and the range it must lie in.

    ``check`` replaces the range check for parameters that are not real
    numbers (class weights, an index); it returns the normalised value.
    ``optional`` lets ``None`` through (a feature switched off).
    """

    name: str
    default: Any
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    allow_inf: bool = False
    optional: bool = False
    check: Callable[[Any], Any] | None = None

    def validate(self, value: Any) -> Any:
        """``value`` checked against the range, or the custom check's result.

        Raises:
            TypeError: Not a real number.
            ValueError: Outside the range, naming the parameter.
        """
        if value is None and self.optional:
            return None
        if self.check is not None:
            return self.check(value)
        check_range(
            value,
            self.name,
            low=self.low,
            high=self.high,
            low_open=self.low_open,
            high_open=self.high_open,
            allow_inf=self.allow_inf,
        )
        return value  # as given, so a loss's repr shows what the user wrote


def positive(name: str, default: float) -> Param:
    """A parameter that must be a finite number > 0."""
    return Param(name, default, low=0.0, low_open=True)


class Definition:
    """What every catalogue loss declares (see :class:`Elementwise` and :class:`SoftmaxRows`)."""

    name: ClassVar[str]
    task: ClassVar[Task]
    link: ClassVar[Link]
    summary: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """The parameters with their defaults."""
        return {p.name: p.default for p in cls.params}

    @classmethod
    def bind_params(cls, params: Mapping[str, Any]) -> dict[str, Any]:
        """Every parameter, from ``params`` or its default, validated.

        Raises:
            TypeError: A parameter the loss does not have, or of the wrong type.
            ValueError: A value out of range, naming the parameter.
        """
        known = cls.defaults()
        unknown = sorted(set(params) - set(known))
        if unknown:
            allowed = ", ".join(known) or "none"
            raise TypeError(
                f"loss {cls.name!r} has no parameter {unknown[0]!r}; its parameters: {allowed}"
            )
        bound = {**known, **params}
        return {p.name: p.validate(bound[p.name]) for p in cls.params}

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """The loss's mathematical properties at ``params`` (validated)."""
        raise NotImplementedError(f"loss {cls.name!r} states no properties")

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The constant ``y_pred`` (a number, or a row) minimising the weighted mean loss.

        Subclasses with a closed form (the mean, the median, the log-odds...)
        override this; the default minimises numerically from the weighted
        median of the targets, mapped through the link.
        """
        raise NotImplementedError(f"loss {cls.name!r} has no optimal constant")


class Elementwise(Definition):
    """A loss of one prediction ``p`` and one target ``t``, the same at every element.

    Subclasses define ``value``, ``grad`` and ``hess`` as static functions
    ``(p, t, *arguments)`` in the vocabulary of :mod:`losslab._math`, where
    ``arguments`` are the parameters in their declared order (override
    :meth:`arguments` to pass something else, such as a dtype's epsilon).
    A loss whose formula changes with a parameter (Barron's special cases)
    picks the class holding the right functions in :meth:`variant`.
    """

    pred_domain: ClassVar[Domain] = "real"
    true_domain: ClassVar[Domain] = "real"

    value: ClassVar[Callable[..., Any]]
    grad: ClassVar[Callable[..., Any]]
    hess: ClassVar[Callable[..., Any]]

    @classmethod
    def arguments(cls, params: Mapping[str, Any], eps: float) -> tuple[float, ...]:
        """The element functions' arguments after ``(p, t)``, from the bound parameters.

        ``eps`` is the machine epsilon of ``y_pred``'s dtype as given (a loss
        that clips, such as ``bce``, clips there).
        """
        return tuple(float(params[p.name]) for p in cls.params)

    @classmethod
    def variant(cls, params: Mapping[str, Any]) -> type[Elementwise]:
        """The class whose ``value``, ``grad`` and ``hess`` apply at these parameters."""
        return cls

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The constant minimising the weighted mean loss, numerically (see :class:`Definition`)."""
        t = np.asarray(y_true, dtype=np.float64)
        w = broadcast_weights(weights, t.shape)
        low, high = cls.link.interval

        def objective(c: np.ndarray) -> float:
            return float(evaluate(cls, "value", np.full(t.shape, c[0]), t, w, "mean", params))

        def gradient(c: np.ndarray) -> np.ndarray:
            grad = evaluate(cls, "grad", np.full(t.shape, c[0]), t, w, "mean", params)
            return np.array([np.sum(grad)])

        # Start from the best of the targets' quantiles (through the link): a non-convex
        # loss (Tukey, Welsch) has a local minimum near each cluster of targets.
        with np.errstate(divide="ignore", invalid="ignore"):
            candidates = [
                float(np.clip(cls.link.link(value), low, high))
                for value in weighted_quantiles(t, w, np.linspace(0.05, 0.95, 19))
            ]
        candidates = [c for c in candidates if math.isfinite(c)] or [0.0]
        start = min(candidates, key=lambda c: objective(np.array([c])))
        found = minimise_constant(objective, gradient, np.array([start]))
        best = found[0] if objective(found) <= objective(np.array([start])) else start
        return np.asarray(best)


class SoftmaxRows(Definition):
    """A loss of a row of logits z through p = softmax(z), against target weights a per class.

    With A = sum_c a_c, the loss of a row is sum_c ``term(a_c, log p_c)``
    and, when ``term`` is -a log p plus terms free of z (cross-entropy, KL),
    the gradient is A p - a and the Hessian A (diag p - p p^T): both shared,
    :func:`losslab._math.softmax_gradient` and :func:`losslab._math.softmax_hessian`.
    Subclasses define ``term`` in the vocabulary and :meth:`targets`.
    """

    labels_allowed: ClassVar[bool] = True

    term: ClassVar[Callable[..., Any]]

    @classmethod
    def targets(cls, batch: Batch, labels: bool, params: Mapping[str, Any]) -> tuple[Batch, Array]:
        """The target weights a of each logit, and the batch with its normaliser set."""
        raise NotImplementedError

    @classmethod
    def ignore_index(cls, params: Mapping[str, Any]) -> int | None:
        """The label that marks a row to leave out, or None."""
        return None

    @classmethod
    def read_true(cls, y_true: Any, params: Mapping[str, Any]) -> Any:
        """``y_true`` as labels or probability rows to check (``kl_div`` reads log targets)."""
        return y_true

    @classmethod
    def fused(cls, params: Mapping[str, Any]) -> bool:
        """Whether the fused kernels compute these targets: labels weigh 1, rows are themselves.

        Definitions whose :meth:`targets` do more (class weights, smoothing)
        answer False for those parameters, and the plain path runs.
        """
        return True


class Rows(Definition):
    """A loss of one row ``y_pred[..., :]`` against its target, written on whole arrays.

    For the losses whose row is not a softmax of logits with targets ``a``
    (multi-margin, sparsemax, PolyLoss, the Brier score, ordinal thresholds,
    a ranked list, a predicted mean and log-variance): subclasses define
    static functions of the array namespace ``xp``, the rows ``z`` of shape
    ``(..., K)`` (in float64 where available), the target ``t`` and the
    parameters in their declared order:

    - ``value(xp, z, t, *args)``: the loss of each row, shape ``(...)``;
    - ``grad(xp, z, t, *args)``: its gradient, ``(..., K)``;
    - ``hess(xp, z, t, *args)``: its Hessian blocks, ``(..., K, K)``.

    ``target`` says what ``y_true`` is (checked by :func:`prepare_row_targets`):

    - ``"classes"``: labels ``(...)`` in ``0..K-1``, or probability rows
      ``(..., K)``; ``t`` is always the probability rows (labels one-hot);
    - ``"ordinal"``: labels ``(...)`` in ``0..K`` (a row holds K thresholds);
      ``t`` the labels as integers;
    - ``"value"``: one real number per row, ``(...)``;
    - ``"relevance"``: non-negative grades ``(..., K)``, one per entry.

    These losses take the plain path only (the benchmark says so).
    """

    target: ClassVar[Literal["classes", "ordinal", "value", "relevance"]] = "classes"

    value: ClassVar[Callable[..., Any]]
    grad: ClassVar[Callable[..., Any]]
    hess: ClassVar[Callable[..., Any]]

    @classmethod
    def arguments(cls, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The row functions' arguments after ``(xp, z, t)``, from the bound parameters."""
        return tuple(params[p.name] for p in cls.params)

    @classmethod
    def width(cls, params: Mapping[str, Any]) -> int | None:
        """The row length the loss needs (2 for a mean and log-variance), or None for any."""
        return None


class Whole(Definition):
    """A loss of a whole batch at once: Dice and Tversky, one number for all of ``y_pred``.

    ``y_pred`` holds probabilities and ``y_true`` binary (or soft) targets of
    the same shape; ``weights``, if given, weigh each element in every sum.
    There are no per-example values: reductions ``"mean"`` and ``"sum"`` both
    return the loss, ``"none"`` is refused. Subclasses define static
    functions of ``(xp, p, t, w, *args)`` (``w`` the weights, or 1.0):
    ``value`` (a 0-d array), ``grad`` and ``hess`` (the Hessian's diagonal),
    both of ``y_pred``'s shape, and ``hvp(xp, p, t, w, v, *args)``, the exact
    Hessian-vector product.
    """

    pred_domain: ClassVar[Domain] = "probability"
    true_domain: ClassVar[Domain] = "probability"

    value: ClassVar[Callable[..., Any]]
    grad: ClassVar[Callable[..., Any]]
    hess: ClassVar[Callable[..., Any]]
    hvp: ClassVar[Callable[..., Any]]

    @classmethod
    def arguments(cls, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The functions' arguments after the arrays, from the bound parameters."""
        return tuple(float(params[p.name]) for p in cls.params)


# ---------------------------------------------------------------------------- the plain path


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    # Both sides of m.where are evaluated: the side not taken may overflow or divide by zero.
    # NumPy would warn (so would libraries built on it, such as array-api-strict).
    with np.errstate(all="ignore"):
        yield


def evaluate(
    definition: type[Definition],
    which: Which,
    y_pred: Any,
    y_true: Any,
    weights: Any,
    reduction: Any,
    params: Mapping[str, Any],
    *,
    full: bool = False,
) -> Array:
    """The plain path: validate, bind the element functions to the arrays, reduce.

    Args:
        definition: The loss's definition class.
        which: ``"value"``, ``"grad"`` or ``"hess"``; for elementwise losses
            also ``"value_and_grad"``, which returns both from one validation.
        y_pred: Predictions.
        y_true: Targets.
        weights: Per-example weights or None.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        params: The loss's parameters, already validated.
        full: For losses on rows, the Hessian as K x K blocks.
    """
    if issubclass(definition, SoftmaxRows):
        return _evaluate_rows(definition, which, y_pred, y_true, weights, reduction, params, full)
    if issubclass(definition, Rows):
        return _evaluate_generic_rows(
            definition, which, y_pred, y_true, weights, reduction, params, full
        )
    if issubclass(definition, Whole):
        return _evaluate_whole(definition, which, y_pred, y_true, weights, reduction, params)
    if not issubclass(definition, Elementwise):
        raise TypeError(f"definition must be a losslab loss definition, got {definition!r}")
    b = prepare(
        y_pred,
        y_true,
        weights,
        reduction,
        pred_domain=definition.pred_domain,
        true_domain=definition.true_domain,
    )
    arguments = definition.arguments(params, float(b.xp.finfo(b.dtype).eps))
    variant, xp_math = definition.variant(params), array_math(b.xp, b.y_pred.dtype)
    with _quiet():
        if which == "value_and_grad":  # one validation for both: half the fixed cost
            value = bind(variant.value, xp_math)(b.y_pred, b.y_true, *arguments)
            grad = bind(variant.grad, xp_math)(b.y_pred, b.y_true, *arguments)
            return b.value(value), b.derivative(grad)
        per = bind(getattr(variant, which), xp_math)(b.y_pred, b.y_true, *arguments)
        return b.value(per) if which == "value" else b.derivative(per)


def _evaluate_rows(
    definition: type[SoftmaxRows],
    which: Which,
    y_pred: Any,
    y_true: Any,
    weights: Any,
    reduction: Any,
    params: Mapping[str, Any],
    full: bool,
) -> Array:
    b, labels = prepare_rows(
        y_pred,
        definition.read_true(y_true, params),
        weights,
        reduction,
        labels_allowed=definition.labels_allowed,
        ignore_index=definition.ignore_index(params),
    )
    b, target = definition.targets(b, labels, params)
    xp = b.xp
    m_ = array_math(xp, b.y_pred.dtype)
    with _quiet():
        log_p, p, complement, is_top = softmax_parts(xp, b.y_pred)
        if which == "value":
            per_class = bind(definition.term, m_)(target, log_p)
            return b.reduce(b.weigh(xp.sum(per_class, axis=-1)))
        total = xp.sum(target, axis=-1, keepdims=True)
        if which == "grad":
            rest = xp.sum(xp.where(is_top, xp.zeros_like(target), target), axis=-1, keepdims=True)
            grad = m_.softmax_gradient(target, total, rest, p, complement, is_top)
            return b.scale(b.weigh(grad))
        if not isinstance(full, bool):
            raise TypeError(f"full must be True or False, got {full!r}")
        scale = b.weigh(total[..., 0])[..., None]
        if not full:
            return b.scale(scale * m_.softmax_hessian(1.0, p, complement))
        eye = xp.eye(p.shape[-1], dtype=p.dtype, device=device(p))
        # Diagonal p (1 - p) from the accurate complement, off-diagonal -p_i p_j.
        block = eye * (p * complement)[..., None] + (eye - 1.0) * (
            p[..., :, None] * p[..., None, :]
        )
        return b.scale(scale[..., None] * block)


def prepare_row_targets(
    definition: type[Rows], y_pred: Any, y_true: Any, weights: Any, reduction: Any
) -> tuple[Batch, Array]:
    """Validate the arguments of a :class:`Rows` loss: the batch, and ``t`` as it reads it."""
    if definition.target == "classes":
        b, labels = prepare_rows(y_pred, y_true, weights, reduction, labels_allowed=True)
        t = b.y_true
        if labels:
            xp = b.xp
            classes = xp.arange(b.y_pred.shape[-1], device=device(b.y_pred))
            t = xp.astype(t[..., None] == classes, b.y_pred.dtype)
        return b, t
    b, _ = prepare_rows(
        y_pred, _placeholder_labels(y_pred), weights, reduction, labels_allowed=True
    )
    xp = b.xp
    example_shape = tuple(b.y_pred.shape[:-1])
    width = b.y_pred.shape[-1]
    t = as_array(xp, y_true, "y_true")
    if definition.target == "relevance":
        if tuple(t.shape) != tuple(b.y_pred.shape):
            raise ValueError(
                f"y_true must hold one relevance grade per score, shape {tuple(b.y_pred.shape)}, "
                f"got {tuple(t.shape)}"
            )
        t = as_float(xp, t, "y_true", b.y_pred.dtype)
        check_finite(xp, t, "y_true")
        check_domain(xp, t, "y_true", "nonnegative")
        return b, t
    if tuple(t.shape) != example_shape:
        raise ValueError(
            f"y_true must have one entry per row, shape y_pred.shape[:-1] = {example_shape}, "
            f"got {tuple(t.shape)}"
        )
    if definition.target == "value":
        t = as_float(xp, t, "y_true", b.y_pred.dtype)
        check_finite(xp, t, "y_true")
        return b, t
    # ordinal: labels 0..K
    if not xp.isdtype(t.dtype, "integral"):
        t_float = as_float(xp, t, "y_true")
        check_finite(xp, t_float, "y_true")
        if bool(xp.any(xp.round(t_float) != t_float)):
            raise ValueError("y_true ordinal labels must be whole numbers, got a fractional value")
        t = xp.astype(t_float, xp.int64)
    if bool(xp.any((t < 0) | (t > width))):
        bad = int(t[(t < 0) | (t > width)][0])
        raise ValueError(
            f"y_true holds ordinal label {bad}, outside 0..{width} (rows of {width} thresholds)"
        )
    return b, t


def _placeholder_labels(y_pred: Any) -> Any:
    # prepare_rows checks y_pred and the weights; the target is checked here afterwards.
    from losslab._array import namespace

    xp = namespace(y_pred)
    z = xp.asarray(y_pred)
    return xp.zeros(tuple(z.shape[:-1]), dtype=xp.int64, device=device(z)) if z.ndim else z


def _evaluate_generic_rows(
    definition: type[Rows],
    which: Which,
    y_pred: Any,
    y_true: Any,
    weights: Any,
    reduction: Any,
    params: Mapping[str, Any],
    full: bool,
) -> Array:
    b, t = prepare_row_targets(definition, y_pred, y_true, weights, reduction)
    width = definition.width(params)
    if width is not None and b.y_pred.shape[-1] != width:
        raise ValueError(
            f"y_pred rows of {definition.name!r} hold {width} values, got {b.y_pred.shape[-1]}"
        )
    xp = b.xp
    args = definition.arguments(params)
    with _quiet():
        if which == "value":
            return b.value(definition.value(xp, b.y_pred, t, *args))
        if which == "grad":
            return b.derivative(definition.grad(xp, b.y_pred, t, *args))
        if not isinstance(full, bool):
            raise TypeError(f"full must be True or False, got {full!r}")
        block = definition.hess(xp, b.y_pred, t, *args)
        if full:
            return b.derivative(block)
        eye = xp.eye(block.shape[-1], dtype=xp.bool, device=device(block))
        # The diagonal picked out, not multiplied by the identity: an infinite entry off the
        # diagonal (gaussian_nll's -r e^{-s}) times 0 would make it NaN.
        return b.derivative(xp.sum(xp.where(eye, block, xp.zeros_like(block)), axis=-1))


def prepare_whole(
    definition: type[Whole], y_pred: Any, y_true: Any, weights: Any, reduction: Any
) -> tuple[Batch, Any]:
    """Validate the arguments of a :class:`Whole` loss: the batch and the element weights (or 1)."""
    if reduction == "none":
        raise ValueError(
            f"reduction='none': {definition.name!r} is a loss of the whole batch, with no "
            "per-example values; use 'mean' or 'sum' (both give the loss)"
        )
    b = prepare(
        y_pred,
        y_true,
        None,
        reduction,
        pred_domain=definition.pred_domain,
        true_domain=definition.true_domain,
    )
    if weights is None:
        return b, 1.0
    w, _ = prepare_weights(b.xp, weights, tuple(b.y_pred.shape), b.y_pred.dtype)
    return b, w


def _evaluate_whole(
    definition: type[Whole],
    which: Which,
    y_pred: Any,
    y_true: Any,
    weights: Any,
    reduction: Any,
    params: Mapping[str, Any],
) -> Array:
    b, w = prepare_whole(definition, y_pred, y_true, weights, reduction)
    function = getattr(definition, which)
    with _quiet():
        return b._output(function(b.xp, b.y_pred, b.y_true, w, *definition.arguments(params)))


def hvp(
    definition: type[Definition],
    y_pred: Any,
    y_true: Any,
    v: Any,
    weights: Any,
    reduction: Any,
    params: Mapping[str, Any],
) -> Array:
    """The exact Hessian-vector product of the reduced loss with ``v`` (the shape of ``y_pred``).

    Elementwise losses: the Hessian diagonal times ``v``; losses on rows: each
    row's K x K block times its row of ``v``; :class:`Whole` losses: their own.
    """
    xp = namespace_of(y_pred=y_pred, y_true=y_true, v=v)
    pred = xp.asarray(y_pred)
    vector = as_array(xp, v, "v")
    if tuple(vector.shape) != tuple(pred.shape):
        raise ValueError(
            f"v must have the shape of y_pred {tuple(pred.shape)}, got {tuple(vector.shape)}"
        )
    if issubclass(definition, Whole):
        b, w = prepare_whole(definition, y_pred, y_true, weights, reduction)
        vector = as_float(xp, vector, "v", b.y_pred.dtype)
        check_finite(xp, vector, "v")
        with _quiet():
            result = definition.hvp(
                b.xp, b.y_pred, b.y_true, w, vector, *definition.arguments(params)
            )
        return b._output(result)
    check_finite(xp, vector, "v")
    if issubclass(definition, Elementwise):
        diagonal = evaluate(definition, "hess", y_pred, y_true, weights, reduction, params)
        return diagonal * as_float(xp, vector, "v", diagonal.dtype)
    blocks = evaluate(definition, "hess", y_pred, y_true, weights, reduction, params, full=True)
    return xp.sum(blocks * as_float(xp, vector, "v", blocks.dtype)[..., None, :], axis=-1)

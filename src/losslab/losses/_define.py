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
from losslab.losses.batch import Batch, Domain, check_range, prepare, prepare_rows

__all__ = ["Definition", "Elementwise", "Param", "SoftmaxRows", "Task", "evaluate"]

Task = Literal["regression", "binary", "multiclass"]
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
    def fused(cls, params: Mapping[str, Any]) -> bool:
        """Whether the fused kernels compute these targets: labels weigh 1, rows are themselves.

        Definitions whose :meth:`targets` do more (class weights, smoothing)
        answer False for those parameters, and the plain path runs.
        """
        return True


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
        which: ``"value"``, ``"grad"`` or ``"hess"``.
        y_pred: Predictions.
        y_true: Targets.
        weights: Per-example weights or None.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        params: The loss's parameters, already validated.
        full: For losses on rows, the Hessian as K x K blocks.
    """
    if issubclass(definition, SoftmaxRows):
        return _evaluate_rows(definition, which, y_pred, y_true, weights, reduction, params, full)
    if not issubclass(definition, Elementwise):
        raise TypeError(f"definition must be an Elementwise or SoftmaxRows, got {definition!r}")
    b = prepare(
        y_pred,
        y_true,
        weights,
        reduction,
        pred_domain=definition.pred_domain,
        true_domain=definition.true_domain,
    )
    arguments = definition.arguments(params, float(b.xp.finfo(b.dtype).eps))
    element = bind(getattr(definition.variant(params), which), array_math(b.xp, b.y_pred.dtype))
    with _quiet():
        per = element(b.y_pred, b.y_true, *arguments)
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
        y_true,
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

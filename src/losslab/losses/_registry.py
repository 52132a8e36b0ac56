"""The :class:`Loss` object and the registry that finds losses by name."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from losslab._array import Array

Task = Literal["regression", "binary", "multiclass"]
PredKind = Literal["value", "log_rate", "probability", "logit", "logits"]
LossFunction = Callable[..., Array]

_SHARED_ARGUMENTS = frozenset({"weights", "reduction"})


class Loss:
    """A loss with its parameters bound: value, gradient and Hessian under one signature.

    Every method takes ``(y_pred, y_true, *, weights=None, reduction="mean")``.
    ``grad`` is the exact gradient of what the call returns and ``hess`` the
    diagonal of its Hessian, both with the shape of ``y_pred``.

    Losses are immutable and compare equal when their name and parameters do.

    Example:
        >>> from losslab.losses import get
        >>> huber = get("huber", delta=1.0)
        >>> huber
        Loss('huber', delta=1.0)
        >>> float(huber([0.5, 3.0], [0.0, 0.0], reduction="sum"))
        2.625
        >>> huber.grad([0.5, 3.0], [0.0, 0.0], reduction="sum").tolist()
        [0.5, 1.0]
    """

    __slots__ = ("_grad", "_hess", "_params", "_value", "name", "summary", "task", "y_pred_kind")

    name: str
    task: Task
    y_pred_kind: PredKind
    summary: str

    def __init__(
        self,
        name: str,
        value: LossFunction,
        grad: LossFunction,
        hess: LossFunction,
        *,
        params: Mapping[str, Any] | None = None,
        task: Task,
        y_pred_kind: PredKind,
        summary: str = "",
    ) -> None:
        for attr, val in (
            ("name", name),
            ("task", task),
            ("y_pred_kind", y_pred_kind),
            ("summary", summary),
            ("_value", value),
            ("_grad", grad),
            ("_hess", hess),
            ("_params", MappingProxyType(dict(params or {}))),
        ):
            object.__setattr__(self, attr, val)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Loss objects are immutable; cannot set {name!r}")

    @property
    def params(self) -> Mapping[str, Any]:
        """The bound parameters, read-only."""
        return self._params

    def __call__(
        self, y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean"
    ) -> Array:
        """The loss: per example for ``reduction="none"``, else a 0-d array."""
        return self._value(y_pred, y_true, weights=weights, reduction=reduction, **self._params)

    def grad(
        self,
        y_pred: Any,
        y_true: Any,
        *,
        weights: Any = None,
        reduction: str = "mean",
        out: Any = None,
    ) -> Array:
        """Gradient of the call with respect to ``y_pred``, same shape as ``y_pred``.

        ``out``, a C-contiguous writeable NumPy array of the shape and dtype of
        ``y_pred``, receives the gradient and is returned. NumPy float inputs
        take the fused kernels (:mod:`losslab.config` switches them off).
        """
        from losslab.losses import _fused

        fused = _fused.dispatch(self, "grad", y_pred, y_true, weights, reduction, out)
        if fused is not NotImplemented:
            return fused
        grad = self._grad(y_pred, y_true, weights=weights, reduction=reduction, **self._params)
        return _fused.into_out(grad, out, y_pred, y_true, weights)

    def hess(
        self,
        y_pred: Any,
        y_true: Any,
        *,
        weights: Any = None,
        reduction: str = "mean",
        full: bool = False,
        out: Any = None,
    ) -> Array:
        """Diagonal of the Hessian of the call with respect to ``y_pred``.

        With ``full=True`` (losses on rows of logits only) the per-example
        K x K blocks, shape ``y_pred.shape + (K,)``. ``out`` receives the
        result as in :meth:`grad`.
        """
        from losslab.losses import _fused

        if not full:
            fused = _fused.dispatch(self, "hess", y_pred, y_true, weights, reduction, out)
            if fused is not NotImplemented:
                return fused
            hess = self._hess(y_pred, y_true, weights=weights, reduction=reduction, **self._params)
            return _fused.into_out(hess, out, y_pred, y_true, weights)
        if "full" not in inspect.signature(self._hess).parameters:
            raise ValueError(
                f"full=True: loss {self.name!r} is elementwise, its Hessian is diagonal"
            )
        if out is not None:
            raise ValueError("out= is not supported with full=True")
        return self._hess(
            y_pred, y_true, weights=weights, reduction=reduction, full=True, **self._params
        )

    def value_and_grad(
        self,
        y_pred: Any,
        y_true: Any,
        *,
        weights: Any = None,
        reduction: str = "mean",
        out: Any = None,
    ) -> tuple[Array, Array]:
        """The loss and its gradient, as ``(value, grad)``.

        For NumPy float inputs one fused pass computes both; ``out`` receives
        the gradient as in :meth:`grad`.
        """
        from losslab.losses import _fused

        fused = _fused.dispatch(self, "value_and_grad", y_pred, y_true, weights, reduction, out)
        if fused is not NotImplemented:
            return fused
        kwargs = {"weights": weights, "reduction": reduction}
        value = self(y_pred, y_true, **kwargs)
        grad = self._grad(y_pred, y_true, **kwargs, **self._params)
        return value, _fused.into_out(grad, out, y_pred, y_true, weights)

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self._params.items())
        return f"Loss({self.name!r}{args})"

    def _key(self) -> tuple[Any, ...]:
        return (self.name, self._value, tuple(sorted(self._params.items(), key=lambda kv: kv[0])))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Loss) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self._params))))

    def __reduce__(self) -> tuple[Any, ...]:
        # Catalogue losses pickle by name, so they cross process boundaries (Dask, joblib).
        entry = _REGISTRY.get(self.name)
        if entry is None or entry.value is not self._value:
            raise TypeError(f"cannot pickle custom loss {self.name!r}; rebuild it where it is used")
        return (_get_with_params, (self.name, dict(self._params)))


@dataclass(frozen=True)
class _Entry:
    value: LossFunction
    grad: LossFunction
    hess: LossFunction
    task: Task
    y_pred_kind: PredKind
    summary: str
    defaults: Mapping[str, Any]
    check: Callable[..., Any] | None


_REGISTRY: dict[str, _Entry] = {}


def register(
    name: str,
    value: LossFunction,
    grad: LossFunction,
    hess: LossFunction,
    *,
    task: Task,
    y_pred_kind: PredKind,
    summary: str,
    check: Callable[..., Any] | None = None,
) -> None:
    """Add a loss to the catalogue under ``name``.

    The parameters and their defaults are read from the keyword-only
    arguments of ``value`` other than ``weights`` and ``reduction``;
    ``check(**params)`` validates them when the loss is built and may return
    them normalised as a dict (hashable values only).
    """
    if name in _REGISTRY:
        raise ValueError(f"a loss named {name!r} is already registered")
    defaults = {
        p.name: p.default
        for p in inspect.signature(value).parameters.values()
        if p.kind is p.KEYWORD_ONLY and p.name not in _SHARED_ARGUMENTS
    }
    _REGISTRY[name] = _Entry(value, grad, hess, task, y_pred_kind, summary, defaults, check)


def available() -> list[str]:
    """Names of every loss in the catalogue: regression, then binary, then multiclass.

    Example:
        >>> from losslab.losses import available
        >>> available()[:3]
        ['mse', 'mae', 'huber']
    """
    order = {"regression": 0, "binary": 1, "multiclass": 2}
    return sorted(_REGISTRY, key=lambda name: order[_REGISTRY[name].task])


def parameters(name: str) -> dict[str, Any]:
    """The parameters of loss ``name`` with their defaults."""
    return dict(_entry(name).defaults)


def _entry(name: str) -> _Entry:
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; available: {', '.join(available())}") from None


def get(name: str, **params: Any) -> Loss:
    """The catalogue loss ``name`` with ``params`` bound; missing ones take their defaults.

    Raises:
        ValueError: an unknown name, or a parameter value out of its range.
        TypeError: a parameter the loss does not have.

    Example:
        >>> from losslab.losses import get
        >>> get("quantile", q=0.9)
        Loss('quantile', q=0.9)
    """
    entry = _entry(name)
    unknown = sorted(set(params) - set(entry.defaults))
    if unknown:
        allowed = ", ".join(entry.defaults) or "none"
        raise TypeError(f"loss {name!r} has no parameter {unknown[0]!r}; its parameters: {allowed}")
    bound = {**entry.defaults, **params}
    if entry.check is not None:
        # A check may return the parameters normalised (an array of class weights as a tuple).
        bound = entry.check(**bound) or bound
    return Loss(
        name,
        entry.value,
        entry.grad,
        entry.hess,
        params=bound,
        task=entry.task,
        y_pred_kind=entry.y_pred_kind,
        summary=entry.summary,
    )


def _get_with_params(name: str, params: dict[str, Any]) -> Loss:
    return get(name, **params)


def describe(name: str) -> dict[str, Any]:
    """Name, task, what ``y_pred`` is, parameters with defaults and a one-line summary."""
    entry = _entry(name)
    return {
        "name": name,
        "task": entry.task,
        "y_pred": entry.y_pred_kind,
        "params": dict(entry.defaults),
        "summary": entry.summary,
    }

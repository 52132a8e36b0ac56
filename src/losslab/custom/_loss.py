"""The :class:`CustomLoss` object: a :class:`~losslab.losses.Loss` built by a factory.

Losses built here are not in the catalogue (``losslab.losses.get`` does not
know them), so they cannot pickle by name as catalogue losses do. A
``CustomLoss`` remembers the factory call that built it instead, and pickles
as that call, so it crosses process boundaries (Dask, joblib) like any loss.

A custom loss written as a definition (an :class:`~losslab.losses.Elementwise`
or :class:`~losslab.losses.SoftmaxRows` subclass, often of a catalogue
loss whose formula it shares) is built with :func:`from_definition` and runs
on the fused path too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from losslab._array import Array
from losslab.datasets import Task
from losslab.links import Kind
from losslab.losses import Loss

LossFunction = Callable[..., Array]


class CustomLoss(Loss):
    """A :class:`~losslab.losses.Loss` that pickles as the factory call that built it.

    It behaves exactly as a catalogue loss: ``loss(y_pred, y_true, *,
    weights=None, reduction="mean")``, ``loss.grad``, ``loss.hess`` and
    ``loss.value_and_grad``, with ``name``, ``task``, ``y_pred_kind``,
    ``params`` and ``summary``.
    """

    __slots__ = ("_factory", "_factory_args", "_factory_kwargs")

    def __init__(
        self,
        name: str,
        value: LossFunction,
        grad: LossFunction,
        hess: LossFunction,
        *,
        params: Mapping[str, Any] | None = None,
        task: Task,
        y_pred_kind: Kind | None = None,
        summary: str = "",
        factory: Callable[..., Loss],
        factory_args: tuple[Any, ...] = (),
        factory_kwargs: Mapping[str, Any] | None = None,
        **loss_kwargs: Any,
    ) -> None:
        super().__init__(
            name,
            value,
            grad,
            hess,
            params=params,
            task=task,
            y_pred_kind=y_pred_kind,
            summary=summary,
            **loss_kwargs,
        )
        object.__setattr__(self, "_factory", factory)
        object.__setattr__(self, "_factory_args", tuple(factory_args))
        object.__setattr__(self, "_factory_kwargs", dict(factory_kwargs or {}))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self._factory, self._factory_args, self._factory_kwargs))


def _rebuild(factory: Callable[..., Loss], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Loss:
    return factory(*args, **kwargs)


def from_definition(
    definition: Any,
    params: Mapping[str, Any],
    *,
    factory: Callable[..., Loss],
    factory_args: tuple[Any, ...] = (),
    factory_kwargs: Mapping[str, Any] | None = None,
) -> CustomLoss:
    """The :class:`CustomLoss` of a definition at ``params`` (validated, defaults filled).

    Raises:
        TypeError: A parameter the definition does not have.
        ValueError: A parameter out of its range, naming it.
    """
    return CustomLoss.from_definition(
        definition,
        params,
        factory=factory,
        factory_args=factory_args,
        factory_kwargs=factory_kwargs,
    )

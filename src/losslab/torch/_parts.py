"""Each kind of loss definition as :class:`~losslab.torch._functions.Parts` in torch operations.

- :class:`ElementParts`: an :class:`~losslab.losses.Elementwise` definition's
  ``value``, ``grad`` and ``hess`` bound to :class:`~losslab.torch._ops.TorchMath`;
- :class:`SoftmaxParts`: a :class:`~losslab.losses.SoftmaxRows` definition's
  ``term`` on the accurate softmax parts, its gradient A p - a and Hessian
  A (diag p - p pᵀ), exactly as the plain path writes them;
- :class:`RowParts` and :class:`WholeParts`: the array functions of
  :class:`~losslab.losses.Rows` and :class:`~losslab.losses.Whole`
  definitions, given torch's array-API namespace;
- :class:`LossParts`: any other :class:`~losslab.losses.Loss` (a custom loss
  without a definition), through its own ``__call__``, ``grad`` and ``hvp``
  on NumPy copies.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import array_api_compat.torch as xp_torch
import numpy as np
import torch

from losslab.losses._define import Elementwise, Rows, SoftmaxRows, Whole
from losslab.torch._functions import Parts
from losslab.torch._ops import TorchMath, bind, torch_math

__all__ = ["ElementParts", "LossParts", "RowParts", "SoftmaxParts", "WholeParts", "softmax_parts"]


class ElementParts(Parts):
    """An elementwise definition's own value, gradient and Hessian diagonal, in torch."""

    event_ndim = 0

    def __init__(
        self,
        value: Callable[..., Any],
        grad: Callable[..., Any],
        hess: Callable[..., Any],
        args: tuple[float, ...],
    ) -> None:
        self._value, self._grad, self._hess, self.args = value, grad, hess, args

    @classmethod
    @functools.lru_cache(maxsize=512)
    def of(
        cls, variant: type[Elementwise], args: tuple[float, ...], dtype: torch.dtype
    ) -> ElementParts:
        """The parts of ``variant`` (a definition's class at its parameters) for ``dtype``."""
        m = torch_math(dtype)
        return cls(bind(variant.value, m), bind(variant.grad, m), bind(variant.hess, m), args)

    def _broadcast(self, result: Any, y: torch.Tensor) -> torch.Tensor:
        # A formula constant in y (mse's Hessian, 2) is a number: give it y's shape and dtype.
        if not isinstance(result, torch.Tensor):
            return torch.full_like(y, float(result))
        if result.dtype != y.dtype:
            result = result.to(y.dtype)
        return result if result.shape == y.shape else torch.broadcast_to(result, y.shape)

    def value(self, y: torch.Tensor, t: Any) -> torch.Tensor:
        return self._broadcast(self._value(y, t, *self.args), y)

    def grad(self, y: torch.Tensor, t: Any) -> torch.Tensor:
        return self._broadcast(self._grad(y, t, *self.args), y)

    def hvp(self, y: torch.Tensor, t: Any, v: torch.Tensor) -> torch.Tensor:
        return self._broadcast(self._hess(y, t, *self.args), y) * v


def softmax_parts(z: torch.Tensor, m: TorchMath) -> tuple[torch.Tensor, ...]:
    """``(log p, p, 1 - p, is_top)`` along the last axis, accurate for confident rows.

    The torch form of :func:`losslab._array.softmax_parts`: the same formulas
    (:func:`losslab._math.softmax_element`) given the row maximum, the sum of
    the other entries' exponentials and which entry is the largest (the first
    on ties).
    """
    top, index = torch.max(z, dim=-1, keepdim=True)
    d = z - top
    e = torch.exp(d)
    classes = torch.arange(z.shape[-1], device=z.device)
    is_top = classes == index
    others = torch.sum(torch.where(is_top, torch.zeros_like(e), e), dim=-1, keepdim=True)
    log_p, p, complement = m.softmax_element(
        d, e, others, torch.log1p(others), 1.0 / (1.0 + others), is_top
    )
    return log_p, p, complement, is_top


class SoftmaxParts(Parts):
    """A softmax-rows definition against target weights ``a`` per logit (see ``targets``)."""

    event_ndim = 1

    def __init__(self, definition: type[SoftmaxRows], dtype: torch.dtype) -> None:
        self.m = torch_math(dtype)
        self.term = bind(definition.term, self.m)

    @classmethod
    @functools.lru_cache(maxsize=128)
    def of(cls, definition: type[SoftmaxRows], dtype: torch.dtype) -> SoftmaxParts:
        """The parts of ``definition`` for ``dtype``."""
        return cls(definition, dtype)

    def value(self, y: torch.Tensor, t: Any) -> torch.Tensor:
        log_p = softmax_parts(y, self.m)[0]
        return torch.sum(self.term(t, log_p), dim=-1)

    def grad(self, y: torch.Tensor, t: Any) -> torch.Tensor:
        _, p, complement, is_top = softmax_parts(y, self.m)
        total = torch.sum(t, dim=-1, keepdim=True)
        rest = torch.sum(torch.where(is_top, torch.zeros_like(t), t), dim=-1, keepdim=True)
        return self.m.softmax_gradient(t, total, rest, p, complement, is_top)

    def hvp(self, y: torch.Tensor, t: Any, v: torch.Tensor) -> torch.Tensor:
        # A (diag p - p p^T) v = A p (v - p.v)
        p = softmax_parts(y, self.m)[1]
        total = torch.sum(t, dim=-1, keepdim=True)
        return total * p * (v - torch.sum(p * v, dim=-1, keepdim=True))


class RowParts(Parts):
    """A :class:`~losslab.losses.Rows` definition: its row functions on torch's namespace."""

    event_ndim = 1

    def __init__(self, definition: type[Rows], args: tuple[Any, ...]) -> None:
        self.definition, self.args = definition, args

    def value(self, y: torch.Tensor, t: Any) -> torch.Tensor:
        return self.definition.value(xp_torch, y, t, *self.args)

    def grad(self, y: torch.Tensor, t: Any) -> torch.Tensor:
        return self.definition.grad(xp_torch, y, t, *self.args)

    def hvp(self, y: torch.Tensor, t: Any, v: torch.Tensor) -> torch.Tensor:
        blocks = self.definition.hess(xp_torch, y, t, *self.args)
        return torch.sum(blocks * v[..., None, :], dim=-1)


class WholeParts(Parts):
    """A :class:`~losslab.losses.Whole` definition (one loss for the batch), with its weights."""

    def __init__(self, definition: type[Whole], args: tuple[Any, ...], weights: Any) -> None:
        self.definition, self.args, self.weights = definition, args, weights

    def value(self, y: torch.Tensor, t: Any) -> torch.Tensor:
        return self.definition.value(xp_torch, y, t, self.weights, *self.args)

    def grad(self, y: torch.Tensor, t: Any) -> torch.Tensor:
        return self.definition.grad(xp_torch, y, t, self.weights, *self.args)

    def hvp(self, y: torch.Tensor, t: Any, v: torch.Tensor) -> torch.Tensor:
        return self.definition.hvp(xp_torch, y, t, self.weights, v, *self.args)


class LossParts(Parts):
    """Any :class:`~losslab.losses.Loss` by its own methods, on NumPy copies (custom losses).

    Exact to the second derivative, as the loss's ``hvp`` is; not traceable
    by ``torch.compile`` or ``vmap``, and a third derivative is refused
    rather than silently zero.
    """

    def __init__(self, loss: Any, event_ndim: int) -> None:
        self.loss, self.event_ndim = loss, event_ndim

    @staticmethod
    def _numpy(x: Any) -> Any:
        return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x

    @staticmethod
    def _tensor(result: Any, like: torch.Tensor) -> torch.Tensor:
        return torch.as_tensor(np.asarray(result), dtype=like.dtype, device=like.device)

    def value(self, y: torch.Tensor, t: Any) -> torch.Tensor:
        return self._tensor(self.loss(self._numpy(y), self._numpy(t), reduction="none"), y)

    def grad(self, y: torch.Tensor, t: Any) -> torch.Tensor:
        return self._tensor(self.loss.grad(self._numpy(y), self._numpy(t), reduction="none"), y)

    def hvp(self, y: torch.Tensor, t: Any, v: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled() and (v.requires_grad or y.requires_grad):
            raise RuntimeError(
                f"loss {self.loss.name!r}: its third derivative is not available (the custom "
                "loss gives its Hessian as numbers); double backward is exact"
            )
        hvp = self.loss.hvp(self._numpy(y), self._numpy(t), self._numpy(v), reduction="none")
        return self._tensor(hvp, y)

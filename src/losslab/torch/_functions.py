"""Two autograd Functions that make any loss twice differentiable from its own formulas.

A loss arrives as *parts* (:class:`Parts`): three functions of the
prediction ``y`` and the target ``t``, in torch operations,

- ``value(y, t)``: the loss of each example (no weights, no reduction);
- ``grad(y, t)``: its gradient, the shape of ``y``;
- ``hvp(y, t, v)``: each example's Hessian times ``v``.

:class:`Value` computes the value; its backward is ``Gradient``, a second
Function whose forward is the loss's ``grad`` and whose backward is the
loss's ``hvp``. So a first derivative is the definition's gradient and a
second derivative (double backward, ``torch.func.hessian``, a
Hessian-vector product through a model) is the definition's Hessian, not
autograd's reading of the value's formula, which would be wrong at every
kink hidden inside a stable formula (``exp(-|z|)`` has derivative 0 at 0,
so autograd of the stable sigmoid gives sigmoid'(0) = 0) and NaN where
``torch.where`` discards an infinite branch. A third derivative is
autograd's derivative of the Hessian's formula.

Both Functions use ``setup_context``, generate their ``vmap`` rule and give
their forward-mode derivative (``jvp``: the gradient's dot product with the
tangent, and the Hessian-vector product), so ``torch.func.grad``, ``vmap``,
``jvp``, ``jacfwd``, ``hessian`` and ``torch.compile`` see ordinary torch code.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["Gradient", "Parts", "TracedGradient", "TracedValue", "Value", "per_example"]


class Parts:
    """What a loss gives the Functions: value, gradient and Hessian-vector product of its examples.

    Subclasses implement the three methods in torch operations.
    ``event_ndim`` is the number of trailing axes of ``y`` that belong to one
    example (0 elementwise, 1 for a row, ``y.ndim`` for a loss of the whole
    batch).
    """

    event_ndim: int = 0

    def value(self, y: torch.Tensor, t: Any) -> torch.Tensor:
        """The loss of each example."""
        raise NotImplementedError

    def grad(self, y: torch.Tensor, t: Any) -> torch.Tensor:
        """The gradient of each example's loss, the shape of ``y``."""
        raise NotImplementedError

    def hvp(self, y: torch.Tensor, t: Any, v: torch.Tensor) -> torch.Tensor:
        """Each example's Hessian times its part of ``v`` (the shape of ``y``)."""
        raise NotImplementedError


def _expand(upstream: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``upstream`` (one entry per example) with trailing axes to broadcast over ``like``."""
    extra = like.ndim - upstream.ndim
    return upstream.reshape(*upstream.shape, *([1] * extra)) if extra > 0 else upstream


def _masked(upstream: torch.Tensor, product: torch.Tensor) -> torch.Tensor:
    # An example of weight 0 contributes exactly 0, even where its derivative is infinite.
    return torch.where(upstream == 0, torch.zeros_like(product), product)


class TracedValue(torch.autograd.Function):
    """The loss of each example; its derivatives come from the parts' ``grad`` and ``hvp``.

    Without a forward-mode rule, which ``torch.compile`` cannot trace;
    :class:`Value` adds it for eager code and ``torch.func``.
    """

    generate_vmap_rule = True

    @staticmethod
    def forward(y: torch.Tensor, t: Any, parts: Parts, masked: bool, eager: bool) -> torch.Tensor:
        return parts.value(y, t)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        y, t, parts, masked, eager = inputs
        ctx.save_for_backward(y, t)
        ctx.parts, ctx.masked, ctx.eager = parts, masked, eager
        ctx.event_ndim = y.ndim - output.ndim

    @staticmethod
    def backward(ctx: Any, upstream: torch.Tensor) -> tuple[Any, ...]:
        y, t = ctx.saved_tensors
        upstream = _expand(upstream, y)
        gradient = Gradient if ctx.eager else TracedGradient
        product = upstream * gradient.apply(y, t, ctx.parts)
        return (_masked(upstream, product) if ctx.masked else product), None, None, None, None


class TracedGradient(torch.autograd.Function):
    """The gradient of each example's loss; its backward is the parts' Hessian-vector product."""

    generate_vmap_rule = True

    @staticmethod
    def forward(y: torch.Tensor, t: Any, parts: Parts) -> torch.Tensor:
        return parts.grad(y, t)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        y, t, parts = inputs
        ctx.save_for_backward(y, t)
        ctx.parts = parts

    @staticmethod
    def backward(ctx: Any, upstream: torch.Tensor) -> tuple[Any, ...]:
        y, t = ctx.saved_tensors
        return ctx.parts.hvp(y, t, upstream), None, None


class Value(TracedValue):
    """:class:`TracedValue` with its forward-mode derivative: the gradient times the tangent."""

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        TracedValue.setup_context(ctx, inputs, output)
        ctx.save_for_forward(*inputs[:2])

    @staticmethod
    def jvp(ctx: Any, tangent: torch.Tensor, *_: Any) -> torch.Tensor:
        y, t = ctx.saved_tensors
        product = Gradient.apply(y, t, ctx.parts) * tangent
        if ctx.event_ndim == 0:
            return product
        return torch.sum(product, dim=tuple(range(-ctx.event_ndim, 0)))


class Gradient(TracedGradient):
    """:class:`TracedGradient` with its forward-mode derivative, the Hessian-vector product."""

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        TracedGradient.setup_context(ctx, inputs, output)
        ctx.save_for_forward(*inputs[:2])

    @staticmethod
    def jvp(ctx: Any, tangent: torch.Tensor, *_: Any) -> torch.Tensor:
        y, t = ctx.saved_tensors
        return ctx.parts.hvp(y, t, tangent)


def per_example(y: torch.Tensor, t: Any, parts: Parts, *, masked: bool = False) -> torch.Tensor:
    """The loss of each example of ``y`` against ``t``, twice differentiable in ``y``.

    ``masked`` makes an example whose upstream gradient is 0 (weight 0)
    contribute a gradient of exactly 0.
    """
    if torch.compiler.is_compiling():
        return TracedValue.apply(y, t, parts, masked, False)
    return Value.apply(y, t, parts, masked, True)

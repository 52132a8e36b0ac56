"""The loss vocabulary ``m`` on torch tensors: each definition's text, run by torch operations.

:mod:`losslab._math` writes every loss's value, gradient and Hessian once,
in plain arithmetic and the names of a namespace ``m``. :class:`TorchMath`
is that namespace made of torch operations, so ``bind(Huber.value,
torch_math(torch.float32))`` is Huber's value computed by torch: on any
device, traceable by ``torch.compile`` and ``torch.func``.

Python numbers (a loss's parameters) may meet an operation: ``m.maximum(x,
0.0)`` becomes ``torch.clamp(x, min=0.0)``, ``m.exp(delta)`` stays a Python
number, and ``m.where(c, 1.0, 2.0)`` takes the dtype of the namespace.
"""

from __future__ import annotations

import functools
import math
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from losslab._math import DERIVED

__all__ = ["TorchMath", "bind", "torch_math"]


def bind(function: Callable[..., Any], namespace: TorchMath) -> Callable[..., Any]:
    """``function`` (written in the vocabulary) with ``m`` = ``namespace``, in a module of its own.

    :func:`losslab._math.bind` gives the function a copy of its module's
    globals; ``torch.compile`` would then guard ``m`` through the original
    module, where ``m`` is unbound. Here the copy is a real module, one per
    source module and namespace (``losslab.torch._bound...``), so the globals
    a compiled graph guards are the ones the function reads.
    """
    module = _bound_module(function.__module__, namespace)
    bound = types.FunctionType(
        function.__code__,
        module.__dict__,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    bound.__qualname__, bound.__doc__ = function.__qualname__, function.__doc__
    bound.__module__ = module.__name__
    return bound


@functools.cache
def _bound_module(source: str, namespace: TorchMath) -> types.ModuleType:
    original = sys.modules[source]
    name = f"losslab.torch._bound.{source.replace('.', '_')}_{str(namespace.dtype).split('.')[-1]}"
    module = types.ModuleType(name)
    scope = module.__dict__
    scope.update({k: v for k, v in vars(original).items() if not k.startswith("__")})
    scope["__name__"], scope["__builtins__"], scope["m"] = name, original.__builtins__, namespace
    # The module's own functions read the new globals too (helpers called by name).
    for key, value in list(scope.items()):
        if isinstance(value, types.FunctionType) and value.__module__ == source:
            helper = types.FunctionType(
                value.__code__, scope, value.__name__, value.__defaults__, value.__closure__
            )
            helper.__module__ = name
            scope[key] = helper
    sys.modules[name] = module
    return module


def _number(function: Any, x: float) -> float:
    with np.errstate(all="ignore"):
        return float(function(np.float64(x)))


class TorchMath:
    """The vocabulary of :mod:`losslab._math` on torch tensors of one float ``dtype``."""

    def __init__(self, dtype: torch.dtype) -> None:
        self.dtype = dtype
        self._max = float(torch.finfo(dtype).max)
        for function in DERIVED:
            setattr(self, function.__name__, bind(function, self))

    def __hash__(self) -> int:
        return hash(self.dtype)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TorchMath) and other.dtype == self.dtype

    def __repr__(self) -> str:
        return f"TorchMath({self.dtype})"

    @staticmethod
    def _unary(tensor_op: Any, number_op: Any, x: Any) -> Any:
        return _number(number_op, x) if isinstance(x, (int, float)) else tensor_op(x)

    def abs(self, x: Any) -> Any:
        return self._unary(torch.abs, np.abs, x)

    def sign(self, x: Any) -> Any:
        return self._unary(torch.sign, np.sign, x)

    def sqrt(self, x: Any) -> Any:
        return self._unary(torch.sqrt, np.sqrt, x)

    def exp(self, x: Any) -> Any:
        return self._unary(torch.exp, np.exp, x)

    def expm1(self, x: Any) -> Any:
        return self._unary(torch.expm1, np.expm1, x)

    def log(self, x: Any) -> Any:
        return self._unary(torch.log, np.log, x)

    def log1p(self, x: Any) -> Any:
        return self._unary(torch.log1p, np.log1p, x)

    def log1p_unit(self, x: Any) -> Any:
        return self.log1p(x)

    def tanh(self, x: Any) -> Any:
        return self._unary(torch.tanh, np.tanh, x)

    def fill(self, like: Any, value: float) -> Any:
        return torch.full_like(like, value)

    def minimum(self, a: Any, b: Any) -> Any:
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return float(min(a, b))
        if isinstance(b, (int, float)):
            return torch.clamp(a, max=b)
        if isinstance(a, (int, float)):
            return torch.clamp(b, max=a)
        return torch.minimum(a, b)

    def maximum(self, a: Any, b: Any) -> Any:
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return float(max(a, b))
        if isinstance(b, (int, float)):
            return torch.clamp(a, min=b)
        if isinstance(a, (int, float)):
            return torch.clamp(b, min=a)
        return torch.maximum(a, b)

    def clip(self, x: Any, low: float, high: float) -> Any:
        return torch.clamp(x, low, high)

    def copysign(self, magnitude: Any, sign: Any) -> Any:
        if isinstance(magnitude, (int, float)):
            magnitude = torch.full_like(sign, float(magnitude), dtype=self.dtype)
        return torch.copysign(magnitude, sign)

    def where(self, condition: Any, a: Any, b: Any) -> Any:
        if isinstance(condition, bool):
            return a if condition else b
        a, b = self._fit(a), self._fit(b)
        if isinstance(a, float) and isinstance(b, float):
            a = torch.full_like(condition, a, dtype=self.dtype)
        return torch.where(condition, a, b)

    def _fit(self, x: Any) -> Any:
        # A constant beyond the dtype's range (a float64 scale factor met in float32) is
        # the infinity it rounds to.
        if not isinstance(x, (int, float)):
            return x
        x = float(x)
        return x if abs(x) <= self._max else math.copysign(math.inf, x)


@functools.cache
def torch_math(dtype: torch.dtype) -> TorchMath:
    """The :class:`TorchMath` of ``dtype`` (one per dtype, so bound functions are cached)."""
    return TorchMath(dtype)

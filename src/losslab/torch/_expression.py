"""Expression losses in torch: SymPy's compiled formulas rerun on torch operations.

:func:`losslab.custom.expression_loss` compiles an expression's value,
gradient and Hessian with ``sympy.lambdify`` into NumPy code, whose free
names (``exp``, ``select``, ``less``, ``sigmoid``...) come from the
function's globals. Running the same code object with globals of torch
operations (:data:`NAMES`) gives the three formulas as torch functions of
one element, and so an :class:`~losslab.torch._parts.ElementParts`: the
expression differentiates through torch, twice, exactly (SymPy's
derivatives), on any device.
"""

from __future__ import annotations

import functools
import math
import types
from collections.abc import Callable
from typing import Any

import torch

from losslab.torch._parts import ElementParts

__all__ = ["NAMES", "expression_parts"]


def _sigmoid(x: Any) -> Any:
    # exp(-|x|) <= 1, so neither branch overflows.
    e = torch.exp(-torch.abs(x))
    return torch.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(x: Any) -> Any:
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
    return torch.clamp(x, min=0.0) + torch.log1p(torch.exp(-torch.abs(x)))


class _Reducible:
    """A binary logical operation with NumPy's ``.reduce`` over a tuple, as lambdify prints it."""

    def __init__(self, operation: Callable[[Any, Any], Any]) -> None:
        self.operation = operation

    def __call__(self, a: Any, b: Any) -> Any:
        return self.operation(a, b)

    def reduce(self, terms: Any) -> Any:
        return functools.reduce(self.operation, terms)


def _select(conditions: list[Any], choices: list[Any], default: Any = math.nan) -> Any:
    """NumPy's ``select``: the first choice whose condition holds, else ``default``."""
    result = default
    for condition, choice in zip(reversed(conditions), reversed(choices), strict=True):
        if isinstance(condition, bool):
            result = choice if condition else result
            continue
        if not isinstance(choice, torch.Tensor) and not isinstance(result, torch.Tensor):
            # Two numbers: a tensor of the condition's shape in the default float dtype
            # would lose float64; the caller broadcasts and casts (ElementParts).
            choice = torch.full(condition.shape, float(choice), dtype=torch.float64)
            choice = choice.to(condition.device)
        result = torch.where(condition, choice, result)
    return result


def _unary(operation: Callable[[Any], Any], on_number: Callable[[float], float]) -> Callable:
    def apply(x: Any) -> Any:
        return on_number(float(x)) if isinstance(x, (int, float)) else operation(x)

    return apply


NAMES: dict[str, Any] = {
    "sigmoid": _sigmoid,
    "softplus": _softplus,
    "abs": _unary(torch.abs, abs),
    "sign": _unary(torch.sign, lambda x: float((x > 0) - (x < 0))),
    "exp": _unary(torch.exp, math.exp),
    "expm1": _unary(torch.expm1, math.expm1),
    "log": _unary(torch.log, math.log),
    "log1p": _unary(torch.log1p, math.log1p),
    "sqrt": _unary(torch.sqrt, math.sqrt),
    "tanh": _unary(torch.tanh, math.tanh),
    "cosh": _unary(torch.cosh, math.cosh),
    "sinh": _unary(torch.sinh, math.sinh),
    "select": _select,
    "less": torch.lt,
    "less_equal": torch.le,
    "greater": torch.gt,
    "greater_equal": torch.ge,
    "equal": torch.eq,
    "not_equal": torch.ne,
    "logical_not": torch.logical_not,
    "logical_or": _Reducible(torch.logical_or),
    "logical_and": _Reducible(torch.logical_and),
    "nan": math.nan,
    "inf": math.inf,
    "pi": math.pi,
    "e": math.e,
}
"""What the lambdified NumPy code calls, as torch operations."""


def _rebind(function: Callable[..., Any]) -> Callable[..., Any] | None:
    """``function``'s code with torch's names, or None if it uses a name not in :data:`NAMES`."""
    code = function.__code__
    names = set(code.co_names) - {"reduce"}
    if not names <= set(NAMES):
        return None
    scope = {"__builtins__": __builtins__, **NAMES}
    return types.FunctionType(code, scope, function.__name__, function.__defaults__)


@functools.lru_cache(maxsize=256)
def expression_parts(derivation: Any, args: tuple[float, ...]) -> ElementParts | None:
    """The torch parts of an expression's derivation at parameter values ``args``, or None."""
    rebound = [_rebind(f) for f in derivation.functions]
    if any(f is None for f in rebound):
        return None
    value, grad, hess = rebound
    return ElementParts(value, grad, hess, args)

"""Losses from expressions: exact derivatives with SymPy, compiled to vectorised NumPy.

:func:`expression_loss` checks the expression with the whitelist parser
(:mod:`losslab.custom._expression`), differentiates the SymPy tree twice with
respect to ``y_pred``, and compiles the three formulas with
``sympy.lambdify`` into NumPy functions of ``(y_pred, y_true, *params)``.
The resulting :class:`~losslab.losses.Loss` goes through
``losslab.losses.batch.prepare`` like every catalogue loss, so input checks,
weights and reductions are shared.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from losslab import links
from losslab._array import Array, is_numpy
from losslab.custom._expression import ExpressionError, parse_expression
from losslab.custom._loss import CustomLoss
from losslab.datasets import Task
from losslab.losses.batch import Batch, Domain, check_range, prepare

__all__ = ["Derivation", "ExpressionLoss", "derive", "expression_loss"]

MAX_DERIVED_SIZE = 20_000
"""Largest derived formula accepted, in SymPy tree nodes (the Hessian is the biggest)."""

_ELEMENTWISE_KINDS = tuple(link.kind for link in links.LINKS.values() if not link.rows)
"""What ``y_pred`` may be: any link but rows of logits."""


def _sigmoid(x: Any) -> Any:
    # exp(-|x|) <= 1, so neither branch overflows.
    e = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(x: Any) -> Any:
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


_KERNELS = {"sigmoid": _sigmoid, "softplus": _softplus, "abs": np.abs, "sign": np.sign}


@dataclass(frozen=True)
class Derivation:
    """An expression's loss, gradient and Hessian as SymPy formulas and NumPy functions.

    Attributes:
        expression: the expression as given, stripped.
        parameters: the parameter names, in the order the functions take them.
        value, grad, hess: SymPy formulas of the loss, d/dy_pred and d²/dy_pred².
        functions: the compiled ``(value, grad, hess)``, each taking
            ``(y_pred, y_true, *parameter_values)`` as NumPy arrays.
    """

    expression: str
    parameters: tuple[str, ...]
    value: sp.Expr
    grad: sp.Expr
    hess: sp.Expr
    functions: tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]


def _size(expr: sp.Basic, limit: int) -> int:
    count = 0
    for _ in sp.preorder_traversal(expr):
        count += 1
        if count > limit:
            break
    return count


def _finish(expr: sp.Expr, what: str, expression: str, limit: int = MAX_DERIVED_SIZE) -> sp.Expr:
    """Make a derived formula printable as NumPy: a.e. derivatives, floats for huge integers."""
    # Where sympy's own Abs/sign/Heaviside appear (sqrt(x**2) -> Abs(x)), their derivatives
    # hold DiracDelta, 0 everywhere but a point; take the a.e. derivative like mae does.
    expr = expr.replace(sp.DiracDelta, lambda *args: sp.S.Zero)
    huge = {n: sp.Float(n) for n in expr.atoms(sp.Rational) if abs(n.p) > 2**53 or n.q > 2**53}
    if huge:
        expr = expr.xreplace(huge)
    if expr.has(sp.Derivative, sp.Subs, sp.re, sp.im, sp.zoo, sp.nan):
        raise ExpressionError(
            f"the {what} of {expression!r} has no closed real form ({expr}); "
            "rewrite the expression (for |.| use abs)"
        )
    # The gradient gets a quarter of the budget, since the Hessian of a big gradient is
    # slow to derive, let alone to print.
    if _size(expr, limit) > limit:
        raise ExpressionError(f"the {what} of {expression!r} is larger than {limit} terms")
    return expr


@functools.lru_cache(maxsize=256)
def derive(expression: str, parameters: tuple[str, ...] = ()) -> Derivation:
    """Parse, differentiate and compile ``expression``; cached, so equal calls share functions.

    Raises:
        UnsafeExpressionError: the whitelist refused the expression.
        ExpressionError: it does not depend on ``y_pred``, uses a declared
            parameter nowhere, or has no closed-form derivative.

    Example:
        >>> d = derive("(y_pred - y_true)**2")
        >>> d.grad, d.hess
        (2*y_pred - 2*y_true, 2)
    """
    value, symbols = parse_expression(expression, parameters)
    y_pred = symbols["y_pred"]
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ExpressionError(f"expression {expression!r} is not finite ({value})")
    if y_pred not in value.free_symbols:
        raise ExpressionError(f"expression {expression!r} does not depend on y_pred")
    unused = [name for name in parameters if symbols[name] not in value.free_symbols]
    if unused:
        raise ExpressionError(f"parameter {unused[0]!r} is not used in {expression!r}")
    try:
        grad = _finish(sp.diff(value, y_pred), "gradient", expression, MAX_DERIVED_SIZE // 4)
        hess = _finish(sp.diff(grad, y_pred), "Hessian", expression)
    except RecursionError:
        raise ExpressionError(
            f"the derivatives of {expression!r} are nested too deeply to derive"
        ) from None
    value = _finish(value, "value", expression)
    args = [symbols[name] for name in ("y_pred", "y_true", *parameters)]
    functions = tuple(
        sp.lambdify(args, f, modules=[_KERNELS, "numpy"], cse=True, docstring_limit=0)
        for f in (value, grad, hess)
    )
    return Derivation(expression, tuple(parameters), value, grad, hess, functions)  # type: ignore[arg-type]


def _to_numpy(x: Array) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "detach"):  # torch
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _evaluate(derivation: Derivation, which: int, batch: Batch, params: dict[str, float]) -> Array:
    """Run compiled formula ``which`` (0 value, 1 grad, 2 hess) elementwise on the batch."""
    what = ("value", "gradient", "Hessian")[which]
    pred, true = _to_numpy(batch.y_pred), _to_numpy(batch.y_true)
    values = [params[name] for name in derivation.parameters]
    # Overflow to inf is allowed (an exponential loss can exceed the float range); NaN is
    # checked below, so the errstate only silences warnings for results we inspect.
    with np.errstate(all="ignore"):
        out = derivation.functions[which](pred, true, *values)
        out = np.array(np.broadcast_to(np.asarray(out), pred.shape), dtype=pred.dtype)
    bad = np.isnan(out)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        at = index if len(index) != 1 else index[0]
        raise ValueError(
            f"the {what} of loss expression {derivation.expression!r} is undefined (NaN) at "
            f"index {at}, y_pred={pred[index]!r}, y_true={true[index]!r}"
        )
    if is_numpy(batch.xp):
        return out
    device = getattr(batch.y_pred, "device", None)
    kwargs = {} if device is None else {"device": device}
    return batch.xp.asarray(out, dtype=batch.y_pred.dtype, **kwargs)


class ExpressionLoss(CustomLoss):
    """A loss written as an expression; a :class:`~losslab.losses.Loss` in every way.

    Attributes:
        expression: the expression as given, stripped.
        formulas: ``{"value": ..., "grad": ..., "hess": ...}``, SymPy formulas
            in ``y_pred``, ``y_true`` and the parameters.
    """

    __slots__ = ("_derivation",)

    def __call__(
        self, y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean"
    ) -> Array:
        """The loss; on torch tensors through :mod:`losslab.torch`, so it differentiates twice."""
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(y_pred, torch.Tensor):
            from losslab.torch import loss as as_torch

            return as_torch(self)(y_pred, y_true, weights, reduction)
        return super().__call__(y_pred, y_true, weights=weights, reduction=reduction)

    @property
    def expression(self) -> str:
        """The expression the loss was built from."""
        return self._derivation.expression

    @property
    def formulas(self) -> dict[str, sp.Expr]:
        """The loss, its gradient and its Hessian diagonal as SymPy formulas.

        Example:
            >>> expression_loss("(y_pred - y_true)**2").formulas["hess"]
            2
        """
        d = self._derivation
        return {"value": d.value, "grad": d.grad, "hess": d.hess}

    def optimal_constant(self, y_true: Any, *, weights: Any = None) -> Any:
        """The constant ``y_pred`` minimising the (weighted) mean loss, found numerically.

        An expression states no closed form, so this minimises the mean loss
        over one number with L-BFGS and the exact gradient, from the best of
        the targets' 5%..95% quantiles mapped through the link (a non-convex
        expression gets the local minimum nearest the best of them).

        Raises:
            ValueError: weights that are negative or all zero, or a mean loss
                that is not finite at any start.

        Example:
            >>> float(expression_loss("(y_pred - y_true)**2").optimal_constant([1.0, 2.0, 6.0]))
            3.0
        """
        from scipy.optimize import minimize

        t = np.asarray(y_true, dtype=np.float64)
        w = None if weights is None else np.broadcast_to(np.asarray(weights, np.float64), t.shape)
        if w is not None and (np.any(w < 0) or not np.sum(w) > 0):
            raise ValueError("weights must be non-negative and not all zero")
        low, high = self.link.interval

        def mean_loss(c: np.ndarray) -> float:
            with np.errstate(all="ignore"):
                return float(self(np.full(t.shape, c[0]), t, weights=w))

        def gradient(c: np.ndarray) -> np.ndarray:
            return np.array([float(np.sum(self.grad(np.full(t.shape, c[0]), t, weights=w)))])

        with np.errstate(divide="ignore", invalid="ignore"):
            targets = np.asarray(self.link.link(np.quantile(t, np.linspace(0.05, 0.95, 19))))
        starts = [float(c) for c in np.clip(targets, low, high) if np.isfinite(c)] or [0.0]
        values = [mean_loss(np.array([c])) for c in starts]
        if not np.isfinite(values).any():
            raise ValueError(f"loss {self.name!r} is not finite at any constant tried: {starts}")
        start = np.array([starts[int(np.nanargmin(np.where(np.isfinite(values), values, np.inf)))]])
        found = minimize(mean_loss, start, jac=gradient, method="L-BFGS-B", bounds=[(low, high)],
                         options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 1000})  # fmt: skip
        best = found.x if mean_loss(found.x) <= mean_loss(start) else start
        return np.asarray(best[0])


@functools.lru_cache(maxsize=256)
def _functions(
    expression: str, parameters: tuple[str, ...], task: str, link: links.Link
) -> tuple[Derivation, Callable[..., Array], Callable[..., Array], Callable[..., Array]]:
    derivation = derive(expression, parameters)
    # The links' intervals are the whole line or [0, 1]; binary labels may be soft.
    pred_domain: Domain = "probability" if link.interval == (0.0, 1.0) else "real"
    true_domain: Domain = "probability" if task == "binary" else "real"

    def make(which: int) -> Callable[..., Array]:
        def function(
            y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean", **params: Any
        ) -> Array:
            batch = prepare(
                y_pred, y_true, weights, reduction, pred_domain=pred_domain, true_domain=true_domain
            )
            per_element = _evaluate(derivation, which, batch, params)
            return batch.value(per_element) if which == 0 else batch.derivative(per_element)

        function.__name__ = ("expression_loss", "expression_loss_grad", "expression_loss_hess")[
            which
        ]
        function.__doc__ = f"{function.__name__} of {expression!r}."
        return function

    return derivation, make(0), make(1), make(2)


def expression_loss(
    expression: str,
    *,
    task: Task = "regression",
    y_pred_kind: links.Kind = "value",
    name: str | None = None,
    **params: float,
) -> ExpressionLoss:
    """A loss from an expression in ``y_pred``, ``y_true`` and named parameters.

    The expression is the loss of one element. It may use numbers, ``+ - * /
    **``, unary minus, ``pi``, the parameters, and the functions ``log``,
    ``log1p``, ``exp``, ``expm1``, ``abs``, ``sqrt``, ``tanh``, ``cosh``,
    ``sinh``, ``softplus``, ``sigmoid`` (both evaluated stably),
    ``maximum(a, b)``, ``minimum(a, b)``, ``clip(x, lo, hi)`` and
    ``where(cond, a, b)``, whose condition is one comparison (``<``, ``<=``,
    ``>``, ``>=``, ``==``, ``!=``). Anything else is refused by a whitelist
    parser before any evaluation (:class:`UnsafeExpressionError`).

    The gradient and Hessian are SymPy's exact derivatives with respect to
    ``y_pred``. At kinks they take one side: ``abs`` has derivative
    sign(x) (0 at x = 0, as ``mae``); ``where``, ``maximum``, ``minimum`` and
    ``clip`` differentiate the branch selected at the point, ``maximum``
    and ``minimum`` taking their first argument at a tie. Values are computed
    in NumPy (other array kinds are converted and converted back); a NaN
    result (log of a negative number, say) raises ValueError naming the
    element, overflow gives inf. On torch tensors the loss runs the same
    formulas as torch operations (:mod:`losslab.torch`): differentiable
    twice through autograd, exactly.

    Args:
        expression: the per-element loss, at most 1000 characters.
        task: "regression" or "binary" (elementwise losses only).
        y_pred_kind: what ``y_pred`` is: "value", "log_rate", "logit" or
            "probability" (checked to lie in [0, 1]).
        name: the loss's name; defaults to the expression.
        **params: values of the parameters the expression uses, real numbers.

    Returns:
        An :class:`ExpressionLoss`, a :class:`~losslab.losses.Loss` whose
        ``formulas`` hold the derived gradient and Hessian.

    Example:
        >>> loss = expression_loss("where(y_pred < y_true, k*(y_pred - y_true)**2, "
        ...                        "(y_pred - y_true)**2)", k=5)
        >>> loss([9.0, 11.0], [10.0, 10.0], reduction="none").tolist()
        [5.0, 1.0]
        >>> loss.grad([9.0, 11.0], [10.0, 10.0], reduction="none").tolist()
        [-10.0, 2.0]
        >>> loss.formulas["grad"]
        Piecewise((k*(2*y_pred - 2*y_true), y_pred < y_true), (2*y_pred - 2*y_true, True))
    """
    if task not in ("regression", "binary"):
        raise ValueError(
            f"task={task!r}: expression losses are elementwise, task must be 'regression' or "
            "'binary' (for rows of logits use cost_matrix_cross_entropy or the catalogue)"
        )
    if y_pred_kind not in _ELEMENTWISE_KINDS:
        raise ValueError(
            f"y_pred_kind={y_pred_kind!r} must be one of {', '.join(_ELEMENTWISE_KINDS)}"
        )
    link = links.for_kind(y_pred_kind)
    if not isinstance(expression, str):
        raise TypeError(f"expression must be a string, got {type(expression).__name__}")
    bound = {key: check_range(value, key) for key, value in params.items()}
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    text = expression.strip()
    derivation, value, grad, hess = _functions(text, tuple(sorted(bound)), task, link)
    loss = ExpressionLoss(
        name or text,
        value,
        grad,
        hess,
        params=bound,
        task=task,
        y_pred_kind=y_pred_kind,
        summary=f"Expression loss {text}",
        factory=expression_loss,
        factory_args=(text,),
        factory_kwargs={"task": task, "y_pred_kind": y_pred_kind, "name": name, **bound},
    )
    object.__setattr__(loss, "_derivation", derivation)
    return loss

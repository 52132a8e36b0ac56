"""Quasi-Newton and Newton solvers for a model's penalised loss, through ``scipy.optimize``.

The estimators minimise, over every parameter ``θ`` of a model (weight
matrices ``W`` and bias vectors ``b``),

    f(θ) = Σᵢ wᵢ l(model(xᵢ), yᵢ) / Σᵢ wᵢ  +  ½ α Σ_W ‖W‖²,

the weighted mean loss plus an L2 penalty on the weight matrices (biases
are not penalised, as in scikit-learn's linear models). The gradient is
exact: ``dL/dy_pred`` from ``loss.value_and_grad`` chained through the
model's hand-written backward pass.

- ``"lbfgs"``: L-BFGS-B with that gradient (any model, any loss with a
  gradient). Stops when the largest gradient entry is below ``tol`` or the
  objective stops falling (relative change under 64 machine epsilons).
- ``"trust-ncg"``: Newton conjugate-gradient in a trust region (scipy's
  ``trust-ncg``) with the exact Hessian-vector product, for a linear model
  whose head is the identity: ``H v = Xᵀ U + α v_W`` and ``Σᵣ U`` for the
  bias, with ``U = loss.hvp(Z, y, X v_W + v_b)``. For losses with a second
  derivative almost everywhere (C¹ and smoother: Huber's is piecewise
  constant); a kinked loss (MAE, hinge, pinball) has no curvature to use.

>>> import numpy as np
>>> from losslab import losses
>>> from losslab.models import LinearRegression
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
>>> model = LinearRegression(1)
>>> result = minimize(model, losses.get("mse"), X, y, tol=1e-10)
>>> result.converged, np.round(model.params["weight"][:, 0], 6), np.round(model.params["bias"], 6)
(True, array([2.]), array([1.]))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.optimize

from losslab.models import Linear, Model

__all__ = ["SOLVERS", "Result", "minimize"]

SOLVERS = ("lbfgs", "trust-ncg")
"""The solvers :func:`minimize` runs."""


@dataclass(frozen=True)
class Result:
    """How a :func:`minimize` run ended.

    Attributes:
        n_iter: Iterations of the solver.
        converged: Whether it met its tolerance.
        objective: The penalised objective at the end.
        message: The solver's own words on why it stopped.
    """

    n_iter: int
    converged: bool
    objective: float
    message: str


class _Objective:
    """``f(θ)``, its gradient and Hessian-vector products, on a flat parameter vector."""

    def __init__(self, model: Model, loss: Any, X, y, weights, alpha: float) -> None:
        self.model, self.loss, self.X, self.y, self.weights = model, loss, X, y, weights
        self.alpha = float(alpha)
        self.names = list(model.params)
        # Weight matrices are penalised, bias vectors are not.
        self.penalised = [model.params[name].ndim >= 2 for name in self.names]
        sizes = [model.params[name].size for name in self.names]
        self.bounds = np.cumsum([0, *sizes])
        self.mask = np.concatenate(
            [
                np.full(size, 1.0 if on else 0.0)
                for size, on in zip(sizes, self.penalised, strict=True)
            ]
        )
        self.buffer: np.ndarray | None = None

    def pack(self) -> np.ndarray:
        return np.concatenate([self.model.params[name].ravel() for name in self.names])

    def unpack(self, theta: np.ndarray) -> None:
        for name, start, stop in zip(self.names, self.bounds[:-1], self.bounds[1:], strict=True):
            param = self.model.params[name]
            param[...] = theta[start:stop].reshape(param.shape)

    def penalty(self) -> float:
        params = self.model.params
        return (
            0.5
            * self.alpha
            * sum(
                float(np.sum(params[name] ** 2))
                for name, on in zip(self.names, self.penalised, strict=True)
                if on
            )
        )

    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        self.unpack(theta)
        y_pred, cache = self.model.forward(self.X)
        if not np.all(np.isfinite(y_pred)):
            # A trial step of the line search that overflowed: infinitely bad, so it backtracks.
            return math.inf, np.zeros_like(theta)
        if self.buffer is None or self.buffer.shape != y_pred.shape:
            self.buffer = np.empty_like(y_pred)
        value, grad_pred = self.loss.value_and_grad(
            y_pred, self.y, weights=self.weights, out=self.buffer
        )
        grads = self.model.backward(cache, grad_pred)
        flat = np.concatenate([grads[name].ravel() for name in self.names])
        if not self.alpha:
            return float(value), flat
        penalised = theta * self.mask
        flat += self.alpha * penalised
        return float(value) + 0.5 * self.alpha * float(penalised @ penalised), flat

    def hvp(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        """``H v`` for a linear model with an identity head (see the module docstring)."""
        self.unpack(theta)
        weight, bias = self.model.params["weight"], self.model.params["bias"]
        d, k = weight.shape
        v_weight, v_bias = v[: d * k].reshape(d, k), v[d * k :]
        z = self.X @ weight + bias
        dz = self.X @ v_weight + v_bias
        if k == 1:
            z, dz = z[:, 0], dz[:, 0]
        u = np.asarray(self.loss.hvp(z, self.y, dz, weights=self.weights)).reshape(-1, k)
        out_weight = self.X.T @ u + self.alpha * v_weight
        return np.concatenate([out_weight.ravel(), u.sum(axis=0)])


def _lbfgs(objective: _Objective, theta0: np.ndarray, tol: float, max_iter: int):
    """L-BFGS-B, restarted (memory cleared) while a failed line search still made progress."""
    options = {"gtol": tol, "ftol": 64 * np.finfo(float).eps, "maxls": 50}
    n_iter, previous = 0, math.inf
    while True:
        found = scipy.optimize.minimize(
            objective.value_and_grad, theta0, method="L-BFGS-B", jac=True,
            options={**options, "maxiter": max_iter - n_iter},
        )  # fmt: skip
        n_iter += int(found.nit)
        progress = previous - found.fun > 64 * np.finfo(float).eps * max(1.0, abs(found.fun))
        if found.status != 2 or n_iter >= max_iter or not progress:
            return found, n_iter
        previous, theta0 = found.fun, found.x


def minimize(
    model: Model,
    loss: Any,
    X: np.ndarray,
    y: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    alpha: float = 0.0,
    solver: str = "lbfgs",
    tol: float = 1e-5,
    max_iter: int = 200,
    smooth: bool = True,
) -> Result:
    """Minimise the penalised mean loss of ``model`` in place, from its current parameters.

    Args:
        model: The model; its ``params`` end at the solution found.
        loss: Anything with ``value_and_grad`` (``hvp`` too for ``"trust-ncg"``).
        X: Features ``(n, d)``, float64.
        y: Targets as the loss reads them.
        weights: Per-row weights, or None.
        alpha: L2 coefficient on the weight matrices, ``>= 0``.
        solver: ``"lbfgs"`` or ``"trust-ncg"``.
        tol: Gradient tolerance: L-BFGS-B's ``gtol`` (largest gradient entry)
            and trust-ncg's ``gtol`` (gradient norm).
        max_iter: Most iterations.
        smooth: Whether the loss is continuously differentiable (C¹). For a
            kinked loss (MAE, pinball, hinge) L-BFGS ends when its line
            search finds no step that lowers the objective enough: no
            gradient vanishes at a kink. That end counts as converged.

    Returns:
        The :class:`Result`.

    Raises:
        ValueError: An unknown solver, or ``"trust-ncg"`` for a model that is
            not linear with an identity head, or a loss without ``hvp``.
    """
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    objective = _Objective(model, loss, X, y, weights, alpha)
    theta0 = objective.pack()
    with np.errstate(all="ignore"):
        if solver == "lbfgs":
            found, n_iter = _lbfgs(objective, theta0, tol, max_iter)
            # At a kink the line search may find no step meeting the Wolfe conditions
            # (scipy's status 2): the usual end for a loss that is not C¹, where no
            # gradient vanishes; for a smooth loss it is a failure.
            converged = bool(found.status == 0 or (found.status == 2 and not smooth))
        else:
            if not (isinstance(model, Linear) and model.head == "identity"):
                raise ValueError(
                    "solver 'trust-ncg' needs a linear model with an identity head; use 'lbfgs'"
                )
            if not hasattr(loss, "hvp"):
                raise ValueError(f"solver 'trust-ncg' needs loss.hvp; {loss!r} has none")
            found = scipy.optimize.minimize(
                objective.value_and_grad, theta0, method="trust-ncg", jac=True,
                hessp=objective.hvp, options={"maxiter": max_iter, "gtol": tol},
            )  # fmt: skip
            converged, n_iter = bool(found.success), int(found.nit)
    objective.unpack(found.x)
    return Result(
        n_iter=n_iter,
        converged=converged,
        objective=float(found.fun),
        message=str(found.message),
    )

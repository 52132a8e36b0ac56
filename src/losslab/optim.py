"""First-order optimizers and learning-rate schedules, following ``torch.optim``.

An optimizer updates a dict of NumPy parameter arrays in place from a dict
of gradients with the same keys: ``optimizer.step(params, grads)``. With
weight decay λ every gradient first becomes ``g + λ θ`` (L2 penalty
``½ λ ‖θ‖²`` added to the objective, as ``torch.optim``'s ``weight_decay``;
it applies to every parameter, biases included, unless ``decay_bias=False``
leaves the bias vectors, the one-dimensional parameters, undecayed, as
scikit-learn's linear models do). With an L1 coefficient α the gradient
also gains ``α sign(θ)``, the subgradient of the penalty ``α ‖θ‖₁`` (0 at
``θ = 0``), on the same parameters weight decay acts on. With learning rate η:

- ``GD`` / ``SGD``: ``θ ← θ − η g`` (GD is full batch, SGD uses mini-batches:
  the batching lives in :func:`losslab.train.fit`);
- ``Momentum``: ``v ← μ v + g``, ``θ ← θ − η v`` (PyTorch's heavy ball, ``v_0 = 0``);
- ``Nesterov``: ``v ← μ v + g``, ``θ ← θ − η (g + μ v)`` (PyTorch's ``nesterov=True``);
- ``Adam``: ``m ← β₁ m + (1 − β₁) g``, ``s ← β₂ s + (1 − β₂) g²``,
  ``θ ← θ − η m̂ / (sqrt(ŝ) + ε)`` with ``m̂ = m / (1 − β₁ᵗ)``, ``ŝ = s / (1 − β₂ᵗ)``.

A schedule gives the learning rate of each epoch (counted from 0) from the
base rate η₀: constant; step, ``η₀ γ^⌊e / step_size⌋`` (``StepLR``); cosine,
``η_min + (η₀ − η_min)(1 + cos(π e / T)) / 2`` (``CosineAnnealingLR``).

>>> params = {"w": np.array([1.0, 2.0])}
>>> opt = make_optimizer("momentum", lr=0.1)
>>> opt.step(params, {"w": np.array([1.0, 1.0])})
>>> params["w"]
array([0.9, 1.9])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "GD",
    "SGD",
    "Adam",
    "ConstantSchedule",
    "CosineSchedule",
    "Momentum",
    "Nesterov",
    "Optimizer",
    "Schedule",
    "StepSchedule",
    "available",
    "make_optimizer",
    "make_schedule",
]


# ----------------------------------------------------------------------------- schedules


class Schedule:
    """Learning rate per epoch: ``schedule(base_lr, epoch) -> lr``."""

    def __call__(self, base_lr: float, epoch: int) -> float:
        """The learning rate of ``epoch`` (0-based)."""
        raise NotImplementedError


@dataclass(frozen=True)
class ConstantSchedule(Schedule):
    """``η_e = η₀``."""

    def __call__(self, base_lr: float, epoch: int) -> float:
        """The base rate, whatever the epoch."""
        return base_lr


@dataclass(frozen=True)
class StepSchedule(Schedule):
    """``η_e = η₀ γ^⌊e / step_size⌋``, PyTorch's ``StepLR``."""

    step_size: int = 10
    gamma: float = 0.5

    def __post_init__(self) -> None:
        if self.step_size < 1:
            raise ValueError(f"step_size must be >= 1, got {self.step_size}")
        if self.gamma <= 0:
            raise ValueError(f"gamma must be > 0, got {self.gamma}")

    def __call__(self, base_lr: float, epoch: int) -> float:
        """Multiply by ``gamma`` every ``step_size`` epochs."""
        return base_lr * self.gamma ** (epoch // self.step_size)


@dataclass(frozen=True)
class CosineSchedule(Schedule):
    """``η_e = η_min + (η₀ − η_min)(1 + cos(π e / T)) / 2``, PyTorch's ``CosineAnnealingLR``.

    ``t_max`` is ``T``, the epoch at which the rate reaches ``eta_min``; past it
    the cosine rises again, as in PyTorch.
    """

    t_max: int = 100
    eta_min: float = 0.0

    def __post_init__(self) -> None:
        if self.t_max < 1:
            raise ValueError(f"t_max must be >= 1, got {self.t_max}")

    def __call__(self, base_lr: float, epoch: int) -> float:
        """Half a cosine from ``base_lr`` down to ``eta_min`` over ``t_max`` epochs."""
        return (
            self.eta_min
            + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.t_max)) / 2
        )


def make_schedule(name: str | Schedule | None, **params) -> Schedule:
    """A schedule by name (``"constant"``, ``"step"``, ``"cosine"``) or passed through."""
    if name is None:
        return ConstantSchedule()
    if isinstance(name, Schedule):
        return name
    classes = {"constant": ConstantSchedule, "step": StepSchedule, "cosine": CosineSchedule}
    if name not in classes:
        raise ValueError(f"schedule must be one of {tuple(classes)}, got {name!r}")
    return classes[name](**params)


# ----------------------------------------------------------------------------- optimizers


class Optimizer:
    """Base class: learning rate, schedule, weight decay and per-parameter state.

    Args:
        lr: Base learning rate η₀ > 0.
        weight_decay: L2 coefficient λ ≥ 0 added to gradients as ``λ θ``.
        schedule: A :class:`Schedule` (constant when None).
        decay_bias: Whether weight decay and L1 apply to one-dimensional
            parameters (biases) too; True as in ``torch.optim``.
        l1: L1 coefficient α ≥ 0 added to gradients as ``α sign(θ)``, the
            subgradient of ``α ‖θ‖₁`` taking 0 at ``θ = 0``; a plain
            (sub)gradient step, so weights oscillate around 0 within
            ``η α`` rather than landing on it exactly.

    Example:
        >>> opt = SGD(0.1, l1=0.5)
        >>> w = {"w": np.array([1.0, -2.0, 0.0])}
        >>> opt.step(w, {"w": np.zeros(3)})
        >>> w["w"]
        array([ 0.95, -1.95,  0.  ])
    """

    full_batch = False

    def __init__(
        self,
        lr: float,
        *,
        weight_decay: float = 0.0,
        schedule: Schedule | None = None,
        decay_bias: bool = True,
        l1: float = 0.0,
    ) -> None:
        if not (isinstance(lr, (int, float, np.floating)) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
        if not weight_decay >= 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")
        if not (isinstance(l1, (int, float, np.floating)) and math.isfinite(l1) and l1 >= 0):
            raise ValueError(f"l1 must be a finite number >= 0, got {l1!r}")
        self.l1 = float(l1)
        self.base_lr = float(lr)
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.schedule = schedule if schedule is not None else ConstantSchedule()
        self.decay_bias = bool(decay_bias)
        self.state: dict[str, dict[str, np.ndarray | int]] = {}

    def set_epoch(self, epoch: int) -> None:
        """Set the learning rate of ``epoch`` (0-based) from the schedule."""
        self.lr = float(self.schedule(self.base_lr, epoch))

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every array in ``params`` in place from ``grads`` (same keys)."""
        for name, param in params.items():
            grad = grads[name]
            if self.decay_bias or param.ndim >= 2:
                if self.weight_decay:
                    grad = grad + self.weight_decay * param
                if self.l1:
                    grad = grad + self.l1 * np.sign(param)
            self._update(name, param, grad, self.state.setdefault(name, {}))

    def _update(self, name: str, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        l1 = f", l1={self.l1}" if self.l1 else ""
        return f"{type(self).__name__}(lr={self.base_lr}, weight_decay={self.weight_decay}{l1})"


class SGD(Optimizer):
    """Plain gradient step ``θ ← θ − η g``; :func:`~losslab.train.fit` feeds it mini-batches."""

    def _update(self, name, param, grad, state) -> None:
        param -= self.lr * grad


class GD(SGD):
    """Full-batch gradient descent ``θ ← θ − η ∇L(θ)``."""

    full_batch = True


class Momentum(Optimizer):
    """Heavy-ball momentum: ``v ← μ v + g``, ``θ ← θ − η v``."""

    def __init__(self, lr: float, *, momentum: float = 0.9, **kwargs) -> None:
        super().__init__(lr, **kwargs)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = float(momentum)

    def _velocity(self, grad, state) -> np.ndarray:
        if "velocity" not in state:
            state["velocity"] = grad.copy()
        else:
            state["velocity"] *= self.momentum
            state["velocity"] += grad
        return state["velocity"]

    def _update(self, name, param, grad, state) -> None:
        param -= self.lr * self._velocity(grad, state)


class Nesterov(Momentum):
    """Nesterov momentum in PyTorch's form: ``v ← μ v + g``, ``θ ← θ − η (g + μ v)``."""

    def _update(self, name, param, grad, state) -> None:
        velocity = self._velocity(grad, state)
        param -= self.lr * (grad + self.momentum * velocity)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction; ``t`` counts this parameter's steps."""

    def __init__(
        self, lr: float, *, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8, **kwargs
    ) -> None:
        super().__init__(lr, **kwargs)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {beta}")
        if eps <= 0:
            raise ValueError(f"eps must be > 0, got {eps}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def _update(self, name, param, grad, state) -> None:
        if not state:
            state.update(t=0, m=np.zeros_like(param), s=np.zeros_like(param))
        state["t"] += 1
        t = state["t"]
        state["m"] = self.beta1 * state["m"] + (1 - self.beta1) * grad
        state["s"] = self.beta2 * state["s"] + (1 - self.beta2) * grad * grad
        m_hat = state["m"] / (1 - self.beta1**t)
        s_hat = state["s"] / (1 - self.beta2**t)
        param -= self.lr * m_hat / (np.sqrt(s_hat) + self.eps)


_OPTIMIZERS: dict[str, type[Optimizer]] = {
    "gd": GD,
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adam": Adam,
}


def available() -> tuple[str, ...]:
    """Names accepted by :func:`make_optimizer`."""
    return tuple(_OPTIMIZERS)


def make_optimizer(
    name: str | Optimizer,
    lr: float = 0.01,
    *,
    weight_decay: float = 0.0,
    schedule: str | Schedule | None = None,
    l1: float = 0.0,
    **params,
) -> Optimizer:
    """An optimizer by name with its learning rate, L2 and L1 rates, schedule and extra parameters.

    An :class:`Optimizer` instance is returned as it is. Extra ``params`` go
    to the class (``momentum=0.9``, ``beta1``, ``beta2``, ``eps``).
    """
    if isinstance(name, Optimizer):
        return name
    if name not in _OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {available()}, got {name!r}")
    return _OPTIMIZERS[name](
        lr, weight_decay=weight_decay, schedule=make_schedule(schedule), l1=l1, **params
    )

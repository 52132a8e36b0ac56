"""Activation functions and their derivatives, for hand-written backprop.

Each activation is a pair ``(f, df)`` where ``df(z)`` is ``f'(z)`` evaluated
at the pre-activation ``z``:

- ``tanh``: ``f = tanh z``, ``f' = 1 − tanh² z``;
- ``relu``: ``f = max(z, 0)``, ``f' = 1[z > 0]`` (0 at ``z = 0``, as PyTorch);
- ``sigmoid``: ``f = σ(z) = 1 / (1 + e^{−z})``, ``f' = σ(z)(1 − σ(z))``;
- ``gelu`` (exact, erf form): ``f = z Φ(z)``, ``f' = Φ(z) + z φ(z)`` with Φ, φ
  the standard normal CDF and density.

>>> float(ACTIVATIONS["gelu"][0](np.array(1.0)))
0.8413447460685429
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import expit, ndtr

__all__ = ["ACTIVATIONS", "Activation"]

Activation = tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


def _tanh_grad(z: np.ndarray) -> np.ndarray:
    return 1.0 - np.tanh(z) ** 2


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _relu_grad(z: np.ndarray) -> np.ndarray:
    return (z > 0).astype(z.dtype)


def _sigmoid_grad(z: np.ndarray) -> np.ndarray:
    s = expit(z)
    return s * (1.0 - s)


def _gelu(z: np.ndarray) -> np.ndarray:
    return z * ndtr(z)


def _gelu_grad(z: np.ndarray) -> np.ndarray:
    return ndtr(z) + z * _INV_SQRT_2PI * np.exp(-0.5 * z * z)


ACTIVATIONS: dict[str, Activation] = {
    "tanh": (np.tanh, _tanh_grad),
    "relu": (_relu, _relu_grad),
    "sigmoid": (expit, _sigmoid_grad),
    "gelu": (_gelu, _gelu_grad),
}

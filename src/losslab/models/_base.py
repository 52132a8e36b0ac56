"""What every model offers the training loop."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["Model", "check_features"]


def check_features(X: ArrayLike, n_features: int) -> np.ndarray:
    """``X`` as a float64 ``(n, n_features)`` array, or a ValueError naming ``X``."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(f"X must have shape (n, {n_features}), got {X.shape}")
    return X


class Model:
    """A differentiable model with NumPy parameters and a hand-written backward pass.

    Subclasses set ``params`` (an ordered dict of float64 arrays, updated in
    place by optimizers), ``n_features``, ``n_outputs`` and ``head``, and
    implement :meth:`forward` and :meth:`backward`. With one output the
    prediction has shape ``(n,)``, otherwise ``(n, n_outputs)``.
    """

    params: dict[str, np.ndarray]
    n_features: int
    n_outputs: int
    head: str

    def forward(self, X: ArrayLike) -> tuple[np.ndarray, Any]:
        """Return the prediction the loss reads and a cache for :meth:`backward`."""
        raise NotImplementedError

    def backward(self, cache: Any, grad_output: np.ndarray) -> dict[str, np.ndarray]:
        """Gradients of the loss w.r.t. every parameter, from ``dL/dy_pred`` (same shape)."""
        raise NotImplementedError

    def __call__(self, X: ArrayLike) -> np.ndarray:
        """The prediction for ``X`` (the forward pass without the cache)."""
        return self.forward(X)[0]

    def _output(self, z: np.ndarray) -> np.ndarray:
        return z[:, 0] if self.n_outputs == 1 else z

    def _grad_matrix(self, grad_output: np.ndarray, n: int) -> np.ndarray:
        grad_output = np.asarray(grad_output, dtype=np.float64)
        expected = (n,) if self.n_outputs == 1 else (n, self.n_outputs)
        if grad_output.shape != expected:
            raise ValueError(f"grad_output must have shape {expected}, got {grad_output.shape}")
        return grad_output.reshape(n, self.n_outputs)

    @property
    def output_bias(self) -> np.ndarray:
        """The output layer's bias, ``(n_outputs,)``: the last entry of ``params`` (a view)."""
        return next(reversed(self.params.values()))

    def parameter_norm(self) -> float:
        """Euclidean norm of all parameters stacked into one vector."""
        return float(np.sqrt(sum(np.sum(p * p) for p in self.params.values())))

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}{tuple(v.shape)}" for k, v in self.params.items())
        return f"{type(self).__name__}({shapes}, head={self.head!r})"

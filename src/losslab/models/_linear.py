"""Linear models: ``z = X W + b`` followed by an output head.

Forward: ``Z = X W + b`` with ``W`` of shape ``(d, k)`` and ``b`` of shape
``(k,)``, then ``y_pred = head(Z)``. Backward, given ``G = dL/dy_pred``:
``dL/dZ = head'(Z) ⊙ G``, ``dL/dW = Xᵀ dL/dZ``, ``dL/db = Σ_rows dL/dZ``.

Initialisation: zeros by default (the objectives of linear models under the
convex losses have one basin, and a zero start makes runs reproducible
without a seed), or ``init="glorot"``: ``W ~ U(−a, a)``, ``a = sqrt(6 / (d + k))``
(Glorot & Bengio, 2010) from ``seed``; ``b = 0``.

>>> model = LinearRegression(2)
>>> model.params["weight"][:, 0] = [1.0, -1.0]
>>> model(np.array([[3.0, 1.0]]))
array([2.])
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from losslab.models._base import Model, check_features
from losslab.models._heads import check_head, head_backward, head_forward

__all__ = [
    "Linear",
    "LinearRegression",
    "LogisticRegression",
    "SoftmaxRegression",
    "glorot_uniform",
]


def glorot_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """``U(−a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``, shape ``(fan_in, fan_out)``."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out))


class Linear(Model):
    """Affine map with ``n_outputs`` outputs and a head.

    Args:
        n_features: Input width ``d``.
        n_outputs: Output width ``k``; 1 gives predictions of shape ``(n,)``.
        head: ``"identity"`` or ``"sigmoid"``.
        init: ``"zeros"`` or ``"glorot"``.
        seed: Seed for ``init="glorot"``.
    """

    def __init__(
        self,
        n_features: int,
        n_outputs: int = 1,
        *,
        head: str = "identity",
        init: Literal["zeros", "glorot"] = "zeros",
        seed: int | None = 0,
    ) -> None:
        if n_features < 1 or n_outputs < 1:
            raise ValueError(
                f"n_features and n_outputs must be >= 1, got {n_features} and {n_outputs}"
            )
        check_head(head)
        if init == "zeros":
            weight = np.zeros((n_features, n_outputs))
        elif init == "glorot":
            weight = glorot_uniform(n_features, n_outputs, np.random.default_rng(seed))
        else:
            raise ValueError(f"init must be 'zeros' or 'glorot', got {init!r}")
        self.n_features, self.n_outputs, self.head = n_features, n_outputs, head
        self.params = {"weight": weight, "bias": np.zeros(n_outputs)}

    def forward(self, X: ArrayLike) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """``y_pred = head(X W + b)``; the cache is ``(X, head output)``."""
        X = check_features(X, self.n_features)
        out = head_forward(self.head, X @ self.params["weight"] + self.params["bias"])
        return self._output(out), (X, out)

    def backward(self, cache, grad_output: np.ndarray) -> dict[str, np.ndarray]:
        """``dW = Xᵀ (head' ⊙ G)``, ``db = Σ_rows (head' ⊙ G)``."""
        X, out = cache
        grad_z = head_backward(self.head, out, self._grad_matrix(grad_output, X.shape[0]))
        return {"weight": X.T @ grad_z, "bias": grad_z.sum(axis=0)}


class LinearRegression(Linear):
    """Linear regression ``ŷ = X w + b``: one output, identity head."""

    def __init__(
        self, n_features: int, *, init: Literal["zeros", "glorot"] = "zeros", seed: int | None = 0
    ) -> None:
        super().__init__(n_features, 1, head="identity", init=init, seed=seed)


class LogisticRegression(Linear):
    """Logistic regression: one output ``z = X w + b``.

    With ``head="sigmoid"`` (default) the output is ``p = σ(z)``, for the
    ``bce`` loss; with ``head="identity"`` it is the logit ``z``, for losses on
    logits (``bce_with_logits``, ``focal``, ``hinge``), which are then stable
    for large ``|z|``.
    """

    def __init__(
        self,
        n_features: int,
        *,
        head: str = "sigmoid",
        init: Literal["zeros", "glorot"] = "zeros",
        seed: int | None = 0,
    ) -> None:
        super().__init__(n_features, 1, head=head, init=init, seed=seed)


class SoftmaxRegression(Linear):
    """Softmax (multinomial logistic) regression: ``(n, K)`` logits ``X W + b``.

    The softmax itself lives in the loss (``cross_entropy`` on logits), which
    keeps it stable; its link gives the probabilities
    (``losslab.links.SOFTMAX.inverse(z)``).
    """

    def __init__(
        self,
        n_features: int,
        n_classes: int,
        *,
        init: Literal["zeros", "glorot"] = "zeros",
        seed: int | None = 0,
    ) -> None:
        if n_classes < 2:
            raise ValueError(f"n_classes must be >= 2, got {n_classes}")
        super().__init__(n_features, n_classes, head="identity", init=init, seed=seed)

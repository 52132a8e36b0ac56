"""Multi-layer perceptron with hand-written backpropagation.

Forward, for layers ``l = 1 .. L`` with ``A_0 = X``:
``Z_l = A_{l−1} W_l + b_l``; ``A_l = f(Z_l)`` for hidden layers and
``y_pred = head(Z_L)`` for the last. Backward, from ``G = dL/dy_pred``:
``dZ_L = head'(Z_L) ⊙ G``; then for each layer ``dW_l = A_{l−1}ᵀ dZ_l``,
``db_l = Σ_rows dZ_l`` and ``dZ_{l−1} = (dZ_l W_lᵀ) ⊙ f'(Z_{l−1})``.

Initialisation (seeded): hidden layers feeding ``relu`` or ``gelu`` use He
normal, ``W ~ N(0, 2 / fan_in)`` (He et al., 2015); those feeding ``tanh`` or
``sigmoid`` and the output layer use Glorot uniform,
``W ~ U(±sqrt(6 / (fan_in + fan_out)))``. Biases start at 0.

>>> model = MLP(2, hidden=(8, 8), activation="gelu", seed=0)
>>> model(np.zeros((3, 2))).shape
(3,)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from losslab.models._activations import ACTIVATIONS
from losslab.models._base import Model, check_features
from losslab.models._heads import check_head, head_backward, head_forward
from losslab.models._linear import glorot_uniform

__all__ = ["MLP"]


class MLP(Model):
    """Fully connected network with one activation for all hidden layers.

    Args:
        n_features: Input width.
        hidden: Width of each hidden layer, e.g. ``(32, 16)``; ``()`` gives a linear model.
        n_outputs: Output width; 1 gives predictions of shape ``(n,)``.
        activation: ``"tanh"``, ``"relu"``, ``"sigmoid"`` or ``"gelu"`` (exact erf form).
        head: ``"identity"`` or ``"sigmoid"``.
        seed: Seed of the initialisation.

    Parameters are named ``W1, b1, …, WL, bL``.
    """

    def __init__(
        self,
        n_features: int,
        hidden: Sequence[int] = (16,),
        n_outputs: int = 1,
        *,
        activation: str = "tanh",
        head: str = "identity",
        seed: int | None = 0,
    ) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}, got {activation!r}")
        check_head(head)
        widths = [n_features, *(int(h) for h in hidden), n_outputs]
        if min(widths) < 1:
            raise ValueError(f"all layer widths must be >= 1, got {widths}")
        rng = np.random.default_rng(seed)
        self.params = {}
        n_layers = len(widths) - 1
        for layer, (fan_in, fan_out) in enumerate(itertools.pairwise(widths), start=1):
            if layer < n_layers and activation in ("relu", "gelu"):
                weight = rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_in, fan_out))
            else:
                weight = glorot_uniform(fan_in, fan_out, rng)
            self.params[f"W{layer}"] = weight
            self.params[f"b{layer}"] = np.zeros(fan_out)
        self.n_features, self.n_outputs, self.head = n_features, n_outputs, head
        self.hidden = tuple(widths[1:-1])
        self.activation = activation
        self.n_layers = n_layers

    def forward(self, X: ArrayLike) -> tuple[np.ndarray, tuple[list, list, np.ndarray]]:
        """Run the layers; the cache keeps each layer's input and pre-activation."""
        f = ACTIVATIONS[self.activation][0]
        a = check_features(X, self.n_features)
        inputs, pre = [], []
        for layer in range(1, self.n_layers + 1):
            z = a @ self.params[f"W{layer}"] + self.params[f"b{layer}"]
            inputs.append(a)
            pre.append(z)
            a = f(z) if layer < self.n_layers else head_forward(self.head, z)
        return self._output(a), (inputs, pre, a)

    def backward(self, cache, grad_output: np.ndarray) -> dict[str, np.ndarray]:
        """Backpropagate ``dL/dy_pred`` through the head and every layer."""
        df = ACTIVATIONS[self.activation][1]
        inputs, pre, out = cache
        grad_z = head_backward(self.head, out, self._grad_matrix(grad_output, out.shape[0]))
        grads: dict[str, np.ndarray] = {}
        for layer in range(self.n_layers, 0, -1):
            grads[f"W{layer}"] = inputs[layer - 1].T @ grad_z
            grads[f"b{layer}"] = grad_z.sum(axis=0)
            if layer > 1:
                grad_z = (grad_z @ self.params[f"W{layer}"].T) * df(pre[layer - 2])
        return {name: grads[name] for name in self.params}

"""Ordinal regression: CORAL's K - 1 binary questions "is the label above k?"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from array_api_compat import device

from losslab import links
from losslab._math import array_math, bind
from losslab.losses._classification import BCEWithLogits
from losslab.losses._define import Rows
from losslab.losses._properties import Properties
from losslab.losses._registry import register


def _binary(xp: Any, which: str, z: Any, t: Any) -> Any:
    """BCE-with-logits' element function ``which`` of each threshold against [y > k]."""
    thresholds = xp.arange(z.shape[-1], device=device(z))
    above = xp.astype(t[..., None] > thresholds, z.dtype)
    function = bind(getattr(BCEWithLogits, which), array_math(xp, z.dtype))
    return function(z, above, 1.0, 1.0)


class Coral(Rows):
    r"""CORAL ordinal loss (Cao, Mirjalili and Raschka 2020): one logistic question per threshold.

    Domain: ``y_pred`` rows of K - 1 threshold logits ``(..., K - 1)``; ``y_true``
    ordinal labels ``(...)`` in 0..K-1 (integers, or whole floats).

    $$
    \begin{gathered}
    \ell(z) = \sum_k b_k \operatorname{softplus}(-z_k) + (1 - b_k) \operatorname{softplus}(z_k),
    \qquad b_k = [\,y > k\,], \\
    \frac{\partial \ell}{\partial z_k} = \sigma(z_k) - b_k, \qquad \nabla_z^2 \ell =
    \operatorname{diag}\left(\sigma(z_k)\, \sigma(-z_k)\right).
    \end{gathered}
    $$

    Formula: with the binary targets b_k = [y > k] for k = 0..K-2,

        l = sum_k softplus(-z_k) b_k + softplus(z_k) (1 - b_k)

    the binary cross-entropy on logits of each threshold, in the stable form
    of :func:`~losslab.losses.bce_with_logits` (the same element functions).
    Gradient sigmoid(z_k) - b_k; the Hessian block is diagonal,
    sigmoid(z_k) sigmoid(-z_k). The predicted label is the number of
    thresholds with sigmoid(z_k) > 1/2. CORAL's network shares one weight
    vector across the thresholds and adds K - 1 biases; the loss sees only the
    logits and does not impose their ordering. Same as
    ``coral_pytorch.losses.coral_loss(logits, levels, reduction="mean")``
    (levels the rows b) and as summing
    ``torch.nn.functional.binary_cross_entropy_with_logits(z, b,
    reduction="none")`` over the thresholds.

    Example (label 1 of 3 classes: b = (1, 0)):
        >>> round(float(coral([[0.0, 0.0]], [1])), 6)
        1.386294
    """

    name = "coral"
    task = "ordinal"
    link = links.ORDINAL
    target = "ordinal"
    summary = "CORAL ordinal loss: a logistic loss on each threshold 'label above k'."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex and smooth; each threshold pulls with force at most 1 (sqrt(K - 1) per row).

        The row's bound grows with the number of thresholds, which the loss
        does not fix: ``lipschitz`` is None, the force is bounded (robust).
        """
        return Properties(convex=True, smoothness="Cinf", lipschitz=None, robust=True)

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The log-odds of the weighted frequency of [y > k], k = 0..max(y) - 1.

        The row has as many thresholds as the largest label; a threshold no
        label lies above, or below, gets -inf or +inf (the infimum).
        """
        t = np.asarray(y_true, dtype=np.float64).ravel()
        w = np.ones_like(t) if weights is None else np.broadcast_to(weights, np.shape(y_true))
        w = np.asarray(w, dtype=np.float64).ravel()
        top = int(np.max(t)) if t.size else 0
        total = float(np.sum(w))
        above = np.array([float(np.sum(w[t > k])) for k in range(top)])
        with np.errstate(divide="ignore"):
            return np.log(above) - np.log(total - above)

    @staticmethod
    def value(xp, z, t):
        return xp.sum(_binary(xp, "value", z, t), axis=-1)

    @staticmethod
    def grad(xp, z, t):
        """sigmoid(z_k) - [y > k], in the two terms of bce_with_logits' gradient."""
        return _binary(xp, "grad", z, t)

    @staticmethod
    def hess(xp, z, t):
        """diag(sigmoid(z_k) sigmoid(-z_k))."""
        diagonal = _binary(xp, "hess", z, t)
        eye = xp.eye(z.shape[-1], dtype=z.dtype, device=device(z))
        return diagonal[..., None] * eye


coral, coral_grad, coral_hess = register(Coral)

"""Learning to rank: a row of scores for the items of one list, against graded relevance.

Both losses are :class:`~losslab.losses._define.Rows` definitions with
``target="relevance"``: ``y_pred`` and ``y_true`` have the same shape
``(..., L)``, one list of L items per row, and reductions average over lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from array_api_compat import device

from losslab import links
from losslab._array import softmax_parts
from losslab._math import array_math
from losslab.losses._define import Rows
from losslab.losses._properties import Properties
from losslab.losses._registry import register


def _pairs(xp: Any, z: Any, t: Any) -> tuple[Any, Any, Any]:
    """The margins D_ij = s_i - s_j, the pairs [rel_i > rel_j] (as floats) and the vocabulary."""
    margin = z[..., :, None] - z[..., None, :]
    preferred = xp.astype(t[..., :, None] > t[..., None, :], z.dtype)
    return margin, preferred, array_math(xp, z.dtype)


class PairwiseLogistic(Rows):
    r"""RankNet's pairwise logistic loss (Burges et al. 2005): every ordered pair, one logistic.

    Domain: ``y_pred`` rows of L scores ``(..., L)``; ``y_true`` graded
    relevance of the same shape, non-negative (0/1 or grades 0..4).

    $$
    \begin{gathered}
    \ell(s) = \sum_{\mathrm{rel}_i > \mathrm{rel}_j} \log\left(1 + e^{-(s_i - s_j)}\right), \\
    \frac{\partial \ell}{\partial s_k} = \sum_i G_{ik} - \sum_j G_{kj}, \qquad G_{ij} =
    [\,\mathrm{rel}_i > \mathrm{rel}_j\,]\, \sigma(-(s_i - s_j)), \\
    \nabla_s^2 \ell = \operatorname{diag}\Big(\sum_j C_{kj} + \sum_i C_{ik}\Big) - C - C^\top,
    \\
    C_{ij} = [\,\mathrm{rel}_i > \mathrm{rel}_j\,]\, \sigma(s_i - s_j)\, \sigma(-(s_i - s_j)).
    \end{gathered}
    $$

    Formula: the plain sum over the pairs (i, j) of a list with rel_i > rel_j

        l = sum_{rel_i > rel_j} softplus(-(s_i - s_j)) = log(1 + e^{-(s_i - s_j)})

    (ties and equal grades contribute nothing; a list whose grades are all
    equal costs 0). Gradient, with G_ij = [rel_i > rel_j] sigmoid(-(s_i - s_j)):
    dl/ds_k = sum_i G_ik - sum_j G_kj. Hessian, with C_ij = [rel_i > rel_j]
    sigmoid(s_i - s_j) sigmoid(-(s_i - s_j)): diag(sum_j C_kj + sum_i C_ik)
    - C - C^T (each pair a Laplacian 2 x 2 block). A sum per list, not a mean
    over its pairs: as TF-Ranking's ``PairwiseLogisticLoss`` without lambda
    weights sums the pair losses of a list (before its own reduction over
    lists); optax has no pairwise logistic loss. Convex: a sum of convex
    functions of linear maps of the scores.

    Example (the relevant item scored 1 below the other):
        >>> round(float(pairwise_logistic([[0.0, 1.0]], [[1.0, 0.0]])), 6)
        1.313262
    """

    name = "pairwise_logistic"
    task = "ranking"
    link = links.SCORES
    target = "relevance"
    summary = "RankNet: a logistic loss on the score margin of every pair ranked wrong way."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex and smooth; the force grows with the number of pairs (lipschitz None)."""
        return Properties(convex=True, smoothness="Cinf", lipschitz=None, robust=True)

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """Not defined: raises NotImplementedError (see the message)."""
        raise NotImplementedError(
            "pairwise_logistic has no optimal constant: the same scores for every list rank "
            "items by their position in the list, and the loss only depends on score "
            "differences, so a minimiser (if any) is not unique and may lie at infinity"
        )

    @staticmethod
    def value(xp, z, t):
        margin, preferred, m_ = _pairs(xp, z, t)
        return xp.sum(preferred * m_.softplus(-margin), axis=(-2, -1))

    @staticmethod
    def grad(xp, z, t):
        """sum_i G_ik - sum_j G_kj, G_ij = [rel_i > rel_j] sigmoid(s_j - s_i)."""
        margin, preferred, m_ = _pairs(xp, z, t)
        pull = preferred * m_.sigmoid(-margin)
        return xp.sum(pull, axis=-2) - xp.sum(pull, axis=-1)

    @staticmethod
    def hess(xp, z, t):
        """diag(C 1 + C^T 1) - C - C^T, C_ij = [rel_i > rel_j] sigmoid(D_ij) sigmoid(-D_ij)."""
        margin, preferred, m_ = _pairs(xp, z, t)
        c = preferred * m_.sigmoid_product(margin)
        c_t = xp.matrix_transpose(c)
        eye = xp.eye(z.shape[-1], dtype=z.dtype, device=device(z))
        degree = xp.sum(c, axis=-1) + xp.sum(c, axis=-2)
        return degree[..., None] * eye - c - c_t


class SoftmaxRanking(Rows):
    r"""ListNet's softmax cross-entropy of a list (Cao et al. 2007), as optax defines it.

    Domain: ``y_pred`` rows of L scores ``(..., L)``; ``y_true`` non-negative
    relevance of the same shape.

    $$
    \begin{gathered}
    \ell(s) = -\sum_i \mathrm{rel}_i \log p_i, \qquad p = \operatorname{softmax}(s),\ A = \sum_i
    \mathrm{rel}_i, \\
    \nabla_s \ell = A\, p - \mathrm{rel}, \qquad \nabla_s^2 \ell = A
    \left(\operatorname{diag}(p) - p p^\top\right).
    \end{gathered}
    $$

    Formula, with p = softmax(s) over the list and A = sum_i rel_i:

        l = -sum_i rel_i log p_i

    the relevance used as given, not normalised to sum to 1 (as
    ``optax.losses.ranking_softmax_loss(scores, labels)``, whose mean over
    lists this equals: a list of grades (2, 1) weighs three times a list with
    one relevant item). A list with no relevant item costs 0 (optax: the same).
    Gradient A p - rel; Hessian A (diag p - p p^T), as cross-entropy with the
    relevance as target row (:func:`~losslab.losses.cross_entropy` with
    probability targets is the case A = 1). Convex: log-sum-exp is.

    Example:
        >>> round(float(softmax_ranking([[0.0, 0.0]], [[1.0, 0.0]])), 6)
        0.693147
    """

    name = "softmax_ranking"
    task = "ranking"
    link = links.SCORES
    target = "relevance"
    summary = "ListNet / optax: softmax cross-entropy of the scores against the relevance."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex and smooth; force at most about A sqrt(2), growing with the relevance."""
        return Properties(convex=True, smoothness="Cinf", lipschitz=None, robust=True)

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The log of the weighted mean relevance row (up to an additive constant)."""
        t = np.asarray(y_true, dtype=np.float64)
        rows = t.reshape(-1, t.shape[-1])
        w = None if weights is None else np.broadcast_to(weights, t.shape[:-1]).reshape(-1)
        with np.errstate(divide="ignore"):
            return np.log(np.average(rows, axis=0, weights=w))

    @staticmethod
    def value(xp, z, t):
        log_p = softmax_parts(xp, z)[0]
        terms = xp.where(t > 0.0, -t * log_p, xp.zeros_like(log_p))
        return xp.sum(terms, axis=-1)

    @staticmethod
    def grad(xp, z, t):
        """A p - rel, with A = sum_i rel_i."""
        _, p, complement, is_top = softmax_parts(xp, z)
        total = xp.sum(t, axis=-1, keepdims=True)
        rest = xp.sum(xp.where(is_top, xp.zeros_like(t), t), axis=-1, keepdims=True)
        return array_math(xp, z.dtype).softmax_gradient(t, total, rest, p, complement, is_top)

    @staticmethod
    def hess(xp, z, t):
        """A (diag p - p p^T), the diagonal p (1 - p) from the accurate complement."""
        _, p, complement, _ = softmax_parts(xp, z)
        total = xp.sum(t, axis=-1)
        eye = xp.eye(z.shape[-1], dtype=z.dtype, device=device(z))
        block = eye * (p * complement)[..., None] + (eye - 1.0) * (
            p[..., :, None] * p[..., None, :]
        )
        return total[..., None, None] * block


pairwise_logistic, pairwise_logistic_grad, pairwise_logistic_hess = register(PairwiseLogistic)
softmax_ranking, softmax_ranking_grad, softmax_ranking_hess = register(SoftmaxRanking)

"""The seeds' landscape claims, measured: a convex bowl, a saddle, a plateau.

What each claim reads from these results, and when it holds, is in :mod:`losslab.claims`.

- :func:`convex_bowl`: linear regression under MSE has the constant Hessian
  ``H = (2/n) X̃ᵀ X̃`` (``X̃ = [X, 1]``), positive definite when ``X̃`` has full
  column rank: one minimum, the bowl.
- :func:`xor_saddle`: a 2-2-1 tanh network on XOR under ``bce_with_logits``
  at zero weights and hidden biases, output bias ``b = logit(ȳ)``. The
  gradient vanishes there (every hidden activation is ``tanh 0 = 0`` and the
  output already predicts the base rate ``ȳ``). The only non-zero second
  derivatives are ``∂²L/∂b² = ȳ(1 − ȳ)`` and, for each hidden unit ``j``,
  ``∂²L/∂W1[i, j] ∂W2[j] = −c_i`` with ``c = (1/n) Σ (y − ȳ) x`` (as
  ``tanh′(0) = 1``), so the Hessian has eigenvalues ``±‖c‖`` (twice each),
  ``ȳ(1 − ȳ)`` and zeros: a strict saddle with ``λ_min = −‖c‖`` whenever the
  sample has ``c ≠ 0``. For exactly symmetric XOR data (the four corners)
  ``c = 0``: the Hessian is positive semi-definite and the point is a
  degenerate (higher-order) saddle that the second-order test cannot see.
- :func:`sigmoid_plateau`: a logistic unit with the sigmoid head, started
  saturated on the wrong side (``w = −10`` on data with ``|x| ≥ 1``). MSE on
  the probability has gradient ``2(p − y) p(1 − p) x``, and ``p(1 − p) ≤ 5e-5``
  there; cross-entropy's is ``(p − y) x``, which the sigmoid's slope does not shrink.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import logit

from losslab import datasets
from losslab.landscape._curvature import Objective, classify_point, extreme_eigenvalues
from losslab.models import MLP, LogisticRegression

__all__ = ["convex_bowl", "plateau_data", "sigmoid_plateau", "xor_saddle", "xor_saddle_point"]


def convex_bowl(n_samples: int = 200, seed: int = 0) -> dict[str, Any]:
    """Linear regression under MSE: the exact Hessian and its eigenvalues.

    Returns ``eigenvalues`` of ``(2/n) X̃ᵀ X̃`` (ascending) and the Lanczos
    ``smallest``/``largest`` at the origin, which must agree.
    """
    from losslab.models import LinearRegression

    data = datasets.linear(n_samples=n_samples, seed=seed)
    objective = Objective(LinearRegression(data.n_features), "mse", data.X, data.y)
    design = np.column_stack([data.X, np.ones(data.n_samples)])
    exact = np.linalg.eigvalsh(2.0 / data.n_samples * design.T @ design)
    eig = extreme_eigenvalues(objective, np.zeros(objective.n_params))
    return {
        "data": data,
        "objective": objective,
        "eigenvalues": exact,
        "smallest": float(eig.smallest[0]),
        "largest": float(eig.largest[0]),
    }


def xor_saddle_point(y: np.ndarray, hidden: int = 2) -> np.ndarray:
    """The flat parameters of the zero-weight point: all zero but the output bias ``logit(ȳ)``."""
    theta = np.zeros(2 * hidden + hidden + hidden + 1)
    theta[-1] = logit(float(np.mean(y)))
    return theta


def xor_saddle(n_samples: int = 200, seed: int = 0) -> dict[str, Any]:
    """Classify the zero-weight point of a 2-2-1 tanh network on XOR; see the module docstring.

    Returns the :class:`~losslab.landscape.PointClass` as ``point``, the
    predicted ``−‖c‖`` as ``predicted_smallest``, and the objective and point.
    """
    data = datasets.xor(n_samples=n_samples, seed=seed)
    y = data.y.astype(np.float64)
    objective = Objective(MLP(2, (2,), activation="tanh", seed=seed), "bce_with_logits", data.X, y)
    theta = xor_saddle_point(y)
    c = np.mean((y - y.mean())[:, None] * data.X, axis=0)
    return {
        "data": data,
        "objective": objective,
        "theta": theta,
        "point": classify_point(objective, theta),
        "predicted_smallest": -float(np.linalg.norm(c)),
    }


def plateau_data(n_samples: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One feature with ``1 ≤ |x| ≤ 3``, label ``y = 1[x > 0]``: separable with a margin."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(1.0, 3.0, n_samples) * rng.choice((-1.0, 1.0), n_samples)
    return x[:, None], (x > 0).astype(np.float64)


def sigmoid_plateau(weight: float = -10.0, n_samples: int = 200, seed: int = 0) -> dict[str, Any]:
    """MSE and cross-entropy on a sigmoid output at the saturated point ``w = weight, b = 0``.

    Returns, per loss (``"mse"`` on the probability, ``"bce"`` on the
    probability), the :class:`~losslab.landscape.PointClass` at that point.
    """
    X, y = plateau_data(n_samples, seed)
    theta = np.array([weight, 0.0])
    out = {}
    for name in ("mse", "bce"):
        objective = Objective(LogisticRegression(1), name, X, y, match_head=False)
        out[name] = classify_point(objective, theta)
    return out

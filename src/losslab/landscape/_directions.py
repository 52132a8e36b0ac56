"""Directions through parameter space: filter-normalised random directions, Hessian eigenvectors.

Filter normalisation (Li et al., 2018, "Visualizing the Loss Landscape of
Neural Nets"): draw ``d ~ N(0, I)`` shaped like the parameters, then rescale
each filter of ``d`` to the norm of the same filter of ``θ``:
``d_f ← d_f ‖θ_f‖ / ‖d_f‖``. A filter here is one unit's incoming weights:
losslab stores a weight matrix as ``(fan_in, fan_out)``, so a filter is a
column ``W[:, j]`` (a row of PyTorch's ``(out, in)`` layout). Bias vectors
(every 1-D parameter) get a zero direction, as Li et al. do, so planes move
the weights only. Without the rescaling a plane's scale would mean different
things in layers of different norm, and ``α = 1`` would not be comparable
across networks.

>>> from losslab.models import MLP
>>> model = MLP(2, hidden=(3,), seed=0)
>>> d = random_direction(model, seed=1)
>>> parts = unflatten(model.params, d)
>>> norms = np.linalg.norm(parts["W1"], axis=0)
>>> bool(np.allclose(norms, np.linalg.norm(model.params["W1"], axis=0)))
True
>>> float(np.abs(parts["b1"]).max())
0.0
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from losslab.landscape._curvature import Objective, extreme_eigenvalues
from losslab.landscape._params import check_trainable, flatten, unflatten

__all__ = ["filter_normalize", "hessian_directions", "random_direction", "random_plane"]


def filter_normalize(params: dict[str, np.ndarray], direction: np.ndarray) -> np.ndarray:
    """Rescale each filter (weight column) of ``direction`` to that filter's norm in ``params``.

    1-D parameters (biases) are set to zero; a filter of ``direction`` that is
    all zero stays zero. ``direction`` and the result are flat vectors.
    """
    parts = unflatten(params, np.array(direction, dtype=np.float64))
    for name, d in parts.items():
        theta = params[name]
        if d.ndim <= 1:
            d[...] = 0.0
            continue
        d_norm = np.linalg.norm(d, axis=0, keepdims=True)
        scale = np.divide(
            np.linalg.norm(theta, axis=0, keepdims=True),
            d_norm,
            out=np.zeros_like(d_norm),
            where=d_norm > 0,
        )
        d *= scale
    return flatten(parts)


def random_direction(
    model: Any, *, seed: int | None = 0, normalization: Literal["filter", "none"] = "filter"
) -> np.ndarray:
    """A Gaussian direction shaped like ``model.params``, filter-normalised by default."""
    check_trainable(model)
    if normalization not in ("filter", "none"):
        raise ValueError(f"normalization must be 'filter' or 'none', got {normalization!r}")
    d = np.random.default_rng(seed).standard_normal(flatten(model.params).size)
    return filter_normalize(model.params, d) if normalization == "filter" else d


def random_plane(model: Any, *, seed: int | None = 0) -> np.ndarray:
    """Two filter-normalised random directions, shape ``(2, P)``.

    In many dimensions two Gaussian directions are nearly orthogonal
    (cosine ``~ 1/sqrt(P)``), so they are not orthogonalised, as in Li et al.
    """
    rng = np.random.default_rng(seed)
    seeds = rng.integers(0, 2**31, size=2)
    return np.stack([random_direction(model, seed=int(s)) for s in seeds])


def hessian_directions(
    objective: Objective,
    theta: Any,
    *,
    which: Literal["extremes", "top"] = "extremes",
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Unit Hessian eigenvectors at ``theta`` and their eigenvalues, ``((2, P), (2,))``.

    ``"extremes"``: the eigenvectors of ``λ_max`` and ``λ_min`` (at a saddle
    the plane shows the bowl and the ridge); ``"top"``: of the two largest.
    """
    if which == "extremes":
        eig = extreme_eigenvalues(objective, theta, k=1, seed=seed)
        vectors = np.stack([eig.largest_vectors[0], eig.smallest_vectors[0]])
        return vectors, np.array([eig.largest[0], eig.smallest[0]])
    if which == "top":
        eig = extreme_eigenvalues(objective, theta, k=2, seed=seed)
        return eig.largest_vectors, eig.largest
    raise ValueError(f"which must be 'extremes' or 'top', got {which!r}")

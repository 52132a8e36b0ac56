"""Directions through parameter space: filter-normalised random directions, Hessian eigenvectors.

Filter normalisation (Li et al., 2018, "Visualizing the Loss Landscape of
Neural Nets"): draw ``d ~ N(0, I)`` shaped like the parameters, then rescale
each filter of ``d`` to the norm of the same filter of ``θ``:
``d_f ← d_f ‖θ_f‖ / ‖d_f‖``. A filter is one unit's incoming weights, the
slice of a weight at one index of its *filter axis*:

- losslab stores a weight matrix as ``(fan_in, fan_out)``: a filter is a
  column ``W[:, j]`` (``filter_axis=-1``);
- torch stores ``(out, in, ...)`` (``nn.Linear``: ``(out, in)``, ``nn.Conv2d``:
  ``(out, in, kh, kw)``): a filter is ``W[i]``, one output neuron or channel
  (``filter_axis=0``), as in Li et al.'s code.

Every 1-D (or 0-D) parameter, biases and normalisation-layer weights, gets a
zero direction with ``ignore="biasbn"`` (the default, as Li et al. do), so
planes move the weights only; with ``ignore=None`` such a parameter is
normalised as a whole, ``d ← d ‖θ‖ / ‖d‖``. Buffers (BatchNorm's running
statistics) are not parameters and get no direction. Without the rescaling a
plane's scale would mean different things in layers of different norm, and
``α = 1`` would not be comparable across networks.

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

import sys
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from losslab.landscape._curvature import Objective, extreme_eigenvalues
from losslab.landscape._params import check_trainable, flatten, unflatten

__all__ = ["filter_normalize", "hessian_directions", "random_direction", "random_plane"]

Ignore = Literal["biasbn"] | None


def filter_normalize(
    params: Mapping[str, np.ndarray],
    direction: np.ndarray,
    *,
    filter_axis: int = -1,
    ignore: Ignore = "biasbn",
) -> np.ndarray:
    """Rescale each filter of ``direction`` to that filter's norm in ``params``.

    Args:
        params: The parameters ``θ`` by name (their order is the flat order).
        direction: A flat vector ``d``.
        filter_axis: The axis of each weight (``ndim >= 2``) that indexes its
            filters: ``-1`` for losslab's ``(fan_in, fan_out)``, ``0`` for
            torch's ``(out, in, ...)``. The norm of filter ``i`` runs over all
            other axes.
        ignore: ``"biasbn"`` zeroes 1-D parameters; None normalises each as a whole.

    A filter of ``direction`` that is all zero stays zero. Returns a flat vector.
    """
    if ignore not in ("biasbn", None):
        raise ValueError(f"ignore must be 'biasbn' or None, got {ignore!r}")
    if filter_axis not in (0, -1):
        raise ValueError(f"filter_axis must be 0 or -1, got {filter_axis!r}")
    parts = unflatten(params, np.array(direction, dtype=np.float64))
    for name, d in parts.items():
        theta = np.asarray(params[name], dtype=np.float64)
        if d.ndim <= 1:
            if ignore == "biasbn":
                d[...] = 0.0
                continue
            axes: tuple[int, ...] = tuple(range(d.ndim))
        else:
            axis = filter_axis % d.ndim
            axes = tuple(i for i in range(d.ndim) if i != axis)
        d_norm = np.sqrt(np.sum(d * d, axis=axes, keepdims=True))
        scale = np.divide(
            np.sqrt(np.sum(theta * theta, axis=axes, keepdims=True)),
            d_norm,
            out=np.zeros_like(d_norm),
            where=d_norm > 0,
        )
        d *= scale
    return flatten(parts)


def _parameters(model: Any) -> tuple[Mapping[str, np.ndarray], int]:
    """The parameters of ``model`` by name and their filter axis.

    ``model`` is a losslab model or ``landscape.Objective`` (``(fan_in,
    fan_out)`` weights), a ``losslab.torch.Objective`` or a ``torch.nn.Module``
    (torch's layout, its trainable parameters in ``named_parameters`` order).
    """
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(model, torch.nn.Module):
        params = {
            k: p.detach().to(device="cpu", dtype=torch.float64).numpy()
            for k, p in model.named_parameters()
            if p.requires_grad
        }
        if not params:
            raise ValueError("model has no trainable parameters (none requires grad)")
        return params, 0
    if isinstance(model, Objective):
        model = model.model
    check_trainable(model)
    return model.params, getattr(model, "filter_axis", -1)


def random_direction(
    model: Any,
    *,
    seed: int | None = 0,
    normalization: Literal["filter", "none"] = "filter",
    ignore: Ignore = "biasbn",
) -> np.ndarray:
    """A Gaussian direction shaped like the model's parameters, filter-normalised by default.

    ``model`` is a losslab model, a landscape ``Objective``, a
    ``losslab.torch.Objective`` or a ``torch.nn.Module``; the direction is a
    flat vector in that model's parameter order and its filters follow its
    layout (see the module docstring).
    """
    if normalization not in ("filter", "none"):
        raise ValueError(f"normalization must be 'filter' or 'none', got {normalization!r}")
    params, axis = _parameters(model)
    d = np.random.default_rng(seed).standard_normal(sum(np.size(p) for p in params.values()))
    if normalization == "none":
        return d
    return filter_normalize(params, d, filter_axis=axis, ignore=ignore)


def random_plane(model: Any, *, seed: int | None = 0, ignore: Ignore = "biasbn") -> np.ndarray:
    """Two filter-normalised random directions, shape ``(2, P)``.

    In many dimensions two Gaussian directions are nearly orthogonal
    (cosine ``~ 1/sqrt(P)``), so they are not orthogonalised, as in Li et al.
    ``model`` is anything :func:`random_direction` takes.
    """
    rng = np.random.default_rng(seed)
    seeds = rng.integers(0, 2**31, size=2)
    return np.stack([random_direction(model, seed=int(s), ignore=ignore) for s in seeds])


def hessian_directions(
    objective: Any,
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

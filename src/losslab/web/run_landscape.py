"""A 2-D slice of one playground run's loss, with its trajectory projected on it.

Three planes, as :mod:`losslab.landscape` draws them:

- ``"weights"``: two parameter entries on their own axes, the others held at
  their current values (:func:`~losslab.landscape.grid_surface`): ``(w₁, w₂)``
  for a logistic model on two features, ``(w, b)`` for a line on one. The
  path is the two entries' values, epoch by epoch.
- ``"random"``: ``θ(α, β) = θ₀ + α d₁ + β d₂`` with ``θ₀`` the run's start
  and ``d₁, d₂`` filter-normalised random directions
  (:func:`~losslab.landscape.random_plane`, normalised to ``θ₀``'s filters,
  seeded, so the plane stays put while the run trains); each point of the path
  is placed by least squares, ``(α, β) = argmin ‖θ_t − θ₀ − α d₁ − β d₂‖``.
  The path mostly leaves the plane: its points are shadows, and the loss drawn
  under one is not the run's loss there (except at the start).
- ``"pca"``: the plane of the path's two principal directions, centred on
  the latest point (:func:`~losslab.landscape.pca_plane`); it moves as the run
  does, and is computed again at every request.

``"auto"`` is ``"weights"`` where the model has exactly such a pair and
``"random"`` otherwise. The grid spans the path with a margin, so the
current point (the last of the path) is always on it.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from losslab.landscape import (
    grid_surface,
    parse_coordinate,
    pca_plane,
    plane_surface,
    random_plane,
    set_flat,
)
from losslab.models import Linear
from losslab.web.errors import FieldError
from losslab.web.jobs import JobRun, finite

PLANES = ("auto", "weights", "random", "pca")


def weight_pair(model: Any) -> tuple[str, str] | None:
    """The two entries the ``"weights"`` plane draws, or None when the model has no such pair.

    A linear model with one output: ``(weight[0], weight[1])`` on two
    features, ``(weight[0], bias)`` on one.
    """
    if not isinstance(model, Linear):
        return None
    weight = model.params["weight"]
    if weight.ndim != 2 or weight.shape[1] != 1:
        return None
    if weight.shape[0] == 2:
        return ("weight[0]", "weight[1]")
    if weight.shape[0] == 1:
        return ("weight[0]", "bias")
    return None


def _span(coords: np.ndarray, center: tuple[float, float], floor: float) -> list[list[float]]:
    """Ranges around ``center`` that hold every point of ``coords`` with a 30% margin."""
    ranges = []
    for axis in range(2):
        reach = float(np.max(np.abs(coords[:, axis] - center[axis]))) if len(coords) else 0.0
        half = max(1.3 * reach, floor)
        ranges.append([center[axis] - half, center[axis] + half])
    return ranges


def run_slice(job_run: JobRun, path: np.ndarray, epochs: list[int], plane: str, size: int,
              seed: int) -> dict[str, Any]:  # fmt: skip
    """The loss of ``job_run``'s training rows on a ``size`` x ``size`` grid of ``plane``.

    Args:
        job_run: The run; its model gives the architecture (not modified).
        path: The run's flat parameters so far, shape ``(T, P)``, the last the current.
        epochs: The epoch of each row of ``path``.
        plane: One of :data:`PLANES`.
        size: Grid points per axis.
        seed: Seed of the random directions.

    Returns:
        ``plane`` (the one drawn), ``x``, ``y``, ``z`` (``z[j][i]`` at
        ``x[i]``, ``y[j]``), ``path`` (``[[x, y], ...]``), ``epochs``,
        ``current`` (the last point), axis labels, the loss's name and
        ``explained`` (PCA's share of variance, else None).

    Raises:
        FieldError: naming ``plane`` for a plane the model cannot have, or
            ``index`` for a run without a finite point.
    """
    # A diverged run's last points may be NaN or inf: the slice is of the finite ones.
    keep = np.all(np.isfinite(path), axis=1)
    if not keep.any():
        raise FieldError("index", "the run has no finite parameters to draw")
    path, epochs = path[keep], [e for e, k in zip(epochs, keep, strict=True) if k]
    model = copy.deepcopy(job_run.model)
    set_flat(model, path[-1])
    X, y, _, _ = job_run.run.training_data()
    loss = job_run.loss
    pair = weight_pair(model)
    if plane == "auto":
        plane = "weights" if pair is not None else "random"
    explained = None
    if plane == "weights":
        if pair is None:
            raise FieldError("plane", "only a linear model with one output has a weight plane")
        flat = [parse_coordinate(model, name).flat for name in pair]
        coords = path[:, flat]
        current = (float(coords[-1, 0]), float(coords[-1, 1]))
        ranges = _span(coords, current, 1.0)
        surface = grid_surface(model, loss, X, y, params=pair, ranges=ranges, resolution=size)
        labels = pair
    elif plane == "random":
        start = copy.deepcopy(model)
        set_flat(start, path[0])
        directions = random_plane(start, seed=seed)
        coords = np.linalg.lstsq(directions.T, (path - path[0]).T, rcond=None)[0].T
        ranges = _span(coords, (0.0, 0.0), 0.5)
        surface = plane_surface(
            model, loss, X, y, directions, center=path[0], ranges=ranges, resolution=size
        )
        labels = ("α (random d₁)", "β (random d₂)")
    elif plane == "pca":
        if len(path) < 3:
            raise FieldError("plane", "the PCA plane needs at least 3 recorded epochs")
        try:
            pca = pca_plane(path)
        except ValueError as error:
            raise FieldError("plane", str(error)) from None
        coords = pca.coords
        ranges = _span(coords, (0.0, 0.0), 0.1)
        surface = plane_surface(
            model, loss, X, y, pca.directions, center=pca.center, ranges=ranges,
            resolution=size,
        )  # fmt: skip
        labels = ("PC1", "PC2")
        explained = finite(pca.explained, 4)
    else:
        raise FieldError("plane", f"must be one of {PLANES}, got {plane!r}")
    return {
        "plane": plane, "x": finite(surface.x), "y": finite(surface.y),
        "z": finite(np.asarray(surface.values)), "path": finite(coords),
        "epochs": [int(e) for e in epochs], "current": finite(coords[-1]),
        "labels": list(labels), "loss": loss.name, "label": job_run.label,
        "explained": explained,
    }  # fmt: skip

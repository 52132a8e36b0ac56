"""Optimizer trajectories: recording them, training a few free entries, PCA and its control.

PCA of a trajectory (Li et al., 2018): stack ``θ_t − θ_T`` (every recorded
point minus the final one) as rows, take the top two right singular vectors
as a plane through ``θ_T`` and project the trajectory onto it. The share of
variance the two components explain, ``(s₁² + s₂²) / Σ s_i²``, looks like
"training moves in a plane", but a random walk does that too: Antognini &
Sohl-Dickstein (2018) show the first two (mean-centred) components of a
random walk in many dimensions explain about 80% of its variance (61% and
15%); centred on the final point, as here, the share is higher still (about
90% for 100 steps in 1000 dimensions, measured in the tests). The
:func:`random_walk_control` walk has the trajectory's step lengths in random
directions; a trajectory is only remarkable for how far it exceeds that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from losslab.landscape._params import check_trainable, flatten, parse_coordinate
from losslab.models import Model
from losslab.train import History, fit

__all__ = [
    "PCAPlane",
    "TrajectoryRecorder",
    "pca_plane",
    "random_walk_control",
    "train_with_trajectory",
    "trainable_view",
]


class TrajectoryRecorder:
    """A :func:`losslab.train.fit` callback keeping the flat parameters of every epoch.

    Create it with the model before training, so epoch 0 (the start) is
    recorded too; ``fit`` calls it after each later epoch.

    Example:
        >>> import numpy as np
        >>> from losslab.models import LinearRegression
        >>> from losslab.train import fit
        >>> model = LinearRegression(1)
        >>> recorder = TrajectoryRecorder(model)
        >>> _ = fit(model, "mse", [[0.0], [1.0]], [1.0, 3.0], epochs=3, callbacks=[recorder])
        >>> recorder.array.shape
        (4, 2)
    """

    def __init__(self, model: Model) -> None:
        check_trainable(model)
        self.points: list[np.ndarray] = [flatten(model.params)]

    def __call__(self, epoch: int, record: dict[str, float], model: Model) -> None:
        """Append the parameters after ``epoch``; never stops the run."""
        self.points.append(flatten(model.params))

    @property
    def array(self) -> np.ndarray:
        """The trajectory, shape ``(epochs + 1, P)``."""
        return np.stack(self.points)


class _Frozen(Model):
    """A view of ``model`` whose backward pass zeroes the gradient of all but ``free`` entries.

    It shares ``model.params``, so an optimizer stepping it moves only the
    free entries (with zero gradient, GD, momentum and Adam leave an entry
    where it is when weight decay is 0).
    """

    def __init__(self, model: Model, free: Sequence[str]) -> None:
        self.inner = model
        self.params = model.params
        self.n_features, self.n_outputs, self.head = model.n_features, model.n_outputs, model.head
        self.masks = {k: np.zeros(v.shape) for k, v in model.params.items()}
        for spec in free:
            coord = parse_coordinate(model, spec, "free")
            self.masks[coord.name][coord.index] = 1.0

    def forward(self, X: Any) -> tuple[np.ndarray, Any]:
        return self.inner.forward(X)

    def backward(self, cache: Any, grad_output: np.ndarray) -> dict[str, np.ndarray]:
        grads = self.inner.backward(cache, grad_output)
        return {k: g * self.masks[k] for k, g in grads.items()}


def trainable_view(model: Model, free: Sequence[str]) -> Model:
    """A view of ``model`` that trains only the entries ``free``, for :func:`losslab.train.fit`.

    The view shares ``model.params`` and zeroes the gradient of every other
    entry, so an optimizer without weight decay leaves those where they are.

    Raises:
        ValueError: Naming ``free``, for an entry ``model`` does not have.

    Example:
        >>> from losslab.models import LinearRegression
        >>> from losslab.train import fit
        >>> model = LinearRegression(2)
        >>> _ = fit(trainable_view(model, ["weight[1]"]), "mse", [[1.0, 1.0]], [2.0], epochs=5)
        >>> model.params["weight"].ravel().tolist()[0], model.params["bias"].tolist()
        (0.0, [0.0])
    """
    return _Frozen(model, free)


def train_with_trajectory(
    model: Model,
    loss: Any,
    X: Any,
    y: Any,
    *,
    free: Sequence[str] | None = None,
    **fit_kwargs: Any,
) -> tuple[History, np.ndarray]:
    """Train ``model`` in place with :func:`losslab.train.fit`, recording every epoch.

    Args:
        model: The model to train.
        loss: A loss name or object.
        X: Features.
        y: Targets.
        free: Entries to train (``("weight[0]", "weight[1]")``); the others
            stay fixed, so the trajectory lies exactly in the surface of
            :func:`~losslab.landscape.grid_surface` over these entries. Needs
            ``weight_decay=0``. None trains everything.
        **fit_kwargs: Passed to ``fit`` (``lr``, ``epochs``, ``optimizer`` ...).

    Returns:
        The History and the trajectory, shape ``(epochs + 1, P)``.
    """
    check_trainable(model)
    callbacks = list(fit_kwargs.pop("callbacks", ()))
    recorder = TrajectoryRecorder(model)
    target = model
    if free is not None:
        if fit_kwargs.get("weight_decay", 0.0):
            raise ValueError("free: weight decay would move the fixed entries; use weight_decay=0")
        target = trainable_view(model, free)
    history = fit(target, loss, X, y, callbacks=[recorder, *callbacks], **fit_kwargs)
    return history, recorder.array


@dataclass(frozen=True)
class PCAPlane:
    """The top-2 PCA plane of a trajectory.

    Attributes:
        center: The final point ``θ_T``, the plane's origin.
        directions: Orthonormal directions, shape ``(2, P)``.
        coords: The trajectory projected on them, shape ``(T, 2)``.
        explained: Share of variance of each component, shape ``(2,)``.
    """

    center: np.ndarray
    directions: np.ndarray
    coords: np.ndarray
    explained: np.ndarray

    @property
    def explained_total(self) -> float:
        """Share of variance the plane explains."""
        return float(self.explained.sum())


def pca_plane(trajectory: Any) -> PCAPlane:
    """PCA of ``θ_t − θ_T``: the plane of the two top right singular vectors.

    Raises:
        ValueError: naming ``trajectory`` if it is not ``(T, P)`` with
            ``T >= 3``, ``P >= 2`` and some movement.
    """
    traj = np.asarray(trajectory, dtype=np.float64)
    if traj.ndim != 2 or traj.shape[0] < 3 or traj.shape[1] < 2:
        raise ValueError(f"trajectory must have shape (T >= 3, P >= 2), got {traj.shape}")
    center = traj[-1]
    diffs = traj - center
    _, s, vt = np.linalg.svd(diffs, full_matrices=False)
    total = float(np.sum(s * s))
    if total == 0.0:
        raise ValueError("trajectory does not move; there is no plane to find")
    directions = vt[:2]
    return PCAPlane(center, directions, diffs @ directions.T, s[:2] ** 2 / total)


def random_walk_control(
    trajectory: Any, *, n_walks: int = 20, seed: int = 0
) -> tuple[float, float]:
    """Variance the top-2 PCA plane explains for random walks like ``trajectory``.

    Each walk takes the trajectory's step lengths ``‖θ_{t+1} − θ_t‖`` in
    uniformly random directions of the same dimension. Returns the mean and
    standard deviation, over ``n_walks`` walks, of the explained share.
    """
    traj = np.asarray(trajectory, dtype=np.float64)
    if traj.ndim != 2 or traj.shape[0] < 3:
        raise ValueError(f"trajectory must have shape (T >= 3, P), got {traj.shape}")
    steps = np.linalg.norm(np.diff(traj, axis=0), axis=1)
    rng = np.random.default_rng(seed)
    shares = []
    for _ in range(n_walks):
        directions = rng.standard_normal((steps.size, traj.shape[1]))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        walk = np.vstack([np.zeros(traj.shape[1]), np.cumsum(steps[:, None] * directions, 0)])
        shares.append(pca_plane(walk).explained_total)
    return float(np.mean(shares)), float(np.std(shares))

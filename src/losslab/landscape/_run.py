"""What ``losslab landscape`` does: train, compute surfaces, write figures and a page.

For a linear model on one feature the surface is exact over (slope,
intercept), and training moves exactly those two entries; with more features
it is over ``weight[0], weight[1]`` with the other entries fixed and trained
as fixed (only the two move). For an MLP the surface is a plane through the
trained parameters: ``random`` (filter-normalised, Li et al. 2018), ``pca``
(of the trajectory, with the random-walk control) or ``hessian`` (the
eigenvectors of ``λ_max`` and ``λ_min``), plus the line from the start to the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from losslab import datasets
from losslab.landscape._curvature import Objective
from losslab.landscape._directions import hessian_directions, random_plane
from losslab.landscape._figures import (
    compare_figure,
    contour_figure,
    line_figure,
    pca_figure,
    save_figure,
)
from losslab.landscape._page import write_page
from losslab.landscape._surface import grid_surface, interpolate, plane_surface
from losslab.landscape._trajectory import pca_plane, random_walk_control, train_with_trajectory
from losslab.models import make_model
from losslab.train import resolve_loss

__all__ = ["PLANES", "run_landscape"]

PLANES = ("random", "pca", "hessian")


def run_landscape(
    dataset: str,
    losses: Sequence[str],
    out: str | Path,
    *,
    model: Literal["linear", "mlp"] = "linear",
    plane: str = "random",
    hidden: Sequence[int] = (8,),
    resolution: int = 61,
    epochs: int = 200,
    lr: float = 0.1,
    seed: int = 0,
) -> dict[str, Any]:
    """Write the landscape figures (PNG + SVG) and ``index.html`` under ``out``.

    Args:
        dataset: A dataset spec for :func:`losslab.datasets.load_spec` (``"linear"``,
            ``"xor:n_samples=100"``).
        losses: Loss names, one surface each, side by side.
        out: Output folder.
        model: ``"linear"`` or ``"mlp"``.
        plane: For MLPs: ``"random"``, ``"pca"`` or ``"hessian"``.
        hidden: MLP hidden widths.
        resolution: Grid points per axis.
        epochs: GD epochs of the recorded training run.
        lr: Learning rate.
        seed: Seed of the initialisation and of random directions.

    Returns:
        ``{"files": [...], "numbers": {...}}``.

    Raises:
        ValueError: for an unknown plane, model or empty ``losses`` (naming the argument).
    """
    if plane not in PLANES:
        raise ValueError(f"plane must be one of {PLANES}, got {plane!r}")
    if model not in ("linear", "mlp"):
        raise ValueError(f"model must be 'linear' or 'mlp', got {model!r}")
    if not losses:
        raise ValueError("losses must name at least one loss")
    loss_objects = [resolve_loss(name) for name in losses]
    data = datasets.load_spec(dataset)
    X, y = data.X, data.y
    out = Path(out)
    surfaces, paths, figures, numbers = [], [], [], {}
    lines = {}
    for loss in loss_objects:
        net = make_model(
            loss,
            data.n_features,
            n_classes=max(data.n_classes, 2),
            kind=model,
            hidden=hidden,
            seed=seed,
        )
        start = {k: v.copy() for k, v in net.params.items()}
        theta_start = np.concatenate([v.ravel() for v in start.values()])
        if model == "linear" and net.n_outputs == 1:
            names = ("weight[0]", "bias") if data.n_features == 1 else ("weight[0]", "weight[1]")
            history, traj = train_with_trajectory(net, loss, X, y, free=names, lr=lr, epochs=epochs)
            idx = [0, net.params["weight"].size] if data.n_features == 1 else [0, 1]
            path = traj[:, idx]
            pad = max(1.0, float(np.ptp(path, axis=0).max()))
            ranges = [(path[:, i].min() - pad, path[:, i].max() + pad) for i in range(2)]
            surface = grid_surface(
                net, loss, X, y, params=names, ranges=ranges, resolution=resolution
            )
        else:
            history, traj = train_with_trajectory(net, loss, X, y, lr=lr, epochs=epochs)
            surface, path = _plane(net, loss, X, y, traj, plane, resolution, seed, numbers)
            lines[loss.name] = interpolate(net, loss, X, y, theta_start, traj[-1])
        numbers[f"{loss.name}: final training loss"] = history.final["train_loss"]
        numbers[f"{loss.name}: surface seconds ({surface.method})"] = surface.seconds
        surfaces.append(surface)
        paths.append(path)
    files = []
    fig = compare_figure(surfaces, paths)
    files += save_figure(fig, out / "surfaces")
    figures.append(("Loss surfaces side by side (top: contours, bottom: 3-D)", fig))
    for surface, path in zip(surfaces, paths, strict=True):
        fig = contour_figure(surface, path)
        files += save_figure(fig, out / f"contour_{surface.loss}")
    if lines:
        fig = line_figure(lines, title="Linear interpolation, initial (t=0) to final (t=1)")
        files += save_figure(fig, out / "interpolation")
        figures.append(("Loss along the line from the initial to the trained parameters", fig))
    if plane == "pca" and "pca control" in numbers:
        fig = pca_figure(surfaces[0], numbers.pop("pca plane"), numbers["pca control"])
        files += save_figure(fig, out / "pca")
        figures.append(("PCA plane and random-walk control", fig))
    numbers.pop("pca plane", None)
    if "pca control" in numbers:
        mean, std = numbers.pop("pca control")
        numbers["random walk: PC1+PC2 share (mean ± std)"] = f"{mean:.3f} ± {std:.3f}"
    title = f"Loss landscape: {data.name}, {model}, {', '.join(losses)}"
    page = write_page(out / "index.html", title, figures, numbers)
    return {"files": [*files, page], "numbers": numbers}


def _plane(net, loss, X, y, traj, plane, resolution, seed, numbers):
    center = traj[-1]
    if plane == "random":
        directions = random_plane(net, seed=seed)
        surface = plane_surface(net, loss, X, y, directions, center=center, resolution=resolution)
        return surface, None
    if plane == "hessian":
        objective = Objective(net, loss, X, y)
        directions, values = hessian_directions(objective, center, seed=seed)
        numbers[f"{loss.name}: λ_max, λ_min at the end"] = f"{values[0]:.4g}, {values[1]:.4g}"
        scale = max(1.0, 0.5 * float(np.linalg.norm(center)))
        surface = plane_surface(
            net,
            loss,
            X,
            y,
            directions,
            center=center,
            ranges=((-scale, scale), (-scale, scale)),
            resolution=resolution,
            labels=("v(λ_max)", "v(λ_min)"),
        )
        return surface, None
    pca = pca_plane(traj)
    control = random_walk_control(traj, seed=seed)
    numbers[f"{loss.name}: PC1+PC2 share of the trajectory"] = pca.explained_total
    numbers.setdefault("pca control", control)
    numbers.setdefault("pca plane", pca)
    pad = 0.25 * max(1e-3, float(np.ptp(pca.coords, axis=0).max()))
    ranges = [(pca.coords[:, i].min() - pad, pca.coords[:, i].max() + pad) for i in range(2)]
    surface = plane_surface(
        net,
        loss,
        X,
        y,
        pca.directions,
        center=pca.center,
        ranges=ranges,
        resolution=resolution,
        labels=("PC1", "PC2"),
    )
    return surface, pca.coords

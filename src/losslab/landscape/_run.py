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
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from losslab.datasets import Dataset
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
from losslab.landscape._surface import Line, Surface, grid_surface, interpolate, plane_surface
from losslab.landscape._trajectory import TrajectoryRecorder, pca_plane, random_walk_control
from losslab.progress import Progress
from losslab.runs import Run, RunSpec, load_dataset, prepare

__all__ = ["PLANES", "run_landscape"]

PLANES = ("random", "pca", "hessian")


def _check(plane: str, model: str, losses: Sequence[str]) -> None:
    if plane not in PLANES:
        raise ValueError(f"plane must be one of {PLANES}, got {plane!r}")
    if model not in ("linear", "mlp"):
        raise ValueError(f"model must be 'linear' or 'mlp', got {model!r}")
    if not losses:
        raise ValueError("losses must name at least one loss")


def _train(spec: RunSpec) -> tuple[Run, np.ndarray]:
    """Prepare and train ``spec`` on every row, recording the parameters of every epoch."""
    run = prepare(spec)
    recorder = TrajectoryRecorder(run.model)
    run.train(callbacks=[recorder])
    return run, recorder.array


def _landscape(
    spec: RunSpec, data: Dataset, plane: str, resolution: int, numbers: dict[str, Any]
) -> tuple[Surface, np.ndarray | None, Line | None]:
    """Train one loss and compute its surface, its path on it and (MLPs) the line start → end.

    A linear model with one output trains only the two entries of its surface,
    so the path lies exactly on it; a larger model gets a plane through its end.
    """
    loss = spec.loss
    if spec.model == "linear" and not loss.link.rows:
        one_feature = data.n_features == 1
        names = ("weight[0]", "bias") if one_feature else ("weight[0]", "weight[1]")
        run, traj = _train(replace(spec, free=names))
        net = run.model
        path = traj[:, [0, net.params["weight"].size] if one_feature else [0, 1]]
        pad = max(1.0, float(np.ptp(path, axis=0).max()))
        ranges = [(path[:, i].min() - pad, path[:, i].max() + pad) for i in range(2)]
        surface = grid_surface(
            net, loss, data.X, data.y, params=names, ranges=ranges, resolution=resolution
        )
        line = None
    else:
        run, traj = _train(spec)
        net = run.model
        surface, path = _plane(
            net, loss, data.X, data.y, traj, plane, resolution, spec.seed, numbers
        )
        line = interpolate(net, loss, data.X, data.y, traj[0], traj[-1])
    numbers[f"{loss.name}: final training loss"] = run.history.final["train_loss"]
    numbers[f"{loss.name}: surface seconds ({surface.method})"] = surface.seconds
    return surface, path, line


def _figures(
    out: Path, plane: str, surfaces: list[Surface], paths: list[Any], lines: dict[str, Line],
    numbers: dict[str, Any],
) -> tuple[list[Path], list[tuple[str, Any]]]:  # fmt: skip
    """Save every figure under ``out``; return the files and the figures of the page."""
    fig = compare_figure(surfaces, paths)
    files = save_figure(fig, out / "surfaces")
    figures = [("Loss surfaces side by side (top: contours, bottom: 3-D)", fig)]
    for surface, path in zip(surfaces, paths, strict=True):
        files += save_figure(contour_figure(surface, path), out / f"contour_{surface.loss}")
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
    return files, figures


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
    progress: bool = False,
) -> dict[str, Any]:
    """Write the landscape figures (PNG + SVG) and ``index.html`` under ``out``.

    Each loss trains as a :class:`~losslab.runs.RunSpec` on every row of the
    data (full-batch GD, no validation split), its trajectory recorded.

    Args:
        dataset: A dataset spec for :func:`losslab.datasets.load_spec` (``"linear"``,
            ``"xor:n_samples=100"``).
        losses: Loss names or specs (``"huber:delta=2"``), one surface each, side by side.
        out: Output folder.
        model: ``"linear"`` or ``"mlp"``.
        plane: For MLPs: ``"random"``, ``"pca"`` or ``"hessian"``.
        hidden: MLP hidden widths.
        resolution: Grid points per axis.
        epochs: GD epochs of the recorded training run.
        lr: Learning rate.
        seed: Seed of the initialisation and of random directions.
        progress: Show a progress bar over the losses.

    Returns:
        ``{"files": [...], "numbers": {...}}``.

    Raises:
        ValueError: for an unknown plane, model or empty ``losses``, or a bad
            dataset, loss or number (naming the argument).
    """
    _check(plane, model, losses)
    data = load_dataset(dataset)
    specs = [
        RunSpec(dataset, loss, model=model, hidden=hidden, lr=lr, epochs=epochs, seed=seed,
                val_fraction=None)
        for loss in losses
    ]  # fmt: skip
    surfaces, paths, lines, numbers = [], [], {}, {}
    with Progress(progress, total=len(specs), description="landscape") as bar:
        for spec in specs:
            bar.update(description=f"landscape: {spec.label}")
            surface, path, line = _landscape(spec, data, plane, resolution, numbers)
            surfaces.append(surface)
            paths.append(path)
            if line is not None:
                lines[spec.loss.name] = line
            bar.update(advance=1)
    out = Path(out)
    files, figures = _figures(out, plane, surfaces, paths, lines, numbers)
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

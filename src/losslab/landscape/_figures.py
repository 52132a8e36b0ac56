"""Figures of loss landscapes, as :class:`matplotlib.figure.Figure` objects.

No pyplot: every function builds its own ``Figure`` (no global state, safe in
threads and servers) and returns it; :func:`save_figure` writes PNG and SVG.
Contour levels are evenly spaced in loss, so ring spacing shows the shape:
rings crowd outward on MSE's quadratic bowl and stay evenly spaced on MAE's
pyramid (Huber: quadratic inside, linear outside).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from losslab.landscape._surface import Line, Surface
from losslab.landscape._trajectory import PCAPlane

__all__ = [
    "compare_figure",
    "contour_figure",
    "line_figure",
    "pca_figure",
    "png_base64",
    "save_figure",
    "surface3d_figure",
]


def _levels(values: np.ndarray, count: int = 24) -> np.ndarray:
    levels = np.unique(np.linspace(values.min(), values.max(), count))
    return levels if levels.size >= 2 else np.array([values.min(), values.min() + 1.0])


def _contour(ax, surface: Surface, path: np.ndarray | None) -> None:
    gx, gy = np.meshgrid(surface.x, surface.y)
    levels = _levels(surface.values)
    ax.contourf(gx, gy, surface.values, levels=levels, cmap="viridis")
    ax.contour(gx, gy, surface.values, levels=levels, colors="white", linewidths=0.4, alpha=0.6)
    if path is not None and len(path):
        ax.plot(path[:, 0], path[:, 1], "-", color="#ff7f0e", lw=1.5, label="trajectory")
        ax.plot(*path[0], "o", color="#ff7f0e", ms=5, label="start")
        ax.plot(*path[-1], "*", color="red", ms=10, label="end")
        ax.legend(loc="upper right", fontsize=7)
    ax.set_xlabel(surface.x_label)
    ax.set_ylabel(surface.y_label)
    ax.set_title(surface.loss)


def _surface3d(ax, surface: Surface) -> None:
    gx, gy = np.meshgrid(surface.x, surface.y)
    ax.plot_surface(gx, gy, surface.values, cmap="viridis", linewidth=0, antialiased=True)
    ax.set_xlabel(surface.x_label)
    ax.set_ylabel(surface.y_label)
    ax.set_zlabel("loss")
    ax.set_title(surface.loss)


def contour_figure(surface: Surface, path: np.ndarray | None = None) -> Figure:
    """Filled contours of ``surface`` with ``path`` (``(T, 2)`` grid coordinates) on top."""
    fig = Figure(figsize=(5, 4), layout="constrained")
    _contour(fig.add_subplot(), surface, path)
    return fig


def surface3d_figure(surface: Surface) -> Figure:
    """``surface`` as a 3-D surface."""
    fig = Figure(figsize=(5, 4), layout="constrained")
    _surface3d(fig.add_subplot(projection="3d"), surface)
    return fig


def compare_figure(
    surfaces: Sequence[Surface], paths: Sequence[np.ndarray | None] | None = None
) -> Figure:
    """Several losses side by side: contours on top, 3-D surfaces below."""
    k = len(surfaces)
    if k == 0:
        raise ValueError("surfaces must not be empty")
    paths = list(paths) if paths is not None else [None] * k
    fig = Figure(figsize=(4.2 * k, 7.5), layout="constrained")
    for i, (surface, path) in enumerate(zip(surfaces, paths, strict=True)):
        _contour(fig.add_subplot(2, k, i + 1), surface, path)
        _surface3d(fig.add_subplot(2, k, k + i + 1, projection="3d"), surface)
    return fig


def line_figure(lines: Mapping[str, Line], *, title: str = "") -> Figure:
    """Loss along lines ``θ(t) = (1 − t) θ_a + t θ_b``, one curve per label."""
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    for label, line in lines.items():
        ax.plot(line.t, line.values, label=label)
    for t in (0.0, 1.0):
        ax.axvline(t, color="grey", lw=0.6, ls="--")
    ax.set_xlabel("t  (0: θ_a, 1: θ_b)")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return fig


def pca_figure(surface: Surface, plane: PCAPlane, control: tuple[float, float]) -> Figure:
    """The PCA plane with the projected trajectory, and explained variance against a random walk."""
    fig = Figure(figsize=(9, 4), layout="constrained")
    _contour(fig.add_subplot(1, 2, 1), surface, plane.coords)
    ax = fig.add_subplot(1, 2, 2)
    ax.bar(
        ["trajectory", "random walk"],
        [plane.explained_total, control[0]],
        yerr=[0.0, control[1]],
        color=["#1f77b4", "#7f7f7f"],
    )
    ax.set_ylim(0, 1)
    ax.set_ylabel("variance explained by PC1 + PC2")
    ax.set_title("PCA structure is expected even for noise")
    return fig


def save_figure(fig: Figure, stem: str | Path) -> list[Path]:
    """Write ``stem.png`` (120 dpi) and ``stem.svg``; return both paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    fig.savefig(paths[0], dpi=120)
    fig.savefig(paths[1])
    return paths


def png_base64(fig: Figure, dpi: int = 100) -> str:
    """The figure as a base64 PNG, for ``<img src="data:image/png;base64,...">``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return base64.b64encode(buffer.getvalue()).decode("ascii")

"""Predictions of trained models over a grid: fitted lines (1-D) and decision regions (2-D)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from losslab.models import Model

__all__ = ["BoundaryGrid", "LineFits", "decision_grid", "line_fits"]


@dataclass(frozen=True)
class LineFits:
    """Each model's prediction along one feature.

    Attributes:
        X: Data points, shape ``(n,)``.
        y: Their targets.
        x: Grid, shape ``(m,)``.
        lines: Per label, the prediction on ``x``.
    """

    X: np.ndarray
    y: np.ndarray
    x: np.ndarray
    lines: dict[str, np.ndarray]


@dataclass(frozen=True)
class BoundaryGrid:
    """Each model's probability of class 1 (or predicted class) over a 2-D grid.

    Attributes:
        X: Data points, shape ``(n, 2)``.
        y: Their labels.
        xx: Grid abscissae, shape ``(r, r)``.
        yy: Grid ordinates, shape ``(r, r)``.
        surfaces: Per label: probability of class 1 (binary) or the predicted class
            (multiclass), shape ``(r, r)``.
        binary: Whether the surfaces are probabilities.
    """

    X: np.ndarray
    y: np.ndarray
    xx: np.ndarray
    yy: np.ndarray
    surfaces: dict[str, np.ndarray]
    binary: bool


def _prediction(model: Model, loss: Any, X: np.ndarray) -> np.ndarray:
    return loss.link.inverse(model(X))


def line_fits(
    models: Mapping[str, tuple[Model, Any]], X: np.ndarray, y: np.ndarray, n_points: int = 100
) -> LineFits:
    """Predictions along the range of a one-feature ``X`` (5 % margin each side).

    Args:
        models: Per label, ``(trained model, its loss)``.
        X: Features, shape ``(n, 1)``.
        y: Targets.
        n_points: Grid size.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 1:
        raise ValueError(f"X: fitted lines need one feature, got shape {X.shape}")
    low, high = float(X.min()), float(X.max())
    pad = 0.05 * (high - low or 1.0)
    x = np.linspace(low - pad, high + pad, n_points)
    lines = {label: _prediction(m, loss, x[:, None]) for label, (m, loss) in models.items()}
    return LineFits(X[:, 0], np.asarray(y), x, lines)


def decision_grid(
    models: Mapping[str, tuple[Model, Any]], X: np.ndarray, y: np.ndarray, resolution: int = 120
) -> BoundaryGrid:
    """Probability of class 1, or the predicted class, over a grid covering two-feature ``X``."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X: decision boundaries need two features, got shape {X.shape}")
    low, high = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.where(high > low, high - low, 1.0)
    xx, yy = np.meshgrid(
        np.linspace(low[0] - pad[0], high[0] + pad[0], resolution),
        np.linspace(low[1] - pad[1], high[1] + pad[1], resolution),
    )
    points = np.column_stack([xx.ravel(), yy.ravel()])
    surfaces, binary = {}, True
    for label, (model, loss) in models.items():
        proba = _prediction(model, loss, points)
        if proba.ndim == 2 and proba.shape[1] > 2:
            binary = False
            surfaces[label] = proba.argmax(axis=1).reshape(xx.shape).astype(float)
        else:
            surfaces[label] = (proba[:, 1] if proba.ndim == 2 else proba).reshape(xx.shape)
    return BoundaryGrid(X, np.asarray(y), xx, yy, surfaces, binary)

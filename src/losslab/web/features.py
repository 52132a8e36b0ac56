"""Input features of the playground's 2-D data sets, as TensorFlow Playground offers them.

The model reads the chosen columns of ``[x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂]``
computed from the two raw features; the page still draws the raw plane.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

FEATURES = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1_sq": lambda X: X[:, 0] ** 2,
    "x2_sq": lambda X: X[:, 1] ** 2,
    "x1x2": lambda X: X[:, 0] * X[:, 1],
    "sin_x1": lambda X: np.sin(X[:, 0]),
    "sin_x2": lambda X: np.sin(X[:, 1]),
}
"""Each feature's name and how it is computed from the raw ``(n, 2)`` features."""


def expand(X: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The columns ``names`` of ``X``'s feature expansion, in that order.

    Raises:
        ValueError: ``X`` is not ``(n, 2)`` or a name is unknown.

    Example:
        >>> expand(np.array([[2.0, 3.0]]), ["x1x2", "x1_sq"]).tolist()
        [[6.0, 4.0]]
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"features: need data with two features, got shape {X.shape}")
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError(f"features: unknown {unknown}; available: {list(FEATURES)}")
    return np.column_stack([FEATURES[n](X) for n in names])

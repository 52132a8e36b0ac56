"""Finite-difference checks of a loss's gradient and Hessian diagonal."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from losslab.losses import Loss

__all__ = ["central_difference", "finite_difference_errors"]


def central_difference(
    f: Any, x: np.ndarray, step: np.ndarray, *, column: int | None = None
) -> np.ndarray:
    """Fourth-order central difference of an elementwise (or row-wise) function ``f`` at ``x``.

    f'(x) ≈ (f(x - 2h) - 8 f(x - h) + 8 f(x + h) - f(x + 2h)) / (12 h), error
    O(h⁴). Every element is shifted at once, which is exact bookkeeping when
    ``f`` is elementwise; for a function of rows, ``column`` shifts one
    column of every row (the rows are independent).
    """

    def shifted(k: float) -> np.ndarray:
        if column is None:
            return np.asarray(f(x + k * step), dtype=np.float64)
        moved = x.copy()
        moved[..., column] += k * step[..., column]
        return np.asarray(f(moved), dtype=np.float64)

    h = step if column is None else step[..., column]
    return (shifted(-2) - 8 * shifted(-1) + 8 * shifted(1) - shifted(2)) / (12 * h)


def finite_difference_errors(
    loss: Loss,
    y_pred: ArrayLike,
    y_true: ArrayLike,
    *,
    relative_steps: tuple[float, ...] = (1e-3, 1e-4),
) -> dict[str, float]:
    """Largest disagreement of ``loss.grad`` with finite differences of the loss, and of ``hess``.

    Both use reduction "none" (per element), so a wrong derivative cannot
    hide in a mean. The error of an element is |finite difference - exact| /
    max(1, |exact|), the smallest over the steps (a finite difference is
    meaningless within 2h of a kink, and a wrong derivative is wrong at every
    step); the result is the largest over all elements.

    Args:
        loss: any :class:`~losslab.losses.Loss`, elementwise or on rows of logits.
        y_pred: where to check; float64 is best.
        y_true: the targets at those points.
        relative_steps: each step tried is h = relative_step * max(1, |y_pred|).

    Returns:
        ``{"grad": max error, "hess": max error}``.

    Example:
        >>> from losslab.losses import get
        >>> errors = finite_difference_errors(get("log_cosh"), [0.3, -1.2], [0.0, 0.5])
        >>> errors["grad"] < 1e-9 and errors["hess"] < 1e-9
        True
    """
    x = np.array(y_pred, dtype=np.float64)
    y = np.asarray(y_true)
    grad = np.asarray(loss.grad(x, y, reduction="none"), dtype=np.float64)
    hess = np.asarray(loss.hess(x, y, reduction="none"), dtype=np.float64)
    grad_errors, hess_errors = [], []
    for relative_step in relative_steps:
        fd_grad, fd_hess = _differences(loss, x, y, relative_step * np.maximum(1.0, np.abs(x)))
        grad_errors.append(np.abs(fd_grad - grad) / np.maximum(1.0, np.abs(grad)))
        hess_errors.append(np.abs(fd_hess - hess) / np.maximum(1.0, np.abs(hess)))
    return {
        "grad": float(np.max(np.min(grad_errors, axis=0))),
        "hess": float(np.max(np.min(hess_errors, axis=0))),
    }


def _differences(
    loss: Loss, x: np.ndarray, y: np.ndarray, step: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    def value(z: np.ndarray) -> np.ndarray:
        return np.asarray(loss(z, y, reduction="none"), dtype=np.float64)

    def grad(z: np.ndarray) -> np.ndarray:
        return np.asarray(loss.grad(z, y, reduction="none"), dtype=np.float64)

    if not loss.link.rows:
        return central_difference(value, x, step), central_difference(grad, x, step)
    columns = range(x.shape[-1])
    fd_grad = np.stack([central_difference(value, x, step, column=k) for k in columns], -1)
    fd_hess = np.stack(
        [central_difference(lambda z, k=k: grad(z)[..., k], x, step, column=k) for k in columns],
        -1,
    )
    return fd_grad, fd_hess

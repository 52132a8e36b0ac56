"""A loss and its derivative as functions of one number: residual, margin or probability.

What the horizontal axis is depends on what the loss reads:

- ``value`` losses (mse, huber, quantile, ...): the residual ``r = ŷ − y`` with ``y = 0``;
- ``logit`` losses (bce_with_logits, focal, hinge): the margin ``m = z (2y − 1)``,
  drawn with ``y = 1`` so that ``m = z``;
- ``logits`` losses (cross_entropy): the margin ``m = z₁ − z₀`` of two logits
  ``(0, m)`` with label 1;
- ``probability`` losses (bce): the predicted probability ``p`` of the true class 1;
- ``log_rate`` losses (poisson_nll): the log-rate ``z`` for a count ``y = 1``.

The derivative is ``loss.grad(..., reduction="none")``, exact, not a difference.

>>> frame = loss_curves(["huber:delta=1"], x=[-2.0, 0.5])
>>> frame[["x", "value", "derivative"]].to_numpy().tolist()
[[-2.0, 1.5, -1.0], [0.5, 0.125, 0.5]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from losslab.experiments._specs import resolve_losses

__all__ = ["AXES", "loss_curves", "parameter_family"]

AXES = {
    "value": ("residual ŷ − y", (-3.0, 3.0)),
    "logit": ("margin z·(2y − 1)", (-4.0, 4.0)),
    "logits": ("margin z₁ − z₀ (true class 1)", (-4.0, 4.0)),
    "probability": ("predicted probability of the true class", (0.01, 0.99)),
    "log_rate": ("log-rate z (count y = 1)", (-3.0, 3.0)),
}
"""Per ``y_pred_kind``: the axis label and the default range."""


def _evaluate(loss: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    kind = loss.y_pred_kind
    if kind == "value":
        y_pred, y_true = x, np.zeros_like(x)
    elif kind in ("logit", "probability", "log_rate"):
        y_pred, y_true = x, np.ones_like(x)
    elif kind == "logits":
        y_pred = np.column_stack([np.zeros_like(x), x])
        y_true = np.ones(x.shape, dtype=np.int64)
    else:
        raise ValueError(f"losses: cannot draw y_pred_kind {kind!r}")
    value = np.asarray(loss(y_pred, y_true, reduction="none"), dtype=float)
    grad = np.asarray(loss.grad(y_pred, y_true, reduction="none"), dtype=float)
    # For two logits (0, m) the margin moves z₁ only: d/dm = ∂L/∂z₁.
    return value, grad[:, 1] if kind == "logits" else grad


def loss_curves(
    losses: str | Sequence[Any], x: ArrayLike | None = None, n_points: int = 201
) -> pd.DataFrame:
    """Value and derivative of each loss over its natural axis.

    Args:
        losses: Names, specs or loss objects (all of one ``y_pred_kind`` to share an axis).
        x: Points to evaluate at; default ``n_points`` over the kind's range.
        n_points: Number of points when ``x`` is None.

    Returns:
        Long table: ``label``, ``kind``, ``axis`` (the axis label), ``x``,
        ``value``, ``derivative``.
    """
    frames = []
    for label, loss in resolve_losses(losses).items():
        axis, (low, high) = AXES[loss.y_pred_kind]
        points = np.linspace(low, high, n_points) if x is None else np.asarray(x, dtype=float)
        value, derivative = _evaluate(loss, points)
        frames.append(
            pd.DataFrame(
                {
                    "label": label,
                    "kind": loss.y_pred_kind,
                    "axis": axis,
                    "x": points,
                    "value": value,
                    "derivative": derivative,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def parameter_family(name: str, parameter: str, values: Sequence[float]) -> list[str]:
    """Specs of one loss at several values of one parameter, for :func:`loss_curves`.

    >>> parameter_family("huber", "delta", [0.5, 1, 2])
    ['huber:delta=0.5', 'huber:delta=1', 'huber:delta=2']
    """
    return [f"{name}:{parameter}={value}" for value in values]

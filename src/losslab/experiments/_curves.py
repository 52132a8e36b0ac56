"""A loss and its derivatives as functions of one number: residual, margin or probability.

The horizontal axis and the target held fixed come from the loss's link
(:meth:`losslab.links.Link.sweep`, the one convention the web explorer draws
too):

- values (mse, huber, quantile, ...): the residual ``r = ŷ − y`` with ``y = 0``;
- a logit (bce_with_logits, focal, hinge): the logit ``z`` with ``y = 1``, so
  that ``z`` is the margin ``z (2y − 1)``;
- rows of logits (cross_entropy, kl_div): the margin ``m = z₁ − z₀`` of two
  logits ``(0, m)`` with the target row ``(0, 1)``: class 1 is true;
- a probability (bce): the predicted probability ``p`` of class 1, with ``y = 1``;
- a log-rate (poisson_nll): the log-rate ``z`` for a count ``y = 1``.

The derivatives are ``loss.grad`` and ``loss.hess`` (``reduction="none"``),
exact, not differences; for two logits ``(0, m)`` the margin moves ``z₁``
only, so the derivative along it is the partial derivative in ``z₁``.

>>> frame = loss_curves(["huber:delta=1"], x=[-2.0, 0.5])
>>> frame[["x", "value", "derivative"]].to_numpy().tolist()
[[-2.0, 1.5, -1.0], [0.5, 0.125, 0.5]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from losslab.experiments._specs import resolve_losses

__all__ = ["AxisValues", "along_axis", "loss_curves", "parameter_family"]


class AxisValues(NamedTuple):
    """A loss along its link's axis: value, first and second derivative at each point.

    ``second_derivative`` is NaN throughout where the loss has no second
    derivative at some point of the axis (``|r|^1.5`` at 0).
    """

    value: np.ndarray
    derivative: np.ndarray
    second_derivative: np.ndarray


def along_axis(loss: Any, x: ArrayLike, target: float | None = None) -> AxisValues:
    """``loss`` and its derivatives at the points ``x`` of its link's axis.

    Args:
        loss: A loss object.
        x: Points of the axis (:attr:`losslab.links.Link.axis`).
        target: The target held fixed (see :meth:`losslab.links.Link.sweep`);
            None for the link's default.

    Raises:
        ValueError: A target the loss refuses (its own message).
    """
    from losslab.losses import Whole

    definition = getattr(loss, "definition", None)
    width = getattr(definition, "width", None)
    y_pred, y_true, column = loss.link.sweep(
        x, target, None if width is None else width(dict(loss.params))
    )
    if definition is not None and issubclass(definition, Whole):
        # A loss of the whole batch: its curve is the loss of a one-element batch at each point.
        points = [(y_pred[i : i + 1], y_true[i : i + 1]) for i in range(len(y_pred))]
        value = np.array([float(loss(p, t)) for p, t in points])
        grad = np.array([float(loss.grad(p, t)[0]) for p, t in points])
        hess = np.array([float(loss.hess(p, t)[0]) for p, t in points])
        return AxisValues(value, grad, hess)
    value = np.asarray(loss(y_pred, y_true, reduction="none"), dtype=float)
    grad = np.asarray(loss.grad(y_pred, y_true, reduction="none"), dtype=float)
    if not np.isscalar(column):
        # The whole row moves along the direction d: d . grad and d^T H d from the full blocks.
        direction = np.asarray(column, dtype=float)
        blocks = np.asarray(loss.hess(y_pred, y_true, reduction="none", full=True), dtype=float)
        return AxisValues(value, grad @ direction, (blocks @ direction) @ direction)
    try:
        hess = np.asarray(loss.hess(y_pred, y_true, reduction="none"), dtype=float)
    except ValueError:
        # A kink where the second derivative is undefined (|r|^1.5 at 0): no curve.
        hess = np.full(grad.shape, np.nan)
    if loss.link.rows:
        grad, hess = grad[:, column], hess[:, column]
    return AxisValues(value, grad, hess)


def loss_curves(
    losses: str | Sequence[Any], x: ArrayLike | None = None, n_points: int = 201
) -> pd.DataFrame:
    """Value and derivative of each loss over its natural axis.

    Args:
        losses: Names, specs or loss objects (all of one link to share an axis).
        x: Points to evaluate at; default ``n_points`` over the link's range
            (:attr:`losslab.links.Link.axis`).
        n_points: Number of points when ``x`` is None.

    Returns:
        Long table: ``label``, ``kind``, ``axis`` (the axis label), ``x``,
        ``value``, ``derivative``.
    """
    frames = []
    for label, loss in resolve_losses(losses).items():
        axis, (low, high) = loss.link.axis
        points = np.linspace(low, high, n_points) if x is None else np.asarray(x, dtype=float)
        curve = along_axis(loss, points)
        frames.append(
            pd.DataFrame(
                {
                    "label": label,
                    "kind": loss.link.kind,
                    "axis": axis,
                    "x": points,
                    "value": curve.value,
                    "derivative": curve.derivative,
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

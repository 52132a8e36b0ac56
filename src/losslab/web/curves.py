"""Sweep a loss over one input: the explorer's curves, computed by the loss itself.

The swept input and the target held fixed are the loss's link's
(:meth:`losslab.links.Link.sweep`), the convention of
:func:`losslab.experiments.loss_curves` too: the residual for values, the
log-rate for counts, the probability of class 1, the logit, or the margin
``z₁ − z₀`` of two logits ``(0, x)`` for rows of logits, with ``y_true`` the
probability of class 1. The values, gradients and Hessians all come from the
loss object.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losslab.experiments import along_axis
from losslab.web.errors import FieldError
from losslab.web.jobs import finite
from losslab.web.schemas import Curve


def sweep(loss: Any, x_min: float, x_max: float, num: int, y_true: float, *, label: str) -> Curve:
    """Evaluate ``loss``, its gradient and Hessian along the swept input.

    Raises:
        FieldError: ``x_max`` not above ``x_min``, a range outside the
            interval of the swept ``y_pred`` (a probability outside [0, 1]), or
            a probability of class 1 outside [0, 1] for rows of logits.
        ValueError: targets the loss refuses (its own message).
    """
    if not x_max > x_min:
        raise FieldError("x_max", f"must be greater than x_min ({x_min}), got {x_max}")
    link = loss.link
    low, high = link.interval
    x_min, x_max = max(x_min, low), min(x_max, high)
    if not x_max > x_min:
        raise FieldError(
            "x_min", f"the range must overlap [{low:g}, {high:g}]: y_pred is {link.description}"
        )
    if link.kind == "logits" and not 0.0 <= y_true <= 1.0:
        raise FieldError("y_true", f"the probability of class 1 must be in [0, 1], got {y_true}")
    x = np.linspace(x_min, x_max, num)
    with np.errstate(all="ignore"):
        curve = along_axis(loss, x, y_true)
    return Curve(
        x=finite(x),
        value=finite(curve.value),
        grad=finite(curve.derivative),
        hess=finite(curve.second_derivative),
        x_label=link.axis[0],
        loss=label,
        params=dict(loss.params),
    )

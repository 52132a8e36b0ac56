"""Sweep a loss over one input: the explorer's curves, computed by the loss itself.

What is swept depends on what the loss reads (``loss.y_pred_kind``): the
residual for values, the log-rate for counts, the probability, the logit,
or the logit of class 0 against class 1 for rows of logits. The values,
gradients and Hessians all come from the loss object.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losslab.web.errors import FieldError
from losslab.web.jobs import finite
from losslab.web.schemas import Curve

X_LABELS = {
    "value": "residual r = y_pred − y_true",
    "log_rate": "log-rate z (prediction exp z)",
    "probability": "predicted probability p",
    "logit": "logit z (the margin when y_true = 1)",
    "logits": "logit of class 0 (class 1's logit is 0)",
}


def sweep(loss: Any, x_min: float, x_max: float, num: int, y_true: float, *, label: str) -> Curve:
    """Evaluate ``loss``, its gradient and Hessian along the swept input.

    Raises:
        FieldError: ``x_max`` not above ``x_min``, or a probability range outside [0, 1].
        ValueError: targets the loss refuses (its own message).
    """
    if not x_max > x_min:
        raise FieldError("x_max", f"must be greater than x_min ({x_min}), got {x_max}")
    kind = loss.y_pred_kind
    if kind == "probability":
        x_min, x_max = max(x_min, 0.0), min(x_max, 1.0)
        if not x_max > x_min:
            raise FieldError("x_min", "a probability range must overlap [0, 1]")
    x = np.linspace(x_min, x_max, num)
    if kind == "value":
        y_pred, target = y_true + x, np.full(num, y_true)
    elif kind == "logits":
        if not 0.0 <= y_true <= 1.0:
            raise FieldError(
                "y_true", f"the probability of class 0 must be in [0, 1], got {y_true}"
            )
        y_pred = np.column_stack([x, np.zeros(num)])
        target = np.tile([y_true, 1.0 - y_true], (num, 1))
    else:
        y_pred, target = x, np.full(num, y_true)
    with np.errstate(all="ignore"):
        value = np.asarray(loss(y_pred, target, reduction="none"))
        grad = np.asarray(loss.grad(y_pred, target, reduction="none"))
        try:
            hess = np.asarray(loss.hess(y_pred, target, reduction="none"))
        except ValueError:
            # A kink where the second derivative is undefined (|r|^1.5 at 0): draw no Hessian.
            hess = np.full(np.shape(grad), np.nan)
    if kind == "logits":
        grad, hess = grad[:, 0], hess[:, 0]
    return Curve(
        x=finite(x),
        value=finite(value),
        grad=finite(grad),
        hess=finite(hess),
        x_label=X_LABELS.get(kind, kind),
        loss=label,
        params=dict(loss.params),
    )

"""Output heads: the map from a model's last affine layer to what the loss reads.

A loss declares what its ``y_pred`` is (``loss.y_pred_kind``); the head makes
the model produce exactly that:

============  =======  ==================================================
y_pred_kind   head     model output
============  =======  ==================================================
value         identity a real prediction
log_rate      identity ``z = log λ``; the prediction is ``exp(z)``
probability   sigmoid  ``p = σ(z)``; backward multiplies by ``p (1 − p)``
logit         identity ``z``; the probability of class 1 is ``σ(z)``
logits        identity ``(n, K)`` logits; probabilities are ``softmax(z)``
============  =======  ==================================================

Softmax is never a head: ``cross_entropy`` reads logits and applies a stable
log-sum-exp itself.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.special import expit, softmax

__all__ = ["HEADS", "check_head", "head_backward", "head_for_kind", "head_forward", "to_prediction"]

Head = Literal["identity", "sigmoid"]
HEADS: tuple[Head, ...] = ("identity", "sigmoid")


def head_for_kind(y_pred_kind: str) -> Head:
    """The head whose output a loss with this ``y_pred_kind`` reads."""
    if y_pred_kind == "probability":
        return "sigmoid"
    if y_pred_kind in ("value", "log_rate", "logit", "logits"):
        return "identity"
    raise ValueError(f"unknown y_pred_kind {y_pred_kind!r}")


def check_head(head: str) -> None:
    """Raise ValueError unless ``head`` is one of :data:`HEADS`."""
    if head not in HEADS:
        raise ValueError(f"head must be one of {HEADS}, got {head!r}")


def head_forward(head: Head, z: np.ndarray) -> np.ndarray:
    """Apply the head to the last layer's output ``z``."""
    return expit(z) if head == "sigmoid" else z


def head_backward(head: Head, out: np.ndarray, grad_out: np.ndarray) -> np.ndarray:
    """Gradient w.r.t. ``z`` from the gradient w.r.t. the head's output ``out``.

    Sigmoid: ``dσ/dz = σ (1 − σ)``, written with the forward output.
    """
    return grad_out * out * (1.0 - out) if head == "sigmoid" else grad_out


def to_prediction(y_pred: np.ndarray, y_pred_kind: str) -> np.ndarray:
    """Turn a loss input into what a user reads: a value, a probability or probability rows.

    ``value`` and ``probability`` pass through; ``log_rate`` gives ``exp(z)``;
    ``logit`` gives ``σ(z)``; ``logits`` gives ``softmax(z)`` along rows.
    """
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_pred_kind in ("value", "probability"):
        return y_pred
    if y_pred_kind == "log_rate":
        return np.exp(y_pred)
    if y_pred_kind == "logit":
        return expit(y_pred)
    if y_pred_kind == "logits":
        return softmax(y_pred, axis=1)
    raise ValueError(f"unknown y_pred_kind {y_pred_kind!r}")

"""Output heads: the map from a model's last affine layer to what the loss reads.

A loss's link (:mod:`losslab.links`) says what its ``y_pred`` is and which
head makes the model produce exactly that (``loss.link.head``): a sigmoid
for a loss on probabilities (``bce``: ``p = σ(z)``, backward multiplies by
``p (1 − p)``), the identity for every other link (a value, a log-rate, a
logit, a row of logits). The link applies the head and its derivative
(:meth:`~losslab.links.Link.head_forward`,
:meth:`~losslab.links.Link.head_backward`) and maps a loss input to the
prediction a person reads (:meth:`~losslab.links.Link.inverse`).

Softmax is never a head: ``cross_entropy`` reads logits and applies a stable
log-sum-exp itself.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from losslab import links

__all__ = ["HEADS", "check_head", "head_backward", "head_forward", "to_prediction"]

Head = Literal["identity", "sigmoid"]
HEADS: tuple[Head, ...] = ("identity", "sigmoid")

# Links with the same head apply it alike: any one of them stands for the head.
_LINK_OF_HEAD = {link.head: link for link in links.LINKS.values()}


def check_head(head: str) -> None:
    """Raise ValueError unless ``head`` is one of :data:`HEADS`."""
    if head not in HEADS:
        raise ValueError(f"head must be one of {HEADS}, got {head!r}")


def head_forward(head: Head, z: np.ndarray) -> np.ndarray:
    """Apply the head to the last layer's output ``z``."""
    return _LINK_OF_HEAD[head].head_forward(z)


def head_backward(head: Head, out: np.ndarray, grad_out: np.ndarray) -> np.ndarray:
    """Gradient w.r.t. ``z`` from the gradient w.r.t. the head's output ``out``."""
    return _LINK_OF_HEAD[head].head_backward(out, grad_out)


def to_prediction(y_pred: np.ndarray, y_pred_kind: str) -> np.ndarray:
    """What a loss input stands for: ``links.for_kind(y_pred_kind).inverse(y_pred)``.

    A value or a probability as it is, the rate ``exp(z)`` of a log-rate, the
    probability ``σ(z)`` of a logit, the rows ``softmax(z)`` of rows of logits.
    """
    return links.for_kind(y_pred_kind).inverse(np.asarray(y_pred, dtype=np.float64))

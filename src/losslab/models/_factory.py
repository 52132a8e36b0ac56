"""Build the model whose output a given loss reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from losslab.losses import Loss, get
from losslab.models._base import Model
from losslab.models._linear import Linear
from losslab.models._mlp import MLP

__all__ = ["make_model"]


def make_model(
    loss: Loss | str,
    n_features: int,
    *,
    n_classes: int = 2,
    kind: Literal["linear", "mlp"] = "linear",
    hidden: Sequence[int] = (16,),
    activation: str = "tanh",
    seed: int | None = 0,
) -> Model:
    """A linear model or MLP with the head and output width ``loss`` expects.

    The head is the one the loss's link asks for (``loss.link.head``); the
    output width is ``n_classes`` for losses on rows of logits
    (``loss.link.rows``) and 1 otherwise. Linear models start at
    zero, MLPs with the seeded He/Glorot initialisation.

    Args:
        loss: A loss object (anything with a ``link``) or a catalogue name.
        n_features: Input width.
        n_classes: Number of classes, used for ``logits`` losses.
        kind: ``"linear"`` or ``"mlp"``.
        hidden: Hidden widths for ``kind="mlp"``.
        activation: Hidden activation for ``kind="mlp"``.
        seed: Initialisation seed.
    """
    if isinstance(loss, str):
        loss = get(loss)
    head = loss.link.head
    n_outputs = n_classes if loss.link.rows else 1
    if loss.link.rows and n_classes < 2:
        raise ValueError(f"n_classes must be >= 2 for loss {loss.name!r}, got {n_classes}")
    if kind == "linear":
        return Linear(n_features, n_outputs, head=head)
    if kind == "mlp":
        return MLP(n_features, hidden, n_outputs, activation=activation, head=head, seed=seed)
    raise ValueError(f"model must be 'linear' or 'mlp', got {kind!r}")

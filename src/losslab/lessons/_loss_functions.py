"""Worked examples of seed 001, "Loss Functions and Objective Functions".

The page says that cross-entropy is small when the model gives the correct
class probability 0.9 and very large at 0.01, and that "its gradient with
respect to the output logits is simply the difference between predicted and
true probabilities": softmax(z) - onehot(y). Both are computed here with the
catalogue in :mod:`losslab.losses`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from losslab._array import softmax
from losslab.lessons._steps import Step, Table, format_number
from losslab.losses import get

GRADIENT_LOGITS: tuple[tuple[float, ...], ...] = ((2.0, 1.0, 0.0), (0.0, 1.0, 3.0))
"""Logits of two examples over three classes, the default of the gradient example."""
GRADIENT_LABELS: tuple[int, ...] = (0, 2)
"""Their true classes."""
CORRECT_CLASS_PROBABILITIES: tuple[float, ...] = (0.9, 0.01)
"""The page's probabilities for the correct class: 0.9 (small loss) and 0.01 (very large)."""


@dataclass(frozen=True)
class CorrectClassLosses:
    """Cross-entropy when the correct class gets probability 0.9 and 0.01.

    Attributes:
        probabilities: rows of class probabilities; class 0 is the correct one
            and gets 0.9 and 0.01, the rest share what is left.
        logits: log of the probabilities, what ``cross_entropy`` reads
            (softmax(log p) = p when p sums to 1).
        labels: the correct class of each row, 0.
        losses: -log 0.9 ≈ 0.105 (small) and -log 0.01 ≈ 4.605 (very large).
    """

    probabilities: np.ndarray
    logits: np.ndarray
    labels: tuple[int, ...]
    losses: tuple[float, ...]


def correct_class_losses(num_classes: int = 3) -> CorrectClassLosses:
    """Cross-entropy at correct-class probability 0.9 (≈ 0.105) and 0.01 (≈ 4.605).

    Args:
        num_classes: classes per row, at least 2; the others share the rest
            equally, which does not change the loss.

    Raises:
        ValueError: ``num_classes`` below 2.

    Example:
        >>> [round(v, 3) for v in correct_class_losses().losses]
        [0.105, 4.605]
    """
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes}")
    p = np.asarray(CORRECT_CLASS_PROBABILITIES)[:, None]
    rest = np.repeat((1.0 - p) / (num_classes - 1), num_classes - 1, axis=1)
    probabilities = np.concatenate([p, rest], axis=1)
    logits = np.log(probabilities)
    labels = (0,) * len(CORRECT_CLASS_PROBABILITIES)
    losses = get("cross_entropy")(logits, np.asarray(labels), reduction="none")
    return CorrectClassLosses(probabilities, logits, labels, tuple(float(v) for v in losses))


@dataclass(frozen=True)
class CrossEntropyGradient:
    """The gradient of cross-entropy with respect to the logits, per example.

    Attributes:
        logits: shape (n, K).
        labels: n integer labels.
        probabilities: softmax(logits), shape (n, K).
        one_hot: onehot(labels), shape (n, K).
        losses: per-example cross-entropy, -log softmax(z)[y].
        gradient: d loss_i / d z_i from ``cross_entropy_grad(reduction="none")``,
            equal to probabilities - one_hot.
    """

    logits: np.ndarray
    labels: np.ndarray
    probabilities: np.ndarray
    one_hot: np.ndarray
    losses: np.ndarray
    gradient: np.ndarray


def cross_entropy_gradient(
    logits: Sequence[Sequence[float]] | np.ndarray = GRADIENT_LOGITS,
    labels: Sequence[int] | np.ndarray = GRADIENT_LABELS,
) -> CrossEntropyGradient:
    """Cross-entropy's gradient wrt the logits, softmax(z) - onehot(y), from the catalogue.

    Args:
        logits: rows of logits, shape (n, K).
        labels: integer labels in [0, K), shape (n,).

    Returns:
        The logits, softmax probabilities, one-hot targets, per-example losses
        and the per-example gradient computed by ``cross_entropy_grad``.

    Raises:
        ValueError: labels outside [0, K) or shapes that do not fit (from the catalogue).

    Example:
        >>> g = cross_entropy_gradient([[2.0, 1.0, 0.0]], [0])
        >>> np.round(g.gradient, 4).tolist()
        [[-0.3348, 0.2447, 0.09]]
        >>> bool(np.allclose(g.gradient, g.probabilities - g.one_hot))
        True
    """
    z = np.asarray(logits, dtype=float)
    y = np.asarray(labels)
    loss = get("cross_entropy")
    losses = np.asarray(loss(z, y, reduction="none"))
    gradient = np.asarray(loss.grad(z, y, reduction="none"))
    one_hot = np.zeros_like(z)
    one_hot[np.arange(z.shape[0]), y] = 1.0
    return CrossEntropyGradient(z, y, softmax(np, z), one_hot, losses, gradient)


def _row(values: np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def cross_entropy_steps_multiclass() -> list[Step]:
    """Seed 001's cross-entropy numbers as printable steps: 0.9 against 0.01, the gradient."""
    c = correct_class_losses()
    g = cross_entropy_gradient()
    return [
        Step(
            "Multiclass cross-entropy: -log of the correct class's probability",
            f"Probability {format_number(c.probabilities[0, 0])} for the correct class gives "
            f"{c.losses[0]:.3f} (small); {format_number(c.probabilities[1, 0])} gives "
            f"{c.losses[1]:.3f} (very large).",
            Table(
                ("class probabilities", "correct class", "cross-entropy"),
                tuple(
                    (_row(p), label, loss)
                    for p, label, loss in zip(c.probabilities, c.labels, c.losses, strict=True)
                ),
            ),
        ),
        Step(
            "Gradient with respect to the logits: softmax(z) - onehot(y)",
            "The gradient of -log softmax(z)[y] is the predicted probabilities minus the "
            "true ones: negative on the true class (raise its logit), positive elsewhere, "
            "and each row sums to zero.",
            Table(
                ("logits z", "label y", "softmax(z)", "onehot(y)", "d loss / d z"),
                tuple(
                    (_row(z), int(y), _row(p), _row(o), _row(d))
                    for z, y, p, o, d in zip(
                        g.logits, g.labels, g.probabilities, g.one_hot, g.gradient, strict=True
                    )
                ),
            ),
        ),
    ]

"""Step-by-step tables for any loss in the catalogue, as the rainfall exercise asks.

:func:`explain` evaluates a loss on a small batch and lays out, per example,
the quantities a learner computes by hand: the prediction and the target, the
error (prediction minus true) with its square and absolute value for
regression, the probability or margin for classification, the per-example
loss and its derivative, then the totals (sum, mean = the loss, RMSE for
MSE). Every number comes from the catalogue's own functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from losslab.lessons._steps import Cell, Table, format_number
from losslab.links import Link
from losslab.losses import Loss, Properties, get

_HINGE_LOSSES = frozenset({"hinge", "squared_hinge", "exponential", "modified_huber"})
"""Losses of the margin y·z (labels -1/+1, 0 read as -1): their tables show the margin."""

_Y_PRED_HEADERS = {
    "identity": "prediction",
    "log": "log-rate z",
    "probability": "p(class 1)",
    "logit": "logit z",
    "softmax": "logits z",
}
"""Per link: the table header of ``y_pred``."""

_PREDICTION_HEADERS = {"log": "rate exp(z)", "logit": "p = sigmoid(z)", "softmax": "softmax(z)"}
"""Per link whose inverse is not the identity: the header of what ``y_pred`` stands for."""


@dataclass(frozen=True)
class Explanation:
    """A loss worked through on one batch.

    Attributes:
        loss: the loss, with its parameters.
        table: one row per example, columns depending on what ``y_pred`` is.
        totals: ("quantity", "value") rows: the sum, the mean (the loss) and,
            for MSE, the RMSE.
        value: the loss as the catalogue returns it for ``reduction="mean"``.
        notes: sentences on how to read the table.
        properties: the loss's properties at its parameters, one sentence
            (:func:`properties_line`).
    """

    loss: Loss
    table: Table
    totals: Table
    value: float
    notes: tuple[str, ...]
    properties: str = ""


_SMOOTHNESS_WORDS = {
    "C0": "continuous with kinks (C0)",
    "C1": "once differentiable (C1)",
    "C2": "twice differentiable (C2)",
    "Cinf": "smooth (C∞)",
}


def properties_line(properties: Properties) -> str:
    """The properties of a loss as one short sentence, for the command line.

    Example:
        >>> properties_line(get("huber", delta=2.0).properties)
        'Properties: convex; once differentiable (C1); Lipschitz 2; robust.'
        >>> properties_line(get("hinge").properties)[-44:]
        'Lipschitz 1; robust; calibrated, not proper.'
    """
    p = properties
    parts = [
        "convex" if p.convex else "not convex",
        _SMOOTHNESS_WORDS[p.smoothness],
        "gradient unbounded" if p.lipschitz is None else f"Lipschitz {format_number(p.lipschitz)}",
    ]
    if p.robust:
        parts.append("robust, redescending" if p.redescending else "robust")
    else:
        parts.append("not robust")
    if p.proper is not None:
        if p.proper:
            parts.append("proper")
        else:
            parts.append(
                "calibrated, not proper" if p.calibrated else "neither proper nor calibrated"
            )
    return "Properties: " + "; ".join(parts) + "."


def _floats(x: Any) -> list[Cell]:
    return [float(v) for v in np.ravel(np.asarray(x, dtype=float))]


def _rows(x: Any) -> list[Cell]:
    arr = np.asarray(x, dtype=float)
    return [tuple(float(v) for v in row) for row in arr.reshape(arr.shape[0], -1)]


EXPLAINED_TASKS = ("regression", "binary", "multiclass")
"""The tasks whose losses :func:`explain` works through, one example per row of its table."""


def refusal(name: str, task: str) -> str | None:
    """Why :func:`explain` does not work loss ``name`` of ``task`` through, or None if it does."""
    if task in EXPLAINED_TASKS:
        return None
    return (
        f"explain works through regression, binary and multiclass losses; {name!r} is a "
        f"{task} loss, whose rows (or whole batch) it does not tabulate: call its functions "
        f"(losslab.losses.{name}, {name}_grad, {name}_hess) directly"
    )


def explain(loss: Loss | str, y_pred: Any, y_true: Any, *, weights: Any = None) -> Explanation:
    """Work ``loss`` through example by example on ``(y_pred, y_true)``.

    Args:
        loss: a :class:`~losslab.losses.Loss`, or a catalogue name (default parameters).
        y_pred: predictions, in the form the loss reads (``loss.link``):
            values, a log-rate, probabilities, logits, or rows of logits.
        y_true: targets: values, 0/1 labels, integer class labels, or rows of
            probabilities (``kl_div``).
        weights: optional non-negative per-example weights.

    Returns:
        The per-example table and the totals. The "loss" column is the
        per-example loss (times its weight when weights are given) and the
        derivative column is d loss_i / d y_pred_i, a row for losses on rows
        of logits; the loss is their sum divided by n (or by the sum of the
        weights), and so is its gradient.

    Raises:
        ValueError: bad input, as the catalogue reports it (shapes, NaN,
            probabilities outside [0, 1], labels outside the classes...); a
            loss of another task (distribution, ordinal, ranking,
            segmentation), which it does not work through (:func:`refusal`).
        TypeError: non-numeric input.

    Example (model A of the seeds' rainfall exercise):
        >>> ex = explain("mse", [12, 23, 6, 38, 18], [10, 25, 5, 40, 15])
        >>> ex.table.column("error")
        [2.0, -2.0, 1.0, -2.0, 3.0]
        >>> ex.table.column("squared error")
        [4.0, 4.0, 1.0, 4.0, 9.0]
        >>> round(ex.value, 12)
        4.4
    """
    if isinstance(loss, str):
        loss = get(loss)
    reason = refusal(loss.name, loss.task)
    if reason is not None:
        raise ValueError(reason)
    kwargs = {"weights": weights}
    # The catalogue validates the inputs first, so bad input fails with its message.
    value = float(loss(y_pred, y_true, reduction="mean", **kwargs))
    total = float(loss(y_pred, y_true, reduction="sum", **kwargs))
    terms = loss(y_pred, y_true, reduction="none", **kwargs)
    # d(sum of terms) / d y_pred_i is d loss_i / d y_pred_i: each term depends on its own input.
    derivative = loss.grad(y_pred, y_true, reduction="sum", **kwargs)

    notes: list[str] = []
    columns = _input_columns(loss, y_pred, y_true, notes)
    n = len(next(iter(columns.values())))
    if weights is not None:
        columns["weight"] = _floats(np.broadcast_to(np.asarray(weights, dtype=float), (n,)))
        notes.append(
            "With weights the loss column is weight x loss_i and the mean divides "
            "by the sum of the weights."
        )
    columns["loss"] = _floats(terms)
    if loss.link.rows:
        columns["d loss / d logits"] = _rows(derivative)
    else:
        columns["d loss / d pred"] = _floats(derivative)
    notes.append(_gradient_note(loss, weights, n))
    rows = tuple((i + 1, *(col[i] for col in columns.values())) for i in range(n))
    return Explanation(
        loss=loss,
        table=Table(("#", *columns), rows),
        totals=_totals(loss, total, value, weighted=weights is not None),
        value=value,
        notes=tuple(notes),
        properties=properties_line(loss.properties) if loss.definition is not None else "",
    )


def _totals(loss: Loss, total: float, value: float, *, weighted: bool) -> Table:
    rows: list[tuple[Cell, Cell]] = [
        ("sum of losses", total),
        ("weighted mean = the loss" if weighted else "mean = the loss", value),
    ]
    if loss.name == "mse":
        rows.append(("RMSE = sqrt(MSE)", math.sqrt(value)))
    return Table(("quantity", "value"), tuple(rows))


def _gradient_note(loss: Loss, weights: Any, n: int) -> str:
    if weights is not None:
        denominator = "the sum of the weights"
    elif loss.params.get("class_weights") is not None:
        denominator = "the sum of the true classes' weights"
    else:
        denominator = f"n = {n}"
    return f"The gradient of the mean is the derivative column divided by {denominator}."


def _input_columns(loss: Loss, y_pred: Any, y_true: Any, notes: list[str]) -> dict[str, list[Cell]]:
    """The prediction and target columns, as the loss's link reads ``y_pred``."""
    if loss.link.rows:
        return _row_columns(loss.link, y_pred, y_true)
    if loss.task == "regression":
        return _regression_columns(loss.link, y_pred, y_true, notes)
    if loss.name in _HINGE_LOSSES:
        return _margin_columns(loss.link, y_pred, y_true, notes)
    return _probability_columns(loss.link, y_pred, y_true)


def _regression_columns(
    link: Link, y_pred: Any, y_true: Any, notes: list[str]
) -> dict[str, list[Cell]]:
    inverse = _PREDICTION_HEADERS.get(link.name)
    z = np.asarray(y_pred, dtype=float)
    prediction = np.asarray(link.inverse(z))
    columns: dict[str, list[Cell]] = {_Y_PRED_HEADERS[link.name]: _floats(z)}
    if inverse is not None:
        # The model predicts z; what is compared with the target is the prediction it stands for.
        columns[inverse] = _floats(prediction)
        notes.append(
            f"y_pred is {link.description}; the error compares {link.prediction} "
            "with the true value."
        )
    columns["true"] = _floats(y_true)
    squared = get("mse")(prediction, y_true, reduction="none")
    absolute = get("mae")(prediction, y_true, reduction="none")
    columns["error"] = [p - t for p, t in zip(_floats(prediction), _floats(y_true), strict=True)]
    columns["squared error"] = _floats(squared)
    columns["absolute error"] = _floats(absolute)
    notes.insert(0, "error = prediction minus true.")
    return columns


def _probability_columns(link: Link, y_pred: Any, y_true: Any) -> dict[str, list[Cell]]:
    inverse = _PREDICTION_HEADERS.get(link.name)
    z = np.asarray(y_pred, dtype=float)
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(link.inverse(z))
    columns: dict[str, list[Cell]] = {_Y_PRED_HEADERS[link.name]: _floats(z), "true": _floats(y)}
    if inverse is not None:
        columns[inverse] = _floats(p)
    columns["p(true class)"] = _floats(np.where(y == 1.0, p, 1.0 - p))
    return columns


def _margin_columns(
    link: Link, y_pred: Any, y_true: Any, notes: list[str]
) -> dict[str, list[Cell]]:
    z = np.asarray(y_pred, dtype=float)
    y = np.asarray(y_true, dtype=float)
    # Hinge losses read labels as -1/+1 (0 is mapped to -1): the margin is y z.
    signed = np.where(y == 0.0, -1.0, y)
    notes.append("margin = y·z with y in {-1, +1}: positive when the sign is right.")
    return {
        _Y_PRED_HEADERS[link.name]: _floats(z),
        "true": _floats(y),
        "margin y·z": _floats(signed * z),
    }


def _row_columns(link: Link, y_pred: Any, y_true: Any) -> dict[str, list[Cell]]:
    inverse = _PREDICTION_HEADERS[link.name]
    z = np.asarray(y_pred, dtype=float)
    probabilities = np.asarray(link.inverse(z))
    columns: dict[str, list[Cell]] = {_Y_PRED_HEADERS[link.name]: _rows(z)}
    target = np.asarray(y_true)
    if target.ndim == z.ndim:
        columns["target p"] = _rows(target)
        columns[inverse] = _rows(probabilities)
    else:
        labels = target.astype(int).reshape(-1)
        flat = probabilities.reshape(labels.shape[0], -1)
        # Rows whose label is outside the classes (ignore_index) have no p(label).
        valid = (labels >= 0) & (labels < flat.shape[-1])
        picked = np.take_along_axis(flat, np.where(valid, labels, 0)[:, None], axis=1)[:, 0]
        columns["label"] = [int(v) for v in labels]
        columns[inverse] = _rows(probabilities)
        columns["p(label)"] = [
            float(p) if ok else "ignored" for p, ok in zip(picked, valid, strict=True)
        ]
    return columns

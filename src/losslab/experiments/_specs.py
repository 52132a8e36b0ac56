"""Turn what a user types (``"huber:delta=1"``, ``"moons:noise=0.3"``) into losses and datasets.

Every error is a ValueError that starts with the argument's name
(``losses: ...``, ``dataset: ...``), so a command line can print it as it is.

>>> label, loss = parse_loss("huber:delta=2")
>>> label, loss
('huber:delta=2', Loss('huber', delta=2))
>>> check_task(loss, "huber:delta=2", "regression", "linear")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from losslab import losses as _losses
from losslab.datasets import Dataset
from losslab.runs import fits_task, load_dataset, loss_label
from losslab.specs import parse_spec, split_specs
from losslab.train import is_loss

__all__ = ["check_task", "loss_label", "parse_loss", "resolve_dataset", "resolve_losses"]


def parse_loss(spec: str) -> tuple[str, Any]:
    """A ``"name:key=value,..."`` spec as ``(label, Loss)``; the label is the spec as typed.

    Raises:
        ValueError: An unknown loss, a parameter it does not have, or a bad value;
            the message starts with ``losses:``.
    """
    spec = spec.strip()
    name, params = parse_spec(spec, "losses: spec")
    try:
        loss = _losses.get(name, **params)
    except (ValueError, TypeError) as error:
        raise ValueError(f"losses: {error}") from None
    return spec, loss


def resolve_losses(losses: str | Sequence[Any]) -> dict[str, Any]:
    """Labels and loss objects from names, specs or loss objects, or one string of specs.

    A string holding several specs is split on commas that start a new loss
    (``"mse,mae,huber:delta=1"``); a comma followed by ``key=`` continues the
    previous spec's parameters (``"huber:delta=1,quantile:q=0.9"`` is two losses).

    Raises:
        ValueError: No loss, a bad spec, or two losses with the same label.
    """
    items = split_specs(losses) if isinstance(losses, str) else list(losses)
    if not items:
        raise ValueError("losses: give at least one loss")
    resolved: dict[str, Any] = {}
    for item in items:
        if isinstance(item, str):
            label, loss = parse_loss(item)
        elif is_loss(item):
            label, loss = loss_label(item), item
        else:
            raise ValueError(
                f"losses: expected loss names, specs or Loss objects, got {type(item).__name__}"
            )
        if label in resolved:
            raise ValueError(f"losses: {label!r} is listed twice")
        resolved[label] = loss
    return resolved


def resolve_dataset(dataset: str | Dataset) -> Dataset:
    """A Dataset from a name or ``"name:key=value"`` spec; a Dataset passes through.

    Raises:
        ValueError: An unknown dataset or bad loader arguments; the message starts
            with ``dataset:``.
    """
    return load_dataset(dataset)


def check_task(loss: Any, label: str, task: str, dataset_name: str) -> None:
    """Raise ValueError unless ``loss`` can train on a dataset of ``task`` (:func:`fits_task`).

    Multiclass losses (rows of logits) also take binary data, as two classes.
    """
    if not fits_task(loss.task, task):
        raise ValueError(
            f"losses: {label!r} is a {loss.task} loss, dataset {dataset_name!r} is {task}"
        )

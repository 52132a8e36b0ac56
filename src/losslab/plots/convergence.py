"""Training curves: bands over seeds per loss, and loss against accuracy on twin axes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from losslab.plots._canvas import LabFigure, colours, new_figure

__all__ = ["band_panels", "convergence", "loss_and_accuracy"]


def band_panels(
    panels: Mapping[str, pd.DataFrame],
    labels: Sequence[str] | None = None,
    *,
    log_scale: Sequence[str] = (),
) -> LabFigure:
    """One panel per quantity: per loss, the median over seeds and a band from q25 to q75.

    Args:
        panels: Per panel title, a bands table (``label``, ``epoch``, ``median``,
            ``q25``, ``q75``) from :func:`losslab.experiments.bands`.
        labels: Loss labels in legend order (default: as they appear).
        log_scale: Titles of the panels drawn with a logarithmic y axis.
    """
    figure, axes = new_figure(len(panels))
    first = next(iter(panels.values()))
    labels = list(labels) if labels is not None else list(dict.fromkeys(first["label"]))
    palette = colours(labels)
    for ax, (title, frame) in zip(axes, panels.items(), strict=True):
        for label in labels:
            part = frame[frame["label"] == label]
            if part.empty:
                continue
            ax.plot(part["epoch"], part["median"], color=palette[label], label=label, lw=1.6)
            ax.fill_between(
                part["epoch"], part["q25"], part["q75"], color=palette[label], alpha=0.2, lw=0
            )
        ax.set_title(title)
        ax.set_xlabel("epoch")
        if title in log_scale and (frame["median"] > 0).any():
            # A loss that reaches 0 (hinge on separable data) has nothing to draw on a log axis.
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize="small")
    return figure


def convergence(comparison, *, log_loss_axis: bool = True) -> LabFigure:
    """Training loss and the common metric of a comparison, median and IQR over seeds.

    Each loss's training loss is in its own units: read the shapes, and compare
    losses on the right-hand panel, where each constant model of the summary
    (what any loss must beat) is a dashed grey line.
    """
    train = "train loss (own units)"
    panels = {
        train: comparison.bands("train_loss"),
        comparison.metric: comparison.bands(comparison.metric),
    }
    figure = band_panels(
        panels, list(comparison.losses), log_scale=(train,) if log_loss_axis else ()
    )
    summary = comparison.summary
    if "kind" in summary.columns:
        ax = figure.axes[1]
        constants = summary[summary["kind"] == "constant"].head(4)
        for i, row in enumerate(constants.to_dict("records")):
            style = ("--", ":", "-.", (0, (5, 5)))[i]
            ax.axhline(row["final_median"], color="0.45", ls=style, lw=1, label=row["label"])
        if len(constants):
            ax.legend(fontsize="small")
    return figure


def loss_and_accuracy(
    curves: Mapping[str, pd.DataFrame],
    *,
    loss_column: str = "train_loss",
    accuracy_column: str = "val_accuracy",
    loss_label: str = "loss",
    accuracy_label: str = "accuracy",
) -> LabFigure:
    """Per run, loss (left axis) and accuracy (right axis) over epochs, one panel each.

    Args:
        curves: Per panel title, a table with ``epoch``, ``loss_column`` and
            ``accuracy_column`` (a History's ``to_frame().reset_index()``).
        loss_column: Column drawn on the left axis.
        accuracy_column: Column drawn on the right axis.
        loss_label: Left axis label.
        accuracy_label: Right axis label.
    """
    figure, axes = new_figure(len(curves))
    for ax, (title, frame) in zip(axes, curves.items(), strict=True):
        ax.plot(frame["epoch"], frame[loss_column], color="#1f77b4", label=loss_label)
        ax.set_ylabel(loss_label, color="#1f77b4")
        ax.set_xlabel("epoch")
        twin = ax.twinx()
        twin.plot(frame["epoch"], frame[accuracy_column], color="#d62728", label=accuracy_label)
        twin.set_ylabel(accuracy_label, color="#d62728")
        twin.set_ylim(-0.02, 1.02)
        ax.set_title(title)
        ax.grid(alpha=0.3)
    return figure

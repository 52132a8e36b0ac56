"""Train several losses over several seeds on one dataset, and compare them fairly.

Raw values of different losses are not comparable (MSE is in squared units,
MAE in units, Huber mixes the two), so :func:`compare` ranks losses by one
metric every run shares: validation RMSE for regression, validation accuracy
for classification (the goal most users state, and defined for every
classification loss, hinge included, whose outputs are not probabilities;
pass ``metric="val_log_loss"`` to rank by calibrated probabilities).

A seed controls the train/validation split, the model initialisation (MLPs;
linear models start at zero) and the mini-batch shuffling. Everything is
checked before the first run starts, so bad input fails fast.

Every comparison holds its floor: the constant model of each loss (its
``optimal_constant`` on the training targets, scored on the validation rows
with the same metrics), as rows of the summary ("constant: what any loss must
beat"). A run that ends no better than its loss's constant is counted in
``below_constant`` and its row gets a ``flag``; the note says what to check.

>>> result = compare("linear:n_samples=60", ["mse", "mae"], epochs=20, seeds=2)
>>> list(result.summary["label"]), list(result.summary["kind"])[-1]
(['mse', 'mae', 'constant (mse)', 'constant (mae)'], 'constant')
>>> result.metric, len(result.results), len(result.baseline)
('val_rmse', 84, 4)
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from losslab._display import number
from losslab.datasets import Dataset
from losslab.experiments._baseline import CONSTANT_HINT, constant_prediction, constant_scores
from losslab.experiments._specs import check_task, resolve_dataset, resolve_losses
from losslab.experiments._summary import bands, default_target, summarise
from losslab.metrics import metric_mode, metric_names
from losslab.models import Model
from losslab.progress import Progress
from losslab.runs import Run, RunSpec, RunSpecError, execute, prepare
from losslab.specs import format_spec

__all__ = ["Comparison", "Run", "compare", "dataset_spec", "task_metrics"]


def task_metrics(task: str) -> tuple[str, ...]:
    """The metric names recorded for ``task`` (``loss`` is the training objective itself)."""
    return ("loss", *metric_names(task))


@dataclass
class Comparison:
    """What :func:`compare` returns.

    Attributes:
        dataset: The dataset.
        losses: Loss objects by label, in the order given.
        metric: The common metric losses are ranked by (a results column).
        target: The value of ``metric`` counted as reached.
        results: Tidy table, one row per run per epoch: ``label``, ``loss``
            (catalogue name), ``seed``, ``epoch``, ``train_loss``, ``val_loss``,
            ``train_<metric>`` and ``val_<metric>`` for every metric of the
            task, ``grad_norm``, ``param_norm``, ``lr``, ``wall_time``.
        summary: Per loss and per constant model, best first (see
            :func:`~losslab.experiments.summarise`); ``kind`` tells them apart,
            ``flag`` marks a loss whose runs end no better than its constant.
        runs: Every finished :class:`~losslab.runs.Run` (its spec, label, seed,
            History, model and split).
        note: Why losses are ranked by ``metric`` and not by their own values.
        config: The arguments, JSON-ready, to run the comparison again.
        interrupted: Whether Ctrl-C stopped it before every run finished.
        n_planned: Number of runs asked for.
        baseline: One row per finished run: ``label``, ``loss``, ``seed``,
            ``constant`` (the loss's optimal constant on the run's training
            targets) and the constant model's ``train_<metric>`` and
            ``val_<metric>`` for every metric of the task.
    """

    dataset: Dataset
    losses: dict[str, Any]
    metric: str
    target: float
    results: pd.DataFrame
    summary: pd.DataFrame
    runs: list[Run] = field(default_factory=list)
    note: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False
    n_planned: int = 0
    baseline: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def mode(self) -> str:
        """``"max"`` when a larger ``metric`` is better, else ``"min"``."""
        return metric_mode(self.metric)

    @property
    def task(self) -> str:
        """The dataset's task."""
        return self.dataset.task

    def bands(self, column: str) -> pd.DataFrame:
        """Median and IQR of a results column over seeds, per loss and epoch."""
        return bands(self.results, column)

    def run(self, label: str, seed: int | None = None) -> Run:
        """The run of ``label`` with ``seed`` (the first seed that finished when None)."""
        for run in self.runs:
            if run.label == label and (seed is None or run.seed == seed):
                return run
        raise ValueError(f"label: no finished run of {label!r} with seed {seed}")

    def models(self, seed: int | None = None) -> dict[str, tuple[Model, Any]]:
        """Per label with a finished run of ``seed`` (default: the first), ``(model, loss)``."""
        if seed is None and self.runs:
            seed = self.runs[0].seed
        return {
            run.label: (run.model, self.losses[run.label]) for run in self.runs if run.seed == seed
        }

    def validation_probabilities(self, label: str, seed: int | None = None):
        """``(probabilities, labels)`` of a classification run on its validation rows."""
        run = self.run(label, seed)
        proba = self.losses[label].link.inverse(run.model(run.split.X_val))
        return proba, run.split.y_val

    def long(self) -> pd.DataFrame:
        """The results with one row per run, epoch and split (``train`` / ``val``).

        Columns ``label``, ``loss``, ``seed``, ``epoch``, ``split``, ``objective``
        (the training loss evaluated on that split), the task's metrics,
        ``grad_norm`` and ``wall_time``.
        """
        keys = ["label", "loss", "seed", "epoch"]
        parts = []
        for split in ("train", "val"):
            columns = {
                c: c.removeprefix(f"{split}_").replace("loss", "objective", 1)
                if c == f"{split}_loss"
                else c.removeprefix(f"{split}_")
                for c in self.results.columns
                if c.startswith(f"{split}_")
            }
            part = self.results[keys + list(columns) + ["grad_norm", "wall_time"]]
            part = part.rename(columns=columns)
            part.insert(4, "split", split)
            parts.append(part)
        return pd.concat(parts, ignore_index=True).sort_values(
            ["label", "seed", "epoch", "split"], kind="stable", ignore_index=True
        )

    def _repr_html_(self) -> str:
        # Jupyter's rich display: the note, the summary table and the convergence figure.
        from losslab._display import figure_html
        from losslab.plots import convergence

        table = self.summary.to_html(index=False, float_format=number, na_rep="")
        parts = [f"<div><p>{html.escape(self.note)}</p>", table]
        if self.runs:
            figure = convergence(self)
            parts.append(figure_html(figure, f"training loss and {self.metric} per epoch"))
        parts.append("</div>")
        return "".join(parts)


def dataset_spec(dataset: Dataset) -> str:
    """A ``load_spec`` string that rebuilds ``dataset`` (``"linear_outliers:seed=0,..."``)."""
    return format_spec(dataset.name, dataset.params)


def _seeds(seeds: int | Sequence[int]) -> list[int]:
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds: need at least 1 seed, got {seeds}")
        return list(range(int(seeds)))
    values = list(seeds)
    if not values or not all(isinstance(s, (int, np.integer)) for s in values):
        raise ValueError(f"seeds: expected a count or a list of integers, got {seeds!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"seeds: repeated seeds in {values}")
    return [int(s) for s in values]


def _metric(metric: str | None, task: str) -> str:
    if metric is None:
        return "val_rmse" if task == "regression" else "val_accuracy"
    column = metric if metric.startswith(("train_", "val_")) else f"val_{metric}"
    base = column.removeprefix("train_").removeprefix("val_")
    if base not in task_metrics(task) or base == "loss":
        allowed = ", ".join(m for m in task_metrics(task) if m != "loss")
        raise ValueError(
            f"metric: {metric!r} is not a {task} metric shared by every loss; "
            f"choose one of {allowed} (optionally prefixed train_ or val_)"
        )
    return column


def _check_target(target: Any) -> None:
    number = isinstance(target, (int, float, np.integer, np.floating)) and not isinstance(
        target, bool
    )
    if target is not None and not (number and math.isfinite(target)):
        raise ValueError(f"target: expected a finite number, got {target!r}")


def _dry_run(specs: Sequence[RunSpec]) -> None:
    """Prepare each spec once (data, model, a first loss value): a loss that cannot train fails."""
    for spec in specs:
        try:
            prepare(spec)
        except RunSpecError as error:
            if error.argument != "loss":
                raise
            raise ValueError(f"losses: {error.reason}") from None


def _train_all(specs: Sequence[RunSpec], progress: bool) -> tuple[list[Run], bool]:
    """Execute ``specs`` in order; ``(finished runs, interrupted)``: Ctrl-C keeps the finished."""
    runs: list[Run] = []
    finished = 0  # epochs of the runs done so far, a diverged run counted in full
    with Progress(progress, total=sum(s.epochs for s in specs), description="compare") as bar:

        def advance(epoch: int, record: dict[str, float], model: Model) -> bool:
            bar.update(completed=finished + epoch)
            return False

        try:
            for spec in specs:
                bar.update(description=f"{spec.label} seed {spec.seed}")
                run = execute(spec, callbacks=[advance])
                if run.history.interrupted:
                    return runs, True
                finished += spec.epochs
                bar.update(completed=finished)
                runs.append(run)
        except KeyboardInterrupt:
            return runs, True
    return runs, False


def compare(
    dataset: str | Dataset,
    losses: str | Sequence[Any],
    *,
    model: str = "linear",
    hidden: Sequence[int] = (16,),
    activation: str = "tanh",
    optimizer: str = "gd",
    lr: float = 0.1,
    epochs: int = 100,
    seeds: int | Sequence[int] = 5,
    metric: str | None = None,
    target: float | None = None,
    val_fraction: float = 0.25,
    batch_size: int | None = None,
    weight_decay: float = 0.0,
    schedule: str | None = None,
    optimizer_params: dict[str, Any] | None = None,
    torch_model: Any = None,
    progress: bool = False,
    l1: float = 0.0,
) -> Comparison:
    """Train every (loss, seed) pair on ``dataset`` and compare the losses by a common metric.

    Args:
        dataset: A dataset name, a spec such as ``"linear_outliers:outlier_fraction=0.1"``,
            or a :class:`~losslab.datasets.Dataset`.
        losses: Loss names, specs (``"huber:delta=1"``) or loss objects; or one
            string of specs separated by commas.
        model: ``"linear"``, ``"mlp"`` or ``"torch"``; the head follows each loss.
        hidden: Hidden widths for ``model="mlp"``.
        activation: Hidden activation for ``model="mlp"``.
        optimizer: ``"gd"``, ``"sgd"``, ``"momentum"``, ``"nesterov"`` or ``"adam"``.
        lr: Learning rate.
        epochs: Epochs per run.
        seeds: A number of seeds (0, 1, ...) or the seeds themselves.
        metric: The results column to rank by, e.g. ``"val_mae"`` or ``"accuracy"``
            (``val_`` is assumed); default val RMSE (regression) or val accuracy.
        target: The value of ``metric`` whose first epoch is reported; default
            within 5 % of the best median final value, the constant models'
            included.
        val_fraction: Share of rows held out for validation.
        batch_size: Mini-batch size (not with ``"gd"``).
        weight_decay: L2 coefficient.
        l1: L1 coefficient (the subgradient ``l1 · sign(θ)``, see :mod:`losslab.optim`).
        schedule: ``"constant"``, ``"step"`` or ``"cosine"``.
        optimizer_params: Extra optimizer arguments (``momentum``, ``beta1``, ...).
        torch_model: With ``model="torch"``, a factory
            ``factory(n_features, n_outputs) -> nn.Module`` or its import path
            ``"module:function"``: each (loss, seed) trains a new module under
            :func:`losslab.torch.loss` with the ``torch.optim`` optimizer
            behind ``optimizer`` (:func:`losslab.torch.fit`).
        progress: Show a Rich progress bar.

    Returns:
        The :class:`Comparison`. Ctrl-C stops it early: the runs already
        finished are kept and ``interrupted`` is True.

    Raises:
        ValueError: Before any training, naming the argument: an unknown dataset,
            loss, optimizer or metric, a loss that does not fit the task, or a bad number.
    """
    data = resolve_dataset(dataset)
    resolved = resolve_losses(losses)
    for label, loss in resolved.items():
        check_task(loss, label, data.task, data.name)
    seed_list = _seeds(seeds)
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction: must be in (0, 1), got {val_fraction}")
    column = _metric(metric, data.task)
    _check_target(target)
    settings = {
        "model": model, "hidden": hidden, "activation": activation, "optimizer": optimizer,
        "lr": lr, "epochs": epochs, "val_fraction": val_fraction, "batch_size": batch_size,
        "weight_decay": weight_decay, "l1": l1, "schedule": schedule,
        "optimizer_params": optimizer_params or {}, "torch_model": torch_model,
    }  # fmt: skip
    source = dataset if isinstance(dataset, str) else data
    specs = [
        RunSpec(source, loss, label=label, seed=seed, **settings)
        for seed in seed_list
        for label, loss in resolved.items()
    ]
    _dry_run(specs[: len(resolved)])
    first = specs[0]
    config = {
        "dataset": dataset if isinstance(dataset, str) else dataset_spec(data),
        "losses": list(resolved), "model": model, "hidden": list(first.hidden),
        "activation": activation, "optimizer": optimizer, "lr": lr, "epochs": first.epochs,
        "seeds": seed_list, "metric": column, "target": target, "val_fraction": val_fraction,
        "batch_size": batch_size, "weight_decay": weight_decay, "l1": l1, "schedule": schedule,
        "optimizer_params": optimizer_params or {},
    }  # fmt: skip
    if torch_model is not None:
        config["torch_model"] = torch_model if isinstance(torch_model, str) else repr(torch_model)
    runs, interrupted = _train_all(specs, progress)
    return _assemble(data, resolved, column, target, runs, config, interrupted, len(specs))


def _results(runs: list[Run]) -> pd.DataFrame:
    frames = []
    for run in runs:
        frame = run.history.to_frame().reset_index()
        frame.insert(0, "label", run.label)
        frame.insert(1, "loss", run.history.loss)
        frame.insert(2, "seed", run.seed)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["label", "loss", "seed", "epoch", "wall_time"])
    return pd.concat(frames, ignore_index=True)


def _assemble(data, resolved, column, target, runs, config, interrupted, n_planned) -> Comparison:
    results = _results(runs)
    if column not in results.columns:
        results[column] = pd.Series(dtype=float)
    diverged: dict[str, list[tuple[int, int]]] = {}
    for run in runs:
        if run.history.diverged:
            diverged.setdefault(run.label, []).append((run.seed, int(run.history.diverged_epoch)))
    labels = list(resolved)
    mode = metric_mode(column)
    baseline = _baseline(runs)
    if target is None:
        # The constants count: a finish line below the floor would be reached at epoch 0.
        finals = summarise(results, labels, column, math.nan, diverged, baseline)["final_median"]
        target = default_target(list(finals), mode)
    summary = summarise(results, labels, column, target, diverged, baseline)
    direction = "lower" if mode == "min" else "higher"
    note = (
        f"Raw values of different losses are not comparable (each is in its own units), "
        f"so losses are ranked by {column} ({direction} is better), a metric every run "
        f"shares. Median and IQR over {len(config['seeds'])} seeds; target {column} "
        f"{'<=' if mode == 'min' else '>='} {target:.4g}."
    )
    note += (
        " Rows 'constant (...)' are the losses' optimal constants fitted on the training "
        "targets: what any loss must beat."
    )
    flagged = summary.loc[summary["flag"] != "", "label"].tolist()
    if flagged:
        note += f" No better than the constant: {', '.join(flagged)}; {CONSTANT_HINT}."
    if interrupted:
        note += f" Interrupted: {len(runs)} of {n_planned} runs finished."
    return Comparison(
        data, resolved, column, float(target), results, summary, runs, note, config,
        interrupted, n_planned, baseline,
    )  # fmt: skip


def _baseline(runs: list[Run]) -> pd.DataFrame:
    """The constant model of each run's loss on that run's split, one row per run."""
    rows = []
    for run in runs:
        split = run.split
        if split is None:
            continue
        scores = constant_scores(run.loss, split.y_train, split.y_val, run.model.n_outputs)
        if not scores:
            continue
        constant = constant_prediction(run.loss, split.y_train, 1, run.model.n_outputs)[0]
        row = {
            "label": run.label, "loss": run.loss.name, "seed": run.seed,
            "constant": np.round(constant, 6).tolist(),
        }  # fmt: skip
        rows.append(row | scores)
    if not rows:
        return pd.DataFrame(columns=["label", "loss", "seed", "constant"])
    return pd.DataFrame(rows)

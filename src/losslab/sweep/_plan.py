"""Expanding a sweep into runs, each named by the hash of its canonical config.

A run is one point of the grid: dataset (with its arguments) × model ×
loss (with its parameters) × optimizer × learning rate × seed. Its id is the
first 16 hex digits of the SHA-256 of its canonical JSON (sorted keys, ints
turned into floats where the argument is a float), so the same run has the
same id in every sweep and every process, and results can be found again.

>>> from losslab.sweep._config import loads
>>> config = loads('''
... seeds = [0, 1]
... [[datasets]]
... name = "linear"
... [[losses]]
... name = "huber"
... grid = {delta = [0.5, 1]}
... [[optimizers]]
... lr = [0.1, 1]
... ''')
>>> plan = expand(config)
>>> len(plan.runs), plan.runs[0].loss_params, len(plan.runs[0].run_id)
(8, {'delta': 0.5}, 16)
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from losslab import datasets, losses
from losslab.metrics import metric_names
from losslab.runs import RunSpec, RunSpecError, fits_task, load_dataset
from losslab.specs import format_spec
from losslab.sweep._config import LossGrid, ModelSpec, OptimizerGrid, SweepConfig

__all__ = ["Plan", "PlannedRun", "config_hash", "expand", "resolve_metric"]


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class PlannedRun:
    """One point of a sweep's grid; :attr:`run_id` is the hash of :meth:`canonical`.

    Its fields are plain JSON-ready data (names and parameter dicts), so it is
    hashed, stored in the manifest and sent to workers as it is; :meth:`spec`
    is the :class:`~losslab.runs.RunSpec` a worker executes.
    """

    dataset: str
    dataset_params: dict[str, Any]
    model: str
    hidden: tuple[int, ...]
    activation: str
    loss: str
    loss_params: dict[str, Any]
    optimizer: str
    lr: float
    optimizer_params: dict[str, float]
    batch_size: int | None
    schedule: str | None
    weight_decay: float
    epochs: int
    seed: int
    val_fraction: float
    divergence_factor: float
    run_id: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "run_id", _digest(self.canonical())[:16])

    def canonical(self) -> dict[str, Any]:
        """The run's config as plain JSON-ready data, the input of its id."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "run_id"}
        return json.loads(json.dumps(data))  # a deep copy; tuples become lists

    @classmethod
    def from_canonical(cls, data: Mapping[str, Any]) -> PlannedRun:
        """The run back from :meth:`canonical` (as stored in the manifest)."""
        values = {key: value for key, value in data.items() if key != "run_id"}
        values["hidden"] = tuple(values["hidden"])
        return cls(**values)

    def spec(self) -> RunSpec:
        """The :class:`~losslab.runs.RunSpec` of this run (a linear model's MLP settings unset)."""
        return RunSpec(
            format_spec(self.dataset, self.dataset_params),
            losses.get(self.loss, **self.loss_params),
            model=self.model, hidden=self.hidden or (16,), activation=self.activation or "tanh",
            optimizer=self.optimizer, lr=self.lr, optimizer_params=self.optimizer_params,
            schedule=self.schedule, weight_decay=self.weight_decay, batch_size=self.batch_size,
            epochs=self.epochs, seed=self.seed, val_fraction=self.val_fraction,
            divergence_factor=self.divergence_factor, label=self.label(),
        )  # fmt: skip

    def label(self) -> str:
        """A short human name: ``huber(delta=0.5) gd lr=0.1 seed=0 on linear``."""
        params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in sorted(self.loss_params.items()))  # fmt: skip
        return (
            f"{self.loss}({params}) {self.optimizer} lr={self.lr:g} seed={self.seed} "
            f"on {self.dataset}"
        )


@dataclass(frozen=True)
class Plan:
    """The runs of a sweep.

    Attributes:
        runs: Every run, in grid order, without duplicates.
        config_hash: SHA-256 of the validated config; a results folder belongs
            to one config.
        skipped: ``(dataset, loss)`` pairs left out because the loss does not
            fit the dataset's task.
        tasks: Task of each dataset name.
    """

    runs: list[PlannedRun]
    config_hash: str
    skipped: list[tuple[str, str]]
    tasks: dict[str, str]

    def __len__(self) -> int:
        return len(self.runs)


def config_hash(config: SweepConfig) -> str:
    """SHA-256 of the validated config (comments and layout do not count)."""
    return _digest(config.model_dump(mode="json"))


def resolve_metric(metric: str, task: str) -> str:
    """The History column a sweep compares on: ``"auto"`` resolved for ``task``.

    Raises:
        ValueError: If ``metric`` is not a History column for ``task``.
    """
    if metric == "auto":
        return "val_rmse" if task == "regression" else "val_accuracy"
    names = metric_names(task)
    allowed = ["train_loss", "val_loss"] + [f"{p}_{m}" for p in ("train", "val") for m in names]
    if metric not in allowed:
        raise ValueError(f"metric {metric!r} is not recorded for {task}; use one of {allowed}")
    return metric


def _grid(fixed: Mapping[str, Any], grid: Mapping[str, list[Any]]) -> Iterator[dict[str, Any]]:
    keys = sorted(grid)
    for values in itertools.product(*(grid[key] for key in keys)):
        yield {**fixed, **dict(zip(keys, values, strict=True))}


def _as_defaults(params: dict[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Make ``1`` and ``1.0`` the same run where the argument is not an integer."""
    out = {}
    for key, value in sorted(params.items()):
        default = defaults.get(key)
        integer_default = isinstance(default, int) and not isinstance(default, bool)
        if isinstance(value, int) and not isinstance(value, bool) and not integer_default:
            value = float(value)
        out[key] = value
    return out


def _loader_defaults(name: str) -> dict[str, Any]:
    loader = getattr(datasets, name, None)
    if not callable(loader):
        return {}
    return {
        key: param.default
        for key, param in inspect.signature(loader).parameters.items()
        if param.default is not inspect.Parameter.empty
    }


DataPoint = tuple[str, dict[str, Any], str]
"""A dataset of the grid: its name, its arguments and its task."""


def _data_points(config: SweepConfig) -> list[DataPoint]:
    """Every dataset of the grid, built once (and kept for the runs) to learn its task."""
    points: list[DataPoint] = []
    for index, grid in enumerate(config.datasets):
        for params in _grid(grid.params, grid.grid):
            params = _as_defaults(params, _loader_defaults(grid.name))
            try:
                task = load_dataset(format_spec(grid.name, params)).task
            except RunSpecError as error:
                raise config.error(("datasets", index, "params"), error.reason) from None
            try:
                resolve_metric(config.metric, task)
            except ValueError as error:
                raise config.error(("metric",), str(error)) from None
            points.append((grid.name, params, task))
    return points


def _check_every_loss_fits(config: SweepConfig, points: list[DataPoint]) -> None:
    for index, grid in enumerate(config.losses):
        loss_task = losses.describe(grid.name)["task"]
        if not any(fits_task(loss_task, task) for *_, task in points):
            found = ", ".join(sorted({f"{name} ({task})" for name, _, task in points}))
            raise config.error(
                ("losses", index, "name"),
                f"loss {grid.name!r} is for {loss_task} data; no dataset fits: {found}",
            )


def _grid_runs(
    config: SweepConfig, point: DataPoint, model: ModelSpec, loss: LossGrid
) -> Iterator[PlannedRun]:
    """The runs of one dataset, model and loss: loss parameters × optimizers × rates × seeds."""
    defaults = losses.parameters(loss.name)
    # A linear model ignores the MLP settings: keep them out of its identity.
    hidden, activation = (
        (tuple(model.hidden), model.activation) if model.kind == "mlp" else ((), "")
    )
    optimizer: OptimizerGrid
    for loss_params, optimizer in itertools.product(
        _grid(loss.params, loss.grid), config.optimizers
    ):
        for lr, seed in itertools.product(optimizer.lr, config.seeds):
            yield PlannedRun(
                dataset=point[0], dataset_params=point[1], model=model.kind,
                hidden=hidden, activation=activation,
                loss=loss.name, loss_params=_as_defaults(loss_params, defaults),
                optimizer=optimizer.name, lr=float(lr),
                optimizer_params=dict(sorted(optimizer.params.items())),
                batch_size=optimizer.batch_size, schedule=optimizer.schedule,
                weight_decay=float(optimizer.weight_decay), epochs=config.epochs, seed=seed,
                val_fraction=config.val_fraction, divergence_factor=config.divergence_factor,
            )  # fmt: skip


def expand(config: SweepConfig) -> Plan:
    """Every run of ``config``, in grid order (dataset, model, loss, optimizer, lr, seed).

    Each dataset is built once here to learn its task; pairs of a loss and a
    dataset of another task are skipped (:func:`losslab.runs.fits_task`).

    Raises:
        SweepConfigError: If a dataset cannot be built, a loss fits no
            dataset, or the metric is not recorded for a dataset's task.
    """
    points = _data_points(config)
    _check_every_loss_fits(config, points)
    runs: dict[str, PlannedRun] = {}
    skipped: list[tuple[str, str]] = []
    for point, model, loss in itertools.product(points, config.models, config.losses):
        if not fits_task(losses.describe(loss.name)["task"], point[2]):
            skipped.append((point[0], loss.name))
            continue
        for run in _grid_runs(config, point, model, loss):
            runs.setdefault(run.run_id, run)
    tasks = {name: task for name, _, task in points}
    return Plan(list(runs.values()), config_hash(config), sorted(set(skipped)), tasks)

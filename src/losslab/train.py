"""The training loop and its record, :class:`History`.

:func:`fit` is plain: per batch, forward, loss gradient, backward, update.
Per epoch it evaluates the model on the whole training set (and the
validation set when given) and appends one record to the History: losses,
task metrics (:mod:`losslab.metrics`), gradient and parameter norms, the
learning rate and the wall time. Epoch 0 is the model before any update.
``metrics_every=k`` records every k-th epoch instead (0: only epoch 0 and the
last), for throughput: the metrics cost more than a small model's update.

Divergence, early stopping and interruption end a run without an exception:

- the training loss (or any metric, or a parameter) turning NaN/inf, the
  loss exceeding ``divergence_factor`` times its initial value, or staying
  more than 10% above it for 50 epochs in a row (:data:`STALL_EPOCHS`), marks
  the run ``diverged`` with the epoch and a reason. A non-finite epoch is not
  recorded and the model is put back to the last recorded epoch's
  parameters, so the History holds no NaN. Overflow along the way raises no
  warning (``numpy.errstate``);
- a callback returning True stops the run (``stopped_early``);
- Ctrl-C (KeyboardInterrupt) during :func:`fit` does not lose the run: it
  returns the History so far marked ``interrupted``, with the model at the
  last recorded epoch. Before epoch 0 is recorded (the first evaluation,
  a kernel compiling) that History is empty and the model untouched.

>>> import numpy as np
>>> from losslab import losses
>>> from losslab.models import LinearRegression
>>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 3.0, 5.0])
>>> history = fit(LinearRegression(1), losses.get("mse"), X, y, lr=0.1, epochs=500)
>>> round(history.final["train_loss"], 8), history.diverged
(0.0, False)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from losslab import config
from losslab import losses as _losses
from losslab import metrics as _metrics
from losslab.models import Model
from losslab.optim import CosineSchedule, Optimizer, Schedule, make_optimizer, make_schedule
from losslab.progress import Progress

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "SeedFits",
    "check_targets",
    "epoch_record",
    "fit",
    "fit_seeds",
    "is_loss",
    "resolve_loss",
]

STALL_EPOCHS = 50
"""Epochs in a row the training loss may stay above its stall level before the run diverges."""

STALL_MARGIN = 0.1
"""The stall level: the initial training loss plus this fraction of its magnitude."""

Callback = Callable[[int, dict[str, float], Model], Any]
"""``callback(epoch, record, model)``, called after each recorded epoch; True stops the run."""


def is_loss(obj: Any) -> bool:
    """Whether ``obj`` can train as a loss: it has ``grad``, ``task`` and ``link``.

    Catalogue and custom losses do; so does any object written to look like one.
    """
    return hasattr(obj, "grad") and hasattr(obj, "task") and hasattr(obj, "link")


def resolve_loss(loss: Any) -> Any:
    """A loss from its registry name; a loss object (:func:`is_loss`) as is."""
    if isinstance(loss, str):
        return _losses.get(loss)
    if is_loss(loss):
        return loss
    raise TypeError(f"loss must be a loss name or a Loss object, got {type(loss).__name__}")


def check_targets(loss: Any, y: ArrayLike, n_outputs: int | None = None) -> np.ndarray:
    """Check that ``y`` suits the task of ``loss`` and return it as an array.

    Regression losses need finite real ``y`` of shape ``(n,)``; binary losses
    labels in {0, 1}; multiclass losses integer labels ``0 .. K − 1`` or rows
    of probabilities ``(n, K)``, with ``K = n_outputs`` when given.

    Raises:
        TypeError: If ``y`` is not numeric (string labels: encode them first,
            or use :class:`losslab.estimators.LossClassifier`).
        ValueError: If ``y`` does not fit the loss's task.
    """
    y = np.asarray(y)
    name, task = loss.name, loss.task
    if y.dtype.kind not in "biuf":
        raise TypeError(
            f"y must be numeric for loss {name!r} ({task}), got dtype {y.dtype}; "
            "encode labels as integers 0..K-1 (LossClassifier does this)"
        )
    if y.size == 0:
        raise ValueError("y is empty")
    if not np.all(np.isfinite(y)):
        raise ValueError("y contains NaN or inf")
    if task == "multiclass" and y.ndim == 2:
        if n_outputs is not None and y.shape[1] != n_outputs:
            raise ValueError(
                f"y has {y.shape[1]} probability columns, the model has {n_outputs} outputs"
            )
        if np.any(y < 0) or not np.allclose(y.sum(axis=1), 1.0):
            raise ValueError(f"y rows must be probabilities (>= 0, summing to 1) for loss {name!r}")
        return y.astype(np.float64)
    if y.ndim != 1:
        raise ValueError(f"y must have shape (n,) for loss {name!r}, got {y.shape}")
    if task == "binary":
        values = np.unique(y)
        if not np.all(np.isin(values, (0, 1))):
            raise ValueError(
                f"loss {name!r} is for binary targets 0/1, y has values {values[:5].tolist()}"
            )
        return y.astype(np.float64)
    if task == "multiclass":
        if np.any(np.mod(y, 1) != 0) or np.any(y < 0):
            raise ValueError(
                f"loss {name!r} needs integer class labels >= 0 (or probability rows); "
                "y looks continuous"
            )
        if n_outputs is not None and y.max() >= n_outputs:
            raise ValueError(f"y has label {int(y.max())}, the model has only {n_outputs} classes")
        return y.astype(np.int64)
    return y.astype(np.float64)


@dataclass
class History:
    """Everything a run produced, one record per epoch (epoch 0: before training).

    Attributes:
        records: One dict per recorded epoch, keys ``epoch``, ``train_loss``,
            ``val_loss`` (with validation data), ``train_<metric>`` and
            ``val_<metric>`` (regression: mse, rmse, mae, r2; classification:
            accuracy, precision, recall, f1, roc_auc, log_loss, ece; with a
            ``cost_matrix``, also expected_cost), ``grad_norm`` (of the
            training loss, decay excluded), ``param_norm``, ``lr`` and
            ``wall_time`` (seconds since the start of the run).
        loss: Name of the loss.
        task: The loss's task.
        initial_loss: Training loss before any update.
        diverged: Whether the run was stopped for diverging.
        diverged_epoch: The epoch at which it diverged.
        diverged_reason: Why, in words.
        stopped_early: Whether a callback stopped the run.
        stop_reason: Which callback, at which epoch.
        interrupted: Whether KeyboardInterrupt ended the run.
    """

    records: list[dict[str, float]] = field(default_factory=list)
    loss: str = ""
    task: str = ""
    initial_loss: float = math.nan
    diverged: bool = False
    diverged_epoch: int | None = None
    diverged_reason: str | None = None
    stopped_early: bool = False
    stop_reason: str | None = None
    interrupted: bool = False

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, key: str) -> np.ndarray:
        """One column over the recorded epochs, e.g. ``history["val_loss"]``."""
        return np.array([record[key] for record in self.records])

    @property
    def final(self) -> dict[str, float]:
        """The last record."""
        return self.records[-1]

    @property
    def epochs_completed(self) -> int:
        """Number of training epochs recorded (epoch 0 excluded)."""
        return int(self.records[-1]["epoch"]) if self.records else 0

    def to_frame(self):
        """The records as a pandas DataFrame indexed by epoch."""
        import pandas as pd

        return pd.DataFrame.from_records(self.records).set_index("epoch")

    def _repr_html_(self) -> str:
        # Jupyter's rich display: the final epoch's metrics, how the run ended, and its
        # curves inline when matplotlib is installed (the core does not need it).
        from losslab._display import history_html

        return history_html(self)


class EarlyStopping:
    """Callback stopping a run when ``monitor`` has not improved for ``patience`` epochs.

    Improvement means falling by more than ``min_delta`` (use a loss, or pass
    ``mode="max"`` for accuracy-like metrics). State resets at epoch 1, so one
    instance can serve several runs.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 10,
        min_delta: float = 0.0,
        mode: str = "min",
    ) -> None:
        if patience < 1:
            raise ValueError(f"patience must be >= 1, got {patience}")
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.monitor, self.patience, self.min_delta, self.mode = monitor, patience, min_delta, mode
        self.best = math.inf
        self.wait = 0

    def __call__(self, epoch: int, record: dict[str, float], model: Model) -> bool:
        """True once ``patience`` epochs have passed without improvement."""
        if self.monitor not in record:
            raise ValueError(
                f"EarlyStopping monitor {self.monitor!r} not in record keys {list(record)}"
            )
        if epoch == 1:
            self.best, self.wait = math.inf, 0
        value = record[self.monitor] if self.mode == "min" else -record[self.monitor]
        if value < self.best - self.min_delta:
            self.best, self.wait = value, 0
        else:
            self.wait += 1
        return self.wait >= self.patience


# ----------------------------------------------------------------------------- the loop


def _loss_and_grads(
    model: Model, loss, X, y, weights, buffers: dict[str, np.ndarray] | None = None
) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
    """Forward, loss, backward: ``dL/dθ`` chained from ``dL/dy_pred = loss.grad(...)``.

    With ``buffers`` (full batch: the same shapes every epoch), ``dL/dy_pred`` is written
    into one array kept there and reused, instead of a fresh one per epoch.
    """
    y_pred, cache = model.forward(X)
    out = None
    if buffers is not None and isinstance(y_pred, np.ndarray):
        out = buffers.get("grad_pred")
        if out is None or out.shape != y_pred.shape or out.dtype != y_pred.dtype:
            out = buffers["grad_pred"] = np.empty_like(y_pred)
    try:
        value, grad_pred = loss.value_and_grad(y_pred, y, weights=weights, out=out)
    except ValueError:
        # Losses reject non-finite predictions (checked in their one pass over the data, so
        # not again here): a diverging run, reported by the caller. Other errors propagate.
        if np.all(np.isfinite(y_pred)):
            raise
        return math.nan, {}, y_pred
    return float(value), model.backward(cache, grad_pred), y_pred


def _task_metrics(
    loss, y_pred: np.ndarray, y: np.ndarray, cost_matrix: np.ndarray | None = None
) -> dict[str, float]:
    if not np.all(np.isfinite(y_pred)):
        return {"not_finite": math.nan}
    prediction = loss.link.inverse(y_pred)
    if loss.task == "regression":
        return _metrics.regression_metrics(prediction, y)
    labels = y.argmax(axis=1) if y.ndim == 2 else y.astype(np.int64)
    metrics = _metrics.classification_metrics(prediction, labels)
    if cost_matrix is not None:
        from losslab.custom import expected_cost  # imports sympy: only when asked for

        # The hard predictions behind accuracy: argmax of the class-probability rows, which
        # for one probability p is class 1 exactly when p > 0.5 (metrics.classification_metrics).
        predicted = _metrics.class_probabilities(prediction).argmax(axis=1)
        metrics["expected_cost"] = expected_cost(predicted, labels, cost_matrix)
    return metrics


def _evaluate(model, loss, X, y, weights, cost_matrix=None) -> tuple[float, dict[str, float]]:
    y_pred = model(X)
    if not np.all(np.isfinite(y_pred)):
        return math.nan, {}
    return float(loss(y_pred, y, weights=weights)), _task_metrics(loss, y_pred, y, cost_matrix)


def _norm(arrays: Iterable[np.ndarray]) -> float:
    return float(np.sqrt(sum(float(np.sum(a * a)) for a in arrays)))


def _check_inputs(model: Model, loss, X, y, name: str) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64) if np.asarray(X).dtype.kind in "biuf" else None
    if X is None:
        raise TypeError(f"{name}X must be numeric")
    if X.ndim != 2 or X.shape[1] != model.n_features:
        raise ValueError(f"{name}X must have shape (n, {model.n_features}), got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name}X contains NaN or inf")
    y = check_targets(loss, y, model.n_outputs if loss.link.rows else None)
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{name}X and {name}y must have the same number of rows, "
            f"got {X.shape[0]} and {y.shape[0]}"
        )
    return X, y


def _check_cost_matrix(model: Model, loss, cost_matrix: ArrayLike) -> np.ndarray:
    """A K x K array of finite non-negative costs, K the number of classes of the loss."""
    if loss.task == "regression":
        raise ValueError(
            f"cost_matrix is for classification losses; loss {loss.name!r} is a regression loss"
        )
    k = model.n_outputs if loss.task == "multiclass" else 2
    try:
        costs = np.asarray(cost_matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cost_matrix must be a numeric {k} x {k} array: {exc}") from exc
    if costs.shape != (k, k):
        raise ValueError(
            f"cost_matrix must have shape ({k}, {k}) for {k} classes, got {costs.shape}"
        )
    if not np.all(np.isfinite(costs)) or np.any(costs < 0):
        raise ValueError("cost_matrix must hold finite non-negative costs")
    return costs


def _check_model(model: Model, loss) -> None:
    head = loss.link.head
    if model.head != head:
        raise ValueError(
            f"model head {model.head!r} does not fit loss {loss.name!r} "
            f"(y_pred_kind {loss.link.kind!r} needs head {head!r})"
        )
    if loss.link.rows and model.n_outputs < 2:
        raise ValueError(f"loss {loss.name!r} reads rows of logits; the model has 1 output")
    if not loss.link.rows and model.n_outputs != 1:
        raise ValueError(f"loss {loss.name!r} reads one output; the model has {model.n_outputs}")


def _record(
    epoch, train_value, train_metrics, val, grads, model, optimizer, start
) -> dict[str, float]:
    record: dict[str, float] = {"epoch": epoch, "train_loss": train_value}
    if val is not None:
        record["val_loss"] = val[0]
    record.update({f"train_{k}": v for k, v in train_metrics.items()})
    if val is not None:
        record.update({f"val_{k}": v for k, v in val[1].items()})
    record["grad_norm"] = _norm(grads.values()) if grads else math.nan
    record["param_norm"] = model.parameter_norm()
    record["lr"] = optimizer.lr
    record["wall_time"] = time.perf_counter() - start
    return record


def epoch_record(
    model: Model,
    loss: Any,
    X: ArrayLike,
    y: ArrayLike,
    *,
    epoch: int,
    sample_weight: ArrayLike | None = None,
    cost_matrix: ArrayLike | None = None,
    wall_time: float = 0.0,
    metrics: bool = True,
) -> dict[str, float]:
    """One :class:`History` record of ``model`` as it stands, for runs trained outside :func:`fit`.

    The keys :func:`fit` records for the training data (``epoch``,
    ``train_loss``, ``train_<metric>``, ``train_expected_cost`` with a
    ``cost_matrix``, ``grad_norm``, ``param_norm``, ``wall_time``), without a
    learning rate. With ``metrics=False`` only the loss, the expected cost
    (with a ``cost_matrix``), the norms and the time: the task metrics (ROC
    AUC, calibration error...) cost more than a small model's whole fit. The
    estimators' quasi-Newton solvers record their start and their end with it.

    Raises:
        ValueError: Inputs or a ``cost_matrix`` that :func:`fit` would refuse.
    """
    loss = resolve_loss(loss)
    _check_model(model, loss)
    X, y = _check_inputs(model, loss, X, y, "")
    costs = None if cost_matrix is None else _check_cost_matrix(model, loss, cost_matrix)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    with np.errstate(all="ignore"):
        value, grads, y_pred = _loss_and_grads(model, loss, X, y, weights)
        if metrics:
            values = _task_metrics(loss, y_pred, y, costs)
        elif costs is not None:
            values = {"expected_cost": _task_metrics(loss, y_pred, y, costs)["expected_cost"]}
        else:
            values = {}
    record: dict[str, float] = {"epoch": epoch, "train_loss": value}
    record.update({f"train_{k}": v for k, v in values.items()})
    record["grad_norm"] = _norm(grads.values()) if grads else math.nan
    record["param_norm"] = model.parameter_norm()
    record["wall_time"] = wall_time
    return record


def _finite(record: dict[str, float], model: Model) -> bool:
    # roc_auc is NaN by definition when a split holds one class; it does not signal divergence.
    values = [v for k, v in record.items() if not k.endswith("roc_auc")]
    return bool(np.all(np.isfinite(values))) and all(
        np.all(np.isfinite(p)) for p in model.params.values()
    )


def fit(
    model: Model,
    loss: Any,
    X: ArrayLike,
    y: ArrayLike,
    *,
    X_val: ArrayLike | None = None,
    y_val: ArrayLike | None = None,
    optimizer: str | Optimizer = "gd",
    lr: float = 0.1,
    epochs: int = 100,
    batch_size: int | None = None,
    weight_decay: float = 0.0,
    schedule: str | Schedule | None = None,
    optimizer_params: dict[str, Any] | None = None,
    l1: float = 0.0,
    sample_weight: ArrayLike | None = None,
    seed: int | None = 0,
    callbacks: Sequence[Callback] = (),
    progress: bool = False,
    divergence_factor: float = 1e6,
    cost_matrix: ArrayLike | None = None,
    metrics_every: int = 1,
) -> History:
    """Train ``model`` in place under ``loss`` and return the :class:`History`.

    Each epoch visits every training row once: full batch for ``"gd"`` (and
    for the other optimizers when ``batch_size`` is None), mini-batches of
    ``batch_size`` rows reshuffled every epoch otherwise (``"sgd"`` defaults to 32).
    Per batch: ``y_pred = model(X_b)``, ``G = loss.grad(y_pred, y_b)``,
    ``grads = model.backward(cache, G)``, ``optimizer.step(params, grads)``.

    Args:
        model: A :class:`losslab.models.Model`; its head must be the one the
            loss reads (see :func:`losslab.models.make_model`).
        loss: A loss name or loss object.
        X: Training features ``(n, d)``.
        y: Training targets, suited to the loss's task.
        X_val: Validation features, optional.
        y_val: Validation targets, required with ``X_val``.
        optimizer: ``"gd"``, ``"sgd"``, ``"momentum"``, ``"nesterov"``,
            ``"adam"`` or an :class:`~losslab.optim.Optimizer` (then ``lr``,
            ``weight_decay``, ``l1``, ``schedule`` and ``optimizer_params`` are not used).
        lr: Base learning rate, > 0.
        epochs: Number of passes over the data, >= 1.
        batch_size: Mini-batch size, or None for full batch.
        weight_decay: L2 coefficient, as ``torch.optim``'s ``weight_decay``.
        schedule: ``"constant"``, ``"step"`` (halve every 10 epochs),
            ``"cosine"`` (down to 0 at the last epoch) or a
            :class:`~losslab.optim.Schedule`.
        optimizer_params: Extra optimizer arguments (``momentum``, ``beta1`` ...).
        l1: L1 coefficient α >= 0: each step's gradient gains ``α sign(θ)``,
            the subgradient of ``α ‖θ‖₁``, on the parameters weight decay acts
            on (see :mod:`losslab.optim`). The recorded loss stays the data
            loss, without either penalty.
        sample_weight: Per-row weights for the training loss (weighted mean).
        seed: Seed of the mini-batch shuffling.
        callbacks: Called as ``callback(epoch, record, model)`` after each
            epoch; returning True stops the run.
        progress: Show a Rich progress bar.
        divergence_factor: The run diverges when the training loss exceeds
            this many times ``max(|initial loss|, 1e-8)``. It also diverges
            when the loss stays above its initial value by more than
            :data:`STALL_MARGIN` of it for :data:`STALL_EPOCHS` epochs in a
            row: steps too large to descend (Adam at a divergent learning
            rate oscillates there, its steps bounded by the rate, without
            ever reaching the factor). ``math.inf`` turns both checks off:
            only NaN or inf then end the run.
        cost_matrix: Classification losses only: a K x K array of
            non-negative costs, K the number of classes (2 for a binary
            loss), ``C[i, j]`` the cost of predicting j when the truth is i.
            Each record then gains ``train_expected_cost`` (and
            ``val_expected_cost``): :func:`losslab.custom.expected_cost` of the
            model's hard predictions, those behind ``accuracy`` (argmax;
            binary: class 1 when the probability is > 0.5), unweighted.
        metrics_every: Record every ``metrics_every``-th epoch (1: every epoch);
            0 records only epoch 0 and the last epoch. The last epoch run (the
            final one, or the one where a callback stops the run or the loss
            diverges past ``divergence_factor``) is always recorded; epoch 0
            too. Epochs between records still train, and their training loss
            is still checked for divergence (a non-finite loss, or one above
            the threshold); only the metrics, validation, norms and callbacks
            are skipped, as they cost more than the update itself for small
            models. Callbacks (and so :class:`EarlyStopping`'s ``patience``)
            see recorded epochs only.

    Returns:
        The History. The model keeps the parameters of the last recorded epoch.

    Raises:
        ValueError: For inconsistent shapes, targets that do not fit the
            loss, ``lr <= 0``, ``epochs < 1``, ``metrics_every < 0``, a bad
            ``batch_size`` or a bad ``cost_matrix`` (wrong shape, negative, or
            with a regression loss).
        TypeError: For non-numeric ``X`` or ``y``.
    """
    loss = resolve_loss(loss)
    opt = _optimizer(
        optimizer, lr, epochs, weight_decay, schedule, optimizer_params, metrics_every, l1
    )
    _check_model(model, loss)
    data = _TrainingData.check(model, loss, X, y, X_val, y_val, sample_weight, cost_matrix)
    batch_size = _batch_size(batch_size, opt, optimizer)
    rng = np.random.default_rng(seed)
    loop = _Loop(
        model, loss, data, opt, batch_size, epochs, metrics_every, divergence_factor, callbacks, rng
    )
    params = model.params
    with np.errstate(all="ignore"), Progress(progress, total=epochs, description="training") as bar:
        try:
            # Ctrl-C here, before epoch 0 is recorded, returns an empty History.
            value, grads, y_pred = loop.loss_and_grads()
            if not loop.record_start(value, grads, y_pred):
                return loop.history
            for epoch in range(1, epochs + 1):
                opt.set_epoch(epoch - 1)
                if loop.full_batch:
                    # Full batch: the gradient of the whole loss here, evaluated just before.
                    opt.step(params, grads)
                else:
                    for rows in loop.batches():
                        # Forward, loss and gradient on the batch, then the update.
                        batch_value, batch_grads, _ = loop.loss_and_grads(rows)
                        if not math.isfinite(batch_value):
                            break
                        opt.step(params, batch_grads)
                value, grads, y_pred = loop.loss_and_grads()
                bar.update(completed=epoch, description=f"loss {value:.4g}")
                if loop.end_epoch(epoch, value, grads, y_pred):
                    break
        except KeyboardInterrupt:
            loop.interrupt()
    return loop.history


def _optimizer(
    optimizer, lr, epochs, weight_decay, schedule, optimizer_params, metrics_every, l1=0.0
) -> Optimizer:
    """The optimizer ``fit`` steps, after checking the epoch counts."""
    if not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    if not isinstance(metrics_every, (int, np.integer)) or metrics_every < 0:
        raise ValueError(f"metrics_every must be an integer >= 0, got {metrics_every!r}")
    if isinstance(schedule, str) and schedule == "cosine":
        schedule = CosineSchedule(t_max=epochs)
    return make_optimizer(
        optimizer, lr, weight_decay=weight_decay, schedule=make_schedule(schedule), l1=l1,
        **(optimizer_params or {}),
    )  # fmt: skip


def _batch_size(batch_size: Any, opt: Optimizer, optimizer: Any) -> int | None:
    """The checked mini-batch size; ``"sgd"`` without one takes 32 rows."""
    if batch_size is None and opt.full_batch is False and optimizer == "sgd":
        return 32
    if batch_size is not None:
        if opt.full_batch:
            raise ValueError("batch_size must be None for optimizer 'gd' (full batch); use 'sgd'")
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be an integer >= 1 or None, got {batch_size!r}")
    return batch_size


@dataclass(frozen=True)
class _TrainingData:
    """The checked arrays ``fit`` trains and evaluates on."""

    X: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None
    val: tuple[np.ndarray, np.ndarray] | None
    costs: np.ndarray | None

    @classmethod
    def check(cls, model, loss, X, y, X_val, y_val, sample_weight, cost_matrix) -> _TrainingData:
        X, y = _check_inputs(model, loss, X, y, "")
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together")
        val = None if X_val is None else _check_inputs(model, loss, X_val, y_val, "val ")
        costs = None if cost_matrix is None else _check_cost_matrix(model, loss, cost_matrix)
        weights = None
        if sample_weight is not None:
            n = X.shape[0]
            weights = np.asarray(sample_weight, dtype=np.float64)
            if weights.shape != (n,) or not np.all(np.isfinite(weights)) or np.any(weights < 0):
                raise ValueError(f"sample_weight must be {n} finite non-negative numbers")
        return cls(X, y, weights, val, costs)


class _Loop:
    """What one ``fit`` call trains with, and the History it keeps.

    It evaluates the loss and its gradient, cuts the epoch into batches,
    records epochs, watches for divergence, asks the callbacks whether to
    stop, and keeps the parameters of the last recorded epoch to go back to.
    """

    def __init__(
        self, model: Model, loss: Any, data: _TrainingData, optimizer: Optimizer,
        batch_size: int | None, epochs: int, metrics_every: int, divergence_factor: float,
        callbacks: Sequence[Callback], rng: np.random.Generator,
    ) -> None:  # fmt: skip
        self.model, self.loss, self.data, self.optimizer = model, loss, data, optimizer
        self.batch_size, self.epochs, self.metrics_every = batch_size, epochs, metrics_every
        self.divergence_factor, self.callbacks, self.rng = divergence_factor, callbacks, rng
        self.history = History(loss=loss.name, task=loss.task)
        n = data.X.shape[0]
        self.full_batch = batch_size is None or batch_size >= n
        # The full-batch gradient array has the same shape every epoch: allocate it once.
        self.buffers: dict[str, np.ndarray] | None = {} if self.full_batch else None
        self.start = time.perf_counter()
        self.threshold = math.inf
        self.stall_above = math.inf
        self.stalled = 0
        self.last_good: dict[str, np.ndarray] = {}

    def loss_and_grads(self, rows: np.ndarray | None = None):
        """Forward, loss and gradient on ``rows`` of the training data (all rows when None)."""
        X, y, weights = self.data.X, self.data.y, self.data.weights
        if rows is None:
            return _loss_and_grads(self.model, self.loss, X, y, weights, self.buffers)
        w = None if weights is None else weights[rows]
        return _loss_and_grads(self.model, self.loss, X[rows], y[rows], w)

    def batches(self) -> list[np.ndarray]:
        """The rows of each mini-batch of one epoch, reshuffled every epoch."""
        n = self.data.X.shape[0]
        return np.array_split(self.rng.permutation(n), math.ceil(n / self.batch_size))

    def _make_record(self, epoch: int, value: float, grads, y_pred) -> dict[str, float]:
        data = self.data
        train_metrics = _task_metrics(self.loss, y_pred, data.y, data.costs)
        val = _eval_val(self.model, self.loss, data.val, data.costs)
        return _record(epoch, value, train_metrics, val, grads, self.model, self.optimizer,
                       self.start)  # fmt: skip

    def _keep(self, record: dict[str, float]) -> None:
        self.history.records.append(record)
        self.last_good = {k: v.copy() for k, v in self.model.params.items()}

    def record_start(self, value: float, grads, y_pred) -> bool:
        """Record epoch 0 (before any update); False when it is not finite already."""
        self.history.initial_loss = value
        record = self._make_record(0, value, grads, y_pred)
        if not _finite(record, self.model):
            _mark_diverged(self.history, 0, "initial training loss or metrics are not finite")
            return False
        self._keep(record)
        self.threshold = self.divergence_factor * max(abs(value), 1e-8)
        if math.isfinite(self.divergence_factor):
            self.stall_above = value + STALL_MARGIN * max(abs(value), 1e-8)
        return True

    def end_epoch(self, epoch: int, value: float, grads, y_pred) -> bool:
        """Record ``epoch`` when due; True when the run ends there (diverged or stopped)."""
        due = epoch == self.epochs or (self.metrics_every > 0 and epoch % self.metrics_every == 0)
        self.stalled = self.stalled + 1 if value > self.stall_above else 0
        stalled = self.stalled >= STALL_EPOCHS
        if not due and not stalled and math.isfinite(value) and value <= self.threshold:
            return False
        record = self._make_record(epoch, value, grads, y_pred)
        if not _finite(record, self.model):
            _restore(self.model.params, self.last_good)
            _mark_diverged(self.history, epoch, "loss, metrics or parameters became NaN or inf")
            return True
        self._keep(record)
        if value > self.threshold:
            _mark_diverged(
                self.history, epoch,
                f"training loss {value:.4g} exceeds {self.divergence_factor:g} x "
                f"initial {self.history.initial_loss:.4g}",
            )  # fmt: skip
            return True
        if stalled:
            _mark_diverged(
                self.history, epoch,
                f"training loss stayed above {1 + STALL_MARGIN:g} x initial "
                f"{self.history.initial_loss:.4g} for {STALL_EPOCHS} epochs (now {value:.4g}): "
                "the steps are too large to descend",
            )  # fmt: skip
            return True
        return ask_callbacks(self.history, self.callbacks, epoch, record, self.model)

    def interrupt(self) -> None:
        """Ctrl-C: keep the work done so far, the model back at the last recorded epoch."""
        _restore(self.model.params, self.last_good)
        self.history.interrupted = True


@dataclass
class SeedFits:
    """The result of :func:`fit_seeds`: one trained model per seed.

    Attributes:
        seeds: The seeds, in the order given.
        models: One :class:`~losslab.models.Linear` per seed, with its trained parameters.
        train_loss: The training loss of each model after the last update, shape ``(S,)``.
    """

    seeds: list[int]
    models: list[Model]
    train_loss: np.ndarray


def fit_seeds(
    loss: Any,
    X: ArrayLike,
    y: ArrayLike,
    seeds: Sequence[int],
    *,
    lr: float = 0.1,
    epochs: int = 100,
) -> SeedFits:
    """Train one Glorot-initialised linear model per seed at once, by full-batch GD.

    The same run as, for each ``seed``,
    ``fit(Linear(d, 1, head=..., init="glorot", seed=seed), loss, X, y, optimizer="gd",
    lr=lr, epochs=epochs)``, with the S parameter vectors stacked as the columns of one
    ``(d, S)`` matrix: per epoch one ``X @ W`` for all seeds, one fused pass of the loss
    over the ``(n, S)`` predictions (the gradient alone, each column divided by n as the
    mean does) and one ``X.T @ G``. The results equal the one-seed fits up to the
    summation order of the matrix products (1e-12 relative in the tests). Nothing is
    recorded per epoch and there is no divergence check: use :func:`fit` for those.

    Args:
        loss: A loss name or object whose ``y_pred`` is one value per row and whose model
            head is the identity (mse, huber, bce_with_logits, poisson_nll ...).
        X: Training features ``(n, d)``.
        y: Training targets, suited to the loss's task.
        seeds: The initialisation seeds, S >= 1 of them.
        lr: Learning rate, > 0.
        epochs: Number of updates, >= 1.

    Returns:
        A :class:`SeedFits`.

    Raises:
        ValueError: For a loss on rows of logits or with a non-identity head, no seeds,
            ``lr <= 0``, ``epochs < 1``, or inputs :func:`fit` would refuse.
    """
    from losslab.models import Linear

    loss = resolve_loss(loss)
    seeds = [int(seed) for seed in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    if not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    head = loss.link.head
    if loss.link.rows or head != "identity":
        raise ValueError(
            f"fit_seeds trains linear models with an identity head; loss {loss.name!r} "
            f"(y_pred_kind {loss.link.kind!r}) needs head {head!r} or several outputs"
        )
    X = np.asarray(X)
    n_features = X.shape[1] if X.ndim == 2 else 0
    models = [Linear(n_features, 1, head=head, init="glorot", seed=seed) for seed in seeds]
    X, y = _check_inputs(models[0], loss, X, y, "")
    n = X.shape[0]
    weight = np.concatenate([m.params["weight"] for m in models], axis=1)  # (d, S)
    bias = np.concatenate([m.params["bias"] for m in models])  # (S,)
    # The targets repeated for every seed, contiguous once rather than copied per epoch.
    targets = np.ascontiguousarray(np.broadcast_to(y[:, None], (n, len(seeds))))
    grad = np.empty((n, len(seeds)))
    # The loss on one kernel thread: numba's OpenMP threads spin after a parallel loop and
    # slow the matmuls that follow (32 seeds of 10^4 rows: 8.4 ms per epoch, 2.7 on one).
    with np.errstate(all="ignore"), config.kernel_threads(0):
        for _ in range(epochs):
            # Forward, loss, backward, update: Linear.forward/backward for S models at once.
            # reduction="sum" leaves each element's derivative unscaled (the per-seed mean is
            # not a mean over all n S elements); dividing by n then is what "mean" does per seed.
            grad = loss.grad(X @ weight + bias, targets, reduction="sum", out=grad)
            grad /= n
            weight -= lr * (X.T @ grad)
            bias -= lr * grad.sum(axis=0)
        values, _ = loss.value_and_grad(X @ weight + bias, targets, reduction="none", out=grad)
    for column, model in enumerate(models):
        model.params["weight"][:, 0] = weight[:, column]
        model.params["bias"][0] = bias[column]
    return SeedFits(seeds=seeds, models=models, train_loss=values.sum(axis=0) / n)


def _eval_val(model, loss, val, cost_matrix=None) -> tuple[float, dict[str, float]] | None:
    return None if val is None else _evaluate(model, loss, val[0], val[1], None, cost_matrix)


def _restore(params: dict[str, np.ndarray], saved: dict[str, np.ndarray]) -> None:
    for name, value in saved.items():
        params[name][...] = value


def ask_callbacks(
    history: History, callbacks: Sequence[Callback], epoch: int, record: dict, model: Any
) -> bool:
    """Call the callbacks after a recorded epoch; True when one stops the run (noted in history)."""
    stopper = next((cb for cb in callbacks if cb(epoch, record, model)), None)
    if stopper is not None:
        history.stopped_early = True
        history.stop_reason = f"{type(stopper).__name__} stopped the run at epoch {epoch}"
    return stopper is not None


def _mark_diverged(history: History, epoch: int, reason: str) -> None:
    history.diverged, history.diverged_epoch, history.diverged_reason = True, epoch, reason

"""One way to run an experiment: a :class:`RunSpec` says what to train, :func:`execute` trains it.

Every part of losslab that trains a model on a dataset builds RunSpecs and
runs them here: :func:`losslab.experiments.compare`, the sweep workers
(:mod:`losslab.sweep`), the web playground's jobs and the landscape runner
(:func:`losslab.landscape.run_landscape`). So a RunSpec gives the same
History wherever it runs, and its seed drives all three random choices:

    dataset ──split(val_fraction, seed)──> train / val rows
    loss ──make_model(loss, kind, hidden, activation, seed)──> model (head and width from the loss)
    fit(model, loss, train rows, optimizer, lr, schedule, ..., shuffle seed) ──> History

:func:`prepare` does the first two and checks that the loss can train on the
data (its task, its targets, a finite loss at the start) before anything is
trained; :meth:`Run.train` runs :func:`losslab.train.fit`; :func:`execute` is
both. A bad argument raises :class:`RunSpecError` (a ValueError) whose message
starts with the argument's name.

>>> spec = RunSpec("linear:n_samples=40", "huber:delta=0.5", lr=0.1, epochs=5, seed=1)
>>> run = execute(spec)
>>> run.label, run.history.epochs_completed, run.split.X_train.shape
('huber:delta=0.5', 5, (30, 1))
>>> RunSpec("linear", "mse", lr=-1.0)
Traceback (most recent call last):
...
losslab.runs.RunSpecError: lr: must be > 0, got -1.0
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

import numpy as np

from losslab import datasets as _datasets
from losslab import losses as _losses
from losslab import optim as _optim
from losslab.datasets import Dataset, Split
from losslab.models import ACTIVATIONS, Model, make_model
from losslab.specs import format_spec, parse_spec
from losslab.train import Callback, History, check_targets, fit, is_loss

__all__ = [
    "Run",
    "RunSpec",
    "RunSpecError",
    "execute",
    "fits_task",
    "load_dataset",
    "loss_label",
    "prepare",
]

MODELS = ("linear", "mlp", "torch")
SCHEDULES = ("constant", "step", "cosine")


class RunSpecError(ValueError):
    """A run that cannot be made, because of one argument.

    The message is ``"<argument>: <reason>"``; both parts are attributes too,
    so a caller can name the argument in its own words (``losses``, a form field).

    Attributes:
        argument: The RunSpec field at fault (``"lr"``, ``"loss"``, ``"dataset"`` ...).
        reason: What is wrong with it.
    """

    def __init__(self, argument: str, reason: str) -> None:
        super().__init__(f"{argument}: {reason}")
        self.argument, self.reason = argument, reason


def fits_task(loss_task: str, data_task: str) -> bool:
    """Whether a loss for ``loss_task`` can train on data of ``data_task``.

    The rule every caller applies: the tasks are equal, or a multiclass loss
    (rows of logits) reads binary labels as two classes.

    >>> fits_task("multiclass", "binary"), fits_task("binary", "regression")
    (True, False)
    """
    return loss_task == data_task or (loss_task == "multiclass" and data_task == "binary")


def loss_label(loss: Any) -> str:
    """A short label for a loss object: its name and the parameters that differ from defaults.

    >>> loss_label(_losses.get("huber", delta=2.0)), loss_label(_losses.get("mse"))
    ('huber:delta=2.0', 'mse')
    """
    try:
        defaults = _losses.parameters(loss.name)
    except ValueError:
        defaults = {}
    changed = {k: v for k, v in getattr(loss, "params", {}).items() if defaults.get(k) != v}
    return format_spec(loss.name, changed)


@functools.lru_cache(maxsize=32)
def _load_spec(spec: str) -> Dataset:
    # Seeded generators give the same arrays every time: a sweep worker or a comparison
    # builds each dataset once. Callers never write into a Dataset's arrays.
    return _datasets.load_spec(spec)


def load_dataset(dataset: str | Dataset) -> Dataset:
    """The Dataset of a ``"name:key=value"`` spec (loaded once per process); a Dataset as is.

    Raises:
        RunSpecError: For ``dataset``: not a spec or Dataset, an unknown name, bad arguments.
    """
    if isinstance(dataset, Dataset):
        return dataset
    _check_dataset(dataset)
    try:
        return _load_spec(dataset.strip())
    except (ValueError, TypeError, OSError) as error:
        raise RunSpecError("dataset", str(error)) from None


def _check_dataset(dataset: Any) -> None:
    if isinstance(dataset, Dataset):
        return
    if not isinstance(dataset, str):
        raise RunSpecError(
            "dataset", f"expected a spec such as 'moons:noise=0.3' or a Dataset, got {dataset!r}"
        )
    try:
        name, _ = parse_spec(dataset, "dataset spec")
    except ValueError as error:
        raise RunSpecError("dataset", str(error)) from None
    if name not in _datasets.available():
        known = ", ".join(_datasets.available())
        raise RunSpecError("dataset", f"unknown dataset name {name!r}; available: {known}")


def _resolve_loss(loss: Any) -> Any:
    if isinstance(loss, str):
        try:
            name, params = parse_spec(loss, "loss spec")
            return _losses.get(name, **params)
        except (ValueError, TypeError) as error:
            raise RunSpecError("loss", str(error)) from None
    if is_loss(loss):
        return loss
    raise RunSpecError("loss", f"expected a loss name, spec or Loss object, got {loss!r}")


def _number(name: str, value: Any, *, integer: bool = False) -> Any:
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value):
        kind = "an integer" if integer else "a finite number"
        raise RunSpecError(name, f"expected {kind}, got {value!r}")
    return int(value) if integer else float(value)


def _at_least(name: str, value: Any, low: float, *, integer: bool = False) -> Any:
    value = _number(name, value, integer=integer)
    if value < low:
        raise RunSpecError(name, f"must be >= {low:g}, got {value!r}")
    return value


def _above(name: str, value: Any, low: float) -> float:
    value = _number(name, value)
    if not value > low:
        raise RunSpecError(name, f"must be > {low:g}, got {value!r}")
    return value


def _hashable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    return value


def _dataset_key(dataset: str | Dataset) -> Any:
    if isinstance(dataset, str):
        name, params = parse_spec(dataset, "dataset spec")
        return ("spec", name, _hashable(params))
    digest = hashlib.blake2b(digest_size=16)
    for array in (dataset.X, dataset.y):
        digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(repr((array.dtype.str, array.shape)).encode())
    return ("data", dataset.name, dataset.task, digest.hexdigest())


@dataclass(frozen=True, eq=False)
class RunSpec:
    """What one training run does, as data: frozen, picklable, compared by value.

    Arguments after ``dataset`` and ``loss`` are keyword-only. Every argument
    is checked when the spec is made; a bad one raises :class:`RunSpecError`
    naming it. The dataset's arguments and the loss's fit to the data are
    checked by :func:`prepare`, which needs the data.

    Attributes:
        dataset: A spec for :func:`losslab.datasets.load_spec`
            (``"linear_outliers:outlier_fraction=0.1"``) or a
            :class:`~losslab.datasets.Dataset` (compared by its arrays).
        loss: A loss name, a spec (``"huber:delta=1"``) or a loss object; kept
            as the loss object.
        model: ``"linear"`` (starts at zero), ``"mlp"`` (seeded initialisation)
            or ``"torch"``: the ``nn.Module`` that ``torch_model`` makes, trained
            with a torch optimizer by :func:`losslab.torch.fit` (the
            optimizer names map to ``torch.optim``; see there).
        torch_model: For ``model="torch"``: a factory
            ``factory(n_features, n_outputs) -> nn.Module``, or its import path
            ``"module:function"`` (what sweeps and the command line pass). It
            is called after ``torch.manual_seed(seed)``.
        hidden: Hidden widths of the MLP.
        activation: Hidden activation of the MLP, one of
            :data:`losslab.models.ACTIVATIONS`.
        optimizer: One of :func:`losslab.optim.available` (``"gd"``, ``"sgd"``,
            ``"momentum"``, ``"nesterov"``, ``"adam"``).
        lr: Base learning rate, > 0.
        optimizer_params: Extra optimizer arguments (``momentum``, ``beta1`` ...).
        schedule: None or ``"constant"``, ``"step"`` or ``"cosine"``.
        weight_decay: L2 coefficient, >= 0.
        l1: L1 coefficient α >= 0: the gradient gains ``α sign(θ)`` on the
            parameters weight decay acts on (see :mod:`losslab.optim`); not
            with a torch model.
        batch_size: Mini-batch size (not with ``"gd"``); None: full batch
            (``"sgd"``: 32, as :func:`losslab.train.fit` does).
        epochs: Passes over the training rows, >= 1.
        seed: Seed of the split, the initialisation and the shuffling, >= 0.
        val_fraction: Share of rows held out for validation, in (0, 1); None
            trains on every row and records no validation columns.
        divergence_factor: The run diverges when the training loss exceeds this
            many times its initial value (see :func:`losslab.train.fit`), > 1.
        free: Parameter entries to train (``("weight[0]", "bias")``), the
            others held where they start; None trains every entry.
        label: A name for the run in tables; default the loss spec as given,
            or the loss's name and changed parameters. Not part of equality.

    Example:
        >>> a = RunSpec("moons:n_samples=80", "hinge", model="mlp", hidden=[8], seed=2)
        >>> a == RunSpec("moons: n_samples=80", "hinge", model="mlp", hidden=(8,), seed=2)
        True
        >>> a.hidden, a.loss
        ((8,), Loss('hinge'))
    """

    dataset: str | Dataset
    loss: Any
    _: KW_ONLY
    model: str = "linear"
    hidden: Sequence[int] = (16,)
    activation: str = "tanh"
    optimizer: str = "gd"
    lr: float = 0.1
    optimizer_params: Mapping[str, Any] = field(default_factory=dict)
    schedule: str | None = None
    weight_decay: float = 0.0
    l1: float = 0.0
    batch_size: int | None = None
    epochs: int = 100
    seed: int = 0
    val_fraction: float | None = 0.25
    divergence_factor: float = 1e6
    free: Sequence[str] | None = None
    torch_model: Any = None
    label: str = ""

    def __post_init__(self) -> None:
        set_ = functools.partial(object.__setattr__, self)
        _check_dataset(self.dataset)
        if isinstance(self.dataset, str):
            set_("dataset", self.dataset.strip())
        loss = _resolve_loss(self.loss)
        if not self.label:
            set_("label", self.loss.strip() if isinstance(self.loss, str) else loss_label(loss))
        set_("loss", loss)
        self._check_model()
        self._check_optimizer()
        set_("epochs", _at_least("epochs", self.epochs, 1, integer=True))
        set_("seed", _at_least("seed", self.seed, 0, integer=True))
        if self.val_fraction is not None:
            fraction = _number("val_fraction", self.val_fraction)
            if not 0.0 < fraction < 1.0:
                raise RunSpecError("val_fraction", f"must be in (0, 1) or None, got {fraction}")
            set_("val_fraction", fraction)
        set_("divergence_factor", _above("divergence_factor", self.divergence_factor, 1.0))
        if self.free is not None:
            if isinstance(self.free, str) or not all(isinstance(f, str) for f in self.free):
                raise RunSpecError(
                    "free", f"expected entries such as ('weight[0]',), got {self.free!r}"
                )
            if self.weight_decay:
                raise RunSpecError("free", "weight decay would move the fixed entries; use 0")
            if self.l1:
                raise RunSpecError("free", "l1 would move the fixed entries; use 0")
            set_("free", tuple(self.free))

    def _check_model(self) -> None:
        if self.model not in MODELS:
            raise RunSpecError("model", f"must be one of {MODELS}, got {self.model!r}")
        if (self.model == "torch") != (self.torch_model is not None):
            raise RunSpecError("torch_model", "give a module factory exactly when model is 'torch'")
        if self.model == "torch" and self.free is not None:
            raise RunSpecError("free", "a torch model trains every parameter")
        if self.model == "torch" and self.schedule not in (None, "constant"):
            raise RunSpecError("schedule", "a torch model trains at a constant learning rate")
        widths = () if isinstance(self.hidden, str) else tuple(np.atleast_1d(self.hidden))
        positive = all(isinstance(h, (int, np.integer)) and h >= 1 for h in widths)
        if not widths or not positive:
            raise RunSpecError("hidden", f"expected positive integer widths, got {self.hidden!r}")
        object.__setattr__(self, "hidden", tuple(int(h) for h in widths))
        if self.activation not in ACTIVATIONS:
            raise RunSpecError(
                "activation", f"must be one of {tuple(ACTIVATIONS)}, got {self.activation!r}"
            )

    def _check_optimizer(self) -> None:
        set_ = functools.partial(object.__setattr__, self)
        if self.optimizer not in _optim.available():
            raise RunSpecError(
                "optimizer", f"must be one of {_optim.available()}, got {self.optimizer!r}"
            )
        set_("lr", _above("lr", self.lr, 0.0))
        set_("weight_decay", _at_least("weight_decay", self.weight_decay, 0.0))
        set_("l1", _at_least("l1", self.l1, 0.0))
        if self.l1 and self.model == "torch":
            raise RunSpecError("l1", "a torch model trains without L1; use 0")
        if self.batch_size is not None:
            set_("batch_size", _at_least("batch_size", self.batch_size, 1, integer=True))
            if self.optimizer == "gd":
                raise RunSpecError(
                    "batch_size", "'gd' is full batch; use optimizer 'sgd' for mini-batches"
                )
        if self.schedule is not None and self.schedule not in SCHEDULES:
            raise RunSpecError(
                "schedule", f"must be one of {SCHEDULES} or None, got {self.schedule!r}"
            )
        if not isinstance(self.optimizer_params, Mapping):
            raise RunSpecError(
                "optimizer_params", f"expected a mapping, got {self.optimizer_params!r}"
            )
        set_("optimizer_params", dict(self.optimizer_params))
        try:
            _optim.make_optimizer(self.optimizer, self.lr, **self.optimizer_params)
        except (ValueError, TypeError) as error:
            raise RunSpecError("optimizer_params", str(error)) from None

    def _identity(self) -> tuple[Any, ...]:
        # What makes two specs the same run: MLP settings do not count for a linear model,
        # nor the label; a Dataset counts by its arrays. Computed once (Datasets are hashed).
        key = self.__dict__.get("_key")
        if key is None:
            mlp = self.model == "mlp"
            key = (
                _dataset_key(self.dataset), self.loss, self.model,
                self.hidden if mlp else (), self.activation if mlp else "",
                self.optimizer, self.lr, _hashable(self.optimizer_params), self.schedule,
                self.weight_decay, self.l1, self.batch_size, self.epochs, self.seed,
                self.val_fraction, self.divergence_factor, self.free, self.torch_model,
            )  # fmt: skip
            object.__setattr__(self, "_key", key)
        return key

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RunSpec):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def fit_arguments(self) -> dict[str, Any]:
        """The keyword arguments of :func:`losslab.train.fit` this spec sets."""
        return {
            "optimizer": self.optimizer, "lr": self.lr, "epochs": self.epochs,
            "batch_size": self.batch_size, "weight_decay": self.weight_decay, "l1": self.l1,
            "schedule": self.schedule, "optimizer_params": dict(self.optimizer_params),
            "seed": self.seed, "divergence_factor": self.divergence_factor,
        }  # fmt: skip


@dataclass
class Run:
    """One run of a :class:`RunSpec`: the data it saw, its model, and once trained its History.

    Made by :func:`prepare` (untrained: ``trained`` False, an empty History) or
    :func:`execute` (trained).

    Attributes:
        spec: What the run does.
        dataset: The whole dataset.
        split: The train/validation split, or None when ``spec.val_fraction``
            is None (then every row trains).
        model: The model, trained in place by :meth:`train` (it keeps the
            parameters of the last recorded epoch).
        history: What :func:`losslab.train.fit` recorded (empty before training).
        trained: Whether :meth:`train` has run.
    """

    spec: RunSpec
    dataset: Dataset
    split: Split | None
    model: Model
    history: History = field(default_factory=History)
    trained: bool = False

    @property
    def label(self) -> str:
        """The spec's label."""
        return self.spec.label

    @property
    def seed(self) -> int:
        """The spec's seed."""
        return self.spec.seed

    @property
    def loss(self) -> Any:
        """The loss object."""
        return self.spec.loss

    def training_data(self) -> tuple[np.ndarray, np.ndarray, Any, Any]:
        """``(X, y, X_val, y_val)``: the split's parts, or every row and no validation (None)."""
        if self.split is None:
            return self.dataset.X, self.dataset.y, None, None
        return self.split.X_train, self.split.y_train, self.split.X_val, self.split.y_val

    def _trained_model(self) -> Model:
        if self.spec.free is None:
            return self.model
        from losslab.landscape import trainable_view  # only landscapes train a few entries

        try:
            return trainable_view(self.model, self.spec.free)
        except ValueError as error:
            raise RunSpecError("free", str(error)) from None

    def train(self, *, callbacks: Sequence[Callback] = (), progress: bool = False) -> History:
        """Train the model with :func:`losslab.train.fit` as the spec says; keep the History.

        Args:
            callbacks: Called as ``callback(epoch, record, model)`` after each
                recorded epoch; returning True stops the run.
            progress: Show a progress bar over the epochs.

        Raises:
            RuntimeError: If the run was trained already (prepare the spec again).
        """
        if self.trained:
            raise RuntimeError("run: already trained; prepare(spec) again for a new run")
        X, y, X_val, y_val = self.training_data()
        if self.spec.model == "torch":
            from losslab.torch import fit as fit_torch

            arguments = self.spec.fit_arguments()
            del arguments["schedule"], arguments["l1"]
            self.history = fit_torch(
                self.model, self.spec.loss, X, y, X_val=X_val, y_val=y_val,
                callbacks=callbacks, progress=progress, **arguments,
            )  # fmt: skip
            self.trained = True
            return self.history
        self.history = fit(
            self._trained_model(), self.spec.loss, X, y, X_val=X_val, y_val=y_val,
            callbacks=callbacks, progress=progress, **self.spec.fit_arguments(),
        )  # fmt: skip
        self.trained = True
        return self.history


def _check_start(run: Run) -> None:
    """Evaluate the loss once on the untrained model: a loss that cannot train fails here."""
    loss, name = run.spec.loss, run.dataset.name
    X, y, _, _ = run.training_data()
    try:
        n_outputs = run.model.n_outputs if loss.link.rows else None
        value = float(loss(run.model(X), check_targets(loss, y, n_outputs)))
    except (ValueError, TypeError) as error:
        raise RunSpecError("loss", f"{run.label!r} cannot train on {name!r}: {error}") from None
    if not math.isfinite(value):
        raise RunSpecError("loss", f"{run.label!r} is not finite on {name!r} at the start")


def _torch_model(spec: RunSpec, n_features: int, n_classes: int) -> Any:
    """The user's module, made by its factory under the run's seed, seen as a losslab model."""
    from losslab._optional import require

    require("torch", "model='torch'")
    import torch

    from losslab.torch import TorchModel, load_factory

    try:
        factory = load_factory(spec.torch_model)
    except ValueError as error:
        raise RunSpecError("torch_model", str(error).removeprefix("torch_model: ")) from None
    n_outputs = n_classes if spec.loss.link.rows else 1
    torch.manual_seed(spec.seed)
    try:
        return TorchModel(factory(n_features, n_outputs), spec.loss, n_outputs)
    except (TypeError, ValueError) as error:
        raise RunSpecError("torch_model", str(error).removeprefix("torch_model: ")) from None


def prepare(spec: RunSpec) -> Run:
    """Load and split the data, build the model the loss reads, check the loss can train.

    Raises:
        RunSpecError: For ``dataset`` (unknown, bad arguments), ``loss`` (for
            another task than the data's, targets it cannot read, not finite
            at the start), ``val_fraction`` (leaves a part empty) or ``free``
            (an entry the model does not have).
    """
    data = load_dataset(spec.dataset)
    loss = spec.loss
    if not fits_task(loss.task, data.task):
        raise RunSpecError(
            "loss", f"{spec.label!r} is a {loss.task} loss, dataset {data.name!r} is {data.task}"
        )
    split = None
    if spec.val_fraction is not None:
        try:
            split = data.split(spec.val_fraction, spec.seed)
        except ValueError as error:
            raise RunSpecError("val_fraction", str(error)) from None
    # A split's features are preprocessed on its training rows: one-hot columns follow the
    # categories those rows hold, so the model takes the split's width.
    n_features = data.n_features if split is None else split.X_train.shape[1]
    if spec.model == "torch":
        model = _torch_model(spec, n_features, max(data.n_classes, 2))
    else:
        model = make_model(
            loss, n_features, n_classes=max(data.n_classes, 2), kind=spec.model,  # type: ignore[arg-type]
            hidden=spec.hidden, activation=spec.activation, seed=spec.seed,
        )  # fmt: skip
    run = Run(spec, data, split, model)
    run._trained_model()  # names a bad ``free`` entry now, before any training
    _check_start(run)
    return run


def execute(spec: RunSpec, *, callbacks: Sequence[Callback] = (), progress: bool = False) -> Run:
    """Prepare and train one run: ``prepare(spec)``, then :meth:`Run.train`.

    Args:
        spec: The run.
        callbacks: Called as ``callback(epoch, record, model)`` after each
            recorded epoch; returning True stops the run.
        progress: Show a progress bar over the epochs.

    Returns:
        The trained :class:`Run`, its History in ``run.history``. Divergence,
        early stopping and Ctrl-C end a run without an exception (see
        :func:`losslab.train.fit`).

    Raises:
        RunSpecError: As :func:`prepare`, before any training.
    """
    run = prepare(spec)
    run.train(callbacks=callbacks, progress=progress)
    return run

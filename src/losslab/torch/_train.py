"""Train a user's ``nn.Module`` under a losslab loss with a torch optimizer; keep a losslab History.

:func:`fit` is :func:`losslab.train.fit` for torch models: the same epochs
(epoch 0 before any update), the same record keys (``train_loss``,
``val_loss``, the task's metrics on both splits, ``grad_norm`` of the
full training loss, ``param_norm``, ``lr``, ``wall_time``), the same
divergence rule and Ctrl-C behaviour, so :func:`losslab.experiments.compare`
and its report treat a torch run as any other. The loss is
:func:`losslab.torch.loss` (torch operations, exact derivatives); the
module's output goes through the loss's head (a sigmoid where the loss
reads probabilities) and, for one-output losses, is flattened to ``(n,)``.

Optimizer names are losslab's, mapped to ``torch.optim``: ``"gd"`` (full
batch) and ``"sgd"`` (mini-batches of 32 by default) are ``SGD``;
``"momentum"`` and ``"nesterov"`` are ``SGD`` with ``momentum`` (0.9 unless
given) and Nesterov's variant; ``"adam"`` is ``Adam`` (``beta1``, ``beta2``,
``eps``).
"""

from __future__ import annotations

import copy
import importlib
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from losslab.progress import Progress
from losslab.train import History, _task_metrics, ask_callbacks, check_targets, resolve_loss

__all__ = ["TorchModel", "fit", "load_factory", "make_optimizer"]

Factory = Callable[[int, int], torch.nn.Module]
Callback = Callable[[int, dict, Any], bool]


def load_factory(spec: str | Factory) -> Factory:
    """A model factory from ``"module:function"`` (or a callable, returned as it is).

    The factory is called as ``factory(n_features, n_outputs)`` and returns an
    ``nn.Module`` mapping ``(n, n_features)`` float32 rows to ``(n, n_outputs)``.

    Raises:
        ValueError: For a string that is not ``module:function`` or names
            nothing importable, naming ``torch_model``.
    """
    if callable(spec):
        return spec
    module_name, _, attribute = str(spec).partition(":")
    if not module_name or not attribute:
        raise ValueError(f"torch_model: expected 'module:factory', got {spec!r}")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise ValueError(f"torch_model: cannot load {spec!r}: {error}") from None
    if not callable(factory):
        raise ValueError(f"torch_model: {spec!r} is not callable")
    return factory


class TorchModel:
    """A torch module seen as a losslab model: NumPy rows in, the loss's ``y_pred`` out.

    Attributes:
        module: The ``nn.Module``, trained in place by :func:`fit`.
        n_outputs: Outputs per row (classes for a loss on rows of logits).
        head: The loss's head, ``"identity"`` or ``"sigmoid"``.
        rows: Whether the loss reads rows ``(n, K)``; else outputs are flattened.
    """

    def __init__(self, module: torch.nn.Module, loss: Any, n_outputs: int) -> None:
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"torch_model: the factory returned {type(module).__name__}")
        self.module, self.n_outputs = module, int(n_outputs)
        self.head, self.rows = loss.link.head, loss.link.rows
        parameter = next(module.parameters(), None)
        if parameter is None:
            raise ValueError("torch_model: the module has no parameters to train")
        self.dtype, self.device = parameter.dtype, parameter.device

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """``y_pred`` as a tensor, differentiable: head of the module's output."""
        out = self.module(X)
        if out.ndim != 2 or out.shape[1] != self.n_outputs:
            raise ValueError(
                f"torch_model: the module must output (n, {self.n_outputs}), got {tuple(out.shape)}"
            )
        if not self.rows:
            out = out[:, 0]
        return torch.sigmoid(out) if self.head == "sigmoid" else out

    def tensor(self, X: Any) -> torch.Tensor:
        """``X`` as a tensor of the module's dtype, on its device."""
        return torch.as_tensor(np.asarray(X), dtype=self.dtype, device=self.device)

    def __call__(self, X: Any) -> np.ndarray:
        """``y_pred`` of NumPy rows, as float64 NumPy (no gradient kept)."""
        with torch.no_grad():
            return self.forward(self.tensor(X)).double().cpu().numpy()

    def parameter_norm(self) -> float:
        """Euclidean norm of every parameter together."""
        with torch.no_grad():
            return float(torch.sqrt(sum(p.double().square().sum() for p in self.parameters())))

    def parameters(self) -> list[torch.nn.Parameter]:
        """The module's trainable parameters."""
        return [p for p in self.module.parameters() if p.requires_grad]


def make_optimizer(
    name: str, parameters: Sequence[torch.nn.Parameter], lr: float, weight_decay: float,
    params: Mapping[str, Any],
) -> torch.optim.Optimizer:  # fmt: skip
    """The ``torch.optim`` optimizer behind one of losslab's optimizer names."""
    extra = dict(params)
    if name in ("gd", "sgd"):
        return torch.optim.SGD(parameters, lr=lr, weight_decay=weight_decay, **extra)
    if name in ("momentum", "nesterov"):
        momentum = extra.pop("momentum", 0.9)
        return torch.optim.SGD(
            parameters, lr=lr, momentum=momentum, nesterov=name == "nesterov",
            weight_decay=weight_decay, **extra,
        )  # fmt: skip
    if name == "adam":
        betas = (extra.pop("beta1", 0.9), extra.pop("beta2", 0.999))
        return torch.optim.Adam(parameters, lr=lr, betas=betas, weight_decay=weight_decay, **extra)
    raise ValueError(f"optimizer: must be gd, sgd, momentum, nesterov or adam, got {name!r}")


class _Data:
    """Training and validation data as tensors, with the NumPy targets the metrics read."""

    def __init__(self, model: TorchModel, loss: Any, X, y, X_val, y_val) -> None:
        n_outputs = model.n_outputs if model.rows else None
        self.y = check_targets(loss, y, n_outputs)
        self.X = model.tensor(X)
        integer = self.y.dtype.kind in "iu"
        self.target = torch.as_tensor(self.y, dtype=torch.int64 if integer else model.dtype)
        self.val = None
        if X_val is not None:
            y_val = check_targets(loss, y_val, n_outputs)
            target = torch.as_tensor(y_val, dtype=torch.int64 if integer else model.dtype)
            self.val = (model.tensor(X_val), target, y_val)


def fit(
    model: TorchModel,
    loss: Any,
    X: Any,
    y: Any,
    *,
    X_val: Any = None,
    y_val: Any = None,
    optimizer: str = "adam",
    lr: float = 1e-3,
    epochs: int = 100,
    batch_size: int | None = None,
    weight_decay: float = 0.0,
    optimizer_params: Mapping[str, Any] | None = None,
    seed: int = 0,
    divergence_factor: float = 1e6,
    callbacks: Sequence[Callback] = (),
    progress: bool = False,
) -> History:
    """Train ``model`` (a :class:`TorchModel`) in place under ``loss``; return the History.

    Each epoch visits every training row once, in mini-batches of
    ``batch_size`` rows reshuffled every epoch (a ``torch.Generator`` seeded
    with ``seed``), or full batch when None (``"sgd"``: 32). Per batch:
    ``optimizer.zero_grad()``, the loss of the batch, ``backward()``,
    ``optimizer.step()``. After each epoch the full training loss, its
    gradient norm and the metrics are recorded. The run diverges when the
    training loss is not finite or exceeds ``divergence_factor`` times
    ``max(|initial loss|, 1e-8)``; the module then goes back to the last
    recorded epoch, as it does on Ctrl-C.

    Raises:
        ValueError: For targets that do not fit the loss, a module whose
            output has the wrong shape, or a bad optimizer name.
    """
    from losslab.torch import loss as torch_loss

    loss = resolve_loss(loss)
    objective = torch_loss(loss)
    data = _Data(model, loss, X, y, X_val, y_val)
    opt = make_optimizer(optimizer, model.parameters(), lr, weight_decay, optimizer_params or {})
    if batch_size is None and optimizer == "sgd":
        batch_size = 32
    generator = torch.Generator().manual_seed(int(seed))
    loop = _Loop(model, loss, objective, data, opt, divergence_factor, callbacks)
    n = data.X.shape[0]
    with Progress(progress, total=epochs, description="training") as bar:
        try:
            if not loop.record(0):
                return loop.history
            for epoch in range(1, epochs + 1):
                order = torch.randperm(n, generator=generator) if batch_size else None
                for rows in _batches(order, n, batch_size):
                    opt.zero_grad(set_to_none=True)
                    X_b = data.X if rows is None else data.X[rows]
                    t_b = data.target if rows is None else data.target[rows]
                    objective(model.forward(X_b), t_b).backward()
                    opt.step()
                bar.update(completed=epoch, description=f"epoch {epoch}")
                if loop.end_epoch(epoch):
                    break
        except KeyboardInterrupt:
            loop.interrupt()
    return loop.history


def _batches(order: torch.Tensor | None, n: int, batch_size: int | None):
    if order is None or batch_size is None or batch_size >= n:
        yield None
        return
    yield from torch.split(order, batch_size)


class _Loop:
    """Records epochs, watches for divergence and keeps the last good state to go back to."""

    def __init__(self, model, loss, objective, data, opt, divergence_factor, callbacks) -> None:
        self.model, self.loss, self.objective, self.data = model, loss, objective, data
        self.opt, self.callbacks = opt, callbacks
        self.divergence_factor = divergence_factor
        self.history = History(loss=loss.name, task=loss.task)
        self.start = time.perf_counter()
        self.threshold = math.inf
        self.last_good: dict[str, torch.Tensor] = {}

    def _full_loss(self) -> tuple[float, float, np.ndarray]:
        """Training loss, its gradient norm (over every parameter) and the predictions."""
        parameters = self.model.parameters()
        y_pred = self.model.forward(self.data.X)
        value = self.objective(y_pred, self.data.target)
        grads = torch.autograd.grad(value, parameters, allow_unused=True)
        norm = math.sqrt(sum(float(g.double().square().sum()) for g in grads if g is not None))
        return float(value.detach()), norm, y_pred.detach().double().cpu().numpy()

    def _record(self, epoch: int) -> dict[str, float] | None:
        try:
            value, grad_norm, y_pred = self._full_loss()
        except ValueError:  # the loss refused non-finite predictions: the run diverged
            return None
        record: dict[str, float] = {"epoch": epoch, "train_loss": value}
        train_metrics = _task_metrics(self.loss, y_pred, self.data.y)
        if self.data.val is not None:
            X_val, target, y_val = self.data.val
            with torch.no_grad():
                val_pred = self.model.forward(X_val)
                try:
                    record["val_loss"] = float(self.objective(val_pred, target))
                except ValueError:
                    return None
            val_metrics = _task_metrics(self.loss, val_pred.double().cpu().numpy(), y_val)
        record.update({f"train_{k}": v for k, v in train_metrics.items()})
        if self.data.val is not None:
            record.update({f"val_{k}": v for k, v in val_metrics.items()})
        record["grad_norm"] = grad_norm
        record["param_norm"] = self.model.parameter_norm()
        record["lr"] = float(self.opt.param_groups[0]["lr"])
        record["wall_time"] = time.perf_counter() - self.start
        finite = [v for k, v in record.items() if not k.endswith("roc_auc")]
        return record if np.all(np.isfinite(finite)) else None

    def _diverged(self, epoch: int, reason: str) -> None:
        history = self.history
        history.diverged, history.diverged_epoch, history.diverged_reason = True, epoch, reason
        if self.last_good:
            self.model.module.load_state_dict(self.last_good)

    def record(self, epoch: int) -> bool:
        """Record ``epoch``; False when the run ends there (not finite, or diverged)."""
        record = self._record(epoch)
        if record is None:
            self._diverged(epoch, "loss, metrics or parameters became NaN or inf")
            return False
        if epoch == 0:
            self.history.initial_loss = record["train_loss"]
            self.threshold = self.divergence_factor * max(abs(record["train_loss"]), 1e-8)
        self.history.records.append(record)
        self.last_good = copy.deepcopy(self.model.module.state_dict())
        if record["train_loss"] > self.threshold:
            self._diverged(
                epoch,
                f"training loss {record['train_loss']:.4g} exceeds {self.divergence_factor:g} x "
                f"initial {self.history.initial_loss:.4g}",
            )
            return False
        return True

    def end_epoch(self, epoch: int) -> bool:
        """Record ``epoch``; True when the run ends there (diverged or a callback stopped it)."""
        if not self.record(epoch):
            return True
        record = self.history.records[-1]
        return ask_callbacks(self.history, self.callbacks, epoch, record, self.model)

    def interrupt(self) -> None:
        """Ctrl-C: keep the records, the module back at the last recorded epoch."""
        if self.last_good:
            self.model.module.load_state_dict(self.last_good)
        self.history.interrupted = True

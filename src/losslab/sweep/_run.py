"""One run of a sweep, and a batch of runs: what a Dask worker executes.

:func:`run_one` trains one :class:`~losslab.sweep._plan.PlannedRun` with
:func:`losslab.runs.execute` (as :func:`losslab.experiments.compare` and the
web jobs do) and returns its per-epoch History as a DataFrame with the run's
config in constant columns, ready to be written as Parquet.
:func:`run_batch` runs several and never raises for a run: a run that
raises comes back as ``failed`` with its traceback, so one bad grid point
does not stop the sweep. Nothing here writes files; the client does.

A run's seed drives the train/validation split, the model initialisation and
the mini-batch shuffling, so a run gives the same numbers in any process.

Each run file also holds the run's floor: ``constant_<column>`` for every
metric column of the History (``constant_val_rmse`` ...), the score of the
constant model of the run's loss (its optimal constant on the run's training
targets, see :func:`losslab.experiments.constant_scores`), so the report can
flag a run that fails to beat it.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Any

import pandas as pd

from losslab.experiments._baseline import constant_scores
from losslab.runs import Run, execute
from losslab.sweep._plan import PlannedRun

__all__ = ["CONFIG_COLUMNS", "RunResult", "limit_threads", "run_batch", "run_one", "to_parquet"]

CONFIG_COLUMNS = (
    "run_id", "dataset", "dataset_params", "task", "model", "hidden", "activation", "loss",
    "loss_params", "optimizer", "base_lr", "optimizer_params", "batch_size", "schedule",
    "weight_decay", "epochs", "seed", "val_fraction", "diverged", "diverged_epoch",
    "diverged_reason", "stopped_early",
)  # fmt: skip
"""Columns every run file holds besides ``epoch`` and the History's metrics."""


@dataclass(frozen=True)
class RunResult:
    """What a worker sends back for one run.

    Attributes:
        run_id: The run.
        status: ``"ok"``, ``"diverged"``, ``"failed"`` (it raised) or
            ``"interrupted"`` (a KeyboardInterrupt reached the worker: not a
            finished run, so nothing is written and a resume runs it again).
        parquet: The History with config columns as Parquet bytes (None
            unless ok or diverged): encoded on the worker, so the client only
            writes bytes and keeps up with many workers.
        error: The traceback of a failed run.
        seconds: Wall time of the run.
    """

    run_id: str
    status: str
    parquet: bytes | None = None
    error: str | None = None
    seconds: float = 0.0

    @property
    def frame(self) -> pd.DataFrame | None:
        """The History frame decoded from :attr:`parquet`."""
        return None if self.parquet is None else pd.read_parquet(io.BytesIO(self.parquet))


def to_parquet(frame: pd.DataFrame) -> bytes:
    """A run's frame as Parquet bytes, as stored in ``runs/<run_id>.parquet``."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=False)
    return buffer.getvalue()


def limit_threads() -> None:
    """Give compiled kernels one thread in this process (numba's thread count).

    A sweep is parallel across runs, one run per core; threads inside a run
    only oversubscribe the cores, and numba's parallel kernels then spend
    their time waiting for each other (tens of times slower on small arrays).
    Before numba is imported, ``NUMBA_NUM_THREADS`` (unless set) does it
    without the cost of importing numba; after, ``numba.set_num_threads``.
    """
    numba = sys.modules.get("numba")
    if numba is None:
        os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    else:
        numba.set_num_threads(1)


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _config_columns(run: PlannedRun, result: Run) -> dict[str, Any]:
    """The constant columns of a run file: the run's config and how it ended."""
    history = result.history
    return {
        "run_id": run.run_id,
        "dataset": run.dataset,
        "dataset_params": _dumps(run.dataset_params),
        "task": result.dataset.task,
        "model": run.model,
        "hidden": _dumps(list(run.hidden)),
        "activation": run.activation,
        "loss": run.loss,
        "loss_params": _dumps(run.loss_params),
        "optimizer": run.optimizer,
        "base_lr": float(run.lr),
        "optimizer_params": _dumps(run.optimizer_params),
        "batch_size": int(run.batch_size or 0),  # 0: full batch
        "schedule": run.schedule or "",
        "weight_decay": float(run.weight_decay),
        "epochs": int(run.epochs),
        "seed": int(run.seed),
        "val_fraction": float(run.val_fraction),
        "diverged": bool(history.diverged),
        "diverged_epoch": int(history.diverged_epoch if history.diverged_epoch is not None else -1),
        "diverged_reason": history.diverged_reason or "",
        "stopped_early": bool(history.stopped_early),
    }


def _constant_columns(result: Run) -> dict[str, float]:
    """``constant_<train|val>_<metric>``: the constant model of the run's loss on its split."""
    _, y_train, _, y_val = result.training_data()
    scores = constant_scores(result.loss, y_train, y_val, result.model.n_outputs)
    return {f"constant_{column}": float(value) for column, value in scores.items()}


def run_one(run: PlannedRun) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Train one run; return its History frame (with config columns) and a summary.

    Returns:
        ``(frame, summary)``: one row per recorded epoch (``epoch`` 0 is
        before training), and a dict with ``run_id``, ``status``
        (``"ok"``, ``"diverged"`` or ``"interrupted"``), ``epochs_completed``
        and the last record.
    """
    result = execute(run.spec())
    history = result.history
    frame = history.to_frame().reset_index()
    frame["epoch"] = frame["epoch"].astype("int64")
    for column, value in _config_columns(run, result).items():
        frame[column] = value
    for column, value in _constant_columns(result).items():
        frame[column] = value
    if history.interrupted:
        status = "interrupted"
    else:
        status = "diverged" if history.diverged else "ok"
    summary = {"run_id": run.run_id, "status": status, "epochs_completed": len(frame) - 1}
    summary.update(history.final)
    return frame, summary


def run_batch(runs: list[PlannedRun]) -> list[RunResult]:
    """Run each of ``runs`` in turn; a run that raises is reported, not raised.

    >>> from losslab.sweep._plan import PlannedRun
    >>> run = PlannedRun("linear", {"n_samples": 40}, "linear", (), "", "mse", {}, "gd", 0.1, {},
    ...           None, None, 0.0, 3, 0, 0.25, 1e6)
    >>> [(result.status, len(result.frame)) for result in run_batch([run])]
    [('ok', 4)]
    """
    limit_threads()
    results = []
    for run in runs:
        start = time.perf_counter()
        try:
            frame, summary = run_one(run)
        except Exception:
            results.append(
                RunResult(
                    run.run_id, "failed", error=traceback.format_exc(),
                    seconds=time.perf_counter() - start,
                )
            )  # fmt: skip
            continue
        status = summary["status"]
        data = to_parquet(frame) if status != "interrupted" else None
        results.append(RunResult(run.run_id, status, data, seconds=time.perf_counter() - start))
    return results

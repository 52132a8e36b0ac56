"""Training jobs: one worker thread per loss, paced, pausable, stoppable, with limits.

A job trains one model per loss on the same data, each a
:class:`losslab.runs.Run` prepared from a :class:`~losslab.runs.RunSpec` (a
validation split when the request asks for one) and trained with
:func:`losslab.train.fit` in segments, so that the learning rate, the
regularisation and the loss's parameters can change between two epochs
(:meth:`Job.change`). The callback is where the web app meets the loop: it
records each epoch for the stream, draws a snapshot of the fitted model at
most every :data:`~losslab.web.limits.STREAM_INTERVAL_S`, paces the run to
``epochs_per_second``, waits while the job is paused (letting one epoch
through per :meth:`Job.step`) and returns True to stop the segment. Without
an epoch cap a job trains until it is stopped or reaches
:data:`~losslab.web.limits.MAX_JOB_SECONDS`. Jobs nobody streams are stopped
after :data:`~losslab.web.limits.IDLE_TIMEOUT_S` and forgotten, freeing their
memory.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losslab.landscape import flatten
from losslab.links import Link
from losslab.models import MLP, Model
from losslab.runs import Run, RunSpec
from losslab.train import fit
from losslab.web import limits
from losslab.web.errors import NotFoundError, ServerBusyError, TooManyJobsError

Drawer = Callable[[Model, Link], dict[str, Any]]


def finite(values: Any, digits: int = 6) -> list[Any]:
    """A nested list of rounded floats with NaN and inf replaced by None (JSON has neither).

    Example:
        >>> finite([1.23456789, float("nan"), float("inf")])
        [1.234568, None, None]
    """
    array = np.asarray(values, dtype=np.float64)
    rounded = np.round(array, digits).astype(object)
    rounded[~np.isfinite(array)] = None
    return rounded.tolist()


def clean_record(record: dict[str, float]) -> dict[str, float | None]:
    """A History record with non-finite values as None."""
    return {k: (float(v) if math.isfinite(v) else None) for k, v in record.items()}


@dataclass
class JobRun:
    """One loss trained inside a job: the prepared run and what the stream has to send."""

    index: int
    run: Run
    records: list[dict[str, Any]] = field(default_factory=list)
    snapshot: dict[str, Any] | None = None
    version: int = 0
    state: str = "running"
    message: str = ""
    thread: threading.Thread | None = None
    steps: int = 0
    next_spec: RunSpec | None = None
    kept: list[tuple[int, np.ndarray]] = field(default_factory=list)
    tail: tuple[int, np.ndarray] | None = None
    arrivals: int = 0
    stride: int = 1

    def keep_point(self, epoch: int, theta: np.ndarray) -> None:
        """Add the flat parameters after ``epoch`` to the trajectory (call under the job's lock).

        Every ``stride``-th point is kept; past :data:`~limits.PATH_POINTS`
        kept points (fewer for a large network, so that the path holds at most
        :data:`~limits.PATH_FLOATS` numbers) every other one is dropped and the
        stride doubles: a long run keeps an evenly thinned path from its start,
        and the latest point besides.
        """
        points = self.points
        if points and points[-1][0] == epoch:
            return  # a new segment records its starting epoch again
        if self.arrivals % self.stride == 0:
            self.kept.append((epoch, theta))
            self.tail = None
        else:
            self.tail = (epoch, theta)
        self.arrivals += 1
        most = min(limits.PATH_POINTS - 1, max(8, limits.PATH_FLOATS // max(theta.size, 1)))
        if len(self.kept) > most:
            last = self.kept[-1]
            self.kept = self.kept[::2]
            self.stride *= 2
            if self.kept[-1] is not last and self.tail is None:
                self.tail = last

    @property
    def points(self) -> list[tuple[int, np.ndarray]]:
        """The kept ``(epoch, parameters)`` of the trajectory, the latest last."""
        return self.kept + ([self.tail] if self.tail is not None else [])

    @property
    def label(self) -> str:
        """The run's label, as the page shows it."""
        return self.run.label

    @property
    def loss(self) -> Any:
        """The loss object."""
        return self.run.loss

    @property
    def model(self) -> Model:
        """The model, trained in place."""
        return self.run.model


class Job:
    """A set of runs on one dataset, sharing pause and stop switches."""

    def __init__(
        self, client: str, runs: list[JobRun], draw: Drawer, *, epochs: int | None = None,
        paused: bool = False,
    ) -> None:  # fmt: skip
        self.id = uuid.uuid4().hex
        self.epochs = epochs
        self.client = client
        self.runs = runs
        self.draw = draw
        self.created = time.monotonic()
        self.last_seen = self.created
        self.streams = 0
        self.resume = threading.Event()
        if not paused:
            self.resume.set()
        self.stop = threading.Event()
        self.lock = threading.Lock()

    @property
    def alive(self) -> bool:
        """Whether any run's thread is still working."""
        return any(r.thread is not None and r.thread.is_alive() for r in self.runs)

    @property
    def state(self) -> str:
        """running, paused, stopped, finished or failed."""
        if self.alive and not self.stop.is_set():
            return "paused" if not self.resume.is_set() else "running"
        if any(r.state == "failed" for r in self.runs):
            return "failed"
        return "stopped" if self.stop.is_set() else "finished"

    def touch(self) -> None:
        """Mark the job as seen by its client now."""
        self.last_seen = time.monotonic()

    def collect(self, sent: list[int], versions: list[int]) -> list[dict[str, Any]]:
        """New records and snapshots since what was ``sent``; updates the cursors in place."""
        out = []
        with self.lock:
            for run in self.runs:
                i = run.index
                update: dict[str, Any] = {"index": i, "state": run.state, "message": run.message}
                new = run.records[sent[i] :]
                if new:
                    update["records"] = new
                    sent[i] += len(new)
                if run.version != versions[i] and run.snapshot is not None:
                    update["snapshot"] = run.snapshot
                    versions[i] = run.version
                if "records" in update or "snapshot" in update:
                    out.append(update)
        return out

    def start(self, pace: float | None) -> None:
        """Start one worker thread per run, at ``pace`` epochs a second (None: at full speed)."""
        for run in self.runs:
            run.thread = threading.Thread(
                target=self._work, args=(run, pace), daemon=True,
                name=f"losslab-job-{self.id[:8]}-{run.index}",
            )  # fmt: skip
            run.thread.start()

    def _snapshot(self, run: JobRun) -> None:
        picture = self.draw(run.model, run.loss.link)
        with self.lock:
            run.snapshot = picture
            run.version += 1

    def step(self) -> None:
        """Let every run of a paused job train one more epoch, then pause again."""
        with self.lock:
            for run in self.runs:
                run.steps += 1

    def change(self, specs: list[RunSpec]) -> None:
        """Train each run under its new spec (rate, regularisation, loss) from its next epoch.

        A running job switches at the end of the current epoch; a paused one
        when it resumes or steps. The model keeps its parameters; the
        optimizer starts afresh (Adam's moments and momentum are reset).
        """
        with self.lock:
            for run, spec in zip(self.runs, specs, strict=True):
                run.next_spec = spec

    def _gate(self, run: JobRun) -> bool:
        """Wait while paused (a step lets one epoch through); False when the job stops.

        While it waits the run's state is ``paused`` (sent on the stream), so a
        client knows each run has settled after a pause.
        """
        waiting = False
        try:
            while not self.resume.is_set():
                with self.lock:
                    if run.steps > 0:
                        run.steps -= 1
                        return not self.stop.is_set()
                    if not waiting:
                        run.state, waiting = "paused", True
                        run.version += 1  # resend the snapshot with the new state
                if self.stop.wait(0.05):
                    return False
            return not self.stop.is_set()
        finally:
            if waiting:
                with self.lock:
                    run.state = "running"

    def _work(self, job_run: JobRun, pace: float | None) -> None:
        """Train ``job_run`` in segments of :func:`losslab.train.fit` calls.

        A segment ends at the epoch cap, after :data:`~limits.SEGMENT_EPOCHS`
        epochs without a cap, or when the settings change; the next one goes
        on from the model's parameters, its epochs numbered after the last.
        """
        last_draw = -math.inf
        due = time.monotonic()
        base = 0
        cap = self.epochs

        def callback(epoch: int, record: dict[str, float], model: Model) -> bool:
            nonlocal last_draw, due
            entry: dict[str, Any] = clean_record(record)
            entry["epoch"] = base + epoch
            theta = flatten(model.params)
            if theta.size <= 4:
                entry["theta"] = finite(theta)
            with self.lock:
                job_run.records.append(entry)
                job_run.keep_point(entry["epoch"], theta)
            now = time.monotonic()
            if now - last_draw >= limits.STREAM_INTERVAL_S or not self.resume.is_set():
                self._snapshot(job_run)
                last_draw = now
            if pace is not None:
                due += 1.0 / pace
                delay = due - time.monotonic()
                if delay > 0 and self.stop.wait(delay):
                    return True
            if not self.resume.is_set():
                if not self._gate(job_run):
                    return True
                due = time.monotonic()
            return self.stop.is_set() or job_run.next_spec is not None

        try:
            with self.lock:  # the start of the trajectory, before any epoch
                job_run.keep_point(0, flatten(job_run.model.params))
            self._snapshot(job_run)
            if not self._gate(job_run):
                job_run.state, job_run.message = "stopped", "stopped"
                return
            X, y, X_val, y_val = job_run.run.training_data()
            spec = job_run.run.spec
            while True:
                with self.lock:
                    if job_run.next_spec is not None:
                        spec, job_run.next_spec = job_run.next_spec, None
                        job_run.run.spec = spec
                arguments = spec.fit_arguments()
                arguments["epochs"] = limits.SEGMENT_EPOCHS if cap is None else cap - base
                history = fit(
                    job_run.model, spec.loss, X, y, X_val=X_val, y_val=y_val,
                    callbacks=[callback], **arguments,
                )  # fmt: skip
                base += int(history.records[-1]["epoch"]) if history.records else 0
                if history.diverged or self.stop.is_set():
                    break
                if job_run.next_spec is None and cap is not None and base >= cap:
                    break
            self._snapshot(job_run)
            if history.diverged:
                job_run.state, job_run.message = "diverged", history.diverged_reason or "diverged"
            elif self.stop.is_set():
                job_run.state, job_run.message = "stopped", "stopped"
            else:
                job_run.state, job_run.message = "finished", f"{base} epochs"
        except (ValueError, TypeError, ArithmeticError) as exc:
            job_run.state, job_run.message = "failed", str(exc)


class JobManager:
    """Every job the server holds, with the per-client and total limits."""

    def __init__(
        self,
        max_jobs: int = limits.MAX_JOBS,
        max_per_client: int = limits.MAX_JOBS_PER_CLIENT,
        idle_timeout: float = limits.IDLE_TIMEOUT_S,
        max_seconds: float = limits.MAX_JOB_SECONDS,
    ) -> None:
        self.max_jobs = max_jobs
        self.max_per_client = max_per_client
        self.idle_timeout = idle_timeout
        self.max_seconds = max_seconds
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._jobs)

    def admit(self, client: str) -> None:
        """Raise unless ``client`` may start one more job.

        Raises:
            TooManyJobsError: the client holds its share of running jobs (429).
            ServerBusyError: the server holds its total (503).
        """
        self.reap()
        with self._lock:
            active = [j for j in self._jobs.values() if j.alive]
        if sum(j.client == client for j in active) >= self.max_per_client:
            raise TooManyJobsError(
                f"at most {self.max_per_client} training jobs per client run at once; "
                "stop one first"
            )
        if len(active) >= self.max_jobs:
            raise ServerBusyError(
                f"the server is running its limit of {self.max_jobs} jobs; try again soon"
            )

    def add(self, job: Job) -> None:
        """Hold ``job`` (after :meth:`admit`)."""
        with self._lock:
            self._jobs[job.id] = job

    def get(self, job_id: str) -> Job:
        """The job, marked as seen.

        Raises:
            NotFoundError: an unknown or forgotten id.
        """
        self.reap()
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"job {job_id!r} is unknown or has ended")
        job.touch()
        return job

    def remove(self, job_id: str) -> None:
        """Stop the job and forget it, freeing its memory once its threads return."""
        with self._lock:
            job = self._jobs.pop(job_id, None)
        if job is not None:
            job.stop.set()
            job.resume.set()

    def reap(self) -> None:
        """Stop and forget jobs idle without a stream, and jobs past their time."""
        now = time.monotonic()
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            idle = job.streams == 0 and now - job.last_seen > self.idle_timeout
            if idle or now - job.created > self.max_seconds:
                self.remove(job.id)

    def shutdown(self) -> None:
        """Stop every job."""
        for job_id in list(self._jobs):
            self.remove(job_id)


UNIT_GRID = 15
"""Points per side of the grid each hidden unit's activation is drawn on."""


def network(model: MLP, grid: np.ndarray) -> dict[str, Any]:
    """What the page's network view draws: layer widths, weights, and each hidden unit's map.

    ``units[l][u]`` is unit ``u`` of hidden layer ``l + 1`` evaluated on the
    ``UNIT_GRID x UNIT_GRID`` grid (rows along the second feature), ``inputs[i]``
    input feature ``i`` on that grid;
    ``weights[l]`` is ``W_{l+1}`` (rows: the layer's inputs).
    """
    with np.errstate(all="ignore"):
        _, (inputs, _, _) = model.forward(grid)
    side = UNIT_GRID
    units = [[finite(a[:, u].reshape(side, side), 3) for u in range(a.shape[1])] for a in inputs]
    weights = [finite(model.params[f"W{layer}"], 4) for layer in range(1, model.n_layers + 1)]
    widths = [model.n_features, *model.hidden, model.n_outputs]
    return {"widths": widths, "weights": weights, "inputs": units[0], "units": units[1:]}


def make_drawer(
    X: np.ndarray, view: str, rows: np.ndarray,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Drawer:  # fmt: skip
    """The function that turns a model into what the page draws for ``view``.

    ``line``: predictions along the feature's range; ``boundary``: the
    probability of class 1 on a 41 x 41 grid (``z``), or with more classes the
    winning class (``z``) and its probability (``p``);
    ``parity``: predictions for the drawn rows. ``transform`` maps the raw
    features the page draws to those the model reads (the chosen input features).
    """
    lift = transform if transform is not None else (lambda G: G)
    pad = 0.05 * (X.max(axis=0) - X.min(axis=0) + 1e-9)
    low, high = X.min(axis=0) - pad, X.max(axis=0) + pad
    if view == "line":
        grid = np.linspace(low[0], high[0], 101)[:, None]
    elif view == "boundary":
        gx, gy = np.linspace(low[0], high[0], 41), np.linspace(low[1], high[1], 41)
        grid = np.column_stack([a.ravel() for a in np.meshgrid(gx, gy)])
    else:
        grid = X[rows]

    units_grid = None
    if view == "boundary":
        ux, uy = np.linspace(low[0], high[0], UNIT_GRID), np.linspace(low[1], high[1], UNIT_GRID)
        units_grid = lift(np.column_stack([a.ravel() for a in np.meshgrid(ux, uy)]))
    model_grid = lift(grid)

    def draw(model: Model, link: Link) -> dict[str, Any]:
        with np.errstate(all="ignore"):
            prediction = link.inverse(model(model_grid))
        winning = None
        if prediction.ndim == 2:
            # Rows of class probabilities: class 1's probability for two classes, else the
            # winning class with its probability.
            k = prediction.shape[1]
            if k == 2:
                prediction = prediction[:, 1]
            else:
                winning = prediction.max(axis=1)
                prediction = prediction.argmax(axis=1).astype(float)
        if view == "line":
            return {"x": finite(grid[:, 0]), "y": finite(prediction)}
        if view == "boundary":
            picture = {"x": finite(gx), "y": finite(gy), "z": finite(prediction.reshape(41, 41))}
            if winning is not None:
                picture["p"] = finite(winning.reshape(41, 41), 4)
            if isinstance(model, MLP):
                picture["network"] = network(model, units_grid)
            return picture
        return {"y": finite(prediction)}

    return draw

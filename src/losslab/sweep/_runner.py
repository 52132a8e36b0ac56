"""Running a sweep on Dask distributed, writing each result as it arrives.

The client plans the runs, skips those already in the results folder, and
keeps a few tasks per worker thread in flight. A task is a batch of runs
(:func:`losslab.sweep._run.run_batch`) sized from the measured time per run
so that it takes about :data:`TARGET_TASK_SECONDS`: scheduling overhead stays
small for tiny runs while long runs go one per task. Results come back with
:func:`distributed.as_completed` and the client writes them (workers only
compute and encode Parquet bytes), so a killed worker never leaves a partial file; its tasks are
rescheduled by the scheduler on the remaining workers.

SIGINT and SIGTERM stop the sweep between writes: no write is cut in half,
every run written so far stays, and running the same command again resumes.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from losslab.progress import Progress
from losslab.sweep._config import SweepConfig
from losslab.sweep._plan import Plan, PlannedRun, expand
from losslab.sweep._run import RunResult, limit_threads, run_batch, run_one
from losslab.sweep._store import Store

__all__ = [
    "TARGET_TASK_SECONDS",
    "Estimate",
    "SweepOutcome",
    "batch_size_for",
    "calibrate",
    "cluster_threads",
    "dask_client",
    "estimate",
    "run_sweep",
]

TARGET_TASK_SECONDS = 0.75
"""Aim of each task's duration: long next to Dask's ~1 ms per task, short for balance."""

_TASKS_PER_THREAD = 2
_COUNTERS = {"ok": "", "diverged": "yellow", "failed": "red"}
_CALIBRATION_EPOCHS = 5


@dataclass(frozen=True)
class Estimate:
    """What a sweep will cost, from a tiny calibration run.

    Attributes:
        n_runs: Runs in the plan.
        n_done: Runs already in the results folder.
        seconds_per_run: Measured on this machine, scaled to the sweep's epochs.
        n_workers: Worker processes assumed.
        seconds: Estimated wall time of the remaining runs.
    """

    n_runs: int
    n_done: int
    seconds_per_run: float
    n_workers: int
    seconds: float


@dataclass
class SweepOutcome:
    """What a sweep did.

    Attributes:
        planned: Runs in the plan.
        already_done: Runs found finished in the folder and skipped.
        ok: Runs finished now without diverging.
        diverged: Runs finished now that diverged (their History is kept).
        failed: Runs that raised (``failed/<run_id>.json``).
        unfinished: Runs a worker was interrupted in (a KeyboardInterrupt
            reached it): not written, so a rerun does them.
        interrupted: Stopped by SIGINT/SIGTERM (the signal's name) or None.
        seconds: Wall time from the first task submitted to the last result.
        n_workers: Worker threads the cluster had at the start.
        batch_sizes: Runs per task, in the order the tasks were submitted.
    """

    planned: int
    already_done: int = 0
    ok: int = 0
    diverged: int = 0
    failed: int = 0
    unfinished: int = 0
    interrupted: str | None = None
    seconds: float = 0.0
    n_workers: int = 0
    batch_sizes: list[int] = field(default_factory=list)

    @property
    def completed(self) -> int:
        """Runs finished in this call (ok or diverged)."""
        return self.ok + self.diverged

    @property
    def runs_per_second(self) -> float:
        """Runs handled per second of this call (ok, diverged or failed)."""
        handled = self.completed + self.failed
        return handled / self.seconds if self.seconds > 0 else math.nan


def _timed(run: PlannedRun) -> float:
    start = time.perf_counter()
    with contextlib.suppress(Exception):  # a failing run is timed as it fails
        run_one(run)
    return time.perf_counter() - start


def calibrate(plan: Plan, samples: int = 3) -> float:
    """Seconds per run, from a few runs of ``plan`` cut to 1 and a few epochs.

    A run costs a fixed part (data split, model, first evaluation) plus a
    part per epoch; timing each sampled run at 1 and at
    :data:`_CALIBRATION_EPOCHS` epochs (after one warm-up for imports and
    compiled kernels) gives both, and the sweep's epochs give the total.
    """
    if not plan.runs:
        return 0.0
    limit_threads()  # as on a worker
    last = len(plan.runs) - 1
    picks = sorted({round(i * last / max(samples - 1, 1)) for i in range(samples)})
    per_run = []
    for index in picks:
        run = plan.runs[index]
        few = min(run.epochs, _CALIBRATION_EPOCHS)
        _timed(replace(run, epochs=1))  # warm-up
        one, several = _timed(replace(run, epochs=1)), _timed(replace(run, epochs=few))
        per_epoch = max(several - one, 0.0) / (few - 1) if few > 1 else 0.0
        per_run.append(one + per_epoch * (run.epochs - 1))
    return sum(per_run) / len(per_run)


def estimate(plan: Plan, *, n_workers: int, done: set[str] | None = None) -> Estimate:
    """Estimate the wall time of ``plan`` on ``n_workers`` processes (runs in ``done`` skipped)."""
    done = done or set()
    n_done = sum(run.run_id in done for run in plan.runs)
    per_run = calibrate(plan)
    remaining = len(plan.runs) - n_done
    waves = remaining / max(n_workers, 1)
    return Estimate(len(plan.runs), n_done, per_run, n_workers, waves * per_run)


def batch_size_for(seconds_per_run: float, remaining: int, n_threads: int) -> int:
    """Runs per task: about :data:`TARGET_TASK_SECONDS` of work, never starving a worker.

    >>> batch_size_for(0.01, remaining=1000, n_threads=2)
    75
    >>> batch_size_for(0.01, remaining=40, n_threads=2), batch_size_for(5.0, 1000, 2)
    (10, 1)
    """
    wanted = max(1, round(TARGET_TASK_SECONDS / max(seconds_per_run, 1e-6)))
    # Near the end, smaller tasks keep every worker busy until the last run.
    fair = max(1, math.ceil(remaining / (_TASKS_PER_THREAD * max(n_threads, 1))))
    return min(wanted, fair)


class _Signals:
    """SIGINT/SIGTERM become KeyboardInterrupt, held back while a file is being written."""

    def __init__(self) -> None:
        self.received: str | None = None
        self._deferring = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous.clear()

    def _handle(self, number: int, frame: object) -> None:
        self.received = signal.Signals(number).name
        if not self._deferring:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold a signal until the block ends, then raise KeyboardInterrupt."""
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False
        if self.received is not None:
            raise KeyboardInterrupt


@contextlib.contextmanager
def dask_client(scheduler: str | None, n_workers: int | None) -> Iterator[Any]:
    """A Dask client on ``scheduler`` (an address), or on a local cluster of ``n_workers``.

    The client (and a local cluster) is closed when the block ends.
    """
    import logging

    from distributed import Client, LocalCluster

    if scheduler is not None:
        client = Client(scheduler, timeout="30s")
        try:
            client.wait_for_workers(1, timeout=60)
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=n_workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # a free port: no clash, no warning
        silence_logs=logging.ERROR,
    )
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def cluster_threads(scheduler: str) -> int:
    """Worker threads of the running cluster at ``scheduler`` (waits for one worker)."""
    with dask_client(scheduler, None) as client:
        return _threads(client)


def _threads(client: Any) -> int:
    workers = client.scheduler_info().get("workers", {})
    return max(1, sum(int(info.get("nthreads", 1)) for info in workers.values()))


Callback = Callable[[RunResult, SweepOutcome], None]


def run_sweep(
    config: SweepConfig,
    out: str | Path,
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    batch_size: int | None = None,
    force: bool = False,
    client: Any = None,
    on_start: Callable[[int, int], None] | None = None,
    on_result: Callback | None = None,
    progress: bool = False,
) -> SweepOutcome:
    """Run every run of ``config`` not yet in ``out`` on a Dask cluster.

    Args:
        config: The validated sweep.
        out: The results folder (see :mod:`losslab.sweep._store`).
        scheduler: Address of a running scheduler (``tcp://HOST:8786``);
            None starts a ``LocalCluster`` with ``n_workers`` single-thread
            processes.
        n_workers: Worker processes of the LocalCluster (default: one per core).
        batch_size: Runs per task; None sizes tasks from measured run times.
        force: Adopt ``out`` even when it holds another config's results.
        client: A connected :class:`distributed.Client` to use as it is (not
            closed here); then ``scheduler`` and ``n_workers`` are not used.
        on_start: Called with ``(runs to do, runs already done)`` once planned.
        on_result: Called after each result is written.
        progress: Show a Rich progress bar: runs done of those to do, how many
            ended ok, diverged or failed, and the time left.

    Returns:
        The :class:`SweepOutcome`; ``interrupted`` is set when a signal stopped it.

    Raises:
        ConfigChangedError: If ``out`` holds another config and ``force`` is False.
    """
    plan = expand(config)
    store = Store(out)
    store.prepare(plan, config.model_dump(mode="json"), force=force)
    done = store.finished()
    todo = [run for run in plan.runs if run.run_id not in done]
    outcome = SweepOutcome(planned=len(plan.runs), already_done=len(plan.runs) - len(todo))
    if on_start is not None:
        on_start(len(todo), outcome.already_done)
    if not todo:
        return outcome
    connection = contextlib.nullcontext(client) if client else dask_client(scheduler, n_workers)
    with Progress(progress, total=len(todo), description="[bold]sweep", counters=_COUNTERS) as bar:

        def count(result: RunResult, outcome: SweepOutcome) -> None:
            bar.update(
                completed=outcome.completed + outcome.failed,
                ok=outcome.ok, diverged=outcome.diverged, failed=outcome.failed,
            )  # fmt: skip
            if on_result is not None:
                on_result(result, outcome)

        with _Signals() as signals:
            try:
                with connection as connected:
                    _drive(connected, todo, store, outcome, signals, batch_size, count)
            except KeyboardInterrupt:
                outcome.interrupted = signals.received or "SIGINT"
    return outcome


def _drive(
    client: Any,
    todo: list[PlannedRun],
    store: Store,
    outcome: SweepOutcome,
    signals: _Signals,
    fixed_size: int | None,
    on_result: Callback,
) -> None:
    from distributed import as_completed

    pending = list(reversed(todo))  # popped from the end: grid order
    by_id = {run.run_id: run for run in todo}
    n_threads = _threads(client)
    outcome.n_workers = n_threads
    seconds_per_run: float | None = None
    in_flight: dict[Any, list[PlannedRun]] = {}
    finished = as_completed()

    def submit() -> None:
        while pending and len(in_flight) < _TASKS_PER_THREAD * n_threads:
            if fixed_size is not None:
                size = fixed_size
            elif seconds_per_run is None:
                size = 1  # measure first
            else:
                size = batch_size_for(seconds_per_run, len(pending), n_threads)
            batch = [pending.pop() for _ in range(min(size, len(pending)))]
            future = client.submit(run_batch, batch, pure=False)
            in_flight[future] = batch
            outcome.batch_sizes.append(len(batch))
            finished.add(future)

    start = time.perf_counter()
    try:
        submit()
        for future in finished:
            batch = in_flight.pop(future)
            try:
                results = future.result()
            except Exception as error:  # the task itself died (KilledWorker, lost scheduler)
                text = f"{type(error).__name__}: {error}"
                results = [RunResult(run.run_id, "failed", error=text) for run in batch]
            for result in results:
                with signals.deferred():
                    _write(store, by_id[result.run_id], result, outcome)
                on_result(result, outcome)
            timed = [result.seconds for result in results if result.seconds > 0]
            if timed:
                mean = sum(timed) / len(timed)
                # A moving average forgets the first runs' one-off costs (imports, compilation).
                seconds_per_run = (
                    mean if seconds_per_run is None else 0.5 * seconds_per_run + 0.5 * mean
                )
            submit()
    finally:
        outcome.seconds = time.perf_counter() - start
        if in_flight:
            with contextlib.suppress(Exception):  # a lost scheduler must not hide the cause
                client.cancel(list(in_flight))


def _write(store: Store, run: PlannedRun, result: RunResult, outcome: SweepOutcome) -> None:
    if result.status in ("ok", "diverged") and result.parquet is not None:
        store.write_run(run.run_id, result.parquet)
        if result.status == "ok":
            outcome.ok += 1
        else:
            outcome.diverged += 1
    elif result.status == "failed":
        store.write_failure(run, result.error or "unknown error")
        outcome.failed += 1
    else:
        outcome.unfinished += 1

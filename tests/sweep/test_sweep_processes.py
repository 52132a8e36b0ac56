"""Sweeps with real processes: LocalCluster, a scheduler and workers, signals, kills.

Every process is started here and killed in a ``finally`` (the ``processes``
fixture); every address is on the loopback interface.
"""

from __future__ import annotations

import signal

import pandas as pd
from pandas.testing import assert_frame_equal
from sweep_helpers import (
    BIN,
    LOSSLAB,
    SLOW,
    TINY,
    free_port,
    parquet_files,
    temp_files,
    wait_for,
)

from losslab.sweep import Store, expand, loads_config, run_one

SWEEP_SECONDS = 120


def planned_ids(text: str) -> set[str]:
    return {run.run_id for run in expand(loads_config(text)).runs}


def finish(processes, process, timeout=SWEEP_SECONDS) -> int:
    try:
        return process.wait(timeout=timeout)
    except Exception:
        print(processes.output(process))
        raise


def assert_complete(out, text: str) -> None:
    files = parquet_files(out)
    assert {path.stem for path in files} == planned_ids(text)  # every run, each once
    assert temp_files(out) == []
    assert list((out / "failed").iterdir()) == []


def numeric(frame: pd.DataFrame) -> pd.DataFrame:
    columns = [c for c in frame.select_dtypes("number").columns if c != "wall_time"]
    return frame[columns].reset_index(drop=True)


def test_local_cluster_gives_the_sequential_numbers(tmp_path, sweep_file, processes):
    out = tmp_path / "out"
    process = processes.start(
        [*LOSSLAB, "sweep", str(sweep_file(TINY)), "--out", str(out), "--workers", "2"], "sweep"
    )
    assert finish(processes, process) == 0, processes.output(process)
    assert_complete(out, TINY)
    for run in expand(loads_config(TINY)).runs:
        sequential, _ = run_one(run)
        stored = pd.read_parquet(out / "runs" / f"{run.run_id}.parquet")
        assert_frame_equal(numeric(stored), numeric(sequential), check_exact=True)
        assert stored["run_id"].eq(run.run_id).all()
    assert "12 runs planned" in processes.output(process)


def test_interrupted_sweep_resumes_without_loss(tmp_path, sweep_file, processes):
    config, out = sweep_file(SLOW), tmp_path / "out"
    command = [*LOSSLAB, "sweep", str(config), "--out", str(out), "--workers", "2"]
    n_runs = len(planned_ids(SLOW))

    # Ctrl-C: the client stops between writes and says how to resume.
    first = processes.start([*command, "--batch-size", "1"], "first")
    wait_for(lambda: len(parquet_files(out)) >= 3, SWEEP_SECONDS, "the first runs")
    first.send_signal(signal.SIGINT)
    assert finish(processes, first, 30) == 130, processes.output(first)
    assert "run the same command again to resume" in processes.output(first)
    assert temp_files(out) == []
    kept = {path.stem for path in parquet_files(out)}
    assert 3 <= len(kept) < n_runs, "the sweep ended before the signal"

    # SIGKILL of the client: nothing to clean up but what it was writing.
    second = processes.start([*command, "--batch-size", "1"], "second")
    wait_for(lambda: len(parquet_files(out)) >= len(kept) + 3, SWEEP_SECONDS, "more runs")
    second.send_signal(signal.SIGKILL)
    second.wait(timeout=10)
    processes.close()  # the killed client's LocalCluster workers
    kept = {path.stem for path in parquet_files(out)}
    assert len(kept) < n_runs, "the sweep ended before the kill"
    # A client killed while writing leaves a temp file; the next start deletes it.
    (out / "runs" / f"{next(iter(kept))}.parquet.k1ll3d.tmp").write_bytes(b"PAR1 partial")

    before = {stem: (out / "runs" / f"{stem}.parquet").stat().st_mtime_ns for stem in kept}
    third = processes.start(command, "third")
    assert finish(processes, third) == 0, processes.output(third)
    assert_complete(out, SLOW)
    # Finished runs were skipped, not run and written again.
    assert all((out / "runs" / f"{s}.parquet").stat().st_mtime_ns == t for s, t in before.items())
    assert f"{len(kept)} already done" in " ".join(processes.output(third).split())


def test_killed_worker_on_a_running_cluster(tmp_path, sweep_file, processes):
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(BIN / "dask")
    processes.start(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        "scheduler",
    )
    workers = [
        processes.start(
            [
                dask,
                "worker",
                address,
                "--host",
                "127.0.0.1",
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--local-directory",
                str(tmp_path / f"w{i}"),
            ],
            f"worker{i}",
        )
        for i in range(2)
    ]
    for worker in workers:
        wait_for(lambda w=worker: "Registered to" in processes.output(w), 60, "a worker")
    out = tmp_path / "out"
    sweep = processes.start(
        [*LOSSLAB, "sweep", str(sweep_file(SLOW)), "--out", str(out), "--scheduler", address,
         "--batch-size", "1"],
        "sweep",
    )  # fmt: skip
    wait_for(lambda: len(parquet_files(out)) >= 3, SWEEP_SECONDS, "the first runs")
    workers[0].send_signal(signal.SIGKILL)  # no nanny: its tasks go to the other worker
    workers[0].wait(timeout=10)
    written = len(parquet_files(out))
    assert finish(processes, sweep) == 0, processes.output(sweep)
    assert written < len(planned_ids(SLOW)), "the sweep ended before the kill"
    assert_complete(out, SLOW)
    assert workers[1].poll() is None
    assert len(Store(out).read_runs()["run_id"].unique()) == len(planned_ids(SLOW))

"""Sweep throughput: small runs per second on a LocalCluster of 1 and of 2 worker processes.

Each measurement starts a LocalCluster (single-thread worker processes),
warms every worker up (imports, datasets, compiled kernels), then times
``losslab.sweep.run_sweep`` from the first task submitted to the last result
written, into a fresh results folder. The client writes every result, as in
a real sweep. Reported: runs per second (best of ``--repeats``), the
scaling ratio, and the in-process sequential rate for reference.

    .venv/bin/python benchmarks/sweep_scaling.py [--epochs 100] [--seeds 16] [--repeats 3]

Other processes running on the machine lower the 2-worker figure most.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from losslab.sweep import expand, limit_threads, loads_config, run_batch, run_sweep

CONFIG = """
name = "scaling"
epochs = {epochs}
seeds = {seeds}

[[datasets]]
name = "linear_outliers"
params = {{ n_samples = 200 }}

[[models]]
kind = "mlp"
hidden = [16]

[[losses]]
name = "huber"
grid = {{ delta = [0.25, 0.5, 1, 2, 4] }}

[[losses]]
name = "mse"

[[losses]]
name = "mae"

[[optimizers]]
name = "gd"
lr = [0.01, 0.03, 0.1]
"""


def measure(config, n_workers: int, repeats: int, batch_size: int | None) -> dict:
    from distributed import Client, LocalCluster

    plan = expand(config)
    # One run of each loss configuration loads what every later run needs.
    sample = list({run.label().split(" ")[0]: run for run in plan.runs}.values())
    rates, batches = [], []
    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(lambda: [run_batch([run]) for run in sample])
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as folder:
                outcome = run_sweep(config, Path(folder), client=client, batch_size=batch_size)
            assert outcome.completed + outcome.failed == len(plan.runs), outcome
            rates.append(outcome.runs_per_second)
            batches.append(sorted(set(outcome.batch_sizes)))
    return {"workers": n_workers, "runs_per_second": max(rates), "all": rates, "batches": batches}


def sequential(config) -> float:
    plan = expand(config)
    limit_threads()
    run_batch(plan.runs[:10])
    start = time.perf_counter()
    run_batch(plan.runs)
    return len(plan.runs) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=None)
    args = parser.parse_args()
    config = loads_config(CONFIG.format(epochs=args.epochs, seeds=list(range(args.seeds))))
    n_runs = len(expand(config).runs)
    print(f"{n_runs} runs of {args.epochs} epochs; {os.cpu_count()} cores; "
          f"load average before: {os.getloadavg()[0]:.2f}")  # fmt: skip
    one = measure(config, 1, args.repeats, args.batch_size)
    two = measure(config, 2, args.repeats, args.batch_size)
    result = {
        "runs": n_runs,
        "epochs": args.epochs,
        "sequential_in_process": sequential(config),
        "one_worker": one,
        "two_workers": two,
        "scaling": two["runs_per_second"] / one["runs_per_second"],
        "load_average_after": os.getloadavg()[0],
    }
    print(f"sequential, in process : {result['sequential_in_process']:7.1f} runs/s")
    print(f"LocalCluster, 1 worker : {one['runs_per_second']:7.1f} runs/s  {one['all']}")
    print(f"LocalCluster, 2 workers: {two['runs_per_second']:7.1f} runs/s  {two['all']}")
    print(f"scaling 1 -> 2 workers : {result['scaling']:.2f}x")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

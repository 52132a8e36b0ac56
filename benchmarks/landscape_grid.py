"""Time exact 201 x 201 loss surfaces of a 2-parameter model on 100,000 samples.

Run: ``.venv/bin/python benchmarks/landscape_grid.py [--n 100000] [--resolution 201]``.
MSE uses sufficient statistics (O(G) after O(n)); it is also timed through the
compiled grid kernel (``mse (kernel)``). The other losses run the compiled grid
kernel (:mod:`losslab._kernels.grid`): G x n = 4.04e9 exact loss terms each, one
pass, no (G, n) array. For comparison, the chunked NumPy path (``--fallback``,
the path custom losses take) is timed on a smaller grid. Each line shows the
1-minute load average when it started: other processes share the cores. The
kernels are compiled (or loaded from numba's cache) on a 2 x 2 grid first, outside
the timings.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from losslab import config, datasets
from losslab.landscape import grid_surface
from losslab.models import LinearRegression, LogisticRegression

LOSSES = "mse,mae,huber,pseudo_huber,log_cosh,quantile,bce_with_logits"


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--resolution", type=int, default=201)
    parser.add_argument("--losses", default=LOSSES)
    parser.add_argument("--fallback", default="huber", help="loss timed on the chunked path")
    parser.add_argument("--fallback-resolution", type=int, default=41)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    regression = datasets.linear(n_samples=args.n, seed=0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.n, 1))
    labels = (X[:, 0] + 0.5 * rng.standard_normal(args.n) > 0).astype(np.float64)
    print(
        f"n={args.n:,} grid={args.resolution}x{args.resolution} cpus={os.cpu_count()} "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )

    def run(name: str, resolution: int, label: str, **kwargs: object) -> None:
        if name == "bce_with_logits":
            model, features, targets = LogisticRegression(1, head="identity"), X, labels
        else:
            model, features, targets = LinearRegression(1), regression.X, regression.y
        common = {"ranges": ((-4, 4), (-4, 4)), "n_jobs": args.jobs, **kwargs}
        grid_surface(model, name, features, targets, resolution=2, **common)  # compile
        load = _load()
        start = time.perf_counter()
        surface = grid_surface(model, name, features, targets, resolution=resolution, **common)
        total = time.perf_counter() - start
        terms = surface.values.size * args.n
        print(
            f"{label:22s} {resolution:4d}^2 {surface.method:22s} {total:8.3f} s  "
            f"{total / terms * 1e9:6.3f} ns/term  load {load:4.2f}  min {surface.argmin()}"
        )

    for name in args.losses.split(","):
        run(name, args.resolution, name)
        if name == "mse":
            run(name, args.resolution, "mse (kernel)", exact_statistics=False)
    if args.fallback:
        with config.fused(False):
            run(args.fallback, args.fallback_resolution, f"{args.fallback} (chunked NumPy)")


if __name__ == "__main__":
    main()

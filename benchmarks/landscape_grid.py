"""Time exact 201 x 201 loss surfaces of a 2-parameter model on 100,000 samples.

Run: ``.venv/bin/python benchmarks/landscape_grid.py [--n 100000] [--resolution 201]``.
MSE uses sufficient statistics (O(G) after O(n)); the other losses are
evaluated exactly, chunked and vectorised: G x n = 4.04e9 loss terms each.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from losslab import datasets
from losslab.landscape import grid_surface
from losslab.models import LinearRegression, LogisticRegression


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--resolution", type=int, default=201)
    parser.add_argument("--losses", default="mse,mae,huber,bce_with_logits")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    regression = datasets.linear(n_samples=args.n, seed=0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.n, 1))
    labels = (X[:, 0] + 0.5 * rng.standard_normal(args.n) > 0).astype(np.float64)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"n={args.n:,} grid={args.resolution}x{args.resolution} cpus={os.cpu_count()} "
        f"load={load:.1f}"
    )
    for name in args.losses.split(","):
        if name == "bce_with_logits":
            model, features, targets = LogisticRegression(1, head="identity"), X, labels
        else:
            model, features, targets = LinearRegression(1), regression.X, regression.y
        start = time.perf_counter()
        surface = grid_surface(
            model,
            name,
            features,
            targets,
            ranges=((-4, 4), (-4, 4)),
            resolution=args.resolution,
            n_jobs=args.jobs,
        )
        total = time.perf_counter() - start
        terms = surface.values.size * args.n
        print(
            f"{name:16s} {surface.method:22s} {total:8.3f} s  "
            f"{total / terms * 1e9:6.2f} ns/term  min {surface.argmin()}"
        )


if __name__ == "__main__":
    main()

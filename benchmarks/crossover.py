"""From what input size the fused kernels pay for loading them: the table behind "auto".

    python benchmarks/crossover.py            # measure and print
    python benchmarks/crossover.py --write    # ... and rewrite src/losslab/losses/_crossover.py

The first fused call of a process imports numba and loads the kernel from numba's disk
cache; that one-off cost ``L`` is measured here in fresh processes (cache warm, median of
five). After it, each call of ``n`` elements saves ``s(n) = plain(n) - fused(n)``. The
crossover of a loss and dtype is the smallest size (a power of two) at which
``HORIZON`` calls repay the load: ``HORIZON * s(n) >= L``. Below it, a user who makes
fewer than ``HORIZON`` calls of that size is better served by the plain path, and a first
call stays quick; above it the kernels win within a short training run. Inputs are the
test suite's samples (``tests/losses/conftest.py``), default parameters; ``n`` counts
elements of ``y_pred`` (for rows of logits, rows times classes). One thread, as the kernels use
below ``config.SERIAL_BELOW`` elements.
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

import losslab.losses as losses
from losslab import config
from losslab.losses import _crossover
from losslab.losses._fused import has_kernel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "losses"))
import conftest  # noqa: E402  (the test suite's cases: one sampler per loss)

SIZES = [1 << k for k in range(6, 23)]

_FIRST_CALL = """
import sys, time
import numpy as np
import losslab.losses as losses
from losslab import config
loss = losses.get("mse")
pred, true = np.linspace(-1.0, 1.0, 1000), np.zeros(1000)
with config.fused({mode}):
    start = time.perf_counter()
    loss.value_and_grad(pred, true)
    print(time.perf_counter() - start)
"""


def _first_call(mode: str) -> float:
    script = _FIRST_CALL.format(mode=mode)
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def load_cost(repeats: int = 5) -> float:
    """Seconds a fresh process's first fused call costs beyond its first plain call."""
    _first_call("True")  # fill numba's cache
    fused = statistics.median(_first_call("True") for _ in range(repeats))
    plain = statistics.median(_first_call("False") for _ in range(repeats))
    return max(fused - plain, 0.0)


def _per_call(fn: Callable[[], object], budget: float = 0.02, rounds: int = 3) -> float:
    """Seconds per call: the best of ``rounds`` averages over ``budget`` seconds each."""
    fn()
    best = math.inf
    for _ in range(rounds):
        calls, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < budget or calls < 3:
            fn()
            calls += 1
        best = min(best, elapsed / calls)
    return best


def fused_losses() -> list[str]:
    """Catalogue losses whose default parameters have a kernel."""
    return [
        name
        for name in losses.available()
        if has_kernel(losses.get(name).definition, losses.parameters(name))
    ]


def _case(name: str) -> conftest.Case:
    cases = [c for c in conftest.CASES if c.name == name]
    defaults = [c for c in cases if c.params == losses.parameters(name)]
    return (defaults or cases)[0]


def crossover(name: str, dtype: np.dtype, load: float, horizon: int) -> int:
    """Smallest size in :data:`SIZES` from which ``horizon`` fused calls save ``load`` seconds.

    The saving must hold at that size and the next, so one noisy timing does not decide.
    """
    case, loss = _case(name), losses.get(name)
    rng = np.random.default_rng(0)
    width = case.sample(rng, (2,))[0].shape[-1] if case.rows else 1
    pays = [False]
    for n in SIZES:
        pred, true = case.sample(rng, (max(n // width, 1),))
        pred = pred.astype(dtype)
        true = true.astype(dtype) if true.dtype.kind == "f" else true
        call = partial(loss.value_and_grad, pred, true)
        with config.fused(False):
            plain = _per_call(call)
        with config.fused(True):
            fused = _per_call(call)
        pays.append(horizon * (plain - fused) >= load)
        if pays[-2] and pays[-1]:
            return n // 2
    return SIZES[-1]


def _write(table: dict[tuple[str, str], int], load: float) -> None:
    table = {**_crossover.CROSSOVER, **table}
    path = ROOT / "src" / "losslab" / "losses" / "_crossover.py"
    lines = [f'    ("{name}", "{dtype}"): {n},\n' for (name, dtype), n in sorted(table.items())]
    body = "CROSSOVER: dict[tuple[str, str], int] = {\n" + "".join(lines) + "}\n"
    text = path.read_text()
    pattern = r"^CROSSOVER: dict\[tuple\[str, str\], int\] = \{(\n.*?^)?\}\n"
    text = re.sub(pattern, body, text, flags=re.S | re.M)
    text = re.sub(r"LOAD_SECONDS = [0-9.]+", f"LOAD_SECONDS = {load:.3f}", text)
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite losses/_crossover.py")
    parser.add_argument("--horizon", type=int, default=_crossover.HORIZON)
    parser.add_argument("--only", help="losses to measure again, by name, separated by commas")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else fused_losses()
    load = load_cost()
    print(f"first fused call costs {load * 1e3:.0f} ms more than a plain one (kernel cached)")
    table = {}
    for name in names:
        for dtype in (np.dtype(np.float64), np.dtype(np.float32)):
            table[name, dtype.name] = n = crossover(name, dtype, load, args.horizon)
            print(f"{name:22s} {dtype.name:8s} fused from {n:>9,d} elements", flush=True)
    if args.write:
        _write(table, load)
        print("wrote src/losslab/losses/_crossover.py")


if __name__ == "__main__":
    main()

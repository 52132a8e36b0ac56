"""The fused path allocates at most the gradient: tracemalloc on 10**6 elements.

tracemalloc counts every thread's allocations, and a test worker may still run
threads an earlier test started (a web job winding down, a progress monitor),
so the measurement runs in a fresh interpreter of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import losslab.losses as losses

_MEASURE = """
import json, sys, tracemalloc
import numpy as np
import losslab.losses as losses

name = sys.argv[1]
rng = np.random.default_rng(0)
if name == "cross_entropy":
    pred, true = rng.normal(size=(100_000, 10)), rng.integers(0, 10, 100_000)
else:
    pred, true = rng.normal(size=1_000_000), rng.integers(0, 2, 1_000_000).astype(np.float64)
loss = losses.get(name)
loss.value_and_grad(pred, true)  # load the kernel outside the measurement
out = np.empty_like(pred)
tracemalloc.start()
tracemalloc.reset_peak()
loss.value_and_grad(pred, true)
without_out = tracemalloc.get_traced_memory()[1]
tracemalloc.reset_peak()
_, grad = loss.value_and_grad(pred, true, out=out)
with_out = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"into_out": grad is out, "without_out": without_out / pred.nbytes,
                  "with_out": with_out / pred.nbytes}))
"""


@pytest.mark.parametrize("name", ["mse", "bce_with_logits", "cross_entropy"])
def test_value_and_grad_allocates_only_the_gradient(name: str) -> None:
    # Compile here first, so the fresh interpreter loads the kernel from numba's disk cache.
    rng = np.random.default_rng(1)
    if name == "cross_entropy":
        pred, true = rng.normal(size=(2**15, 10)), rng.integers(0, 10, 2**15)
    else:
        pred, true = rng.normal(size=2**18), rng.integers(0, 2, 2**18).astype(np.float64)
    losses.get(name).value_and_grad(pred, true)
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, name], capture_output=True, text=True, check=True
    )
    result = json.loads(measured.stdout)
    assert result["into_out"]
    assert result["without_out"] < 1.3  # the gradient, and nothing of its size more
    assert result["with_out"] < 0.1

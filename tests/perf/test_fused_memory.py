"""The fused path allocates at most the gradient: tracemalloc on 10**6 elements."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import losslab.losses as losses


@pytest.mark.parametrize("name", ["mse", "bce_with_logits", "cross_entropy"])
def test_value_and_grad_allocates_only_the_gradient(name: str) -> None:
    rng = np.random.default_rng(0)
    if name == "cross_entropy":
        pred, true = rng.normal(size=(100_000, 10)), rng.integers(0, 10, 100_000)
    else:
        pred, true = rng.normal(size=1_000_000), rng.integers(0, 2, 1_000_000).astype(np.float64)
    loss = losses.get(name)
    loss.value_and_grad(pred, true)  # compile (or load) outside the measurement
    out = np.empty_like(pred)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        loss.value_and_grad(pred, true)
        without_out = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        _, grad = loss.value_and_grad(pred, true, out=out)
        with_out = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert grad is out
    assert without_out < 1.3 * pred.nbytes
    assert with_out < 0.1 * pred.nbytes

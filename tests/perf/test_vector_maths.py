"""The kernels' branch-free vector maths against libm (math / NumPy), and the transcendental
losses at extreme arguments, fused against plain.

The fused path's contract is float64 agreement with the plain path to rtol 1e-12;
these functions are held to a few ulp, far tighter, so that no loss built on them
comes near that tolerance.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
import pytest

import losslab.losses as losses
from losslab import config
from losslab._kernels import scalar_math

ULP = np.finfo(np.float64).eps
TINY = np.finfo(np.float64).tiny


@nb.njit(error_model="numpy")
def _apply(which, x, out):
    for i in range(x.size):
        if which == 0:
            out[i] = scalar_math.exp(x[i])
        elif which == 1:
            out[i] = scalar_math.expm1(x[i])
        elif which == 2:
            out[i] = scalar_math.log1p(x[i])
        elif which == 3:
            out[i] = scalar_math.log(x[i])
        else:
            out[i] = scalar_math.tanh(x[i])


def _ulps(actual: np.ndarray, expected: np.ndarray) -> float:
    scale = np.maximum(np.abs(expected), TINY)
    return float(np.max(np.abs(actual - expected) / scale) / ULP)


def _run(which: int, x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    _apply(which, x, out)
    return out


def test_exp_is_within_two_ulp_and_handles_the_ends() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-745.0, 709.0, 200_000), rng.normal(size=100_000)])
    normal = np.exp(x) >= TINY
    assert _ulps(_run(0, x[normal]), np.exp(x[normal])) <= 2.0
    ends = np.array([0.0, -0.0, -1e-300, 1e-300, -745.2, -746.0, -1e4, -np.inf, 709.7, 710.0, 1e4])
    got = _run(0, ends)
    np.testing.assert_array_equal(got[[0, 1, 6, 7]], [1.0, 1.0, 0.0, 0.0])
    assert got[5] == 0.0
    assert got[4] == np.exp(-745.2)
    assert math.isclose(got[8], math.exp(709.7), rel_tol=4 * ULP)
    assert np.isinf(got[9])
    assert np.isinf(got[10])


def test_expm1_is_within_two_ulp_near_zero_and_far() -> None:
    rng = np.random.default_rng(1)
    magnitudes = np.concatenate(
        [rng.exponential(1.0, 100_000), 10.0 ** rng.uniform(-300, 0, 100_000), [59.9, 60.1, 709]]
    )
    x = np.concatenate([-magnitudes, magnitudes])
    assert _ulps(_run(1, x), np.expm1(x)) <= 2.0
    np.testing.assert_array_equal(
        _run(1, np.array([0.0, -100.0, -np.inf, 710.0, np.inf])), [0.0, -1.0, -1.0, np.inf, np.inf]
    )


def test_log_is_within_four_ulp_from_subnormals_to_the_largest_float() -> None:
    rng = np.random.default_rng(2)
    x = np.concatenate(
        [
            10.0 ** rng.uniform(-323, 308, 200_000),
            rng.uniform(0.5, 2.0, 100_000),
            [5e-324, TINY, np.nextafter(TINY, 0.0), 1.0, np.sqrt(2.0), np.finfo(np.float64).max],
        ]
    )
    assert _ulps(_run(3, x), np.log(x)) <= 4.0
    got = _run(3, np.array([0.0, np.inf, -1.0]))
    assert got[0] == -np.inf
    assert got[1] == np.inf
    assert np.isnan(got[2])


def test_log1p_is_within_four_ulp_everywhere() -> None:
    rng = np.random.default_rng(3)
    e = np.concatenate(
        [
            rng.uniform(size=100_000),
            10.0 ** rng.uniform(-320, 308, 100_000),
            -(10.0 ** rng.uniform(-320, -1e-9, 100_000)),
            [0.0, 1.0, 5e-324, np.sqrt(2.0) - 1.0, np.nextafter(np.sqrt(2.0) - 1.0, 1.0)],
        ]
    )
    assert _ulps(_run(2, e), np.log1p(e)) <= 4.0
    got = _run(2, np.array([-1.0, np.inf]))
    assert got[0] == -np.inf
    assert got[1] == np.inf


def test_tanh_is_within_four_ulp() -> None:
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.normal(scale=3.0, size=100_000), 10.0 ** rng.uniform(-300, 3, 100_000)])
    x = np.concatenate([x, -x, [0.0, 1e308]])
    assert _ulps(_run(4, x), np.tanh(x)) <= 4.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("name", "params"),
    [("bce_with_logits", {"pos_weight": 2.0}), ("focal", {}), ("focal", {"gamma": 0.0}),
     ("log_cosh", {}), ("poisson_nll", {})],
)  # fmt: skip
def test_transcendental_losses_at_extreme_arguments(name, params, dtype) -> None:
    edges = [0.0, -0.0, 1e-300, 1e-20, 1e-8, 0.5, 0.999999, 1.0, 1.000001, 2.0, 19.0, 20.0,
             36.0, 37.0, 40.0, 300.0, 700.0, 745.0, 800.0]  # fmt: skip
    z = np.array(edges + [-v for v in edges])
    if name == "poisson_nll":
        z = np.clip(z, -700.0, 80.0)
    t = np.zeros_like(z) if name == "log_cosh" else np.tile([0.0, 1.0], z.size // 2 + 1)[: z.size]
    if name == "poisson_nll":
        t = np.tile([0.0, 3.0], z.size // 2 + 1)[: z.size]
    z, t = z.astype(dtype), t.astype(dtype)
    loss = losses.get(name, **params)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    for op in ("value_and_grad", "hess"):
        for reduction in ("none", "sum"):
            got = getattr(loss, op)(z, t, reduction=reduction)
            with config.fused(False):
                expected = getattr(loss, op)(z, t, reduction=reduction)
            pairs = zip(got, expected, strict=True) if isinstance(got, tuple) else [(got, expected)]
            for a, b in pairs:
                a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
                np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.max(np.abs(b)))

"""Arrays in, the same kind of arrays out (DESIGN.md): array_api_strict, torch, dtypes.

The reference is the same loss on NumPy float64 arrays; array_api_strict checks that only
the standard array API is used, and torch CPU tensors that a real second library works.
"""

from __future__ import annotations

import numpy as np
import pytest

REDUCTIONS = ("mean", "sum", "none")


def _functions(case):
    loss = case.loss
    yield "value", loss
    yield "grad", loss.grad
    yield "hess", loss.hess
    if case.rows:
        yield "full", lambda *a, **k: loss.hess(*a, full=True, **k)


def test_array_api_strict_in_and_out(case, rng, require):
    xps = require("array_api_strict")
    y_pred, y_true = case.sample(rng, (5,))
    w = rng.uniform(0.5, 2.0, case.example_shape(y_pred))
    for label, f in _functions(case):
        for reduction in REDUCTIONS:
            want = np.asarray(f(y_pred, y_true, weights=w, reduction=reduction))
            got = f(
                xps.asarray(y_pred),
                xps.asarray(y_true),
                weights=xps.asarray(w),
                reduction=reduction,
            )
            assert type(got).__module__.startswith("array_api_strict"), (label, type(got))
            assert got.dtype == xps.float64
            np.testing.assert_allclose(np.asarray(got), want, rtol=1e-13, atol=1e-300)
        # and without weights
        got = f(xps.asarray(y_pred), xps.asarray(y_true))
        np.testing.assert_allclose(np.asarray(got), np.asarray(f(y_pred, y_true)), rtol=1e-13)


def test_torch_tensors_in_and_out(case, rng, require):
    torch = require("torch")
    y_pred, y_true = case.sample(rng, (5,))
    w = rng.uniform(0.5, 2.0, case.example_shape(y_pred))
    for label, f in _functions(case):
        for reduction in REDUCTIONS:
            want = np.asarray(f(y_pred, y_true, weights=w, reduction=reduction))
            got = f(
                torch.from_numpy(y_pred),
                torch.from_numpy(y_true),
                weights=torch.from_numpy(w),
                reduction=reduction,
            )
            assert isinstance(got, torch.Tensor), (label, type(got))
            assert got.dtype == torch.float64
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("library", ["numpy", "torch", "array_api_strict"])
def test_float32_stays_float32(case, rng, require, library):
    y_pred, y_true = case.sample(rng, (5,))
    w = rng.uniform(0.5, 2.0, case.example_shape(y_pred)).astype(np.float32)
    y_pred32 = y_pred.astype(np.float32)
    y_true32 = y_true.astype(np.float32) if y_true.dtype.kind == "f" else y_true
    if library == "numpy":
        wrap, f32 = np.asarray, np.float32
    elif library == "torch":
        torch = require("torch")
        wrap, f32 = torch.from_numpy, torch.float32
    else:
        xps = require("array_api_strict")
        wrap, f32 = xps.asarray, xps.float32
    for label, f in _functions(case):
        for reduction in REDUCTIONS:
            for weights in (None, wrap(w)):
                got = f(wrap(y_pred32), wrap(y_true32), weights=weights, reduction=reduction)
                assert got.dtype == f32, (label, reduction, weights is None, got.dtype)
                want = np.asarray(
                    f(
                        y_pred32.astype(np.float64),
                        y_true,
                        reduction=reduction,
                        weights=None if weights is None else w.astype(np.float64),
                    )
                )
                np.testing.assert_allclose(np.asarray(got), want, rtol=2e-5, atol=1e-5)


def test_integer_inputs_promote_to_float64(case, rng):
    y_pred, y_true = case.sample(rng, (5,))
    if case.y_pred_kind == "probability":
        y_pred = (y_pred > 0.5).astype(np.int64)  # probabilities 0 and 1 as integers
    else:
        y_pred = np.round(y_pred).astype(np.int64)
    if y_true.dtype.kind == "f" and np.all(y_true == np.round(y_true)):
        y_true = y_true.astype(np.int64)
    w = np.ones(case.example_shape(y_pred), dtype=np.int64)
    for label, f in _functions(case):
        for reduction in REDUCTIONS:
            got = f(y_pred, y_true, weights=w, reduction=reduction)
            assert got.dtype == np.float64, (label, reduction, got.dtype)
            want = f(y_pred.astype(np.float64), y_true, reduction=reduction)
            np.testing.assert_allclose(got, want, rtol=1e-15)


def test_python_lists_are_accepted(case, rng):
    y_pred, y_true = case.sample(rng, (3,))
    got = case.loss(y_pred.tolist(), y_true.tolist(), reduction="none")
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got, case.loss(y_pred, y_true, reduction="none"))


def test_inputs_are_not_modified(case, rng):
    y_pred, y_true = case.sample(rng, (4,))
    w = rng.uniform(0.5, 2.0, case.example_shape(y_pred))
    copies = (y_pred.copy(), y_true.copy(), w.copy())
    for _, f in _functions(case):
        f(y_pred, y_true, weights=w)
    for before, after in zip(copies, (y_pred, y_true, w), strict=True):
        np.testing.assert_array_equal(before, after)

"""Exact Hessian-vector products, ``Loss.hvp``, for every Case.

``hvp(y_pred, y_true, v)`` is the Hessian of what the call returns (the reduced
loss) times ``v``, of ``y_pred``'s shape. It is checked against central
differences of ``grad`` along ``v``, against PyTorch's double backward of the
torch formulas of ``test_reference_torch.py``, and, for losses on rows, against
the K x K blocks of ``hess(full=True)``. Reduction ``"none"`` gives the product
with the Hessian of the per-example losses' sum (each example's own Hessian
times its part of ``v``, as ``grad`` and ``hess`` do for ``"none"``); losses of
a whole batch (:class:`~losslab.losses.Whole`) have no per-example values and
refuse it.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_reference_torch import _t, torch_reduced

import losslab.losses as losses

H = 1e-3


def _whole(case) -> bool:
    return issubclass(losses.definition(case.name), losses.Whole)


def _weights(case, rng, y_pred):
    shape = y_pred.shape if _whole(case) else case.example_shape(y_pred)
    return rng.uniform(0.2, 3.0, shape)


def _point(case, rng, weighted):
    y_pred, y_true = case.smooth_sample(rng, (4,))
    v = rng.normal(0.0, 1.0, y_pred.shape)
    return y_pred, y_true, v, _weights(case, rng, y_pred) if weighted else None


@pytest.fixture(scope="module")
def torch(require):
    torch = require("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(previous)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_hvp_is_the_derivative_of_the_gradient_along_v(case, rng, reduction, weighted):
    y_pred, y_true, v, w = _point(case, rng, weighted)
    loss = case.loss

    def grad(x):
        return np.asarray(loss.grad(x, y_true, weights=w, reduction=reduction))

    # 4th-order central difference, error O(H^4); every step stays 0.02 from a kink.
    step = H / max(1.0, float(np.max(np.abs(v))))
    numeric = (
        grad(y_pred - 2 * step * v)
        - 8 * grad(y_pred - step * v)
        + 8 * grad(y_pred + step * v)
        - grad(y_pred + 2 * step * v)
    ) / (12 * step)
    ours = np.asarray(loss.hvp(y_pred, y_true, v, weights=w, reduction=reduction))
    assert ours.shape == y_pred.shape
    # Rounding leaves ~1e-16 |grad| / step in the differences (where the Hessian is 0, all).
    scale = max(float(np.max(np.abs(numeric))), float(np.max(np.abs(grad(y_pred))))) + 1e-300
    np.testing.assert_allclose(ours, numeric, rtol=1e-6, atol=1e-8 * scale)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_hvp_matches_torch_double_backward(case, rng, torch, reduction):
    if _whole(case) and reduction == "none":
        reduction = "sum"  # refused, see test_hvp_reduction_none
    y_pred, y_true, v, w = _point(case, rng, weighted=True)
    z = _t(torch, y_pred).requires_grad_(True)
    total = torch_reduced(torch, case, z, _t(torch, y_true), _t(torch, w), reduction, y_true).sum()
    (g,) = torch.autograd.grad(total, z, create_graph=True)
    if g.requires_grad:
        (hv,) = torch.autograd.grad((g * _t(torch, v)).sum(), z, allow_unused=True)
        reference = np.zeros_like(y_pred) if hv is None else hv.detach().numpy(force=True)
    else:  # a piecewise linear loss: the gradient does not depend on z
        reference = np.zeros_like(y_pred)
    ours = case.loss.hvp(y_pred, y_true, v, weights=w, reduction=reduction)
    scale = float(np.max(np.abs(reference))) + 1e-300
    np.testing.assert_allclose(ours, reference, rtol=1e-9, atol=1e-12 * scale)


@pytest.mark.loss_cases(where=lambda c: c.rows)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_hvp_is_the_full_hessian_blocks_times_v(case, rng, reduction):
    y_pred, y_true = case.sample(rng, (6,))
    v = rng.normal(0.0, 1.0, y_pred.shape)
    w = _weights(case, rng, y_pred)
    loss = case.loss
    blocks = np.asarray(loss.hess(y_pred, y_true, weights=w, reduction=reduction, full=True))
    expected = np.einsum("...ij,...j->...i", blocks, v)
    ours = loss.hvp(y_pred, y_true, v, weights=w, reduction=reduction)
    np.testing.assert_allclose(ours, expected, rtol=1e-13, atol=1e-15 * np.max(np.abs(expected)))


def test_hvp_of_elementwise_losses_is_the_hessian_diagonal_times_v(case, rng):
    if case.rows or _whole(case):
        return  # rows: the blocks, above; whole batches: central differences and torch
    y_pred, y_true = case.sample(rng, (6,))
    v = rng.normal(0.0, 1.0, y_pred.shape)
    w = _weights(case, rng, y_pred)
    loss = case.loss
    for reduction in ("mean", "sum", "none"):
        np.testing.assert_allclose(
            loss.hvp(y_pred, y_true, v, weights=w, reduction=reduction),
            loss.hess(y_pred, y_true, weights=w, reduction=reduction) * v,
            rtol=1e-14,
            atol=1e-300,
        )


def test_hvp_reduction_none(case, rng):
    y_pred, y_true = case.sample(rng, (5,))
    v = rng.normal(0.0, 1.0, y_pred.shape)
    w = _weights(case, rng, y_pred)
    loss = case.loss
    if _whole(case):
        with pytest.raises(ValueError, match="reduction='none'"):
            loss.hvp(y_pred, y_true, v, weights=w, reduction="none")
        # "mean" and "sum" both give the loss of the batch.
        np.testing.assert_array_equal(
            loss.hvp(y_pred, y_true, v, weights=w, reduction="mean"),
            loss.hvp(y_pred, y_true, v, weights=w, reduction="sum"),
        )
        return
    # Each example's Hessian times its own part of v: the Hessian of the sum, times v.
    none = loss.hvp(y_pred, y_true, v, weights=w, reduction="none")
    np.testing.assert_array_equal(none, loss.hvp(y_pred, y_true, v, weights=w, reduction="sum"))
    # ... and example by example, each alone.
    # (Rounding: a row's product sums K terms, which may cancel; hence the absolute floor.)
    scale = float(np.max(np.abs(none)))
    for i in range(len(y_pred)):
        alone = loss.hvp(y_pred[i : i + 1], y_true[i : i + 1], v[i : i + 1], reduction="none")
        np.testing.assert_allclose(
            none[i : i + 1], w[i] * np.asarray(alone), rtol=1e-13, atol=1e-15 * scale
        )
    # mean = sum / what the mean divides by
    np.testing.assert_allclose(
        loss.hvp(y_pred, y_true, v, weights=w, reduction="mean"),
        np.asarray(none) / case.mean_normalizer(y_true, w),
        rtol=1e-13,
        atol=1e-300,
    )


def test_hvp_float32(case, rng):
    y_pred, y_true = case.smooth_sample(rng, (5,))
    v = rng.normal(0.0, 1.0, y_pred.shape)
    w = _weights(case, rng, y_pred)
    y_true32 = y_true.astype(np.float32) if y_true.dtype.kind == "f" else y_true
    loss = case.loss
    reference = np.asarray(loss.hvp(y_pred, y_true, v, weights=w))
    ours = loss.hvp(y_pred.astype(np.float32), y_true32, v.astype(np.float32), weights=w)
    assert ours.dtype == np.float32
    scale = float(np.max(np.abs(reference))) + 1e-30
    # float32 inputs are rounded, then computed in float64: a few float32 ulps of the inputs.
    np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-5 * scale)


def test_hvp_checks_v(case, rng):
    y_pred, y_true = case.sample(rng, (5,))
    loss = case.loss
    wrong = np.ones((*y_pred.shape[:-1], y_pred.shape[-1] + 1))
    with pytest.raises(ValueError, match=r"\bv\b.*shape"):
        loss.hvp(y_pred, y_true, wrong)
    with pytest.raises(ValueError, match=r"\bv\b.*shape"):
        loss.hvp(y_pred, y_true, np.ones(3))
    bad = np.ones(y_pred.shape)
    bad.flat[1] = np.nan
    with pytest.raises(ValueError, match=r"\bv\b"):
        loss.hvp(y_pred, y_true, bad)
    # A list works like an array.
    np.testing.assert_array_equal(
        loss.hvp(y_pred, y_true, np.ones(y_pred.shape).tolist()),
        loss.hvp(y_pred, y_true, np.ones(y_pred.shape)),
    )


def test_hvp_is_linear_in_v(case, rng):
    y_pred, y_true = case.smooth_sample(rng, (5,))
    u, v = rng.normal(0.0, 1.0, (2, *y_pred.shape))
    loss = case.loss
    combined = loss.hvp(y_pred, y_true, 2.0 * u - 3.0 * v)
    separate = 2.0 * np.asarray(loss.hvp(y_pred, y_true, u)) - 3.0 * np.asarray(
        loss.hvp(y_pred, y_true, v)
    )
    scale = float(np.max(np.abs(separate))) + 1e-300
    np.testing.assert_allclose(combined, separate, rtol=1e-12, atol=1e-14 * scale)

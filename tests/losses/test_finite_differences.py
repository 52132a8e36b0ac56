"""Gradients and Hessians against 4th-order central differences, float64.

Reference: f'(x) ~ (f(x - 2h) - 8 f(x - h) + 8 f(x + h) - f(x + 2h)) / (12 h), error O(h^4),
applied to the loss (for the gradient) and to the gradient (for the Hessian), one
coordinate of y_pred at a time, at random points at least 0.02 away from every kink.
"""

from __future__ import annotations

import numpy as np
import pytest

H = 1e-3


def central_difference(f, x, h=H):
    """Derivative of f (array-valued) along every coordinate of x: shape x.shape + f(x).shape."""
    out = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        e = e.reshape(x.shape)
        out.append(
            (
                np.asarray(f(x - 2 * e))
                - 8 * np.asarray(f(x - e))
                + 8 * np.asarray(f(x + e))
                - np.asarray(f(x + 2 * e))
            )
            / (12 * h)
        )
    return np.stack(out).reshape(*x.shape, *np.shape(f(x)))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_gradient_is_derivative_of_loss(case, rng, reduction, weighted):
    y_pred, y_true = case.smooth_sample(rng)
    w = rng.uniform(0.2, 3.0, case.example_shape(y_pred)) if weighted else None
    loss = case.loss
    numeric = central_difference(lambda z: loss(z, y_true, weights=w, reduction=reduction), y_pred)
    np.testing.assert_allclose(
        loss.grad(y_pred, y_true, weights=w, reduction=reduction), numeric, rtol=1e-7, atol=1e-9
    )


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_hessian_is_derivative_of_gradient(case, rng, reduction, weighted):
    y_pred, y_true = case.smooth_sample(rng)
    w = rng.uniform(0.2, 3.0, case.example_shape(y_pred)) if weighted else None
    loss = case.loss
    # numeric[i..., j...] = d grad[j...] / d y_pred[i...]
    numeric = central_difference(
        lambda z: loss.grad(z, y_true, weights=w, reduction=reduction), y_pred
    )
    n = y_pred.size
    numeric = numeric.reshape(n, n)
    hess = loss.hess(y_pred, y_true, weights=w, reduction=reduction)
    np.testing.assert_allclose(hess.reshape(n), np.diagonal(numeric), rtol=1e-7, atol=1e-9)
    if case.rows:
        full = loss.hess(y_pred, y_true, weights=w, reduction=reduction, full=True)
        rows, k = y_pred.shape
        blocks = numeric.reshape(rows, k, rows, k)
        for i in range(rows):
            np.testing.assert_allclose(full[i], blocks[i, :, i, :], rtol=1e-7, atol=1e-9)
            off = np.delete(blocks[i], i, axis=1)
            np.testing.assert_allclose(off, 0.0, atol=1e-9)
    else:
        np.testing.assert_allclose(numeric - np.diag(np.diagonal(numeric)), 0.0, atol=1e-9)


def test_bce_gradient_near_the_clip_region():
    # Probabilities within 1e-3 of 0 and 1 are still interior for float64 clipping at eps.
    import losslab.losses as losses

    p = np.array([1e-3, 0.999, 0.02, 0.98])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    numeric = central_difference(lambda z: losses.bce(z, y, reduction="sum"), p, h=1e-6)
    np.testing.assert_allclose(losses.bce_grad(p, y, reduction="sum"), numeric, rtol=1e-6)

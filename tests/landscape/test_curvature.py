"""Curvature: HVPs against autograd and exact formulas, Lanczos, Hutchinson, classification."""

import numpy as np
import pytest
import torch

from losslab import datasets
from losslab.landscape import (
    Objective,
    classify_point,
    extreme_eigenvalues,
    flatten,
    hessian,
    hutchinson_trace,
)
from losslab.models import MLP, LinearRegression, LogisticRegression, SoftmaxRegression


def _torch_hessian(model, X, y, theta):
    """Full Hessian of the mean bce_with_logits of a 1-hidden-layer tanh MLP, by torch autograd."""
    d, h = model.params["W1"].shape
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def f(t):
        W1 = t[: d * h].reshape(d, h)
        b1 = t[d * h : d * h + h]
        W2 = t[d * h + h : d * h + 2 * h].reshape(h, 1)
        b2 = t[-1]
        z = (torch.tanh(Xt @ W1 + b1) @ W2)[:, 0] + b2
        return torch.nn.functional.binary_cross_entropy_with_logits(z, yt)

    return torch.autograd.functional.hessian(f, torch.tensor(theta)).numpy()


def test_finite_difference_hvp_matches_autograd_and_error_is_second_order():
    data = datasets.xor(n_samples=40, seed=0)
    model = MLP(2, (3,), seed=0)
    y = data.y.astype(float)
    obj = Objective(model, "bce_with_logits", data.X, y)
    theta = flatten(model.params) + 0.3
    exact = _torch_hessian(model, data.X, y, theta)
    H = hessian(obj, theta)
    # Default step ~ eps^(1/3): rounding and truncation both near 1e-10 relative.
    assert np.abs(H - exact).max() <= 1e-8 * np.abs(exact).max()
    # With steps large enough that truncation dominates, halving h quarters the error (O(h²)).
    v = np.random.default_rng(0).standard_normal(theta.size)
    errors = [
        np.linalg.norm(obj.hvp_finite_difference(theta, v, h) - exact @ v) for h in (0.04, 0.02)
    ]
    assert 3.0 < errors[0] / errors[1] < 5.0


@pytest.mark.parametrize("loss", ["bce_with_logits", "log_cosh"])
def test_exact_linear_hessian_matches_finite_differences(loss):
    data = datasets.blobs(n_samples=50, seed=0)
    if loss == "log_cosh":
        model, y = LinearRegression(2, init="glorot", seed=1), data.X[:, 0] - data.X[:, 1]
    else:
        model, y = LogisticRegression(2, head="identity", init="glorot", seed=1), data.y
    obj = Objective(model, loss, data.X, y)
    assert obj.exact_hvp
    theta = obj.theta0
    fd = np.stack([obj.hvp_finite_difference(theta, e) for e in np.eye(3)], axis=1)
    np.testing.assert_allclose(hessian(obj, theta), fd, rtol=1e-6, atol=1e-9)


def test_exact_softmax_hessian_matches_finite_differences():
    data = datasets.blobs_multiclass(n_samples=30, seed=0)
    model = SoftmaxRegression(data.n_features, data.n_classes, init="glorot", seed=0)
    obj = Objective(model, "cross_entropy", data.X, data.y)
    p = obj.n_params
    fd = np.stack([obj.hvp_finite_difference(obj.theta0, e) for e in np.eye(p)], axis=1)
    np.testing.assert_allclose(hessian(obj, obj.theta0), fd, rtol=1e-6, atol=1e-9)


def test_lanczos_extremes_match_dense_eigenvalues():
    data = datasets.xor(n_samples=60, seed=1)
    obj = Objective(MLP(2, (5,), seed=2), "bce_with_logits", data.X, data.y)
    theta = obj.theta0
    dense = np.linalg.eigvalsh(hessian(obj, theta))
    eig = extreme_eigenvalues(obj, theta, k=2)
    assert eig.method == "lanczos"
    np.testing.assert_allclose(eig.smallest, dense[:2], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(eig.largest, dense[::-1][:2], rtol=1e-6, atol=1e-9)


def test_hutchinson_trace_within_four_standard_errors():
    data = datasets.xor(n_samples=60, seed=1)
    obj = Objective(MLP(2, (5,), seed=2), "bce_with_logits", data.X, data.y)
    exact = float(np.trace(hessian(obj, obj.theta0)))
    est = hutchinson_trace(obj, obj.theta0, n_probes=64, seed=0)
    assert est.stderr > 0
    assert abs(est.estimate - exact) < 4 * est.stderr  # 4 sigma: fails ~6e-5 of seeds


def test_hutchinson_stratified_over_chunks_of_rows():
    data = datasets.xor(n_samples=60, seed=1)
    obj = Objective(MLP(2, (5,), seed=2), "bce_with_logits", data.X, data.y, weight_decay=0.01)
    theta = obj.theta0
    exact = float(np.trace(hessian(obj, theta)))
    # The chunk Hessians weighted by their row counts sum to the Hessian (7 chunks of 8-9 rows).
    vectors = np.random.default_rng(0).standard_normal((2, obj.n_params))
    parts = list(obj.hvp_chunks(theta, 7))
    assert [n for n, _ in parts] == [9, 9, 9, 9, 8, 8, 8]
    summed = sum(n * product(vectors) for n, product in parts) / 60
    np.testing.assert_allclose(summed, [obj.hvp(theta, v) for v in vectors], rtol=1e-6, atol=1e-8)
    plain = hutchinson_trace(obj, theta, n_probes=64, seed=0)
    stratified = hutchinson_trace(obj, theta, n_probes=64, seed=0, chunks=6)
    assert (plain.chunks, stratified.chunks) == (1, 6)
    assert abs(stratified.estimate - exact) < 4 * stratified.stderr
    # The default is one chunk for losslab's objectives: the plain estimator, unchanged.
    assert hutchinson_trace(obj, theta, n_probes=64, seed=0, chunks=1) == plain
    with pytest.raises(ValueError, match=r"^chunks must be at most the number of rows"):
        hutchinson_trace(obj, theta, chunks=61)


def test_hutchinson_on_an_objective_without_chunks():
    class Quadratic:
        """``L(θ) = ½ θᵀ A θ``: only ``hvp``."""

        n_params = 3
        A = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 1.0]])

        def check_theta(self, theta, name="theta"):
            return np.asarray(theta, dtype=np.float64)

        def hvp(self, theta, v):
            return self.A @ v

    est = hutchinson_trace(Quadratic(), np.zeros(3), n_probes=400)
    assert abs(est.estimate - 6.0) < 4 * est.stderr
    with pytest.raises(ValueError, match=r"^chunks=2 needs an objective with hvp_chunks"):
        hutchinson_trace(Quadratic(), np.zeros(3), chunks=2)


def test_hutchinson_is_exact_for_a_diagonal_hessian():
    X = np.array([[1.0], [-1.0]])  # X̃ᵀX̃ = diag(2, 2): Rademacher terms all equal tr H
    obj = Objective(LinearRegression(1), "mse", X, np.zeros(2))
    est = hutchinson_trace(obj, obj.theta0, n_probes=8)
    assert est.estimate == pytest.approx(4.0)
    assert est.stderr == pytest.approx(0.0, abs=1e-12)


def test_classify_point_kinds():
    X = np.array([[1.0], [2.0], [3.0]])
    y = np.array([1.0, 2.0, 3.0])
    obj = Objective(LinearRegression(1), "mse", X, y)
    assert classify_point(obj, np.array([1.0, 0.0])).kind == "minimum"
    assert classify_point(obj, np.array([0.0, 0.0])).kind == "sloped"
    with pytest.raises(ValueError, match="grad_tol must be >= 0"):
        classify_point(obj, np.zeros(2), grad_tol=-1.0)
    with pytest.raises(ValueError, match=r"theta must have shape \(2,\)"):
        classify_point(obj, np.zeros(3))

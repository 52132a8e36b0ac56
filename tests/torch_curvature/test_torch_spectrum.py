"""The landscape's curvature tools on a torch objective, against the exact Hessian.

The exact Hessian comes from ``torch.autograd.functional.hessian`` on a
float64 copy of the module; its eigenvalues from ``numpy.linalg.eigvalsh``.
"""

import numpy as np
import pytest
from curvature_reference import F, classification, exact_hessian, mlp, torch

from losslab import datasets
from losslab.landscape import (
    Objective as LosslabObjective,
)
from losslab.landscape import (
    classify_point,
    extreme_eigenvalues,
    hessian,
    hessian_directions,
    hutchinson_trace,
    lanczos,
    spectral_density,
    top_eigenvalues,
)
from losslab.models import MLP
from losslab.torch import Objective


@pytest.fixture(scope="module")
def problem():
    model = mlp()
    X, y = classification()
    obj = Objective(model, F.cross_entropy, (X, y), dtype=torch.float64)
    H = exact_hessian(model, F.cross_entropy, X, y)
    return obj, H, np.linalg.eigvalsh(H)


def test_extreme_eigenvalues_and_directions(problem):
    obj, _, eigs = problem
    eig = extreme_eigenvalues(obj, obj.theta0, k=2)
    np.testing.assert_allclose(eig.largest, eigs[::-1][:2], rtol=1e-8)
    np.testing.assert_allclose(eig.smallest, eigs[:2], rtol=1e-8)
    vectors, values = hessian_directions(obj, obj.theta0)
    np.testing.assert_allclose(values, [eigs[-1], eigs[0]], rtol=1e-8)
    np.testing.assert_allclose(obj.hvp(obj.theta0, vectors[0]), eigs[-1] * vectors[0], atol=1e-8)


def test_classify_point_finds_a_minimum_of_a_convex_problem():
    torch.manual_seed(0)
    X = torch.randn(50, 3, dtype=torch.float64)
    y = X @ torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64) + 0.3
    model = torch.nn.Linear(3, 1).double()
    obj = Objective(model, "mse", (X, y))
    # The least-squares solution, from numpy: a minimum of a strictly convex bowl.
    A = np.hstack([X.numpy(), np.ones((50, 1))])
    solution = np.linalg.lstsq(A, y.numpy(), rcond=None)[0]
    result = classify_point(obj, solution)
    assert result.kind == "minimum"
    assert not result.degenerate
    assert classify_point(obj, solution + 1.0).kind == "sloped"


def test_top_eigenvalues_by_lanczos_and_by_power_iteration_with_deflation(problem):
    obj, _, eigs = problem
    top = top_eigenvalues(obj, obj.theta0, k=3, tol=1e-10)
    assert top.converged
    np.testing.assert_allclose(top.values, eigs[::-1][:3], rtol=1e-8)
    for value, vector in zip(top.values, top.vectors, strict=True):
        np.testing.assert_allclose(obj.hvp(obj.theta0, vector), value * vector, atol=1e-7)
    power = top_eigenvalues(obj, obj.theta0, k=2, method="power", tol=1e-10, max_steps=5000)
    by_magnitude = eigs[np.argsort(-np.abs(eigs))][:2]
    np.testing.assert_allclose(power.values, by_magnitude, rtol=1e-4)
    assert power.n_products > top.n_products  # Lanczos needs fewer products
    # PyHessian's stopping rule applied to the Ritz values.
    change = top_eigenvalues(obj, obj.theta0, k=2, tol=1e-6, criterion="change")
    assert change.converged
    np.testing.assert_allclose(change.values, eigs[::-1][:2], rtol=1e-5)
    with pytest.raises(ValueError, match="criterion must be"):
        top_eigenvalues(obj, obj.theta0, criterion="gap")


def test_top_eigenvalues_of_a_losslab_model_too():
    data = datasets.xor(n_samples=40, seed=0)
    obj = LosslabObjective(MLP(2, (4,), seed=0), "bce_with_logits", data.X, data.y)
    eigs = np.linalg.eigvalsh(hessian(obj, obj.theta0))
    top = top_eigenvalues(obj, obj.theta0, k=2, tol=1e-8)
    np.testing.assert_allclose(top.values, eigs[::-1][:2], rtol=1e-5)


def test_hutchinson_trace_within_its_standard_error(problem):
    obj, H, _ = problem
    estimate = hutchinson_trace(obj, obj.theta0, n_probes=400, seed=1)
    assert abs(estimate.estimate - np.trace(H)) <= 4 * estimate.stderr
    assert estimate.stderr < 0.1 * abs(np.trace(H))


def _paper_lanczos(H, v, m):
    """Lanczos with full reorthogonalisation (Ghorbani et al. 2019, Alg. 1), then Gauss weights.

    Written out from the paper: q₁ = v/‖v‖; w = H q_j − α_j q_j − β_{j−1} q_{j−1},
    reorthogonalised against all q; T = tridiag(α, β) = U diag(λ) Uᵀ; nodes λ_i,
    weights τ_i = (e₁ᵀ u_i)².
    """
    Q = [v / np.linalg.norm(v)]
    alpha, beta = [], []
    for j in range(m):
        w = H @ Q[j]
        alpha.append(Q[j] @ w)
        w = w - alpha[j] * Q[j] - (beta[j - 1] * Q[j - 1] if j else 0.0)
        for _ in range(2):
            w = w - np.array(Q).T @ (np.array(Q) @ w)
        beta.append(np.linalg.norm(w))
        Q.append(w / beta[j])
    T = np.diag(alpha) + np.diag(beta[:-1], 1) + np.diag(beta[:-1], -1)
    nodes, U = np.linalg.eigh(T)
    return nodes, U[0] ** 2


def test_lanczos_quadrature_matches_the_papers_algorithm_and_the_moments(problem):
    obj, H, _ = problem
    m = 12
    probes = np.random.default_rng(5).choice((-1.0, 1.0), size=(3, obj.n_params))
    runs = lanczos(obj, obj.theta0, probes, m)
    for v, run in zip(probes, runs, strict=True):
        nodes, weights = run.quadrature()
        ref_nodes, ref_weights = _paper_lanczos(H, v, m)
        np.testing.assert_allclose(nodes, ref_nodes, atol=1e-8 * np.abs(ref_nodes).max())
        np.testing.assert_allclose(weights, ref_weights, atol=1e-7)
        assert weights.sum() == pytest.approx(1.0)
        # Gauss quadrature is exact up to degree 2m − 1: Σ w θ^k = vᵀ H^k v / vᵀv.
        u = v / np.linalg.norm(v)
        power = u.copy()
        for k in range(1, 2 * m):
            power = H @ power
            assert weights @ nodes**k == pytest.approx(u @ power, rel=1e-6, abs=1e-12), k


def test_spectral_density_against_the_exact_eigenvalue_histogram(problem):
    obj, _, eigs = problem
    p = obj.n_params
    density = spectral_density(obj, obj.theta0, n_steps=p, n_probes=16, n_bins=2000, seed=2)
    assert density.n_products <= 16 * p
    # Each probe's quadrature is exact for these moments; what is left is Monte Carlo error.
    per_probe = {
        k: np.nansum(density.weights * np.nan_to_num(density.nodes) ** k, axis=1) for k in (1, 2)
    }
    for k, values in per_probe.items():
        exact = np.mean(eigs**k)
        stderr = values.std(ddof=1) / np.sqrt(values.size)
        assert density.moment(k) == pytest.approx(values.mean())
        assert abs(values.mean() - exact) <= 4 * stderr + 1e-12, k
    # The smoothed density against the exact eigenvalues under the same kernel.
    grid, s2 = density.grid, density.sigma_squared
    exact = np.exp(-((grid[:, None] - eigs[None, :]) ** 2) / (2 * s2)).sum(axis=1)
    exact /= exact.sum() * (grid[1] - grid[0])
    step = grid[1] - grid[0]
    assert np.sum(density.density) * step == pytest.approx(1.0)
    # Measured 0.22 with these 16 probes (0.12 with 30): the weights' Monte Carlo error.
    assert np.abs(density.density - exact).sum() * step < 0.35
    # With m = P every node is an exact eigenvalue (fewer nodes where eigenvalues repeat).
    scale = np.abs(eigs).max()
    for row in density.nodes:
        nodes = row[~np.isnan(row)]
        assert np.abs(nodes[:, None] - eigs[None, :]).min(axis=1).max() <= 1e-7 * scale


def test_spectral_density_follows_the_kernel_formula():
    torch.manual_seed(3)
    X = torch.randn(40, 3, dtype=torch.float64)
    y = torch.randn(40, dtype=torch.float64)
    obj = Objective(torch.nn.Linear(3, 1).double(), "mse", (X, y))
    d = spectral_density(obj, obj.theta0, n_steps=4, n_probes=2, n_bins=50, sigma_squared=1e-3)
    width = np.mean(np.nanmax(d.nodes, 1)) - np.mean(np.nanmin(d.nodes, 1)) + 0.02
    assert d.sigma_squared == pytest.approx(1e-3 * max(1.0, width))
    raw = sum(
        np.sum(w * np.exp(-((d.grid[:, None] - n) ** 2) / (2 * d.sigma_squared)), axis=1)
        for n, w in zip(d.nodes, d.weights, strict=True)
    )
    np.testing.assert_allclose(d.density, raw / (raw.sum() * (d.grid[1] - d.grid[0])), rtol=1e-10)
    with pytest.raises(ValueError, match="n_probes must be"):
        spectral_density(obj, obj.theta0, n_probes=0)
    with pytest.raises(ValueError, match="method must be"):
        top_eigenvalues(obj, obj.theta0, method="arnoldi")

"""losslab against PyHessian (Yao et al., 2020) on the same module and data.

PyHessian 0.1 (the PyPI release) runs ``eigenvalues`` and ``trace`` on
current torch. Its ``density`` does not: it diagonalises the Lanczos matrix
with ``torch.eig``, removed in torch 1.9, and raises a RuntimeError on torch
2.x. For the density, then, losslab is compared with the algorithm of the
paper PyHessian implements (Ghorbani, Krishnan & Xiao, 2019: Lanczos from a
normalised Rademacher probe, nodes and squared first components of the
eigenvectors of ``T``, Gaussian kernel ``σ² = 1e-5 · max(1, width)``, grid
widened by 0.01 and the density normalised on it), written out below on the
exact Hessian.
"""

import warnings

import numpy as np
import pytest
from curvature_reference import F, classification, exact_hessian, mlp, require, torch

from losslab.landscape import hutchinson_trace, lanczos, spectral_density, top_eigenvalues
from losslab.torch import Objective

pyhessian = require("pyhessian")


def _pyhessian(model, X, y):
    """PyHessian on one batch, with the module's ``.grad`` cleared first.

    PyHessian builds its gradient by ``loss.backward(create_graph=True)``,
    which adds to whatever ``.grad`` holds: a second instance on the same
    module would see twice the gradient, hence twice the Hessian. Its use of
    ``backward(create_graph=True)`` also makes torch warn of a reference cycle.
    """
    model.zero_grad(set_to_none=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*create_graph=True.*", category=UserWarning)
        return pyhessian.hessian(model, F.cross_entropy, data=(X, y), cuda=False)


@pytest.fixture(scope="module")
def problem():
    model = mlp(seed=11)
    X, y = classification(seed=11)
    H = exact_hessian(model, F.cross_entropy, X, y)
    return model, X, y, H, np.linalg.eigvalsh(H)


def test_top_eigenvalues_agree_with_pyhessian(problem):
    model, X, y, _, eigs = problem
    obj = Objective(model, F.cross_entropy, (X, y))
    torch.manual_seed(0)
    peer = _pyhessian(model, X, y)
    values, _ = peer.eigenvalues(top_n=2, maxIter=2000, tol=1e-7)
    ours = top_eigenvalues(obj, obj.theta0, k=2, tol=1e-8)
    power = top_eigenvalues(obj, obj.theta0, k=2, method="power", tol=1e-7, max_steps=2000)
    assert eigs[-1] > abs(eigs[0])  # the top eigenvalues are the largest in magnitude too
    np.testing.assert_allclose(values, eigs[::-1][:2], rtol=1e-3)
    np.testing.assert_allclose(ours.values, values, rtol=1e-3)
    np.testing.assert_allclose(power.values, values, rtol=1e-3)
    np.testing.assert_allclose(ours.values, eigs[::-1][:2], rtol=1e-5)


def test_trace_agrees_with_pyhessian(problem):
    model, X, y, H, _ = problem
    obj = Objective(model, F.cross_entropy, (X, y))
    torch.manual_seed(0)
    peer = _pyhessian(model, X, y)
    terms = np.array(peer.trace(maxIter=200, tol=1e-12))  # a tol that never stops it early
    ours = hutchinson_trace(obj, obj.theta0, n_probes=200, seed=0)
    peer_stderr = terms.std(ddof=1) / np.sqrt(terms.size)
    exact = np.trace(H)
    assert abs(terms.mean() - exact) <= 4 * peer_stderr
    assert abs(ours.estimate - exact) <= 4 * ours.stderr
    assert abs(ours.estimate - terms.mean()) <= 4 * np.hypot(ours.stderr, peer_stderr)


def test_pyhessian_density_needs_the_removed_torch_eig(problem):
    model, X, y, _, _ = problem
    peer = _pyhessian(model, X, y)
    with pytest.raises(RuntimeError, match="removed"):
        peer.density(iter=5, n_v=1)


def _paper_density(H, probes, m, n_bins=10_000, sigma_squared=1e-5, overhead=0.01):
    """Stochastic Lanczos quadrature as in Ghorbani et al. (2019), Algorithms 1-2, on ``H``."""
    all_nodes, all_weights = [], []
    for v in probes:
        q = [v / np.linalg.norm(v)]
        alpha, beta = [], []
        for j in range(m):
            w = H @ q[j]
            alpha.append(q[j] @ w)
            w = w - alpha[j] * q[j] - (beta[j - 1] * q[j - 1] if j else 0.0)
            basis = np.array(q)
            for _ in range(2):
                w = w - basis.T @ (basis @ w)
            beta.append(np.linalg.norm(w))
            q.append(w / beta[j])
        T = np.diag(alpha) + np.diag(beta[:-1], 1) + np.diag(beta[:-1], -1)
        nodes, U = np.linalg.eigh(T)
        all_nodes.append(nodes)
        all_weights.append(U[0] ** 2)
    nodes, weights = np.array(all_nodes), np.array(all_weights)
    high = np.mean(nodes.max(axis=1)) + overhead
    low = np.mean(nodes.min(axis=1)) - overhead
    grid = np.linspace(low, high, n_bins)
    s2 = sigma_squared * max(1.0, high - low)
    kernel = np.exp(-((grid[None, :, None] - nodes[:, None, :]) ** 2) / (2 * s2))
    density = np.mean(np.sum(kernel * weights[:, None, :], axis=2), axis=0)
    density /= np.sqrt(2 * np.pi * s2)
    return grid, density / (density.sum() * (grid[1] - grid[0]))


def test_density_agrees_with_the_papers_algorithm(problem):
    model, X, y, H, _ = problem
    obj = Objective(model, F.cross_entropy, (X, y), dtype=torch.float64)
    m, n_probes = 20, 3
    ours = spectral_density(obj, obj.theta0, n_steps=m, n_probes=n_probes, n_bins=3000, seed=4)
    # The same probes: spectral_density draws Rademacher probes from the seed; lanczos reruns them.
    probes = np.random.default_rng(4).choice((-1.0, 1.0), size=(n_probes, obj.n_params))
    runs = lanczos(obj, obj.theta0, probes, m)
    np.testing.assert_allclose(ours.nodes, np.array([r.quadrature()[0] for r in runs]))
    grid, density = _paper_density(H, probes, m, n_bins=3000)
    np.testing.assert_allclose(ours.grid, grid, rtol=1e-9, atol=1e-9)
    step = grid[1] - grid[0]
    # Only float rounding separates the two (the exact Hessian here is float64 too).
    assert np.abs(ours.density - density).sum() * step < 1e-4

"""The Hessian spectrum from Hessian-vector products: Lanczos, top-k eigenvalues, spectral density.

All of it needs only ``objective.hvp(theta, v)`` (and uses
``objective.hvp_batch(theta, V)`` when the objective has it, to run several
products in one pass), so it works for losslab's own models and for a torch
module through :class:`losslab.torch.Objective`.

**Lanczos** with full reorthogonalisation: from a unit ``q₁``, ``w = H q_j −
α_j q_j − β_{j−1} q_{j−1}`` with ``α_j = q_jᵀ H q_j``, ``w`` orthogonalised
again against every earlier ``q`` (twice, Gram-Schmidt; without it the ``q``
lose orthogonality and ghost copies of converged eigenvalues appear),
``β_j = ‖w‖``, ``q_{j+1} = w / β_j``. After ``m`` steps ``Qᵀ H Q = T``, the
``m × m`` tridiagonal matrix of the ``α`` and ``β``. A ``β`` below
``1e-12 · max |α|`` means the Krylov space is invariant and the run stops:
its Ritz values are then exact eigenvalues.

**Stochastic Lanczos quadrature** (Ghorbani, Krishnan & Xiao, 2019, "An
investigation into neural net optimization via Hessian eigenvalue density";
PyHessian's ``density``): for a unit probe ``v`` (Rademacher or Gaussian,
normalised) and ``T = S diag(θ) Sᵀ`` from ``m`` Lanczos steps started at
``v``, the Gauss quadrature nodes are ``θ_i`` and weights ``w_i = S_{1i}²``
(they sum to 1); ``vᵀ f(H) v ≈ Σ_i w_i f(θ_i)``, exact for polynomials ``f``
of degree ``≤ 2m − 1``. Since ``E[vᵀ f(H) v] = tr f(H) / P``, averaging
over ``n_v`` probes estimates the spectral density
``φ(t) = (1/P) Σ_k δ(t − λ_k)``, smoothed by a Gaussian kernel of variance
``σ²``: ``φ_σ(t) = (1/n_v) Σ_l Σ_i w_i^{(l)} g_σ(t − θ_i^{(l)})``,
``g_σ(x) = exp(−x² / 2σ²) / sqrt(2π σ²)``. As in PyHessian the grid spans
the mean (over probes) smallest and largest node, widened by ``overhead``,
``σ² = sigma_squared · max(1, λ_max − λ_min)``, and the density is divided by
its Riemann sum on the grid so that it integrates to 1 there.

**Top-k eigenvalues**: ``method="lanczos"`` (default) runs one Lanczos
sequence until the ``k`` largest (algebraic) Ritz values have residual
``‖H y − θ y‖ = β_m |S_{mi}| ≤ tol · |θ|``; ``method="power"`` is PyHessian's
``eigenvalues(top_n=k)``: power iteration for each eigenvalue, the iterate
orthogonalised against the eigenvectors already found (deflation), stopped
when the Rayleigh quotient changes by less than ``tol`` relatively; it finds
the eigenvalues of largest *magnitude* and needs many more products when the
top two are close. Lanczos takes fewer products for the same accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

__all__ = [
    "LanczosRun",
    "SpectralDensity",
    "TopEigenvalues",
    "hessian_vector_products",
    "lanczos",
    "spectral_density",
    "top_eigenvalues",
]

_BREAKDOWN = 1e-12
"""Relative size of a ``β`` that ends a Lanczos run (the Krylov space is invariant)."""

_MAX_BYTES = 2**29
"""Memory for the Lanczos bases of the probes run side by side (512 MiB)."""


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """``a · b`` without BLAS.

    Vector operations here are small next to a Hessian-vector product, and
    a threaded BLAS spinning up its threads for each one, while torch's own
    threads run the products, cost more than the arithmetic (measured: 50 ms
    a Lanczos step on two busy cores, 3 ms without).
    """
    return float(np.einsum("p,p->", a, b))


def _norm(a: np.ndarray) -> float:
    return float(np.sqrt(np.einsum("p,p->", a, a)))


def check_theta(objective: Any, theta: Any) -> np.ndarray:
    """``theta`` checked by the objective (losslab's or torch's)."""
    return objective.check_theta(theta)


def hessian_vector_products(
    objective: Any, theta: Any, vectors: Any, *, block: int = 16
) -> np.ndarray:
    """``H(θ) v`` for each row of ``vectors`` ``(k, P)``.

    By ``objective.hvp_batch`` in blocks of ``block`` rows where the objective
    has it, else one ``hvp`` per row.
    """
    vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
    batched = getattr(objective, "hvp_batch", None)
    if batched is None:
        return np.stack([objective.hvp(theta, v) for v in vectors])
    return np.concatenate(
        [batched(theta, vectors[i : i + block]) for i in range(0, len(vectors), block)]
    )


@dataclass(frozen=True)
class LanczosRun:
    """One Lanczos run: ``Qᵀ H Q = T``, tridiagonal with ``alpha`` and ``beta``.

    Attributes:
        alpha: Diagonal of ``T``, shape ``(m,)``.
        beta: Off-diagonal of ``T``, shape ``(m − 1,)``.
        basis: ``Q``, shape ``(m, P)`` (rows orthonormal), or None when not kept.
        residual: The last ``β_m`` (0 when the run ended on an invariant space).
    """

    alpha: np.ndarray
    beta: np.ndarray
    basis: np.ndarray | None
    residual: float

    def ritz(self) -> tuple[np.ndarray, np.ndarray]:
        """Ritz values ascending and the eigenvectors ``S`` of ``T`` (columns)."""
        t = np.diag(self.alpha) + np.diag(self.beta, 1) + np.diag(self.beta, -1)
        return np.linalg.eigh(t)

    def quadrature(self) -> tuple[np.ndarray, np.ndarray]:
        """Gauss quadrature nodes ``θ_i`` and weights ``S_{1i}²`` (summing to 1)."""
        values, vectors = self.ritz()
        return values, vectors[0] ** 2


def lanczos(
    objective: Any,
    theta: Any,
    starts: Any,
    n_steps: int,
    *,
    keep_basis: bool = False,
    block: int = 16,
) -> list[LanczosRun]:
    """``n_steps`` Lanczos steps with full reorthogonalisation from each row of ``starts``.

    The runs go side by side, so their products share one batched call per
    step (:func:`hessian_vector_products`). A run whose ``β`` breaks down
    stops early (see the module docstring).
    """
    theta = check_theta(objective, theta)
    starts = np.atleast_2d(np.asarray(starts, dtype=np.float64))
    n_runs, p = starts.shape
    if p != theta.size:
        raise ValueError(f"starts must have shape (k, {theta.size}), got {starts.shape}")
    if not isinstance(n_steps, (int, np.integer)) or n_steps < 1:
        raise ValueError(f"n_steps must be an integer >= 1, got {n_steps!r}")
    norms = np.linalg.norm(starts, axis=1)
    if np.any(norms == 0):
        raise ValueError("starts: a start vector is zero")
    m = min(int(n_steps), p)
    basis = np.zeros((n_runs, m, p))
    basis[:, 0] = starts / norms[:, None]
    alpha = np.zeros((n_runs, m))
    beta = np.zeros((n_runs, m))
    length = np.full(n_runs, m)
    active = np.ones(n_runs, dtype=bool)
    for j in range(m):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        q = basis[rows, j]
        w = hessian_vector_products(objective, theta, q, block=block)
        alpha[rows, j] = np.einsum("ij,ij->i", q, w)
        w -= alpha[rows, j, None] * q
        if j > 0:
            w -= beta[rows, j - 1, None] * basis[rows, j - 1]
        for _ in range(2):
            coef = np.einsum("ikp,ip->ik", basis[rows, : j + 1], w)
            w -= np.einsum("ik,ikp->ip", coef, basis[rows, : j + 1])
        b = np.linalg.norm(w, axis=1)
        beta[rows, j] = b
        scale = np.abs(alpha[rows, : j + 1]).max(axis=1)
        ended = b <= _BREAKDOWN * np.maximum(scale, np.finfo(np.float64).tiny)
        for r, stop in zip(rows, ended, strict=True):
            if stop:
                active[r] = False
                length[r] = j + 1
                beta[r, j] = 0.0
        if j + 1 < m:
            go = ~ended
            basis[rows[go], j + 1] = w[go] / b[go, None]
    return [
        LanczosRun(
            alpha[r, : length[r]].copy(),
            beta[r, : length[r] - 1].copy(),
            basis[r, : length[r]].copy() if keep_basis else None,
            float(beta[r, length[r] - 1]),
        )
        for r in range(n_runs)
    ]


def _probes(
    rng: np.random.Generator, n: int, p: int, kind: Literal["rademacher", "gaussian"]
) -> np.ndarray:
    if kind == "rademacher":
        return rng.choice((-1.0, 1.0), size=(n, p))
    if kind == "gaussian":
        return rng.standard_normal((n, p))
    raise ValueError(f"probe must be 'rademacher' or 'gaussian', got {kind!r}")


@dataclass(frozen=True)
class SpectralDensity:
    """A smoothed Hessian eigenvalue density from stochastic Lanczos quadrature.

    Attributes:
        grid: Points ``t``, shape ``(n_bins,)``.
        density: ``φ_σ(t)``, integrating to 1 over the grid.
        nodes: Quadrature nodes (Ritz values) of each probe, ``(n_probes, m)``
            (rows of a run that ended early are padded with NaN).
        weights: Their weights, same shape, each row summing to 1 (padding 0).
        sigma_squared: The kernel variance ``σ²`` used.
        n_products: Hessian-vector products spent.
    """

    grid: np.ndarray
    density: np.ndarray
    nodes: np.ndarray
    weights: np.ndarray
    sigma_squared: float
    n_products: int

    def moment(self, order: int) -> float:
        """``(1/n_v) Σ_l Σ_i w_i θ_i^order``, an estimate of ``tr(H^order) / P``.

        Exact per probe (``vᵀ H^order v``) for ``order ≤ 2m − 1``; its only
        error is then the probes' Monte Carlo error.
        """
        powers = np.where(self.weights > 0, np.nan_to_num(self.nodes) ** order, 0.0)
        return float(np.mean(np.sum(self.weights * powers, axis=1)))


def spectral_density(
    objective: Any,
    theta: Any,
    *,
    n_steps: int = 100,
    n_probes: int = 1,
    probe: Literal["rademacher", "gaussian"] = "rademacher",
    n_bins: int = 10_000,
    sigma_squared: float = 1e-5,
    overhead: float = 0.01,
    seed: int = 0,
) -> SpectralDensity:
    """The Hessian eigenvalue density by stochastic Lanczos quadrature (see the module docstring).

    Args:
        objective: Anything with ``hvp`` (``landscape.Objective``, ``losslab.torch.Objective``).
        theta: The point, a flat parameter vector.
        n_steps: Lanczos steps ``m`` per probe (PyHessian's ``iter``); at most ``P``.
        n_probes: Probes ``n_v``.
        probe: ``"rademacher"`` (PyHessian's) or ``"gaussian"``, normalised to unit length.
        n_bins: Grid points.
        sigma_squared: Kernel variance per unit of spectral width.
        overhead: How far the grid extends beyond the nodes.
        seed: Seed of the probes.

    Returns:
        The :class:`SpectralDensity`.
    """
    if not isinstance(n_probes, (int, np.integer)) or n_probes < 1:
        raise ValueError(f"n_probes must be an integer >= 1, got {n_probes!r}")
    if not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
        raise ValueError(f"n_bins must be an integer >= 2, got {n_bins!r}")
    if not sigma_squared > 0:
        raise ValueError(f"sigma_squared must be > 0, got {sigma_squared}")
    if not overhead >= 0:
        raise ValueError(f"overhead must be >= 0, got {overhead}")
    theta = check_theta(objective, theta)
    p = theta.size
    probes = _probes(np.random.default_rng(seed), int(n_probes), p, probe)
    m = min(int(n_steps), p) if isinstance(n_steps, (int, np.integer)) else n_steps
    group = max(1, _MAX_BYTES // (8 * p * max(int(m), 1)))
    runs: list[LanczosRun] = []
    for start in range(0, len(probes), group):
        runs += lanczos(objective, theta, probes[start : start + group], m)
    width = max(len(r.alpha) for r in runs)
    nodes = np.full((len(runs), width), np.nan)
    weights = np.zeros((len(runs), width))
    for i, run in enumerate(runs):
        node, weight = run.quadrature()
        nodes[i, : node.size], weights[i, : weight.size] = node, weight
    high = float(np.mean(np.nanmax(nodes, axis=1))) + overhead
    low = float(np.mean(np.nanmin(nodes, axis=1))) - overhead
    grid = np.linspace(low, high, int(n_bins))
    s2 = sigma_squared * max(1.0, high - low)
    density = np.zeros(grid.size)
    for node, weight in zip(nodes, weights, strict=True):
        keep = weight > 0
        diff = grid[:, None] - node[keep][None, :]
        density += np.exp(-(diff**2) / (2.0 * s2)) @ weight[keep] / np.sqrt(2.0 * np.pi * s2)
    density /= len(runs)
    density /= density.sum() * (grid[1] - grid[0])
    return SpectralDensity(grid, density, nodes, weights, s2, int(sum(len(r.alpha) for r in runs)))


@dataclass(frozen=True)
class TopEigenvalues:
    """The top Hessian eigenvalues and their unit eigenvectors.

    Attributes:
        values: Eigenvalues, descending (``"power"``: by magnitude, as found).
        vectors: Eigenvectors, shape ``(k, P)``.
        residuals: ``‖H y − λ y‖`` of each pair (``"lanczos"``; NaN for ``"power"``).
        n_products: Hessian-vector products spent.
        converged: Whether every eigenvalue met ``tol`` within ``max_steps``.
        method: ``"lanczos"`` or ``"power"``.
    """

    values: np.ndarray
    vectors: np.ndarray
    residuals: np.ndarray
    n_products: int
    converged: bool
    method: str


def top_eigenvalues(
    objective: Any,
    theta: Any,
    *,
    k: int = 1,
    method: Literal["lanczos", "power"] = "lanczos",
    tol: float = 1e-6,
    max_steps: int = 200,
    seed: int = 0,
    criterion: Literal["residual", "change"] = "residual",
) -> TopEigenvalues:
    """The ``k`` top Hessian eigenvalues, by Lanczos or by power iteration with deflation.

    Args:
        objective: Anything with ``hvp``.
        theta: The point.
        k: How many.
        method: ``"lanczos"``: the ``k`` largest (algebraic), stopped when each
            Ritz residual is ``≤ tol · |θ|``; ``"power"``: PyHessian's power
            iteration with deflation, the ``k`` largest in magnitude, each
            stopped when ``|λ_t − λ_{t−1}| / (|λ_{t−1}| + 1e-6) < tol``.
        tol: Relative tolerance (see ``method`` and ``criterion``).
        max_steps: Lanczos steps in all, or power iterations per eigenvalue.
        seed: Seed of the start vectors.
        criterion: How Lanczos stops: ``"residual"``, the bound
            ``‖H y − θ y‖ ≤ tol · |θ|`` (some eigenvalue lies within the
            residual of ``θ``); ``"change"``, PyHessian's rule applied to the
            Ritz values, ``|θ_t − θ_{t−1}| / (|θ_{t−1}| + 1e-6) < tol`` for each
            of the ``k`` (a heuristic, as for power iteration, but Ritz values
            approach the top eigenvalues far faster than power iterates).

    Example:
        >>> import numpy as np
        >>> from losslab.models import LinearRegression
        >>> from losslab.landscape import Objective
        >>> X = np.array([[1.0], [2.0]]); y = np.array([1.0, 2.0])
        >>> obj = Objective(LinearRegression(1), "mse", X, y)
        >>> float(top_eigenvalues(obj, obj.theta0).values[0].round(6))  # of [[5, 3], [3, 2]]
        6.854102
    """
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    if not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
        raise ValueError(f"max_steps must be an integer >= 1, got {max_steps!r}")
    theta = check_theta(objective, theta)
    if k > theta.size:
        raise ValueError(f"k must be at most the number of parameters {theta.size}, got {k}")
    rng = np.random.default_rng(seed)
    if criterion not in ("residual", "change"):
        raise ValueError(f"criterion must be 'residual' or 'change', got {criterion!r}")
    if method == "lanczos":
        return _top_lanczos(objective, theta, k, tol, max_steps, rng, criterion)
    if method == "power":
        return _top_power(objective, theta, k, tol, max_steps, rng)
    raise ValueError(f"method must be 'lanczos' or 'power', got {method!r}")


def _top_lanczos(
    objective: Any,
    theta: np.ndarray,
    k: int,
    tol: float,
    max_steps: int,
    rng: np.random.Generator,
    criterion: str,
) -> TopEigenvalues:
    p = theta.size
    previous = np.full(k, np.nan)
    m = min(max(max_steps, k), p)
    basis = np.zeros((m, p))
    q = rng.standard_normal(p)
    basis[0] = q / _norm(q)
    alpha, beta = np.zeros(m), np.zeros(m)
    for j in range(m):
        w = objective.hvp(theta, basis[j])
        alpha[j] = _dot(basis[j], w)
        w -= alpha[j] * basis[j] + (beta[j - 1] * basis[j - 1] if j else 0.0)
        for _ in range(2):
            w -= np.einsum("k,kp->p", np.einsum("kp,p->k", basis[: j + 1], w), basis[: j + 1])
        beta[j] = _norm(w)
        steps = j + 1
        t = np.diag(alpha[:steps]) + np.diag(beta[: steps - 1], 1) + np.diag(beta[: steps - 1], -1)
        values, vectors = np.linalg.eigh(t)
        breakdown = beta[j] <= _BREAKDOWN * max(np.abs(alpha[:steps]).max(), 1e-300)
        residual = beta[j] * np.abs(vectors[-1, ::-1][:k]) * (not breakdown)
        top = values[::-1][:k]
        if criterion == "residual":
            converged = steps >= k and bool(np.all(residual <= tol * np.abs(top)))
        else:
            change = np.abs(top - previous[: top.size]) / (np.abs(previous[: top.size]) + 1e-6)
            converged = steps > k and bool(np.all(change < tol))
            previous[: top.size] = top
        if converged or breakdown or steps == m:
            ritz = np.einsum("sk,sp->kp", vectors[:, ::-1][:, :k], basis[:steps])
            found = min(k, steps)
            return TopEigenvalues(
                top[:found],
                ritz[:found],
                residual[:found],
                steps,
                converged or (breakdown and steps >= k),
                "lanczos",
            )
        basis[j + 1] = w / beta[j]
    raise AssertionError("unreachable")  # pragma: no cover


def _top_power(
    objective: Any, theta: np.ndarray, k: int, tol: float, max_steps: int, rng: np.random.Generator
) -> TopEigenvalues:
    values, vectors, products, converged = [], [], 0, True
    for _ in range(k):
        v = rng.standard_normal(theta.size)
        v /= _norm(v)
        value, done = None, False
        for _ in range(max_steps):
            for u in vectors:  # deflation: stay orthogonal to what was found
                v -= _dot(u, v) * u
            v /= _norm(v)
            hv = objective.hvp(theta, v)
            products += 1
            current, size = _dot(v, hv), _norm(hv)
            if size == 0.0:  # v lies in the null space: its eigenvalue is 0
                value, done = 0.0, True
                break
            v = hv / size
            if value is not None and abs(value - current) / (abs(value) + 1e-6) < tol:
                value, done = current, True
                break
            value = current
        converged &= done
        values.append(value)
        vectors.append(v)
    return TopEigenvalues(
        np.array(values), np.stack(vectors), np.full(k, np.nan), products, converged, "power"
    )

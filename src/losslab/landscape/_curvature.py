"""Curvature of the training loss: Hessian-vector products, spectra, traces, critical points.

The objective is ``L(θ) = (1/n) Σ_i l(f(x_i; θ), y_i) + (λ/2) ‖θ‖²`` over a
flat parameter vector θ (:mod:`losslab.landscape._params`); ``λ`` is the
``weight_decay`` of :func:`losslab.train.fit` (0 by default), so a run with
weight decay descends exactly this objective. Its Hessian-vector product
``H v`` is computed

- exactly for linear models with an identity head: with ``x̃_i = (x_i, 1)``,
  ``H = Σ_i x̃_i x̃_iᵀ ⊗ B_i`` where ``B_i`` is the loss's Hessian in ``y_pred``
  (``loss.hess``: a scalar for one output, the ``K × K`` block from
  ``hess(..., full=True)`` for rows of logits), so ``H v = X̃ᵀ (B ⊙ X̃ V)``;
  for one output ``H = X̃ᵀ diag(h) X̃``;
- otherwise by a central difference of exact (backpropagated) gradients,
  ``H v ≈ (∇L(θ + h v) − ∇L(θ − h v)) / (2h)`` with
  ``h = ε^{1/3} max(1, ‖θ‖) / ‖v‖`` (ε the float64 machine epsilon). The
  truncation error is ``O(h²)`` (``h² ‖v‖³ ‖∇³L‖ / 6``) and the rounding
  error ``O(ε ‖∇L‖ / h)``; this ``h`` balances them, leaving a relative
  error near ``ε^{2/3} ≈ 4e-11`` for smooth losses (measured against the
  exact Hessian in ``tests/landscape/test_curvature.py``). For losses with
  kinks (``mae``, ``hinge``) the difference straddling a kink is not a
  Hessian; their Hessian is taken as the loss's own ``hess`` where exact.

A ``losslab.torch.Objective`` (any ``torch.nn.Module``) offers the same
methods with ``H v`` exact by double backward; every function here takes
either, and :mod:`losslab.landscape._spectrum` adds top-k eigenvalues and
the spectral density on the same ``H v``.

On top of ``H v``: :func:`hessian` (``H e_j`` for every basis vector ``e_j``,
then symmetrised), :func:`extreme_eigenvalues` (Lanczos, ``eigsh`` on a
``LinearOperator``), :func:`hutchinson_trace` (``tr H ≈ mean_k z_kᵀ H z_k``
with Rademacher ``z_k``, stratified over chunks of the data) and :func:`classify_point`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from losslab.landscape._batched import check_data
from losslab.landscape._params import check_trainable, flat_vector, flatten, set_flat
from losslab.landscape._spectrum import check_theta, hessian_vector_products
from losslab.models import Linear
from losslab.train import resolve_loss

__all__ = [
    "Eigenvalues",
    "Objective",
    "PointClass",
    "TraceEstimate",
    "classify_point",
    "extreme_eigenvalues",
    "hessian",
    "hutchinson_trace",
]

_CBRT_EPS = float(np.finfo(np.float64).eps) ** (1.0 / 3.0)

_PROBE_BLOCK = 16
"""Probes drawn and multiplied at a time by :func:`hutchinson_trace` (bounds its memory)."""


class Objective:
    """The mean training loss of a model as a function of its flat parameter vector.

    The model is copied, so evaluating at other parameters leaves the
    caller's model alone.

    Args:
        model: A losslab model with trainable parameters.
        loss: A loss name or object.
        X: Features ``(n, d)``.
        y: Targets fitting the loss.
        weight_decay: ``λ >= 0`` of the penalty ``(λ/2) ‖θ‖²`` (biases included,
            as in :mod:`losslab.optim`); it adds ``λ I`` to the Hessian.
        match_head: Require the model's head to be the loss's (False allows
            e.g. ``mse`` on a sigmoid output).

    Example:
        >>> import numpy as np
        >>> from losslab.models import LinearRegression
        >>> X = np.array([[1.0], [2.0]]); y = np.array([1.0, 2.0])
        >>> obj = Objective(LinearRegression(1), "mse", X, y)
        >>> hessian(obj, obj.theta0).tolist()  # 2/n X̃ᵀX̃
        [[5.0, 3.0], [3.0, 2.0]]
    """

    def __init__(
        self,
        model: Any,
        loss: Any,
        X: Any,
        y: Any,
        *,
        weight_decay: float = 0.0,
        match_head: bool = True,
    ) -> None:
        check_trainable(model)
        if not weight_decay >= 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        self.weight_decay = float(weight_decay)
        self.loss = resolve_loss(loss)
        self.X, self.y = check_data(model, self.loss, X, y, match_head=match_head)
        self.model = copy.deepcopy(model)
        self.theta0 = flatten(model.params)
        self.n_params = self.theta0.size

    @property
    def exact_hvp(self) -> bool:
        """Whether :meth:`hvp` uses the exact linear-model formula."""
        return isinstance(self.model, Linear) and self.model.head == "identity"

    def check_theta(self, theta: Any, name: str = "theta") -> np.ndarray:
        """``theta`` as a float64 vector of length ``n_params``; a ValueError naming ``name``."""
        return flat_vector(theta, self.n_params, name)

    def value(self, theta: Any) -> float:
        """``L(θ)``."""
        theta = self.check_theta(theta)
        set_flat(self.model, theta)
        penalty = 0.5 * self.weight_decay * float(theta @ theta)
        return float(self.loss(self.model(self.X), self.y)) + penalty

    def value_and_gradient(self, theta: Any) -> tuple[float, np.ndarray]:
        """``L(θ)`` and ``∇L(θ)`` by the model's backward pass."""
        theta = self.check_theta(theta)
        set_flat(self.model, theta)
        y_pred, cache = self.model.forward(self.X)
        value, grad_pred = self.loss.value_and_grad(y_pred, self.y)
        grad = flatten(self.model.backward(cache, grad_pred))
        lam = self.weight_decay
        return float(value) + 0.5 * lam * float(theta @ theta), grad + lam * theta

    def gradient(self, theta: Any) -> np.ndarray:
        """``∇L(θ)``."""
        return self.value_and_gradient(theta)[1]

    def hvp(self, theta: Any, v: Any) -> np.ndarray:
        """``H(θ) v``: exact for identity-head linear models, else a central difference."""
        theta, v = self.check_theta(theta), self.check_theta(v, "v")
        if self.exact_hvp:
            return self._linear_hvp(theta, v)
        return self.hvp_finite_difference(theta, v)

    def hvp_finite_difference(self, theta: Any, v: Any, step: float | None = None) -> np.ndarray:
        """``(∇L(θ + h v) − ∇L(θ − h v)) / (2h)``, ``h = ε^{1/3} max(1, ‖θ‖) / ‖v‖`` by default."""
        theta, v = self.check_theta(theta), self.check_theta(v, "v")
        norm = float(np.linalg.norm(v))
        if norm == 0.0:
            return np.zeros_like(v)
        h = step if step is not None else _CBRT_EPS * max(1.0, float(np.linalg.norm(theta))) / norm
        return (self.gradient(theta + h * v) - self.gradient(theta - h * v)) / (2.0 * h)

    def hvp_chunks(
        self, theta: Any, chunks: int | Literal["auto"] = "auto"
    ) -> Iterator[tuple[int, Callable[[np.ndarray], np.ndarray]]]:
        """The Hessian as ``Σ_b (n_b / N) H_b`` over chunks of consecutive rows.

        Yields ``(n_b, product)`` per chunk, ``product(V)`` giving ``H_b v``
        (penalty included) for each row of ``V``. ``"auto"`` is one chunk.

        Raises:
            ValueError: naming ``chunks`` when it exceeds the number of rows.
        """
        theta = self.check_theta(theta)
        n = len(self.X)
        count = 1 if chunks == "auto" else int(chunks)
        if count > n:
            raise ValueError(f"chunks must be at most the number of rows ({n}), got {chunks}")
        for rows in np.array_split(np.arange(n), count):
            part = copy.copy(self)  # shares the model: products run one chunk at a time
            part.X, part.y = self.X[rows], self.y[rows]
            yield len(rows), lambda V, part=part: np.stack([part.hvp(theta, v) for v in V])

    def _linear_hvp(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        model, X = self.model, self.X
        set_flat(model, theta)
        z = model(X)
        d, k = model.params["weight"].shape
        w_v, b_v = v[: d * k].reshape(d, k), v[d * k :]
        z_v = X @ w_v + b_v  # (n, K): the change of the logits along v
        if k == 1:
            q = np.asarray(self.loss.hess(z, self.y))[:, None] * z_v
        else:
            blocks = np.asarray(self.loss.hess(z, self.y, full=True))  # (n, K, K)
            q = np.einsum("nij,nj->ni", blocks, z_v)
        hv = np.concatenate([(X.T @ q).ravel(), q.sum(axis=0)])
        return hv + self.weight_decay * v


def hessian(objective: Objective, theta: Any) -> np.ndarray:
    """The full ``P × P`` Hessian from ``P`` Hessian-vector products, symmetrised ``(H + Hᵀ)/2``."""
    full = hessian_vector_products(objective, theta, np.eye(objective.n_params)).T
    return 0.5 * (full + full.T)


@dataclass(frozen=True)
class Eigenvalues:
    """The extreme eigenvalues of the Hessian at a point, with their eigenvectors.

    Attributes:
        smallest: The ``k`` smallest (algebraic) eigenvalues, ascending.
        largest: The ``k`` largest, descending.
        smallest_vectors: Eigenvectors of ``smallest``, shape ``(k, P)``.
        largest_vectors: Eigenvectors of ``largest``, shape ``(k, P)``.
        method: ``"lanczos"`` (``eigsh``) or ``"dense"`` (``eigh``, tiny models).
    """

    smallest: np.ndarray
    largest: np.ndarray
    smallest_vectors: np.ndarray
    largest_vectors: np.ndarray
    method: str


def extreme_eigenvalues(
    objective: Objective, theta: Any, *, k: int = 1, tol: float = 1e-10, seed: int = 0
) -> Eigenvalues:
    """The ``k`` largest and ``k`` smallest Hessian eigenvalues, by Lanczos.

    ``scipy.sparse.linalg.eigsh`` runs on a ``LinearOperator`` whose matvec
    is :meth:`Objective.hvp` (``which="LA"`` then ``"SA"``), from a seeded
    start vector. Lanczos needs ``P > k + 1``; below that the dense
    Hessian is diagonalised instead (``method="dense"``).
    """
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    theta = check_theta(objective, theta)
    p = objective.n_params
    if p <= k + 1:
        values, vectors = np.linalg.eigh(hessian(objective, theta))
        small, large = values[:k], values[::-1][:k]
        return Eigenvalues(small, large, vectors[:, :k].T, vectors[:, ::-1][:, :k].T, "dense")
    from scipy.sparse.linalg import LinearOperator, eigsh  # ~0.1 s: only when asked for

    operator = LinearOperator((p, p), matvec=lambda v: objective.hvp(theta, v), dtype=np.float64)
    v0 = np.random.default_rng(seed).standard_normal(p)
    out = {}
    for which in ("LA", "SA"):
        values, vectors = eigsh(operator, k=k, which=which, v0=v0, tol=tol)
        order = np.argsort(values)
        out[which] = (values[order], vectors[:, order].T)
    large_values, large_vectors = out["LA"][0][::-1], out["LA"][1][::-1]
    return Eigenvalues(out["SA"][0], large_values, out["SA"][1], large_vectors, "lanczos")


@dataclass(frozen=True)
class TraceEstimate:
    """Hutchinson's estimate of ``tr H`` with its standard error.

    Attributes:
        estimate: The estimate of ``tr H``.
        stderr: Its standard error, estimated from the spread of the terms:
            ``sqrt(Σ_b w_b² s_b² / m)`` (``s_b²`` the sample variance of the
            ``m`` terms of chunk ``b``; one chunk: ``std / sqrt(m)``).
        n_probes: Probes per chunk ``m`` (all passes). Each chunk's products cost about
            ``n_b / N`` of a product over all the data, so this is also the
            number of full-data products spent, whatever the chunks.
        chunks: The number of chunks ``B`` the data were cut into (1: plain
            Hutchinson on the Hessian of all the data).
    """

    estimate: float
    stderr: float
    n_probes: int
    chunks: int = 1


def hutchinson_trace(
    objective: Objective,
    theta: Any,
    *,
    n_probes: int = 64,
    seed: int = 0,
    chunks: int | Literal["auto"] = "auto",
    target_stderr: float | None = None,
    max_probes: int = 1000,
) -> TraceEstimate:
    """``tr H`` by Hutchinson's estimator with Rademacher probes, stratified over chunks of data.

    With the data cut into chunks ``b = 1..B`` of ``n_b`` rows (``N`` in
    all), the mean loss is ``L = Σ_b w_b L_b`` with ``w_b = n_b / N`` (and
    ``L_b`` the mean over chunk ``b``), so ``H = Σ_b w_b H_b``. Each chunk
    gets its own ``m`` independent probes ``z ∈ {±1}^P``:

        ``t̂ = Σ_b w_b (1/m) Σ_k z_{bk}ᵀ H_b z_{bk}``.

    It is unbiased: ``E[zᵀ H_b z] = tr H_b``, so ``E[t̂] = Σ_b w_b tr H_b =
    tr H`` exactly; every row is used, so there is no sampling of data. Its
    variance is ``Σ_b w_b² Var(zᵀ H_b z) / m`` with ``Var(zᵀ A z) = 2
    Σ_{i≠j} A_ij²``, and the standard error reported is its estimate
    ``sqrt(Σ_b w_b² s_b² / m)`` from each chunk's sample variance ``s_b²``.
    A product with ``H_b`` costs about ``w_b`` of one with ``H``, so ``m``
    probes per chunk cost about ``m`` full products, while the variance is
    smaller than plain Hutchinson's ``Var(zᵀ H z) / m`` by about
    ``B ‖H‖_F² / mean_b ‖H_b‖_F²``: close to ``B`` while the chunks are big
    enough that each ``H_b`` is near ``H`` (measured 10x for 16 chunks of a
    10,000-row MLP problem; see ``benchmarks/torch_curvature.py``), and never
    worse when the ``H_b`` are positive semi-definite (their inner products
    are then ``>= 0``).

    Args:
        objective: An objective with ``hvp`` (losslab's or
            ``losslab.torch.Objective``).
        theta: The point.
        n_probes: Probes per chunk, ``m >= 2`` (the spread of ``m`` terms
            gives the standard error).
        seed: Seed of the probes.
        chunks: ``"auto"`` lets the objective choose: a torch objective in
            eval mode cuts tensor data into chunks of at most
            ``losslab.torch.Objective.chunk_rows`` rows and otherwise uses
            its own batches (a DataLoader's); losslab's own objective uses
            one chunk. An integer ``B`` cuts the data into ``B`` near-equal
            chunks of consecutive rows (1: plain Hutchinson on ``H``).
        target_stderr: Keep probing until the standard error is at most
            this (or ``max_probes`` per chunk are spent): after the first
            ``n_probes``, one more pass of the probes the measured variance
            asks for (10% over), repeated if still short. Passes are
            independent estimates pooled by their probe counts. Stopping on a
            measured spread can bias the estimate slightly (the spread and
            the mean of the terms are correlated when the terms are skewed);
            a fixed ``n_probes`` does not.
        max_probes: The most probes per chunk with ``target_stderr``.

    Raises:
        ValueError: naming ``n_probes``, ``chunks``, ``target_stderr`` or
            ``max_probes`` when out of range.

    Example:
        >>> import numpy as np
        >>> from losslab.models import LinearRegression
        >>> X = np.array([[1.0], [-1.0], [2.0], [-2.0]])
        >>> obj = Objective(LinearRegression(1), "mse", X, np.zeros(4))
        >>> hutchinson_trace(obj, obj.theta0, n_probes=4, chunks=2).estimate  # tr diag(5, 2)
        7.0
    """
    if not isinstance(n_probes, (int, np.integer)) or n_probes < 2:
        raise ValueError(f"n_probes must be an integer >= 2, got {n_probes!r}")
    if not (
        chunks == "auto"
        or (isinstance(chunks, (int, np.integer)) and not isinstance(chunks, bool) and chunks >= 1)
    ):
        raise ValueError(f"chunks must be 'auto' or an integer >= 1, got {chunks!r}")
    if target_stderr is not None and not target_stderr > 0:
        raise ValueError(f"target_stderr must be > 0 or None, got {target_stderr!r}")
    if not isinstance(max_probes, (int, np.integer)) or max_probes < n_probes:
        raise ValueError(
            f"max_probes must be an integer >= n_probes ({n_probes}), got {max_probes!r}"
        )
    theta = check_theta(objective, theta)
    rng = np.random.default_rng(seed)
    p = objective.n_params
    by_chunk = getattr(objective, "hvp_chunks", None)
    if by_chunk is None and chunks not in ("auto", 1):
        raise ValueError(
            f"chunks={chunks!r} needs an objective with hvp_chunks; "
            f"{type(objective).__name__} has none (use chunks=1)"
        )

    def one_pass(m: int) -> tuple[float, float, int]:
        """The stratified estimate from ``m`` probes per chunk, its variance, the chunk count."""
        if by_chunk is None:
            parts: Any = [(1, lambda v: hessian_vector_products(objective, theta, v))]
        else:
            parts = by_chunk(theta, chunks)
        sizes, means, variances = [], [], []
        for n_b, product in parts:
            terms = np.empty(m)
            for start in range(0, m, _PROBE_BLOCK):
                probes = rng.choice((-1.0, 1.0), size=(min(_PROBE_BLOCK, m - start), p))
                terms[start : start + len(probes)] = np.einsum("kp,kp->k", probes, product(probes))
            sizes.append(n_b)
            means.append(terms.mean())
            variances.append(terms.var(ddof=1))
        weights = np.asarray(sizes, dtype=np.float64) / sum(sizes)
        return float(weights @ means), float(weights**2 @ variances / m), len(sizes)

    # Each pass is an unbiased estimate on its own (a shuffling loader may even cut other
    # chunks); passes are pooled by their probe counts.
    estimate, variance, n_chunks = one_pass(int(n_probes))
    total = int(n_probes)
    while target_stderr is not None and variance > target_stderr**2 and total < max_probes:
        # Probes needed at the measured variance, 10% over, at least 2 more per chunk.
        wanted = int(np.ceil(1.1 * total * variance / target_stderr**2))
        extra = min(max(wanted - total, 2), max_probes - total)
        if extra < 2:
            break
        more, more_variance, n_chunks = one_pass(extra)
        share = extra / (total + extra)
        estimate = (1 - share) * estimate + share * more
        variance = (1 - share) ** 2 * variance + share**2 * more_variance
        total += extra
    return TraceEstimate(estimate, float(np.sqrt(variance)), total, n_chunks)


PointKind = Literal["minimum", "saddle", "maximum", "flat", "sloped"]


@dataclass(frozen=True)
class PointClass:
    """What a point of the landscape is, and the numbers that decided it.

    Attributes:
        kind: ``"minimum"``, ``"saddle"``, ``"maximum"``, ``"flat"`` (gradient
            and curvature both below the flat tolerances: a plateau) or
            ``"sloped"`` (not a critical point).
        loss: ``L(θ)``.
        grad_norm: ``‖∇L(θ)‖``.
        smallest_eigenvalue: ``λ_min`` of the Hessian.
        largest_eigenvalue: ``λ_max``.
        eigenvalue_tolerance: ``eig_rtol · max(|λ_min|, |λ_max|)``: eigenvalues
            within it of 0 count as zero.
        degenerate: A critical point with an eigenvalue counted as zero.
        tolerances: The tolerances used, by name.
    """

    kind: PointKind
    loss: float
    grad_norm: float
    smallest_eigenvalue: float
    largest_eigenvalue: float
    eigenvalue_tolerance: float
    degenerate: bool
    tolerances: dict[str, float]


def classify_point(
    objective: Objective,
    theta: Any,
    *,
    grad_tol: float = 1e-6,
    eig_rtol: float = 1e-6,
    flat_grad_tol: float = 1e-3,
    flat_curvature_tol: float = 1e-3,
) -> PointClass:
    """Minimum, saddle, maximum, flat (plateau) or sloped, from ``‖∇L‖`` and ``λ_min, λ_max``.

    With ``s = max(|λ_min|, |λ_max|)`` and ``τ = eig_rtol · s``:

    1. ``‖∇L‖ ≤ flat_grad_tol`` and ``s ≤ flat_curvature_tol``: ``flat`` (a
       plateau: neither slope nor curvature tells the optimizer where to go);
    2. else ``‖∇L‖ > grad_tol``: ``sloped``;
    3. else (critical): ``saddle`` if ``λ_min < −τ < τ < λ_max``; ``maximum``
       if ``λ_max ≤ τ``; otherwise ``minimum`` (``degenerate`` when
       ``λ_min ≤ τ``: the second-order test cannot decide, higher orders can).

    Example:
        >>> import numpy as np
        >>> from losslab.models import LinearRegression
        >>> X = np.array([[1.0], [2.0]]); y = np.array([1.0, 2.0])
        >>> obj = Objective(LinearRegression(1), "mse", X, y)
        >>> classify_point(obj, np.array([1.0, 0.0])).kind
        'minimum'
    """
    for name, tol in (
        ("grad_tol", grad_tol),
        ("eig_rtol", eig_rtol),
        ("flat_grad_tol", flat_grad_tol),
        ("flat_curvature_tol", flat_curvature_tol),
    ):
        if not tol >= 0:
            raise ValueError(f"{name} must be >= 0, got {tol}")
    theta = check_theta(objective, theta)
    value, grad = objective.value_and_gradient(theta)
    grad_norm = float(np.linalg.norm(grad))
    eig = extreme_eigenvalues(objective, theta)
    low, high = float(eig.smallest[0]), float(eig.largest[0])
    scale = max(abs(low), abs(high))
    tau = eig_rtol * scale
    kind: PointKind
    if grad_norm <= flat_grad_tol and scale <= flat_curvature_tol:
        kind = "flat"
    elif grad_norm > grad_tol:
        kind = "sloped"
    elif low < -tau and high > tau:
        kind = "saddle"
    elif high <= tau:
        kind = "maximum"
    else:
        kind = "minimum"
    degenerate = kind in ("minimum", "maximum") and min(abs(low), abs(high)) <= tau
    tolerances = {
        "grad_tol": grad_tol,
        "eig_rtol": eig_rtol,
        "flat_grad_tol": flat_grad_tol,
        "flat_curvature_tol": flat_curvature_tol,
    }
    return PointClass(kind, value, grad_norm, low, high, tau, degenerate, tolerances)

"""Every property a loss states (:class:`~losslab.losses.Properties`) and its optimal constant.

Each statement is checked by a test that could fail, in both directions: a loss
stated convex must pass the midpoint inequality and have positive semidefinite
Hessians, and one stated non-convex must violate the midpoint inequality
somewhere; a stated smoothness must show its jumps (a kink in the gradient for
C0, in the Hessian for C1) and no others; a Lipschitz constant must bound the
gradient and be reached; a proper loss's expected loss must be minimised by the
true probability, and so on. Everything goes through the public :class:`Loss`
(value, ``grad``, ``hess``, ``hvp``, ``properties``, ``optimal_constant``) over
the Cases of ``conftest.py``, so a new loss is covered when its Case is added.

A loss is seen as a batch of independent examples (:class:`Subject`): an element
(elementwise losses), a row (losses on rows), or a whole batch (:class:`Whole`
losses: Dice, Tversky), whose gradient is a vector of ``d`` numbers and whose
Hessian is ``d x d``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar

import losslab.losses as losses

WHOLE_SIZE = 5  # elements in one batch of a Whole loss
FAR = (1e3, 1e6, 1e9)  # distances of the far points (residuals, logits)
Fn = Callable[[np.ndarray, np.ndarray], np.ndarray]


class Subject:
    """A Case as independent examples: ``y_pred`` of shape ``(n, *e)``, values ``(n,)``."""

    def __init__(self, case):
        self.case = case
        self.loss = case.loss
        self.properties = self.loss.properties
        self.whole = issubclass(losses.definition(case.name), losses.Whole)

    def sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        if not self.whole:
            return self.case.make(rng, (n,))
        batches = [self.case.make(rng, (WHOLE_SIZE,)) for _ in range(n)]
        return np.stack([p for p, _ in batches]), np.stack([t for _, t in batches])

    def _each(self, f: Callable[..., np.ndarray], *arrays: np.ndarray) -> np.ndarray:
        return np.stack([np.asarray(f(*(a[i] for a in arrays))) for i in range(len(arrays[0]))])

    def values(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        if self.whole:
            return self._each(lambda p, t: self.loss(p, t, reduction="sum"), y_pred, y_true)
        return np.asarray(self.loss(y_pred, y_true, reduction="none"))

    def grads(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """Each example's gradient, ``(n, d)``."""
        if self.whole:
            g = self._each(lambda p, t: self.loss.grad(p, t, reduction="sum"), y_pred, y_true)
        else:
            g = np.asarray(self.loss.grad(y_pred, y_true, reduction="sum"))
        return g.reshape(len(y_pred), -1)

    def hvps(self, y_pred: np.ndarray, y_true: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Each example's Hessian times its own ``v``, ``(n, d)``."""
        if self.whole:
            h = self._each(
                lambda p, t, u: self.loss.hvp(p, t, u, reduction="sum"), y_pred, y_true, v
            )
        else:
            h = np.asarray(self.loss.hvp(y_pred, y_true, v, reduction="sum"))
        return h.reshape(len(y_pred), -1)

    def hessians(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """Each example's Hessian, ``(n, d, d)``."""
        n = len(y_pred)
        if self.whole:
            d = y_pred[0].size
            basis = np.eye(d).reshape(d, *y_pred.shape[1:])
            columns = [self.hvps(y_pred, y_true, np.broadcast_to(e, y_pred.shape)) for e in basis]
            return np.stack(columns, axis=-1)
        if self.case.rows:
            return np.asarray(self.loss.hess(y_pred, y_true, reduction="sum", full=True))
        return np.asarray(self.loss.hess(y_pred, y_true, reduction="sum")).reshape(n, 1, 1)

    def hessian_rows(self, y_pred: np.ndarray, y_true: np.ndarray, v: np.ndarray) -> np.ndarray:
        """The Hessian as a function to search for jumps: its entries, or H v for Whole losses."""
        if self.whole:
            return self.hvps(y_pred, y_true, v)
        return self.hessians(y_pred, y_true).reshape(len(y_pred), -1)

    def valid(self, y_pred: np.ndarray, y_true: np.ndarray) -> bool:
        try:
            self.values(y_pred, y_true)
        except ValueError:
            return False
        return True

    def targets(self, y_pred: np.ndarray, y_true: np.ndarray) -> list[np.ndarray]:
        """``y_true`` and, for losses on rows of classes, one-hot rows of the same classes.

        Labels and probability rows reach the largest gradients at one-hot
        targets (a probability row of a class that ``ignore_index`` hides as a label).
        """
        variants = [y_true]
        if self.whole or not self.case.rows:
            return variants
        k = y_pred.shape[-1]
        if y_true.ndim == y_pred.ndim - 1 and y_true.dtype.kind in "iu":
            onehot = np.eye(k)[y_true % k]
        elif y_true.shape == y_pred.shape and np.allclose(y_true.sum(axis=-1), 1.0):
            onehot = np.eye(k)[np.argmax(y_true, axis=-1)]
        else:
            return variants
        if self.valid(y_pred, onehot):
            variants.append(onehot)
        return variants

    def extremes(
        self, rng: np.random.Generator, y_pred: np.ndarray, y_true: np.ndarray
    ) -> list[tuple[float, np.ndarray]]:
        """Far points ``(distance, y_pred)``: moved by 1e3, 1e6, 1e9 (residuals, logits).

        Where ``y_pred`` cannot move that far (probabilities), points pushed towards
        the edges of its interval instead (``p**k`` and ``1 - (1 - p)**k``), with a
        distance of ``k``.
        """
        far: list[tuple[float, np.ndarray]] = []
        signs = rng.choice([-1.0, 1.0], y_pred.shape)
        for s in FAR:
            for moved in (y_pred + s * signs, y_pred + s):
                if self.valid(moved, y_true):
                    far.append((s, moved))
                    break
        if far:
            return far
        for k in (3.0, 10.0, 30.0, 100.0):
            for moved in (y_pred**k, 1.0 - (1.0 - y_pred) ** k):
                if self.valid(moved, y_true):
                    far.append((k, moved))
        assert far, f"{self.case.id}: no far points are valid inputs"
        return far


def norms(g: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.linalg.norm(g, axis=-1)


def _broadcast_lam(lam: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.reshape(lam, (-1,) + (1,) * (x.ndim - 1))


# ------------------------------------------------------------------ coverage


def test_every_loss_has_a_case(all_cases):
    # A loss without a Case would escape every check below: fail, do not skip.
    missing = set(losses.available()) - {c.name for c in all_cases}
    assert not missing, f"losses without a Case in tests/losses/conftest.py: {sorted(missing)}"


def test_properties_are_well_formed(case):
    p = case.loss.properties
    assert isinstance(p, losses.Properties)
    assert p.smoothness in ("C0", "C1", "C2", "Cinf")
    assert p.lipschitz is None or (math.isfinite(p.lipschitz) and p.lipschitz >= 0)
    if p.lipschitz is not None:
        assert p.robust, "a bounded gradient is a bounded influence"
    if p.redescending:
        assert p.robust, "a redescending loss has bounded influence"
    classification = case.task in ("binary", "multiclass")
    assert (p.proper is not None) == classification
    assert (p.calibrated is not None) == classification
    if p.proper:
        assert p.calibrated, "a proper loss is classification-calibrated"
    assert losses.describe(case.name)["properties"] == losses.get(case.name).properties.as_dict()


# ------------------------------------------------------------------ convexity


def _midpoint_gaps(subject: Subject, rng: np.random.Generator, n: int) -> tuple[float, float]:
    """The largest ``l(mid) - (l(a) + l(b)) / 2`` over pairs on random segments, and its scale.

    Segments join two random predictions (and far points, where valid) for one
    target; the pairs are sub-segments of them, long and short.
    """
    a, y_true = subject.sample(rng, n)
    b, _ = subject.sample(rng, n)
    segments = [(a, b)]
    for s in (3.0, 10.0):
        if subject.valid(s * a, y_true) and subject.valid(s * b, y_true):
            segments.append((s * a, s * b))
    worst, at = -math.inf, 0.0
    lams = [(0.0, 1.0), (0.0, 0.5), (0.5, 1.0), (0.2, 0.4), (0.45, 0.55), (0.7, 0.75)]
    for lo, hi in segments:
        for l0, l1 in [*lams, tuple(np.sort(rng.uniform(0, 1, 2)))]:
            x0, x1 = lo + l0 * (hi - lo), lo + l1 * (hi - lo)
            with np.errstate(all="ignore"):
                v0, v1 = subject.values(x0, y_true), subject.values(x1, y_true)
                vm = subject.values(0.5 * (x0 + x1), y_true)
                gap = vm - 0.5 * (v0 + v1)
                relative = gap / (1e-9 * (np.abs(v0) + np.abs(v1)) + 1e-12)
            i = int(np.nanargmax(relative))
            if relative[i] > worst:
                worst, at = float(relative[i]), float(gap[i])
    return worst, at


def test_convexity_midpoint(case, rng):
    subject = Subject(case)
    n = 24 if subject.whole else 600
    worst, gap = _midpoint_gaps(subject, rng, n)
    if subject.properties.convex:
        # gap <= 1e-9 (|l(a)| + |l(b)|) + 1e-12: rounding only.
        assert worst <= 1.0, f"midpoint inequality violated by {gap:.3g}"
    else:
        assert worst > 1.0, "stated non-convex, but no pair violates the midpoint inequality"


def test_convex_hessian_is_positive_semidefinite(case, rng):
    subject = Subject(case)
    if not subject.properties.convex:
        return  # the midpoint test shows the non-convexity
    y_pred, y_true = subject.sample(rng, 8 if subject.whole else 200)
    points = [y_pred] + [p for _, p in subject.extremes(rng, y_pred, y_true)]
    for point in points:
        with np.errstate(all="ignore"):
            h = subject.hessians(point, y_true)
        h = 0.5 * (h + np.swapaxes(h, -1, -2))
        finite = np.all(np.isfinite(h), axis=(-1, -2))  # overflowed far away: no evidence
        eig = np.linalg.eigvalsh(h[finite])
        top = np.max(np.abs(eig), axis=-1, initial=0.0)
        assert np.all(eig.min(axis=-1, initial=0.0) >= -1e-10 * top - 1e-300), eig.min()


# ------------------------------------------------------------------ smoothness


def _jumps(f: Fn, a: np.ndarray, b: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """Per segment a -> b: whether ``f`` (per example, ``(n, d)``) jumps somewhere on it.

    The interval of a 64-point grid where ``f`` changes most is bisected, keeping
    the half where it changes more. A continuous ``f`` changes by ever less as
    the interval shrinks (2^-16 times less over the last 16 halvings, for a
    differentiable one); a jump keeps its size.
    """
    n = len(a)
    d = b - a
    lam = np.linspace(0.0, 1.0, 65)
    with np.errstate(all="ignore"):
        grid = np.stack([f(a + t * d, y_true) for t in lam])  # (65, n, D)
    scale = np.max(norms(grid), axis=0)
    k = np.argmax(norms(np.diff(grid, axis=0)), axis=0)
    rows = np.arange(n)
    lo, hi = lam[k], lam[k + 1]
    f_lo, f_hi = grid[k, rows], grid[k + 1, rows]
    coarse = None
    for step in range(36):
        mid = 0.5 * (lo + hi)
        with np.errstate(all="ignore"):
            f_mid = f(a + _broadcast_lam(mid, a) * d, y_true)
        left = norms(f_mid - f_lo) >= norms(f_hi - f_mid)
        hi, f_hi = np.where(left, mid, hi), np.where(left[:, None], f_mid, f_hi)
        lo, f_lo = np.where(left, lo, mid), np.where(left[:, None], f_lo, f_mid)
        if step == 19:
            coarse = norms(f_hi - f_lo)
    fine = norms(f_hi - f_lo)
    return (fine > 0.5 * coarse) & (fine > 1e-6 * (1.0 + scale))


def test_smoothness(case, rng):
    # Segments between two random predictions for one target cross the kinks of the
    # neighbouring losses (residual 0, |r| = delta, margin 1, a class changing places)
    # about every other time; C0 must show a jump in the gradient on one, C1 a jump in
    # the Hessian and none in the gradient, C2 and Cinf none in either.
    subject = Subject(case)
    n = 10 if subject.whole else 64
    a, y_true = subject.sample(rng, n)
    b, _ = subject.sample(rng, n)
    direction = (b - a) / np.maximum(norms((b - a).reshape(n, -1)), 1e-300).reshape(
        (n,) + (1,) * (a.ndim - 1)
    )
    gradient_jumps = _jumps(subject.grads, a, b, y_true)
    hessian_jumps = _jumps(lambda p, t: subject.hessian_rows(p, t, direction), a, b, y_true)
    stated = subject.properties.smoothness
    if stated == "C0":
        assert gradient_jumps.any(), "stated C0, but the gradient is continuous on every segment"
        return
    assert not gradient_jumps.any(), f"stated {stated}, but the gradient jumps"
    if stated == "C1":
        assert hessian_jumps.any(), "stated C1, but the Hessian is continuous on every segment"
    else:
        assert not hessian_jumps.any(), f"stated {stated}, but the Hessian jumps"


# ------------------------------------------------------------------ Lipschitz and robustness


def _refine_largest_gradient(
    subject: Subject, y_pred: np.ndarray, y_true: np.ndarray, starts: np.ndarray
) -> float:
    """The largest gradient norm Nelder-Mead finds from the examples ``starts``."""
    best = 0.0
    for i in starts:
        shape, target = y_pred[i : i + 1].shape, y_true[i : i + 1]

        def negative_norm(x: np.ndarray, shape=shape, target=target) -> float:
            try:
                g = subject.grads(x.reshape(shape), target)
            except ValueError:
                return 0.0  # outside the domain
            value = float(norms(g)[0])
            return -value if math.isfinite(value) else 0.0

        result = minimize(
            negative_norm,
            y_pred[i].ravel(),
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 2000},
        )
        best = max(best, -float(result.fun))
    return best


def test_lipschitz_constant_bounds_and_is_reached(case, rng):
    subject = Subject(case)
    stated = subject.properties.lipschitz
    y_pred, y_true = subject.sample(rng, 12 if subject.whole else 400)
    points = [
        (p, t)
        for t in subject.targets(y_pred, y_true)
        for p in [y_pred] + [p for _, p in subject.extremes(rng, y_pred, t)]
    ]
    per_point = [norms(subject.grads(p, t)) for p, t in points]
    largest = max(float(np.max(g)) for g in per_point)
    if stated is None:
        if largest > 1e6:
            return
        assert case.unbounded is not None, (
            f"stated unbounded, but |grad| <= {largest:.3g} everywhere tried"
        )
        # The growth is in the targets or the row width: the case shows where.
        witness = float(np.max(norms(subject.grads(*case.unbounded(rng, (3,))))))
        assert witness > 10.0 * largest, (witness, largest)
        return
    for g in per_point:
        assert np.all(g <= stated * (1 + 1e-9)), f"|grad| = {np.max(g)!r} > L = {stated!r}"
    floor = stated * (1 - case.lipschitz_gap)
    if largest < floor:
        # Not reached at the samples: maximise |grad| from the best few points.
        best_point = int(np.argmax([np.max(g) for g in per_point]))
        starts = np.argsort(per_point[best_point])[-4:]
        refined = _refine_largest_gradient(subject, *points[best_point], starts)
        assert refined <= stated * (1 + 1e-9)
        largest = max(largest, refined)
    assert largest >= floor, f"L = {stated!r} is not the least bound: |grad| <= {largest!r}"


def test_robust_and_redescending(case, rng):
    subject = Subject(case)
    props = subject.properties
    y_pred, y_true = subject.sample(rng, 8 if subject.whole else 200)
    near = float(np.max(norms(subject.grads(y_pred, y_true))))
    pulls: dict[float, float] = {}
    for distance, point in subject.extremes(rng, y_pred, y_true):
        pull = float(np.max(norms(subject.grads(point, y_true))))
        pulls[distance] = max(pulls.get(distance, 0.0), pull)
    distances = sorted(pulls)
    first, farther = pulls[distances[0]], [pulls[d] for d in distances[1:]]
    bound = max(near, first)
    # Far along the real line (1e3 -> 1e9), a bounded pull no longer grows; towards the
    # edges of an interval (probabilities), it may still move within a factor of 10.
    growth = 1.01 if distances[0] >= FAR[0] else 10.0
    if props.robust:
        assert all(g <= growth * bound for g in farther), (near, first, farther)
    else:
        assert max(farther, default=first) > 1e3 * max(near, 1e-300), (near, first, farther)
    if props.redescending:
        # The pull fades as a power of the distance, slowly for Barron's alpha near 1
        # (|r|^(alpha - 1)): at the farthest point (1e9) it is below 1e-3 of the largest.
        assert farther[-1] < 1e-3 * bound, f"|grad| far away is {farther[-1]:.3g} of {bound:.3g}"
        assert farther[-1] <= farther[0] <= first, "the pull does not fade with distance"
    elif props.robust and props.lipschitz is not None:
        # Not redescending: far away the pull stays comparable with the largest.
        assert max(farther) > 1e-3 * bound


# ------------------------------------------------------------------ proper and calibrated

ETAS = np.array([0.02, 0.1, 0.2, 0.3, 0.4, 0.45, 0.55, 0.6, 0.7, 0.8, 0.9, 0.98])


def _binary_minimiser(loss: losses.Loss, eta: float) -> float:
    """The prediction minimising eta l(z, 1) + (1 - eta) l(z, 0): a grid, then Brent."""
    low, high = loss.link.interval
    low, high = max(low, -60.0), min(high, 60.0)

    def expected(z: np.ndarray) -> np.ndarray:
        z = np.atleast_1d(z)
        values = loss(np.concatenate([z, z]), np.repeat([1.0, 0.0], z.size), reduction="none")
        return eta * values[: z.size] + (1.0 - eta) * values[z.size :]

    grid = np.linspace(low, high, 2401)
    i = int(np.argmin(expected(grid)))
    bounds = (grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)])
    result = minimize_scalar(
        lambda z: float(expected(z)[0]), bounds=bounds, method="bounded", options={"xatol": 1e-12}
    )
    return float(result.x)


def _multiclass_minimiser(loss: losses.Loss, eta: np.ndarray) -> np.ndarray:
    """The row minimising sum_c eta_c l(z, e_c), by L-BFGS with the loss's gradient."""
    k = eta.size
    targets = np.eye(k)

    def expected(z: np.ndarray) -> tuple[float, np.ndarray]:
        rows = np.tile(z, (k, 1))
        value = float(loss(rows, targets, weights=eta, reduction="sum"))
        grad = np.asarray(loss.grad(rows, targets, weights=eta, reduction="sum")).sum(axis=0)
        return value, grad

    result = minimize(
        expected,
        np.zeros(k),
        jac=True,
        method="L-BFGS-B",
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 2000},
    )
    return result.x


@pytest.mark.loss_cases(where=lambda c: c.task in ("binary", "multiclass"))
def test_proper_and_calibrated(case, rng):
    loss = case.loss
    props = loss.properties
    if case.task == "binary":
        etas = [np.array([1.0 - e, e]) for e in ETAS]

        def predicted(eta: np.ndarray) -> np.ndarray:
            p1 = float(loss.link.inverse(np.array(_binary_minimiser(loss, float(eta[1])))))
            return np.array([1.0 - p1, p1])
    else:
        k = case.sample(rng, (1,))[0].shape[-1]
        etas = []
        while len(etas) < 16:
            eta = rng.dirichlet(np.full(k, 1.5))
            top2 = np.sort(eta)[-2:]
            if eta.min() > 0.02 and top2[1] - top2[0] > 0.03:
                etas.append(eta)

        def predicted(eta: np.ndarray) -> np.ndarray:
            return np.asarray(loss.link.inverse(_multiclass_minimiser(loss, eta)))

    answers = [(eta, predicted(eta)) for eta in etas]
    errors = [float(np.max(np.abs(p - eta))) for eta, p in answers]
    if props.proper:
        assert max(errors) <= 1e-4, f"stated proper, but the minimiser is {max(errors):.3g} off"
    else:
        assert max(errors) >= 1e-2, "stated not proper, but the minimiser is the probability"
    agree = [int(np.argmax(p)) == int(np.argmax(eta)) for eta, p in answers]
    if props.calibrated:
        assert all(agree), "stated calibrated, but the minimiser picks another class"
    else:
        assert not all(agree), (
            "stated not calibrated, but the minimiser always picks the Bayes class"
        )


# ------------------------------------------------------------------ optimal constant


def _constant_objective(subject: Subject, y_true: np.ndarray, shape: tuple[int, ...], w):
    def objective(c: np.ndarray) -> float:
        y_pred = np.broadcast_to(np.asarray(c, dtype=np.float64), shape).copy()
        try:
            with np.errstate(all="ignore"):
                return float(subject.loss(y_pred, y_true, weights=w))
        except ValueError:
            return math.inf  # outside the domain of y_pred

    return objective


def _scalar_grid(subject: Subject, y_true: np.ndarray, w, grid: np.ndarray) -> np.ndarray:
    """The weighted mean loss at each constant of ``grid``; one call for elementwise losses."""
    if subject.whole:
        objective = _constant_objective(subject, y_true, y_true.shape, w)
        return np.array([objective(c) for c in grid])
    many = np.broadcast_to(grid.reshape(-1, *([1] * y_true.ndim)), (grid.size, *y_true.shape))
    weights = np.ones(y_true.shape) if w is None else w
    values = np.full(grid.size, math.inf)
    with np.errstate(all="ignore"):
        inside = np.array([subject.valid(np.full(y_true.shape, c), y_true) for c in grid[[0, -1]]])
        if inside.all():
            per = np.asarray(
                subject.loss(many.copy(), np.broadcast_to(y_true, many.shape), reduction="none")
            )
            values = np.sum(per * weights, axis=tuple(range(1, per.ndim))) / np.sum(weights)
        else:  # the grid leaves the domain of y_pred: one constant at a time
            objective = _constant_objective(subject, y_true, y_true.shape, w)
            values = np.array([objective(c) for c in grid])
    return values


def _reference_minimum(subject, y_true, shape, w, ours: np.ndarray, rng) -> float:
    """The least weighted mean loss scipy finds over constants near and far from ``ours``."""
    objective = _constant_objective(subject, y_true, shape, w)
    if ours.ndim == 0:
        c = float(ours)
        span = 5.0 * (1.0 + abs(c))
        grid = np.linspace(c - span, c + span, 401 if subject.whole else 4001)
        values = _scalar_grid(subject, y_true, w, grid)
        i = int(np.argmin(values))
        bounds = (grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)])
        result = minimize_scalar(
            objective, bounds=bounds, method="bounded", options={"xatol": 1e-13}
        )
        return min(float(result.fun), float(values[i]))

    def value_and_grad(c: np.ndarray) -> tuple[float, np.ndarray]:
        y_pred = np.broadcast_to(c, shape).copy()
        grad = np.asarray(subject.loss.grad(y_pred, y_true, weights=w))
        return objective(c), grad.reshape(-1, c.size).sum(axis=0)

    best = math.inf
    for start in (np.zeros_like(ours), ours + rng.normal(0.0, 1.0, ours.shape)):
        result = minimize(value_and_grad, start, jac=True, method="L-BFGS-B",
                          options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 2000})  # fmt: skip
        best = min(best, float(result.fun))
    return best


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_optimal_constant_minimises_the_mean_loss(case, rng, weighted):
    subject = Subject(case)
    loss = subject.loss
    y_pred, y_true = case.make(rng, (60,))
    w = rng.uniform(0.2, 3.0, y_pred.shape if subject.whole else case.example_shape(y_pred))
    w = w if weighted else None
    try:
        ours = np.asarray(loss.optimal_constant(y_true, weights=w), dtype=np.float64)
    except NotImplementedError as exc:
        refusal = str(exc)
    else:
        refusal = ""
    if refusal:
        # Losses on rows and batches may have no closed form: they must say so.
        assert not issubclass(losses.definition(case.name), losses.Elementwise)
        assert case.name in refusal
        return
    assert ours.shape == (y_pred.shape[-1],) if case.rows else ours.shape == ()
    if case.rows and np.isneginf(ours).any():
        # A class without mass: logit -inf; its limit is a logit far below the others.
        ours = np.where(np.isneginf(ours), np.max(ours[np.isfinite(ours)]) - 1e3, ours)
    attained = _constant_objective(subject, y_true, y_pred.shape, w)(ours)
    assert math.isfinite(attained)
    reference = _reference_minimum(subject, y_true, y_pred.shape, w, ours, rng)
    assert attained <= reference + 1e-9 * abs(reference) + 1e-12, (attained, reference)

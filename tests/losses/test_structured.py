"""The losses beyond elementwise and softmax rows: distributions, ordinal, ranking, whole batches.

The generic tests (finite differences, peers, properties) run over their cases in
conftest.py, except for the losses of a whole batch (dice, tversky), which have no
per-example values: they are checked here, with what is particular to each kind
(Hessian-vector products, torch's double backward, identities between the losses, the
stated properties, optimal constants and the parameters' validation).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import losslab.losses as losses
from losslab.experiments import along_axis

H = 1e-4
WHOLE = pytest.mark.loss_cases(where=lambda c: c.whole, whole=True)
ROWS = pytest.mark.loss_cases(where=lambda c: c.rows and c.task not in ("multiclass",))


def _difference(f, x, direction, h=H):
    """The derivative of f at x along direction, 4th-order central differences."""
    return (
        f(x - 2 * h * direction)
        - 8 * f(x - h * direction)
        + 8 * f(x + h * direction)
        - f(x + 2 * h * direction)
    ) / (12 * h)


def _gradient(f, x, h=H):
    out = np.zeros(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = 1.0
        out[i] = _difference(f, x, e.reshape(x.shape), h)
    return out.reshape(x.shape)


# ---------------------------------------------------------------- whole batches


@WHOLE
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_whole_gradient_hessian_and_hvp_are_derivatives(case, rng, weighted):
    y_pred, y_true = case.sample(rng, (3, 4))
    w = rng.uniform(0.2, 3.0, (3, 4)) if weighted else None
    loss = case.loss
    numeric = _gradient(lambda z: float(loss(z, y_true, weights=w)), y_pred)
    np.testing.assert_allclose(loss.grad(y_pred, y_true, weights=w), numeric, rtol=1e-7, atol=1e-10)
    diagonal = np.zeros(y_pred.size)
    for i in range(y_pred.size):
        e = np.zeros(y_pred.size)
        e[i] = 1.0
        e = e.reshape(y_pred.shape)
        diagonal[i] = _difference(lambda z: loss.grad(z, y_true, weights=w), y_pred, e).flat[i]
    np.testing.assert_allclose(
        loss.hess(y_pred, y_true, weights=w).ravel(), diagonal, rtol=1e-6, atol=1e-10
    )
    v = rng.normal(size=y_pred.shape)
    numeric_hvp = _difference(lambda z: loss.grad(z, y_true, weights=w), y_pred, v)
    np.testing.assert_allclose(
        loss.hvp(y_pred, y_true, v, weights=w), numeric_hvp, rtol=1e-6, atol=1e-10
    )


def _torch_overlap(torch, name, params, p, t, w):
    """The textbook form 1 - (c TP + smooth) / (...), written in torch (not the library's A / D)."""
    tp, fp, fn = (w * p * t).sum(), (w * p * (1 - t)).sum(), (w * (1 - p) * t).sum()
    smooth = params.get("smooth", 1.0)
    if name == "dice":
        return 1 - (2 * tp + smooth) / ((w * p).sum() + (w * t).sum() + smooth)
    alpha, beta = params.get("alpha", 0.5), params.get("beta", 0.5)
    return 1 - (tp + smooth) / (tp + alpha * fp + beta * fn + smooth)


@WHOLE
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_whole_matches_torch_double_backward(case, rng, require, weighted):
    torch = require("torch")
    y_pred, y_true = case.sample(rng, (5, 3))
    w = rng.uniform(0.2, 3.0, (5, 3)) if weighted else np.ones((5, 3))
    v = rng.normal(size=y_pred.shape)
    p = torch.tensor(y_pred, dtype=torch.float64, requires_grad=True)
    t, wt = torch.tensor(y_true), torch.tensor(w)
    value = _torch_overlap(torch, case.name, case.params, p, t, wt)
    (grad,) = torch.autograd.grad(value, p, create_graph=True)
    (hvp,) = torch.autograd.grad((grad * torch.tensor(v)).sum(), p)
    hessian = torch.autograd.functional.hessian(
        lambda q: _torch_overlap(torch, case.name, case.params, q, t, wt), p.detach()
    ).reshape(y_pred.size, y_pred.size)
    weights = w if weighted else None
    loss = case.loss
    np.testing.assert_allclose(
        float(loss(y_pred, y_true, weights=weights)), value.item(), rtol=1e-13
    )
    np.testing.assert_allclose(
        loss.grad(y_pred, y_true, weights=weights), grad.detach().numpy(), rtol=1e-11, atol=1e-15
    )
    np.testing.assert_allclose(
        loss.hess(y_pred, y_true, weights=weights).ravel(),
        np.diagonal(hessian.numpy()),
        rtol=1e-10,
        atol=1e-15,
    )
    np.testing.assert_allclose(
        loss.hvp(y_pred, y_true, v, weights=weights), hvp.numpy(), rtol=1e-10, atol=1e-15
    )
    # A rank-2 form: -(g d^T + d g^T) / D has at most two non-zero eigenvalues.
    eigenvalues = np.linalg.eigvalsh(hessian.numpy())
    assert np.sum(np.abs(eigenvalues) > 1e-12 * np.max(np.abs(eigenvalues))) <= 2


@WHOLE
def test_whole_reductions(case, rng):
    y_pred, y_true = case.sample(rng, (6,))
    loss = case.loss
    assert float(loss(y_pred, y_true, reduction="mean")) == float(
        loss(y_pred, y_true, reduction="sum")
    )
    with pytest.raises(ValueError, match="loss of the whole batch"):
        loss(y_pred, y_true, reduction="none")
    value = float(loss(y_pred, y_true))
    assert 0.0 <= value <= 1.0
    # A weight of 2 on every element is the batch twice over: only smooth tells them apart.
    if case.params.get("smooth", 1.0) == 0.0:
        doubled = float(loss(np.tile(y_pred, 2), np.tile(y_true, 2)))
        np.testing.assert_allclose(doubled, value, rtol=1e-14)
        np.testing.assert_allclose(float(loss(y_pred, y_true, weights=2.0)), value, rtol=1e-14)


@pytest.mark.parametrize("smooth", [0.0, 0.5, 1.0, 30.0])
def test_tversky_at_one_half_is_dice_with_twice_the_smoothing(rng, smooth):
    p, t = rng.uniform(0.0, 1.0, (4, 5)), rng.uniform(0.0, 1.0, (4, 5))
    w = rng.uniform(0.1, 2.0, (4, 5))
    ours = losses.tversky(p, t, alpha=0.5, beta=0.5, smooth=smooth, weights=w)
    np.testing.assert_allclose(ours, losses.dice(p, t, smooth=2 * smooth, weights=w), rtol=1e-14)
    grad = losses.tversky_grad(p, t, alpha=0.5, beta=0.5, smooth=smooth)
    np.testing.assert_allclose(grad, losses.dice_grad(p, t, smooth=2 * smooth), rtol=1e-12)
    if smooth == 0.0:
        np.testing.assert_allclose(ours, losses.dice(p, t, smooth=0.0, weights=w), rtol=1e-14)


def test_tversky_at_one_is_the_soft_jaccard(rng):
    p, t = rng.uniform(0.0, 1.0, 12), (rng.random(12) < 0.5).astype(float)
    tp = np.sum(p * t)
    jaccard = 1 - tp / (np.sum(p) + np.sum(t) - tp)
    np.testing.assert_allclose(
        losses.tversky(p, t, alpha=1.0, beta=1.0, smooth=0.0), jaccard, rtol=1e-14
    )


def test_dice_of_a_perfect_and_of_an_empty_prediction():
    t = np.array([1.0, 0.0, 1.0, 0.0])
    assert float(losses.dice(t, t, smooth=0.0)) == 0.0
    assert float(losses.dice(t, t)) == 0.0
    np.testing.assert_allclose(losses.dice_grad(t, t, smooth=0.0), [-0.25, 0.25, -0.25, 0.25])
    empty = np.zeros(4)
    # 0 / 0 with smooth 0: an empty prediction of an empty mask costs 0, not NaN.
    assert float(losses.dice(empty, empty, smooth=0.0)) == 0.0
    assert losses.dice_grad(empty, empty, smooth=0.0).tolist() == [0.0] * 4
    assert float(losses.dice(empty, t, smooth=0.0)) == 1.0


# ---------------------------------------------------------------- rows: HVP and properties


@ROWS
def test_rows_hvp_is_the_derivative_of_the_gradient(case, rng):
    y_pred, y_true = case.smooth_sample(rng, (4,))
    v = rng.normal(size=y_pred.shape)
    loss = case.loss
    numeric = _difference(lambda z: loss.grad(z, y_true, reduction="sum"), y_pred, v)
    np.testing.assert_allclose(
        loss.hvp(y_pred, y_true, v, reduction="sum"), numeric, rtol=1e-6, atol=1e-9
    )


@pytest.mark.loss_cases(
    where=lambda c: c.task in ("distribution", "ordinal", "ranking", "segmentation"), whole=True
)
def test_stated_convexity_holds(case, rng):
    loss = case.loss
    convex = loss.properties.convex
    smallest = math.inf
    for _ in range(20):
        y_pred, y_true = case.sample(rng, (3,))
        if case.whole:
            n = y_pred.size
            hessian = np.stack([loss.hvp(y_pred, y_true, e) for e in np.eye(n)])
            smallest = min(smallest, float(np.linalg.eigvalsh((hessian + hessian.T) / 2)[0]))
        else:
            blocks = loss.hess(y_pred, y_true, reduction="none", full=True)
            np.testing.assert_allclose(blocks, np.swapaxes(blocks, -1, -2), atol=1e-14)
            smallest = min(smallest, float(np.min(np.linalg.eigvalsh(blocks))))
    if convex:
        assert smallest >= -1e-12
    else:
        assert smallest < -1e-6  # a direction of negative curvature: not convex


def test_gaussian_nll_hessian_is_indefinite_off_the_mean():
    z, y = np.array([[1.5, 0.3]]), np.array([0.0])
    block = losses.gaussian_nll_hess(z, y, full=True, reduction="sum")[0]
    r, e = 1.5, math.exp(-0.3)
    np.testing.assert_allclose(block, [[e, -r * e], [-r * e, r * r * e / 2]], rtol=1e-15)
    assert np.linalg.det(block) < 0


def test_gaussian_nll_is_finite_where_half_the_square_is():
    # r² e^{-s} overflows float64 here while (s + r² e^{-s}) / 2 does not (the fuzz's cases).
    import mpmath

    z = np.array([[-1.39297612e154, -2.09341115e-304], [-7.07720963e85, 2.48471099]])
    y = np.array([1.366516682743893e-290, -4.7627292404644696e154])
    for row, t, value, grad, diag in zip(
        z, y, losses.gaussian_nll(z, y, reduction="none"),
        losses.gaussian_nll_grad(z, y, reduction="none"),
        losses.gaussian_nll_hess(z, y, reduction="none"), strict=True,
    ):  # fmt: skip
        mu, s, target = (mpmath.mpf(float(v)) for v in (*row, t))
        half = (mu - target) ** 2 * mpmath.exp(-s) / 2
        assert value == pytest.approx(float(s / 2 + half), rel=1e-14)
        assert grad[1] == pytest.approx(float(mpmath.mpf(1) / 2 - half), rel=1e-14)
        assert diag[1] == pytest.approx(float(half), rel=1e-14)


@pytest.mark.parametrize("name", ["multi_quantile"])
def test_lipschitz_bound_holds(name, rng):
    loss = losses.get(name, qs=(0.05, 0.5, 0.7))
    bound = loss.properties.lipschitz
    z = rng.normal(size=(200, 3)) * 5
    y = rng.normal(size=200)
    norms = np.linalg.norm(loss.grad(z, y, reduction="none"), axis=-1)
    assert np.max(norms) <= bound + 1e-15
    assert np.max(norms) == pytest.approx(bound)


# ---------------------------------------------------------------- optimal constants


def _mean_gradient(loss, constant, y_true, w):
    rows = np.broadcast_to(constant, (*np.shape(y_true)[:1], np.size(constant)))
    return loss.grad(np.array(rows), y_true, weights=w).sum(axis=0)


def test_gaussian_optimal_constant(rng):
    y, w = rng.normal(3.0, 2.0, 50), rng.uniform(0.5, 2.0, 50)
    loss = losses.get("gaussian_nll")
    c = loss.optimal_constant(y, weights=w)
    mean = np.average(y, weights=w)
    np.testing.assert_allclose(c, [mean, np.log(np.average((y - mean) ** 2, weights=w))])
    np.testing.assert_allclose(_mean_gradient(loss, c, y, w), 0.0, atol=1e-12)


def test_multi_quantile_optimal_constant(rng):
    y = rng.normal(size=101)
    loss = losses.get("multi_quantile", qs=(0.1, 0.5, 0.9))
    c = loss.optimal_constant(y)
    np.testing.assert_allclose(c, np.quantile(y, [0.1, 0.5, 0.9], method="inverted_cdf"))
    here = float(loss(np.tile(c, (101, 1)), y))
    for step in (-1e-3, 1e-3):
        for j in range(3):
            moved = c.copy()
            moved[j] += step
            assert float(loss(np.tile(moved, (101, 1)), y)) >= here


def test_coral_optimal_constant(rng):
    y, w = rng.integers(0, 4, 80), rng.uniform(0.5, 2.0, 80)
    loss = losses.get("coral")
    c = loss.optimal_constant(y, weights=w)
    assert c.shape == (3,)
    np.testing.assert_allclose(_mean_gradient(loss, c, y, w), 0.0, atol=1e-12)


def test_softmax_ranking_optimal_constant(rng):
    t = rng.integers(0, 4, (30, 5)).astype(float)
    t[:, 0] += 1.0  # every item relevant somewhere
    loss = losses.get("softmax_ranking")
    c = loss.optimal_constant(t)
    np.testing.assert_allclose(_mean_gradient(loss, c, t, None), 0.0, atol=1e-12)


@pytest.mark.parametrize("name", ["pairwise_logistic", "dice", "tversky"])
def test_no_optimal_constant_says_why(name):
    with pytest.raises(NotImplementedError, match=f"{name} has no optimal constant"):
        losses.get(name).optimal_constant(np.ones((3, 2)))


# ---------------------------------------------------------------- identities and validation


def test_multi_quantile_is_the_sum_of_quantile_columns(rng):
    qs = (0.05, 0.3, 0.75)
    z, y = rng.normal(size=(9, 3)), rng.normal(size=9)
    total = sum(losses.quantile(z[:, j], y, q=q, reduction="none") for j, q in enumerate(qs))
    np.testing.assert_allclose(losses.multi_quantile(z, y, qs=qs, reduction="none"), total)
    grad = np.stack([losses.quantile_grad(z[:, j], y, q=q) for j, q in enumerate(qs)], axis=-1)
    np.testing.assert_allclose(losses.multi_quantile_grad(z, y, qs=qs), grad)


@pytest.mark.parametrize(
    ("qs", "error", "match"),
    [
        ((), ValueError, "at least one"),
        ((0.0, 0.5), ValueError, r"in \(0, 1\), got 0.0"),
        ((0.5, 1.2), ValueError, r"in \(0, 1\), got 1.2"),
        ("0.5", TypeError, "sequence of quantile levels"),
        (0.5, TypeError, "sequence of quantile levels"),
        ((0.5, "x"), TypeError, "real numbers"),
    ],
)
def test_multi_quantile_levels_are_validated(qs, error, match):
    with pytest.raises(error, match=match):
        losses.get("multi_quantile", qs=qs)


def test_row_widths_are_checked():
    with pytest.raises(ValueError, match="'multi_quantile' hold 3 values, got 2"):
        losses.multi_quantile(np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="'gaussian_nll' hold 2 values, got 3"):
        losses.gaussian_nll(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"ordinal label 4, outside 0\.\.3"):
        losses.coral(np.zeros((2, 3)), [1, 4])
    with pytest.raises(ValueError, match="one relevance grade per score"):
        losses.softmax_ranking(np.zeros((2, 3)), np.zeros(2))


def test_coral_is_the_sum_of_binary_cross_entropies(rng):
    z, y = rng.normal(size=(6, 3)), rng.integers(0, 4, 6)
    above = (y[:, None] > np.arange(3)).astype(float)
    per = losses.bce_with_logits(z, above, reduction="none").sum(axis=-1)
    np.testing.assert_allclose(losses.coral(z, y, reduction="none"), per, rtol=1e-15)
    # Whole floats are labels too.
    np.testing.assert_array_equal(losses.coral(z, y.astype(float)), losses.coral(z, y))


def test_pairwise_logistic_ignores_ties():
    z = np.array([[3.0, -1.0, 0.5]])
    assert float(losses.pairwise_logistic(z, [[2.0, 2.0, 2.0]])) == 0.0
    assert losses.pairwise_logistic_grad(z, [[2.0, 2.0, 2.0]]).tolist() == [[0.0, 0.0, 0.0]]
    # The pairs (2 over 0) and (2 over 1) count, not (0, 1), a tie: log(1 + e^{-(s_i - s_j)}).
    np.testing.assert_allclose(
        float(losses.pairwise_logistic(z, [[0.0, 0.0, 1.0]])),
        math.log1p(math.exp(2.5)) + math.log1p(math.exp(-1.5)),
        rtol=1e-15,
    )


def test_softmax_ranking_of_one_relevant_item_is_cross_entropy(rng):
    z, labels = rng.normal(size=(5, 4)), rng.integers(0, 4, 5)
    onehot = np.eye(4)[labels]
    np.testing.assert_allclose(
        losses.softmax_ranking(z, onehot), losses.cross_entropy(z, labels), rtol=1e-14
    )
    np.testing.assert_allclose(
        losses.softmax_ranking_hess(z, onehot, full=True),
        losses.cross_entropy_hess(z, labels, full=True),
        rtol=1e-14,
    )


# ---------------------------------------------------------------- curves along the link's axis


@pytest.mark.parametrize(
    "name",
    ["gaussian_nll", "multi_quantile", "coral", "pairwise_logistic", "softmax_ranking", "dice",
     "tversky"],
)  # fmt: skip
def test_curve_derivatives_are_derivatives_along_the_axis(name):
    loss = losses.get(name)
    low, high = loss.link.axis[1]
    x = np.linspace(low, high, 9)[1:-1] + 0.013  # off the kinks
    curve = along_axis(loss, x)
    one = np.ones(1)
    numeric = _difference(lambda u: along_axis(loss, u).value, x, one, h=1e-5)
    np.testing.assert_allclose(curve.derivative, numeric, rtol=1e-6, atol=1e-9)
    second = _difference(lambda u: along_axis(loss, u).derivative, x, one, h=1e-5)
    np.testing.assert_allclose(curve.second_derivative, second, rtol=1e-5, atol=1e-8)


def test_gaussian_nll_matches_torch_where_it_does_not_clamp(require, rng):
    # torch clamps the variance below at eps (1e-6): equal wherever exp(s) > eps.
    torch = require("torch")
    F = torch.nn.functional
    y = rng.normal(0.0, 3.0, 40)
    z = np.stack([y + rng.normal(0.0, 2.0, 40), rng.uniform(-13.0, 13.0, 40)], axis=-1)
    above = np.exp(z[:, 1]) > 1e-6
    mu = torch.tensor(z[:, 0], requires_grad=True)
    s = torch.tensor(z[:, 1], requires_grad=True)
    ref = F.gaussian_nll_loss(mu, torch.tensor(y), torch.exp(s), full=False, reduction="none")
    ref.sum().backward()
    ours = losses.gaussian_nll(z, y, reduction="none")
    np.testing.assert_allclose(ours[above], ref.detach().numpy()[above], rtol=1e-13)
    grad = losses.gaussian_nll_grad(z, y, reduction="sum")
    np.testing.assert_allclose(grad[above, 0], mu.grad.numpy()[above], rtol=1e-12)
    np.testing.assert_allclose(grad[above, 1], s.grad.numpy()[above], rtol=1e-12, atol=1e-15)
    full = F.gaussian_nll_loss(
        torch.tensor(z[:, 0]), torch.tensor(y), torch.exp(torch.tensor(z[:, 1])), full=True
    )
    np.testing.assert_allclose(
        float(losses.gaussian_nll(z[above], y[above])) + 0.5 * math.log(2 * math.pi),
        float(F.gaussian_nll_loss(
            torch.tensor(z[above, 0]), torch.tensor(y[above]),
            torch.exp(torch.tensor(z[above, 1])), full=True,
        )),
        rtol=1e-13,
    )  # fmt: skip
    assert math.isfinite(float(full))

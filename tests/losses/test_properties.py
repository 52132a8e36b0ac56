"""Properties every catalogue loss must have, and identities between losses (hypothesis).

The expected values here are identities, not numbers from elsewhere: reductions
(mean == none.mean(), sum == none.sum()), weights (multiply the per-example loss;
a weighted mean divides by their sum), perfect predictions, and the relations between
losses stated in DESIGN.md and the docstrings (huber -> mse / 2 as delta grows,
quantile(0.5) = mae / 2, Barron's special cases).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import losslab.losses as losses

PROPERTY_SETTINGS = settings(max_examples=8, deadline=None, derandomize=True)

seeds = st.integers(0, 2**32 - 1)
shapes = st.sampled_from([(1,), (2,), (5,), (2, 3)])


def _draw(case, seed, shape):
    rng = np.random.default_rng(seed)
    y_pred, y_true = case.sample(rng, shape)
    w = rng.uniform(0.0, 3.0, case.example_shape(y_pred))
    w.flat[0] = 0.5  # never all zero
    return y_pred, y_true, w


@PROPERTY_SETTINGS
@given(seed=seeds, shape=shapes)
def test_nonnegative(case, seed, shape):
    y_pred, y_true, _ = _draw(case, seed, shape)
    values = case.loss(y_pred, y_true, reduction="none")
    if case.nonnegative:
        assert np.all(values >= 0)
    assert np.all(np.isfinite(values))


@pytest.mark.loss_cases(where=lambda c: c.perfect is not None)
@PROPERTY_SETTINGS
@given(seed=seeds, shape=shapes)
def test_perfect_prediction(case, seed, shape):
    _, y_true, w = _draw(case, seed, shape)
    if "perfect-needs-positive" in case.tags:
        y_true = np.maximum(y_true, 1.0)
    y_pred = case.perfect(y_true)
    loss = case.loss
    grad = loss.grad(y_pred, y_true, weights=w, reduction="sum")
    if "perfect-on-boundary" in case.tags:
        # bce: p = y in {0, 1} is the boundary of the domain; the derivative points outward.
        np.testing.assert_array_equal(np.abs(grad[w != 0] if w is not None else grad) > 0, True)
    else:
        # exp(log y) - y (poisson_nll) rounds to a few ulps of y.
        scale = max(1.0, float(np.max(np.abs(y_true))))
        np.testing.assert_allclose(grad, 0.0, atol=1e-15 * scale)
    if case.zero_loss_at_perfect:
        # kl_div pays the rounding of log(t).
        np.testing.assert_allclose(loss(y_pred, y_true, reduction="none"), 0.0, atol=1e-15)
    else:
        # Still the minimum: any nearby prediction costs more.
        here = loss(y_pred, y_true, reduction="sum")
        for step in (-0.1, 0.1):
            assert loss(y_pred + step, y_true, reduction="sum") > here


@PROPERTY_SETTINGS
@given(seed=seeds, shape=shapes)
def test_reductions_agree_unweighted(case, seed, shape):
    y_pred, y_true, _ = _draw(case, seed, shape)
    loss = case.loss
    none = loss(y_pred, y_true, reduction="none")
    np.testing.assert_allclose(loss(y_pred, y_true, reduction="sum"), none.sum(), rtol=1e-13)
    normalizer = case.mean_normalizer(y_true, None)
    np.testing.assert_allclose(
        loss(y_pred, y_true, reduction="mean"), none.sum() / normalizer, rtol=1e-13
    )
    if case.normalizer is None:
        np.testing.assert_allclose(loss(y_pred, y_true), none.mean(), rtol=1e-13)
    # grad and hess carry the reduction: mean = sum / normalizer; "none" = "sum" per element.
    for derivative in (loss.grad, loss.hess):
        total = derivative(y_pred, y_true, reduction="sum")
        np.testing.assert_allclose(
            derivative(y_pred, y_true, reduction="mean"),
            total / normalizer,
            rtol=1e-13,
            atol=1e-300,
        )
        np.testing.assert_array_equal(derivative(y_pred, y_true, reduction="none"), total)


@PROPERTY_SETTINGS
@given(seed=seeds, shape=shapes)
def test_weights_multiply(case, seed, shape):
    y_pred, y_true, w = _draw(case, seed, shape)
    loss = case.loss
    plain = loss(y_pred, y_true, reduction="none")
    weighted = loss(y_pred, y_true, weights=w, reduction="none")
    np.testing.assert_allclose(weighted, w * plain, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(
        loss(y_pred, y_true, weights=w, reduction="sum"), np.sum(w * plain), rtol=1e-13
    )
    np.testing.assert_allclose(
        loss(y_pred, y_true, weights=w, reduction="mean"),
        np.sum(w * plain) / case.mean_normalizer(y_true, w),
        rtol=1e-13,
    )
    if case.normalizer is None:
        np.testing.assert_allclose(
            loss(y_pred, y_true, weights=w), np.sum(w * plain) / np.sum(w), rtol=1e-13
        )
    # Per-element derivatives scale by the weight of their example.
    w_elem = w[..., None] if case.rows else w
    for derivative in (loss.grad, loss.hess):
        np.testing.assert_allclose(
            derivative(y_pred, y_true, weights=w, reduction="sum"),
            w_elem * derivative(y_pred, y_true, reduction="sum"),
            rtol=1e-14,
            atol=1e-300,
        )


@PROPERTY_SETTINGS
@given(seed=seeds, shape=shapes, scale=st.floats(0.1, 10.0))
def test_uniform_weights_do_not_change_the_mean(case, seed, shape, scale):
    y_pred, y_true, _ = _draw(case, seed, shape)
    loss = case.loss
    w = np.full(case.example_shape(y_pred), scale)
    np.testing.assert_allclose(loss(y_pred, y_true, weights=w), loss(y_pred, y_true), rtol=1e-13)
    np.testing.assert_allclose(
        loss.grad(y_pred, y_true, weights=w), loss.grad(y_pred, y_true), rtol=1e-13, atol=1e-300
    )
    # A scalar weight broadcasts like the full array.
    np.testing.assert_allclose(
        loss(y_pred, y_true, weights=scale, reduction="sum"),
        loss(y_pred, y_true, weights=w, reduction="sum"),
        rtol=1e-14,
    )


@PROPERTY_SETTINGS
@given(seed=seeds)
def test_integer_weight_is_a_repeated_example(case, seed):
    # Weight 2 on an example == that example twice (for the sum, and for the mean).
    y_pred, y_true, _ = _draw(case, seed, (3,))
    loss = case.loss
    w = np.array([2.0, 1.0, 1.0])
    rep_pred = np.concatenate([y_pred[:1], y_pred])
    rep_true = np.concatenate([y_true[:1], y_true])
    for reduction in ("sum", "mean"):
        np.testing.assert_allclose(
            loss(y_pred, y_true, weights=w, reduction=reduction),
            loss(rep_pred, rep_true, reduction=reduction),
            rtol=1e-13,
        )


# ------------------------------------------------------------------ identities between losses

residuals = st.lists(st.floats(-50, 50, allow_subnormal=False), min_size=1, max_size=8).map(
    np.array
)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(r=residuals)
def test_huber_with_large_delta_is_half_mse(r):
    zeros = np.zeros_like(r)
    # delta above every |r|: only the quadratic branch, r²/2 exactly.
    delta = 1.0 + float(np.max(np.abs(r)))
    assert losses.huber(r, zeros, delta=delta, reduction="none").tolist() == (0.5 * r * r).tolist()
    np.testing.assert_allclose(
        losses.huber(r, zeros, delta=delta), 0.5 * losses.mse(r, zeros), rtol=1e-15
    )
    np.testing.assert_allclose(
        losses.huber_grad(r, zeros, delta=delta), 0.5 * losses.mse_grad(r, zeros), rtol=1e-15
    )


@settings(max_examples=50, deadline=None, derandomize=True)
@given(r=residuals, delta=st.floats(1e-6, 1.0))
def test_huber_over_delta_tends_to_mae(r, delta):
    zeros = np.zeros_like(r)
    gap = losses.huber(r, zeros, delta=delta, reduction="none") / delta - np.abs(r)
    # huber / delta - |r| lies in [-delta / 2, 0]: -delta/2 beyond delta, r²/(2 delta) - |r| inside.
    assert np.all(gap <= 1e-12 * (1 + np.abs(r)))
    assert np.all(gap >= -delta / 2 - 1e-12 * (1 + np.abs(r)))


@settings(max_examples=50, deadline=None, derandomize=True)
@given(r=residuals, scale=st.floats(0.1, 10.0))
def test_barron_alpha_two_is_scaled_half_mse(r, scale):
    zeros = np.zeros_like(r)
    np.testing.assert_allclose(
        losses.barron(r, zeros, alpha=2.0, scale=scale),
        0.5 * losses.mse(r, zeros) / scale**2,
        rtol=1e-14,
        atol=1e-300,
    )


@pytest.mark.parametrize("alpha", [1e-300, 1e-308, 2.2e-313, 5e-324, -5e-324])
def test_barron_tiny_alpha_is_cauchy(alpha):
    # rho is continuous in alpha: a tiny nonzero alpha gives the alpha = 0 (Cauchy) loss.
    # (k / alpha) must not be formed on its own: 2 / 1e-308 overflows.
    r = np.array([0.0, 1e-3, 1.0, -7.0])
    zeros = np.zeros_like(r)
    for f in (losses.barron, losses.barron_grad, losses.barron_hess):
        np.testing.assert_allclose(
            f(r, zeros, alpha=alpha, reduction="none"),
            f(r, zeros, alpha=0.0, reduction="none"),
            rtol=1e-12,
            atol=1e-300,
        )


@settings(max_examples=50, deadline=None, derandomize=True)
@given(r=residuals, scale=st.floats(0.1, 10.0))
def test_barron_alpha_one_is_pseudo_huber(r, scale):
    zeros = np.zeros_like(r)
    kw = {"reduction": "none"}
    np.testing.assert_allclose(
        scale**2 * losses.barron(r, zeros, alpha=1.0, scale=scale, **kw),
        losses.pseudo_huber(r, zeros, delta=scale, **kw),
        rtol=1e-14,
        atol=1e-300,
    )
    np.testing.assert_allclose(
        scale**2 * losses.barron_grad(r, zeros, alpha=1.0, scale=scale, **kw),
        losses.pseudo_huber_grad(r, zeros, delta=scale, **kw),
        rtol=1e-14,
        atol=1e-300,
    )


@settings(max_examples=50, deadline=None, derandomize=True)
@given(r=residuals, y=residuals)
def test_quantile_half_is_half_mae(r, y):
    n = min(r.size, y.size)
    y_pred, y_true = y[:n] + r[:n], y[:n]
    np.testing.assert_allclose(
        losses.quantile(y_pred, y_true, q=0.5, reduction="none"),
        0.5 * losses.mae(y_pred, y_true, reduction="none"),
        rtol=1e-15,
        atol=1e-300,
    )
    np.testing.assert_array_equal(
        losses.quantile_grad(y_pred, y_true, q=0.5), 0.5 * losses.mae_grad(y_pred, y_true)
    )


@settings(max_examples=50, deadline=None, derandomize=True)
@given(
    z=st.lists(st.floats(-30, 30), min_size=1, max_size=8).map(np.array),
    seed=seeds,
)
def test_focal_gamma_zero_is_bce_with_logits(z, seed):
    y = np.random.default_rng(seed).integers(0, 2, z.size).astype(float)
    for f, g in (
        (losses.focal, losses.bce_with_logits),
        (losses.focal_grad, losses.bce_with_logits_grad),
        (losses.focal_hess, losses.bce_with_logits_hess),
    ):
        np.testing.assert_allclose(
            f(z, y, gamma=0.0, reduction="none"), g(z, y, reduction="none"), rtol=1e-13, atol=1e-300
        )


@settings(max_examples=30, deadline=None, derandomize=True)
@given(seed=seeds)
def test_kl_div_is_cross_entropy_minus_entropy(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 3, (5, 4))
    t = rng.dirichlet(np.ones(4), 5)
    entropy = -np.sum(t * np.log(t), axis=-1)
    np.testing.assert_allclose(
        losses.kl_div(z, t, reduction="none"),
        losses.cross_entropy(z, t, reduction="none") - entropy,
        rtol=1e-11,
        atol=1e-13,
    )
    np.testing.assert_allclose(
        losses.kl_div_grad(z, t), losses.cross_entropy_grad(z, t), rtol=1e-13, atol=1e-16
    )


@settings(max_examples=30, deadline=None, derandomize=True)
@given(seed=seeds)
def test_cross_entropy_on_two_classes_is_bce_with_logits(seed):
    # softmax over (0, z) is sigmoid(z): a two-class cross-entropy is the binary one.
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 4, 6)
    y = rng.integers(0, 2, 6)
    rows = np.stack([np.zeros_like(z), z], axis=-1)
    np.testing.assert_allclose(
        losses.cross_entropy(rows, y, reduction="none"),
        losses.bce_with_logits(z, y.astype(float), reduction="none"),
        rtol=1e-12,
        atol=1e-16,  # absolute: the relative accuracy of confident answers is in test_extremes
    )
    # softmax - onehot: absolute accuracy (test_extremes holds the strict checks).
    np.testing.assert_allclose(
        losses.cross_entropy_grad(rows, y)[:, 1],
        losses.bce_with_logits_grad(z, y),
        rtol=1e-12,
        atol=1e-16,
    )


@settings(max_examples=30, deadline=None, derandomize=True)
@given(seed=seeds)
def test_one_hot_rows_equal_labels(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 3, (5, 4))
    y = rng.integers(0, 4, 5)
    onehot = np.eye(4)[y]
    for f in (losses.cross_entropy, losses.cross_entropy_grad, losses.cross_entropy_hess):
        np.testing.assert_allclose(f(z, onehot), f(z, y), rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(
        losses.cross_entropy(z, onehot, label_smoothing=0.2),
        losses.cross_entropy(z, y, label_smoothing=0.2),
        rtol=1e-13,
    )


def test_hinge_label_conventions_agree(rng):
    z = rng.normal(0, 2, 20)
    y01 = rng.integers(0, 2, 20).astype(float)
    for name in ("hinge", "squared_hinge"):
        loss = losses.get(name)
        for f in (loss, loss.grad, loss.hess):
            np.testing.assert_array_equal(
                f(z, y01, reduction="none"), f(z, 2 * y01 - 1, reduction="none")
            )


def test_hinge_subgradient_at_the_kink():
    # s z = 1 exactly: loss 0 and the subgradient 0, for both label conventions.
    z = np.array([1.0, -1.0])
    for y in (np.array([1.0, 0.0]), np.array([1.0, -1.0])):
        np.testing.assert_array_equal(losses.hinge(z, y, reduction="none"), [0.0, 0.0])
        np.testing.assert_array_equal(losses.hinge_grad(z, y, reduction="none"), [0.0, 0.0])
        np.testing.assert_array_equal(losses.squared_hinge_grad(z, y, reduction="none"), [0.0, 0.0])


def test_mae_and_quantile_subgradient_at_zero():
    x = np.array([1.5, -2.0])
    np.testing.assert_array_equal(losses.mae_grad(x, x, reduction="none"), [0.0, 0.0])
    for q in (0.1, 0.9):
        np.testing.assert_array_equal(losses.quantile_grad(x, x, q=q, reduction="none"), [0.0, 0.0])


SPECIAL_ALPHAS = [2.0, 1.0, 0.0, -2.0]


@pytest.mark.parametrize("alpha", SPECIAL_ALPHAS)
@pytest.mark.parametrize("offset", [-1e-6, 1e-6])
@pytest.mark.parametrize("scale", [0.5, 1.0, 3.0])
def test_barron_continuous_at_special_alphas(alpha, offset, scale):
    # The general formula at alpha +- 1e-6 must agree with the exact branch at alpha. The
    # loss moves with alpha by a relative O(|offset| z² log(1 + z²)) (the Hessian at
    # alpha = 1 holds 1 + z² (1/k - 1)), which bounds the allowed gap; a wrong branch or a
    # cancellation in the general formula is off by far more.
    r = np.array([-20.0, -3.0, -0.7, -1e-3, 0.0, 1e-4, 0.4, 1.0, 2.5, 15.0])
    zeros = np.zeros_like(r)
    z2 = (r / scale) ** 2
    bound = 10 * abs(offset) * (1 + z2) * (1 + np.log1p(z2))
    kw = {"scale": scale, "reduction": "none"}
    for f in (losses.barron, losses.barron_grad, losses.barron_hess):
        near = f(r, zeros, alpha=alpha + offset, **kw)
        exact = f(r, zeros, alpha=alpha, **kw)
        assert np.all(np.abs(near - exact) <= bound * np.abs(exact) + 1e-12), (
            f.__name__,
            near,
            exact,
        )


@pytest.mark.parametrize("scale", [0.5, 1.0, 3.0])
def test_barron_continuous_at_minus_infinity(scale):
    # rho(alpha) -> Welsch as alpha -> -inf; at alpha = -1e8 the gap is ~1e-8.
    r = np.array([-5.0, -1.0, -0.1, 0.0, 0.3, 2.0, 8.0])
    zeros = np.zeros_like(r)
    kw = {"scale": scale, "reduction": "none"}
    for f in (losses.barron, losses.barron_grad, losses.barron_hess):
        np.testing.assert_allclose(
            f(r, zeros, alpha=-1e8, **kw), f(r, zeros, alpha=-math.inf, **kw), rtol=1e-6, atol=1e-7
        )


@settings(max_examples=50, deadline=None, derandomize=True)
@given(
    r=residuals,
    alpha=st.floats(-10, 10).filter(lambda a: a == 0 or abs(a) > 1e-300),
    scale=st.floats(0.1, 10),
)
def test_barron_small_residuals_are_quadratic(r, alpha, scale):
    # For |x| << c every alpha gives rho ~ x² / (2 c²) (Barron 2019, sec. 1): to 1e-6 at x = c/1000.
    x = np.array([scale * 1e-3, -scale * 1e-3])
    zeros = np.zeros_like(x)
    np.testing.assert_allclose(
        losses.barron(x, zeros, alpha=alpha, scale=scale, reduction="none"),
        0.5 * (x / scale) ** 2,
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        losses.barron_hess(x, zeros, alpha=alpha, scale=scale, reduction="none"),
        1 / scale**2,
        rtol=1e-5,
    )
    # and rho is monotone in |x| (non-decreasing away from 0)
    a = np.abs(r)
    order = np.argsort(a)
    values = losses.barron(a[order], np.zeros_like(a), alpha=alpha, scale=scale, reduction="none")
    assert np.all(np.diff(values) >= -1e-12 * (1 + np.abs(values[1:])))

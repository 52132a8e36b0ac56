"""The robust family and the deviances: identities with Barron, limits, optimal constants.

cauchy, welsch, geman_mcclure and charbonnier are Barron's loss at alpha 0, -inf, -2
and 1 (the same functions, so the same bits); tukey and epsilon_insensitive stay
finite and exact at their edges; tweedie, gamma_nll and msle minimise at their
closed-form constants.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import losslab.losses as losses
from losslab import config

MEMBERS = [("cauchy", 0.0), ("welsch", -math.inf), ("geman_mcclure", -2.0), ("charbonnier", 1.0)]

_RESIDUALS = np.array(
    [0.0, 1e-300, -1e-150, 1e-8, -0.3, 1.0, -1.7, 2.5, 30.0, -745.0, 1e4, 1e20, -1e150, 1e300]
)


@pytest.mark.parametrize(("name", "alpha"), MEMBERS)
@pytest.mark.parametrize("scale", [1.0, 0.3, 3.0, 1e-6, 1e6])
@pytest.mark.parametrize("fused", [False, True])
def test_barron_members_equal_barron(name, alpha, scale, fused):
    y_true = np.concatenate([np.zeros_like(_RESIDUALS), np.full_like(_RESIDUALS, -2.0)])
    y_pred = y_true + np.concatenate([_RESIDUALS, _RESIDUALS])
    member, barron = losses.get(name, scale=scale), losses.get("barron", alpha=alpha, scale=scale)
    with config.fused(fused):
        for ours, theirs in (
            (member, barron),
            (member.grad, barron.grad),
            (member.hess, barron.hess),
        ):
            np.testing.assert_array_equal(
                ours(y_pred, y_true, reduction="none"), theirs(y_pred, y_true, reduction="none")
            )


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    r=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=8).map(np.array),
    scale=st.floats(1e-3, 1e3),
)
def test_barron_members_equal_barron_anywhere(r, scale):
    zeros = np.zeros_like(r)
    for name, alpha in MEMBERS:
        for suffix in ("", "_grad", "_hess"):
            ours = getattr(losses, name + suffix)(r, zeros, scale=scale, reduction="none")
            theirs = getattr(losses, "barron" + suffix)(
                r, zeros, alpha=alpha, scale=scale, reduction="none"
            )
            np.testing.assert_array_equal(ours, theirs)


def test_charbonnier_is_pseudo_huber_over_delta_squared():
    r = np.array([-40.0, -2.0, -0.1, 0.0, 0.5, 3.0, 1e3])
    zeros = np.zeros_like(r)
    for c in (0.5, 2.0):
        np.testing.assert_allclose(
            c * c * losses.charbonnier(r, zeros, scale=c, reduction="none"),
            losses.pseudo_huber(r, zeros, delta=c, reduction="none"),
            rtol=1e-14,
        )


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("cauchy", {"scale": 0.7}),
        ("welsch", {"scale": 2.0}),
        ("geman_mcclure", {"scale": 1.3}),
        ("charbonnier", {"scale": 0.5}),
        ("tukey", {"c": 2.0}),
        ("epsilon_insensitive", {"epsilon": 0.3}),
    ],
)
def test_lipschitz_is_the_largest_force(name, params):
    loss = losses.get(name, **params)
    bound = loss.properties.lipschitz
    r = np.linspace(-1e3, 1e3, 2_000_001)
    grad = loss.grad(r, np.zeros_like(r), reduction="none")
    assert np.max(np.abs(grad)) <= bound * (1 + 1e-12)
    if name != "charbonnier":  # charbonnier approaches 1/c only as r -> inf
        assert np.max(np.abs(grad)) >= bound * (1 - 1e-6)


# ------------------------------------------------------------------ tukey


def test_tukey_formula_and_edges():
    c = 2.0
    r = np.array([0.0, 0.5, -1.0, 1.9, 2.0, -2.0, 2.5, 1e300, -1.7e308])
    zeros = np.zeros_like(r)
    inside = np.abs(r) <= c
    s = np.where(inside, (np.clip(r, -c, c) / c) ** 2, 1.0)
    kw = {"c": c, "reduction": "none"}
    np.testing.assert_allclose(
        losses.tukey(r, zeros, **kw),
        np.where(inside, c * c / 6 * (1 - (1 - s) ** 3), c * c / 6),
        rtol=1e-14,
    )
    np.testing.assert_allclose(
        losses.tukey_grad(r, zeros, **kw),
        np.where(inside, np.clip(r, -c, c) * (1 - s) ** 2, 0.0),
        rtol=1e-14,
        atol=1e-300,
    )
    np.testing.assert_allclose(
        losses.tukey_hess(r, zeros, **kw),
        np.where(inside, (1 - s) * (1 - 5 * s), 0.0),
        rtol=1e-13,
        atol=1e-300,
    )


@pytest.mark.parametrize("fused", [False, True])
def test_tukey_is_continuous_to_the_second_derivative_at_c(fused):
    c = 1.5
    edge = np.array([c - 1e-7, c, c + 1e-7])
    zeros = np.zeros(3)
    loss = losses.get("tukey", c=c)
    with config.fused(fused):
        value = loss(edge, zeros, reduction="none")
        grad = loss.grad(edge, zeros, reduction="none")
        hess = loss.hess(edge, zeros, reduction="none")
    np.testing.assert_allclose(value, c * c / 6, rtol=1e-12)
    np.testing.assert_allclose(grad, 0.0, atol=1e-12)
    np.testing.assert_allclose(hess, 0.0, atol=1e-6)


@pytest.mark.parametrize("fused", [False, True])
def test_tukey_and_epsilon_insensitive_huge_residuals_are_finite(fused):
    y_pred = np.array([1.7e308, -1.7e308, 1e300])
    y_true = np.array([-1.7e308, 1.7e308, 0.0])  # y_pred - y_true overflows in the first two
    with config.fused(fused):
        for loss in (losses.get("tukey", c=1e-6), losses.get("epsilon_insensitive")):
            for result in (
                loss(y_pred, y_true, reduction="none"),
                loss.grad(y_pred, y_true, reduction="none"),
                loss.hess(y_pred, y_true, reduction="none"),
            ):
                assert not np.any(np.isnan(result))
    grad = losses.tukey_grad(y_pred, y_true, reduction="none")
    assert grad.tolist() == [0.0, 0.0, 0.0]


# ------------------------------------------------------------------ epsilon-insensitive


def test_epsilon_insensitive_tube():
    r = np.array([-2.0, -0.1, -0.05, 0.0, 0.05, 0.1, 0.3])
    zeros = np.zeros_like(r)
    kw = {"epsilon": 0.1, "reduction": "none"}
    np.testing.assert_allclose(
        losses.epsilon_insensitive(r, zeros, **kw), [1.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.2], atol=1e-15
    )
    # sign r outside, the subgradient 0 inside and on the edges.
    assert losses.epsilon_insensitive_grad(r, zeros, **kw).tolist() == [-1, 0, 0, 0, 0, 0, 1]
    np.testing.assert_array_equal(
        losses.epsilon_insensitive(r, zeros, epsilon=0.0, reduction="none"),
        losses.mae(r, zeros, reduction="none"),
    )


# ------------------------------------------------------------------ optimal constants


def _is_minimum(loss, c, y, w, steps=(1e-3, 1e-1)):
    here = float(loss(np.full(y.shape, c), y, weights=w))
    for step in steps:
        for d in (-step, step):
            assert float(loss(np.full(y.shape, c + d), y, weights=w)) >= here - 1e-12 * abs(here)


@pytest.mark.parametrize("weighted", [False, True])
def test_closed_form_constants_minimise(rng, weighted):
    w = rng.uniform(0.1, 3.0, 30) if weighted else None
    counts = np.where(rng.random(30) < 0.3, 0.0, rng.gamma(2.0, 2.0, 30))
    amounts = rng.gamma(2.0, 2.0, 30)
    for loss, y in (
        (losses.get("tweedie", power=1.3), counts),
        (losses.get("gamma_nll"), amounts),
        (losses.get("msle"), counts),
        (losses.get("epsilon_insensitive", epsilon=0.4), rng.normal(0, 2, 30)),
        (losses.get("epsilon_insensitive", epsilon=0.0), rng.normal(0, 2, 30)),
    ):
        c = float(loss.optimal_constant(y, weights=w))
        _is_minimum(loss, c, y, w)
    # tweedie and gamma: the log of the weighted mean; msle: expm1 of the mean log1p.
    np.testing.assert_allclose(
        losses.get("tweedie").optimal_constant(counts, weights=w),
        np.log(np.average(counts, weights=w)),
    )
    np.testing.assert_allclose(
        losses.get("msle").optimal_constant(counts, weights=w),
        np.expm1(np.average(np.log1p(counts), weights=w)),
    )


def test_numerical_constants_of_the_robust_losses_are_minima(rng):
    y = np.concatenate([rng.normal(1.0, 0.5, 40), [40.0, -35.0]])  # two outliers
    for name in ("cauchy", "welsch", "geman_mcclure", "charbonnier", "tukey"):
        loss = losses.get(name)
        c = float(loss.optimal_constant(y))
        assert abs(c - 1.0) < 0.5, name  # the outliers do not drag it
        _is_minimum(loss, c, y, None)


# ------------------------------------------------------------------ deviances


def test_tweedie_limits_are_poisson_and_gamma_up_to_constants():
    # The z-dependent part: the gradients converge as p -> 1 and p -> 2.
    z = np.linspace(-2, 2, 9)
    y = np.array([0.0, 0.5, 1.0, 2.0, 3.0, 0.1, 7.0, 1.5, 4.0])
    np.testing.assert_allclose(
        losses.tweedie_grad(z, y, power=1 + 1e-9, reduction="none"),
        losses.poisson_nll_grad(z, y, reduction="none"),
        rtol=1e-7,
        atol=1e-7,
    )
    y_pos = np.maximum(y, 0.2)
    # gamma_nll's gradient is 1 - y e^-z; tweedie's at p = 2 is e^0 - y e^-z.
    np.testing.assert_allclose(
        losses.tweedie_grad(z, y_pos, power=2 - 1e-9, reduction="none"),
        losses.gamma_nll_grad(z, y_pos, reduction="none"),
        rtol=1e-7,
        atol=1e-7,
    )


def test_gamma_nll_refuses_a_zero_target():
    with pytest.raises(ValueError, match="y_true must be positive"):
        losses.gamma_nll([0.0, 1.0], [1.0, 0.0])
    with config.fused(True), pytest.raises(ValueError, match="y_true must be positive"):
        losses.get("gamma_nll").grad(np.array([0.0, 1.0]), np.array([1.0, 0.0]))


def test_tweedie_power_out_of_range():
    for power in (1.0, 2.0, 0.5, 3.0):
        with pytest.raises(ValueError, match="power"):
            losses.get("tweedie", power=power)


def test_msle_clips_negative_predictions_like_keras():
    y_true = np.array([2.0, 2.0, 0.0])
    y_pred = np.array([-0.5, 0.0, -3.0])
    np.testing.assert_allclose(
        losses.msle(y_pred, y_true, reduction="none"), [np.log(3.0) ** 2, np.log(3.0) ** 2, 0.0]
    )
    assert losses.msle_grad(y_pred, y_true, reduction="none").tolist()[0] == 0.0
    assert losses.msle_grad(y_pred, y_true, reduction="none").tolist()[2] == 0.0
    with pytest.raises(ValueError, match="y_true must be non-negative"):
        losses.msle([1.0], [-1.0])


def test_msle_is_not_convex():
    # The Hessian 2 (1 - d) / (1 + x)² turns negative once log1p(x) - log1p(y) > 1.
    hess = losses.msle_hess(np.array([0.5, 10.0]), np.zeros(2), reduction="none")
    assert hess[0] > 0 > hess[1]
    assert losses.get("msle").properties.convex is False


def test_msle_influence_is_bounded_per_target_and_redescends():
    # Below the target the force peaks at y_pred = 0 (2 log1p(y)); above it at d = 1,
    # 2 / (e (1 + y)); far away it vanishes. No bound holds for every target.
    x = np.concatenate([-np.logspace(0, 300, 50), [0.0], np.logspace(-3, 300, 400)])
    for y in (0.0, 0.5, 3.0, 1e6):
        grad = losses.msle_grad(x, np.full_like(x, y), reduction="none")
        below, above = grad[x <= y], grad[x > y]
        assert np.max(np.abs(below), initial=0.0) <= 2 * np.log1p(y) * (1 + 1e-12)
        assert np.max(np.abs(above)) <= 2 / (np.e * (1 + y)) * (1 + 1e-9)
        assert abs(grad[-1]) < 1e-290
        assert grad[0] == 0.0
    properties = losses.get("msle").properties
    assert properties.robust
    assert properties.redescending
    assert properties.lipschitz is None


@pytest.mark.parametrize("fused", [False, True])
def test_tweedie_huge_target_over_small_power_gap_is_finite(fused):
    # y / (p - 1) overflows, y e^((1-p) z) / (p - 1) does not (found by the fuzz).
    z, y = np.array([3.479576634259418]), np.array([4.1749182057373954e307])
    with config.fused(fused):
        value = losses.get("tweedie", power=1.2)(z, y, reduction="none")
    want = np.exp(0.8 * z) / 0.8 + y * np.exp(-0.2 * z) / 0.2
    np.testing.assert_allclose(value, want, rtol=1e-14)

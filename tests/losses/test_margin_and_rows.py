"""Identities and stated properties of the margin losses and the new losses on rows.

exponential, modified_huber (src/losslab/losses/_margin.py); poly1, softmax_focal, brier,
multi_margin and sparsemax (src/losslab/losses/_multiclass.py). The expected values are
identities between losses, the closed-form optimal constants (the gradient of the mean
loss vanishes there) and the properties' numbers, approached by the gradients themselves.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import losslab.losses as losses

ROW_LOSSES = [
    ("poly1", {}),
    ("poly1", {"epsilon": -1.0}),
    ("poly1", {"epsilon": 4.0}),
    ("softmax_focal", {}),
    ("brier", {}),
    ("multi_margin", {}),
    ("multi_margin", {"p": 2, "margin": 0.5}),
    ("sparsemax", {}),
]


@pytest.mark.parametrize(("name", "params"), ROW_LOSSES)
def test_one_hot_rows_equal_labels(rng, name, params):
    z = rng.normal(0, 2, (6, 4))
    y = rng.integers(0, 4, 6)
    loss = losses.get(name, **params)
    for f in (loss, loss.grad, loss.hess):
        np.testing.assert_allclose(f(z, np.eye(4)[y]), f(z, y), rtol=1e-14, atol=1e-16)


# What a probability row's loss adds to the expectation over its labels: brier and sparsemax
# hold ||t||² (a constant in z); the others are linear in t.
_OFFSET = {"brier": 1.0, "sparsemax": 0.5}


@pytest.mark.parametrize(("name", "params"), ROW_LOSSES)
def test_probability_rows_are_the_expectation_over_labels(rng, name, params):
    z = rng.normal(0, 2, (5, 4))
    t = rng.dirichlet(np.ones(4), 5)
    loss = losses.get(name, **params)
    offset = -_OFFSET.get(name, 0.0) * (1.0 - np.sum(t * t, axis=-1))
    np.testing.assert_allclose(
        loss(z, t, reduction="none"),
        sum(t[:, c] * loss(z, np.full(5, c), reduction="none") for c in range(4)) + offset,
        rtol=1e-12,
        atol=1e-15,
    )
    for f in (loss.grad, lambda a, b, **k: loss.hess(a, b, full=True, **k)):
        mixed = sum(
            t[:, c].reshape((5,) + (1,) * (np.ndim(f(z, t, reduction="none")) - 1))
            * f(z, np.full(5, c), reduction="none")
            for c in range(4)
        )
        np.testing.assert_allclose(f(z, t, reduction="none"), mixed, rtol=1e-12, atol=1e-15)


def test_zero_parameters_give_cross_entropy(rng):
    z = rng.normal(0, 3, (8, 5))
    y = rng.integers(0, 5, 8)
    for name, params in (("poly1", {"epsilon": 0.0}), ("softmax_focal", {"gamma": 0.0})):
        loss = losses.get(name, **params)
        ce = losses.get("cross_entropy")
        np.testing.assert_allclose(loss(z, y, reduction="none"), ce(z, y, reduction="none"),
                                   rtol=1e-14)  # fmt: skip
        np.testing.assert_allclose(loss.grad(z, y), ce.grad(z, y), rtol=1e-12, atol=1e-17)
        np.testing.assert_allclose(
            loss.hess(z, y, full=True), ce.hess(z, y, full=True), rtol=1e-12, atol=1e-17
        )


def test_two_class_brier_is_twice_the_binary_square_error(rng):
    x = rng.normal(0, 3, 20)
    y = rng.integers(0, 2, 20)
    p1 = 1 / (1 + np.exp(-x))
    rows = np.stack([np.zeros_like(x), x], axis=-1)
    np.testing.assert_allclose(losses.brier(rows, y, reduction="none"), 2 * (p1 - y) ** 2,
                               rtol=1e-12, atol=1e-300)  # fmt: skip


def test_sparsemax_is_zero_exactly_where_its_projection_is_the_target():
    z = np.array([[3.0, 0.0, -1.0], [0.6, 0.4, -3.0], [0.25, 0.5, 0.25]])
    t = np.array([[1.0, 0.0, 0.0], [0.6, 0.4, 0.0], [0.25, 0.5, 0.25]])
    np.testing.assert_allclose(losses.sparsemax(z, t, reduction="none"), 0.0, atol=1e-16)
    np.testing.assert_allclose(losses.sparsemax_grad(z, t, reduction="none"), 0.0, atol=1e-16)
    assert float(losses.sparsemax([[0.6, 0.4, -3.0]], [[1.0, 0.0, 0.0]])) > 0.0


@pytest.mark.parametrize("name", ["exponential", "modified_huber"])
def test_margin_losses_read_zero_as_minus_one(rng, name):
    z = rng.normal(0, 2, 30)
    y01 = rng.integers(0, 2, 30).astype(float)
    loss = losses.get(name)
    for f in (loss, loss.grad, loss.hess):
        np.testing.assert_array_equal(f(z, y01, reduction="none"),
                                      f(z, 2 * y01 - 1, reduction="none"))  # fmt: skip


def test_modified_huber_joins_its_pieces_at_minus_one():
    # Value 4 and slope -4 from both sides of margin -1: continuously differentiable.
    z = np.array([-1.0 - 1e-9, -1.0, -1.0 + 1e-9])
    y = np.ones(3)
    np.testing.assert_allclose(losses.modified_huber(z, y, reduction="none"), 4.0, rtol=1e-8)
    np.testing.assert_allclose(losses.modified_huber_grad(z, y, reduction="none"), -4.0,
                               rtol=1e-8)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "params", "labels"),
    [
        ("exponential", {}, False),
        ("modified_huber", {}, False),
        ("brier", {}, True),
        ("brier", {}, False),
        ("sparsemax", {}, True),
        ("sparsemax", {}, False),
        ("poly1", {}, True),
        ("poly1", {"epsilon": -1.0}, False),
        ("poly1", {"epsilon": 6.0}, True),
    ],
)
def test_optimal_constant_zeroes_the_mean_gradient(rng, name, params, labels):
    loss = losses.get(name, **params)
    w = rng.uniform(0.2, 2.0, 60)
    if loss.task == "binary":
        y = rng.integers(0, 2, 60).astype(float)
        c = loss.optimal_constant(y, weights=w)
        grad = loss.grad(np.full(60, float(c)), y, weights=w)
    else:
        y = rng.integers(0, 4, 60) if labels else rng.dirichlet(np.ones(4), 60)
        c = loss.optimal_constant(y, weights=w)
        assert c.shape == (4,)
        grad = loss.grad(np.tile(c, (60, 1)), y, weights=w)
    np.testing.assert_allclose(np.sum(grad, axis=0), 0.0, atol=1e-13)


def test_exponential_optimal_constant_is_half_the_log_odds():
    y = np.array([1, 1, 1, 0, -1.0])
    np.testing.assert_allclose(losses.get("exponential").optimal_constant(y), 0.5 * np.log(1.5))


def _largest_gradient(loss, k, rng, n=20000):
    z = rng.normal(0, 4, (n, k))
    y = rng.integers(0, k, n)
    return float(np.max(np.linalg.norm(loss.grad(z, y, reduction="none"), axis=-1)))


@pytest.mark.parametrize(
    ("name", "params"),
    [("poly1", {}), ("poly1", {"epsilon": 3.0}), ("softmax_focal", {}), ("softmax_focal",
     {"gamma": 0.5}), ("brier", {}), ("sparsemax", {})],
)  # fmt: skip
def test_lipschitz_is_the_largest_gradient(rng, name, params):
    loss = losses.get(name, **params)
    bound = loss.properties.lipschitz
    largest = max(_largest_gradient(loss, k, rng) for k in (2, 3, 5))
    assert largest <= bound * (1 + 1e-12)
    assert largest >= bound * (1 - 1e-3)  # approached: the smallest such bound


def test_multi_margin_force_is_below_one():
    rng = np.random.default_rng(0)
    loss = losses.get("multi_margin")
    for k in (2, 4, 8):
        largest = _largest_gradient(loss, k, rng)
        np.testing.assert_allclose(largest, math.sqrt(1 - 1 / k), rtol=1e-12)
    assert loss.properties.lipschitz == 1.0


@pytest.mark.parametrize("epsilon", [-1.0, -0.3, 0.5, 1.0, 1.5, 3.0])
def test_poly1_is_convex_exactly_for_epsilon_up_to_one(rng, epsilon):
    loss = losses.get("poly1", epsilon=epsilon)
    z = rng.normal(0, 4, (4000, 4))
    y = rng.integers(0, 4, 4000)
    lowest = np.linalg.eigvalsh(loss.hess(z, y, full=True, reduction="none")).min()
    assert loss.properties.convex == (epsilon <= 1.0)
    if loss.properties.convex:
        assert lowest > -1e-14
    else:
        assert lowest < -1e-6


@pytest.mark.parametrize(("name", "params"), [("brier", {}), ("softmax_focal", {})])
def test_stated_non_convex_losses_have_negative_curvature(rng, name, params):
    loss = losses.get(name, **params)
    assert not loss.properties.convex
    z = rng.normal(0, 4, (2000, 3))
    y = rng.integers(0, 3, 2000)
    assert np.linalg.eigvalsh(loss.hess(z, y, full=True, reduction="none")).min() < -1e-3


def test_brier_force_vanishes_on_two_classes_but_not_on_three():
    # Why brier is not stated redescending: its force fades only where p reaches a vertex.
    assert not losses.get("brier").properties.redescending
    two = losses.brier_grad(np.array([[0.0, -1000.0]]), [1], reduction="sum")
    np.testing.assert_array_equal(np.abs(two), 0.0)
    three = losses.brier_grad(np.array([[np.log(0.7), np.log(0.3), -1000.0]]), [2])
    np.testing.assert_allclose(three[0, :2], [0.168, -0.168], rtol=1e-12)

"""Bad input raises ValueError/TypeError with a message naming the argument (DESIGN.md).

Expected messages follow DESIGN.md / STYLE.md rule 7: "y_pred and y_true must have the
same shape, got (3,) and (3, 1)"; never a silent NaN, never an assert.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import losslab.losses as losses
from losslab import config


def _valid(case, rng):
    return case.sample(rng, (4,))


def test_shape_mismatch_names_both_shapes(case, rng):
    y_pred, y_true = _valid(case, rng)
    loss = case.loss
    bad_true = y_true[:3]
    for f in (loss, loss.grad, loss.hess):
        with pytest.raises(ValueError, match="y_true") as info:
            f(y_pred, bad_true)
        message = str(info.value)
        if case.rows:
            assert str(tuple(bad_true.shape)) in message
        else:
            assert str(tuple(y_pred.shape)) in message
            assert str(tuple(bad_true.shape)) in message


def test_elementwise_shape_mismatch_message():
    message = "y_pred and y_true must have the same shape, got (3,) and (3, 1)"
    with pytest.raises(ValueError, match=re.escape(message)):
        losses.mse(np.zeros(3), np.zeros((3, 1)))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("where", ["y_pred", "y_true", "weights"])
def test_non_finite_values(case, rng, bad, where):
    y_pred, y_true = _valid(case, rng)
    y_pred = y_pred.copy()
    y_true = y_true.astype(np.float64) if where == "y_true" else y_true
    weights = np.ones(case.example_shape(y_pred))
    {"y_pred": y_pred, "y_true": y_true, "weights": weights}[where].flat[1] = bad
    loss = case.loss
    for f in (loss, loss.grad, loss.hess):
        with pytest.raises(ValueError, match=where):
            f(y_pred, y_true, weights=weights)


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_bce_probability_outside_unit_interval(p):
    for f in (losses.bce, losses.bce_grad, losses.bce_hess):
        with pytest.raises(ValueError, match=r"y_pred.*\[0, 1\]"):
            f([0.5, p], [1.0, 0.0])


@pytest.mark.parametrize("label", [4, -1, 7])
def test_cross_entropy_label_outside_classes(label):
    z = np.zeros((3, 4))
    for f in (losses.cross_entropy, losses.cross_entropy_grad, losses.cross_entropy_hess):
        with pytest.raises(ValueError, match="y_true") as info:
            f(z, [0, label, 1])
        assert str(label) in str(info.value)


def test_cross_entropy_fractional_labels():
    with pytest.raises((ValueError, TypeError), match="y_true"):
        losses.cross_entropy(np.zeros((2, 3)), [0.5, 1.0])


@pytest.mark.parametrize("name", ["bce_with_logits", "focal", "hinge", "squared_hinge"])
@pytest.mark.parametrize("label", [2.0, -3.0])
def test_non_binary_labels(name, label):
    f = getattr(losses, name)
    with pytest.raises(ValueError, match="y_true"):
        f([0.3, -0.2, 1.0], [1.0, 0.0, label])


@pytest.mark.parametrize("name", ["focal", "hinge", "squared_hinge"])
def test_binary_losses_reject_soft_labels(name):
    # focal and the hinges need hard labels (DESIGN.md: binary targets are 0/1).
    with pytest.raises(ValueError, match="y_true"):
        getattr(losses, name)([0.3, -0.2], [1.0, 0.5])


def test_hinge_rejects_mixed_label_conventions():
    # 0/1 or -1/+1, one convention: [0, -1] mixes them.
    with pytest.raises(ValueError, match="y_true"):
        losses.hinge([0.3, -0.2, 0.1], [0.0, -1.0, 1.0])


def test_poisson_negative_counts():
    with pytest.raises(ValueError, match="y_true"):
        losses.poisson_nll([0.0, 1.0], [1.0, -2.0])


def test_kl_div_targets_must_be_probabilities():
    z = np.zeros((2, 3))
    with pytest.raises(ValueError, match="y_true"):
        losses.kl_div(z, [[0.5, 0.6, -0.1], [1.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="y_true"):
        losses.kl_div(z, [[0.5, 0.6, 0.1], [1.0, 0.0, 0.0]])  # sums to 1.2


@pytest.mark.parametrize("fused", [True, False])
def test_probability_rows_written_to_four_decimals_are_accepted(fused):
    z = np.array([[1.0, 0.0, -1.0], [0.0, 2.0, 0.0]])
    rounded = np.array([[0.3333, 0.3333, 0.3333], [0.1, 0.2, 0.7001]])  # off by 1e-4
    with config.fused(fused):
        value = losses.cross_entropy(z, rounded)
        exact = losses.cross_entropy(z, rounded / rounded.sum(axis=-1, keepdims=True))
        assert abs(float(value) - float(exact)) < 1e-3
        assert np.isfinite(float(losses.kl_div(z, rounded)))
        with pytest.raises(ValueError, match=r"row 1 sums to 0\.95\b"):
            losses.cross_entropy(z, [[0.3333, 0.3333, 0.3333], [0.1, 0.2, 0.65]])


def test_negative_weights(case, rng):
    y_pred, y_true = _valid(case, rng)
    w = np.ones(case.example_shape(y_pred))
    w[1] = -0.5
    loss = case.loss
    for f in (loss, loss.grad, loss.hess):
        with pytest.raises(ValueError, match=r"weights.*non-negative"):
            f(y_pred, y_true, weights=w)


def test_all_zero_weights(case, rng):
    y_pred, y_true = _valid(case, rng)
    w = np.zeros(case.example_shape(y_pred))
    with pytest.raises(ValueError, match="weights"):
        case.loss(y_pred, y_true, weights=w)


def test_weights_of_wrong_shape(case, rng):
    y_pred, y_true = _valid(case, rng)
    with pytest.raises(ValueError, match=r"weights.*\(5,\)"):
        case.loss(y_pred, y_true, weights=np.ones(5))


def test_empty_input(case):
    y_pred = np.zeros((0, 4)) if case.rows else np.zeros(0)
    y_true = np.zeros(0, dtype=np.int64) if case.rows else np.zeros(0)
    loss = case.loss
    for f in (loss, loss.grad, loss.hess):
        with pytest.raises(ValueError, match=r"y_pred.*empty"):
            f(y_pred, y_true)


@pytest.mark.parametrize("reduction", ["avg", "MEAN", None, ""])
def test_bad_reduction(case, rng, reduction):
    y_pred, y_true = _valid(case, rng)
    loss = case.loss
    for f in (loss, loss.grad, loss.hess):
        with pytest.raises(ValueError, match="reduction"):
            f(y_pred, y_true, reduction=reduction)


def test_string_arrays(case, rng):
    y_pred, y_true = _valid(case, rng)
    loss = case.loss
    with pytest.raises(TypeError, match="y_pred"):
        loss(y_pred.astype(str), y_true)
    with pytest.raises(TypeError, match="y_true"):
        loss(y_pred, y_true.astype(str))
    with pytest.raises(TypeError, match="weights"):
        loss(y_pred, y_true, weights=np.full(case.example_shape(y_pred), "1"))


def test_none_is_not_an_array():
    with pytest.raises(TypeError, match="y_true"):
        losses.mse([1.0], None)


def test_unknown_loss_name():
    with pytest.raises(ValueError, match="unknown loss 'msee'"):
        losses.get("msee")


@pytest.mark.parametrize(
    ("name", "params", "argument"),
    [
        ("mse", {"delta": 1.0}, "delta"),
        ("huber", {"q": 0.5}, "q"),
        ("cross_entropy", {"smoothing": 0.1}, "smoothing"),
        ("focal", {"beta": 1.0}, "beta"),
    ],
)
def test_unknown_parameter(name, params, argument):
    with pytest.raises(TypeError, match=argument):
        losses.get(name, **params)


BAD_PARAMS = [
    ("huber", {"delta": 0.0}, "delta"),
    ("huber", {"delta": -1.0}, "delta"),
    ("huber", {"delta": math.nan}, "delta"),
    ("huber", {"delta": math.inf}, "delta"),
    ("pseudo_huber", {"delta": 0.0}, "delta"),
    ("quantile", {"q": 0.0}, "q"),
    ("quantile", {"q": 1.0}, "q"),
    ("quantile", {"q": 1.5}, "q"),
    ("barron", {"scale": 0.0}, "scale"),
    ("barron", {"alpha": math.nan}, "alpha"),
    ("barron", {"alpha": math.inf}, "alpha"),
    ("bce_with_logits", {"pos_weight": 0.0}, "pos_weight"),
    ("bce_with_logits", {"pos_weight": -2.0}, "pos_weight"),
    ("focal", {"gamma": -0.5}, "gamma"),
    ("focal", {"alpha": 1.5}, "alpha"),
    ("focal", {"alpha": -0.1}, "alpha"),
    ("cross_entropy", {"label_smoothing": -0.1}, "label_smoothing"),
    ("cross_entropy", {"label_smoothing": 1.1}, "label_smoothing"),
    ("cross_entropy", {"class_weights": (1.0, -1.0)}, "class_weights"),
    ("cross_entropy", {"class_weights": (1.0, math.nan)}, "class_weights"),
]


@pytest.mark.parametrize(("name", "params", "argument"), BAD_PARAMS)
def test_bad_parameter_value(name, params, argument):
    with pytest.raises(ValueError, match=argument):
        losses.get(name, **params)
    # The pure functions check too.
    f = getattr(losses, name)
    y_pred, y_true = (np.zeros((2, 2)), [0, 1]) if name == "cross_entropy" else ([0.5], [1.0])
    with pytest.raises(ValueError, match=argument):
        f(y_pred, y_true, **params)


@pytest.mark.parametrize(
    ("name", "params", "argument"),
    [
        ("huber", {"delta": "1"}, "delta"),
        ("quantile", {"q": None}, "q"),
        ("focal", {"gamma": True}, "gamma"),
        ("cross_entropy", {"ignore_index": 1.5}, "ignore_index"),
    ],
)
def test_parameter_of_wrong_type(name, params, argument):
    with pytest.raises(TypeError, match=argument):
        losses.get(name, **params)


def test_class_weights_length_must_match_classes():
    with pytest.raises(ValueError, match="class_weights"):
        losses.cross_entropy(np.zeros((2, 3)), [0, 1], class_weights=(1.0, 2.0))


def test_cross_entropy_all_rows_ignored():
    with pytest.raises(ValueError, match="y_true"):
        losses.cross_entropy(np.zeros((2, 3)), [-100, -100])


def test_full_requires_rows():
    with pytest.raises(ValueError, match="full"):
        losses.get("mse").hess([1.0], [0.0], full=True)

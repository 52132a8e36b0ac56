"""The registry: get / available / describe / parameters and the Loss object.

Expected defaults, tasks and y_pred kinds come from DESIGN.md ("Names", "What y_pred
means", "Every parameter has a default").
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import losslab.losses as losses
from losslab import config

CATALOGUE = [
    "mse",
    "mae",
    "huber",
    "pseudo_huber",
    "log_cosh",
    "quantile",
    "barron",
    "poisson_nll",
    "tweedie",
    "gamma_nll",
    "msle",
    "cauchy",
    "welsch",
    "geman_mcclure",
    "charbonnier",
    "tukey",
    "epsilon_insensitive",
    "bce",
    "bce_with_logits",
    "cross_entropy",
    "focal",
    "hinge",
    "squared_hinge",
    "kl_div",
    "exponential",
    "modified_huber",
    "poly1",
    "softmax_focal",
    "brier",
    "multi_margin",
    "sparsemax",
]

# DESIGN.md: "Every parameter has a default, so get(name) alone works".
DEFAULTS = {
    "mse": {},
    "mae": {},
    "huber": {"delta": 1.0},
    "pseudo_huber": {"delta": 1.0},
    "log_cosh": {},
    "quantile": {"q": 0.5},
    "barron": {"alpha": 1.0, "scale": 1.0},
    "poisson_nll": {},
    "tweedie": {"power": 1.5},
    "gamma_nll": {},
    "msle": {},
    "cauchy": {"scale": 1.0},
    "welsch": {"scale": 1.0},
    "geman_mcclure": {"scale": 1.0},
    "charbonnier": {"scale": 1.0},
    "tukey": {"c": 4.685},
    "epsilon_insensitive": {"epsilon": 0.1},
    "bce": {},
    "bce_with_logits": {"pos_weight": 1.0},
    "cross_entropy": {"class_weights": None, "label_smoothing": 0.0, "ignore_index": -100},
    "focal": {"gamma": 2.0, "alpha": None},
    "hinge": {},
    "squared_hinge": {},
    "kl_div": {"log_target": False},
    "exponential": {},
    "modified_huber": {},
    "poly1": {"epsilon": 1.0},
    "softmax_focal": {"gamma": 2.0},
    "brier": {},
    "multi_margin": {"margin": 1.0, "p": 1},
    "sparsemax": {},
}


def test_registry_covers_catalogue(all_cases):
    # A loss registered without a test case here must fail, and so must a stale case.
    assert {c.name for c in all_cases} == set(losses.available())


def test_catalogue_names_are_all_available():
    assert set(CATALOGUE) <= set(losses.available())
    assert len(losses.available()) == len(set(losses.available()))


def test_available_starts_with_regression_in_order():
    assert losses.available()[:3] == ["mse", "mae", "huber"]
    assert isinstance(losses.available(), list)
    # A copy: mutating it leaves the registry alone.
    names = losses.available()
    names.clear()
    assert losses.available()


@pytest.mark.parametrize("name", CATALOGUE)
def test_parameters_and_defaults(name):
    assert losses.parameters(name) == DEFAULTS[name]
    loss = losses.get(name)
    assert dict(loss.params) == DEFAULTS[name]
    assert loss.name == name


@pytest.mark.parametrize("name", CATALOGUE)
def test_describe(name, all_cases):
    info = losses.describe(name)
    case = next(c for c in all_cases if c.name == name)
    assert info["name"] == name
    assert info["params"] == DEFAULTS[name]
    assert info["task"] == case.task
    assert info["y_pred"] == case.y_pred_kind
    assert isinstance(info["summary"], str)
    assert info["summary"]


def test_loss_task_and_kind(case):
    loss = case.loss
    assert loss.task == case.task
    assert loss.y_pred_kind == case.y_pred_kind


def test_object_matches_functions(case, rng):
    value, grad, hess = case.functions()
    y_pred, y_true = case.sample(rng)
    loss = case.loss
    for reduction in ("mean", "sum", "none"):
        kw = {"reduction": reduction}
        np.testing.assert_array_equal(
            loss(y_pred, y_true, **kw), value(y_pred, y_true, **kw, **case.params)
        )
        # grad and hess may take the fused kernels, equal to the functions to rtol 1e-12;
        # with them switched off the object adds nothing to the functions.
        for method, function in ((loss.grad, grad), (loss.hess, hess)):
            expected = function(y_pred, y_true, **kw, **case.params)
            np.testing.assert_allclose(
                method(y_pred, y_true, **kw), expected, rtol=1e-12, atol=1e-15
            )
            with config.fused(False):
                np.testing.assert_array_equal(method(y_pred, y_true, **kw), expected)


def test_value_and_grad(case, rng):
    y_pred, y_true = case.sample(rng)
    w = rng.uniform(0.5, 2.0, case.example_shape(y_pred))
    loss = case.loss
    for reduction in ("mean", "sum", "none"):
        value, grad = loss.value_and_grad(y_pred, y_true, weights=w, reduction=reduction)
        # The fused kernels may round the last bit differently from the plain call
        # (losslab.config documents rtol 1e-12 in float64).
        np.testing.assert_allclose(
            value, loss(y_pred, y_true, weights=w, reduction=reduction), rtol=1e-12, atol=1e-300
        )
        np.testing.assert_allclose(
            grad, loss.grad(y_pred, y_true, weights=w, reduction=reduction), rtol=1e-12, atol=1e-15
        )


def test_output_shapes(case, rng):
    y_pred, y_true = case.sample(rng, (5,))
    loss = case.loss
    assert np.shape(loss(y_pred, y_true)) == ()
    assert np.shape(loss(y_pred, y_true, reduction="sum")) == ()
    assert np.shape(loss(y_pred, y_true, reduction="none")) == case.example_shape(y_pred)
    for reduction in ("mean", "sum", "none"):
        assert np.shape(loss.grad(y_pred, y_true, reduction=reduction)) == y_pred.shape
        assert np.shape(loss.hess(y_pred, y_true, reduction=reduction)) == y_pred.shape


def test_two_dimensional_batches(case, rng):
    # A (2, 3) batch is six examples: the same numbers as the flat batch of six.
    y_pred, y_true = case.sample(rng, (2, 3))
    flat_pred = y_pred.reshape(6, -1) if case.rows else y_pred.reshape(6)
    flat_true = y_true.reshape(6, -1) if case.rows and y_true.ndim == 3 else y_true.reshape(6)
    loss = case.loss
    np.testing.assert_allclose(loss(y_pred, y_true), loss(flat_pred, flat_true), rtol=1e-14)
    np.testing.assert_allclose(
        loss.grad(y_pred, y_true).reshape(flat_pred.shape),
        loss.grad(flat_pred, flat_true),
        rtol=1e-14,
    )


def test_full_hessian_only_for_rows(case, rng):
    y_pred, y_true = case.sample(rng, (3,))
    loss = case.loss
    if not case.rows:
        with pytest.raises(ValueError, match="full"):
            loss.hess(y_pred, y_true, full=True)
        return
    full = loss.hess(y_pred, y_true, full=True)
    assert full.shape == (*y_pred.shape, y_pred.shape[-1])
    diag = np.diagonal(full, axis1=-2, axis2=-1)
    np.testing.assert_allclose(diag, loss.hess(y_pred, y_true), rtol=1e-13, atol=1e-15)
    # A Hessian is symmetric.
    np.testing.assert_allclose(full, np.swapaxes(full, -1, -2), rtol=1e-13, atol=1e-15)


def test_loss_is_immutable():
    loss = losses.get("huber", delta=0.5)
    with pytest.raises(AttributeError):
        loss.name = "mse"
    with pytest.raises(AttributeError):
        loss.delta = 2.0
    with pytest.raises(TypeError):
        loss.params["delta"] = 2.0  # type: ignore[index]
    assert loss.params == {"delta": 0.5}


def test_equality_and_hash():
    assert losses.get("huber") == losses.get("huber", delta=1.0)
    assert hash(losses.get("huber")) == hash(losses.get("huber", delta=1.0))
    assert losses.get("huber", delta=0.5) != losses.get("huber", delta=2.0)
    assert losses.get("huber", delta=1.0) != losses.get("pseudo_huber", delta=1.0)
    assert losses.get("mse") != "mse"
    assert len({losses.get("mse"), losses.get("mse"), losses.get("mae")}) == 2


def test_repr():
    assert repr(losses.get("huber", delta=1.0)) == "Loss('huber', delta=1.0)"
    assert repr(losses.get("mse")) == "Loss('mse')"
    assert repr(losses.get("quantile", q=0.9)) == "Loss('quantile', q=0.9)"


def test_pickle_round_trip(case, rng):
    loss = case.loss
    copy = pickle.loads(pickle.dumps(loss))
    assert copy == loss
    assert repr(copy) == repr(loss)
    y_pred, y_true = case.sample(rng)
    np.testing.assert_array_equal(copy(y_pred, y_true), loss(y_pred, y_true))


def test_barron_minus_infinity_is_a_parameter():
    loss = losses.get("barron", alpha=-math.inf)
    assert loss.params["alpha"] == -math.inf
    assert pickle.loads(pickle.dumps(loss)) == loss


def test_get_rejects_unknown_name_and_parameter():
    with pytest.raises(ValueError, match="unknown loss 'no_such_loss'"):
        losses.get("no_such_loss")
    with pytest.raises(TypeError, match="'detla'"):
        losses.get("huber", detla=1.0)
    with pytest.raises(TypeError, match="name"):
        losses.get(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown loss"):
        losses.describe("nope")
    with pytest.raises(ValueError, match="unknown loss"):
        losses.parameters("nope")


def test_register_refuses_a_duplicate_name():
    class Duplicate(losses.definition("mse")):
        summary = "duplicate"

    with pytest.raises(ValueError, match="'mse'"):
        losses.register(Duplicate)
    assert losses.available().count("mse") == 1

"""Properties every custom loss shares, driven by the registry in conftest.py."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losslab.custom import finite_difference_errors


def test_finite_differences_match_grad_and_hess(case) -> None:
    # 4th-order central differences of the value (resp. grad) at random points.
    y_pred, y_true = case.make(np.random.default_rng(1), 40)
    errors = finite_difference_errors(case.loss, y_pred, y_true)
    assert errors["grad"] < 1e-7, errors
    assert errors["hess"] < 1e-6, errors


def test_reductions_agree(case) -> None:
    y_pred, y_true = case.make(np.random.default_rng(2), 30)
    loss = case.loss
    none = np.asarray(loss(y_pred, y_true, reduction="none"))
    np.testing.assert_allclose(loss(y_pred, y_true), none.mean(), rtol=1e-12)
    np.testing.assert_allclose(loss(y_pred, y_true, reduction="sum"), none.sum(), rtol=1e-12)
    grad_none = np.asarray(loss.grad(y_pred, y_true, reduction="none"))
    np.testing.assert_allclose(loss.grad(y_pred, y_true), grad_none / len(y_true), rtol=1e-12)
    hess_none = np.asarray(loss.hess(y_pred, y_true, reduction="none"))
    np.testing.assert_allclose(
        loss.hess(y_pred, y_true, reduction="sum"), hess_none, rtol=1e-12, atol=0
    )


def test_weights_multiply(case) -> None:
    y_pred, y_true = case.make(np.random.default_rng(3), 25)
    w = np.random.default_rng(4).uniform(0.0, 3.0, len(y_true))
    loss = case.loss
    plain = np.asarray(loss(y_pred, y_true, reduction="none"))
    np.testing.assert_allclose(loss(y_pred, y_true, weights=w, reduction="none"), w * plain)
    np.testing.assert_allclose(loss(y_pred, y_true, weights=w), (w * plain).sum() / w.sum())
    grad = np.asarray(loss.grad(y_pred, y_true, reduction="none"))
    shape = (-1,) + (1,) * (grad.ndim - 1)
    np.testing.assert_allclose(
        loss.grad(y_pred, y_true, weights=w, reduction="none"), w.reshape(shape) * grad
    )


def test_pickles_and_compares_equal(case) -> None:
    again = pickle.loads(pickle.dumps(case.loss))
    assert again == case.loss
    y_pred, y_true = case.make(np.random.default_rng(5), 6)
    np.testing.assert_array_equal(again(y_pred, y_true), case.loss(y_pred, y_true))


def test_bad_input_is_refused(case) -> None:
    y_pred, y_true = case.make(np.random.default_rng(6), 4)
    with pytest.raises(ValueError, match="reduction"):
        case.loss(y_pred, y_true, reduction="avg")
    bad = y_pred.copy()
    bad[0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        case.loss.grad(bad, y_true)


@settings(max_examples=25, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.floats(-5, 5, allow_nan=False),
            st.floats(-5, 5, allow_nan=False),
            st.floats(0.01, 10),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_hypothesis_mean_is_none_mean_and_weights_multiply(elementwise_case, data: list) -> None:
    case = elementwise_case
    y_pred, y_true, w = (np.array(column) for column in zip(*data, strict=True))
    if case.loss.task == "binary":
        y_true = (y_true > 0).astype(np.float64)
    loss = case.loss
    none = np.asarray(loss(y_pred, y_true, reduction="none"))
    assert np.all(np.isfinite(none))
    np.testing.assert_allclose(loss(y_pred, y_true), none.mean(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(
        loss(y_pred, y_true, weights=w, reduction="none"), w * none, rtol=1e-12, atol=1e-300
    )
    np.testing.assert_allclose(
        loss.grad(y_pred, y_true, weights=w, reduction="sum"),
        w * np.asarray(loss.grad(y_pred, y_true, reduction="none")),
        rtol=1e-12,
        atol=1e-300,
    )

"""Expression losses: exact derivatives, agreement with the catalogue, evaluation rules."""

from __future__ import annotations

import numpy as np
import pytest

from losslab.custom import ExpressionError, derive, expression_loss, finite_difference_errors
from losslab.losses import get

RNG = np.random.default_rng(7)
Y_TRUE = RNG.normal(0.0, 1.0, 50)
Y_PRED = Y_TRUE + RNG.normal(0.0, 2.0, 50)
LABELS = RNG.integers(0, 2, 50).astype(np.float64)

# (expression, params, catalogue name, catalogue params, targets): equal by definition
# (DESIGN.md: mse is the mean of r², huber is r²/2 inside delta and delta(|r| - delta/2) out).
SAME_AS_CATALOGUE = [
    ("(y_pred - y_true)**2", {}, "mse", {}, Y_TRUE),
    ("abs(y_pred - y_true)", {}, "mae", {}, Y_TRUE),
    (
        "where(abs(y_pred - y_true) <= d, (y_pred - y_true)**2/2, d*(abs(y_pred - y_true) - d/2))",
        {"d": 1.3},
        "huber",
        {"delta": 1.3},
        Y_TRUE,
    ),
    ("log(cosh(y_pred - y_true))", {}, "log_cosh", {}, Y_TRUE),
    (
        "where(y_pred > y_true, (1 - q)*(y_pred - y_true), q*(y_true - y_pred))",
        {"q": 0.8},
        "quantile",
        {"q": 0.8},
        Y_TRUE,
    ),
    (
        "y_true*softplus(-y_pred) + (1 - y_true)*softplus(y_pred)",
        {},
        "bce_with_logits",
        {},
        LABELS,
    ),
    ("exp(y_pred) - y_true*y_pred", {}, "poisson_nll", {}, np.abs(Y_TRUE)),
]


@pytest.mark.parametrize(
    ("expression", "params", "name", "catalogue_params", "y_true"),
    SAME_AS_CATALOGUE,
    ids=[row[2] for row in SAME_AS_CATALOGUE],
)
def test_expression_equals_catalogue_loss(expression, params, name, catalogue_params, y_true):
    reference = get(name, **catalogue_params)
    task = reference.task if reference.task == "binary" else "regression"
    loss = expression_loss(expression, task=task, y_pred_kind=reference.y_pred_kind, **params)
    w = RNG.uniform(0.5, 2.0, y_true.shape)
    for reduction in ("mean", "sum", "none"):
        kwargs = {"weights": w, "reduction": reduction}
        np.testing.assert_allclose(
            loss(Y_PRED, y_true, **kwargs), reference(Y_PRED, y_true, **kwargs), rtol=1e-10
        )  # 1e-10: log(cosh(r)) written naively loses a few digits the catalogue keeps
        np.testing.assert_allclose(
            loss.grad(Y_PRED, y_true, **kwargs),
            reference.grad(Y_PRED, y_true, **kwargs),
            rtol=1e-12,
            atol=1e-15,
        )
        np.testing.assert_allclose(
            loss.hess(Y_PRED, y_true, **kwargs),
            reference.hess(Y_PRED, y_true, **kwargs),
            rtol=1e-12,
            atol=1e-15,
        )


def test_mse_derivatives_are_symbolically_exact() -> None:
    d = derive("(y_pred - y_true)**2")
    assert str(d.grad) == "2*y_pred - 2*y_true"
    assert d.hess == 2


def test_mae_gradient_at_the_kink_is_zero_like_the_catalogue() -> None:
    loss = expression_loss("abs(y_pred - y_true)")
    assert loss.grad([1.0], [1.0], reduction="none").tolist() == [0.0]


@pytest.mark.parametrize(
    ("expression", "params"),
    [
        ("exp(y_pred/3) - y_true*y_pred/3", {}),
        ("sqrt(1 + (y_pred - y_true)**2)", {}),
        ("log1p(exp(y_pred)) - y_true*y_pred", {}),
        ("expm1(a*(y_pred - y_true))/a - (y_pred - y_true)", {"a": 0.6}),
        ("tanh(y_pred - y_true)**2 + sinh(0.3*y_pred)**2", {}),
        ("sigmoid(y_pred)*(1 - y_true) + clip(y_pred - y_true, -1, 1)**2", {}),
        ("maximum(y_pred - y_true, 0)**2 + minimum(y_pred - y_true, 0)**2*3", {}),
        ("pi*(y_pred - y_true)**2", {}),
    ],
)
def test_finite_differences(expression: str, params: dict) -> None:
    loss = expression_loss(expression, **params)
    errors = finite_difference_errors(loss, Y_PRED / 2, Y_TRUE)
    assert errors["grad"] < 1e-7, errors
    assert errors["hess"] < 1e-6, errors


def test_nan_result_names_the_element() -> None:
    loss = expression_loss("log(y_pred)")
    with pytest.raises(ValueError, match=r"undefined \(NaN\) at index 1"):
        loss([1.0, -1.0], [0.0, 0.0])


def test_float32_in_float32_out() -> None:
    loss = expression_loss("(y_pred - y_true)**2")
    x = np.array([1.0, 2.0], dtype=np.float32)
    assert loss(x, np.zeros(2, np.float32)).dtype == np.float32
    assert loss.hess(x, np.zeros(2, np.float32), reduction="none").dtype == np.float32


def test_torch_arrays_round_trip() -> None:
    torch = pytest.importorskip("torch")
    loss = expression_loss("(y_pred - y_true)**2")
    out = loss.grad(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0]), reduction="none")
    assert isinstance(out, torch.Tensor)
    assert out.tolist() == [2.0, 6.0]


@pytest.mark.parametrize(
    ("expression", "params", "match"),
    [
        ("y_true**2", {}, "does not depend on y_pred"),
        ("(y_pred - y_true)**2", {"a": 1.0}, "parameter 'a' is not used"),
        ("a*(y_pred - y_true)**2", {}, "unknown name 'a'"),
        ("y_pred/0", {}, "not finite"),
    ],
)
def test_unusable_expressions(expression: str, params: dict, match: str) -> None:
    with pytest.raises(ExpressionError, match=match):
        expression_loss(expression, **params)


def test_task_and_kind_are_checked() -> None:
    with pytest.raises(ValueError, match="elementwise"):
        expression_loss("(y_pred - y_true)**2", task="multiclass")
    with pytest.raises(ValueError, match="y_pred_kind"):
        expression_loss("(y_pred - y_true)**2", y_pred_kind="logits")
    loss = expression_loss("-log(y_pred)*y_true", task="binary", y_pred_kind="probability")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        loss([1.5], [1.0])


def test_equal_expressions_give_equal_losses() -> None:
    a = expression_loss("k*(y_pred - y_true)**2", k=2.0)
    assert a == expression_loss("k*(y_pred - y_true)**2", k=2.0)
    assert a != expression_loss("k*(y_pred - y_true)**2", k=3.0)
    assert a.expression == "k*(y_pred - y_true)**2"
    assert str(a.formulas["hess"]) == "2*k"

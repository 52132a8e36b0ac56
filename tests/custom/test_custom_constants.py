"""The custom losses built on definitions state their properties and best constants."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar

from losslab import custom

RNG = np.random.default_rng(11)
Y = RNG.normal(0.0, 1.5, 60)
W = RNG.uniform(0.5, 2.0, 60)
LABELS = RNG.integers(0, 3, 60)


def _best_scalar(loss, y, w):
    result = minimize_scalar(
        lambda c: float(loss(np.full(y.shape, c), y, weights=w)),
        bounds=(-10.0, 10.0),
        method="bounded",
        options={"xatol": 1e-12},
    )
    return result.x


@pytest.mark.parametrize(
    ("loss", "y"),
    [
        (custom.linex(a=0.7, b=2.0), Y),
        (custom.linex(a=-3.0, b=1.0), Y),
        (custom.asymmetric_squared(under=3.0, over=1.0), Y),
        (custom.cost_sensitive_bce(fn_cost=5.0, fp_cost=1.0), (Y > 0.3).astype(float)),
        # Expression losses state no closed form: their constant is found numerically.
        (custom.expression_loss("log(cosh(y_pred - y_true))"), Y),
        (custom.expression_loss("d**2*(sqrt(1 + ((y_pred - y_true)/d)**2) - 1)", d=0.7), Y),
        (
            custom.expression_loss(
                "where(y_true > y_pred, k*(y_true - y_pred)**2, (y_true - y_pred)**2)", k=5.0
            ),
            Y,
        ),
        (
            custom.expression_loss(
                "y_true*softplus(-y_pred) + (1 - y_true)*softplus(y_pred)",
                task="binary",
                y_pred_kind="logit",
            ),
            (Y > 0.8).astype(float),
        ),
        (custom.expression_loss("exp(y_pred) - y_true*y_pred", y_pred_kind="log_rate"), Y**2),
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_optimal_constant_minimises_the_mean_loss(loss, y, weighted):
    w = W if weighted else None
    c = float(loss.optimal_constant(y, weights=w))
    assert c == pytest.approx(_best_scalar(loss, y, w), abs=1e-6)
    # Moving off it costs: the stated constant is a minimum, not merely a stationary guess.
    at = float(loss(np.full(y.shape, c), y, weights=w))
    assert at <= float(loss(np.full(y.shape, c + 1e-3), y, weights=w))
    assert at <= float(loss(np.full(y.shape, c - 1e-3), y, weights=w))


def test_cost_matrix_cross_entropy_constant_minimises_the_mean_loss():
    loss = custom.cost_matrix_cross_entropy([[0, 1, 2], [5, 0, 1], [1, 1, 0]])
    c = loss.optimal_constant(LABELS, weights=W)
    best = minimize(lambda row: float(loss(np.tile(row, (60, 1)), LABELS, weights=W)), np.zeros(3))
    np.testing.assert_allclose(c - c[0], best.x - best.x[0], atol=1e-5)


def test_properties_follow_the_parameters():
    assert custom.cost_sensitive_bce(fn_cost=2.0, fp_cost=2.0).properties.proper is True
    assert custom.cost_sensitive_bce(fn_cost=5.0, fp_cost=1.0).properties.proper is False
    assert custom.cost_sensitive_bce(fn_cost=5.0, fp_cost=1.0).properties.lipschitz == 5.0
    assert custom.asymmetric_squared(under=1.0, over=1.0).properties.smoothness == "Cinf"
    assert custom.asymmetric_squared(under=3.0, over=1.0).properties.smoothness == "C1"
    assert custom.linex(a=1.0, b=1.0).properties.lipschitz is None


def test_expected_cost_softmax_has_no_optimal_constant():
    # Linear in the probabilities: the infimum puts all mass on the cheapest class, at
    # logits of +-inf, so no finite constant attains it and the loss says it has none.
    loss = custom.expected_cost_softmax([[0, 1, 2], [5, 0, 1], [1, 1, 0]])
    with pytest.raises(TypeError, match="no optimal constant"):
        loss.optimal_constant(LABELS)


def test_expression_constants_have_their_closed_forms():
    w = W / W.sum()
    square = custom.expression_loss("(y_pred - y_true)**2")
    assert float(square.optimal_constant(Y, weights=W)) == pytest.approx(np.sum(w * Y), abs=1e-7)
    poisson = custom.expression_loss("exp(y_pred) - y_true*y_pred", y_pred_kind="log_rate")
    c = float(poisson.optimal_constant(Y**2, weights=W))
    assert c == pytest.approx(np.log(np.sum(w * Y**2)), abs=1e-7)
    with pytest.raises(ValueError, match="weights"):
        square.optimal_constant(Y, weights=np.zeros_like(Y))

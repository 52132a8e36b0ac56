"""Adapters: XGBoost, LightGBM and PyTorch trained with losslab losses, and losslab's estimators.

References: XGBoost's built-in reg:squarederror (g = r, h = 1) and binary:logistic
(g = sigmoid(z) - y, h = sigmoid(z)(1 - sigmoid(z))), LightGBM's regression and binary
objectives (the same derivatives), and torch autograd of the same formulas.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import require

from losslab import custom
from losslab.losses import get

RNG = np.random.default_rng(0)
X = RNG.normal(size=(300, 3))
Y = X[:, 0] + 0.5 * X[:, 1] ** 2 + RNG.normal(0.0, 0.3, 300)
Y_BINARY = (Y + RNG.normal(0.0, 0.5, 300) > 0.5).astype(np.float64)
TREES = {"max_depth": 3, "eta": 0.3, "base_score": 0.0, "nthread": 1}


def test_xgboost_train_mse_matches_squarederror() -> None:
    xgb = require("xgboost")
    data = xgb.DMatrix(X, label=Y)
    built_in = xgb.train({**TREES, "objective": "reg:squarederror"}, data, 20)
    # scale=0.5 turns mse (g = 2r, h = 2) into XGBoost's half-MSE (g = r, h = 1).
    ours = xgb.train(
        {**TREES, "disable_default_eval_metric": 1},
        data,
        20,
        obj=custom.xgboost_train_objective("mse", scale=0.5),
    )
    np.testing.assert_allclose(ours.predict(data), built_in.predict(data), atol=1e-5)
    # Unscaled, the trees agree once lambda and min_child_weight double with the Hessian.
    doubled = xgb.train(
        {**TREES, "disable_default_eval_metric": 1, "lambda": 2.0, "min_child_weight": 2.0},
        data,
        20,
        obj=custom.xgboost_train_objective(get("mse")),
    )
    np.testing.assert_allclose(doubled.predict(data), built_in.predict(data), atol=1e-5)
    # ...and differ without that (the test can fail).
    plain = xgb.train(
        {**TREES, "disable_default_eval_metric": 1, "min_child_weight": 30.0},
        data,
        20,
        obj=custom.xgboost_train_objective("mse"),
    )
    reference = xgb.train(
        {**TREES, "objective": "reg:squarederror", "min_child_weight": 30.0}, data, 20
    )
    assert np.abs(plain.predict(data) - reference.predict(data)).max() > 1e-3


def test_xgboost_sklearn_api_matches_built_ins() -> None:
    xgb = require("xgboost")
    kwargs = {"n_estimators": 20, "max_depth": 3, "learning_rate": 0.3, "n_jobs": 1}
    built_in = xgb.XGBRegressor(base_score=0.0, **kwargs).fit(X, Y)
    ours = xgb.XGBRegressor(
        base_score=0.0, objective=custom.xgboost_objective("mse", scale=0.5), **kwargs
    ).fit(X, Y)
    np.testing.assert_allclose(ours.predict(X), built_in.predict(X), atol=1e-5)
    w = RNG.uniform(0.5, 2.0, len(Y))
    built_in_w = xgb.XGBRegressor(base_score=0.0, **kwargs).fit(X, Y, sample_weight=w)
    ours_w = xgb.XGBRegressor(
        base_score=0.0, objective=custom.xgboost_objective("mse", scale=0.5), **kwargs
    ).fit(X, Y, sample_weight=w)
    np.testing.assert_allclose(ours_w.predict(X), built_in_w.predict(X), atol=1e-5)


@pytest.mark.parametrize(
    ("loss", "objective", "scale", "y"),
    [
        ("mse", "reg:squarederror", 0.5, Y + 40.0),
        ("bce_with_logits", "binary:logistic", 1.0, Y_BINARY),
        ("bce", "binary:logistic", 1.0, Y_BINARY),
    ],
)
def test_xgboost_started_at_base_margin_matches_the_built_in_default(loss, objective, scale, y):
    # Built-in objectives start from the best constant (the mean, the base-rate log-odds);
    # a custom objective starts there when given base_margin, and only then.
    xgb = require("xgboost")
    kwargs = {"n_estimators": 20, "max_depth": 3, "learning_rate": 0.3, "n_jobs": 1}
    built_in = xgb.XGBRegressor(objective=objective, **kwargs).fit(X, y)
    start = custom.base_margin(loss, y)
    ours = xgb.XGBRegressor(
        objective=custom.xgboost_objective(loss, scale=scale), base_score=start, **kwargs
    ).fit(X, y)
    margin = ours.predict(X)
    expected = built_in.predict(X, output_margin=True)
    np.testing.assert_allclose(margin, expected, atol=1e-4)
    unstarted = xgb.XGBRegressor(
        objective=custom.xgboost_objective(loss, scale=scale), base_score=0.0, **kwargs
    ).fit(X, y)
    assert np.abs(unstarted.predict(X) - expected).max() > 1e-2


def test_base_margin_is_the_optimal_constant_as_a_margin() -> None:
    w = RNG.uniform(0.5, 2.0, len(Y))
    assert custom.base_margin("mse", Y, w) == pytest.approx(np.average(Y, weights=w), rel=1e-12)
    rate = np.mean(Y_BINARY)
    assert custom.base_margin("bce", Y_BINARY) == pytest.approx(np.log(rate / (1 - rate)))
    labels = np.array([0, 1, 1, 2, 2, 2])
    row = custom.base_margin("cross_entropy", labels)
    np.testing.assert_allclose(np.exp(row), [1 / 6, 2 / 6, 3 / 6], rtol=1e-12)


@pytest.mark.parametrize("loss", ["bce_with_logits", "bce"])
def test_xgboost_logistic_matches_binary_logistic(loss: str) -> None:
    xgb = require("xgboost")
    data = xgb.DMatrix(X, label=Y_BINARY)
    built_in = xgb.train({**TREES, "objective": "binary:logistic", "base_score": 0.5}, data, 20)
    # bce on probabilities goes through the sigmoid link by the chain rule.
    ours = xgb.train(
        {**TREES, "disable_default_eval_metric": 1},
        data,
        20,
        obj=custom.xgboost_train_objective(loss),
    )
    np.testing.assert_allclose(
        ours.predict(data, output_margin=True),
        built_in.predict(data, output_margin=True),
        atol=1e-4,
    )


def test_lightgbm_matches_built_ins() -> None:
    lgb = require("lightgbm")
    kwargs = {
        "n_estimators": 20,
        "max_depth": 3,
        "learning_rate": 0.3,
        "verbose": -1,
        "n_jobs": 1,
        "min_child_samples": 5,
        "boost_from_average": False,  # custom objectives start from 0
    }
    built_in = lgb.LGBMRegressor(objective="regression", **kwargs).fit(X, Y)
    ours = lgb.LGBMRegressor(objective=custom.lightgbm_objective("mse", scale=0.5), **kwargs)
    np.testing.assert_allclose(ours.fit(X, Y).predict(X), built_in.predict(X), atol=1e-6)
    built_in_b = lgb.LGBMClassifier(objective="binary", **kwargs).fit(X, Y_BINARY)
    ours_b = lgb.LGBMClassifier(
        objective=custom.lightgbm_objective(get("bce_with_logits")), **kwargs
    ).fit(X, Y_BINARY)
    np.testing.assert_allclose(
        ours_b.predict(X, raw_score=True), built_in_b.predict(X, raw_score=True), atol=1e-6
    )


def test_asymmetric_objective_shifts_predictions_up() -> None:
    # y = f(x) + N(0, 1): under asymmetric_squared(5, 1) the best constant per leaf is the
    # 5/6-expectile of the noise, 0.586 for N(0, 1) (solved in test_custom_costs), so the
    # predictions sit about that far above the mse model's.
    xgb = require("xgboost")
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, (3000, 1))
    y = np.sin(x[:, 0]) + rng.normal(0.0, 1.0, 3000)
    kwargs = {"n_estimators": 60, "max_depth": 2, "learning_rate": 0.3, "n_jobs": 1}
    mse = xgb.XGBRegressor(objective=custom.xgboost_objective("mse"), base_score=0.0, **kwargs)
    asym = xgb.XGBRegressor(
        objective=custom.xgboost_objective(custom.asymmetric_squared(under=5.0, over=1.0)),
        base_score=0.0,
        **kwargs,
    )
    shift = float(np.mean(asym.fit(x, y).predict(x) - mse.fit(x, y).predict(x)))
    assert 0.45 < shift < 0.72, shift
    lgb = require("lightgbm")
    lkw = {"n_estimators": 60, "max_depth": 2, "learning_rate": 0.3, "verbose": -1, "n_jobs": 1}
    l_mse = lgb.LGBMRegressor(objective=custom.lightgbm_objective("mse"), **lkw).fit(x, y)
    l_asym = lgb.LGBMRegressor(
        objective=custom.lightgbm_objective(custom.asymmetric_squared(under=5.0, over=1.0)), **lkw
    ).fit(x, y)
    shift = float(np.mean(l_asym.predict(x) - l_mse.predict(x)))
    assert 0.45 < shift < 0.72, shift


def test_margin_derivatives_of_rows_and_probabilities() -> None:
    rows = RNG.normal(size=(5, 3))
    labels = np.array([0, 2, 1, 1, 0])
    loss = custom.cost_matrix_cross_entropy(1 - np.eye(3))
    g, _h = custom.margin_derivatives(loss, labels, rows.ravel())
    assert g.shape == (15,)
    np.testing.assert_allclose(
        g.reshape(5, 3), get("cross_entropy").grad(rows, labels, reduction="none")
    )
    # bce on sigmoid(m) has the margin derivatives of bce_with_logits (chain rule).
    m, y = np.array([-3.0, 0.2, 4.0]), np.array([1.0, 0.0, 1.0])
    ours_pair = custom.margin_derivatives("bce", y, m)
    reference_pair = custom.margin_derivatives("bce_with_logits", y, m)
    for ours, ref in zip(ours_pair, reference_pair, strict=True):
        np.testing.assert_allclose(ours, ref, rtol=1e-9)


CASES_TORCH = [
    (
        "linex",
        custom.linex(a=0.8, b=1.5),
        lambda p, t: 1.5 * (torch.exp(0.8 * (p - t)) - 0.8 * (p - t) - 1) / 0.64,
    ),
    (
        "asymmetric_squared",
        custom.asymmetric_squared(under=5.0, over=1.0),
        lambda p, t: torch.where(p < t, 5.0, 1.0) * (p - t) ** 2,
    ),
    (
        "expression",
        custom.expression_loss(
            "where(y_true > y_pred, 3*(y_true - y_pred)**2, log(cosh(y_pred - y_true)))"
        ),
        lambda p, t: torch.where(t > p, 3 * (t - p) ** 2, torch.log(torch.cosh(p - t))),
    ),
    (
        "cost_sensitive_bce",
        custom.cost_sensitive_bce(fn_cost=4.0, fp_cost=1.5),
        lambda p, t: (
            4.0 * t * torch.nn.functional.softplus(-p)
            + 1.5 * (1 - t) * torch.nn.functional.softplus(p)
        ),
    ),
]


@pytest.mark.parametrize(("name", "loss", "formula"), CASES_TORCH, ids=[c[0] for c in CASES_TORCH])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_torch_adapter_gradient_equals_autograd(name, loss, formula, reduction) -> None:
    rng = np.random.default_rng(2)
    p_np = rng.normal(0, 1.5, 20)
    t = torch.tensor(
        rng.integers(0, 2, 20) if loss.task == "binary" else rng.normal(0, 1, 20),
        dtype=torch.float64,
    )
    w = torch.tensor(rng.uniform(0.5, 2.0, 20))
    ours_in = torch.tensor(p_np, requires_grad=True)
    ref_in = torch.tensor(p_np, requires_grad=True)
    ours = custom.torch_loss(loss, reduction=reduction)(ours_in, t, w)
    per = formula(ref_in, t) * w
    ref = {"mean": per.sum() / w.sum(), "sum": per.sum(), "none": per}[reduction]
    torch.testing.assert_close(ours, ref, rtol=1e-10, atol=1e-12)
    upstream = torch.linspace(0.5, 1.5, 20, dtype=torch.float64) if reduction == "none" else None
    (ours * upstream).sum().backward() if upstream is not None else ours.backward()
    (ref * upstream).sum().backward() if upstream is not None else ref.backward()
    torch.testing.assert_close(ours_in.grad, ref_in.grad, rtol=1e-10, atol=1e-12)


def test_torch_adapter_rows_match_cross_entropy_autograd() -> None:
    rng = np.random.default_rng(3)
    z = torch.tensor(rng.normal(size=(8, 3)), requires_grad=True)
    z_ref = z.detach().clone().requires_grad_(True)
    y = torch.tensor(rng.integers(0, 3, 8))
    c = np.array([[0, 1, 4], [2, 0, 1], [10, 3, 0]], dtype=float)
    w = torch.tensor(custom.class_weights_from_costs(c))
    custom.torch_loss(custom.cost_matrix_cross_entropy(c), reduction="sum")(z, y).backward()
    torch.nn.functional.cross_entropy(z_ref, y, weight=w, reduction="sum").backward()
    torch.testing.assert_close(z.grad, z_ref.grad, rtol=1e-10, atol=1e-12)


def test_torch_adapter_trains_a_linear_model() -> None:
    torch.manual_seed(0)
    x = torch.randn(200, 2, dtype=torch.float64)
    y = x @ torch.tensor([2.0, -1.0], dtype=torch.float64) + 0.5
    model = torch.nn.Linear(2, 1, dtype=torch.float64)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = custom.torch_loss(custom.expression_loss("(y_pred - y_true)**2"))
    for _ in range(300):
        optimizer.zero_grad()
        loss = loss_fn(model(x)[:, 0], y)
        loss.backward()
        optimizer.step()
    assert float(loss.detach()) < 1e-8
    torch.testing.assert_close(
        model.weight.detach()[0], torch.tensor([2.0, -1.0], dtype=torch.float64)
    )


def test_torch_adapter_refuses_targets_that_need_grad() -> None:
    f = custom.torch_loss("mse")
    with pytest.raises(ValueError, match="y_true must not require grad"):
        f(torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True))


def test_losslab_estimators_accept_custom_losses() -> None:
    from losslab import estimators

    rng = np.random.default_rng(4)
    x = rng.normal(size=(400, 1))
    y = 2 * x[:, 0] + rng.normal(0.0, 1.0, 400)
    kwargs = {"solver": "gd", "lr": 0.1, "max_iter": 500, "alpha": 0.0, "random_state": 0}
    mse = estimators.LossRegressor(loss="mse", **kwargs).fit(x, y)
    same = estimators.LossRegressor(loss=custom.expression_loss("(y_pred - y_true)**2"), **kwargs)
    np.testing.assert_allclose(same.fit(x, y).predict(x), mse.predict(x), rtol=1e-9, atol=1e-9)
    asym = estimators.LossRegressor(loss=custom.asymmetric_squared(under=5.0, over=1.0), **kwargs)
    shift = float(np.mean(asym.fit(x, y).predict(x) - mse.predict(x)))
    assert 0.45 < shift < 0.72, shift  # the 5/6-expectile of N(0, 1) is 0.586
    clf = estimators.LossClassifier(
        loss=custom.cost_sensitive_bce(fn_cost=5.0, fp_cost=1.0), **kwargs
    ).fit(x, (y > 0).astype(int))
    plain = estimators.LossClassifier(loss="bce_with_logits", **kwargs).fit(x, (y > 0).astype(int))
    # Costly false negatives: the cost-sensitive model calls more examples positive.
    assert clf.predict(x).sum() > plain.predict(x).sum()

"""XGBoost and LightGBM built-in objectives reproduced by losslab losses, and the estimators.

References: each booster's own built-in objective at its default settings
(``xgboost.train({"objective": ...})``, ``lightgbm.train({"objective": ...})``),
trained on the same data for the same rounds. A losslab loss at its default
parameters, set up by ``xgboost_params`` / ``lightgbm_params`` with the
booster's Hessian convention, must give the same predictions (probabilities
for classifiers) to 1e-6. XGBoost predicts in float32, so the comparison is
relative for large values (diabetes targets are ~150).
"""

from __future__ import annotations

import json
import math
import pickle
import sys

import numpy as np
import pytest
from conftest import require
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris

from losslab import custom
from losslab.losses import get

ROUNDS = 10
TOLERANCE = {"rtol": 1e-6, "atol": 1e-6}


def _datasets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    diabetes_x, diabetes_y = load_diabetes(return_X_y=True)
    cancer_x, cancer_y = load_breast_cancer(return_X_y=True)
    iris_x, iris_y = load_iris(return_X_y=True)
    rng = np.random.default_rng(0)
    rate = np.exp(1.0 + 5.0 * diabetes_x[:, 2] + 3.0 * diabetes_x[:, 8])
    counts = rng.poisson(rate).astype(np.float64)
    amounts = rate * rng.gamma(2.0, 0.5, rate.size)  # positive, mean = rate
    # Zero-inflated positive amounts, what Tweedie with 1 < p < 2 is for.
    claims = np.where(rng.uniform(size=rate.size) < 0.3, 0.0, amounts)
    return {
        "diabetes": (diabetes_x, diabetes_y),
        "breast_cancer": (cancer_x, cancer_y.astype(np.float64)),
        "iris": (iris_x, iris_y),
        "counts": (diabetes_x, counts),
        "amounts": (diabetes_x, amounts),
        "claims": (diabetes_x, claims),
    }


DATA = _datasets()


def _prediction(loss: str, margin: np.ndarray) -> np.ndarray:
    """What a built-in's ``predict`` returns: the margin through the loss's head and link."""
    link = get(loss).link
    return np.asarray(link.inverse(link.head_forward(np.asarray(margin, dtype=np.float64))))


# (built-in objective, losslab loss, data, extra built-in parameters)
XGBOOST = [
    ("reg:squarederror", "mse", "diabetes", {}),
    ("binary:logistic", "bce_with_logits", "breast_cancer", {}),
    ("binary:logistic", "bce", "breast_cancer", {}),
    ("multi:softprob", "cross_entropy", "iris", {"num_class": 3}),
    ("reg:tweedie", "tweedie", "claims", {}),
    ("reg:gamma", "gamma_nll", "amounts", {}),
    ("count:poisson", "poisson_nll", "counts", {}),
]


def _xgboost_pair(objective, loss, data, extra, *, hessian="xgboost", base_score=True):
    xgb = require("xgboost")
    x, y = DATA[data]
    matrix = xgb.DMatrix(x, label=y)
    built_in = xgb.train({"objective": objective, "nthread": 1, **extra}, matrix, ROUNDS)
    setup = custom.xgboost_params(loss, y, hessian=hessian, base_score=base_score)
    ours = xgb.train({"nthread": 1, **setup.params}, matrix, ROUNDS, obj=setup.obj)
    margin = ours.predict(xgb.DMatrix(x), output_margin=True)
    return _prediction(loss, margin), built_in.predict(matrix), built_in


@pytest.mark.parametrize(
    ("objective", "loss", "data", "extra"), XGBOOST, ids=[c[1] for c in XGBOOST]
)
def test_xgboost_built_ins_are_reproduced(objective, loss, data, extra):
    ours, reference, built_in = _xgboost_pair(objective, loss, data, extra)
    np.testing.assert_allclose(ours, reference, **TOLERANCE)
    # The start is the built-in's: XGBoost estimates it (a mean, a base rate) from the data
    # and stores it as a prediction (softmax rows: compared through the probabilities).
    config = json.loads(built_in.save_config())["learner"]["learner_model_param"]
    stored = np.asarray(json.loads(config["base_score"]), dtype=np.float64)
    start = custom.xgboost_params(loss, DATA[data][1]).start
    if loss == "cross_entropy":
        stored = np.exp(stored) / np.exp(stored).sum()
    np.testing.assert_allclose(_prediction(loss, start), stored.reshape(np.shape(start)), rtol=1e-6)


@pytest.mark.parametrize(
    ("objective", "loss", "data", "extra"),
    [c for c in XGBOOST if c[1] in ("mse", "cross_entropy", "poisson_nll")],
    ids=["mse", "cross_entropy", "poisson_nll"],
)
def test_xgboost_convention_is_what_makes_the_match(objective, loss, data, extra):
    # With the loss's exact derivatives the trees differ: the convention is needed.
    ours, reference, _ = _xgboost_pair(objective, loss, data, extra, hessian="exact")
    assert np.abs(ours - reference).max() > 1e-3 * np.abs(reference).max()


@pytest.mark.parametrize("case", [XGBOOST[0], XGBOOST[1], XGBOOST[6]], ids=lambda c: c[1])
def test_xgboost_start_is_what_makes_the_match(case):
    ours, reference, _ = _xgboost_pair(*case, base_score=False)
    assert np.abs(ours - reference).max() > 1e-2 * np.abs(reference).max()


def test_xgboost_pseudohuber_matches_from_the_same_start():
    # XGBoost starts reg:pseudohubererror one Newton step from a margin of 0 (573,409 on
    # diabetes, whose mean is 152); given the loss's optimal constant as base_score, the
    # built-in and losslab's pseudo_huber grow the same trees.
    xgb = require("xgboost")
    x, y = DATA["diabetes"]
    matrix = xgb.DMatrix(x, label=y)
    default = xgb.train({"objective": "reg:pseudohubererror", "nthread": 1}, matrix, 1)
    config = json.loads(default.save_config())["learner"]["learner_model_param"]
    g, h = custom.margin_derivatives("pseudo_huber", y, np.zeros_like(y))
    newton = -g.sum() / h.sum()
    assert float(json.loads(config["base_score"])[0]) == pytest.approx(newton, rel=1e-5)
    setup = custom.xgboost_params("pseudo_huber", y, hessian="xgboost")
    assert abs(setup.start - np.median(y)) < 0.1 * np.std(y)  # an M-estimate near the median
    built_in = xgb.train(
        {"objective": "reg:pseudohubererror", "nthread": 1, "base_score": setup.start},
        matrix,
        ROUNDS,
    )
    ours = xgb.train({"nthread": 1, **setup.params}, matrix, ROUNDS, obj=setup.obj)
    np.testing.assert_allclose(
        ours.predict(matrix, output_margin=True), built_in.predict(matrix), **TOLERANCE
    )


LIGHTGBM = [
    ("regression", "mse", "diabetes", {}),
    ("binary", "bce_with_logits", "breast_cancer", {}),
    ("multiclass", "cross_entropy", "iris", {"num_class": 3}),
    ("tweedie", "tweedie", "claims", {}),
    ("poisson", "poisson_nll", "counts", {}),
    ("gamma", "gamma_nll", "amounts", {}),
]


def _lightgbm_pair(
    objective, loss, data, extra, *, hessian="lightgbm", base_score=True, shared=None
):
    lgb = require("lightgbm")
    x, y = DATA[data]
    quiet = {"verbose": -1, "num_threads": 1, **(shared or {})}
    built_in = lgb.train({"objective": objective, **quiet, **extra}, lgb.Dataset(x, y), ROUNDS)
    setup = custom.lightgbm_params(loss, y, hessian=hessian, base_score=base_score)
    ours = lgb.train(
        {**quiet, **setup.params},
        lgb.Dataset(x, y, init_score=setup.init_score),
        ROUNDS,
        callbacks=setup.callbacks,
    )
    return _prediction(loss, ours.predict(x, raw_score=True)), built_in.predict(x)


@pytest.mark.parametrize(
    ("objective", "loss", "data", "extra"), LIGHTGBM, ids=[c[1] for c in LIGHTGBM]
)
def test_lightgbm_built_ins_are_reproduced(objective, loss, data, extra):
    ours, reference = _lightgbm_pair(objective, loss, data, extra)
    np.testing.assert_allclose(ours, reference, **TOLERANCE)


@pytest.mark.parametrize(
    ("objective", "loss", "data", "extra"),
    [c for c in LIGHTGBM if c[1] in ("cross_entropy", "poisson_nll")],
    ids=["cross_entropy", "poisson_nll"],
)
def test_lightgbm_convention_is_what_makes_the_match(objective, loss, data, extra):
    ours, reference = _lightgbm_pair(objective, loss, data, extra, hessian="exact")
    assert np.abs(ours - reference).max() > 1e-3 * np.abs(reference).max()


def test_lightgbm_mse_scale_matters_only_with_regularisation():
    # LightGBM's defaults have no L2 penalty: leaf values -G/H and the ranking of splits by
    # G^2/H do not change when g and h double, so mse's exact derivatives grow the same trees.
    exact, reference = _lightgbm_pair(*LIGHTGBM[0], hessian="exact")
    np.testing.assert_allclose(exact, reference, **TOLERANCE)
    # With lambda_l2 they do not, and the convention (half of mse's g and h) is what matches.
    penalised = {"lambda_l2": 10.0}
    exact, reference = _lightgbm_pair(*LIGHTGBM[0], hessian="exact", shared=penalised)
    assert np.abs(exact - reference).max() > 0.1
    halved, reference = _lightgbm_pair(*LIGHTGBM[0], shared=penalised)
    np.testing.assert_allclose(halved, reference, **TOLERANCE)


@pytest.mark.parametrize("case", [LIGHTGBM[0], LIGHTGBM[1], LIGHTGBM[4]], ids=lambda c: c[1])
def test_lightgbm_start_is_what_makes_the_match(case):
    ours, reference = _lightgbm_pair(*case, base_score=False)
    assert np.abs(ours - reference).max() > 1e-2 * np.abs(reference).max()


# Built-ins that re-fit each leaf after growing the tree: no gradient-and-Hessian objective
# grows their trees. The gap is measured, not hidden.
UNMATCHABLE = [
    ("xgboost", "reg:absoluteerror", "mae", {}),
    ("xgboost", "reg:quantileerror", "quantile", {"quantile_alpha": 0.5}),
    ("lightgbm", "l1", "mae", {}),
    ("lightgbm", "quantile", "quantile:q=0.9", {}),  # LightGBM's alpha defaults to 0.9
]


@pytest.mark.parametrize(
    ("booster", "objective", "loss", "extra"), UNMATCHABLE, ids=[c[1] for c in UNMATCHABLE]
)
def test_leaf_refitting_built_ins_are_not_reproduced(booster, objective, loss, extra, capsys):
    x, y = DATA["diabetes"]
    if booster == "xgboost":
        xgb = require("xgboost")
        matrix = xgb.DMatrix(x, label=y)
        built_in = xgb.train({"objective": objective, "nthread": 1, **extra}, matrix, ROUNDS)
        reference = built_in.predict(matrix)
        setup = custom.xgboost_params(loss, y, hessian="xgboost")
        model = xgb.train({"nthread": 1, **setup.params}, matrix, ROUNDS, obj=setup.obj)
        ours = model.predict(matrix, output_margin=True)
    else:
        lgb = require("lightgbm")
        quiet = {"verbose": -1, "num_threads": 1}
        reference = lgb.train({"objective": objective, **quiet}, lgb.Dataset(x, y), ROUNDS)
        reference = reference.predict(x)
        setup = custom.lightgbm_params(loss, y, hessian="lightgbm")
        data = lgb.Dataset(x, y, init_score=setup.init_score)
        model = lgb.train({**quiet, **setup.params}, data, ROUNDS, callbacks=setup.callbacks)
        ours = model.predict(x, raw_score=True)
    gap = float(np.abs(ours - reference).max())
    with capsys.disabled():
        print(f"\n{booster} {objective} vs losslab {loss}: max |gap| {gap:.4g} (y in 25..346)")
    assert gap > 1.0


def test_lightgbm_huber_is_huber_gradient_with_unit_hessian_from_the_mean(capsys):
    # LightGBM's huber (alpha = 0.9): Huber's clipped gradient, a Hessian of 1 where Huber's
    # is 0 beyond delta, and boost_from_average's mean as the start. With that convention and
    # that start, losslab's huber reproduces it; with either missing, it does not.
    lgb = require("lightgbm")
    x, y = DATA["diabetes"]
    w = np.random.default_rng(2).uniform(0.5, 2.0, y.size)
    quiet = {"verbose": -1, "num_threads": 1}
    data = lgb.Dataset(x, y, weight=w)
    reference = lgb.train({"objective": "huber", **quiet}, data, ROUNDS).predict(x)

    def ours(hessian, base_score):
        setup = custom.lightgbm_params(
            "huber:delta=0.9", y, w, hessian=hessian, base_score=base_score
        )
        data = lgb.Dataset(x, y, weight=w, init_score=setup.init_score)
        model = lgb.train({**quiet, **setup.params}, data, ROUNDS, callbacks=setup.callbacks)
        return model.predict(x, raw_score=True)

    mean = float(np.average(y, weights=w))
    np.testing.assert_allclose(ours("lightgbm", mean), reference, **TOLERANCE)
    gaps = {
        "exact Hessian, optimal start (losslab's huber)": ours("exact", True),
        "exact Hessian, mean start": ours("exact", mean),
        "unit Hessian, optimal start": ours("lightgbm", True),
    }
    for what, prediction in gaps.items():
        gap = float(np.abs(prediction - reference).max())
        with capsys.disabled():
            print(f"\nlightgbm huber vs losslab huber:delta=0.9, {what}: max |gap| {gap:.4g}")
        assert gap > 1.0


def test_lightgbm_multiclass_hessian_factor_is_k_over_k_minus_one():
    labels = np.array([0, 1, 2, 3])
    margin = np.zeros((4, 4))
    _, exact = custom.booster_derivatives("cross_entropy", labels, margin)
    _, lightgbm = custom.booster_derivatives("cross_entropy", labels, margin, hessian="lightgbm")
    _, xgboost = custom.booster_derivatives("cross_entropy", labels, margin, hessian="xgboost")
    np.testing.assert_allclose(exact, 0.25 * 0.75)
    np.testing.assert_allclose(lightgbm, 4 / 3 * 0.25 * 0.75)
    np.testing.assert_allclose(xgboost, 2 * 0.25 * 0.75)
    # XGBoost floors its softmax Hessian at 1e-16: a certain class still divides safely.
    _, floored = custom.booster_derivatives("cross_entropy", [0], [[800.0, 0.0]], hessian="xgboost")
    assert floored.min() == 1e-16
    _, poisson = custom.booster_derivatives("poisson_nll", [1.0], [0.5], hessian="xgboost")
    assert poisson[0] == pytest.approx(math.exp(0.5 + 0.7))


def test_start_options_and_errors():
    y = np.array([1.0, 2.0, 6.0])
    assert custom.xgboost_params("mse", y).start == pytest.approx(3.0)
    assert custom.xgboost_params("mse", y, base_score=False).params["base_score"] == 0.0
    assert custom.xgboost_params("mse", y, base_score=1.5).params["base_score"] == 1.5
    assert custom.lightgbm_params("mse", y, base_score=False).init_score is None
    setup = custom.lightgbm_params("poisson_nll", y, weights=[1.0, 1.0, 2.0])
    np.testing.assert_allclose(setup.init_score, np.full(3, math.log(15 / 4)))
    rows = custom.xgboost_params("cross_entropy", np.array([0, 0, 2]))
    assert rows.params["num_class"] == 3
    # An absent class starts at probability 1e-15, as LightGBM's multiclass does.
    assert math.exp(rows.start[1]) / np.exp(rows.start).sum() == pytest.approx(1e-15)
    assert rows.margins(2).shape == (2, 3)
    with pytest.raises(ValueError, match="hessian="):
        custom.xgboost_params("mse", y, hessian="lightgbm")
    with pytest.raises(ValueError, match="hessian="):
        custom.lightgbm_params("mse", y, hessian="xgboost")
    with pytest.raises(ValueError, match="base_score"):
        custom.xgboost_params("poisson_nll", np.zeros(3))  # log of a zero mean
    with pytest.raises(ValueError, match="base_score must have shape"):
        custom.xgboost_params("cross_entropy", np.array([0, 1]), base_score=[0.0, 1.0, 2.0])
    costs = custom.expected_cost_softmax([[0, 1], [3, 0]])  # states no optimal constant
    with pytest.raises(ValueError, match="base_score=False"):
        custom.xgboost_params(costs, np.array([0, 1, 1]))
    np.testing.assert_array_equal(
        custom.xgboost_params(costs, np.array([0, 1, 1]), base_score=False).start, [0.0, 0.0]
    )
    # One class only: the base-rate logit is clipped at probability 1 - 1e-15, not infinite.
    assert custom.lightgbm_params("bce_with_logits", np.ones(4)).start == pytest.approx(
        math.log(1e15 - 1)
    )
    assert custom.xgboost_params("huber:delta=2", y).start == pytest.approx(
        float(get("huber", delta=2.0).optimal_constant(y))
    )


# The scikit-learn estimators.


def test_regressor_reproduces_the_built_in_with_sample_weights():
    xgb = require("xgboost")
    lgb = require("lightgbm")
    x, y = DATA["diabetes"]
    w = np.random.default_rng(1).uniform(0.2, 3.0, y.size)
    ours = custom.XGBoostLossRegressor("mse", n_estimators=ROUNDS, hessian="xgboost", n_jobs=1)
    built_in = xgb.XGBRegressor(n_estimators=ROUNDS, learning_rate=0.3, max_depth=6, n_jobs=1)
    ours.fit(x, y, sample_weight=w)
    np.testing.assert_allclose(
        ours.predict(x), built_in.fit(x, y, sample_weight=w).predict(x), **TOLERANCE
    )
    unweighted = clone(ours).fit(x, y).predict(x)
    assert np.abs(unweighted - ours.predict(x)).max() > 1.0  # the weights mattered
    lg = custom.LightGBMLossRegressor("poisson_nll", n_estimators=ROUNDS, hessian="lightgbm")
    x_c, counts = DATA["counts"]
    lg.fit(x_c, counts, sample_weight=w)
    reference = lgb.LGBMRegressor(objective="poisson", n_estimators=ROUNDS, verbose=-1)
    reference.fit(x_c, counts, sample_weight=w)
    np.testing.assert_allclose(lg.predict(x_c), reference.predict(x_c), **TOLERANCE)


@pytest.mark.parametrize("booster", ["xgboost", "lightgbm"])
def test_classifier_takes_string_labels_and_returns_probabilities(booster):
    require(booster)
    x, y = DATA["iris"]
    species = np.array(["setosa", "versicolor", "virginica"])
    names = species[y]
    if booster == "xgboost":
        xgb = require("xgboost")
        ours = custom.XGBoostLossClassifier(n_estimators=ROUNDS, hessian="xgboost", n_jobs=1)
        reference = xgb.XGBClassifier(n_estimators=ROUNDS, learning_rate=0.3, n_jobs=1)
    else:
        lgb = require("lightgbm")
        ours = custom.LightGBMLossClassifier(n_estimators=ROUNDS, hessian="lightgbm", n_jobs=1)
        reference = lgb.LGBMClassifier(n_estimators=ROUNDS, verbose=-1, n_jobs=1)
    ours.fit(x, names)
    reference.fit(x, y)
    assert ours.loss_.name == "cross_entropy"
    assert ours.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    np.testing.assert_allclose(ours.predict_proba(x), reference.predict_proba(x), **TOLERANCE)
    np.testing.assert_array_equal(ours.predict(x), species[reference.predict(x)])
    assert ours.predict(x).dtype.kind == "U"
    assert ours.decision_function(x).shape == (150, 3)


@pytest.mark.parametrize("booster", ["xgboost", "lightgbm"])
def test_binary_classifier_matches_the_built_in(booster):
    x, y = DATA["breast_cancer"]
    labels = np.where(y == 1, "benign", "malignant")
    if booster == "xgboost":
        xgb = require("xgboost")
        ours = custom.XGBoostLossClassifier(n_estimators=ROUNDS, n_jobs=1)
        reference = xgb.XGBClassifier(n_estimators=ROUNDS, learning_rate=0.3, n_jobs=1)
    else:
        lgb = require("lightgbm")
        ours = custom.LightGBMLossClassifier(n_estimators=ROUNDS, n_jobs=1)
        reference = lgb.LGBMClassifier(n_estimators=ROUNDS, verbose=-1, n_jobs=1)
    ours.fit(x, labels)
    # np.unique sorts: "benign" is class 0 here, 1 in the reference.
    reference.fit(x, (labels == "malignant").astype(int))
    assert ours.loss_.name == "bce_with_logits"
    np.testing.assert_allclose(ours.predict_proba(x), reference.predict_proba(x), **TOLERANCE)
    expected = np.where(reference.predict(x) == 1, "malignant", "benign")
    np.testing.assert_array_equal(ours.predict(x), expected)


@pytest.mark.parametrize(
    "estimator",
    [
        custom.XGBoostLossRegressor("tweedie:power=1.2", n_estimators=5, max_depth=3),
        custom.LightGBMLossRegressor("gamma_nll", n_estimators=5, params={"lambda_l2": 1.0}),
        custom.XGBoostLossClassifier("focal", n_estimators=5),
        custom.LightGBMLossClassifier("cross_entropy", n_estimators=5),
    ],
    ids=lambda e: type(e).__name__,
)
def test_estimators_clone_and_pickle(estimator):
    require("xgboost" if "XGBoost" in type(estimator).__name__ else "lightgbm")
    x, y = DATA["amounts"] if "Regressor" in type(estimator).__name__ else DATA["breast_cancer"]
    twin = clone(estimator)
    assert twin.get_params() == estimator.get_params()
    assert not hasattr(twin, "booster_")
    fitted = twin.fit(x, y)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(x), fitted.predict(x))
    if "Regressor" in type(estimator).__name__:
        assert (fitted.predict(x) > 0).all()  # a mean through the log link
        assert not hasattr(fitted, "decision_function")
    else:
        np.testing.assert_array_equal(restored.decision_function(x), fitted.decision_function(x))


def test_predict_proba_only_for_proper_losses():
    assert hasattr(custom.XGBoostLossClassifier("bce_with_logits"), "predict_proba")
    assert not hasattr(custom.XGBoostLossClassifier("hinge"), "predict_proba")
    assert not hasattr(custom.LightGBMLossClassifier("focal"), "predict_proba")
    x, y = DATA["breast_cancer"]
    require("xgboost")
    fitted = custom.XGBoostLossClassifier("focal", n_estimators=3).fit(x, y)
    assert not hasattr(fitted, "predict_proba")
    assert set(fitted.predict(x)) <= {0.0, 1.0}


def test_estimators_refuse_a_loss_of_another_task():
    x, y = DATA["diabetes"]
    with pytest.raises(ValueError, match="loss 'bce_with_logits' is for binary"):
        custom.XGBoostLossRegressor("bce_with_logits").fit(x, y)
    x, y = DATA["iris"]
    with pytest.raises(ValueError, match="not multiclass"):
        custom.LightGBMLossClassifier("bce_with_logits").fit(x, y)
    require("lightgbm")
    with pytest.raises(ValueError, match="min_child_samples=20; lower it"):
        custom.LightGBMLossRegressor().fit(x[:10], y[:10])
    with pytest.raises(ValueError, match="sample_weight must have shape"):
        custom.XGBoostLossClassifier().fit(x, y, sample_weight=np.ones(3))


def test_expression_loss_boosts_from_its_numerical_constant():
    # An expression states no closed form; its optimal constant is found numerically, and
    # (y_pred - y_true)^2 written out boosts exactly as the catalogue's mse.
    require("xgboost")
    x, y = DATA["diabetes"]
    square = custom.expression_loss("(y_pred - y_true)**2")
    ours = custom.XGBoostLossRegressor(square, n_estimators=ROUNDS, n_jobs=1).fit(x, y)
    mse = custom.XGBoostLossRegressor("mse", n_estimators=ROUNDS, n_jobs=1).fit(x, y)
    np.testing.assert_allclose(ours.predict(x), mse.predict(x), **TOLERANCE)


# With 30 features and 15 samples many splits tie; weighted (g w, rounded once) and repeated
# (g added w times) float32 sums differ in the last bit and can break a tie differently.
# XGBoost's and LightGBM's own regressors meet the same limit (LightGBM's fail this check).
TIES = {"check_sample_weight_equivalence_on_dense_data": "float32 sums break tied splits apart"}


@pytest.mark.parametrize(
    "estimator",
    [
        custom.XGBoostLossRegressor(n_estimators=3, n_jobs=1),
        custom.XGBoostLossClassifier(n_estimators=3, n_jobs=1),
        custom.LightGBMLossRegressor(n_estimators=4, learning_rate=0.9, min_child_samples=1),
        custom.LightGBMLossClassifier(n_estimators=3, min_child_samples=1, n_jobs=1),
    ],
    ids=lambda e: type(e).__name__,
)
# scikit-learn skips its array-API check unless SCIPY_ARRAY_API is set, and says so.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
def test_estimators_pass_scikit_learn_checks(estimator):
    from sklearn.utils.estimator_checks import check_estimator

    require("xgboost" if "XGBoost" in type(estimator).__name__ else "lightgbm")
    check_estimator(estimator, expected_failed_checks=TIES)


def test_lightgbm_validation_scores_start_from_the_margins():
    # A validation Dataset given init_score=setup.margins(n) is scored as the built-in
    # scores it (LightGBM adds its boost_from_average start to validation scores too).
    lgb = require("lightgbm")
    x, y = DATA["diabetes"]
    fit, valid = slice(0, 300), slice(300, None)
    quiet = {"verbose": -1, "num_threads": 1, "metric": "l2"}
    built_in_log: dict = {}
    train = lgb.Dataset(x[fit], y[fit])
    lgb.train(
        {"objective": "regression", **quiet},
        train,
        ROUNDS,
        valid_sets=[lgb.Dataset(x[valid], y[valid], reference=train)],
        callbacks=[lgb.record_evaluation(built_in_log)],
    )
    setup = custom.lightgbm_params("mse", y[fit], hessian="lightgbm")
    ours_log: dict = {}
    train = lgb.Dataset(x[fit], y[fit], init_score=setup.init_score)
    held_out = lgb.Dataset(
        x[valid], y[valid], init_score=setup.margins(len(y[valid])), reference=train
    )
    booster = lgb.train(
        {**setup.params, **quiet},
        train,
        ROUNDS,
        valid_sets=[held_out],
        callbacks=[*setup.callbacks, lgb.record_evaluation(ours_log)],
    )
    curve = ours_log["valid_0"]["l2"]
    np.testing.assert_allclose(curve, built_in_log["valid_0"]["l2"], rtol=1e-9)
    # The model itself carries the start: its predictions score the same.
    final = np.mean((booster.predict(x[valid], raw_score=True) - y[valid]) ** 2)
    assert final == pytest.approx(curve[-1], rel=1e-9)


def test_grid_search_over_losses_and_their_parameters():
    from sklearn.model_selection import GridSearchCV

    require("xgboost")
    x, y = DATA["diabetes"]
    search = GridSearchCV(
        custom.XGBoostLossRegressor(n_estimators=5, max_depth=2, n_jobs=1),
        {"loss": ["mse", "pseudo_huber:delta=20", "huber:delta=30"]},
        cv=3,
        scoring="neg_mean_absolute_error",
    ).fit(x, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()
    assert len(set(np.round(scores, 6))) == 3  # the loss parameter reached the booster
    assert search.best_estimator_.loss_.name == search.best_params_["loss"].split(":")[0]


def test_a_missing_booster_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "lightgbm", None)  # import lightgbm now fails
    x, y = DATA["diabetes"]
    with pytest.raises(ImportError, match=r"this needs lightgbm: pip install 'losslab\[boost\]'"):
        custom.LightGBMLossRegressor().fit(x, y)

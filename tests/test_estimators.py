"""scikit-learn estimator checks, API integration and accuracy of LossRegressor / LossClassifier.

References: scikit-learn's own linear models (Ridge, LogisticRegression,
HuberRegressor, QuantileRegressor) fitted on the same data; numpy's least squares.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import (
    HuberRegressor,
    LogisticRegression,
    QuantileRegressor,
    Ridge,
)
from sklearn.metrics import log_loss, mean_absolute_error, mean_pinball_loss
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from losslab import datasets, losses
from losslab.estimators import LossClassifier, LossRegressor

# Defaults (L-BFGS on a linear model), a binary-only kinked loss (hinge: no predict_proba,
# two classes only), and an MLP trained by Adam.
CHECKED = [
    LossRegressor(),
    LossClassifier(),
    LossClassifier(loss="hinge"),
    LossClassifier(
        loss="cross_entropy",
        model="mlp",
        hidden=(8,),
        solver="adam",
        max_iter=30,
        lr=0.05,
        random_state=0,
    ),
]

# Every check passes; none is expected to fail. The only skips come from scikit-learn itself:
# its array-API checks skip unless the environment sets SCIPY_ARRAY_API=1 (we do not claim
# array-API support for the estimators).
EXPECTED_FAILED: dict[str, str] = {}


@parametrize_with_checks(CHECKED, expected_failed_checks=lambda est: EXPECTED_FAILED)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ----------------------------------------------------------------------------- data


@pytest.fixture
def regression_data():
    data = datasets.linear(n_samples=120, n_features=3, noise=0.3, seed=0)
    return data.X, data.y


@pytest.fixture
def binary_data():
    data = datasets.blobs(n_samples=120, separation=3.0, seed=0)
    return data.X, np.array(["no", "yes"])[data.y]


def outlier_regression(n: int, seed: int) -> tuple[np.ndarray, ...]:
    """10 standard-normal features, unit Gaussian noise, 5% of the targets shifted by N(0, 100²)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2 * n, 10))
    y = X @ rng.normal(scale=3.0, size=10) + 5.0 + rng.normal(size=2 * n)
    outliers = rng.random(2 * n) < 0.05
    y[outliers] += rng.normal(0.0, 100.0, outliers.sum())
    return X[:n], y[:n], X[n:], y[n:]


@pytest.fixture(scope="module")
def breast_cancer_split():
    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


# ----------------------------------------------------------------------------- solvers


@pytest.mark.parametrize("solver", ["lbfgs", "trust-ncg"])
def test_regressor_recovers_least_squares(regression_data, solver):
    X, y = regression_data
    reg = LossRegressor(solver=solver, alpha=0.0, tol=1e-8).fit(X, y)
    expected = np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)[0]
    np.testing.assert_allclose(np.r_[reg.coef_, reg.intercept_], expected, atol=1e-8)
    assert reg.coef_.shape == (3,)
    assert isinstance(reg.intercept_, float)
    assert reg.converged_ is True
    assert reg.diverged_ is False
    assert 1 <= reg.n_iter_ < 200
    assert [r["epoch"] for r in reg.history_.records] == [0, reg.n_iter_]
    assert reg.history_.final["train_loss"] < reg.history_.initial_loss


def test_first_order_solver_still_trains(regression_data):
    X, y = regression_data
    reg = LossRegressor(solver="gd", lr=0.2, max_iter=500, alpha=0.0).fit(X, y)
    expected = np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)[0]
    np.testing.assert_allclose(np.r_[reg.coef_, reg.intercept_], expected, atol=1e-8)
    assert reg.history_.epochs_completed == reg.n_iter_ == 500


def test_alpha_is_ridge_and_logistic_regression_penalty(regression_data, binary_data):
    # Ours: mean loss + ½ α ‖w‖². Ridge: Σ r² + a ‖w‖², so a = n α / 2.
    # LogisticRegression: C Σ log-loss + ½ ‖w‖², so C = 1 / (n α). Intercepts are free in all.
    X, y = regression_data
    alpha = 0.3
    ours = LossRegressor(alpha=alpha, tol=1e-10).fit(X, y)
    ridge = Ridge(alpha=len(y) * alpha / 2).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ridge.coef_, rtol=1e-7)
    assert ours.intercept_ == pytest.approx(ridge.intercept_, rel=1e-7)
    Xc, yc = binary_data
    ours_c = LossClassifier(alpha=0.05, tol=1e-10).fit(Xc, yc)
    reference = LogisticRegression(C=1 / (len(yc) * 0.05), tol=1e-12, max_iter=1000).fit(Xc, yc)
    np.testing.assert_allclose(ours_c.coef_, reference.coef_, rtol=1e-5)
    np.testing.assert_allclose(ours_c.intercept_, reference.intercept_, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(
        ours_c.predict_proba(Xc), reference.predict_proba(Xc), rtol=1e-5, atol=1e-8
    )


def test_trust_ncg_agrees_with_lbfgs_and_refuses_mlps(binary_data):
    X, y = binary_data
    newton = LossClassifier(solver="trust-ncg", tol=1e-10).fit(X, y)
    lbfgs = LossClassifier(solver="lbfgs", tol=1e-10).fit(X, y)
    np.testing.assert_allclose(newton.coef_, lbfgs.coef_, rtol=1e-6)
    with pytest.raises(ValueError, match="trust-ncg' needs a linear model"):
        LossClassifier(solver="trust-ncg", model="mlp").fit(X, y)


def test_convergence_warning_when_max_iter_is_too_small():
    X, y, _, _ = outlier_regression(300, seed=1)
    with pytest.warns(ConvergenceWarning, match="stopped after 2 iterations"):
        reg = LossRegressor(loss="huber", max_iter=2).fit(X, y)
    assert reg.n_iter_ == 2
    assert reg.converged_ is False


def test_divergence_warns_and_is_reported(regression_data):
    X, y = regression_data
    with pytest.warns(ConvergenceWarning, match="diverged"):
        reg = LossRegressor(solver="gd", lr=10.0, max_iter=100).fit(X, y)
    assert reg.diverged_
    assert reg.history_.diverged_epoch is not None
    assert np.all(np.isfinite(reg.predict(X)))


# ----------------------------------------------------------------------------- accuracy


def test_huber_matches_huber_regressor():
    # Unit-variance noise, so HuberRegressor's scale-relative epsilon = 1.35 and our delta = 1.35
    # (in target units) describe the same loss; its alpha is on a sum, ours on a mean.
    X, y, X_test, y_test = outlier_regression(1000, seed=0)
    ours = LossRegressor(loss="huber:delta=1.35", alpha=0.0).fit(X, y)
    reference = HuberRegressor(epsilon=1.35, alpha=0.0, max_iter=1000).fit(X, y)
    ours_mae = mean_absolute_error(y_test, ours.predict(X_test))
    reference_mae = mean_absolute_error(y_test, reference.predict(X_test))
    assert ours_mae <= 1.02 * reference_mae, (ours_mae, reference_mae)
    mse_mae = mean_absolute_error(y_test, LossRegressor().fit(X, y).predict(X_test))
    assert ours_mae < 0.95 * mse_mae  # the outliers do hurt least squares


def test_logistic_loss_matches_logistic_regression(breast_cancer_split):
    X, X_test, y, y_test = breast_cancer_split
    # LogisticRegression's default C = 1 is alpha = 1 / n on the mean loss.
    ours = make_pipeline(StandardScaler(), LossClassifier(alpha=1.0 / len(y))).fit(X, y)
    reference = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    assert ours.score(X_test, y_test) >= reference.score(X_test, y_test) - 0.02
    ours_loss = log_loss(y_test, ours.predict_proba(X_test))
    reference_loss = log_loss(y_test, reference.predict_proba(X_test))
    assert ours_loss <= 1.02 * reference_loss, (ours_loss, reference_loss)


def test_quantile_matches_quantile_regressor():
    X, y, X_test, y_test = outlier_regression(500, seed=2)
    ours = LossRegressor(loss="quantile", loss_params={"q": 0.8}, alpha=0.0).fit(X, y)
    reference = QuantileRegressor(quantile=0.8, alpha=0.0).fit(X, y)
    ours_loss = mean_pinball_loss(y_test, ours.predict(X_test), alpha=0.8)
    reference_loss = mean_pinball_loss(y_test, reference.predict(X_test), alpha=0.8)
    assert ours_loss <= 1.02 * reference_loss, (ours_loss, reference_loss)
    assert ours.converged_


# ----------------------------------------------------------------------------- models and losses


def test_regressor_poisson_predicts_rates():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 2))
    y = rng.poisson(np.exp(0.5 * X[:, 0] + 0.2)).astype(float)
    reg = LossRegressor(loss="poisson_nll").fit(X, y)
    assert np.all(reg.predict(X) > 0)
    assert reg.coef_[0] == pytest.approx(0.5, abs=0.15)


def test_classifier_string_labels_and_binary_default(binary_data):
    X, y = binary_data
    clf = LossClassifier().fit(X, y)
    assert clf.loss_.name == "bce_with_logits"
    np.testing.assert_array_equal(clf.classes_, ["no", "yes"])
    assert set(clf.predict(X)) <= {"no", "yes"}
    assert clf.score(X, y) > 0.9
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(proba[:, 1] > 0.5).astype(int)])
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-clf.decision_function(X))))
    assert clf.coef_.shape == (1, 2)
    assert clf.intercept_.shape == (1,)


def test_classifier_multiclass_default_and_kl_div():
    data = datasets.iris()
    names = np.array(["setosa", "versicolor", "virginica"])[data.y]
    clf = LossClassifier(tol=1e-9).fit(data.X, names)
    assert clf.loss_.name == "cross_entropy"
    assert clf.coef_.shape == (3, 4)
    assert clf.predict_proba(data.X).shape == (150, 3)
    assert clf.decision_function(data.X).shape == (150, 3)
    assert clf.score(data.X, names) > 0.9
    kl = LossClassifier(loss="kl_div", tol=1e-9).fit(data.X, names)
    # KL to one-hot rows is cross-entropy: the same objective, the same solution.
    np.testing.assert_allclose(kl.predict_proba(data.X), clf.predict_proba(data.X), atol=1e-6)


def test_hinge_has_a_margin_but_no_probabilities(binary_data):
    X, y = binary_data
    hinge = LossClassifier(loss="hinge")
    assert not hasattr(hinge, "predict_proba")
    assert not hasattr(LossClassifier(loss="focal"), "predict_proba")  # not a proper rule
    assert hasattr(LossClassifier(), "predict_proba")
    hinge.fit(X, y)
    assert not hasattr(hinge, "predict_proba")
    assert not hasattr(hinge, "predict_log_proba")
    margin = hinge.decision_function(X)
    assert margin.shape == (len(y),)
    np.testing.assert_array_equal(hinge.predict(X), hinge.classes_[(margin > 0).astype(int)])
    assert hinge.score(X, y) > 0.9
    calibrated = CalibratedClassifierCV(LossClassifier(loss="hinge"), cv=3).fit(X, y)
    proba = calibrated.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert calibrated.score(X, y) > 0.9


def test_cost_matrix_reaches_the_history(binary_data):
    X, y = binary_data
    costs = [[0.0, 1.0], [5.0, 0.0]]
    clf = LossClassifier(random_state=0, cost_matrix=costs)
    assert clf.get_params()["cost_matrix"] is costs  # stored as given
    clf.fit(X, y)
    assert "train_expected_cost" in clf.history_.final
    assert clone(clf).get_params()["cost_matrix"] == costs
    assert "train_expected_cost" not in LossClassifier().fit(X, y).history_.final
    first_order = LossClassifier(solver="adam", max_iter=5, cost_matrix=costs).fit(X, y)
    assert "train_expected_cost" in first_order.history_.final
    with pytest.raises(ValueError, match="cost_matrix must have shape"):
        LossClassifier(cost_matrix=np.ones((3, 3))).fit(X, y)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_mlp_classifier_has_no_coefficients(solver):
    data = datasets.moons(n_samples=150, seed=0)
    clf = LossClassifier(
        model="mlp", hidden=(16, 16), activation="gelu", solver=solver, lr=0.05, max_iter=300,
        tol=1e-4, random_state=0,
    )  # fmt: skip
    with np.errstate(all="raise"):
        clf.fit(data.X, data.y)
    assert clf.score(data.X, data.y) > 0.95
    assert not hasattr(clf, "coef_")


# ----------------------------------------------------------------------------- scikit-learn use


def test_spec_strings_and_loss_params():
    assert LossRegressor(loss="huber:delta=2").fit([[0.0], [1.0]], [0.0, 1.0]).loss_ == (
        losses.get("huber", delta=2)
    )
    reg = LossRegressor(loss="huber", loss_params={"delta": 0.5}).fit([[0.0], [1.0]], [0.0, 1.0])
    assert reg.loss_ == losses.get("huber", delta=0.5)
    obj = LossRegressor(loss=losses.get("quantile", q=0.3), loss_params={"q": 0.7})
    assert obj.fit([[0.0], [1.0]], [0.0, 1.0]).loss_ == losses.get("quantile", q=0.7)
    assert LossRegressor().get_params()["loss_params"] is None


def test_clone_pipeline_grid_search_cross_val(binary_data, regression_data):
    X, y = binary_data
    clf = LossClassifier(loss=losses.get("focal", gamma=2.0), random_state=0)
    twin = clone(clf)
    assert twin.get_params()["loss"] == clf.loss
    assert twin is not clf
    pipe = make_pipeline(StandardScaler(), LossClassifier())
    grid = GridSearchCV(pipe, {"lossclassifier__loss": ["bce_with_logits", "hinge"]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_["lossclassifier__loss"] in ("bce_with_logits", "hinge")
    assert grid.best_score_ > 0.9
    Xr, yr, _, _ = outlier_regression(200, seed=3)
    search = GridSearchCV(
        LossRegressor(loss="huber"),
        {"loss_params": [{"delta": 0.1}, {"delta": 1.0}, {"delta": 1000.0}]},
        cv=3,
        scoring="neg_mean_absolute_error",
    ).fit(Xr, yr)
    assert search.best_params_["loss_params"]["delta"] in (0.1, 1.0)  # not the mse-like 1000
    assert search.best_estimator_.loss_ == losses.get("huber", **search.best_params_["loss_params"])
    Xs, ys = regression_data
    scores = cross_val_score(LossRegressor(loss="huber"), Xs, ys, cv=3)
    assert scores.shape == (3,)
    assert scores.min() > 0.9


def test_pickling_keeps_predictions(binary_data, regression_data):
    X, y = binary_data
    for estimator, data in (
        (LossClassifier(loss="hinge"), (X, y)),
        (LossRegressor(loss="quantile:q=0.9"), regression_data),
    ):
        estimator.fit(*data)
        restored = pickle.loads(pickle.dumps(estimator))
        np.testing.assert_array_equal(restored.predict(data[0]), estimator.predict(data[0]))


def test_sample_weight_is_row_repetition_and_zero_is_removal(regression_data):
    X, y = regression_data
    weights = np.r_[np.full(60, 2.0), np.zeros(60)]
    weighted = LossRegressor(loss="huber", tol=1e-10).fit(X, y, sample_weight=weights)
    repeated = LossRegressor(loss="huber", tol=1e-10).fit(
        np.r_[X[:60], X[:60]], np.r_[y[:60], y[:60]]
    )
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-7)
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, rel=1e-7)
    with pytest.raises(ValueError, match="Negative values in data passed to"):
        LossRegressor().fit(X, y, sample_weight=-weights)


def test_class_weight_balanced_equals_its_sample_weight():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 3))
    y = np.where(X[:, 0] + 0.5 * rng.normal(size=200) > 1.0, "rare", "common")
    counts = {label: np.sum(y == label) for label in ("common", "rare")}
    balanced = LossClassifier(class_weight="balanced", tol=1e-10).fit(X, y)
    equivalent = np.array([len(y) / (2 * counts[label]) for label in y])
    by_hand = LossClassifier(tol=1e-10).fit(X, y, sample_weight=equivalent)
    np.testing.assert_allclose(balanced.coef_, by_hand.coef_, rtol=1e-8)
    as_dict = LossClassifier(class_weight={"common": 1.0, "rare": 4.0}, tol=1e-10)
    with_both = as_dict.fit(X, y, sample_weight=np.full(200, 0.5))
    by_hand = LossClassifier(tol=1e-10).fit(X, y, sample_weight=np.where(y == "rare", 2.0, 0.5))
    np.testing.assert_allclose(with_both.coef_, by_hand.coef_, rtol=1e-8)
    unweighted = LossClassifier().fit(X, y)
    assert np.sum(balanced.predict(X) == "rare") > np.sum(unweighted.predict(X) == "rare")


def test_bad_loss_and_hyperparameters(regression_data, binary_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="LossRegressor needs a regression loss"):
        LossRegressor(loss="bce").fit(X, y)
    with pytest.raises(ValueError, match="unknown loss 'hubr'"):
        LossRegressor(loss="hubr:delta=2").fit(X, y)
    with pytest.raises(ValueError, match=r"\['delta'\] are given both"):
        LossRegressor(loss="huber:delta=2", loss_params={"delta": 1}).fit(X, y)
    with pytest.raises(TypeError, match="loss_params must be a dict"):
        LossRegressor(loss_params=[("delta", 1)]).fit(X, y)
    with pytest.raises(TypeError, match="delta"):
        LossRegressor(loss="mse", loss_params={"delta": 1}).fit(X, y)
    with pytest.raises(ValueError, match="solver must be one of"):
        LossRegressor(solver="newton").fit(X, y)
    for name, value in (("tol", 0.0), ("alpha", -1.0), ("max_iter", 0)):
        with pytest.raises(ValueError, match=f"{name} must be"):
            LossRegressor(**{name: value}).fit(X, y)
    with pytest.raises(ValueError, match="lr must be"):
        LossRegressor(solver="adam", lr=0.0).fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        LossClassifier().fit(X, y)  # continuous targets
    Xc, yc = binary_data
    with pytest.raises(ValueError, match="LossClassifier needs a classification loss"):
        LossClassifier(loss="mse").fit(Xc, yc)
    three = np.array(["a", "b", "c"])[np.arange(len(yc)) % 3]
    with pytest.raises(ValueError, match="Only binary classification is supported by loss"):
        LossClassifier(loss="hinge").fit(Xc, three)
    with pytest.raises(ValueError, match="X has 3 features, but LossClassifier is expecting 2"):
        LossClassifier().fit(Xc, yc).predict(X)
    with pytest.raises(ValueError, match="are not in class_weight"):
        LossClassifier(class_weight={"maybe": 2.0}).fit(Xc, yc)


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        ("mse", lambda y: np.mean(y)),
        ("mae", lambda y: np.median(y)),
        (losses.get("quantile", q=0.9), lambda y: np.quantile(y, 0.9, method="inverted_cdf")),
    ],
)
def test_regressor_starts_at_the_optimal_constant(loss, expected) -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(201, 3))
    y = 100.0 + rng.exponential(5.0, 201)
    reg = LossRegressor(loss=loss, solver="gd", max_iter=1, lr=1e-12, random_state=0).fit(X, y)
    assert reg.intercept_ == pytest.approx(expected(y), rel=1e-9)


def test_classifier_starts_at_the_class_log_frequencies() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(120, 2))
    y = np.repeat([0, 1, 2], [20, 40, 60])
    clf = LossClassifier(loss="cross_entropy", solver="gd", max_iter=1, lr=1e-12).fit(X, y)
    np.testing.assert_allclose(np.exp(clf.intercept_), [1 / 6, 2 / 6, 3 / 6], rtol=1e-9)
    lbfgs = LossClassifier(loss="cross_entropy", max_iter=1)
    with pytest.warns(ConvergenceWarning):
        lbfgs.fit(X, y)
    # The solver's record of its start is the constant model's loss: the entropy of 1:2:3.
    p = np.array([1, 2, 3]) / 6
    assert lbfgs.history_.initial_loss == pytest.approx(-np.sum(p * np.log(p)), rel=1e-12)


@pytest.mark.parametrize("loss", ["multi_margin", "softmax_focal", "brier", "sparsemax"])
def test_multiclass_losses_train_by_lbfgs(loss) -> None:
    # multi_margin and softmax_focal state no optimal constant: they start at 0.
    data = datasets.iris()
    clf = LossClassifier(loss=loss).fit(data.X, data.y)
    assert clf.converged_
    assert clf.score(data.X, data.y) > 0.95
    assert hasattr(clf, "predict_proba") is bool(clf.loss_.properties.proper)


@pytest.mark.parametrize("loss", ["bce", "mse_probability"])
def test_losses_on_probabilities_train_through_the_sigmoid_head(binary_data, loss) -> None:
    X, y = binary_data
    clf = LossClassifier(loss=loss).fit(X, y)
    reference = LossClassifier().fit(X, y)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(clf.decision_function(X) > 0) * 1])
    if loss == "bce":  # bce on sigmoid(z) is bce_with_logits on z: the same optimum
        np.testing.assert_allclose(clf.predict_proba(X), reference.predict_proba(X), atol=1e-4)
    assert clf.score(X, y) > 0.9

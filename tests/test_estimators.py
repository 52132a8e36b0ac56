"""scikit-learn estimator checks and API integration for LossRegressor / LossClassifier."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from losslab import datasets, losses
from losslab.estimators import LossClassifier, LossRegressor

# Small epochs keep the ~100 checks fast; lr=0.1 with Adam still clears the
# accuracy (> 0.83) and R² (> 0.5) thresholds of check_classifiers_train and
# check_regressors_train on their standardised data.
CHECKED = [
    LossRegressor(epochs=50, lr=0.1, random_state=0),
    LossClassifier(epochs=50, lr=0.1, random_state=0),
    LossClassifier(
        loss="cross_entropy", model="mlp", hidden=(8,), epochs=30, lr=0.05, random_state=0
    ),
]

# Every check passes; none is expected to fail. The only skips come from scikit-learn itself:
# its array-API checks skip unless the environment sets SCIPY_ARRAY_API=1 (we do not claim
# array-API support for the estimators).
EXPECTED_FAILED: dict[str, str] = {}


@parametrize_with_checks(CHECKED, expected_failed_checks=lambda est: EXPECTED_FAILED)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ----------------------------------------------------------------------------- integration


@pytest.fixture
def regression_data():
    data = datasets.linear(n_samples=120, n_features=3, noise=0.3, seed=0)
    return data.X, data.y


@pytest.fixture
def binary_data():
    data = datasets.blobs(n_samples=120, separation=3.0, seed=0)
    return data.X, np.array(["no", "yes"])[data.y]


def test_regressor_recovers_least_squares(regression_data):
    X, y = regression_data
    reg = LossRegressor(optimizer="gd", lr=0.2, epochs=500).fit(X, y)
    expected = np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)[0]
    np.testing.assert_allclose(np.r_[reg.coef_, reg.intercept_], expected, atol=1e-8)
    assert reg.coef_.shape == (3,)
    assert isinstance(reg.intercept_, float)
    assert reg.score(X, y) > 0.95
    assert reg.history_.epochs_completed == reg.n_iter_ == 500
    assert reg.diverged_ is False


def test_regressor_poisson_predicts_rates():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 2))
    y = rng.poisson(np.exp(0.5 * X[:, 0] + 0.2)).astype(float)
    reg = LossRegressor(loss="poisson_nll", lr=0.05, epochs=300).fit(X, y)
    assert np.all(reg.predict(X) > 0)
    assert reg.coef_[0] == pytest.approx(0.5, abs=0.15)


def test_classifier_string_labels_and_binary_default(binary_data):
    X, y = binary_data
    clf = LossClassifier(lr=0.1, epochs=100).fit(X, y)
    assert clf.loss_.name == "bce_with_logits"
    np.testing.assert_array_equal(clf.classes_, ["no", "yes"])
    assert set(clf.predict(X)) <= {"no", "yes"}
    assert clf.score(X, y) > 0.9
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.coef_.shape == (1, 2)
    assert clf.intercept_.shape == (1,)


def test_classifier_multiclass_default_and_kl_div():
    data = datasets.iris()
    names = np.array(["setosa", "versicolor", "virginica"])[data.y]
    clf = LossClassifier(lr=0.1, epochs=200).fit(data.X, names)
    assert clf.loss_.name == "cross_entropy"
    assert clf.coef_.shape == (3, 4)
    assert clf.predict_proba(data.X).shape == (150, 3)
    assert clf.score(data.X, names) > 0.9
    kl = LossClassifier(loss="kl_div", lr=0.1, epochs=200).fit(data.X, names)
    np.testing.assert_allclose(kl.coef_, clf.coef_, atol=1e-8)  # KL to one-hot rows = CE


def test_classifier_cost_matrix_reaches_the_history(binary_data):
    X, y = binary_data
    costs = [[0.0, 1.0], [5.0, 0.0]]
    clf = LossClassifier(epochs=5, random_state=0, cost_matrix=costs)
    assert clf.get_params()["cost_matrix"] is costs  # stored as given
    clf.fit(X, y)
    assert "train_expected_cost" in clf.history_.final
    assert clone(clf).get_params()["cost_matrix"] == costs
    assert "train_expected_cost" not in LossClassifier(epochs=5).fit(X, y).history_.final
    with pytest.raises(ValueError, match="cost_matrix must have shape"):
        LossClassifier(epochs=5, cost_matrix=np.ones((3, 3))).fit(X, y)


def test_mlp_classifier_has_no_coefficients():
    data = datasets.moons(n_samples=150, seed=0)
    clf = LossClassifier(model="mlp", hidden=(16, 16), activation="gelu", lr=0.05, epochs=300)
    clf.fit(data.X, data.y)
    assert clf.score(data.X, data.y) > 0.95
    assert not hasattr(clf, "coef_")


def test_clone_pipeline_grid_search_cross_val(binary_data, regression_data):
    X, y = binary_data
    clf = LossClassifier(loss=losses.get("focal", gamma=2.0), lr=0.1, epochs=50, random_state=0)
    twin = clone(clf)
    assert twin.get_params()["loss"] == clf.loss
    assert twin is not clf
    pipe = make_pipeline(StandardScaler(), LossClassifier(epochs=50, lr=0.1))
    grid = GridSearchCV(pipe, {"lossclassifier__loss": ["bce_with_logits", "hinge"]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_["lossclassifier__loss"] in ("bce_with_logits", "hinge")
    assert grid.best_score_ > 0.9
    Xr, yr = regression_data
    scores = cross_val_score(LossRegressor(loss="huber", lr=0.1, epochs=100), Xr, yr, cv=3)
    assert scores.shape == (3,)
    assert scores.min() > 0.9


def test_divergence_is_reported_not_raised(regression_data):
    X, y = regression_data
    reg = LossRegressor(optimizer="gd", lr=10.0, epochs=100).fit(X, y)
    assert reg.diverged_
    assert reg.history_.diverged_epoch is not None
    assert np.all(np.isfinite(reg.predict(X)))


def test_bad_loss_and_hyperparameters(regression_data, binary_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="LossRegressor needs a regression loss"):
        LossRegressor(loss="bce").fit(X, y)
    with pytest.raises(ValueError, match="lr must be"):
        LossRegressor(lr=0.0).fit(X, y)
    with pytest.raises(ValueError, match="epochs must be"):
        LossRegressor(epochs=0).fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        LossClassifier().fit(X, y)  # continuous targets
    Xc, yc = binary_data
    with pytest.raises(ValueError, match="LossClassifier needs a classification loss"):
        LossClassifier(loss="mse").fit(Xc, yc)
    three = np.array(["a", "b", "c"])[np.arange(len(yc)) % 3]
    with pytest.raises(ValueError, match="binary but y has 3 classes"):
        LossClassifier(loss="hinge").fit(Xc, three)
    with pytest.raises(ValueError, match="X has 3 features, but LossClassifier is expecting 2"):
        LossClassifier(epochs=2).fit(Xc, yc).predict(X)


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
    reg = LossRegressor(loss=loss, epochs=1, lr=1e-12, random_state=0).fit(X, y)
    assert reg.intercept_ == pytest.approx(expected(y), rel=1e-9)


def test_classifier_starts_at_the_class_log_frequencies() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(120, 2))
    y = np.repeat([0, 1, 2], [20, 40, 60])
    clf = LossClassifier(loss="cross_entropy", epochs=1, lr=1e-12, random_state=0).fit(X, y)
    np.testing.assert_allclose(np.exp(clf.intercept_), [1 / 6, 2 / 6, 3 / 6], rtol=1e-9)

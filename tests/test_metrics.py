"""Hand-written metrics against scikit-learn's (sklearn takes y_true first, we take y_pred)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from losslab import metrics


@pytest.fixture
def regression_pair():
    rng = np.random.default_rng(0)
    y_true = rng.standard_normal(50)
    return y_true + 0.5 * rng.standard_normal(50), y_true


def test_regression_metrics_match_sklearn(regression_pair):
    y_pred, y_true = regression_pair
    result = metrics.regression_metrics(y_pred, y_true)
    assert result["mse"] == pytest.approx(skm.mean_squared_error(y_true, y_pred), rel=1e-12)
    assert result["rmse"] == pytest.approx(skm.root_mean_squared_error(y_true, y_pred), rel=1e-12)
    assert result["mae"] == pytest.approx(skm.mean_absolute_error(y_true, y_pred), rel=1e-12)
    assert result["r2"] == pytest.approx(skm.r2_score(y_true, y_pred), rel=1e-12)
    # R² is not symmetric: swapping the arguments changes it, so the order is checked.
    assert metrics.r2_score(y_true, y_pred) != pytest.approx(result["r2"], rel=1e-6)


def test_r2_constant_target_follows_sklearn():
    assert metrics.r2_score([2.0, 2.0], [2.0, 2.0]) == skm.r2_score([2.0, 2.0], [2.0, 2.0]) == 1.0
    assert metrics.r2_score([1.0, 3.0], [2.0, 2.0]) == skm.r2_score([2.0, 2.0], [1.0, 3.0]) == 0.0


@pytest.mark.parametrize("seed", range(4))
def test_binary_metrics_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 80)
    # Rounded scores create ties, which ROC AUC must count as one half.
    proba = np.clip(np.round(0.5 * y + 0.7 * rng.uniform(size=80) - 0.1, 1), 0.01, 0.99)
    labels = (proba > 0.5).astype(int)
    result = metrics.classification_metrics(proba, y)
    assert result["accuracy"] == pytest.approx(skm.accuracy_score(y, labels), rel=1e-12)
    assert result["precision"] == pytest.approx(
        skm.precision_score(y, labels, zero_division=0), rel=1e-12
    )
    assert result["recall"] == pytest.approx(skm.recall_score(y, labels), rel=1e-12)
    assert result["f1"] == pytest.approx(skm.f1_score(y, labels), rel=1e-12)
    assert result["roc_auc"] == pytest.approx(skm.roc_auc_score(y, proba), rel=1e-12)
    assert result["log_loss"] == pytest.approx(skm.log_loss(y, proba), rel=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_multiclass_metrics_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, 100)
    proba = softmax(rng.standard_normal((100, 4)) + 1.5 * np.eye(4)[y], axis=1)
    labels = proba.argmax(axis=1)
    result = metrics.classification_metrics(proba, y)
    assert result["accuracy"] == pytest.approx(skm.accuracy_score(y, labels), rel=1e-12)
    for name, reference in [
        ("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score),
    ]:  # fmt: skip
        expected = reference(y, labels, average="macro", zero_division=0)
        assert result[name] == pytest.approx(expected, rel=1e-12)
    expected_auc = skm.roc_auc_score(y, proba, multi_class="ovr", average="macro")
    assert result["roc_auc"] == pytest.approx(expected_auc, rel=1e-12)
    assert result["log_loss"] == pytest.approx(skm.log_loss(y, proba), rel=1e-12)


def test_precision_zero_division_and_missing_class():
    # Nothing predicted positive: precision 0 as sklearn's zero_division=0.
    assert metrics.precision([0, 0, 0], [1, 0, 1]) == 0.0
    # A class predicted but absent from y_true still counts in the macro average (as sklearn).
    y_true, labels = np.array([0, 0, 1, 1]), np.array([0, 2, 1, 1])
    assert metrics.precision(labels, y_true, average="macro") == pytest.approx(
        skm.precision_score(y_true, labels, average="macro", zero_division=0)
    )


@pytest.mark.parametrize("n_bins", [5, 10, 15])
def test_ece_matches_calibration_curve(n_bins):
    rng = np.random.default_rng(n_bins)
    proba = softmax(2 * rng.standard_normal((300, 3)), axis=1)
    y = rng.integers(0, 3, 300)
    confidence, correct = proba.max(axis=1), (proba.argmax(axis=1) == y).astype(int)
    # sklearn's reliability curve of (confidence, correct) with uniform bins gives acc_b and conf_b
    # for non-empty bins; weight each by its count, binned the way calibration_curve bins.
    acc, conf = calibration_curve(correct, confidence, n_bins=n_bins, strategy="uniform")
    counts = np.bincount(np.searchsorted(np.linspace(0, 1, n_bins + 1)[1:-1], confidence))
    expected = np.sum(counts[counts > 0] / 300 * np.abs(acc - conf))
    ours = metrics.expected_calibration_error(proba, y, n_bins=n_bins)
    assert ours == pytest.approx(expected, rel=1e-12)


def test_ece_hand_example():
    # Binary: confidences max(p, 1 − p) = 0.9, 0.9, 0.6, 0.7; correct = 1, 0, 1, 1.
    # Bins of width 0.5: (0.5, 1] holds all four: |3/4 − 0.775| = 0.025.
    ece = metrics.expected_calibration_error([0.9, 0.1, 0.6, 0.3], [1, 1, 1, 0], n_bins=2)
    assert ece == pytest.approx(0.025, rel=1e-12)
    assert metrics.expected_calibration_error([1.0, 0.0], [1, 0]) == 0.0


def test_auc_single_class_is_nan_and_errors():
    assert np.isnan(metrics.roc_auc([0.2, 0.7], [1, 1]))
    with pytest.raises(ValueError, match="same length"):
        metrics.mean_squared_error([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="empty"):
        metrics.accuracy([], [])
    with pytest.raises(ValueError, match="average"):
        metrics.f1_score([1], [1], average="micro")


# ----------------------------------------------------------------------------- the table


@pytest.mark.parametrize(
    ("loss", "dataset"),
    [("mse", "linear"), ("bce_with_logits", "moons"), ("cross_entropy", "blobs_multiclass")],
)
def test_the_table_lists_exactly_what_fit_records(loss, dataset) -> None:
    from losslab import datasets, models, train

    data = datasets.load(dataset, n_samples=60)
    model = models.make_model(loss, data.n_features, n_classes=max(data.n_classes, 2))
    history = train.fit(model, loss, data.X, data.y, epochs=1)
    recorded = tuple(k.removeprefix("train_") for k in history.final if k.startswith("train_"))
    assert recorded == ("loss", *metrics.metric_names(data.task))


def test_directions_of_the_table() -> None:
    assert metrics.metric_mode("val_accuracy") == "max"
    assert metrics.metric_mode("train_roc_auc") == "max"
    assert metrics.metric_mode("r2") == "max"
    for column in ("val_loss", "train_log_loss", "val_ece", "val_rmse", "val_expected_cost"):
        assert metrics.metric_mode(column) == "min"
        assert not metrics.higher_is_better(column)
    assert {"accuracy", "r2", "f1"} <= metrics.HIGHER_IS_BETTER
    with pytest.raises(ValueError, match="task must be one of"):
        metrics.metric_names("ranking")

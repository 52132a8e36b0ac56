"""``advise`` on data sets where the right loss is known, and its errors on bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from advisor_data import gaussian, imbalanced, poisson_counts, student_t_outliers

from losslab.advisor import advise

FAST = {"folds": 5, "seeds": 2}


def test_gaussian_noise_keeps_squared_error_among_the_tied_best():
    X, y = gaussian()
    advice = advise(X, y, metric="mse", candidates="mae,cauchy:scale=1", **FAST)
    assert advice.rules == ["reference", "user"]  # no heavy tails, no outliers found
    assert "mse" in advice.tied
    assert advice.diagnostic("outlier_fraction").value < 0.01
    assert advice.diagnostic("breusch_pagan_p").value > 0.01


def test_student_t_with_gross_outliers_picks_a_bounded_influence_loss():
    X, y = student_t_outliers()
    advice = advise(X, y, **FAST)
    assert "heavy_tails" in advice.rules
    assert advice.metric == "mae"  # the default under heavy tails, with a note saying why
    assert advice.recommended in ("huber", "cauchy", "tukey")
    assert advice.diagnostic("outlier_fraction").value > 0.05
    mse = advice.row("mse")
    assert mse["significantly_worse"]
    assert mse["low"] > 0
    # The robust thresholds are the efficiency constants times the robust scale.
    sigma = advice.diagnostic("robust_scale").value
    expected = {"huber": ("delta", 1.345), "cauchy": ("scale", 2.385), "tukey": ("c", 4.685)}
    key, constant = expected[advice.recommended]
    assert advice.params[key] == pytest.approx(constant * sigma)


def test_student_t_mse_is_significantly_worse_on_squared_error_too():
    X, y = student_t_outliers()
    advice = advise(X, y, metric="mse", **FAST)
    assert advice.recommended != "mse"
    assert advice.row("mse")["rank"] > 1


def test_poisson_counts_recommend_poisson_or_tweedie():
    X, y = poisson_counts()
    advice = advise(X, y, **FAST)
    assert advice.diagnostic("counts").value
    assert "counts" in advice.rules
    assert advice.recommended in ("poisson_nll", "tweedie")
    assert advice.row("mse")["mean"] > advice.comparison[0]["mean"]


def test_imbalanced_f1_puts_weighting_or_focal_ahead_of_plain_cross_entropy():
    X, y = imbalanced()
    advice = advise(X, y, metric="f1", **FAST)
    assert "imbalance" in advice.rules
    plain = advice.row("bce_with_logits")
    weighted = [advice.row(label) for label in ("bce_with_logits+balanced", "focal+balanced")]
    assert max(row["mean"] for row in weighted) > plain["mean"]
    assert advice.recommended != "bce_with_logits"
    assert advice.class_weight == "balanced"


def test_equivalent_losses_are_reported_as_tied():
    # expectile at tau = 1/2 is half the squared error: the same fit.
    X, y = gaussian(seed=3)
    advice = advise(X, y, metric="mse", candidates=["expectile:tau=0.5"], **FAST)
    assert set(advice.tied) == {"mse", "expectile:tau=0.5"}
    assert all(row["tied"] for row in advice.comparison)


def test_probability_metric_keeps_only_proper_losses():
    X, y = imbalanced()
    advice = advise(X, y, metric="log_loss", folds=3, seeds=1)
    assert "probabilities" in advice.rules
    assert all(row["class_weight"] is None for row in advice.comparison)
    with pytest.raises(ValueError, match="not proper"):
        advise(X, y, metric="log_loss", candidates="hinge", folds=3, seeds=1)


def test_cost_matrix_makes_expected_cost_the_metric():
    X, y = imbalanced()
    advice = advise(X, y, cost_matrix=[[0, 1], [10, 0]], folds=3, seeds=1)
    assert advice.metric == "expected_cost"
    assert "cost_matrix" in advice.rules
    costs = advice.row("bce_with_logits+costs")["class_weight"]
    assert costs["1"] == pytest.approx(10 * costs["0"])


def test_record_is_json_with_the_evidence():
    X, y = gaussian()
    advice = advise(X, y, candidates="mae", folds=3, seeds=1)
    record = json.loads(advice.to_json())
    assert record["recommendation"]["label"] == advice.recommended
    assert {d["key"] for d in record["diagnostics"]} >= {"hill_index", "breusch_pagan_p"}
    assert record["rules"][0]["key"] == "reference"
    assert len(record["scores"]) == 2 * 3
    assert {"difference", "low", "high", "tied"} <= set(record["comparison"][0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y": np.full(40, 3.0)}, "y is constant"),
        ({"metric": "f1"}, "metric 'f1' does not fit a regression task"),
        ({"metric": "pinball"}, "pinball needs q"),
        ({"candidates": "bce"}, "candidates: 'bce' is a binary loss"),
        ({"candidates": "nope"}, "candidates"),
        ({"cost_matrix": [[0, 1], [1, 0]]}, "cost_matrix is for classification"),
        ({"folds": 1}, "folds must be an integer >= 2"),
        ({"task": "ranking"}, "task must be one of"),
        ({"X": np.zeros((39, 2))}, "same number of rows"),
    ],
)
def test_bad_input_gets_a_clear_error(kwargs, message):
    rng = np.random.default_rng(0)
    arguments = {"X": rng.normal(size=(40, 2)), "y": rng.normal(size=40), "folds": 2, "seeds": 1}
    arguments.update(kwargs)
    X, y = arguments.pop("X"), arguments.pop("y")
    with pytest.raises(ValueError, match=message):
        advise(X, y, **arguments)


def test_classification_metric_errors():
    X, y = imbalanced()
    with pytest.raises(ValueError, match="metric 'mse' does not fit a binary task"):
        advise(X, y, metric="mse", folds=2, seeds=1)
    with pytest.raises(ValueError, match="expected_cost' needs cost_matrix"):
        advise(X, y, metric="expected_cost", folds=2, seeds=1)
    with pytest.raises(ValueError, match="cost_matrix must be 2 x 2"):
        advise(X, y, cost_matrix=[[0, 1, 1]], folds=2, seeds=1)


def test_noisy_multiclass_labels_call_for_a_bounded_loss():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    y = rng.integers(0, 3, 300)
    X = centres[y] + rng.normal(size=(300, 2))
    flipped = rng.random(300) < 0.2
    y[flipped] = rng.integers(0, 3, flipped.sum())
    advice = advise(X, y, folds=3, seeds=1)
    assert advice.task == "multiclass"
    assert advice.diagnostic("label_noise").value > 0.1
    assert "label_noise" in advice.rules
    assert {row["label"] for row in advice.comparison} == {"cross_entropy", "brier"}


def test_separable_classes_call_for_a_margin_loss():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] > 0).astype(np.int64)
    X[:, 0] += np.where(y == 1, 1.0, -1.0)  # a gap of width 2 between the classes
    advice = advise(X, y, folds=3, seeds=1)
    assert advice.diagnostic("cv_auc").value > 0.995
    assert "separable" in advice.rules
    assert "hinge" in advice.tied  # both separate the gap perfectly

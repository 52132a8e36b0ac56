"""The constant model in every comparison: scored as runs are; a run that fails to beat it flagged.

References: scikit-learn's metrics on the constant each loss's theory names (the
training mean for MSE, the median for MAE, the base rate for logistic losses,
the class frequencies for cross-entropy), computed here without losslab.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm
from typer.testing import CliRunner

from losslab import datasets, losses
from losslab.cli import app
from losslab.experiments import beats, compare, constant_scores


@pytest.fixture(scope="module")
def regression_split():
    return datasets.linear_outliers(n_samples=120, seed=3).split(0.25, seed=1)


@pytest.mark.parametrize(("name", "centre"), [("mse", np.mean), ("mae", np.median)])
def test_regression_constant_is_scored_like_sklearn(regression_split, name, centre):
    parts = regression_split
    scores = constant_scores(losses.get(name), parts.y_train, parts.y_val)
    constant = np.full(parts.y_val.shape, centre(parts.y_train))
    assert scores["val_rmse"] == pytest.approx(
        skm.root_mean_squared_error(parts.y_val, constant), rel=1e-9
    )
    assert scores["val_mae"] == pytest.approx(
        skm.mean_absolute_error(parts.y_val, constant), rel=1e-9
    )
    assert scores["val_r2"] == pytest.approx(skm.r2_score(parts.y_val, constant), rel=1e-9)


def test_classification_constants_match_base_rates():
    parts = datasets.imbalanced(n_samples=200, ratio=0.2, seed=0).split(0.3, seed=2)
    rate = parts.y_train.mean()
    logistic = constant_scores(losses.get("bce_with_logits"), parts.y_train, parts.y_val)
    assert logistic["val_accuracy"] == pytest.approx(np.mean(parts.y_val == 0))
    assert logistic["val_log_loss"] == pytest.approx(
        skm.log_loss(parts.y_val, np.full(parts.y_val.shape, rate)), rel=1e-9
    )
    iris = datasets.iris().split(0.3, seed=0)
    softmax = constant_scores(losses.get("cross_entropy"), iris.y_train, iris.y_val, 3)
    frequencies = np.bincount(iris.y_train, minlength=3) / iris.y_train.size
    assert softmax["val_log_loss"] == pytest.approx(
        skm.log_loss(iris.y_val, np.tile(frequencies, (iris.y_val.size, 1))), rel=1e-9
    )


def test_a_loss_without_a_constant_gives_no_baseline():
    assert constant_scores(losses.get("multi_margin"), [0, 1, 1], [1, 0], 2) == {}


def test_beats_is_strict_and_refuses_nan():
    assert beats(0.5, 1.0, "min")
    assert not beats(1.0, 1.0, "min")
    assert not beats(float("nan"), 1.0, "min")
    assert beats(0.9, float("nan"), "max")  # no constant: nothing to flag


def test_unscaled_breast_cancer_is_flagged_and_scaled_is_not():
    raw = compare("breast_cancer:standardize=false", ["hinge"], epochs=60, seeds=[0, 1])
    row = raw.summary.set_index("label").loc["hinge"]
    assert row["below_constant"] >= 1
    assert row["flag"]
    assert "scaling" in raw.note
    assert "learning rate" in raw.note
    assert "epochs" in raw.note
    constant_row = raw.summary[raw.summary["kind"] == "constant"].iloc[0]
    majority = np.mean([np.mean(run.split.y_val == 1) for run in raw.runs])
    assert constant_row["final_median"] == pytest.approx(majority)
    scaled = compare("breast_cancer", ["hinge"], epochs=60, seeds=[0, 1])
    row = scaled.summary.set_index("label").loc["hinge"]
    assert row["below_constant"] == 0
    assert row["flag"] == ""
    assert scaled.summary.iloc[0]["label"] == "hinge"  # ranked above its constant
    assert set(scaled.baseline["seed"]) == {0, 1}


def test_cli_compare_marks_the_flagged_row():
    result = CliRunner().invoke(
        app,
        ["compare", "--dataset", "breast_cancer:standardize=false", "--losses", "hinge",
         "--seeds", "2", "--epochs", "60", "--no-progress"],
        env={"COLUMNS": "220", "NO_COLOR": "1"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "⚠ hinge" in result.output
    assert "constant (hinge)" in result.output
    assert "fail to beat it" in result.output
    assert "not a normal result" in result.output

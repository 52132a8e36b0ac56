"""compare(): the results table, the summary, seeds, interruption and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from losslab import losses, runs
from losslab.experiments import compare, loss_curves, reliability, resolve_losses


@pytest.fixture(scope="module")
def regression():
    return compare("linear_outliers:n_samples=80", "mse,mae,huber:delta=1", epochs=15, seeds=3)


def test_results_table_has_one_row_per_run_per_epoch(regression) -> None:
    table = regression.results
    assert len(table) == 3 * 3 * 16
    for column in ("label", "seed", "epoch", "train_loss", "val_loss", "train_rmse", "val_rmse",
                   "train_mae", "val_r2", "grad_norm", "wall_time"):  # fmt: skip
        assert column in table.columns
    assert set(table["label"]) == {"mse", "mae", "huber:delta=1"}
    long = regression.long()
    assert set(long["split"]) == {"train", "val"}
    assert len(long) == 2 * len(table)


def test_summary_ranks_by_common_metric_with_a_note(regression) -> None:
    summary = regression.summary
    assert regression.metric == "val_rmse"
    assert list(summary["rank"]) == [1, 2, 3, 4, 5, 6]  # three losses, three constants
    assert summary["final_median"].is_monotonic_increasing
    assert (summary["runs"] == 3).all()
    assert sorted(summary.loc[summary["kind"] == "loss", "label"]) == [
        "huber:delta=1",
        "mae",
        "mse",
    ]
    assert set(summary.loc[summary["kind"] == "constant", "label"]) == {
        "constant (mse)", "constant (mae)", "constant (huber:delta=1)",
    }  # fmt: skip
    assert (summary["final_iqr"] >= 0).all()
    assert "not comparable" in regression.note
    assert "val_rmse" in regression.note
    json.dumps(regression.config)


def test_classification_defaults_to_val_accuracy_and_accepts_loss_objects() -> None:
    chosen = [losses.get("hinge"), "bce_with_logits", "cross_entropy"]
    result = compare("blobs:n_samples=60", chosen, epochs=10, seeds=2, lr=0.5)
    assert result.metric == "val_accuracy"
    assert result.mode == "max"
    assert list(result.losses) == ["hinge", "bce_with_logits", "cross_entropy"]
    assert {"val_accuracy", "val_log_loss", "val_ece"} <= set(result.results.columns)
    assert result.summary["final_median"].is_monotonic_decreasing


def test_seeds_change_the_split() -> None:
    result = compare("linear:n_samples=40", ["mse"], epochs=2, seeds=[3, 7])
    a, b = result.run("mse", 3).split, result.run("mse", 7).split
    assert not np.array_equal(a.X_train, b.X_train)


def test_target_counts_epochs_and_divergence_is_reported() -> None:
    result = compare("linear:n_samples=40", ["mse", "mae"], epochs=30, seeds=2, lr=5.0,
                     target=1.0)  # fmt: skip
    row = result.summary.set_index("label").loc["mse"]
    assert row["diverged"] == 2
    assert "epoch" in row["diverged_at"]


def test_ctrl_c_keeps_finished_runs(monkeypatch) -> None:
    real_fit = runs.fit
    calls = []

    def interrupted_fit(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(runs, "fit", interrupted_fit)
    result = compare("linear:n_samples=40", ["mse", "mae"], epochs=3, seeds=2)
    assert result.interrupted
    assert len(result.runs) == 2
    assert result.n_planned == 4
    assert "Interrupted" in result.note


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"dataset": "nope", "losses": ["mse"]}, "dataset:"),
        ({"dataset": "linear", "losses": ["nope"]}, "losses:"),
        ({"dataset": "linear", "losses": ["huber:gamma=1"]}, "losses:"),
        ({"dataset": "linear", "losses": ["cross_entropy"]}, "losses:"),
        ({"dataset": "moons", "losses": ["mse"]}, "losses:"),
        ({"dataset": "blobs_multiclass", "losses": ["bce_with_logits"]}, "losses:"),
        ({"dataset": "linear", "losses": ["poisson_nll"]}, "losses:"),
        ({"dataset": "linear", "losses": ["mse", "mse"]}, "losses:"),
        ({"dataset": "linear", "losses": ["mse"], "metric": "accuracy"}, "metric:"),
        ({"dataset": "linear", "losses": ["mse"], "optimizer": "lbfgs"}, "optimizer:"),
        ({"dataset": "linear", "losses": ["mse"], "lr": -1.0}, "lr:"),
        ({"dataset": "linear", "losses": ["mse"], "epochs": 0}, "epochs:"),
        ({"dataset": "linear", "losses": ["mse"], "seeds": 0}, "seeds:"),
        ({"dataset": "linear", "losses": ["mse"], "model": "cnn"}, "model:"),
    ],
)
def test_bad_input_fails_before_training(monkeypatch, kwargs, argument) -> None:
    def no_training(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(runs, "fit", no_training)
    with pytest.raises(ValueError, match=f"^{argument}"):
        compare(**kwargs)


def test_resolve_losses_splits_spec_strings() -> None:
    assert list(resolve_losses("mse,barron:alpha=1,scale=2,quantile:q=0.9")) == [
        "mse", "barron:alpha=1,scale=2", "quantile:q=0.9",
    ]  # fmt: skip


def test_loss_curves_cover_every_kind() -> None:
    frame = loss_curves(["mse", "bce", "bce_with_logits", "cross_entropy", "poisson_nll"])
    assert set(frame["kind"]) == {"value", "probability", "logit", "logits", "log_rate"}
    assert np.isfinite(frame[["value", "derivative"]].to_numpy()).all()
    ce = frame[frame["label"] == "cross_entropy"]
    logit = frame[frame["label"] == "bce_with_logits"]
    # Two-logit softmax cross-entropy with margin m equals the logistic loss of m.
    np.testing.assert_allclose(ce["value"].to_numpy(), logit["value"].to_numpy(), rtol=1e-10)


def test_reliability_of_a_calibrated_sample() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(size=20000)
    y = (rng.uniform(size=p.size) < p).astype(int)
    table = reliability(p, y)
    np.testing.assert_allclose(table["frequency"], table["confidence"], atol=0.03)
    assert table["count"].sum() == p.size


def test_l1_reaches_every_run_and_the_config() -> None:
    result = compare("linear:n_samples=60", ["mse"], seeds=1, epochs=3, l1=0.05)
    assert [run.spec.l1 for run in result.runs] == [0.05]
    assert result.config["l1"] == 0.05
    plain = compare("linear:n_samples=60", ["mse"], seeds=1, epochs=3)
    # The same seed and data: only the penalty differs, and it moves the parameters.
    norms = [c.runs[0].history.records[-1]["param_norm"] for c in (plain, result)]
    assert norms[0] != norms[1]

"""The training loop: History contents, divergence, callbacks, interruption, input checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from losslab import datasets, losses, models, train

REGRESSION_KEYS = {"mse", "rmse", "mae", "r2"}
CLASSIFICATION_KEYS = {"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "ece"}


def _run(data: datasets.Dataset, loss_name: str, **kwargs) -> tuple[train.History, models.Model]:
    loss = losses.get(loss_name)
    parts = data.split(val_fraction=0.25, seed=0)
    model = models.make_model(loss, data.n_features, n_classes=max(data.n_classes, 2))
    history = train.fit(
        model, loss, parts.X_train, parts.y_train, X_val=parts.X_val, y_val=parts.y_val, **kwargs
    )
    return history, model


@pytest.mark.parametrize(
    ("data", "loss_name", "metric_keys"),
    [
        (datasets.linear(n_samples=80, n_features=2), "mse", REGRESSION_KEYS),
        (datasets.linear(n_samples=80), "poisson_nll", REGRESSION_KEYS),
        (datasets.blobs(n_samples=80), "bce_with_logits", CLASSIFICATION_KEYS),
        (datasets.blobs(n_samples=80), "bce", CLASSIFICATION_KEYS),
        (datasets.blobs_multiclass(n_samples=90), "cross_entropy", CLASSIFICATION_KEYS),
    ],
    ids=["mse", "poisson", "bce_with_logits", "bce", "cross_entropy"],
)
def test_history_records_every_epoch(data, loss_name, metric_keys):
    if loss_name == "poisson_nll":  # counts as targets
        data = datasets.Dataset("counts", data.X, np.round(np.exp(data.y / 4)), "regression", "")
    history, model = _run(data, loss_name, optimizer="adam", lr=0.05, epochs=15)
    frame = history.to_frame()
    assert list(frame.index) == list(range(16))  # epoch 0 is before any update
    expected = {"train_loss", "val_loss", "grad_norm", "param_norm", "lr", "wall_time"}
    expected |= {f"{split}_{key}" for split in ("train", "val") for key in metric_keys}
    assert set(frame.columns) == expected
    assert np.isfinite(frame.to_numpy()).all()
    assert frame["train_loss"].iloc[-1] < frame["train_loss"].iloc[0]
    assert np.all(np.diff(frame["wall_time"]) >= 0)
    assert frame["param_norm"].iloc[-1] == pytest.approx(model.parameter_norm())
    assert history.epochs_completed == 15
    assert not (history.diverged)
    assert not (history.stopped_early)
    assert not (history.interrupted)


def test_recorded_metrics_are_those_of_the_final_model():
    data = datasets.blobs(n_samples=100, seed=3)
    history, model = _run(data, "bce_with_logits", lr=0.5, epochs=5)
    parts = data.split(val_fraction=0.25, seed=0)
    proba = models.to_prediction(model(parts.X_val), "logit")
    assert history.final["val_accuracy"] == pytest.approx(np.mean((proba > 0.5) == parts.y_val))
    loss = losses.get("bce_with_logits")
    assert history.final["val_loss"] == pytest.approx(float(loss(model(parts.X_val), parts.y_val)))
    assert history["train_loss"].shape == (6,)


# Asymmetric: a false negative (truth 1, predicted 0) costs 5, a false positive 1.
BINARY_COSTS = np.array([[0.0, 1.0], [5.0, 0.0]])
MULTICLASS_COSTS = np.array([[0.0, 1.0, 4.0], [2.0, 0.0, 1.0], [10.0, 3.0, 0.0]])


def test_expected_cost_column_is_that_of_the_final_model():
    from losslab import custom

    # flip_fraction keeps some mistakes, so the costs are not all 0.
    data = datasets.blobs(n_samples=100, separation=1.0, flip_fraction=0.1, seed=3)
    history, model = _run(data, "bce_with_logits", lr=0.5, epochs=5, cost_matrix=BINARY_COSTS)
    parts = data.split(val_fraction=0.25, seed=0)
    frame = history.to_frame()
    assert {"train_expected_cost", "val_expected_cost"} <= set(frame.columns)
    assert frame["train_expected_cost"].shape == (6,)
    for X, y, split in ((parts.X_train, parts.y_train, "train"), (parts.X_val, parts.y_val, "val")):
        proba = models.to_prediction(model(X), "logit")
        predicted = (proba > 0.5).astype(int)  # the rule behind val_accuracy
        expected = custom.expected_cost(predicted, y.astype(int), BINARY_COSTS)
        assert history.final[f"{split}_expected_cost"] == pytest.approx(expected, rel=1e-12)
        # Predictions first: reading the matrix the other way round gives another number here.
        swapped = custom.expected_cost(y.astype(int), predicted, BINARY_COSTS)
        assert swapped != pytest.approx(expected)
        assert 0 < expected


def test_expected_cost_multiclass_and_zero_one_costs_are_the_error_rate():
    from losslab import custom

    data = datasets.blobs_multiclass(n_samples=90, seed=1)
    parts = data.split(val_fraction=0.25, seed=0)
    history, model = _run(data, "cross_entropy", lr=0.05, epochs=4, cost_matrix=MULTICLASS_COSTS)
    predicted = model(parts.X_val).argmax(axis=1)
    expected = custom.expected_cost(predicted, parts.y_val.astype(int), MULTICLASS_COSTS)
    assert history.final["val_expected_cost"] == pytest.approx(expected, rel=1e-12)
    # With every mistake costing 1 the expected cost is 1 - accuracy, at every epoch: the same
    # hard predictions as the accuracy column.
    history, _ = _run(data, "cross_entropy", lr=0.05, epochs=4, cost_matrix=1 - np.eye(3))
    for split in ("train", "val"):
        np.testing.assert_allclose(
            history[f"{split}_expected_cost"], 1 - history[f"{split}_accuracy"], atol=1e-12
        )


def test_no_expected_cost_without_cost_matrix():
    history, _ = _run(datasets.blobs(n_samples=60), "bce_with_logits", epochs=2)
    assert not any("expected_cost" in key for key in history.final)


def test_gd_gradient_norm_is_the_full_gradient():
    data = datasets.linear(n_samples=50, n_features=2)
    model = models.LinearRegression(2)
    history = train.fit(model, "mse", data.X, data.y, lr=0.1, epochs=3)
    residual = model(data.X) - data.y
    # d/dθ (1/n)‖Aθ − y‖² = (2/n) Aᵀ r
    A = np.column_stack([data.X, np.ones(50)])
    assert history.final["grad_norm"] == pytest.approx(np.linalg.norm(2 / 50 * A.T @ residual))


def test_sgd_is_seeded_and_differs_from_full_batch():
    data = datasets.linear(n_samples=100, n_features=2)
    runs = [
        _run(data, "mse", optimizer="sgd", lr=0.05, epochs=3, batch_size=16, seed=s)
        for s in (1, 1, 2)
    ]
    (first, m1), (again, _m2), (_other, m3) = runs
    np.testing.assert_array_equal(first["train_loss"], again["train_loss"])
    assert not np.allclose(m1.params["weight"], m3.params["weight"], rtol=0, atol=1e-12)
    full, _ = _run(data, "mse", optimizer="momentum", lr=0.05, epochs=3)
    assert full.final["train_loss"] != pytest.approx(first.final["train_loss"], rel=1e-6)


def test_weights_equal_duplicated_rows_under_gd():
    data = datasets.linear(n_samples=30, n_features=2, seed=5)
    counts = np.arange(30) % 3 + 1
    weighted = models.LinearRegression(2)
    train.fit(weighted, "mse", data.X, data.y, lr=0.1, epochs=20, sample_weight=counts)
    repeated = models.LinearRegression(2)
    train.fit(
        repeated,
        "mse",
        np.repeat(data.X, counts, axis=0),
        np.repeat(data.y, counts),
        lr=0.1,
        epochs=20,
    )
    np.testing.assert_allclose(weighted.params["weight"], repeated.params["weight"], rtol=1e-12)


def test_large_growth_marks_divergence_without_warnings():
    # lr far above 2/L makes GD on MSE grow geometrically; pytest turns any warning into an error.
    data = datasets.linear(n_samples=60, n_features=2)
    model = models.LinearRegression(2)
    history = train.fit(model, "mse", data.X, data.y, lr=5.0, epochs=100)
    assert history.diverged
    assert "exceeds" in history.diverged_reason
    assert history.final["train_loss"] > 1e6 * history.initial_loss
    assert history.diverged_epoch == history.epochs_completed < 100
    assert np.isfinite(history.to_frame().to_numpy()).all()


def test_overflow_to_nan_marks_divergence_and_keeps_finite_model():
    data = datasets.linear(n_samples=60, n_features=2)
    model = models.LinearRegression(2)
    # With no growth threshold the run goes until the loss overflows to inf.
    history = train.fit(
        model, "mse", data.X, data.y, lr=50.0, epochs=1000, divergence_factor=math.inf
    )
    assert history.diverged
    assert "NaN or inf" in history.diverged_reason
    assert history.diverged_epoch == history.epochs_completed + 1
    assert np.isfinite(history.to_frame().to_numpy()).all()
    assert all(np.all(np.isfinite(p)) for p in model.params.values())
    assert model.parameter_norm() == pytest.approx(history.final["param_norm"])


def test_diverging_mlp_classifier_with_sgd():
    data = datasets.moons(n_samples=64)
    loss = losses.get("cross_entropy")
    model = models.make_model(
        loss, 2, n_classes=2, kind="mlp", hidden=(16,), activation="relu", seed=0
    )
    history = train.fit(
        model, loss, data.X, data.y, optimizer="sgd", lr=1e4, epochs=200, batch_size=8
    )
    assert history.diverged
    assert np.isfinite(history.to_frame().drop(columns=["train_roc_auc"]).to_numpy()).all()


def test_callback_stops_early():
    data = datasets.linear(n_samples=40)
    seen = []

    def stop_at_three(epoch, record, model):
        seen.append(epoch)
        return epoch == 3

    history, _ = _run(data, "mse", epochs=50, callbacks=[stop_at_three])
    assert seen == [1, 2, 3]
    assert history.stopped_early
    assert "epoch 3" in history.stop_reason
    assert history.epochs_completed == 3


def test_early_stopping_on_validation_loss():
    # Pure-noise targets: the validation loss bottoms out quickly, then patience runs out.
    rng = np.random.default_rng(0)
    data = datasets.Dataset(
        "noise", rng.standard_normal((60, 5)), rng.standard_normal(60), "regression", ""
    )
    stopper = train.EarlyStopping("val_loss", patience=5)
    history, _ = _run(data, "mse", optimizer="adam", lr=0.1, epochs=500, callbacks=[stopper])
    assert history.stopped_early
    assert history.epochs_completed < 500
    best = int(np.argmin(history["val_loss"][1:])) + 1
    assert history.epochs_completed == best + 5


def test_keyboard_interrupt_returns_history_so_far():
    data = datasets.linear(n_samples=40)

    def interrupt(epoch, record, model):
        if epoch == 4:
            raise KeyboardInterrupt

    model = models.LinearRegression(1)
    history = train.fit(model, "mse", data.X, data.y, lr=0.1, epochs=50, callbacks=[interrupt])
    assert history.interrupted
    assert not history.diverged
    assert history.epochs_completed == 4
    assert model.parameter_norm() == pytest.approx(history.final["param_norm"])


def test_progress_bar_when_asked(capsys):
    data = datasets.linear(n_samples=40)
    train.fit(models.LinearRegression(1), "mse", data.X, data.y, epochs=3, progress=True)
    assert "loss" in capsys.readouterr().out
    train.fit(models.LinearRegression(1), "mse", data.X, data.y, epochs=3)
    assert capsys.readouterr().out == ""


def test_schedule_sets_learning_rate_per_epoch():
    data = datasets.linear(n_samples=40)
    history = train.fit(
        models.LinearRegression(1), "mse", data.X, data.y, lr=0.2, epochs=4, schedule="cosine"
    )
    # Epoch e (1-based) runs at the cosine rate of index e − 1 over t_max = epochs.
    expected = [0.1 * (1 + math.cos(math.pi * e / 4)) for e in range(4)]
    np.testing.assert_allclose(history["lr"][1:], expected)


# ----------------------------------------------------------------------------- bad input


@pytest.fixture
def regression_setup():
    data = datasets.linear(n_samples=20, n_features=2)
    return models.LinearRegression(2), data.X, data.y


def test_length_mismatch_names_x_and_y(regression_setup):
    model, X, y = regression_setup
    with pytest.raises(ValueError, match="X and y must have the same number of rows"):
        train.fit(model, "mse", X, y[:-1])
    with pytest.raises(ValueError, match="val X and val y"):
        train.fit(model, "mse", X, y, X_val=X, y_val=y[:3])


def test_cross_entropy_on_continuous_targets(regression_setup):
    _, X, y = regression_setup
    model = models.SoftmaxRegression(2, 3)
    with pytest.raises(ValueError, match=r"cross_entropy.*continuous"):
        train.fit(model, "cross_entropy", X, y)


def test_mse_on_string_labels(regression_setup):
    model, X, _ = regression_setup
    with pytest.raises(TypeError, match="y must be numeric for loss 'mse'"):
        train.fit(model, "mse", X, np.array(["a", "b"] * 10))


def test_binary_loss_needs_zero_one_targets(regression_setup):
    _, X, y = regression_setup
    with pytest.raises(ValueError, match="binary targets 0/1"):
        train.fit(models.LogisticRegression(2, head="identity"), "bce_with_logits", X, y)


@pytest.mark.parametrize("lr", [0.0, -1.0])
def test_learning_rate_must_be_positive(regression_setup, lr):
    model, X, y = regression_setup
    with pytest.raises(ValueError, match="lr must be"):
        train.fit(model, "mse", X, y, lr=lr)


@pytest.mark.parametrize("epochs", [0, -3, 2.5])
def test_epochs_must_be_at_least_one(regression_setup, epochs):
    model, X, y = regression_setup
    with pytest.raises(ValueError, match="epochs must be"):
        train.fit(model, "mse", X, y, epochs=epochs)


def test_model_head_must_fit_loss(regression_setup):
    _, X, _ = regression_setup
    y = (X[:, 0] > 0).astype(float)
    with pytest.raises(ValueError, match="head 'sigmoid' does not fit loss 'bce_with_logits'"):
        train.fit(models.LogisticRegression(2), "bce_with_logits", X, y)
    with pytest.raises(ValueError, match="1 output"):
        train.fit(models.LogisticRegression(2, head="identity"), "cross_entropy", X, y)


def test_batch_size_checks(regression_setup):
    model, X, y = regression_setup
    with pytest.raises(ValueError, match="batch_size must be None for optimizer 'gd'"):
        train.fit(model, "mse", X, y, optimizer="gd", batch_size=4)
    with pytest.raises(ValueError, match="batch_size must be an integer"):
        train.fit(model, "mse", X, y, optimizer="sgd", batch_size=0)


def test_bad_features_and_loss(regression_setup):
    model, X, y = regression_setup
    with pytest.raises(ValueError, match="X contains NaN"):
        train.fit(model, "mse", np.where(X > 1, np.nan, X), y)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        train.fit(model, "mse", X[:, :1], y)
    with pytest.raises(TypeError, match="loss must be"):
        train.fit(model, 3.0, X, y)


def test_cost_matrix_checks(regression_setup):
    model, X, y = regression_setup
    with pytest.raises(ValueError, match="cost_matrix is for classification losses"):
        train.fit(model, "mse", X, y, cost_matrix=BINARY_COSTS)
    labels = (X[:, 0] > 0).astype(float)
    binary = models.LogisticRegression(2, head="identity")
    with pytest.raises(ValueError, match=r"cost_matrix must have shape \(2, 2\)"):
        train.fit(binary, "bce_with_logits", X, labels, cost_matrix=MULTICLASS_COSTS)
    with pytest.raises(ValueError, match=r"cost_matrix must have shape \(3, 3\)"):
        train.fit(
            models.SoftmaxRegression(2, 3), "cross_entropy", X, labels, cost_matrix=BINARY_COSTS
        )
    with pytest.raises(ValueError, match="cost_matrix must hold finite non-negative costs"):
        train.fit(binary, "bce_with_logits", X, labels, cost_matrix=[[0, -1], [5, 0]])


# ---------------------------------------------------------------- metrics_every


@pytest.mark.parametrize(("every", "epochs"), [(1, 7), (3, 7), (3, 9), (0, 7)])
def test_metrics_every_records_some_epochs_and_trains_the_same(every, epochs):
    data = datasets.blobs(n_samples=80)
    full, full_model = _run(data, "bce_with_logits", lr=0.3, epochs=epochs)
    sparse, sparse_model = _run(data, "bce_with_logits", lr=0.3, epochs=epochs, metrics_every=every)
    expected = [0, *range(every, epochs + 1, every)] if every else [0]
    expected += [] if expected[-1] == epochs else [epochs]
    assert sparse["epoch"].tolist() == expected
    # Skipping records changes nothing else: each record is the full run's at that epoch.
    for record in sparse.records:
        twin = full.records[int(record["epoch"])]
        assert record.keys() == twin.keys()
        for key in record.keys() - {"wall_time"}:
            assert record[key] == twin[key] or (math.isnan(record[key]) and math.isnan(twin[key]))
    for name, value in full_model.params.items():
        np.testing.assert_array_equal(sparse_model.params[name], value)


def test_metrics_every_still_catches_divergence_between_records():
    data = datasets.linear(n_samples=60, n_features=2)
    dense = train.fit(models.LinearRegression(2), "mse", data.X, data.y, lr=5.0, epochs=100)
    sparse = train.fit(
        models.LinearRegression(2), "mse", data.X, data.y, lr=5.0, epochs=100, metrics_every=0
    )
    assert sparse.diverged
    assert sparse.diverged_epoch == dense.diverged_epoch == sparse.epochs_completed
    assert sparse["epoch"].tolist() == [0, sparse.diverged_epoch]
    assert sparse.final["train_loss"] == dense.final["train_loss"]


def test_metrics_every_overflow_restores_the_last_recorded_model():
    data = datasets.linear(n_samples=60, n_features=2)
    model = models.LinearRegression(2)
    history = train.fit(
        model, "mse", data.X, data.y, lr=50.0, epochs=1000, divergence_factor=math.inf,
        metrics_every=0,
    )  # fmt: skip
    assert history.diverged
    assert "NaN or inf" in history.diverged_reason
    assert history["epoch"].tolist() == [0]
    assert model.parameter_norm() == pytest.approx(history.final["param_norm"])


@pytest.mark.parametrize("every", [-1, 1.5, "2"])
def test_metrics_every_must_be_a_non_negative_integer(regression_setup, every):
    model, X, y = regression_setup
    with pytest.raises(ValueError, match="metrics_every must be an integer >= 0"):
        train.fit(model, "mse", X, y, metrics_every=every)


# ---------------------------------------------------------------- many seeds at once


@pytest.mark.parametrize(
    ("loss_name", "data"),
    [
        ("bce_with_logits", datasets.blobs(n_samples=150)),
        ("mse", datasets.linear(n_samples=120, n_features=3)),
        ("huber", datasets.linear(n_samples=120, n_features=3)),
    ],
    ids=["bce_with_logits", "mse", "huber"],
)
def test_fit_seeds_equals_one_fit_per_seed(loss_name, data):
    seeds = [0, 1, 7, 12]
    batched = train.fit_seeds(loss_name, data.X, data.y, seeds, lr=0.2, epochs=60)
    assert batched.seeds == seeds
    assert batched.train_loss.shape == (4,)
    for seed, model, value in zip(seeds, batched.models, batched.train_loss, strict=True):
        single = models.Linear(data.n_features, 1, init="glorot", seed=seed)
        history = train.fit(
            single, loss_name, data.X, data.y, optimizer="gd", lr=0.2, epochs=60,
            metrics_every=0,
        )  # fmt: skip
        assert not history.diverged
        for name, param in single.params.items():
            np.testing.assert_allclose(model.params[name], param, rtol=1e-12, atol=1e-14)
        assert value == pytest.approx(history.final["train_loss"], rel=1e-12)
    # The seeds start at different parameters (convex losses may still end at one optimum).
    starts = [models.Linear(data.n_features, 1, init="glorot", seed=s) for s in seeds[:2]]
    assert not np.allclose(starts[0].params["weight"], starts[1].params["weight"])


def test_fit_seeds_refuses_what_it_cannot_stack():
    data = datasets.blobs(n_samples=40)
    with pytest.raises(ValueError, match="identity head"):
        train.fit_seeds("bce", data.X, data.y, [0, 1])
    with pytest.raises(ValueError, match="identity head"):
        train.fit_seeds("cross_entropy", data.X, data.y, [0, 1])
    with pytest.raises(ValueError, match="at least one seed"):
        train.fit_seeds("mse", data.X, data.y, [])
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        train.fit_seeds("mse", data.X, data.y, [0], epochs=0)

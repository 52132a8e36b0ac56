"""How a run ends early: Ctrl-C before the first epoch, and steps too large to descend."""

from __future__ import annotations

import numpy as np
import pytest

from losslab import datasets, losses, models, train
from losslab.models import make_model
from losslab.optim import Adam


class InterruptingLoss:
    """The mse loss, with Ctrl-C on its ``after``-th call to ``value_and_grad``."""

    def __init__(self, after: int) -> None:
        self.inner, self.calls, self.after = losses.get("mse"), 0, after
        self.name, self.task, self.link = "mse", "regression", self.inner.link

    def __call__(self, *args, **kwargs):
        return self.inner(*args, **kwargs)

    def grad(self, *args, **kwargs):
        return self.inner.grad(*args, **kwargs)

    def value_and_grad(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.after:
            raise KeyboardInterrupt
        return self.inner.value_and_grad(*args, **kwargs)


class InterruptingAdam(Adam):
    """Adam whose first step is interrupted halfway, after updating one parameter."""

    def _update(self, name, param, grad, state) -> None:
        super()._update(name, param, grad, state)
        raise KeyboardInterrupt


@pytest.fixture
def data():
    return datasets.linear(n_samples=80, n_features=3, noise=0.3, seed=0)


def test_ctrl_c_before_epoch_zero_returns_an_empty_interrupted_history(data) -> None:
    model = models.LinearRegression(3)
    before = {k: v.copy() for k, v in model.params.items()}
    history = train.fit(model, InterruptingLoss(after=1), data.X, data.y, epochs=10)
    assert history.interrupted
    assert len(history) == 0
    assert history.epochs_completed == 0
    assert not history.diverged
    for name, value in before.items():
        np.testing.assert_array_equal(model.params[name], value)


def test_ctrl_c_in_the_first_step_keeps_epoch_zero(data) -> None:
    model = models.LinearRegression(3)
    model.params["bias"][:] = 1.5
    history = train.fit(model, "mse", data.X, data.y, optimizer=InterruptingAdam(0.1), epochs=10)
    assert history.interrupted
    assert [record["epoch"] for record in history.records] == [0]
    # The half-done step is undone: the model is back at epoch 0.
    np.testing.assert_array_equal(model.params["weight"], 0.0)
    np.testing.assert_array_equal(model.params["bias"], 1.5)


def test_ctrl_c_in_a_callback_after_epoch_one(data) -> None:
    def stop(epoch, record, model):
        raise KeyboardInterrupt

    history = train.fit(models.LinearRegression(3), "mse", data.X, data.y, callbacks=[stop])
    assert history.interrupted
    assert [record["epoch"] for record in history.records] == [0, 1]


@pytest.mark.parametrize("kind", ["linear", "mlp"])
def test_adam_at_a_divergent_rate_is_flagged(kind) -> None:
    data = datasets.breast_cancer()
    model = make_model("bce_with_logits", data.X.shape[1], kind=kind, seed=0)
    history = train.fit(
        model, "bce_with_logits", data.X, data.y, optimizer="adam", lr=100.0, epochs=200
    )
    # The growth test alone does not catch it: the loss stays far below 1e6 x the start.
    assert max(history["train_loss"]) < 1e3 * history.initial_loss
    assert history.diverged
    assert history.diverged_epoch == train.STALL_EPOCHS
    assert "stayed above 1.1 x initial" in history.diverged_reason
    assert np.all(history["train_loss"][-train.STALL_EPOCHS :] > 1.1 * history.initial_loss)
    with_inf = train.fit(
        make_model("bce_with_logits", data.X.shape[1], kind=kind, seed=0), "bce_with_logits",
        data.X, data.y, optimizer="adam", lr=100.0, epochs=60, divergence_factor=np.inf,
    )  # fmt: skip
    assert not with_inf.diverged  # the documented way to switch the checks off


@pytest.mark.parametrize(
    ("dataset", "loss", "optimizer", "lr", "batch_size"),
    [
        ("breast_cancer", "bce_with_logits", "sgd", 0.5, 8),
        ("moons", "bce_with_logits", "sgd", 0.5, 8),
        ("moons", "bce_with_logits", "momentum", 0.5, 8),
        ("moons", "bce_with_logits", "adam", 1.0, None),
        ("linear", "huber", "momentum", 0.5, 8),
    ],
)
@pytest.mark.parametrize("kind", ["linear", "mlp"])
def test_noisy_but_sound_runs_are_not_flagged(dataset, loss, optimizer, lr, batch_size, kind):
    data = (
        datasets.linear(n_samples=200, n_features=5, noise=0.5, seed=0)
        if dataset == "linear"
        else datasets.load(dataset, **({"n_samples": 200} if dataset == "moons" else {}))
    )
    model = make_model(loss, data.X.shape[1], kind=kind, seed=0)
    # metrics_every=0: the loss is still checked every epoch, only the records are skipped.
    history = train.fit(
        model, loss, data.X, data.y, optimizer=optimizer, lr=lr, epochs=200,
        batch_size=batch_size, metrics_every=0,
    )  # fmt: skip
    assert not history.diverged, history.diverged_reason
    assert history.epochs_completed == 200

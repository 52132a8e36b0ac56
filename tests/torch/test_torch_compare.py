"""Losses compared on a user's torch model: compare() and losslab compare --torch-model."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from losslab import losses, train
from losslab.cli import app
from losslab.experiments import compare
from losslab.models import LinearRegression
from losslab.runs import RunSpec, RunSpecError, execute


def mlp(n_features: int, n_outputs: int) -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Linear(n_features, 16), torch.nn.Tanh(), torch.nn.Linear(16, n_outputs)
    )


def zero_linear64(n_features: int, n_outputs: int) -> torch.nn.Module:
    layer = torch.nn.Linear(n_features, n_outputs).double()
    torch.nn.init.zeros_(layer.weight)
    torch.nn.init.zeros_(layer.bias)
    return layer


def test_compare_trains_a_torch_module_under_each_loss() -> None:
    losses = ["bce_with_logits", "hinge", "cross_entropy"]
    result = compare(
        "moons:n_samples=200", losses, model="torch", torch_model=mlp, optimizer="adam",
        lr=0.02, epochs=80, seeds=2,
    )  # fmt: skip
    assert {r.label for r in result.runs} == set(losses)
    assert all(len(r.history.records) == 81 and not r.history.diverged for r in result.runs)
    finals = result.results[result.results.epoch == 80]
    assert finals.val_accuracy.min() > 0.8  # the MLP learned the moons under every loss
    own = compare("moons:n_samples=200", losses[:1], model="mlp", epochs=2, seeds=1)
    assert set(own.results.columns) == set(result.results.columns)
    assert result.config["torch_model"].startswith("<function mlp")


def test_a_torch_linear_model_follows_losslab_s_own_gradient_descent() -> None:
    """Full-batch SGD from zero on float64 torch is the same run as losslab's gd from zero."""
    spec = RunSpec("linear:n_samples=60", "huber:delta=0.5", model="torch",
                   torch_model=zero_linear64, lr=0.1, epochs=30, seed=3)  # fmt: skip
    run = execute(spec)
    X, y, X_val, y_val = run.training_data()
    huber = losses.get("huber", delta=0.5)
    history = train.fit(LinearRegression(X.shape[1]), huber, X, y, X_val=X_val,
                        y_val=y_val, lr=0.1, epochs=30)  # fmt: skip
    for key in ("train_loss", "val_loss", "train_mae", "val_rmse", "grad_norm", "param_norm"):
        np.testing.assert_allclose(run.history[key], history[key], rtol=1e-9, atol=1e-12)


def test_a_divergent_rate_is_reported_with_its_epoch() -> None:
    spec = RunSpec("linear:n_samples=60", "mse", model="torch", torch_model=zero_linear64,
                   lr=50.0, epochs=40)  # fmt: skip
    history = execute(spec).history
    assert history.diverged
    assert history.diverged_epoch is not None
    assert 1 <= history.diverged_epoch <= 40
    assert np.all(np.isfinite(history["train_loss"]))


def test_bad_torch_models_are_named() -> None:
    with pytest.raises(RunSpecError, match="torch_model: give a module factory"):
        RunSpec("linear", "mse", model="torch")
    with pytest.raises(RunSpecError, match="torch_model: cannot load 'no_such_module:f'"):
        execute(RunSpec("linear", "mse", model="torch", torch_model="no_such_module:f"))
    with pytest.raises(RunSpecError, match=r"torch_model: .*must output"):
        execute(RunSpec("moons", "cross_entropy", model="torch",
                        torch_model=lambda d, k: torch.nn.Linear(d, 3)))  # fmt: skip


def test_the_command_line_takes_a_module_factory(tmp_path, monkeypatch) -> None:
    (tmp_path / "mymodels.py").write_text(
        textwrap.dedent("""
        import torch

        def small(n_features, n_outputs):
            return torch.nn.Sequential(torch.nn.Linear(n_features, 8), torch.nn.ReLU(),
                                       torch.nn.Linear(8, n_outputs))
    """)
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    result = CliRunner().invoke(app, [
        "compare", "--dataset", "moons:n_samples=120", "--losses", "bce_with_logits,hinge",
        "--torch-model", "mymodels:small", "--optimizer", "adam", "--lr", "0.02",
        "--epochs", "20", "--seeds", "1", "--no-progress", "--report", str(tmp_path / "report"),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Ranked by val_accuracy" in result.output
    page = (tmp_path / "report" / "index.html").read_text()
    assert "--torch-model mymodels:small" in page
    assert "bce_with_logits" in page
    assert "hinge" in page

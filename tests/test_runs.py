"""RunSpec and execute: bad arguments named, equality, and one History whoever runs a spec."""

from __future__ import annotations

import math
import pickle
from dataclasses import replace

import numpy as np
import pytest

from losslab import datasets, losses
from losslab.runs import RunSpec, RunSpecError, execute, fits_task, load_dataset, prepare

DATA = "linear:n_samples=100,noise=0.5,seed=0"
# An MLP (seeded initialisation) under SGD mini-batches (seeded shuffling) on a seeded
# split: every random choice a caller could make differently is in play.
SPEC = RunSpec(
    DATA, "huber:delta=0.5", model="mlp", hidden=(6,), activation="tanh", optimizer="sgd",
    lr=0.05, epochs=4, seed=3,
)  # fmt: skip


def without_time(records: list[dict[str, float]]) -> list[dict[str, float]]:
    return [{k: v for k, v in record.items() if k != "wall_time"} for record in records]


# ----------------------------------------------------------------------------- the spec


@pytest.mark.parametrize(
    ("change", "argument"),
    [
        ({"dataset": "nope"}, "dataset"),
        ({"dataset": "moons:noise"}, "dataset"),
        ({"dataset": 3}, "dataset"),
        ({"loss": "nope"}, "loss"),
        ({"loss": "huber:gamma=1"}, "loss"),
        ({"loss": 1.0}, "loss"),
        ({"model": "cnn"}, "model"),
        ({"hidden": (0,)}, "hidden"),
        ({"hidden": ()}, "hidden"),
        ({"hidden": "16"}, "hidden"),
        ({"activation": "swish"}, "activation"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"lr": 0.0}, "lr"),
        ({"lr": math.nan}, "lr"),
        ({"lr": "0.1"}, "lr"),
        ({"optimizer_params": {"momentum": 0.9}}, "optimizer_params"),
        ({"optimizer_params": [("momentum", 0.9)]}, "optimizer_params"),
        ({"schedule": "linear"}, "schedule"),
        ({"weight_decay": -1.0}, "weight_decay"),
        ({"batch_size": 0}, "batch_size"),
        ({"optimizer": "gd", "batch_size": 8}, "batch_size"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"epochs": True}, "epochs"),
        ({"seed": -1}, "seed"),
        ({"val_fraction": 1.0}, "val_fraction"),
        ({"divergence_factor": 1.0}, "divergence_factor"),
        ({"free": "bias"}, "free"),
        ({"free": ("bias",), "weight_decay": 0.1}, "free"),
    ],
)
def test_bad_arguments_are_named(change, argument) -> None:
    with pytest.raises(RunSpecError, match=f"^{argument}: ") as caught:
        replace(SPEC, **change)
    assert caught.value.argument == argument
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("spec", "argument", "words"),
    [
        (RunSpec("moons", "mse"), "loss", "is a regression loss, dataset 'moons' is binary"),
        (RunSpec("blobs_multiclass", "bce_with_logits"), "loss", "is a binary loss"),
        (RunSpec("linear", "poisson_nll"), "loss", "cannot train on 'linear'"),
        (RunSpec("moons:radius=2", "hinge"), "dataset", "bad parameters"),
        (RunSpec("linear:n_samples=4", "mse", val_fraction=0.01), "val_fraction", "empty"),
        (RunSpec("linear", "mse", free=("weight[3]",)), "free", "weight"),
    ],
)
def test_prepare_names_what_cannot_train(spec, argument, words) -> None:
    with pytest.raises(RunSpecError, match=f"^{argument}: .*{words}") as caught:
        prepare(spec)
    assert caught.value.argument == argument


def test_a_multiclass_loss_fits_binary_data_and_nothing_else_crosses() -> None:
    tasks = ("regression", "binary", "multiclass")
    fitting = {(a, b) for a in tasks for b in tasks if fits_task(a, b)}
    assert fitting == {(t, t) for t in tasks} | {("multiclass", "binary")}
    run = prepare(RunSpec("moons:n_samples=40", "cross_entropy"))
    assert run.model.n_outputs == 2


def test_specs_compare_by_the_run_they_describe() -> None:
    same = RunSpec(
        " linear:seed=0, noise=0.5,n_samples=100", losses.get("huber", delta=0.5), model="mlp",
        hidden=[6], optimizer="sgd", lr=0.05, epochs=4, seed=3, label="another name",
    )  # fmt: skip
    assert same == SPEC
    assert hash(same) == hash(SPEC)
    assert replace(SPEC, seed=4) != SPEC
    assert replace(SPEC, loss="huber:delta=0.6") != SPEC
    # A linear model has no hidden layers or activation: they do not make another run.
    linear = RunSpec(DATA, "mse", hidden=(3,), activation="relu")
    assert linear == RunSpec(DATA, "mse")
    assert replace(linear, model="mlp") != replace(linear, model="mlp", hidden=(4,))


def test_a_dataset_object_counts_by_its_arrays() -> None:
    data = datasets.load_spec(DATA)
    again = datasets.load_spec(DATA)
    assert data is not again
    assert replace(SPEC, dataset=data) == replace(SPEC, dataset=again)
    other = datasets.load("linear", n_samples=100, noise=0.5, seed=1)
    assert replace(SPEC, dataset=data) != replace(SPEC, dataset=other)
    assert load_dataset(data) is data


def test_spec_survives_pickle_and_labels_default_to_the_loss() -> None:
    spec = replace(SPEC, dataset=datasets.load_spec(DATA), optimizer_params={"momentum": 0.5},
                   optimizer="momentum")  # fmt: skip
    back = pickle.loads(pickle.dumps(spec))
    assert back == spec
    assert back.label == "huber:delta=0.5"
    assert RunSpec(DATA, losses.get("huber", delta=2.0)).label == "huber:delta=2.0"


# ----------------------------------------------------------------------------- executing


def test_execute_trains_on_the_split_and_prepare_does_not_train() -> None:
    run = prepare(SPEC)
    assert not run.trained
    start = {k: v.copy() for k, v in run.model.params.items()}
    run.train()
    assert run.trained
    assert run.history.epochs_completed == 4
    assert run.split is not None
    assert run.split.X_train.shape == (75, 1)
    assert any(not np.array_equal(start[k], v) for k, v in run.model.params.items())
    with pytest.raises(RuntimeError, match="already trained"):
        run.train()


def test_no_validation_split_trains_every_row() -> None:
    run = execute(replace(SPEC, val_fraction=None))
    assert run.split is None
    assert "val_loss" not in run.history.final
    assert run.training_data()[0].shape == (100, 1)


def test_free_entries_train_and_the_others_stay() -> None:
    run = execute(RunSpec("linear:n_features=2", "mse", epochs=5, free=("weight[1]",)))
    assert run.model.params["weight"][0, 0] == 0.0
    assert run.model.params["bias"][0] == 0.0
    assert run.model.params["weight"][1, 0] != 0.0


def test_the_same_spec_gives_the_same_history_twice() -> None:
    first, second = execute(SPEC).history, execute(SPEC).history
    assert without_time(first.records) == without_time(second.records)
    assert without_time(execute(replace(SPEC, seed=4)).history.records) != without_time(
        first.records
    )


# ----------------------------------------------------------------------------- the callers


@pytest.fixture(scope="module")
def reference() -> list[dict[str, float]]:
    return without_time(execute(SPEC).history.records)


def test_compare_runs_the_spec(reference) -> None:
    from losslab.experiments import compare

    result = compare(
        DATA, ["huber:delta=0.5"], model="mlp", hidden=(6,), optimizer="sgd", lr=0.05,
        epochs=4, seeds=[3],
    )  # fmt: skip
    (run,) = result.runs
    assert run.spec == SPEC
    assert without_time(run.history.records) == reference


def test_a_sweep_worker_runs_the_spec(reference) -> None:
    from losslab.sweep import expand, loads_config, run_one

    config = loads_config("""
        epochs = 4
        seeds = [3]
        [[datasets]]
        name = "linear"
        params = { n_samples = 100, noise = 0.5, seed = 0 }
        [[models]]
        kind = "mlp"
        hidden = [6]
        [[losses]]
        name = "huber"
        params = { delta = 0.5 }
        [[optimizers]]
        name = "sgd"
        lr = [0.05]
    """)
    (planned,) = expand(config).runs
    assert planned.spec() == SPEC
    frame, summary = run_one(planned)
    columns = [c for c in frame.columns if c in reference[0]]
    assert frame[columns].to_dict("records") == reference
    assert summary["status"] == "ok"


@pytest.mark.parametrize("val_fraction", [None, 0.25])
def test_a_web_job_runs_the_same_spec(val_fraction: float | None) -> None:
    from fastapi.testclient import TestClient

    from losslab.web import create_app

    body = {
        "dataset": {"name": "linear", "n_samples": 100, "noise": 0.5, "seed": 0},
        "losses": [{"name": "huber", "params": {"delta": 0.5}}], "model": "mlp", "hidden": 6,
        "activation": "tanh", "optimizer": "sgd", "lr": 0.05, "epochs": 4, "seed": 3,
        "epochs_per_second": None, "val_fraction": val_fraction,
    }  # fmt: skip
    app = create_app()
    with TestClient(app) as client:
        created = client.post("/api/jobs", json=body)
        assert created.status_code == 201, created.text
        job = app.state.jobs.get(created.json()["job_id"])
        (job_run,) = job.runs
        job_run.thread.join(timeout=60)
        app.state.jobs.shutdown()
    # The web trains on the data it built, on every row or with the validation split asked for.
    expected = replace(SPEC, dataset=load_dataset(DATA), val_fraction=val_fraction)
    assert job_run.run.spec == expected
    streamed = [{k: v for k, v in r.items() if k not in ("wall_time", "theta")}
                for r in job_run.records]  # fmt: skip
    assert streamed == without_time(execute(expected).history.records)[1:]
    assert job_run.state == "finished"

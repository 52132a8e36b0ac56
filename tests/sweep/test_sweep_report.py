"""The sweep report: sections, figures embedded, nothing fetched from elsewhere."""

from __future__ import annotations

import re

import pytest
from sweep_helpers import TINY

from losslab.sweep import Store, expand, loads_config, run_one, write_report


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("report")
    text = TINY.replace("lr = [0.05, 0.5]", "lr = [0.05, 0.5, 5.0]")
    config = loads_config(text)
    plan = expand(config)
    store = Store(tmp_path / "out")
    store.prepare(plan, config.model_dump(mode="json"))
    for run in plan.runs[:-1]:
        frame, _ = run_one(run)
        store.write_run(run.run_id, frame)
    store.write_failure(plan.runs[-1], "Traceback ...\nRuntimeError: simulated")
    return store


def test_report_has_every_section(finished_sweep):
    page = write_report(finished_sweep.root).read_text(encoding="utf-8")
    titles = re.findall(r"<h2>(.*?)</h2>", page)
    assert titles[0] == "Overview"
    for words in (
        "best learning rate per loss",
        "sensitivity of huber to delta",
        "spread across seeds",
        "diverged regions",
        "Failed runs",
    ):
        assert any(words in title for title in titles), words
    assert "RuntimeError: simulated" in page
    assert page.count("data:image/png;base64,") >= 5


def test_report_is_self_contained(finished_sweep):
    page = write_report(finished_sweep.root, finished_sweep.root / "r.html").read_text()
    assert re.search(r"(src|href)=\"(https?:)?//", page) is None
    assert "http://" not in page
    assert "https://" not in page


def test_diverged_runs_show_in_the_map(finished_sweep):
    frame = finished_sweep.read_runs()
    assert frame.loc[(frame["base_lr"] == 5.0) & (frame["loss"] == "mse"), "diverged"].all()
    page = write_report(finished_sweep.root).read_text()
    assert "<td>mse</td>" in page
    assert "lr=5" in page


def test_no_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"no manifest\.json"):
        write_report(tmp_path)


def test_constant_models_are_rows_and_lines(finished_sweep):
    frame = finished_sweep.read_runs()
    assert {"constant_val_rmse", "constant_train_rmse", "constant_val_r2"} <= set(frame.columns)
    # Per seed, a loss's constant does not depend on the learning rate.
    per_lr = frame.groupby(["loss", "loss_params", "seed"])["constant_val_rmse"].nunique()
    assert (per_lr == 1).all()
    page = write_report(finished_sweep.root).read_text()
    assert "<td>constant (mse)</td>" in page
    assert "what any loss must beat" in page


def test_a_loss_that_fails_to_beat_its_constant_is_flagged(tmp_path):
    # 40 epochs: under the 50 that train.fit's stall rule needs to call a run diverged.
    text = """
name = "unscaled"
epochs = 40
seeds = [0, 1]

[[datasets]]
name = "breast_cancer"
params = {standardize = false}

[[losses]]
name = "hinge"

[[optimizers]]
name = "gd"
lr = [0.1]
"""
    plan = expand(loads_config(text))
    store = Store(tmp_path / "out")
    store.prepare(plan, loads_config(text).model_dump(mode="json"))
    for run in plan.runs:
        frame, _ = run_one(run)
        store.write_run(run.run_id, frame)
    finals = store.read_runs().groupby("run_id").tail(1)
    assert (finals["val_accuracy"] <= finals["constant_val_accuracy"]).any()
    page = write_report(store.root).read_text()
    assert "Not a normal result: hinge at lr=0.1" in page
    assert "⚠ hinge" in page
    assert "scaling" in page

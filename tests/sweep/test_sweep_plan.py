"""Expanding a sweep: every combination once, ids stable across processes and spellings."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sweep_helpers import TINY

from losslab.sweep import SweepConfigError, expand, loads_config


def test_every_combination_once():
    plan = expand(loads_config(TINY))
    # (huber at 2 deltas + mse) x 2 learning rates x 2 seeds
    assert len(plan) == 12
    assert len({run.run_id for run in plan.runs}) == 12
    assert {(run.loss, tuple(run.loss_params.items())) for run in plan.runs} == {
        ("huber", (("delta", 0.5),)),
        ("huber", (("delta", 2.0),)),
        ("mse", ()),
    }


def test_ids_do_not_depend_on_spelling_or_order():
    plan = expand(loads_config(TINY))
    respelled = TINY.replace("delta = [0.5, 2]", "delta = [2.0, 0.5]").replace(
        "lr = [0.05, 0.5]", "lr = [0.5, 5e-2]"
    )
    assert {r.run_id for r in expand(loads_config(respelled)).runs} == {r.run_id for r in plan.runs}


def test_ids_are_the_same_in_another_process():
    ids = [run.run_id for run in expand(loads_config(TINY)).runs]
    code = (
        "import sys; from losslab.sweep import expand, loads_config;"
        "print(' '.join(r.run_id for r in expand(loads_config(sys.stdin.read())).runs))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], input=TINY, capture_output=True, text=True, timeout=60
    )
    assert other.stdout.split() == ids


def test_config_hash_changes_with_the_config():
    plan = expand(loads_config(TINY))
    assert expand(loads_config(TINY + "\n# a comment\n")).config_hash == plan.config_hash
    assert expand(loads_config(TINY.replace("epochs = 8", "epochs = 9"))).config_hash != (
        plan.config_hash
    )


def test_losses_of_another_task_are_skipped():
    text = TINY + '\n[[datasets]]\nname = "moons"\n[[losses]]\nname = "bce_with_logits"\n'
    plan = expand(loads_config(text))
    assert ("moons", "mse") in plan.skipped
    assert ("linear_outliers", "bce_with_logits") in plan.skipped
    assert {run.loss for run in plan.runs if run.dataset == "moons"} == {"bce_with_logits"}


def test_a_loss_that_fits_no_dataset_is_an_error():
    text = TINY + '\n[[losses]]\nname = "hinge"\n'
    line = text.splitlines().index('name = "hinge"') + 1
    with pytest.raises(SweepConfigError, match=rf":{line}: losses\[2\]\.name: loss 'hinge' is for"):
        expand(loads_config(text))


def test_a_dataset_that_cannot_be_built_is_an_error():
    text = TINY.replace("n_samples = 60", "n_samples = 1")
    with pytest.raises(SweepConfigError, match=r":8: datasets\[0\]\.params: n_samples must be"):
        expand(loads_config(text))


def test_a_metric_of_another_task_is_an_error():
    with pytest.raises(SweepConfigError, match=r"metric 'val_accuracy' is not recorded"):
        expand(loads_config('metric = "val_accuracy"\n' + TINY))

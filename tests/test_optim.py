"""Optimizers and schedules step for step against torch.optim on the same gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from losslab import optim

CASES = [
    # (our name, our params, torch class, torch params)
    ("sgd", {}, torch.optim.SGD, {}),
    ("gd", {}, torch.optim.SGD, {}),
    ("momentum", {"momentum": 0.9}, torch.optim.SGD, {"momentum": 0.9}),
    ("nesterov", {"momentum": 0.8}, torch.optim.SGD, {"momentum": 0.8, "nesterov": True}),
    ("adam", {}, torch.optim.Adam, {}),
    (
        "adam",
        {"beta1": 0.5, "beta2": 0.9, "eps": 1e-6},
        torch.optim.Adam,
        {"betas": (0.5, 0.9), "eps": 1e-6},
    ),
]

SCHEDULES = [
    ("constant", None, None),
    (
        "step",
        optim.StepSchedule(step_size=3, gamma=0.5),
        lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5),
    ),
    (
        "cosine",
        optim.CosineSchedule(t_max=8, eta_min=0.001),
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 8, 0.001),
    ),
]


@pytest.mark.parametrize(("name", "params", "torch_class", "torch_params"), CASES)
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
@pytest.mark.parametrize(
    ("schedule_name", "schedule", "torch_schedule"), SCHEDULES, ids=[s[0] for s in SCHEDULES]
)
def test_matches_torch_step_for_step(
    name, params, torch_class, torch_params, weight_decay, schedule_name, schedule, torch_schedule
):
    rng = np.random.default_rng(0)
    ours = {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    theirs = [torch.tensor(v.copy(), requires_grad=True) for v in ours.values()]
    opt = optim.make_optimizer(
        name, lr=0.05, weight_decay=weight_decay, schedule=schedule, **params
    )
    torch_opt = torch_class(theirs, lr=0.05, weight_decay=weight_decay, **torch_params)
    scheduler = torch_schedule(torch_opt) if torch_schedule else None
    for epoch in range(12):
        opt.set_epoch(epoch)
        assert opt.lr == pytest.approx(torch_opt.param_groups[0]["lr"], rel=1e-12)
        for _ in range(2):  # two steps per epoch: the schedule moves per epoch, not per step
            grads = {k: rng.standard_normal(v.shape) for k, v in ours.items()}
            opt.step(ours, grads)
            for tensor, grad in zip(theirs, grads.values(), strict=False):
                tensor.grad = torch.tensor(grad)
            torch_opt.step()
            for ours_value, tensor in zip(ours.values(), theirs, strict=False):
                np.testing.assert_allclose(
                    ours_value, tensor.detach().numpy(), rtol=1e-12, atol=1e-14
                )
        if scheduler is not None:
            scheduler.step()


def test_schedule_values():
    assert optim.StepSchedule(step_size=2, gamma=0.1)(1.0, 5) == pytest.approx(0.01)
    cosine = optim.CosineSchedule(t_max=10)
    assert cosine(2.0, 0) == 2.0
    assert cosine(2.0, 5) == pytest.approx(1.0)
    assert cosine(2.0, 10) == pytest.approx(0.0, abs=1e-15)
    assert optim.make_schedule("constant")(0.3, 99) == 0.3


def test_gd_is_full_batch_and_registry():
    assert optim.make_optimizer("gd", lr=0.1).full_batch
    assert not optim.make_optimizer("sgd", lr=0.1).full_batch
    assert set(optim.available()) == {"gd", "sgd", "momentum", "nesterov", "adam"}
    adam = optim.Adam(0.1)
    assert optim.make_optimizer(adam) is adam


@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan"), float("inf")])
def test_learning_rate_must_be_positive(lr):
    with pytest.raises(ValueError, match="lr must be"):
        optim.make_optimizer("adam", lr=lr)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="optimizer must be one of"):
        optim.make_optimizer("lbfgs", lr=0.1)
    with pytest.raises(ValueError, match="momentum"):
        optim.Momentum(0.1, momentum=1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        optim.SGD(0.1, weight_decay=-1.0)
    with pytest.raises(ValueError, match="schedule"):
        optim.make_schedule("exponential")
    with pytest.raises(ValueError, match="step_size"):
        optim.StepSchedule(step_size=0)


@pytest.mark.parametrize(("name", "params", "torch_class", "torch_params"), CASES)
def test_decay_bias_false_is_torch_with_an_undecayed_bias_group(
    name, params, torch_class, torch_params
):
    rng = np.random.default_rng(1)
    ours = {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    weight, bias = (torch.tensor(v.copy(), requires_grad=True) for v in ours.values())
    opt = optim.make_optimizer(name, lr=0.05, weight_decay=0.3, decay_bias=False, **params)
    groups = [{"params": [weight]}, {"params": [bias], "weight_decay": 0.0}]
    torch_opt = torch_class(groups, lr=0.05, weight_decay=0.3, **torch_params)
    for _ in range(6):
        grads = {k: rng.standard_normal(v.shape) for k, v in ours.items()}
        opt.step(ours, grads)
        weight.grad, bias.grad = torch.tensor(grads["w"]), torch.tensor(grads["b"])
        torch_opt.step()
    np.testing.assert_allclose(ours["w"], weight.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours["b"], bias.detach().numpy(), rtol=1e-12, atol=1e-14)

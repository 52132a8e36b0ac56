"""L1 regularisation: the optimizer's ``α sign(θ)`` step, fit's ``l1`` and RunSpec's ``l1``."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import Lasso

from losslab import models, optim
from losslab.runs import RunSpec, RunSpecError, execute
from losslab.train import fit

CASES = [
    ("sgd", {}, torch.optim.SGD, {}),
    ("momentum", {"momentum": 0.9}, torch.optim.SGD, {"momentum": 0.9}),
    ("adam", {}, torch.optim.Adam, {}),
]


@pytest.mark.parametrize(("name", "params", "torch_class", "torch_params"), CASES)
@pytest.mark.parametrize("decay_bias", [True, False])
def test_l1_step_is_torch_on_the_penalised_objective(
    name, params, torch_class, torch_params, decay_bias
):
    # torch differentiates α‖θ‖₁ itself (autograd's d|x|/dx is sign(x), 0 at 0): no
    # finite differences, and an exact zero entry checks the subgradient's choice of 0.
    alpha, lam = 0.3, 0.05
    rng = np.random.default_rng(1)
    ours = {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    ours["w"][0, 0] = 0.0
    theirs = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in ours.items()}
    opt = optim.make_optimizer(name, lr=0.05, weight_decay=lam, l1=alpha, **params)
    opt.decay_bias = decay_bias
    torch_opt = torch_class(list(theirs.values()), lr=0.05, **torch_params)
    penalised = [k for k, v in ours.items() if decay_bias or v.ndim >= 2]
    for _ in range(6):
        grads = {k: rng.standard_normal(v.shape) for k, v in ours.items()}
        opt.step(ours, grads)
        torch_opt.zero_grad()
        data_term = sum((theirs[k] * torch.tensor(g)).sum() for k, g in grads.items())
        penalty = sum(
            alpha * theirs[k].abs().sum() + 0.5 * lam * (theirs[k] ** 2).sum() for k in penalised
        )
        (data_term + penalty).backward()
        torch_opt.step()
        for key, value in ours.items():
            np.testing.assert_allclose(value, theirs[key].detach().numpy(), rtol=1e-12, atol=1e-14)


def test_l1_sgd_step_by_hand():
    opt = optim.SGD(0.5, l1=0.2)
    params = {"w": np.array([[2.0, -1.0, 0.0]]), "b": np.array([3.0])}
    opt.step(params, {"w": np.array([[1.0, 1.0, 1.0]]), "b": np.array([0.0])})
    np.testing.assert_array_equal(params["w"], [[2.0 - 0.5 * 1.2, -1.0 - 0.5 * 0.8, -0.5]])
    np.testing.assert_array_equal(params["b"], [3.0 - 0.5 * 0.2])


@pytest.mark.parametrize("l1", [-0.1, float("nan"), float("inf"), "0.1"])
def test_bad_l1_raises(l1):
    with pytest.raises(ValueError, match="l1"):
        optim.SGD(0.1, l1=l1)


def _sparse_regression():
    # Two features matter, eight are noise; few rows, so least squares gives the noise
    # features weights of their own. Centred, so an unpenalised intercept would be 0.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 10))
    y = 2.0 * X[:, 0] - 1.5 * X[:, 1] + 0.5 * rng.standard_normal(40)
    return X - X.mean(axis=0), y - y.mean()


def _fit_linear(X, y, **kwargs):
    model = models.Linear(X.shape[1], 1, seed=0)
    # The cosine schedule takes the rate to 0, so the subgradient steps settle.
    fit(model, "mse", X, y, lr=0.05, epochs=3000, schedule="cosine", metrics_every=0, **kwargs)
    return model.params["weight"].ravel(), float(model.params["bias"][0])


def test_l1_drives_irrelevant_weights_to_zero_where_l2_does_not():
    X, y = _sparse_regression()
    w_l1, _ = _fit_linear(X, y, l1=0.4)
    w_l2, _ = _fit_linear(X, y, weight_decay=0.4)
    assert np.abs(w_l1[2:]).max() < 1e-4
    assert np.abs(w_l2[2:]).min() > 1e-3  # L2 shrinks them, none reaches 0
    assert np.linalg.norm(w_l2[2:]) > 0.1
    assert np.abs(w_l1[:2]).min() > 1.0  # the relevant weights survive


def test_l1_fit_reaches_sklearns_lasso():
    # mse + α‖θ‖₁ = 2 [‖y − Xw‖² / (2n) + (α/2)‖θ‖₁]: scikit-learn's Lasso with alpha α/2.
    X, y = _sparse_regression()
    w, b = _fit_linear(X, y, l1=0.2)
    lasso = Lasso(alpha=0.1, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(w, lasso.coef_, atol=2e-3)
    assert abs(b) < 1e-3


def test_runspec_carries_l1():
    spec = RunSpec("blobs:n_samples=60", "bce", l1=0.05, epochs=5)
    assert spec.fit_arguments()["l1"] == 0.05
    assert spec != RunSpec("blobs:n_samples=60", "bce", epochs=5)
    trained = execute(spec)
    plain = execute(RunSpec("blobs:n_samples=60", "bce", epochs=5))
    assert trained.history.records[-1]["train_loss"] != plain.history.records[-1]["train_loss"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"l1": -1.0}, "l1"), ({"l1": 0.1, "free": ("bias",)}, "free")],
)
def test_runspec_rejects_bad_l1(kwargs, field):
    with pytest.raises(RunSpecError) as info:
        RunSpec("blobs", "bce", **kwargs)
    assert info.value.argument == field

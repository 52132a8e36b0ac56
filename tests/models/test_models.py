"""Hand-written forward and backward passes against PyTorch autograd, in float64."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from losslab import losses
from losslab.models import (
    MLP,
    Linear,
    LinearRegression,
    LogisticRegression,
    SoftmaxRegression,
    make_model,
    to_prediction,
)

TORCH_ACTIVATIONS = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "gelu": lambda z: F.gelu(z, approximate="none"),
}


def _torch_forward(model, X: np.ndarray):
    """The same network in PyTorch, parameters copied, for autograd."""
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    a = torch.tensor(X)
    if isinstance(model, MLP):
        act = TORCH_ACTIVATIONS[model.activation]
        for layer in range(1, model.n_layers + 1):
            z = a @ tensors[f"W{layer}"] + tensors[f"b{layer}"]
            a = act(z) if layer < model.n_layers else z
    else:
        a = a @ tensors["weight"] + tensors["bias"]
    if model.head == "sigmoid":
        a = torch.sigmoid(a)
    if model.n_outputs == 1:
        a = a[:, 0]
    return a, tensors


def _compare(model, X: np.ndarray, upstream: np.ndarray) -> None:
    ours, cache = model.forward(X)
    grads = model.backward(cache, upstream)
    out, tensors = _torch_forward(model, X)
    np.testing.assert_allclose(ours, out.detach().numpy(), rtol=1e-12, atol=1e-13)
    reference = torch.autograd.grad(
        out, list(tensors.values()), grad_outputs=torch.tensor(upstream)
    )
    assert list(grads) == list(tensors)
    for name, expected in zip(tensors, reference, strict=False):
        assert grads[name].shape == model.params[name].shape
        np.testing.assert_allclose(grads[name], expected.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "gelu"])
@pytest.mark.parametrize("hidden", [(), (5,), (4, 3), (6, 5, 4)])
@pytest.mark.parametrize(("n_outputs", "head"), [(1, "identity"), (1, "sigmoid"), (3, "identity")])
def test_mlp_backward_matches_torch_autograd(activation, hidden, n_outputs, head):
    rng = np.random.default_rng(zlib.crc32(repr((activation, hidden, n_outputs, head)).encode()))
    model = MLP(
        4, hidden, n_outputs, activation=activation, head=head, seed=int(rng.integers(1000))
    )
    for param in model.params.values():  # non-zero biases so every term is exercised
        param += 0.1 * rng.standard_normal(param.shape)
    X = rng.standard_normal((7, 4))
    upstream = rng.standard_normal((7,) if n_outputs == 1 else (7, n_outputs))
    _compare(model, X, upstream)


@pytest.mark.parametrize(
    "model",
    [
        LinearRegression(3, init="glorot", seed=1),
        LogisticRegression(3, init="glorot", seed=2),
        LogisticRegression(3, head="identity", init="glorot", seed=3),
        SoftmaxRegression(3, 4, init="glorot", seed=4),
    ],
    ids=repr,
)
def test_linear_models_backward_matches_torch_autograd(model):
    rng = np.random.default_rng(0)
    model.params["bias"] += rng.standard_normal(model.params["bias"].shape)
    X = rng.standard_normal((9, 3))
    upstream = rng.standard_normal((9,) if model.n_outputs == 1 else (9, model.n_outputs))
    _compare(model, X, upstream)


# End to end: our loss.grad chained through our backward vs autograd through torch's loss.
# PyTorch's huber_loss, poisson_nll_loss(log_input=True, full=False), binary_cross_entropy and
# cross_entropy have the same definitions as ours (DESIGN.md); mse_loss is the plain mean.
END_TO_END = [
    ("mse", {}, "regression", lambda out, y: F.mse_loss(out, y)),
    ("huber", {"delta": 0.7}, "regression", lambda out, y: F.huber_loss(out, y, delta=0.7)),
    (
        "poisson_nll",
        {},
        "counts",
        lambda out, y: F.poisson_nll_loss(out, y, log_input=True, full=False),
    ),
    ("bce", {}, "binary", lambda out, y: F.binary_cross_entropy(out, y)),
    ("bce_with_logits", {}, "binary", lambda out, y: F.binary_cross_entropy_with_logits(out, y)),
    ("cross_entropy", {}, "multiclass", lambda out, y: F.cross_entropy(out, y)),
]


@pytest.mark.parametrize(
    ("name", "params", "kind", "torch_loss"), END_TO_END, ids=[e[0] for e in END_TO_END]
)
@pytest.mark.parametrize("activation", ["tanh", "gelu"])
def test_loss_gradient_through_mlp_matches_torch(name, params, kind, torch_loss, activation):
    rng = np.random.default_rng(1)
    loss = losses.get(name, **params)
    model = make_model(
        loss, 3, n_classes=4, kind="mlp", hidden=(6, 5), activation=activation, seed=5
    )
    X = rng.standard_normal((11, 3))
    y = {
        "regression": rng.standard_normal(11),
        "counts": rng.poisson(2.0, 11).astype(float),
        "binary": rng.integers(0, 2, 11).astype(float),
        "multiclass": rng.integers(0, 4, 11),
    }[kind]
    y_pred, cache = model.forward(X)
    grads = model.backward(cache, loss.grad(y_pred, y))
    out, tensors = _torch_forward(model, X)
    value = torch_loss(out, torch.tensor(y))
    np.testing.assert_allclose(float(loss(y_pred, y)), value.item(), rtol=1e-12)
    reference = torch.autograd.grad(value, list(tensors.values()))
    for key, expected in zip(tensors, reference, strict=False):
        np.testing.assert_allclose(grads[key], expected.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "head", "n_outputs"),
    [
        ("mse", "identity", 1),
        ("poisson_nll", "identity", 1),
        ("bce", "sigmoid", 1),
        ("bce_with_logits", "identity", 1),
        ("hinge", "identity", 1),
        ("cross_entropy", "identity", 5),
    ],
)
def test_make_model_picks_head_from_loss(name, head, n_outputs):
    for kind in ("linear", "mlp"):
        model = make_model(losses.get(name), 2, n_classes=5, kind=kind)
        assert (model.head, model.n_outputs) == (head, n_outputs)


def test_initialisation_is_seeded_and_scaled():
    a, b = (
        MLP(200, (300, 10), activation="relu", seed=7),
        MLP(200, (300, 10), activation="relu", seed=7),
    )
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    assert not np.array_equal(
        a.params["W1"], MLP(200, (300,), activation="relu", seed=8).params["W1"]
    )
    # He normal: sd sqrt(2 / fan_in); 60000 draws put the sample sd within 2% of it.
    assert a.params["W1"].std() == pytest.approx(np.sqrt(2 / 200), rel=0.02)
    assert np.all(a.params["b1"] == 0)
    # Glorot uniform for tanh and the output layer: bounded by sqrt(6 / (fan_in + fan_out)).
    tanh = MLP(200, (300,), activation="tanh", seed=0)
    limit = np.sqrt(6 / 500)
    assert np.abs(tanh.params["W1"]).max() <= limit
    assert tanh.params["W1"].std() == pytest.approx(limit / np.sqrt(3), rel=0.02)
    assert np.all(LinearRegression(4).params["weight"] == 0)


def test_to_prediction_maps_each_kind():
    z = np.array([[0.0, np.log(3.0)]])
    np.testing.assert_allclose(to_prediction(z, "logits"), [[0.25, 0.75]])
    np.testing.assert_allclose(to_prediction(np.array([0.0, np.log(2.0)]), "log_rate"), [1.0, 2.0])
    np.testing.assert_allclose(to_prediction(np.array([0.0]), "logit"), [0.5])
    with pytest.raises(ValueError, match="y_pred_kind"):
        to_prediction(z, "odds")


def test_bad_model_arguments_raise():
    with pytest.raises(ValueError, match="activation"):
        MLP(2, (3,), activation="swish")
    with pytest.raises(ValueError, match="head"):
        Linear(2, head="softmax")
    with pytest.raises(ValueError, match="X must have shape"):
        LinearRegression(3)(np.ones((4, 2)))
    model = LinearRegression(3)
    cache = model.forward(np.ones((4, 3)))[1]
    with pytest.raises(ValueError, match="grad_output"):
        model.backward(cache, np.ones((4, 1)))
    with pytest.raises(ValueError, match="n_classes"):
        SoftmaxRegression(3, 1)
    with pytest.raises(ValueError, match="model"):
        make_model(losses.get("mse"), 2, kind="tree")

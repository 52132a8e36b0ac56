"""Exact surfaces: the vectorised grid against a per-point loop, and the refusals."""

import numpy as np
import pytest

from losslab import config, datasets, losses
from losslab.landscape import (
    flatten,
    grid_surface,
    interpolate,
    plane_surface,
    random_plane,
    set_flat,
    train_with_trajectory,
)
from losslab.models import MLP, LinearRegression, LogisticRegression, SoftmaxRegression


def _loop(model, loss, X, y, surface, coords):
    """Reference: one model evaluation per grid point (slow, obviously right)."""
    saved = flatten(model.params)
    out = np.empty_like(surface.values)
    for j, b in enumerate(surface.y):
        for i, a in enumerate(surface.x):
            theta = saved.copy()
            theta[coords] = (a, b)
            set_flat(model, theta)
            out[j, i] = float(losses.get(loss)(model(X), y))
    set_flat(model, saved)
    return out


REGRESSION = ["mse", "mae", "huber", "log_cosh", "quantile"]


@pytest.mark.parametrize("loss", REGRESSION)
def test_linear_surface_matches_loop(loss):
    data = datasets.linear(n_samples=50, seed=1)
    model = LinearRegression(1)
    s = grid_surface(model, loss, data.X, data.y, resolution=(7, 5), exact_statistics=False)
    # Same arithmetic up to summation order: agreement to 1e-12 relative.
    np.testing.assert_allclose(s.values, _loop(model, loss, data.X, data.y, s, [0, 1]), rtol=1e-12)


def test_mse_sufficient_statistics_equal_the_chunked_sum():
    data = datasets.linear(n_samples=2000, n_features=3, seed=2)
    model = LinearRegression(3, init="glorot", seed=0)
    kwargs = {"params": ("weight[2]", "bias"), "resolution": 31}
    fast = grid_surface(model, "mse", data.X, data.y, **kwargs)
    with config.fused(False):
        slow = grid_surface(model, "mse", data.X, data.y, exact_statistics=False, **kwargs)
    assert fast.method == "sufficient statistics"
    assert slow.method == "affine"
    # Expanding the square loses a few ulps of the largest term; 1e-10 relative is ample.
    np.testing.assert_allclose(fast.values, slow.values, rtol=1e-10, atol=1e-12)


def test_logistic_two_weights_and_mlp_entries_match_loop():
    data = datasets.blobs(n_samples=40, seed=0)
    model = LogisticRegression(2, head="identity", init="glorot", seed=3)
    s = grid_surface(
        model, "bce_with_logits", data.X, data.y, params=("weight[0]", "weight[1]"), resolution=5
    )
    ref = _loop(model, "bce_with_logits", data.X, data.y.astype(float), s, [0, 1])
    np.testing.assert_allclose(s.values, ref, rtol=1e-12)
    mlp = MLP(2, (3,), seed=0)
    s = grid_surface(
        mlp, "bce_with_logits", data.X, data.y, params=("W1[1, 2]", "b2"), resolution=4
    )
    assert s.method == "batched forward"
    ref = _loop(mlp, "bce_with_logits", data.X, data.y.astype(float), s, [5, 12])
    np.testing.assert_allclose(s.values, ref, rtol=1e-12)


def test_softmax_surface_matches_loop():
    data = datasets.blobs_multiclass(n_samples=30, seed=0)
    model = SoftmaxRegression(data.n_features, data.n_classes, init="glorot", seed=0)
    s = grid_surface(
        model, "cross_entropy", data.X, data.y, params=("weight[0, 1]", "bias[2]"), resolution=4
    )
    flat = [1, model.params["weight"].size + 2]
    np.testing.assert_allclose(
        s.values, _loop(model, "cross_entropy", data.X, data.y, s, flat), rtol=1e-12
    )


def test_plane_centre_and_line_ends_are_the_losses_there():
    data = datasets.xor(n_samples=60, seed=0)
    model = MLP(2, (4,), seed=1)
    theta = flatten(model.params)
    value = float(losses.get("bce_with_logits")(model(data.X), data.y.astype(float)))
    s = plane_surface(
        model,
        "bce_with_logits",
        data.X,
        data.y,
        random_plane(model),
        ranges=((-1, 1), (-1, 1)),
        resolution=5,
    )
    assert s.values[2, 2] == pytest.approx(value, rel=1e-12)
    line = interpolate(
        model, "bce_with_logits", data.X, data.y, theta, theta * 0.0, t=np.array([0.0, 1.0])
    )
    assert line.values[0] == pytest.approx(value, rel=1e-12)
    assert line.values[1] == pytest.approx(np.log(2.0), rel=1e-12)  # zero net: logit 0


def test_free_entries_train_and_others_stay():
    data = datasets.linear(n_samples=50, n_features=3, seed=0)
    model = LinearRegression(3)
    _, traj = train_with_trajectory(
        model, "mse", data.X, data.y, free=("weight[0]", "weight[1]"), lr=0.1, epochs=20
    )
    assert traj.shape == (21, 4)
    assert np.all(traj[:, 2:] == 0.0)
    assert np.ptp(traj[:, 0]) > 0.1


def test_unknown_parameter_is_refused_naming_params():
    data = datasets.linear(n_samples=10)
    with pytest.raises(ValueError, match=r"params: the model has no parameter 'W1'"):
        grid_surface(LinearRegression(1), "mse", data.X, data.y, params=("W1[0]", "bias"))
    with pytest.raises(ValueError, match=r"params: 'weight\[3\]' is not an entry"):
        grid_surface(LinearRegression(1), "mse", data.X, data.y, params=("weight[3]", "bias"))


def test_grid_over_memory_limit_is_refused_with_estimate():
    data = datasets.linear(n_samples=10)
    with pytest.raises(ValueError, match=r"resolution: 1,000,000,000,000 settings need about"):
        grid_surface(LinearRegression(1), "mse", data.X, data.y, resolution=10**6)
    # One setting of a wide MLP on many samples exceeds a small limit before any work.
    X = np.zeros((10_000, 2))
    with pytest.raises(ValueError, match="over the limit max_bytes=1,000,000"):
        grid_surface(
            MLP(2, (64,)), "mse", X, np.zeros(10_000), params=("b1[0]", "b2"), max_bytes=1_000_000
        )


def test_model_without_parameters_is_refused():
    model = LinearRegression(1)
    model.params = {}
    with pytest.raises(ValueError, match="model has no trainable parameters"):
        grid_surface(model, "mse", np.zeros((3, 1)), np.zeros(3))


# Every elementwise loss of the catalogue has a grid kernel; some at parameters other than
# their defaults, so the parameters are seen to reach the kernel.
_KERNEL_PARAMS = {
    "huber": {"delta": 0.7},
    "pseudo_huber": {"delta": 0.7},
    "quantile": {"q": 0.3},
    "barron": {"alpha": 0.5, "scale": 0.8},
    "bce_with_logits": {"pos_weight": 2.0},
    "focal": {"gamma": 2.0, "alpha": 0.25},
}
_KERNEL_CASES = [
    name for name in losses.available() if issubclass(losses.definition(name), losses.Elementwise)
]


def _kernel_case(name):
    """Model, X, y and the two free entries for loss ``name`` (targets in its domain)."""
    rng = np.random.default_rng(0)
    loss = losses.get(name, **_KERNEL_PARAMS.get(name, {}))
    if loss.task == "regression":
        data = datasets.linear(n_samples=300, n_features=2, seed=1)
        y = np.abs(data.y) if loss.definition.true_domain in ("nonnegative", "positive") else data.y
        model = LinearRegression(2, init="glorot", seed=0)
        return loss, model, data.X, y, ("weight[1]", "bias")
    X = rng.standard_normal((300, 2))
    y = (X[:, 0] + rng.standard_normal(300) > 0).astype(np.float64)
    model = LogisticRegression(2, head=loss.link.head, init="glorot", seed=0)
    return loss, model, X, y, ("weight[0]", "weight[1]")


@pytest.mark.parametrize("name", _KERNEL_CASES)
def test_grid_kernel_equals_chunked_path(name):
    loss, model, X, y, params = _kernel_case(name)
    kwargs = {"params": params, "resolution": (11, 6), "ranges": ((-3, 2), (-1.5, 2.5))}
    fast = grid_surface(model, loss, X, y, exact_statistics=False, **kwargs)
    with config.fused(False):
        slow = grid_surface(model, loss, X, y, exact_statistics=False, **kwargs)
    assert fast.method == "affine kernel"
    assert slow.method == "affine"
    # Same per-element formula; only the summation order differs (blocks of 512 vs pairwise).
    np.testing.assert_allclose(fast.values, slow.values, rtol=1e-12)


def test_grid_kernel_weights_match_the_weighted_plain_loss():
    from losslab._kernels import grid

    rng = np.random.default_rng(3)
    n = 1500  # three blocks, the last one partial
    x, offset, y = rng.standard_normal((3, n))
    w = rng.uniform(0.0, 2.0, n)
    us, vs = np.linspace(-2, 2, 7), np.linspace(-1, 1, 3)  # 7 points: a partial group of 4
    sums = np.zeros((vs.size, us.size))
    huber_definition = losses.definition("huber")
    kernel = grid.kernel(huber_definition, huber_definition)
    kernel(offset, x, np.ones(n), y, w, us, vs, False, (0.5,), sums)
    huber = losses.get("huber", delta=0.5)
    expected = [
        [float(huber(u * x + v + offset, y, weights=w, reduction="sum")) for u in us] for v in vs
    ]
    np.testing.assert_allclose(sums, expected, rtol=1e-12)


def test_custom_loss_and_multiclass_take_the_chunked_path():
    data = datasets.linear(n_samples=40, seed=0)
    mae = losses.get("mae")
    # Named like a catalogue loss, but its value is not the catalogue's: no kernel for it.
    custom = losses.Loss(
        "mae",
        lambda p, t, **kw: mae(p, t, **kw),
        mae.grad,
        mae.hess,
        task="regression",
        y_pred_kind="value",
    )
    s = grid_surface(LinearRegression(1), custom, data.X, data.y, resolution=4)
    assert s.method == "affine"
    multi = datasets.blobs_multiclass(n_samples=30, seed=0)
    model = SoftmaxRegression(multi.n_features, multi.n_classes)
    s = grid_surface(
        model, "cross_entropy", multi.X, multi.y, params=("weight[0, 1]", "bias[2]"), resolution=3
    )
    assert s.method == "batched forward"


def test_kernel_path_keeps_the_plain_path_domain_errors():
    data = datasets.linear(n_samples=40, seed=0)
    y = data.y - data.y.max() - 1.0  # negative counts
    with pytest.raises(ValueError, match="y_true"):
        grid_surface(LinearRegression(1), "poisson_nll", data.X, y, resolution=4)

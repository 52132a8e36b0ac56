"""Filter-normalised directions on both layouts, planes, lines and PCA through a torch objective."""

import copy

import numpy as np
import pytest
from curvature_reference import F, classification, mlp, torch

from losslab.landscape import (
    filter_normalize,
    interpolate,
    pca_plane,
    plane_surface,
    random_direction,
    random_plane,
    unflatten,
)
from losslab.models import MLP
from losslab.torch import Objective


def _li_normalize_torch_layout(direction, weights, ignore):
    """Li et al. (2018), ``normalize_directions_for_weights`` written out for torch tensors.

    For each parameter tensor ``d`` with its weight ``w``: if ``d.dim() <= 1``
    it is zeroed (``ignore="biasbn"``) or, here, rescaled as a whole;
    otherwise, for each filter ``i`` along the first axis (an output neuron of
    ``Linear``'s ``(out, in)``, an output channel of ``Conv2d``'s
    ``(out, in, kh, kw)``), ``d[i] ← d[i] · ‖w[i]‖ / ‖d[i]‖``.
    """
    out = []
    for d, w in zip(direction, weights, strict=True):
        d = d.clone()
        if d.dim() <= 1:
            if ignore == "biasbn":
                d.fill_(0)
            else:
                d.mul_(w.norm() / d.norm())
        else:
            for d_i, w_i in zip(d, w, strict=True):
                d_i.mul_(w_i.norm() / d_i.norm())
        out.append(d)
    return out


def _conv_net():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(2, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.Flatten(),
        torch.nn.Linear(4 * 4 * 4, 3),
    )  # fmt: skip


@pytest.mark.parametrize("ignore", ["biasbn", None])
def test_torch_layout_matches_li_et_al(ignore):
    net = _conv_net()
    d = random_direction(net, seed=3, ignore=ignore)
    # The same Gaussian draw, unnormalised, normalised by the written-out definition.
    raw = random_direction(net, seed=3, normalization="none")
    weights = [p.detach().double() for p in net.parameters()]
    raw_parts, start = [], 0
    for w in weights:
        raw_parts.append(torch.as_tensor(raw[start : start + w.numel()]).reshape(w.shape))
        start += w.numel()
    expected = torch.cat(
        [t.reshape(-1) for t in _li_normalize_torch_layout(raw_parts, weights, ignore)]
    )
    np.testing.assert_allclose(d, expected.numpy(), rtol=1e-12, atol=1e-15)
    parts = np.split(d, np.cumsum([p.numel() for p in net.parameters()])[:-1])
    for part, w in zip(parts, weights, strict=True):
        if w.dim() <= 1 and ignore == "biasbn":
            assert np.all(part == 0.0)
        elif w.dim() <= 1:  # kept, with the parameter's norm (0 for a zero bias)
            assert np.linalg.norm(part) == pytest.approx(float(w.norm()), abs=1e-12)
        else:
            assert np.linalg.norm(part) == pytest.approx(float(w.norm()), rel=1e-12)


def test_torch_objective_and_module_give_the_same_plane():
    net = _conv_net()
    X = torch.randn(10, 2, 6, 6)
    y = torch.randint(0, 3, (10,))
    obj = Objective(net, F.cross_entropy, (X, y))
    np.testing.assert_array_equal(random_plane(obj, seed=1), random_plane(net, seed=1))


def test_losslab_layout_normalises_columns_per_li_et_al():
    model = MLP(3, (4, 5), seed=0)
    raw = random_direction(model, seed=2, normalization="none")
    d = unflatten(model.params, random_direction(model, seed=2))
    raw_parts = unflatten(model.params, raw)
    for name, theta in model.params.items():
        if theta.ndim == 1:
            assert np.all(d[name] == 0.0)
            continue
        # A losslab weight is (fan_in, fan_out): neuron j's filter is the column [:, j].
        for j in range(theta.shape[1]):
            expected = (
                raw_parts[name][:, j]
                * np.linalg.norm(theta[:, j])
                / np.linalg.norm(raw_parts[name][:, j])
            )
            np.testing.assert_allclose(d[name][:, j], expected, rtol=1e-12)


def test_the_same_weights_in_both_layouts_give_transposed_directions():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((3, 5))  # (fan_in, fan_out)
    raw = rng.standard_normal(15)
    losslab_d = filter_normalize({"W": W}, raw).reshape(3, 5)
    torch_d = filter_normalize({"W": W.T}, raw.reshape(3, 5).T.ravel(), filter_axis=0)
    np.testing.assert_allclose(torch_d.reshape(5, 3), losslab_d.T, rtol=1e-12)
    with pytest.raises(ValueError, match="ignore must be"):
        filter_normalize({"W": W}, raw, ignore="bias")


def _loss_at(net, theta, X, y):
    other = copy.deepcopy(net)
    torch.nn.utils.vector_to_parameters(
        torch.as_tensor(theta, dtype=torch.float32), other.parameters()
    )
    with torch.no_grad():
        return float(F.cross_entropy(other.eval()(X), y))


def test_plane_and_line_through_a_torch_objective():
    net = mlp(seed=1)
    X, y = classification(seed=1)
    obj = Objective(net, F.cross_entropy, (X, y))
    directions = random_plane(obj, seed=0)
    surface = plane_surface(
        obj, directions=directions, resolution=(3, 4), ranges=((-1, 1), (-2, 2))
    )
    assert surface.values.shape == (4, 3)
    for j, b in enumerate(surface.y):
        for i, a in enumerate(surface.x):
            theta = obj.theta0 + a * directions[0] + b * directions[1]
            assert surface.values[j, i] == pytest.approx(_loss_at(net, theta, X, y), rel=1e-6)
    line = interpolate(
        obj, theta_a=obj.theta0, theta_b=obj.theta0 + directions[0], t=np.array([0.0, 1.0])
    )
    assert line.values[0] == pytest.approx(_loss_at(net, obj.theta0, X, y), rel=1e-6)
    with pytest.raises(TypeError, match="objective carries its own loss and data"):
        plane_surface(obj, "mse", X, y, directions)


def test_pca_plane_of_a_torch_training_run():
    net = mlp(seed=2)
    X, y = classification(seed=2)
    obj = Objective(net, F.cross_entropy, (X, y))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    trajectory = [obj.flat_parameters(net)]
    for _ in range(15):
        optimizer.zero_grad()
        F.cross_entropy(net(X), y).backward()
        optimizer.step()
        trajectory.append(obj.flat_parameters(net))
    plane = pca_plane(np.array(trajectory))
    surface = plane_surface(obj, directions=plane.directions, center=plane.center, resolution=3)
    # At α = β = 0 the plane is at the last point of the trajectory.
    assert surface.values[1, 1] == pytest.approx(_loss_at(net, trajectory[-1], X, y), rel=1e-6)
    assert surface.values[1, 1] < obj.value(trajectory[0])


def test_train_mode_landscapes_leave_batchnorm_buffers_alone():
    net = _conv_net()
    X = torch.randn(10, 2, 6, 6)
    y = torch.randint(0, 3, (10,))
    before = {k: b.clone() for k, b in net.named_buffers()}
    obj = Objective(net, F.cross_entropy, (X, y), train=True)
    plane_surface(obj, directions=random_plane(obj), resolution=2)
    for k, b in net.named_buffers():
        assert torch.equal(b, before[k]), k

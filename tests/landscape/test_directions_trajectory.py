"""Filter normalisation, PCA of trajectories and the random-walk control."""

import numpy as np
import pytest

from losslab import datasets
from losslab.landscape import (
    Objective,
    filter_normalize,
    hessian_directions,
    pca_plane,
    random_direction,
    random_walk_control,
    train_with_trajectory,
    unflatten,
)
from losslab.models import MLP


def test_filter_normalisation_matches_filter_norms_and_zeroes_biases():
    model = MLP(3, (4, 5), seed=0)
    d = unflatten(model.params, random_direction(model, seed=3))
    for name, theta in model.params.items():
        if theta.ndim == 1:
            assert np.all(d[name] == 0.0)
        else:
            np.testing.assert_allclose(
                np.linalg.norm(d[name], axis=0), np.linalg.norm(theta, axis=0), rtol=1e-12
            )


def test_filter_normalisation_keeps_zero_filters_zero():
    params = {"W": np.array([[0.0, 1.0], [0.0, 1.0]])}
    out = filter_normalize(params, np.ones(4)).reshape(2, 2)
    np.testing.assert_allclose(out, [[0.0, 1.0], [0.0, 1.0]])


def test_random_walk_pca_explains_most_variance():
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.standard_normal((100, 1000)), axis=0)
    # Antognini & Sohl-Dickstein (2018): ~80% mean-centred; centred on the end point, higher.
    assert pca_plane(walk).explained_total > 0.7
    mean, std = random_walk_control(walk, n_walks=5)
    assert mean > 0.7
    assert std < 0.1


def test_trajectory_pca_plane_reconstructs_a_planar_path():
    t = np.linspace(0, 1, 20)[:, None]
    a, b = np.eye(50)[0], np.eye(50)[1]
    path = t * a + t**2 * b
    plane = pca_plane(path)
    assert plane.explained_total == pytest.approx(1.0)
    np.testing.assert_allclose(plane.coords @ plane.directions + plane.center, path, atol=1e-12)


def test_mlp_trajectory_and_hessian_plane():
    data = datasets.xor(n_samples=60, seed=0)
    model = MLP(2, (4,), seed=0)
    _, traj = train_with_trajectory(model, "bce_with_logits", data.X, data.y, lr=0.5, epochs=30)
    assert traj.shape == (31, 17)
    obj = Objective(model, "bce_with_logits", data.X, data.y)
    directions, values = hessian_directions(obj, traj[-1])
    assert values[0] >= values[1]
    np.testing.assert_allclose(np.linalg.norm(directions, axis=1), 1.0, rtol=1e-8)
    # An eigenvector: H v = λ v.
    np.testing.assert_allclose(
        obj.hvp(traj[-1], directions[0]), values[0] * directions[0], atol=1e-6 * abs(values[0])
    )


def test_pca_plane_refuses_a_still_trajectory():
    with pytest.raises(ValueError, match="trajectory does not move"):
        pca_plane(np.ones((5, 3)))

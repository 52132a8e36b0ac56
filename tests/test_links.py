"""The link table (losslab.links): inverses, heads, sweeps and look-ups."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, softmax

from losslab import links, losses

LINKS = list(links.LINKS.values())


def _points_in(link: links.Link) -> np.ndarray:
    """Predictions inside the link's interval, edges included where they are finite."""
    if link.rows:
        rng = np.random.default_rng(0)
        return softmax(rng.normal(scale=3.0, size=(6, 4)), axis=-1)
    if link.name == "log":
        return np.array([1e-300, 1e-8, 0.5, 1.0, 7.0, 1e200])
    if link.name in ("logit", "probability"):
        return np.array([1e-12, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0 - 1e-12])
    return np.array([-1e150, -2.5, 0.0, 3.0, 1e150])


@pytest.mark.parametrize("link", LINKS, ids=lambda link: link.name)
def test_inverse_of_link_is_the_identity(link: links.Link) -> None:
    prediction = _points_in(link)
    np.testing.assert_allclose(link.inverse(link.link(prediction)), prediction, rtol=1e-12)


@pytest.mark.parametrize("link", LINKS, ids=lambda link: link.name)
def test_link_of_inverse_is_the_identity_on_raw_inputs(link: links.Link) -> None:
    if link.name == "probability":
        z = np.array([0.0, 0.2, 0.5, 1.0])
    elif link.rows:
        # log(softmax(z)) is z up to a constant per row: compare centred rows.
        z = np.array([[0.0, 1.0, -2.0], [5.0, 5.0, 5.0]])
        back = link.link(link.inverse(z))
        np.testing.assert_allclose(back - back[:, :1], z - z[:, :1], atol=1e-12)
        return
    else:
        # Not far right: sigmoid(30) rounds to within 1e-16 of 1, and 1 - p has lost z.
        z = np.array([-30.0, -1.5, 0.0, 2.0, 10.0])
    np.testing.assert_allclose(link.link(link.inverse(z)), z, rtol=1e-9, atol=1e-12)


def test_inverse_values() -> None:
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(links.IDENTITY.inverse(z), z)
    np.testing.assert_allclose(links.LOG.inverse(z), np.exp(z))
    np.testing.assert_allclose(links.LOGIT.inverse(z), expit(z), rtol=1e-15)
    np.testing.assert_allclose(links.PROBABILITY.inverse([0.0, 0.3, 1.0]), [0.0, 0.3, 1.0])
    rows = np.array([[0.0, np.log(3.0)], [1e4, -1e4]])
    np.testing.assert_allclose(links.SOFTMAX.inverse(rows), [[0.25, 0.75], [1.0, 0.0]])
    # Integer input is read as float.
    assert links.LOGIT.inverse([0]).tolist() == [0.5]


def test_inverse_keeps_the_array_library() -> None:
    import torch

    z = torch.tensor([[0.0, 1.0], [2.0, -1.0]], dtype=torch.float64)
    out = links.SOFTMAX.inverse(z)
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), softmax(z.numpy(), axis=-1), rtol=1e-14)


def test_head_of_probability_is_the_sigmoid() -> None:
    z = np.linspace(-40.0, 40.0, 161)
    assert links.PROBABILITY.head == "sigmoid"
    np.testing.assert_allclose(links.PROBABILITY.head_forward(z), expit(z), rtol=1e-15)
    for link in LINKS:
        if link is not links.PROBABILITY:
            assert link.head == "identity"
            assert link.head_forward(z) is z


@pytest.mark.parametrize("link", LINKS, ids=lambda link: link.name)
def test_head_backward_is_the_derivative_of_head_forward(link: links.Link) -> None:
    z = np.linspace(-5.0, 5.0, 11)
    h = 1e-5
    grad_out = np.linspace(0.5, 2.0, 11)
    out = link.head_forward(z)
    # Central difference of the head, times the incoming gradient (chain rule).
    numeric = (link.head_forward(z + h) - link.head_forward(z - h)) / (2 * h) * grad_out
    np.testing.assert_allclose(link.head_backward(out, grad_out), numeric, rtol=1e-8)


# kind -> (row width, y_true's shape for 7 points, the column or direction of the axis)
_ROWS_BEYOND_LOGITS = {
    "mean_log_variance": (2, (7,), 0),
    "quantiles": (3, (7,), np.ones(3)),
    "thresholds": (2, (7,), np.ones(2)),
    "scores": (2, (7, 2), 1),
}


@pytest.mark.parametrize("link", LINKS, ids=lambda link: link.name)
def test_sweep_shapes(link: links.Link) -> None:
    x = np.linspace(*link.axis[1], 7)
    y_pred, y_true, column = link.sweep(x)
    if link.kind in _ROWS_BEYOND_LOGITS:
        width, target_shape, direction = _ROWS_BEYOND_LOGITS[link.kind]
        assert y_pred.shape == (7, width)
        assert y_true.shape == target_shape
        np.testing.assert_array_equal(column, direction)
        # Moving x by h moves the row by h along the direction (or the column).
        moved = link.sweep(x + 0.5)[0] - y_pred
        step = np.eye(width)[column] if np.isscalar(column) else np.asarray(column)
        np.testing.assert_allclose(moved, np.tile(0.5 * step, (7, 1)))
    elif link.rows:
        assert y_pred.shape == (7, 2)
        assert y_true.shape == (7, 2)
        assert column == 1
        np.testing.assert_array_equal(y_pred[:, 1] - y_pred[:, 0], x)
        np.testing.assert_array_equal(y_true, np.tile([0.0, 1.0], (7, 1)))
    else:
        assert y_pred.shape == y_true.shape == (7,)
        assert column == 0
    label, (low, high) = link.axis
    assert label
    assert low < high
    assert link.interval[0] <= low
    assert high <= link.interval[1]


def test_sweep_conventions() -> None:
    x = np.array([-1.0, 0.5])
    y_pred, y_true, _ = links.IDENTITY.sweep(x)
    np.testing.assert_array_equal(y_pred - y_true, x)
    np.testing.assert_array_equal(y_true, 0.0)
    y_pred, y_true, _ = links.IDENTITY.sweep(x, target=10.0)
    np.testing.assert_array_equal(y_pred, [9.0, 10.5])
    for link in (links.LOGIT, links.LOG, links.PROBABILITY):
        y_pred, y_true, _ = link.sweep(x)
        np.testing.assert_array_equal(y_pred, x)
        np.testing.assert_array_equal(y_true, 1.0)
    _, y_true, _ = links.LOGIT.sweep(x, target=0.0)
    np.testing.assert_array_equal(y_true, 0.0)
    _, y_true, _ = links.SOFTMAX.sweep(x, target=0.25)
    np.testing.assert_array_equal(y_true, [[0.75, 0.25], [0.75, 0.25]])
    with pytest.raises(ValueError, match=r"target must be the probability of class 1.*1\.5"):
        links.SOFTMAX.sweep(x, target=1.5)


@pytest.mark.parametrize("name", losses.available())
def test_every_catalogue_loss_reads_its_sweep(name: str) -> None:
    loss = losses.get(name)
    link = loss.link
    y_pred, y_true, column = link.sweep(np.linspace(*link.axis[1], 5))
    if issubclass(loss.definition, losses.Whole):
        # A loss of the whole batch has no per-example values: one point, one batch.
        points = [(y_pred[i : i + 1], y_true[i : i + 1]) for i in range(5)]
        value = np.array([float(loss(p, t)) for p, t in points])
        grad = np.concatenate([loss.grad(p, t) for p, t in points])
    else:
        value = loss(y_pred, y_true, reduction="none")
        grad = loss.grad(y_pred, y_true, reduction="none")
    assert value.shape == (5,)
    assert np.all(np.isfinite(value))
    if link.rows:
        grad = grad[:, column] if np.isscalar(column) else grad @ column
    assert np.all(np.isfinite(grad))


def test_get_and_for_kind() -> None:
    for link in LINKS:
        assert links.get(link.name) is link
        assert links.for_kind(link.kind) is link
    assert links.for_kind("logits") is links.SOFTMAX
    assert {link.kind for link in LINKS} == {
        "value",
        "log_rate",
        "logit",
        "logits",
        "probability",
        "mean_log_variance",
        "quantiles",
        "thresholds",
        "scores",
    }


def test_get_and_for_kind_errors_name_the_argument() -> None:
    with pytest.raises(ValueError, match=r"unknown link name 'sigmoid'; known: identity, log,"):
        links.get("sigmoid")
    with pytest.raises(ValueError, match=r"unknown y_pred_kind 'odds'; known: value, log_rate,"):
        links.for_kind("odds")


def test_every_loss_names_a_link_of_the_table() -> None:
    for name in losses.available():
        loss = losses.get(name)
        assert links.get(loss.link.name) is loss.link
        assert loss.y_pred_kind == loss.link.kind


def test_head_inverse_undoes_the_head() -> None:
    # (Past z = 10 the rounding of sigmoid(z) near 1 limits any inverse, not the formula.)
    z = np.array([-30.0, -1.0, 0.0, 2.5, 10.0])
    for link in LINKS:
        np.testing.assert_allclose(link.head_inverse(link.head_forward(z)), z, rtol=1e-9)
    assert links.PROBABILITY.head_inverse([0.0, 1.0]).tolist() == [-np.inf, np.inf]

"""The explorer's curves follow the links' one convention, the one loss_curves draws."""

from __future__ import annotations

import numpy as np
import pytest

from losslab import losses
from losslab.experiments import loss_curves

NUM = 41


def _curve(client, body: dict) -> dict:
    response = client.post("/api/losses/evaluate", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _curve_error(client, body: dict) -> dict:
    response = client.post("/api/losses/evaluate", json=body)
    assert response.status_code == 422
    return response.json()


def _array(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@pytest.mark.parametrize("name", losses.available())
def test_explorer_draws_what_loss_curves_draws(client, name: str) -> None:
    link = losses.get(name).link
    label, (low, high) = link.axis
    # The target loss_curves holds fixed: the last entry of the link's default target.
    target = float(np.ravel(link.sweep([0.0])[1])[-1])
    body = {"loss": name, "x_min": low, "x_max": high, "num": NUM, "y_true": target}
    curve = _curve(client, body)
    frame = loss_curves([name], n_points=NUM)
    # The API rounds to 6 decimals (web.jobs.finite).
    np.testing.assert_allclose(curve["x"], frame["x"], rtol=0, atol=5e-7)
    np.testing.assert_allclose(_array(curve["value"]), frame["value"], rtol=0, atol=5e-7)
    np.testing.assert_allclose(_array(curve["grad"]), frame["derivative"], rtol=0, atol=5e-7)
    assert curve["x_label"] == label == frame["axis"].iloc[0]


def test_rows_of_logits_read_y_true_as_the_probability_of_class_1(client) -> None:
    body = {"loss": "cross_entropy", "x_min": -3, "x_max": 3, "num": 7}
    true_class_1 = _curve(client, {**body, "y_true": 1.0})
    true_class_0 = _curve(client, {**body, "y_true": 0.0})
    x = np.linspace(-3.0, 3.0, 7)
    # Logits (0, x): class 1's probability is sigmoid(x); -log of it is softplus(-x).
    np.testing.assert_allclose(true_class_1["value"], np.logaddexp(0.0, -x), atol=5e-7)
    np.testing.assert_allclose(true_class_0["value"], np.logaddexp(0.0, x), atol=5e-7)
    assert true_class_1["x_label"] == "margin z₁ − z₀"
    response = _curve_error(client, {**body, "y_true": 1.5})
    assert response["detail"] == [
        {"loc": ["body", "y_true"], "msg": "the probability of class 1 must be in [0, 1], got 1.5",
         "type": "value_error"}
    ]  # fmt: skip


def test_a_probability_range_is_kept_inside_the_interval(client) -> None:
    curve = _curve(client, {"loss": "bce", "x_min": -1, "x_max": 0.5, "num": 3})
    assert curve["x"] == [0.0, 0.25, 0.5]
    detail = _curve_error(client, {"loss": "bce", "x_min": 2, "x_max": 3})["detail"]
    assert detail[0]["loc"] == ["body", "x_min"]
    assert "overlap [0, 1]" in detail[0]["msg"]

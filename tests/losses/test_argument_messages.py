"""Bad arguments users hit get messages that name the argument (issue 15, point 6)."""

from __future__ import annotations

import numpy as np
import pytest
from tests.losses.conftest import require

from losslab import losses


@pytest.mark.parametrize("name", ["cross_entropy", "mse"])
@pytest.mark.parametrize("full", ["yes", 1, None])
def test_hess_full_must_be_a_bool(name, full) -> None:
    loss = losses.get(name)
    y_pred, y_true = (
        (np.zeros((3, 2)), np.array([0, 1, 1])) if name != "mse" else (np.zeros(3), np.zeros(3))
    )
    with pytest.raises(TypeError, match=f"full must be True or False, got {full!r}"):
        loss.hess(y_pred, y_true, full=full)
    assert loss.hess(y_pred, y_true, full=np.bool_(False)).shape == y_pred.shape


@pytest.mark.parametrize("bad", ["abc", "1,2", {"a": 1}, [[1.0, 2.0]], [1.0, -1.0]])
def test_class_weights_are_named(bad) -> None:
    with pytest.raises(ValueError, match="class_weights must be"):
        losses.get("cross_entropy", class_weights=bad)
    with pytest.raises(ValueError, match="class_weights must be"):
        losses.cross_entropy(np.zeros((2, 2)), np.array([0, 1]), class_weights=bad)
    assert losses.get("cross_entropy", class_weights=[1, 2]).params["class_weights"] == (1.0, 2.0)


def test_arrays_of_two_libraries_name_the_arguments() -> None:
    torch = require("torch")
    mse, ce = losses.get("mse"), losses.get("cross_entropy")
    with pytest.raises(TypeError, match=r"y_pred is a torch\.Tensor, y_true is a numpy\.ndarray"):
        mse(torch.zeros(3), np.zeros(3))
    with pytest.raises(TypeError, match=r"convert y_true to the library of y_pred"):
        mse.grad(torch.zeros(3), np.zeros(3))
    with pytest.raises(TypeError, match=r"^y_pred and y_true must be arrays of one library"):
        ce(torch.zeros(3, 2), np.array([0, 1, 1]))
    with pytest.raises(TypeError, match=r"y_pred is a numpy\.ndarray, y_true is a torch\.Tensor"):
        mse.hess(np.zeros(3), torch.zeros(3))
    with pytest.raises(TypeError, match=r"y_pred and weights must be arrays of one library"):
        mse(torch.zeros(3), torch.zeros(3), weights=np.ones(3))
    with pytest.raises(TypeError, match=r"y_pred and v must be arrays of one library"):
        ce.hvp(torch.zeros(3, 2), torch.tensor([0, 1, 1]), np.zeros((3, 2)))
    # Lists and numbers go with any library.
    assert float(mse(torch.zeros(3), [0.0, 0.0, 3.0])) == pytest.approx(3.0)

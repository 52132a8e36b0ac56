"""Custom losses in torch: expression losses and ``custom.torch_loss`` differentiate twice.

References: the same formula written in torch and differentiated by autograd
(smooth inputs, away from the kinks), SymPy's Hessian as the loss states it,
and the loss's own ``hvp``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import losslab.torch as lt
from losslab import custom


def _mlp_hvp(loss_fn, x, y, v_seed=0):
    """A Hessian-vector product of a small MLP's loss with respect to all its weights."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 8, dtype=torch.float64),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 1, dtype=torch.float64),
    )
    params = list(model.parameters())
    loss = loss_fn(model(x)[:, 0], y)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    generator = torch.Generator().manual_seed(v_seed)
    vs = [torch.randn(p.shape, dtype=torch.float64, generator=generator) for p in params]
    hv = torch.autograd.grad(sum((g * v).sum() for g, v in zip(grads, vs, strict=True)), params)
    return torch.cat([h.reshape(-1) for h in hv])


@pytest.mark.parametrize(
    ("loss", "formula"),
    [
        ("bce_with_logits", torch.nn.functional.binary_cross_entropy_with_logits),
        ("huber", lambda p, t: torch.nn.functional.huber_loss(p, t)),
        (
            custom.expression_loss("log(cosh(y_pred - y_true)) + 0.5*(y_pred - y_true)**2"),
            lambda p, t: torch.mean(torch.log(torch.cosh(p - t)) + 0.5 * (p - t) ** 2),
        ),
    ],
    ids=["bce_with_logits", "huber", "expression"],
)
def test_torch_loss_keeps_the_curvature_through_a_model(loss, formula) -> None:
    # The failure: a once-differentiable adapter dropped the loss's own curvature
    # from Hessian-vector products through a model.
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.normal(size=(40, 3)))
    if loss == "bce_with_logits":
        y = torch.tensor(rng.integers(0, 2, 40).astype(float))
    else:
        y = torch.tensor(rng.normal(size=40))
    ours = _mlp_hvp(custom.torch_loss(loss), x, y)
    reference = _mlp_hvp(formula, x, y)
    torch.testing.assert_close(ours, reference, rtol=1e-10, atol=1e-12)


def test_expression_loss_on_tensors_differentiates_twice() -> None:
    loss = custom.expression_loss(
        "where(y_true > y_pred, k*(y_true - y_pred)**2, softplus(y_pred - y_true))", k=3.0
    )
    rng = np.random.default_rng(2)
    y_pred, y_true = rng.normal(size=12), rng.normal(size=12)
    z = torch.tensor(y_pred, requires_grad=True)
    value = loss(z, torch.tensor(y_true), reduction="sum")
    assert value.requires_grad
    np.testing.assert_allclose(value.item(), float(loss(y_pred, y_true, reduction="sum")))
    (g,) = torch.autograd.grad(value, z, create_graph=True)
    np.testing.assert_allclose(
        g.detach().numpy(), loss.grad(y_pred, y_true, reduction="sum"), rtol=1e-13
    )
    (h,) = torch.autograd.grad(g.sum(), z)
    np.testing.assert_allclose(h.numpy(), loss.hess(y_pred, y_true, reduction="sum"), rtol=1e-13)
    # float32 in, float32 out.
    z32 = torch.tensor(y_pred, dtype=torch.float32, requires_grad=True)
    assert loss(z32, torch.tensor(y_true, dtype=torch.float32)).dtype == torch.float32


def test_expression_loss_refuses_undefined_values() -> None:
    loss = custom.expression_loss("log(y_pred) - y_true")
    with pytest.raises(ValueError, match="undefined"):
        loss(torch.tensor([-1.0, 1.0]), torch.zeros(2))


def test_custom_rows_loss_is_exact_twice_and_refuses_a_third_derivative() -> None:
    loss = custom.expected_cost_softmax([[0.0, 1.0, 4.0], [2.0, 0.0, 1.0], [1.0, 3.0, 0.0]])
    rng = np.random.default_rng(3)
    y_pred, y_true = rng.normal(size=(5, 3)), rng.integers(0, 3, 5)
    f = lt.loss(loss)
    z = torch.tensor(y_pred, requires_grad=True)
    value = f(z, torch.tensor(y_true))
    np.testing.assert_allclose(value.item(), float(loss(y_pred, y_true)), rtol=1e-13)
    (g,) = torch.autograd.grad(value, z, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), loss.grad(y_pred, y_true), rtol=1e-12)
    v = rng.normal(size=(5, 3))
    (hv,) = torch.autograd.grad(g, z, torch.tensor(v), retain_graph=True)
    np.testing.assert_allclose(hv.numpy(), loss.hvp(y_pred, y_true, v), rtol=1e-11, atol=1e-14)
    # A graph of the Hessian-vector product would need the third derivative: refused, not 0.
    with pytest.raises(RuntimeError, match="third derivative is not available"):
        torch.autograd.grad(g, z, torch.tensor(v), create_graph=True)

"""Values, gradients and Hessians against PyTorch, float64, every reduction, with weights.

Reference values come from ``torch.nn.functional`` (or, where PyTorch has no such loss,
the published formula written in torch: torchvision's ``sigmoid_focal_loss``, the hinge
as a clamp, Barron's rho and its named members, Tukey's biweight, scikit-learn's
Tweedie and Gamma losses, Keras' MSLE); gradients from ``torch.autograd``; Hessians from
``torch.autograd.functional.hessian``. PyTorch has no sample weights, so the weighted
reference is built from its ``reduction="none"``: sum(w l) / normalizer for "mean".
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import losslab.losses as losses

REDUCTIONS = ("mean", "sum", "none")


@pytest.fixture(scope="module")
def torch(require):
    torch = require("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(previous)  # do not leak float64 into other test modules


def _t(torch, x):
    x = np.asarray(x)
    return torch.tensor(x, dtype=torch.float64 if x.dtype.kind == "f" else torch.int64)


def torch_per_example(torch, case, z, y):
    """The unweighted, unreduced per-example loss of ``case`` written with torch."""
    F = torch.nn.functional
    p = case.params
    name = case.name
    if name in ("mse", "mse_probability"):
        return F.mse_loss(z, y, reduction="none")
    if name == "mae":
        return F.l1_loss(z, y, reduction="none")
    if name == "huber":
        return F.huber_loss(z, y, delta=p["delta"], reduction="none")
    if name == "pseudo_huber":
        d = p["delta"]
        return d * d * (torch.sqrt(1 + ((z - y) / d) ** 2) - 1)
    if name == "log_cosh":
        return torch.log(torch.cosh(z - y))
    if name == "quantile":
        r = z - y
        return torch.maximum((1 - p["q"]) * r, -p["q"] * r)
    if name == "expectile":
        r = z - y
        return torch.where(r < 0, p["tau"], 1 - p["tau"]) * r**2
    if name == "barron":
        # Barron (CVPR 2019), eq. 1 and its limits.
        a, c = p["alpha"], p["scale"]
        x2 = ((z - y) / c) ** 2
        if a == 2:
            return 0.5 * x2
        if a == 0:
            return torch.log(0.5 * x2 + 1)
        if a == -math.inf:
            return 1 - torch.exp(-0.5 * x2)
        k = abs(a - 2)
        return k / a * ((x2 / k + 1) ** (a / 2) - 1)
    if name == "poisson_nll":
        return F.poisson_nll_loss(z, y, log_input=True, full=False, reduction="none")
    if name == "tweedie":
        # scikit-learn's HalfTweedieLoss: mu^(2-p)/(2-p) - y mu^(1-p)/(1-p), mu = e^z.
        pw = p["power"]
        return torch.exp((2 - pw) * z) / (2 - pw) - y * torch.exp((1 - pw) * z) / (1 - pw)
    if name == "gamma_nll":
        return z + y * torch.exp(-z)  # scikit-learn's HalfGammaLoss
    if name == "msle":
        # Keras' MeanSquaredLogarithmicError, clipping predictions at 0.
        return (torch.log1p(torch.clamp(z, min=0.0)) - torch.log1p(y)) ** 2
    if name in ("cauchy", "welsch", "geman_mcclure", "charbonnier"):
        # Barron's rho at alpha 0, -inf, -2 and 1, in the textbook forms.
        x2 = ((z - y) / p["scale"]) ** 2
        if name == "cauchy":
            return torch.log(0.5 * x2 + 1)
        if name == "welsch":
            return 1 - torch.exp(-0.5 * x2)
        if name == "geman_mcclure":
            return 2 * x2 / (x2 + 4)
        return torch.sqrt(x2 + 1) - 1
    if name == "tukey":
        c = p["c"]
        s = ((z - y) / c) ** 2
        return torch.where(s <= 1, c * c / 6 * (1 - (1 - s) ** 3), c * c / 6 * torch.ones_like(s))
    if name == "epsilon_insensitive":
        return torch.clamp(torch.abs(z - y) - p["epsilon"], min=0.0)
    if name == "bce":
        return F.binary_cross_entropy(z, y, reduction="none")
    if name == "bce_with_logits":
        pw = torch.tensor(p["pos_weight"])
        return F.binary_cross_entropy_with_logits(z, y, pos_weight=pw, reduction="none")
    if name == "cross_entropy":
        return F.cross_entropy(z, y, reduction="none", **_ce_kwargs(torch, case, y))
    if name == "kl_div":
        return F.kl_div(F.log_softmax(z, dim=-1), y, reduction="none").sum(-1)
    if name == "focal":
        # torchvision.ops.sigmoid_focal_loss, with alpha=None meaning no alpha weighting.
        prob = torch.sigmoid(z)
        ce = F.binary_cross_entropy_with_logits(z, y, reduction="none")
        p_t = prob * y + (1 - prob) * (1 - y)
        loss = ce * (1 - p_t) ** p["gamma"]
        alpha = p.get("alpha")
        if alpha is not None:
            loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
        return loss
    if name in ("hinge", "squared_hinge"):
        s = torch.where(y == 0, -torch.ones_like(y), y)
        slack = torch.clamp(1 - s * z, min=0)
        return slack if name == "hinge" else slack**2
    if name == "gaussian_nll":
        # torch clamps the variance below at eps; the samples' variances are far above it.
        var = torch.exp(z[..., 1])
        return F.gaussian_nll_loss(z[..., 0], y, var, full=False, eps=1e-300, reduction="none")
    if name == "multi_quantile":
        r = z - y[..., None]
        q = torch.tensor(p["qs"])
        return torch.maximum((1 - q) * r, -q * r).sum(-1)
    if name == "coral":
        above = (y[..., None] > torch.arange(z.shape[-1])).to(z.dtype)
        return F.binary_cross_entropy_with_logits(z, above, reduction="none").sum(-1)
    if name == "pairwise_logistic":
        pairs = (y[..., :, None] > y[..., None, :]).to(z.dtype)
        return (pairs * F.softplus(-(z[..., :, None] - z[..., None, :]))).sum((-2, -1))
    if name == "softmax_ranking":
        return -(y * F.log_softmax(z, dim=-1)).sum(-1)
    if name in ("exponential", "modified_huber"):
        margin = torch.where(y == 0, -torch.ones_like(y), y) * z
        if name == "exponential":
            return torch.exp(-margin)
        # scikit-learn's SGD ModifiedHuber: squared hinge from margin -1 up, -4 m below.
        return torch.where(margin >= -1, torch.clamp(1 - margin, min=0) ** 2, -4 * margin)
    if name in ("poly1", "softmax_focal", "brier", "multi_margin", "sparsemax"):
        return _torch_rows(torch, case, z, y)
    raise AssertionError(f"no torch reference for {name}")


def _torch_rows(torch, case, z, y):
    """The row losses, written from their papers in torch, on probability rows t.

    Labels become one-hot rows: each loss is linear in t, the expectation over the label.
    """
    F = torch.nn.functional
    p, name, k = case.params, case.name, z.shape[-1]
    t = F.one_hot(y, k).to(z.dtype) if y.dtype == torch.int64 else y
    prob, log_p = torch.softmax(z, dim=-1), torch.log_softmax(z, dim=-1)
    if name == "poly1":  # Leng et al. 2022, eq. 3: CE + epsilon (1 - p_t)
        return -(t * log_p).sum(-1) + p.get("epsilon", 1.0) * (t * (1 - prob)).sum(-1)
    if name == "softmax_focal":  # Lin et al. 2017 over the classes
        return -(t * (1 - prob) ** p.get("gamma", 2.0) * log_p).sum(-1)
    if name == "brier":
        return ((prob - t) ** 2).sum(-1)
    if name == "multi_margin":  # torch's multi_margin_loss, with a double backward
        slack = p.get("margin", 1.0) - z[..., :, None] + z[..., None, :]
        pairs = torch.clamp(slack, min=0) ** p.get("p", 1) * (1 - torch.eye(k))
        return (t[..., :, None] * pairs).sum((-1, -2)) / k
    # sparsemax (Martins and Astudillo 2016): -t.z + (1/2) sum_S (z_j² - tau²) + (1/2)||t||²
    ranked, _ = torch.sort(z, dim=-1, descending=True)
    steps = torch.arange(1, k + 1, dtype=z.dtype)
    cumulative = ranked.cumsum(-1)
    size = (1 + steps * ranked > cumulative).sum(-1, keepdim=True)
    tau = (cumulative.gather(-1, size - 1) - 1) / size
    support = (z > tau).to(z.dtype)
    quadratic = (support * (z**2 - tau**2)).sum(-1)
    return -(t * z).sum(-1) + 0.5 * quadratic + 0.5 * (t * t).sum(-1)


def _ce_kwargs(torch, case, y):
    p = case.params
    kwargs = {
        "label_smoothing": p.get("label_smoothing", 0.0),
        "ignore_index": p.get("ignore_index", -100),
    }
    if p.get("class_weights") is not None:
        kwargs["weight"] = torch.tensor(p["class_weights"])
    return kwargs


def torch_reduced(torch, case, z, y, weights, reduction, y_true_np):
    per = torch_per_example(torch, case, z, y)
    if weights is not None:
        per = per * weights
    if reduction == "none":
        return per
    if reduction == "sum":
        return per.sum()
    w = None if weights is None else weights.detach().numpy()
    return per.sum() / case.mean_normalizer(y_true_np, w)


def _inputs(torch, case, y_pred, y_true):
    z = _t(torch, y_pred).requires_grad_(True)
    return z, _t(torch, y_true)


def test_unweighted_reductions_match_torch_natively(case, rng, torch):
    # Where PyTorch reduces itself, compare with its own "mean"/"sum" (not our rebuild).
    y_pred, y_true = case.sample(rng)
    loss = case.loss
    for reduction in REDUCTIONS:
        z, y = _inputs(torch, case, y_pred, y_true)
        native = _native(torch, case, z, y, reduction)
        if native is None:
            native = torch_reduced(torch, case, z, y, None, reduction, y_true)
        (native.sum()).backward()
        np.testing.assert_allclose(
            loss(y_pred, y_true, reduction=reduction),
            native.detach().numpy(),
            rtol=1e-12,
            atol=1e-14,
        )
        np.testing.assert_allclose(
            loss.grad(y_pred, y_true, reduction=reduction), z.grad.numpy(), rtol=1e-10, atol=1e-14
        )


def _native(torch, case, z, y, reduction):
    """PyTorch's own reduction where it has the loss, else None."""
    F = torch.nn.functional
    p = case.params
    name = case.name
    if name in ("mse", "mse_probability"):
        return F.mse_loss(z, y, reduction=reduction)
    if name == "mae":
        return F.l1_loss(z, y, reduction=reduction)
    if name == "huber":
        return F.huber_loss(z, y, delta=p["delta"], reduction=reduction)
    if name == "poisson_nll":
        return F.poisson_nll_loss(z, y, log_input=True, full=False, reduction=reduction)
    if name == "bce":
        return F.binary_cross_entropy(z, y, reduction=reduction)
    if name == "bce_with_logits":
        pw = torch.tensor(p["pos_weight"])
        return F.binary_cross_entropy_with_logits(z, y, pos_weight=pw, reduction=reduction)
    if name == "cross_entropy":
        return F.cross_entropy(z, y, reduction=reduction, **_ce_kwargs(torch, case, y))
    if name == "multi_margin" and y.dtype == torch.int64:
        return F.multi_margin_loss(
            z, y, p=p.get("p", 1), margin=p.get("margin", 1.0), reduction=reduction
        )
    if name == "kl_div":
        log_p = F.log_softmax(z, dim=-1)
        if reduction == "mean":
            return F.kl_div(log_p, y, reduction="batchmean")
        if reduction == "sum":
            return F.kl_div(log_p, y, reduction="sum")
        return F.kl_div(log_p, y, reduction="none").sum(-1)
    if name == "gaussian_nll":
        var = torch.exp(z[..., 1])
        return F.gaussian_nll_loss(z[..., 0], y, var, full=False, eps=1e-300, reduction=reduction)
    return None


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_value_and_grad_match_torch(case, rng, torch, reduction):
    y_pred, y_true = case.sample(rng)
    w = rng.uniform(0.2, 3.0, case.example_shape(y_pred))
    z, y = _inputs(torch, case, y_pred, y_true)
    ref = torch_reduced(torch, case, z, y, _t(torch, w), reduction, y_true)
    ref.sum().backward()
    loss = case.loss
    np.testing.assert_allclose(
        loss(y_pred, y_true, weights=w, reduction=reduction),
        ref.detach().numpy(),
        rtol=1e-12,
        atol=1e-14,
    )
    np.testing.assert_allclose(
        loss.grad(y_pred, y_true, weights=w, reduction=reduction),
        z.grad.numpy(),
        rtol=1e-10,
        atol=1e-14,
    )


def test_broadcast_weights_match_torch(case, rng, torch):
    # A (3, 1) weight column broadcasts over a (3, 4) batch of examples.
    y_pred, y_true = case.sample(rng, (3, 4))
    w = rng.uniform(0.2, 3.0, (3, 1))
    z, y = _inputs(torch, case, y_pred, y_true)
    if case.rows:  # torch's cross_entropy wants the class axis second
        per = torch.stack([torch_per_example(torch, case, z[i], y[i]) for i in range(3)])
    else:
        per = torch_per_example(torch, case, z, y)
    w_full = np.broadcast_to(w, (3, 4))
    ref = (per * _t(torch, w_full)).sum() / case.mean_normalizer(y_true, w_full)
    ref.backward()
    np.testing.assert_allclose(case.loss(y_pred, y_true, weights=w), ref.item(), rtol=1e-12)
    np.testing.assert_allclose(
        case.loss.grad(y_pred, y_true, weights=w), z.grad.numpy(), rtol=1e-10, atol=1e-14
    )


@pytest.mark.parametrize("beta", [0.2, 1.0, 3.0])
def test_smooth_l1_is_huber_over_beta(rng, torch, beta):
    import losslab.losses as losses

    y_true = rng.normal(0, 2, 9)
    y_pred = y_true + rng.normal(0, 2, 9)
    for reduction in REDUCTIONS:
        z = _t(torch, y_pred).requires_grad_(True)
        ref = torch.nn.functional.smooth_l1_loss(
            z, _t(torch, y_true), beta=beta, reduction=reduction
        )
        ref.sum().backward()
        ours = losses.huber(y_pred, y_true, delta=beta, reduction=reduction) / beta
        np.testing.assert_allclose(ours, ref.detach().numpy(), rtol=1e-12)
        grad = losses.huber_grad(y_pred, y_true, delta=beta, reduction=reduction) / beta
        np.testing.assert_allclose(grad, z.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hessian_diagonal_matches_torch(case, rng, torch, reduction):
    y_pred, y_true = case.smooth_sample(rng, (3,))
    w = rng.uniform(0.5, 2.0, case.example_shape(y_pred))
    y = _t(torch, y_true)
    wt = _t(torch, w)

    def total(z):
        return torch_reduced(torch, case, z, y, wt, reduction, y_true).sum()

    full = torch.autograd.functional.hessian(total, _t(torch, y_pred)).numpy()
    n = y_pred.size
    full = full.reshape(n, n)
    ours = case.loss.hess(y_pred, y_true, weights=w, reduction=reduction)
    np.testing.assert_allclose(ours.reshape(n), np.diagonal(full), rtol=1e-9, atol=1e-12)
    if not case.rows:
        # Elementwise losses: the Hessian is diagonal.
        np.testing.assert_allclose(full - np.diag(np.diagonal(full)), 0.0, atol=1e-12)


@pytest.mark.loss_cases(
    "cross_entropy",
    "kl_div",
    "gaussian_nll",
    "multi_quantile",
    "coral",
    "pairwise_logistic",
    "softmax_ranking",
    "poly1",
    "softmax_focal",
    "brier",
    "multi_margin",
    "sparsemax",
)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_full_hessian_blocks_match_torch(case, rng, torch, reduction):
    y_pred, y_true = case.sample(rng, (3,))
    w = rng.uniform(0.5, 2.0, 3)
    y = _t(torch, y_true)

    def total(z):
        return torch_reduced(torch, case, z, y, _t(torch, w), reduction, y_true).sum()

    n, k = y_pred.shape
    full = torch.autograd.functional.hessian(total, _t(torch, y_pred)).numpy()
    blocks = np.stack([full[i, :, i, :] for i in range(n)])
    ours = case.loss.hess(y_pred, y_true, weights=w, reduction=reduction, full=True)
    assert ours.shape == (n, k, k)
    np.testing.assert_allclose(ours, blocks, rtol=1e-9, atol=1e-12)
    # Rows do not interact: every off-diagonal block is zero.
    for i in range(n):
        for j in range(n):
            if i != j:
                np.testing.assert_allclose(full[i, :, j, :], 0.0, atol=1e-14)


def test_kl_div_log_target_matches_torch(rng, torch):
    z = rng.normal(0.0, 2.0, (5, 4))
    t = rng.dirichlet(np.ones(4), 5)
    log_t = np.log(t)
    zt = _t(torch, z).requires_grad_(True)
    expected = torch.nn.functional.kl_div(
        torch.log_softmax(zt, -1), _t(torch, log_t), log_target=True, reduction="batchmean"
    )
    (grad,) = torch.autograd.grad(expected, zt)
    loss = losses.get("kl_div", log_target=True)
    np.testing.assert_allclose(float(loss(z, log_t)), expected.item(), rtol=1e-12)
    np.testing.assert_allclose(loss.grad(z, log_t), grad.numpy(), rtol=1e-10, atol=1e-15)
    # A zero probability is log 0 = -inf, where torch returns NaN: here the row's KL is finite.
    t[0] = [0.5, 0.5, 0.0, 0.0]
    with np.errstate(divide="ignore"):
        log_t = np.log(t)
    np.testing.assert_allclose(float(loss(z, log_t)), float(losses.kl_div(z, t)), rtol=1e-14)
    with pytest.raises(ValueError, match=r"log-probabilities \(<= 0\) with log_target=True"):
        loss(z, t + 0.5)

"""Values, gradients and Hessians against scikit-learn, float64, with sample weights.

Reference values come from ``sklearn.metrics`` (weighted means over samples) and from
the private ``sklearn._loss.loss`` classes, which give per-sample loss, gradient and
Hessian (``gradient_hessian``) multiplied by ``sample_weight``. Conversions follow the
docstrings: HalfSquaredError = mse / 2, HalfBinomialLoss = bce_with_logits,
HalfMultinomialLoss = cross_entropy, HalfPoissonLoss = poisson_nll, HalfTweedieLoss = tweedie,
HalfGammaLoss = gamma_nll.
"""

from __future__ import annotations

import numpy as np
import pytest

import losslab.losses as losses


@pytest.fixture(scope="module")
def metrics(require):
    return require("sklearn.metrics")


@pytest.fixture(scope="module")
def skloss(require):
    return require("sklearn._loss.loss")


@pytest.fixture
def data(rng):
    y_true = rng.normal(0, 2, 40)
    return y_true + rng.normal(0, 2, 40), y_true, rng.uniform(0.1, 3.0, 40)


@pytest.mark.parametrize("weighted", [False, True])
def test_regression_metrics(metrics, data, weighted):
    y_pred, y_true, w = data
    w = w if weighted else None
    # sklearn.metrics take (y_true, y_pred): the opposite order.
    np.testing.assert_allclose(
        losses.mse(y_pred, y_true, weights=w),
        metrics.mean_squared_error(y_true, y_pred, sample_weight=w),
        rtol=1e-13,
    )
    np.testing.assert_allclose(
        losses.mae(y_pred, y_true, weights=w),
        metrics.mean_absolute_error(y_true, y_pred, sample_weight=w),
        rtol=1e-13,
    )
    for q in (0.1, 0.5, 0.9):
        np.testing.assert_allclose(
            losses.quantile(y_pred, y_true, q=q, weights=w),
            metrics.mean_pinball_loss(y_true, y_pred, alpha=q, sample_weight=w),
            rtol=1e-13,
        )


@pytest.mark.parametrize("weighted", [False, True])
def test_poisson_deviance(metrics, rng, weighted):
    # mean_poisson_deviance / 2 = mean(poisson_nll) + mean(y log y - y), with 0 log 0 = 0.
    z = rng.uniform(-2, 2, 50)
    y = rng.poisson(2.0, 50).astype(float)
    w = rng.uniform(0.1, 3.0, 50) if weighted else None
    ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0)), 0.0)
    constant = np.average(ylogy - y, weights=w)
    ref = 0.5 * metrics.mean_poisson_deviance(y, np.exp(z), sample_weight=w)
    np.testing.assert_allclose(losses.poisson_nll(z, y, weights=w) + constant, ref, rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_log_loss_binary(metrics, rng, weighted):
    p = rng.uniform(0.05, 0.95, 40)
    y = rng.integers(0, 2, 40).astype(float)
    w = rng.uniform(0.1, 3.0, 40) if weighted else None
    ref = metrics.log_loss(y, p, sample_weight=w, labels=[0, 1])
    np.testing.assert_allclose(losses.bce(p, y, weights=w), ref, rtol=1e-13)
    # Through the logit link the same number: bce(sigmoid(z)) = bce_with_logits(z).
    z = np.log(p) - np.log1p(-p)
    np.testing.assert_allclose(losses.bce_with_logits(z, y, weights=w), ref, rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_log_loss_multiclass(metrics, rng, weighted):
    z = rng.normal(0, 2, (30, 4))
    y = rng.integers(0, 4, 30)
    y[:4] = [0, 1, 2, 3]
    w = rng.uniform(0.1, 3.0, 30) if weighted else None
    probs = np.exp(z - z.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    ref = metrics.log_loss(y, probs, sample_weight=w, labels=[0, 1, 2, 3])
    np.testing.assert_allclose(losses.cross_entropy(z, y, weights=w), ref, rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("labels", ["01", "pm1"])
def test_hinge_loss(metrics, rng, weighted, labels):
    z = rng.normal(0, 2, 40)
    y = rng.integers(0, 2, 40)
    if labels == "pm1":
        y = 2 * y - 1
    w = rng.uniform(0.1, 3.0, 40) if weighted else None
    ref = metrics.hinge_loss(y, z, sample_weight=w)
    np.testing.assert_allclose(losses.hinge(z, y, weights=w), ref, rtol=1e-13)


def _compare_per_sample(sk, ours, y_pred, y_true, w, *, factor=1.0, hessian=True):
    """Our reduction="none" loss / grad / hess against sklearn's per-sample weighted ones."""
    raw = np.ascontiguousarray(y_pred)
    yt = np.ascontiguousarray(y_true, dtype=np.float64)
    np.testing.assert_allclose(
        factor * ours(y_pred, y_true, weights=w, reduction="none"),
        sk.loss(yt, raw, sample_weight=w),
        rtol=1e-12,
        atol=1e-14,
    )
    grad, hess = sk.gradient_hessian(yt, raw, sample_weight=w)
    np.testing.assert_allclose(
        factor * ours.grad(y_pred, y_true, weights=w, reduction="none"),
        grad,
        rtol=1e-12,
        atol=1e-14,
    )
    if hessian:
        np.testing.assert_allclose(
            factor * ours.hess(y_pred, y_true, weights=w, reduction="none"),
            hess,
            rtol=1e-12,
            atol=1e-14,
        )
    # sklearn's weighted mean loss is sum(w l) / sum(w), as is ours.
    np.testing.assert_allclose(
        factor * ours(y_pred, y_true, weights=w),
        np.average(sk.loss(yt, raw), weights=w),
        rtol=1e-12,
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_half_squared_error(skloss, data, weighted):
    y_pred, y_true, w = data
    w = w if weighted else None
    _compare_per_sample(skloss.HalfSquaredError(), losses.get("mse"), y_pred, y_true, w, factor=0.5)


@pytest.mark.parametrize("weighted", [False, True])
def test_absolute_error(skloss, data, weighted):
    # sklearn's AbsoluteError reports a placeholder Hessian of 1; only loss and gradient compare.
    y_pred, y_true, w = data
    w = w if weighted else None
    _compare_per_sample(skloss.AbsoluteError(), losses.get("mae"), y_pred, y_true, w, hessian=False)


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_pinball_loss(skloss, data, q):
    # As for AbsoluteError, sklearn's PinballLoss Hessian is a placeholder.
    y_pred, y_true, w = data
    _compare_per_sample(
        skloss.PinballLoss(quantile=q),
        losses.get("quantile", q=q),
        y_pred,
        y_true,
        w,
        hessian=False,
    )


@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_huber_loss(skloss, data, delta):
    # sklearn's HuberLoss with a fixed delta: 0.5 r² inside, delta (|r| - delta / 2) beyond.
    y_pred, y_true, w = data
    sk = skloss.HuberLoss(delta=delta)
    np.testing.assert_allclose(
        losses.huber(y_pred, y_true, delta=delta, weights=w, reduction="none"),
        sk.loss(y_true, y_pred, sample_weight=w),
        rtol=1e-12,
    )
    grad, hess = sk.gradient_hessian(y_true, y_pred, sample_weight=w)
    np.testing.assert_allclose(
        losses.huber_grad(y_pred, y_true, delta=delta, weights=w, reduction="none"),
        grad,
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        losses.huber_hess(y_pred, y_true, delta=delta, weights=w, reduction="none"),
        hess,
        rtol=1e-12,
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_half_poisson_loss(skloss, rng, weighted):
    z = rng.uniform(-2, 2, 40)
    y = rng.poisson(2.0, 40).astype(float)
    w = rng.uniform(0.1, 3.0, 40) if weighted else None
    _compare_per_sample(skloss.HalfPoissonLoss(), losses.get("poisson_nll"), z, y, w)


@pytest.mark.parametrize("weighted", [False, True])
def test_half_binomial_loss(skloss, rng, weighted):
    z = rng.normal(0, 4, 40)
    y = rng.integers(0, 2, 40).astype(float)
    w = rng.uniform(0.1, 3.0, 40) if weighted else None
    _compare_per_sample(skloss.HalfBinomialLoss(), losses.get("bce_with_logits"), z, y, w)


@pytest.mark.parametrize("weighted", [False, True])
def test_half_multinomial_loss(skloss, rng, weighted):
    z = np.ascontiguousarray(rng.normal(0, 2, (30, 4)))
    y = rng.integers(0, 4, 30)
    w = rng.uniform(0.1, 3.0, 30) if weighted else None
    sk = skloss.HalfMultinomialLoss(n_classes=4)
    ce = losses.get("cross_entropy")
    yf = y.astype(np.float64)
    np.testing.assert_allclose(
        ce(z, y, weights=w, reduction="none"), sk.loss(yf, z, sample_weight=w), rtol=1e-12
    )
    grad, hess = sk.gradient_hessian(yf, z, sample_weight=w)
    # sklearn's per-sample gradient is the gradient of the weighted sum; so is ours for "sum".
    np.testing.assert_allclose(
        ce.grad(z, y, weights=w, reduction="sum"), grad, rtol=1e-12, atol=1e-15
    )
    # Its Hessian is the diagonal p (1 - p), weighted.
    np.testing.assert_allclose(
        ce.hess(z, y, weights=w, reduction="sum"), hess, rtol=1e-12, atol=1e-15
    )


def test_mse_probability_is_the_brier_score(rng):
    from sklearn.metrics import brier_score_loss

    p = rng.uniform(0.0, 1.0, 50)
    y = rng.integers(0, 2, 50)
    w = rng.uniform(0.1, 2.0, 50)
    loss = losses.get("mse_probability")
    np.testing.assert_allclose(float(loss(p, y)), brier_score_loss(y, p), rtol=1e-13)
    np.testing.assert_allclose(
        float(loss(p, y, weights=w)), brier_score_loss(y, p, sample_weight=w), rtol=1e-13
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_exponential_loss(skloss, rng, weighted):
    # sklearn's ExponentialLoss: y exp(-z) + (1 - y) exp(z) for labels 0/1, raw z (its link,
    # the half-logit, only maps z to a probability): the same loss, gradient and Hessian.
    z = rng.normal(0, 2, 40)
    y = rng.integers(0, 2, 40).astype(float)
    w = rng.uniform(0.1, 3.0, 40) if weighted else None
    _compare_per_sample(skloss.ExponentialLoss(), losses.get("exponential"), z, y, w)
    # -1/+1 labels are the same examples.
    np.testing.assert_array_equal(
        losses.exponential(z, 2 * y - 1, reduction="none"),
        losses.exponential(z, y, reduction="none"),
    )


def test_modified_huber_matches_sgd(require, rng):
    sgd = require("sklearn.linear_model._sgd_fast")
    sk = sgd.ModifiedHuber()
    z = np.concatenate([rng.normal(0, 2, 60), [-1.0, 1.0, -3.0, 0.0]])
    y = np.concatenate([rng.choice([-1.0, 1.0], 60), [1.0, 1.0, -1.0, -1.0]])
    # py_loss(prediction, y) and py_dloss (the derivative in the prediction), y = ±1.
    want = [sk.py_loss(float(a), float(b)) for a, b in zip(z, y, strict=True)]
    dwant = [sk.py_dloss(float(a), float(b)) for a, b in zip(z, y, strict=True)]
    np.testing.assert_allclose(losses.modified_huber(z, y, reduction="none"), want, rtol=1e-15)
    np.testing.assert_allclose(losses.modified_huber_grad(z, y, reduction="none"), dwant)
    y01 = (y + 1) / 2  # 0/1 labels read 0 as -1
    np.testing.assert_array_equal(
        losses.modified_huber(z, y01, reduction="none"),
        losses.modified_huber(z, y, reduction="none"),
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_brier_score_of_two_classes(metrics, rng, weighted):
    # sklearn's binary brier_score_loss is mean (p_1 - y)²; the two-class sum (p_0 - t_0)² +
    # (p_1 - t_1)² counts that error twice: brier = 2 x brier_score_loss.
    z = rng.normal(0, 2, (40, 2))
    y = rng.integers(0, 2, 40)
    w = rng.uniform(0.1, 3.0, 40) if weighted else None
    p1 = np.exp(z[:, 1]) / np.exp(z).sum(axis=1)
    ref = metrics.brier_score_loss(y, p1, sample_weight=w)
    np.testing.assert_allclose(losses.brier(z, y, weights=w), 2 * ref, rtol=1e-13)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("power", [1.5, 1.1, 1.9])
def test_half_tweedie_loss(skloss, rng, weighted, power):
    # HalfTweedieLoss.loss keeps no constant term: equal values, gradients and Hessians.
    z = rng.uniform(-3, 3, 40)
    y = np.where(rng.random(40) < 0.3, 0.0, rng.gamma(2.0, 2.0, 40))
    w = rng.uniform(0.1, 3.0, 40) if weighted else None
    _compare_per_sample(
        skloss.HalfTweedieLoss(power=power), losses.get("tweedie", power=power), z, y, w
    )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("power", [1.5, 1.2])
def test_tweedie_deviance(metrics, rng, weighted, power):
    # mean_tweedie_deviance / 2 = mean(tweedie) + mean(y^(2-p) / ((1-p)(2-p))).
    z = rng.uniform(-2, 2, 50)
    y = np.where(rng.random(50) < 0.3, 0.0, rng.gamma(2.0, 2.0, 50))
    w = rng.uniform(0.1, 3.0, 50) if weighted else None
    constant = np.average(y ** (2 - power) / ((1 - power) * (2 - power)), weights=w)
    ref = 0.5 * metrics.mean_tweedie_deviance(y, np.exp(z), power=power, sample_weight=w)
    ours = losses.tweedie(z, y, power=power, weights=w)
    np.testing.assert_allclose(ours + constant, ref, rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_half_gamma_loss(skloss, metrics, rng, weighted):
    z = rng.uniform(-3, 3, 40)
    y = rng.gamma(2.0, 2.0, 40)
    w = rng.uniform(0.1, 3.0, 40) if weighted else None
    _compare_per_sample(skloss.HalfGammaLoss(), losses.get("gamma_nll"), z, y, w)
    # mean_gamma_deviance / 2 = mean(gamma_nll) - mean(log y + 1).
    ref = 0.5 * metrics.mean_gamma_deviance(y, np.exp(z), sample_weight=w)
    constant = np.average(np.log(y) + 1.0, weights=w)
    np.testing.assert_allclose(losses.gamma_nll(z, y, weights=w) - constant, ref, rtol=1e-11)


@pytest.mark.parametrize("weighted", [False, True])
def test_mean_squared_log_error(metrics, rng, weighted):
    y_true = rng.exponential(3.0, 40)
    y_pred = y_true * np.exp(rng.normal(0, 0.7, 40))
    w = rng.uniform(0.1, 3.0, 40) if weighted else None
    np.testing.assert_allclose(
        losses.msle(y_pred, y_true, weights=w),
        metrics.mean_squared_log_error(y_true, y_pred, sample_weight=w),
        rtol=1e-12,
    )


@pytest.mark.parametrize("epsilon", [0.0, 0.1, 1.5])
def test_sgd_epsilon_insensitive(require, rng, epsilon):
    # SGDRegressor's loss object: py_loss(p, y) and py_dloss(p, y), prediction first.
    sgd = require("sklearn.linear_model._sgd_fast")
    y_true = rng.normal(0, 2, 40)
    y_pred = y_true + rng.normal(0, 2, 40)
    y_pred[:3] = y_true[:3] + np.array([epsilon, -epsilon, 0.0])  # the tube's edges
    sk = sgd.EpsilonInsensitive(epsilon)
    value = losses.epsilon_insensitive(y_pred, y_true, epsilon=epsilon, reduction="none")
    grad = losses.epsilon_insensitive_grad(y_pred, y_true, epsilon=epsilon, reduction="none")
    pairs = list(zip(y_pred.tolist(), y_true.tolist(), strict=True))
    np.testing.assert_allclose(value, [sk.py_loss(p, y) for p, y in pairs], rtol=1e-14)
    np.testing.assert_array_equal(grad, [sk.py_dloss(p, y) for p, y in pairs])

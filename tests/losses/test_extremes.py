"""Extreme but valid inputs: finite and accurate results, checked against mpmath at 50 digits.

Reference values are the textbook formulas evaluated by mpmath with mp.dps = 50 and
rounded to float64 (derivatives by mpmath.diff at that precision). DESIGN.md: "Extreme
but valid input stays finite and exact: logits of ±1e4, errors of 1e150, probabilities
of exactly 0 or 1 (with the clipping documented)". Warnings are errors (pyproject), so an
overflow warning inside a loss fails these tests too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import losslab.losses as losses

LOGITS = [-1e4, -700.0, -30.0, 30.0, 700.0, 1e4]


@pytest.fixture(scope="module")
def mp(require):
    mpmath = require("mpmath")
    mpmath.mp.dps = 50
    return mpmath.mp


def _close(got, want, rtol):
    """Relative accuracy; a reference below the float64 range must come out as 0 (or tiny)."""
    got = float(got)
    want_f = float(want)
    assert math.isfinite(got)
    if want_f == 0.0:
        assert abs(got) <= 1e-300, (got, want)
    else:
        assert abs(got - want_f) <= rtol * abs(want_f), (
            got,
            want_f,
            abs(got - want_f) / abs(want_f),
        )


def _mp_softplus(mp, x):
    return mp.log(1 + mp.exp(x))


def _mp_sigmoid(mp, x):
    return 1 / (1 + mp.exp(-x))


# ------------------------------------------------------------------ binary logits


@pytest.mark.parametrize("z", LOGITS)
@pytest.mark.parametrize("y", [0.0, 1.0])
@pytest.mark.parametrize("pos_weight", [1.0, 3.0])
def test_bce_with_logits_extreme_logits(mp, z, y, pos_weight):
    zm = mp.mpf(z)
    value = pos_weight * y * _mp_softplus(mp, -zm) + (1 - y) * _mp_softplus(mp, zm)
    grad = -pos_weight * y * _mp_sigmoid(mp, -zm) + (1 - y) * _mp_sigmoid(mp, zm)
    hess = (pos_weight * y + 1 - y) * _mp_sigmoid(mp, zm) * _mp_sigmoid(mp, -zm)
    kw = {"pos_weight": pos_weight}
    _close(losses.bce_with_logits([z], [y], **kw), value, 1e-13)
    _close(losses.bce_with_logits_grad([z], [y], **kw)[0], grad, 1e-13)
    _close(losses.bce_with_logits_hess([z], [y], **kw)[0], hess, 1e-13)


def _mp_focal(mp, z, y, gamma, alpha):
    p = _mp_sigmoid(mp, z)
    p_t = p if y == 1 else 1 - p
    # -log p_t, computed stably in mpmath: softplus(-m) with m = (2y - 1) z
    m = z if y == 1 else -z
    ce = _mp_softplus(mp, -m)
    one_minus = _mp_sigmoid(mp, -m)  # 1 - p_t, without cancellation
    del p_t
    alpha_t = 1 if alpha is None else (alpha if y == 1 else 1 - alpha)
    return alpha_t * one_minus**gamma * ce


@pytest.mark.parametrize("z", LOGITS)
@pytest.mark.parametrize("y", [0.0, 1.0])
@pytest.mark.parametrize(("gamma", "alpha"), [(2.0, None), (0.5, None), (2.0, 0.25), (0.0, None)])
def test_focal_extreme_logits(mp, z, y, gamma, alpha):
    def f(x):
        return _mp_focal(mp, x, y, gamma, alpha)

    zm = mp.mpf(z)
    kw = {"gamma": gamma, "alpha": alpha}
    _close(losses.focal([z], [y], **kw), f(zm), 1e-12)
    _close(losses.focal_grad([z], [y], **kw)[0], mp.diff(f, zm), 1e-12)
    _close(losses.focal_hess([z], [y], **kw)[0], mp.diff(f, zm, 2), 1e-10)


# ------------------------------------------------------------------ rows of logits


def _mp_cross_entropy(mp, row, label):
    lse = mp.log(mp.fsum(mp.exp(mp.mpf(v)) for v in row))
    return lse - row[label]


def _mp_softmax(mp, row):
    total = mp.fsum(mp.exp(mp.mpf(v)) for v in row)
    return [mp.exp(mp.mpf(v)) / total for v in row]


EXTREME_ROWS = [
    ([1e4, -1e4, 0.0], 0),
    ([1e4, -1e4, 0.0], 1),
    ([1e4, -1e4, 0.0], 2),
    ([700.0, -700.0, 0.0], 1),
    ([-700.0, 0.0, 700.0], 2),
    ([30.0, 0.0, -30.0], 1),
    ([30.0, 0.0, -30.0], 2),
    ([-1e4, -1e4, -1e4], 0),
    ([1e4, 1e4 - 1.0, 0.0], 1),
]

# A confident right answer: its loss is tiny and must not be lost to log(1 + tiny).
CONFIDENT_ROWS = [
    ([30.0, 0.0, -30.0], 0),
    ([700.0, -700.0, 0.0], 0),
    ([40.0, 0.0, 0.0], 0),
    ([1e4, -1e4, 0.0], 0),
]


@pytest.mark.parametrize(("row", "label"), EXTREME_ROWS + CONFIDENT_ROWS)
def test_cross_entropy_extreme_logits(mp, row, label):
    z = np.array([row])
    want = _mp_cross_entropy(mp, [mp.mpf(v) for v in row], label)
    _close(losses.cross_entropy(z, [label]), want, 1e-12)
    grad = losses.cross_entropy_grad(z, [label])[0]
    p = _mp_softmax(mp, row)
    for c in range(3):
        # softmax - onehot: |grad| <= 1, so absolute accuracy at the eps level.
        assert abs(grad[c] - float(p[c] - (c == label))) <= 4e-16
    hess = losses.cross_entropy_hess(z, [label])[0]
    for c in range(3):
        _close(hess[c], p[c] * (1 - p[c]), 1e-12)


@pytest.mark.parametrize(("row", "label"), EXTREME_ROWS + CONFIDENT_ROWS)
def test_kl_div_extreme_logits(mp, row, label):
    # With a one-hot target the KL divergence is the cross-entropy.
    t = np.eye(3)[label][None]
    want = _mp_cross_entropy(mp, [mp.mpf(v) for v in row], label)
    _close(losses.kl_div(np.array([row]), t), want, 1e-12)
    assert np.all(np.isfinite(losses.kl_div_grad(np.array([row]), t)))


@pytest.mark.parametrize(("z", "y"), [(30.0, 1.0), (-30.0, 0.0), (700.0, 1.0), (40.0, 1.0)])
def test_bce_with_logits_gradient_of_confident_right_answer(mp, z, y):
    # sigmoid(z) - y for a confident right answer is tiny; it must be relatively exact
    # (the docstring: "kept apart so a gradient near 0 ... is not lost to cancellation").
    want = _mp_sigmoid(mp, mp.mpf(z)) - y
    _close(losses.bce_with_logits_grad([z], [y])[0], want, 1e-13)


# ------------------------------------------------------------------ regression residuals

RESIDUALS = [1e150, -1e150, 1e-150, -1e-150, 1e-8, -1e-8, 3.0, 1e300]


def _mp_regression(mp, name, r, delta):
    d = mp.mpf(delta)
    if name == "huber":
        value = r * r / 2 if abs(r) <= d else d * (abs(r) - d / 2)
        grad = r if abs(r) <= d else d * mp.sign(r)
        hess = mp.mpf(1) if abs(r) <= d else mp.mpf(0)
        return value, grad, hess
    if name == "mae":
        return abs(r), mp.sign(r), mp.mpf(0)
    if name == "pseudo_huber":
        h = mp.sqrt(1 + (r / d) ** 2)
        return d * d * (h - 1), r / h, 1 / h**3
    if name == "log_cosh":
        return mp.log(mp.cosh(r)), mp.tanh(r), 1 / mp.cosh(r) ** 2
    raise AssertionError(name)


@pytest.mark.parametrize("name", ["huber", "mae", "pseudo_huber", "log_cosh"])
@pytest.mark.parametrize("r", RESIDUALS)
@pytest.mark.parametrize("delta", [1.0, 0.5])
def test_regression_extreme_residuals(mp, name, r, delta):
    params = {} if name in ("mae", "log_cosh") else {"delta": delta}
    value, grad, hess = _mp_regression(mp, name, mp.mpf(r), delta)
    # y_pred = r, y_true = 0: the residual is exactly r.
    f, g, h = (getattr(losses, name + s) for s in ("", "_grad", "_hess"))
    _close(f([r], [0.0], **params), value, 1e-13)
    _close(g([r], [0.0], **params)[0], grad, 1e-13)
    _close(h([r], [0.0], **params)[0], hess, 1e-13)


@pytest.mark.parametrize("r", [1e-8, 1e-4, 0.1, 0.9, 1.0, 1.1, 20.0, 400.0])
def test_log_cosh_accuracy_across_the_branch(mp, r):
    # The implementation switches formulas at |r| = 1; both sides must be exact.
    _close(losses.log_cosh([r], [0.0]), mp.log(mp.cosh(mp.mpf(r))), 2e-15)


@pytest.mark.parametrize(
    "alpha", [2.0 + 1e-6, 2.0 - 1e-6, 1e-6, -1e-6, 1.0 + 1e-6, 0.5, -5.0, 3.0, 50.0, -1e3]
)
@pytest.mark.parametrize("r", [1e-6, 0.3, 2.0, 1e3])
def test_barron_general_formula_accuracy(mp, alpha, r):
    # The general rho of Barron (2019), eq. 1, evaluated at 50 digits; near the special
    # alphas (k = |alpha - 2| or alpha tiny) a naive formula cancels catastrophically.
    a = mp.mpf(alpha)
    k = abs(a - 2)

    def rho(x):
        return k / a * ((x * x / k + 1) ** (a / 2) - 1)

    x = mp.mpf(r)
    _close(losses.barron([r], [0.0], alpha=alpha), rho(x), 1e-9)
    _close(losses.barron_grad([r], [0.0], alpha=alpha)[0], mp.diff(rho, x), 1e-9)
    _close(losses.barron_hess([r], [0.0], alpha=alpha)[0], mp.diff(rho, x, 2), 1e-8)


@pytest.mark.parametrize("alpha", [2.0, 1.0, 0.0, -2.0, -math.inf, 0.5, 3.0, -5.0])
@pytest.mark.parametrize("r", [1e150, -1e150, 1e-150])
def test_barron_extreme_residuals(mp, alpha, r):
    if alpha > 2 and abs(r) > 1:
        r = math.copysign(1e100, r)  # rho ~ |x|^3 / 3: 1e150 would overflow the true value
    # DESIGN.md: errors of 1e150 stay finite and exact, for every alpha. Analytic
    # derivatives (Barron 2019, with b = x²/k + 1): rho' = x b^(a/2 - 1),
    # rho'' = b^(a/2 - 2) (b + sign(a - 2) x²); mpmath.diff's absolute step cannot
    # resolve x = 1e150 or 1e-150.
    x = mp.mpf(r)
    if alpha == 2.0:
        value, grad, hess = x * x / 2, x, mp.mpf(1)
    elif alpha == -math.inf:
        g = mp.exp(-x * x / 2)
        value, grad, hess = 1 - g, x * g, (1 - x * x) * g
    else:
        a = mp.mpf(alpha)
        k = abs(a - 2)
        b = x * x / k + 1
        value = mp.log(x * x / 2 + 1) if alpha == 0.0 else k / a * (b ** (a / 2) - 1)
        grad = x * b ** (a / 2 - 1)
        hess = b ** (a / 2 - 2) * (b + mp.sign(a - 2) * x * x)
    _close(losses.barron([r], [0.0], alpha=alpha), value, 1e-12)
    _close(losses.barron_grad([r], [0.0], alpha=alpha)[0], grad, 1e-12)
    _close(losses.barron_hess([r], [0.0], alpha=alpha)[0], hess, 1e-12)


def test_poisson_nll_large_log_rate_is_finite():
    # exp(700) ~ 1e304 is representable: value and gradient finite.
    assert np.isfinite(losses.poisson_nll([700.0], [3.0]))
    assert np.isfinite(losses.poisson_nll_grad([700.0], [3.0])).all()


# ------------------------------------------------------------------ bce at 0 and 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_at_exact_zero_and_one(mp, dtype):
    eps = float(np.finfo(dtype).eps)
    p = np.array([0.0, 0.0, 1.0, 1.0], dtype=dtype)
    y = np.array([0.0, 1.0, 0.0, 1.0], dtype=dtype)
    values = losses.bce(p, y, reduction="none")
    assert values.dtype == dtype
    assert np.all(np.isfinite(values))
    # A confident wrong answer costs exactly -log(eps) (p clipped to [eps, 1 - eps]).
    worst = float(-mp.log(mp.mpf(eps)))
    np.testing.assert_allclose(
        values[[1, 2]], [worst, worst], rtol=1e-6 if dtype == np.float32 else 1e-14
    )
    # A perfect answer costs at most -log(1 - eps) ~ eps.
    assert np.all(values[[0, 3]] >= 0)
    assert np.all(values[[0, 3]] <= 1.01 * eps)
    for reduction in ("mean", "sum", "none"):
        total = losses.bce(p, y, reduction=reduction)
        assert total.dtype == dtype
        assert np.all(np.isfinite(total))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_clipped_terms_have_zero_derivative(dtype):
    # Documented in bce: each log's argument (p, 1 - p) is clipped below at eps = finfo(dtype).eps;
    # a clipped term is constant, so where it is the only active term the derivatives are 0.
    eps = np.finfo(dtype).eps
    p = np.array([0.0, 1.0, eps / 4, 1 - eps / 4], dtype=dtype)
    y = np.array([1.0, 0.0, 1.0, 0.0], dtype=dtype)
    grad = losses.bce_grad(p, y, reduction="none")
    hess = losses.bce_hess(p, y, reduction="none")
    assert grad.dtype == dtype
    assert hess.dtype == dtype
    np.testing.assert_array_equal(grad, np.zeros(4, dtype=dtype))
    np.testing.assert_array_equal(hess, np.zeros(4, dtype=dtype))
    np.testing.assert_allclose(losses.bce(p, y, reduction="none"), -np.log(eps), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_perfect_prediction_is_exactly_zero(dtype):
    # p = y in {0, 1}: the unclipped term is log(1) = 0 exactly; its derivative is the exact
    # one-sided derivative -y/p + (1 - y)/(1 - p), i.e. -1 at p = 1 and +1 at p = 0.
    p = np.array([1.0, 0.0], dtype=dtype)
    value = losses.bce(p, p, reduction="none")
    np.testing.assert_array_equal(value, np.zeros(2, dtype=dtype))
    assert not np.any(np.signbit(value))
    np.testing.assert_array_equal(losses.bce_grad(p, p, reduction="none"), [-1.0, 1.0])
    np.testing.assert_array_equal(losses.bce_hess(p, p, reduction="none"), [1.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64_extremes_stay_finite(case, rng, dtype):
    # Inputs scaled far out (logits x 1e3; residuals x 1e150 in float64 as DESIGN.md asks,
    # x 1e15 in float32, whose squares still fit): the result keeps its dtype and is finite.
    y_pred, y_true = case.sample(rng, (6,))
    scale = 1e150 if dtype == np.float64 else 1e15
    if case.params.get("alpha", 0) > 2:  # Barron's rho grows like |x|^alpha: keep it in range
        scale = scale ** (2 / 3)
    if case.y_pred_kind == "value":
        y_pred = y_pred * scale
    elif case.y_pred_kind in ("logit", "logits"):
        y_pred = y_pred * 1e3
    if "exp-of-margin" in case.tags:
        # exp(-margin) (the exponential loss) truly overflows beyond log(max): out as far as
        # it stays finite (test_exactness holds the overflow itself to the exact inf).
        y_pred = y_pred / np.max(np.abs(y_pred)) * 0.95 * np.log(np.finfo(dtype).max)
    loss = case.loss
    y_pred = y_pred.astype(dtype)
    y_true = y_true.astype(dtype) if y_true.dtype.kind == "f" else y_true
    for f in (loss, loss.grad, loss.hess):
        for reduction in ("mean", "sum", "none"):
            out = np.asarray(f(y_pred, y_true, reduction=reduction))
            assert out.dtype == dtype, (f, reduction)
            assert np.all(np.isfinite(out)), (f, reduction, out)

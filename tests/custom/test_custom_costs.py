"""Cost-sensitive and asymmetric losses, decision thresholds and the expected-cost metric."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

from losslab import custom
from losslab.losses import get


def test_cost_sensitive_bce_is_weighted_bce_with_logits() -> None:
    # Definition: fn y softplus(-z) + fp (1 - y) softplus(z)
    #           = fp * bce_with_logits(pos_weight=fn/fp).
    rng = np.random.default_rng(0)
    z, y = rng.normal(0, 3, 40), rng.integers(0, 2, 40).astype(float)
    loss = custom.cost_sensitive_bce(fn_cost=5.0, fp_cost=2.0)
    reference = get("bce_with_logits", pos_weight=2.5)
    for method in ("__call__", "grad", "hess"):
        np.testing.assert_allclose(
            getattr(loss, method)(z, y, reduction="none"),
            2.0 * np.asarray(getattr(reference, method)(z, y, reduction="none")),
            rtol=1e-13,
        )


def test_cost_sensitive_bce_minimiser_puts_bayes_threshold_at_one_half() -> None:
    # For positive rate eta the loss is minimised where sigmoid(z) = a eta / (a eta + c (1 - eta));
    # at eta = c / (a + c) (the Bayes threshold) that is 1/2, i.e. z = 0.
    fn, fp = 5.0, 1.0
    eta = custom.bayes_threshold(fn, fp)
    loss = custom.cost_sensitive_bce(fn_cost=fn, fp_cost=fp)
    result = optimize.minimize_scalar(
        lambda z: float(loss([z, z], [1.0, 0.0], weights=[eta, 1 - eta], reduction="sum"))
    )
    assert result.x == pytest.approx(0.0, abs=1e-6)


def test_binary_cost_matrix_reduces_to_cost_sensitive_bce() -> None:
    # softmax([0, z])_1 = sigmoid(z), so the two-logit form equals the one-logit form.
    c = [[0.0, 1.0], [5.0, 0.0]]
    assert custom.binary_costs(c) == {"fn_cost": 5.0, "fp_cost": 1.0}
    rng = np.random.default_rng(1)
    z, y = rng.normal(0, 2, 30), rng.integers(0, 2, 30)
    rows = np.stack([np.zeros_like(z), z], axis=1)
    multi = custom.cost_matrix_cross_entropy(c)
    binary = custom.cost_sensitive_bce(**custom.binary_costs(c))
    np.testing.assert_allclose(
        multi(rows, y, reduction="none"), binary(z, y.astype(float), reduction="none"), rtol=1e-12
    )
    np.testing.assert_allclose(
        multi.grad(rows, y, reduction="none")[:, 1],
        binary.grad(z, y.astype(float), reduction="none"),
        rtol=1e-12,
    )


def test_uniform_costs_give_plain_cross_entropy() -> None:
    rng = np.random.default_rng(2)
    z, y = rng.normal(0, 2, (20, 4)), rng.integers(0, 4, 20)
    loss = custom.cost_matrix_cross_entropy(1 - np.eye(4))
    ce = get("cross_entropy")
    np.testing.assert_allclose(loss(z, y), ce(z, y), rtol=1e-13)
    np.testing.assert_allclose(loss.grad(z, y), ce.grad(z, y), rtol=1e-13)
    np.testing.assert_allclose(loss.hess(z, y, full=True), ce.hess(z, y, full=True), rtol=1e-13)


def test_expected_cost_softmax_full_hessian_matches_finite_differences() -> None:
    c = [[0.0, 1.0, 4.0], [2.0, 0.0, 1.0], [10.0, 3.0, 0.0]]
    loss = custom.expected_cost_softmax(c)
    z, y = np.array([[0.3, -1.0, 0.8]]), np.array([2])
    full = loss.hess(z, y, reduction="sum", full=True)[0]
    h = 1e-5
    numeric = np.stack(
        [
            (loss.grad(z + h * np.eye(3)[m], y, reduction="sum")[0]
             - loss.grad(z - h * np.eye(3)[m], y, reduction="sum")[0]) / (2 * h)
            for m in range(3)
        ],
        axis=1,
    )  # fmt: skip
    np.testing.assert_allclose(full, numeric, atol=1e-8)
    np.testing.assert_allclose(np.diag(full), loss.hess(z, y, reduction="sum")[0], rtol=1e-12)


def test_bad_costs_are_refused() -> None:
    with pytest.raises(ValueError, match="both be 0"):
        custom.cost_sensitive_bce(fn_cost=0, fp_cost=0)
    with pytest.raises(ValueError, match=r"fn_cost must be in \[0"):
        custom.cost_sensitive_bce(fn_cost=-1)
    with pytest.raises(ValueError, match="square"):
        custom.cost_matrix_cross_entropy([[0, 1, 2], [1, 0, 2]])
    with pytest.raises(ValueError, match="below the cost of the right answer"):
        custom.cost_matrix_cross_entropy([[1, 0], [1, 0]])
    with pytest.raises(ValueError, match="3 classes but y_pred has 2"):
        custom.cost_matrix_cross_entropy(1 - np.eye(3))(np.zeros((2, 2)), [0, 1])


def test_expected_cost_by_hand() -> None:
    # Prediction first, truth second; C[i, j] is the cost of predicting j when the truth is i.
    c = [[0, 1, 4], [2, 0, 1], [10, 3, 0]]
    y_pred, y_true = [2, 1, 0, 1], [0, 2, 1, 1]
    # pairs (true, pred): (0,2)=4 (2,1)=3 (1,0)=2 (1,1)=0 -> mean 9/4
    assert custom.expected_cost(y_pred, y_true, c) == 2.25
    assert custom.expected_cost(y_pred, y_true, c, sample_weight=[1, 1, 0, 2]) == 1.75
    # Swapping the arguments reads the transposed cells (2,0)=10 (1,2)=1 (0,1)=1 (1,1)=0.
    assert custom.expected_cost(y_true, y_pred, c) == 3.0
    assert custom.expected_cost(y_pred, y_true, np.transpose(c)) == 3.0
    # Keywords name the same cells.
    assert custom.expected_cost(y_true=y_true, y_pred=y_pred, cost_matrix=c) == 2.25
    with pytest.raises(ValueError, match="y_pred holds label 3"):
        custom.expected_cost([0, 3], [0, 1], c)
    with pytest.raises(ValueError, match="y_true holds label 3"):
        custom.expected_cost([0, 1], [0, 3], c)


def test_expected_cost_matches_confusion_matrix() -> None:
    # Independent reference: sklearn's confusion_matrix(y_true, y_pred) has rows true,
    # columns predicted, the layout of the cost matrix.
    from sklearn import metrics

    rng = np.random.default_rng(5)
    y_true, y_pred = rng.integers(0, 3, 200), rng.integers(0, 3, 200)
    c = np.array([[0.0, 1.0, 4.0], [2.0, 0.0, 1.0], [10.0, 3.0, 0.0]])
    counts = metrics.confusion_matrix(y_true, y_pred, labels=[0, 1, 2])
    expected = float(np.sum(counts * c) / y_true.size)
    assert custom.expected_cost(y_pred, y_true, c) == pytest.approx(expected, rel=1e-12)
    assert custom.expected_cost(y_true, y_pred, c) != pytest.approx(expected, rel=1e-6)


def test_threshold_costs_by_hand_take_scores_first() -> None:
    # Hard scores 1/0, so swapped arguments would run without error and give 11/4 instead.
    proba, y_true = [1.0, 1.0, 0.0, 0.0], [0, 0, 0, 1]
    # FP, FP, TN, FN -> (1 + 1 + 0 + 5) / 4
    assert custom.cost_at_threshold(proba, y_true, 0.5, fn_cost=5, fp_cost=1) == 1.75
    assert custom.cost_at_threshold(y_true, proba, 0.5, fn_cost=5, fp_cost=1) == 2.75
    # Threshold just below 0 (all positive): 3 FP = 3/4; at 0 (as given): 7/4; at 1: 1 FN = 5/4.
    assert custom.best_threshold(proba, y_true, fn_cost=5, fp_cost=1).expected_cost == 0.75
    summary = custom.threshold_summary(proba, y_true, 5, 1)
    assert summary["default"].expected_cost == 1.75
    assert summary["best"].expected_cost == 0.75
    with pytest.raises(ValueError, match="y_true must hold whole-number labels"):
        custom.cost_at_threshold([1, 0], [0.3, 0.6], 0.5, fn_cost=5, fp_cost=1)


def _brute_force_threshold(y, p, fn, fp):
    best = None
    for t in np.concatenate(([-1.0], np.unique(p))):
        pos = p > t
        cost = (fn * np.sum((y == 1) & ~pos) + fp * np.sum((y == 0) & pos)) / len(y)
        if best is None or cost < best - 1e-12:
            best = cost
    return best


def test_best_threshold_matches_brute_force_and_beats_bayes_on_miscalibrated_scores() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 400)
    p = np.clip(0.3 * y + rng.uniform(0, 0.7, 400), 0, 1).round(3)  # ties on purpose
    choice = custom.best_threshold(p, y, fn_cost=5, fp_cost=1)
    assert choice.expected_cost == pytest.approx(_brute_force_threshold(y, p, 5, 1), rel=1e-12)
    assert choice.expected_cost == pytest.approx(
        custom.cost_at_threshold(p, y, choice.threshold, 5, 1), rel=1e-12
    )
    summary = custom.threshold_summary(p, y, 5, 1)
    assert summary["best"].expected_cost <= summary["bayes"].expected_cost
    assert summary["best"].expected_cost <= summary["default"].expected_cost
    assert summary["bayes"].threshold == pytest.approx(1 / 6)


def test_bayes_threshold_is_optimal_for_calibrated_probabilities() -> None:
    # Outcomes drawn with probability p exactly: the Bayes threshold fp/(fp+fn) is optimal in
    # expectation, so the best validation threshold lands near it.
    rng = np.random.default_rng(4)
    p = rng.uniform(0, 1, 200_000)
    y = (rng.uniform(0, 1, p.size) < p).astype(int)
    choice = custom.best_threshold(p, y, fn_cost=3, fp_cost=1)
    # The expected cost is flat near its minimum, so compare costs tightly, thresholds loosely.
    assert choice.threshold == pytest.approx(0.25, abs=0.05)
    bayes_cost = custom.cost_at_threshold(p, y, 0.25, fn_cost=3, fp_cost=1)
    assert bayes_cost - choice.expected_cost < 2e-3
    assert custom.bayes_decision(np.stack([1 - p, p], 1), [[0, 1], [3, 0]]).tolist() == (
        (p > 0.25).astype(int).tolist()
    )


def test_linex_is_stable_and_asymmetric() -> None:
    loss = custom.linex(a=1.0, b=1.0)
    tiny = np.array([1e-9, -1e-9, 1e-5])
    # Reference: series of e^x - 1 - x = x²/2 + x³/6 + x⁴/24, exact to double precision here.
    series = tiny**2 / 2 + tiny**3 / 6 + tiny**4 / 24
    np.testing.assert_allclose(loss(tiny, np.zeros(3), reduction="none"), series, rtol=1e-14)
    big = loss([1000.0, -1e300], [0.0, 0.0], reduction="none")
    assert big[0] == np.inf
    assert big[1] == pytest.approx(1e300)
    assert float(loss([2.0], [0.0])) > float(
        loss([-2.0], [0.0])
    )  # a > 0: over-prediction costs more
    with pytest.raises(ValueError, match="must not be 0"):
        custom.linex(a=0.0)


def test_asymmetric_squared_minimiser_is_the_expectile() -> None:
    # The minimiser of E[w (m - y)²] for y ~ N(0, 1) solves under E[(y - m)+] = over E[(m - y)+];
    # reference: that equation solved with scipy, using E[(y - m)+] = phi(m) - m (1 - Phi(m)).
    under, over = 5.0, 1.0
    expectile = optimize.brentq(
        lambda m: (
            under * (stats.norm.pdf(m) - m * stats.norm.sf(m))
            - over * (stats.norm.pdf(m) + m * stats.norm.cdf(m))
        ),
        -3,
        3,
    )
    y = stats.norm.ppf(np.linspace(0.0005, 0.9995, 2000))
    loss = custom.asymmetric_squared(under=under, over=over)
    best = optimize.minimize_scalar(lambda m: float(loss(np.full_like(y, m), y))).x
    assert best == pytest.approx(expectile, abs=5e-3)
    assert expectile > 0.3  # under-prediction costs more, so the estimate moves up
    np.testing.assert_allclose(
        custom.asymmetric_squared(under=1, over=1)(y[:5], np.zeros(5)),
        get("mse")(y[:5], np.zeros(5)),
    )


@pytest.mark.parametrize(
    ("build", "make"),
    [
        (lambda: custom.linex(a=-0.7, b=2.0), "regression"),
        (lambda: custom.asymmetric_squared(under=3.0, over=0.5), "regression"),
        (lambda: custom.cost_sensitive_bce(fn_cost=4.0, fp_cost=0.0), "binary"),
    ],
)
def test_definition_losses_run_fused_and_agree_with_plain(build, make) -> None:
    # Custom losses written as definitions compile to the fused kernels as the catalogue's
    # do; the two paths agree as the catalogue's must.
    from losslab import config
    from losslab.losses import _fused

    loss = build()
    rng = np.random.default_rng(5)
    y_pred = rng.normal(0.0, 3.0, 500)
    y_true = rng.normal(0.0, 3.0, 500) if make == "regression" else rng.integers(0, 2, 500) * 1.0
    with config.fused(True):  # kernels at every size, not only from the crossover
        fused = _fused.dispatch(loss, "value_and_grad", y_pred, y_true, None, "mean", None)
    assert fused is not NotImplemented
    with config.fused(False):
        plain = loss.value_and_grad(y_pred, y_true)
    np.testing.assert_allclose(fused[0], plain[0], rtol=1e-12)
    np.testing.assert_allclose(fused[1], plain[1], rtol=1e-12, atol=1e-300)


def test_asymmetric_squared_is_a_scaled_expectile() -> None:
    y_pred, y_true = np.array([-2.0, 0.0, 0.5, 3.0]), np.array([0.0, 0.0, 1.0, 1.0])
    under, over = 3.0, 0.5
    asym = custom.asymmetric_squared(under=under, over=over)
    expectile = get("expectile", tau=under / (under + over))
    np.testing.assert_allclose(
        asym(y_pred, y_true, reduction="none"),
        (under + over) * expectile(y_pred, y_true, reduction="none"),
        rtol=1e-15,
    )

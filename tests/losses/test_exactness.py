"""Both paths exact, and equal: every loss against mpmath on a shared set of extreme inputs.

For every catalogue loss (tests/losses/exactness.py: the mpmath terms and the inputs),
every parameter setting there (defaults and extremes: delta 1e-6 and 1e6, scale 1e-6,
every special alpha of Barron and alphas within 1e-12 of them, pos_weight 1e-6 and 1e6),
both dtypes and both paths (plain, fused), the value, gradient and Hessian of each element
must be

- never NaN for valid finite input;
- inf only where the true value overflows the dtype;
- within ``ulps`` eps(dtype) of the truth on the scale of its terms (a few tiny near 0);

and the two paths must agree to rtol 1e-12 (float64) and 1e-5 (float32) beyond that same
absolute floor. Reductions and weights are checked against the same references, an
example of weight 0 contributing nothing even where its loss overflows.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import mpmath
import numpy as np
import pytest
from exactness import REFERENCES, Reference, mp

import losslab.losses as losses
from losslab import config

DTYPES = (np.float64, np.float32)
PATHS = ("plain", "fused")


def _cases(whole: bool = False) -> list[Any]:
    cases = []
    for ref in REFERENCES.values():
        if ref.whole != whole:  # losses of a whole batch: test_whole_batches_are_exact
            continue
        for i, params in enumerate(ref.params):
            label = ",".join(f"{k}={v}" for k, v in params.items())
            for dtype in DTYPES:
                cases.append(
                    pytest.param(ref, params, dtype, id=f"{ref.name}[{i}:{label}]-{dtype.__name__}")
                )
    return cases


CASES = _cases()
WHOLE_CASES = _cases(whole=True)


def test_every_catalogue_loss_has_a_reference():
    assert set(REFERENCES) == set(losses.available())


@functools.cache
def _inputs(name: str, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """The extreme ``(y_pred, y_true)`` of a loss: every pred against every target."""
    ref = REFERENCES[name]
    preds, trues = ref.preds(dtype), ref.trues(dtype)
    if ref.rows:
        pairs = [(p, t) for p in preds for t in trues]
        y_pred = np.array([p for p, _ in pairs], dtype=dtype)
        labels = isinstance(trues[0], int)
        y_true = np.array([t for _, t in pairs], dtype=np.int64 if labels else dtype)
        return y_pred, y_true
    y_pred = np.array([p for p in preds for _ in trues], dtype=dtype)
    y_true = np.array([t for _ in preds for t in trues], dtype=dtype)
    return y_pred, y_true


def _batches(ref: Reference, y_pred: np.ndarray, y_true: np.ndarray) -> list[np.ndarray]:
    """Index sets that each form one valid call (hinge labels: one convention per call)."""
    if getattr(losses.definition(ref.name), "true_domain", None) == "signed_binary":
        return [np.flatnonzero(y_true != -1.0), np.flatnonzero(y_true != 0.0)]
    return [np.arange(len(y_pred))]


@functools.cache
def _truth(name: str, params_key: tuple, dtype: type) -> list[tuple[list, list, list]]:
    """mpmath terms of every element (elementwise) or row, at the dtype's exact inputs."""
    ref = REFERENCES[name]
    params = dict(params_key)
    y_pred, y_true = _inputs(name, dtype)
    context = ref.context(dtype)
    out = []
    for p, t in zip(y_pred, y_true, strict=True):
        if ref.rows:
            if t.ndim:
                target: Any = [float(v) for v in t]
            else:  # a label, or one real value per row (gaussian_nll, multi_quantile)
                target = int(t) if t.dtype.kind in "iu" else float(t)
            out.append(ref.terms([float(v) for v in p], target, **params, **context))
        else:
            out.append(ref.terms(float(p), float(t), **params, **context))
    return out


def _key(params: dict[str, Any]) -> tuple:
    return tuple(sorted(params.items(), key=lambda kv: kv[0]))


def _evaluate(loss, path: str, y_pred, y_true, **kwargs) -> tuple[np.ndarray, ...]:
    with config.fused(path == "fused"):
        value, grad = loss.value_and_grad(y_pred, y_true, **kwargs)
        return np.asarray(value), np.asarray(grad), np.asarray(loss.hess(y_pred, y_true, **kwargs))


class _Judge:
    """Collects every element that breaks the rules, to report them all at once."""

    def __init__(self, dtype: type) -> None:
        info = np.finfo(dtype)
        self.eps, self.max, self.floor = float(info.eps), float(info.max), 4 * float(info.tiny)
        self.problems: list[str] = []

    def allowed(self, terms: list, ulps: float) -> float:
        return ulps * self.eps * float(mp.fsum(abs(v) for v in terms)) + self.floor

    def check(self, got: float, terms: list, ulps: float, where: str) -> None:
        exact = mp.fsum(terms)
        if math.isnan(got):
            self.problems.append(f"NaN at {where} (true {mpmath.nstr(exact, 8)})")
        elif math.isinf(got):
            if not (abs(exact) > self.max and math.copysign(1.0, got) == mpmath.sign(exact)):
                self.problems.append(f"inf at {where} where the truth is {mpmath.nstr(exact, 8)}")
        elif abs(got - exact) > self.allowed(terms, ulps):
            error = float(abs(got - exact)) / max(float(mp.fsum(abs(v) for v in terms)), 1e-320)
            self.problems.append(
                f"{where}: got {got!r}, true {mpmath.nstr(exact, 17)} "
                f"(error {error / self.eps:.3g} ulps of the terms' scale, allowed {ulps:g})"
            )

    def agree(self, fused: float, plain: float, terms: list, ulps: float, where: str) -> None:
        rtol = 1e-12 if self.eps < 1e-10 else 1e-5
        if math.isnan(fused) or math.isnan(plain):
            return  # reported by check
        if math.isinf(fused) or math.isinf(plain):
            if fused != plain:
                self.problems.append(f"{where}: fused {fused!r} but plain {plain!r}")
            return
        if abs(fused - plain) > rtol * abs(plain) + self.allowed(terms, ulps):
            self.problems.append(f"{where}: fused {fused!r} but plain {plain!r}")

    def report(self) -> None:
        shown = "\n".join(self.problems[:25])
        more = f"\n... and {len(self.problems) - 25} more" if len(self.problems) > 25 else ""
        assert not self.problems, f"{len(self.problems)} problem(s):\n{shown}{more}"


def _setup(ref: Reference, params: dict, dtype: type, require: Any) -> tuple:
    """The loss, its extreme inputs, their mpmath terms and a fresh judge."""
    require("mpmath")
    y_pred, y_true = _inputs(ref.name, dtype)
    truth = _truth(ref.name, _key(params), dtype)
    return losses.get(ref.name, **params), y_pred, y_true, truth, _Judge(dtype)


def _ulps(ref: Reference, params: dict, p: Any, t: Any) -> float:
    return ref.ulps(params, p, t) if callable(ref.ulps) else ref.ulps


@pytest.mark.parametrize(("ref", "params", "dtype"), CASES)
def test_elements_are_exact_on_both_paths(ref, params, dtype, require):
    loss, y_pred, y_true, truth, judge = _setup(ref, params, dtype, require)
    for index in _batches(ref, y_pred, y_true):
        results = {
            path: _evaluate(loss, path, y_pred[index], y_true[index], reduction="none")
            for path in PATHS
        }
        for j, i in enumerate(index):
            ulps = _ulps(ref, params, y_pred[i], y_true[i])
            for q, quantity in enumerate(("value", "grad", "hess")):
                exact = truth[i][q]
                cells = [exact] if q == 0 or not ref.rows else exact
                for c, terms in enumerate(cells):
                    where = f"{quantity}(y_pred={y_pred[i]!r}, y_true={y_true[i]!r})"
                    where += f"[{c}]" if ref.rows and q > 0 else ""
                    got = {path: float(results[path][q][j] if q == 0 or not ref.rows
                                       else results[path][q][j][c]) for path in PATHS}  # fmt: skip
                    for path in PATHS:
                        judge.check(got[path], terms, ulps, f"{path} {where}")
                    judge.agree(got["fused"], got["plain"], terms, ulps, where)
    judge.report()


def _finite_mask(truth, dtype) -> np.ndarray:
    top = float(np.finfo(dtype).max)
    return np.array([abs(mp.fsum(terms[0])) <= top / 100 for terms in truth])


@pytest.mark.parametrize(("ref", "params", "dtype"), CASES)
def test_reductions_and_weights_match_the_references(ref, params, dtype, require):
    loss, y_pred, y_true, truth, judge = _setup(ref, params, dtype, require)
    for index in _batches(ref, y_pred, y_true):
        finite = _finite_mask([truth[i] for i in index], dtype)
        # Weights 0 on every element whose loss overflows (or nearly): they must count for
        # nothing, not inf * 0 = NaN. The rest weigh 0.5, 1 or 3.
        weights = np.where(finite, np.resize([0.5, 1.0, 3.0], len(index)), 0.0).astype(dtype)
        if not np.any(weights):
            continue
        total_w = mp.fsum(mp.mpf(float(w)) for w in weights)
        values = [mp.fsum(truth[i][0]) for i in index]
        weighted = [mp.mpf(float(w)) * v for w, v in zip(weights, values, strict=True) if w != 0]
        n_terms = len(weighted)
        for reduction, scale in (("sum", 1), ("mean", total_w)):
            ulps = 4.0 * n_terms * max(_ulps(ref, params, y_pred[i], y_true[i]) for i in index)
            terms = [v / scale for v in weighted]
            for path in PATHS:
                value, grad, hess = _evaluate(
                    loss, path, y_pred[index], y_true[index], weights=weights, reduction=reduction
                )
                judge.check(float(value), terms or [mp.mpf(0)], ulps, f"{path} {reduction}")
                for q, derivative in ((1, grad), (2, hess)):
                    for j, i in enumerate(index):
                        cells = truth[i][q] if ref.rows else [truth[i][q]]
                        for c, cell in enumerate(cells):
                            w = mp.mpf(float(weights[j]))
                            scaled = [w * v / scale for v in cell] if w != 0 else [mp.mpf(0)]
                            got = derivative[j] if not ref.rows else derivative[j][c]
                            judge.check(float(got), scaled, 4 * ulps / n_terms + 4,
                                        f"{path} {reduction} d{q}[{i}]")  # fmt: skip
    judge.report()


@pytest.mark.parametrize(("ref", "params", "dtype"), WHOLE_CASES)
def test_whole_batches_are_exact(ref, params, dtype, require):
    # A loss of the whole batch: every (p, t) as a batch of one, then all of them as one batch;
    # its sums add n roundings, so the batch is held to 8 + 2n ulps of its terms' scale.
    require("mpmath")
    loss, judge = losses.get(ref.name, **params), _Judge(dtype)
    preds, trues = ref.preds(dtype), ref.trues(dtype)
    pairs = [(p, t) for p in preds for t in trues]
    batches = [[pair] for pair in pairs] + [pairs]
    for batch in batches:
        y_pred = np.array([p for p, _ in batch], dtype=dtype)
        y_true = np.array([t for _, t in batch], dtype=dtype)
        exact = ref.terms([float(v) for v in y_pred], [float(v) for v in y_true], **params)
        ulps = 8.0 + 2.0 * len(batch)
        where = f"batch of {len(batch)} from (p={batch[0][0]!r}, t={batch[0][1]!r})"
        for path in PATHS:
            value, grad, hess = _evaluate(loss, path, y_pred, y_true)
            assert value.dtype == grad.dtype == hess.dtype == dtype
            judge.check(float(value), exact[0], ulps, f"{path} value {where}")
            for i in range(len(batch)):
                judge.check(float(grad[i]), exact[1][i], ulps, f"{path} grad[{i}] {where}")
                judge.check(float(hess[i]), exact[2][i], ulps, f"{path} hess[{i}] {where}")
    judge.report()


# ---------------------------------------------------------------- the failure classes, named
# Each was found by fuzzing the first catalogue against mpmath; each stays a test here.


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("alpha", [0.0, 0.5, -2.0, -math.inf])
def test_barron_huge_residual_is_finite(path, alpha):
    loss = losses.get("barron", alpha=alpha)
    value, grad, hess = _evaluate(loss, path, np.array([1e155]), np.array([0.0]))
    for result in (value, grad, hess):
        assert np.isfinite(result).all()


@pytest.mark.parametrize("path", PATHS)
def test_confident_cross_entropy_keeps_its_relative_precision(path):
    # logits (30, 0, -30), label 0: the loss is log1p(e^-30 + e^-60) = 9.3576e-14.
    value = _evaluate(
        losses.get("cross_entropy"), path, np.array([[30.0, 0.0, -30.0]]), np.array([0])
    )[0]
    want = float(mp.log1p(mp.exp(-30) + mp.exp(-60)))
    assert abs(float(value) - want) <= 4e-16 * want


@pytest.mark.parametrize("path", PATHS)
def test_kl_divergence_of_a_confident_row_is_not_negative_or_inf(path):
    z = np.array([[700.0, -700.0, 0.0], [1e4, -1e4, 0.0]])
    t = np.array([[1.0, 0.0, 0.0], [1 - 2e-300, 1e-300, 1e-300]])
    value = _evaluate(losses.get("kl_div"), path, z, t, reduction="none")[0]
    assert np.all(np.isfinite(value))
    assert np.all(value >= 0)


@pytest.mark.parametrize("path", PATHS)
def test_pseudo_huber_tiny_delta_is_not_nan(path):
    loss = losses.get("pseudo_huber", delta=1e-6)
    results = _evaluate(loss, path, np.array([1e303, -1e-300, 0.0]), np.zeros(3), reduction="none")
    for result in results:
        assert not np.any(np.isnan(result))
    np.testing.assert_allclose(results[0][0], 1e-6 * 1e303, rtol=1e-14)


@pytest.mark.parametrize("path", PATHS)
def test_poisson_where_both_terms_overflow_is_signed_inf(path):
    value = _evaluate(
        losses.get("poisson_nll"), path, np.array([1e300, 710.0]), np.array([1e300, 1e306]),
        reduction="none",
    )[0]  # fmt: skip
    # e^1e300 beats 1e600; 1e306 * 710 = 7e308 beats e^710 = 2.2e308.
    assert value.tolist() == [math.inf, -math.inf]


@pytest.mark.parametrize("path", PATHS)
def test_focal_hessian_of_a_hopeless_answer_is_not_nan(path):
    hess = _evaluate(losses.get("focal"), path, np.array([-1.7e308]), np.array([1.0]))[2]
    assert hess.tolist() == [0.0]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("pos_weight", [1e-6, 1e6])
def test_float32_bce_with_logits_at_extreme_pos_weight(path, pos_weight):
    z = np.array([0.3, -2.0, 5.0], dtype=np.float32)
    y = np.array([1 - 2**-20, 0.25, 2**-20], dtype=np.float32)
    loss = losses.get("bce_with_logits", pos_weight=pos_weight)
    value, grad, hess = _evaluate(loss, path, z, y, reduction="none")
    for i in range(3):
        reference = REFERENCES["bce_with_logits"].terms(float(z[i]), float(y[i]), pos_weight)
        for got, terms in zip((value[i], grad[i], hess[i]), reference, strict=True):
            want = float(mp.fsum(terms))
            assert abs(float(got) - want) <= 2 * 1.2e-7 * float(mp.fsum(abs(v) for v in terms))


@pytest.mark.parametrize("path", PATHS)
def test_zero_weight_ignores_an_overflowing_loss(path):
    value, grad, _ = _evaluate(
        losses.get("mse"), path, np.array([1e200, 1.0]), np.zeros(2), weights=np.array([0.0, 1.0])
    )
    assert float(value) == 1.0
    assert grad.tolist() == [0.0, 2.0]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("weight", [1e-310, 1e-300, 1e300, 1.7e308])
def test_mean_over_extreme_weight_sums_divides_exactly(path, weight):
    # A weighted mean divides by the sum of weights, which here may overflow or be subnormal
    # (the fused kernel multiplies by its reciprocal).
    value, grad, _ = _evaluate(
        losses.get("mse"), path, np.array([3.0, 1.0]), np.zeros(2), weights=np.full(2, weight)
    )
    np.testing.assert_allclose(float(value), 5.0, rtol=4e-16)
    np.testing.assert_allclose(grad, [3.0, 1.0], rtol=4e-16)
    total = _evaluate(
        losses.get("mse"), path, np.array([1.0]), np.zeros(1), weights=[weight], reduction="sum"
    )[0]
    assert float(total) == weight  # a sum is not rescaled
    logits, labels = np.array([[3.0, 1.0], [0.0, 1.0]]), np.array([0, 1])
    value, grad, _ = _evaluate(
        losses.get("cross_entropy"), path, logits, labels, weights=[weight] * 2
    )
    expected = _evaluate(losses.get("cross_entropy"), path, logits, labels)
    np.testing.assert_allclose(float(value), float(expected[0]), rtol=4e-16)
    np.testing.assert_allclose(grad, expected[1], rtol=4e-16)


@pytest.mark.parametrize("path", PATHS)
def test_mean_of_two_huge_residuals_does_not_overflow(path):
    value = _evaluate(losses.get("mae"), path, np.array([1e308, 1e308]), np.zeros(2))[0]
    assert float(value) == 1e308


@pytest.mark.parametrize("path", PATHS)
def test_cross_entropy_of_logits_at_the_float_limit_is_not_nan(path):
    z = np.array([[1e308, -1e308], [-1e308, 1e308]])
    value, grad, hess = _evaluate(
        losses.get("cross_entropy"), path, z, np.array([0, 0]), reduction="none"
    )
    assert value.tolist() == [0.0, math.inf]  # the second row's loss, 2e308, overflows
    assert not np.any(np.isnan(grad))
    assert not np.any(np.isnan(hess))


def test_focal_reference_derivatives(require):
    # The reference's closed-form derivatives against mpmath's own numerical derivative.
    require("mpmath")
    ref = REFERENCES["focal"]
    for z in (-3.0, -0.2, 0.0, 0.7, 4.0):
        for y in (0.0, 1.0):
            for gamma, alpha in ((2.0, None), (0.5, 0.25)):
                _, grad, hess = ref.terms(z, y, gamma, alpha)
                focal = functools.partial(_mp_focal, y=y, gamma=gamma, alpha=alpha)
                numeric = mpmath.diff(focal, mp.mpf(z), 1)
                assert abs(mp.fsum(grad) - numeric) < mp.mpf(10) ** -40, (z, y)
                assert abs(mp.fsum(hess) - mpmath.diff(focal, mp.mpf(z), 2)) < mp.mpf(10) ** -30


def _mp_focal(x, y, gamma, alpha):
    p = 1 / (1 + mp.exp(-x))
    p_t = p if y == 1 else 1 - p
    alpha_t = 1 if alpha is None else (alpha if y == 1 else 1 - alpha)
    return -alpha_t * (1 - p_t) ** gamma * mp.log(p_t)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("poly1", {"epsilon": 1.0}),
        ("poly1", {"epsilon": -1.0}),
        ("poly1", {"epsilon": 3.0}),
        ("softmax_focal", {"gamma": 2.0}),
        ("softmax_focal", {"gamma": 0.5}),
        ("brier", {}),
        ("multi_margin", {"margin": 1.0, "p": 1}),
        ("multi_margin", {"margin": 0.7, "p": 2}),
        ("sparsemax", {}),
    ],
)
def test_row_reference_derivatives(require, name, params):
    # The row references' closed-form gradient and Hessian diagonal against mpmath's own
    # numerical derivatives of their value, one logit at a time (rows away from kinks).
    require("mpmath")
    ref = REFERENCES[name]
    rows = [[0.3, -1.2, 2.0], [1.1, 0.8, -0.4], [4.0, -2.5, 0.05]]
    targets = [0, 2, [0.25, 0.5, 0.25], [0.0, 0.75, 0.25]]  # rows summing to 1 exactly
    for row in rows:
        for target in targets:
            _, grad, hess = ref.terms(row, target, **params)
            for k in range(len(row)):

                def along(x, k=k, row=row, target=target):
                    moved = [mp.mpf(v) for v in row]
                    moved[k] = x
                    return mp.fsum(ref.terms(moved, target, **params)[0])

                x0 = mp.mpf(row[k])
                assert abs(mp.fsum(grad[k]) - mpmath.diff(along, x0, 1)) < mp.mpf(10) ** -30
                assert abs(mp.fsum(hess[k]) - mpmath.diff(along, x0, 2)) < mp.mpf(10) ** -20


@pytest.mark.parametrize("name", ["exponential", "modified_huber"])
def test_margin_reference_derivatives(require, name):
    require("mpmath")
    ref = REFERENCES[name]
    for z in (-3.0, -1.4, -0.2, 0.0, 0.7, 1.6, 4.0):
        for y in (0.0, 1.0, -1.0):
            _, grad, hess = ref.terms(z, y)

            def value(x, y=y):
                return mp.fsum(ref.terms(x, y)[0])

            assert abs(mp.fsum(grad) - mpmath.diff(value, mp.mpf(z), 1)) < mp.mpf(10) ** -30
            assert abs(mp.fsum(hess) - mpmath.diff(value, mp.mpf(z), 2)) < mp.mpf(10) ** -20

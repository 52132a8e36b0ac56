"""One registry of every catalogue loss, driving every test in tests/losses.

Each :class:`Case` is a loss name with one parameter setting, a generator of
valid random ``(y_pred, y_true)`` and the properties the loss has (non-negative,
zero at a perfect prediction, where its kinks are). A loss added to the
catalogue without an entry here fails ``test_registry_covers_catalogue``.
"""

from __future__ import annotations

import importlib
import math
import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import losslab.losses as losses

K = 4  # classes of the multiclass cases

Arrays = tuple[np.ndarray, np.ndarray]
Maker = Callable[[np.random.Generator, tuple[int, ...]], Arrays]


def require(module_name: str) -> ModuleType:
    """Import a reference library; skip when it is missing, unless CI demands references.

    With LOSSLAB_REQUIRE_REFERENCES=1 (set in CI) the ImportError propagates, so a
    missing reference fails the run instead of silently skipping the comparison.
    """
    if os.environ.get("LOSSLAB_REQUIRE_REFERENCES") == "1":
        return importlib.import_module(module_name)
    return pytest.importorskip(module_name)


@dataclass(frozen=True)
class Case:
    """A loss with one parameter setting and what the tests need to know about it."""

    name: str
    params: dict[str, Any]
    make: Maker
    task: str
    y_pred_kind: str
    rows: bool = False  # y_pred is (..., K) rows of logits; per-example shape drops the last axis
    # A loss of the whole batch (dice, tversky): no per-example values, so the generic tests,
    # which compare reductions with "none", leave it out unless they ask (loss_cases(whole=True));
    # tests/losses/test_structured.py covers it.
    whole: bool = False
    nonnegative: bool = True
    # y_true -> a y_pred at which the gradient vanishes (None: no finite one exists).
    perfect: Callable[[np.ndarray], np.ndarray] | None = None
    zero_loss_at_perfect: bool = True
    # (y_pred, y_true) -> per-element distance to the nearest kink (None: smooth).
    kink_distance: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    # (y_true, weights or None) -> what reduction "mean" divides by; None: sum(w) or count.
    normalizer: Callable[[np.ndarray, np.ndarray | None], float] | None = None
    label: str = ""
    tags: frozenset[str] = field(default_factory=frozenset)
    # How close the sampled points come to the stated Lipschitz constant, relatively: a
    # bound over every row width K may only be approached as K grows, not at K = 4.
    lipschitz_gap: float = 1e-3
    # Inputs whose gradient is far larger than at the samples, for a loss stated to have
    # no Lipschitz constant because its gradient grows with the targets or the row width
    # rather than with y_pred alone (msle, coral, the ranking losses).
    unbounded: Maker | None = None

    @property
    def id(self) -> str:
        extra = ",".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.name}({extra}){'-' + self.label if self.label else ''}"

    @property
    def loss(self) -> losses.Loss:
        return losses.get(self.name, **self.params)

    def functions(self) -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
        """The three pure functions ``name``, ``name_grad``, ``name_hess``."""
        return (
            getattr(losses, self.name),
            getattr(losses, f"{self.name}_grad"),
            getattr(losses, f"{self.name}_hess"),
        )

    def example_shape(self, y_pred: np.ndarray) -> tuple[int, ...]:
        return tuple(y_pred.shape[:-1]) if self.rows else tuple(y_pred.shape)

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...] = (7,)) -> Arrays:
        return self.make(rng, tuple(shape))

    def smooth_sample(
        self, rng: np.random.Generator, shape: tuple[int, ...] = (6,), margin: float = 0.02
    ) -> Arrays:
        """A sample whose every element lies at least ``margin`` away from a kink."""
        for _ in range(200):
            y_pred, y_true = self.make(rng, shape)
            if self.kink_distance is None or np.all(self.kink_distance(y_pred, y_true) > margin):
                return y_pred, y_true
        raise AssertionError(f"could not draw a smooth sample for {self.id}")

    def mean_normalizer(self, y_true: np.ndarray, weights: np.ndarray | None) -> float:
        if self.normalizer is not None:
            return self.normalizer(y_true, weights)
        shape = y_true.shape[:-1] if self.rows and y_true.dtype.kind == "f" else y_true.shape
        if weights is None:
            return float(math.prod(shape))
        return float(np.sum(np.broadcast_to(weights, shape)))


# ------------------------------------------------------------------ generators


def _regression(scale: float = 2.0) -> Maker:
    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
        y_true = rng.normal(0.0, scale, shape)
        return y_true + rng.normal(0.0, scale, shape), y_true

    return make


def _poisson(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return rng.uniform(-2.0, 2.0, shape), rng.poisson(2.0, shape).astype(np.float64)


def _gamma(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return rng.uniform(-2.0, 2.0, shape), rng.gamma(2.0, 1.5, shape)


def _positive_values(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    # Non-negative targets over a few scales, predictions within a factor of about e.
    y_true = rng.exponential(3.0, shape)
    return y_true * np.exp(rng.normal(0.0, 0.7, shape)), y_true


def _msle_values(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    # msle reads a negative prediction as 0 (Keras): some predictions fall below, across
    # the kink at y_pred = 0.
    y_pred, y_true = _positive_values(rng, shape)
    return y_pred - rng.uniform(0.0, 2.0, shape), y_true


def _probabilities(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return rng.uniform(0.05, 0.95, shape), rng.integers(0, 2, shape).astype(np.float64)


def _logits01(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return rng.normal(0.0, 3.0, shape), rng.integers(0, 2, shape).astype(np.float64)


def _logits_pm1(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return rng.normal(0.0, 3.0, shape), rng.choice([-1.0, 1.0], shape)


def _labels(ignore: int | None = None) -> Maker:
    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
        y_pred = rng.normal(0.0, 2.0, (*shape, K))
        y_true = rng.integers(0, K, shape)
        if ignore is not None:
            # About a third of the examples carry the ignored label, never all of them.
            drop = rng.random(shape) < 0.35
            y_true = np.where(drop, ignore, y_true)
            if y_true.flat[0] == ignore:  # the ignored label may be a real class
                y_true.flat[0] = (ignore + 1) % K
        return y_pred, y_true

    return make


def _label_rows(with_zeros: bool) -> Maker:
    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
        y_pred = rng.normal(0.0, 2.0, (*shape, K))
        t = rng.dirichlet(np.ones(K), shape)
        if with_zeros:
            t[..., 0] = 0.0
            t /= t.sum(axis=-1, keepdims=True)
        return y_pred, t

    return make


def _gaussian(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    y_true = rng.normal(0.0, 2.0, shape)
    mean = y_true + rng.normal(0.0, 1.5, shape)
    return np.stack([mean, rng.uniform(-2.0, 2.0, shape)], axis=-1), y_true


def _quantile_rows(width: int) -> Maker:
    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
        y_true = rng.normal(0.0, 2.0, shape)
        return y_true[..., None] + rng.normal(0.0, 2.0, (*shape, width)), y_true

    return make


def _thresholds(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return rng.normal(0.0, 2.0, (*shape, K - 1)), rng.integers(0, K, shape)


def _relevance(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return rng.normal(0.0, 2.0, (*shape, K)), rng.integers(0, 4, (*shape, K)).astype(np.float64)


def _masks(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    y_true = (rng.random(shape) < 0.5).astype(np.float64)
    y_true.flat[0] = 1.0
    return rng.uniform(0.05, 0.95, shape), y_true


# ------------------------------------------------------------------ kinks and perfect points


def _per_row(y_true: np.ndarray, weights: np.ndarray | None) -> float:
    # One real target per row: y_true has the examples' shape.
    if weights is None:
        return float(y_true.size)
    return float(np.sum(np.broadcast_to(weights, y_true.shape)))


def _repeated(width: int) -> Callable[[np.ndarray], np.ndarray]:
    return lambda y_true: np.repeat(np.asarray(y_true, float)[..., None], width, axis=-1)


def _at_each_quantile(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    return np.abs(y_pred - y_true[..., None])


def _identity(y_true: np.ndarray) -> np.ndarray:
    return np.array(y_true, dtype=np.float64, copy=True)


def _at_zero(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    return np.abs(y_pred - y_true)


def _at_delta(delta: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    return lambda y_pred, y_true: np.abs(np.abs(y_pred - y_true) - delta)


def _at_zero_prediction(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    return np.abs(y_pred)


def _margin(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    s = np.where(y_true == 0, -1.0, y_true)
    return np.abs(1.0 - s * y_pred)


def _hinge_perfect(y_true: np.ndarray) -> np.ndarray:
    # A margin of 2 is beyond the hinge: zero loss, zero (sub)gradient.
    return 2.0 * np.where(y_true == 0, -1.0, y_true)


def _kl_perfect(t: np.ndarray) -> np.ndarray:
    return np.log(t)


def _modified_huber_kinks(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    # The second derivative jumps at margins 1 and -1.
    margin = np.where(y_true == 0, -1.0, y_true) * y_pred
    return np.minimum(np.abs(1.0 - margin), np.abs(1.0 + margin))


def _rows_of(y_true: np.ndarray) -> np.ndarray:
    """Labels as one-hot rows of K; probability rows as they are."""
    return np.eye(K)[y_true] if y_true.dtype.kind in "iu" else y_true


def _multi_margin_kinks(margin: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    # Each pair (y, i) with t_y > 0 has a kink where its slack margin - z_y + z_i is 0.
    def distance(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        t = _rows_of(y_true)
        slack = np.abs(margin - y_pred[..., :, None] + y_pred[..., None, :])
        off = ~np.eye(K, dtype=bool)
        return np.where((t[..., :, None] > 0) & off, slack, np.inf).min(axis=(-1, -2))

    return distance


def _sparsemax_kinks(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    # The support changes where some z_j crosses the threshold tau.
    z = np.sort(y_pred, axis=-1)[..., ::-1]
    k = np.arange(1, K + 1)
    cumulative = np.cumsum(z, axis=-1)
    size = np.sum(1 + k * z > cumulative, axis=-1, keepdims=True)
    tau = (np.take_along_axis(cumulative, size - 1, axis=-1) - 1) / size
    return np.abs(y_pred - tau).min(axis=-1)


def _onehot_perfect(scale: float) -> Callable[[np.ndarray], np.ndarray]:
    # Logits scale * onehot(y): the label leads every other class by scale.
    return lambda y_true: scale * _rows_of(y_true)


def _ce_normalizer(
    class_weights: tuple[float, ...] | None, ignore_index: int = -100
) -> Callable[[np.ndarray, np.ndarray | None], float]:
    # PyTorch: with integer targets "mean" divides by the summed class weights of the
    # non-ignored targets; sample weights multiply in (a weight is a replicated example).
    def normalizer(y_true: np.ndarray, weights: np.ndarray | None) -> float:
        if y_true.dtype.kind == "f":  # probability rows: plain (weighted) count
            w = np.ones(y_true.shape[:-1]) if weights is None else weights
            return float(np.sum(np.broadcast_to(w, y_true.shape[:-1])))
        keep = y_true != ignore_index
        cw = np.ones(K) if class_weights is None else np.asarray(class_weights)
        per = np.where(keep, cw[np.where(keep, y_true, 0)], 0.0)
        w = np.ones(y_true.shape) if weights is None else np.broadcast_to(weights, y_true.shape)
        return float(np.sum(per * w))

    return normalizer


# ------------------------------------------------------------------ the registry

_REG = {"task": "regression", "y_pred_kind": "value"}
_SMOOTH_REG = {**_REG, "perfect": _identity}
_CW = (0.5, 1.0, 2.0, 1.5)

CASES: list[Case] = [
    Case("mse", {}, _regression(), **_SMOOTH_REG),
    Case("mae", {}, _regression(), **_SMOOTH_REG, kink_distance=_at_zero),
    *[
        Case("huber", {"delta": d}, _regression(), **_SMOOTH_REG, kink_distance=_at_delta(d))
        for d in (0.3, 1.0, 2.0)
    ],
    *[Case("pseudo_huber", {"delta": d}, _regression(), **_SMOOTH_REG) for d in (0.3, 2.0)],
    Case("log_cosh", {}, _regression(), **_SMOOTH_REG),
    *[
        Case("quantile", {"q": q}, _regression(), **_SMOOTH_REG, kink_distance=_at_zero)
        for q in (0.1, 0.5, 0.9)
    ],
    *[Case("expectile", {"tau": tau}, _regression(), **_SMOOTH_REG) for tau in (0.1, 0.5, 0.9)],
    *[
        Case(
            "barron",
            {"alpha": a, "scale": s},
            _regression(),
            **_SMOOTH_REG,
            tags=frozenset({"barron-special"} if a in (2.0, 1.0, 0.0, -2.0, -math.inf) else {}),
        )
        for a, s in (
            (2.0, 1.0),
            (1.0, 1.0),
            (0.0, 1.0),
            (-2.0, 1.0),
            (-math.inf, 1.0),
            (0.5, 1.0),
            (3.0, 1.0),
            (-5.0, 1.0),
            (1.0, 0.5),
            (0.0, 3.0),
            (0.5, 2.0),
        )
    ],
    Case(
        "poisson_nll",
        {},
        _poisson,
        task="regression",
        y_pred_kind="log_rate",
        nonnegative=False,  # exp(z) - y z is negative near z = log y for y > 1
        perfect=lambda y: np.log(np.maximum(y, 1.0)),  # grad exp(z) - y = 0 needs y > 0
        zero_loss_at_perfect=False,
        tags=frozenset({"perfect-needs-positive"}),
    ),
    *[
        Case(
            "tweedie",
            {"power": power},
            _poisson,
            task="regression",
            y_pred_kind="log_rate",
            perfect=lambda y: np.log(np.maximum(y, 1.0)),  # mu = y needs y > 0
            zero_loss_at_perfect=False,
            tags=frozenset({"perfect-needs-positive"}),
        )
        for power in (1.5, 1.1, 1.9)
    ],
    Case(
        "gamma_nll",
        {},
        _gamma,
        task="regression",
        y_pred_kind="log_rate",
        nonnegative=False,  # z + y e^-z is log y + 1 at its minimum: negative for y < 1/e
        perfect=np.log,
        zero_loss_at_perfect=False,
    ),
    Case(
        "msle",
        {},
        _msle_values,
        **_SMOOTH_REG,
        kink_distance=_at_zero_prediction,
        # At y_pred = 0 the pull is 2 log1p(y): unbounded in the target.
        unbounded=lambda rng, shape: (np.zeros(shape), np.full(shape, 1e300)),
    ),
    *[
        Case(name, {"scale": s}, _regression(), **_SMOOTH_REG)
        for name in ("cauchy", "welsch", "geman_mcclure", "charbonnier")
        for s in (1.0, 0.3, 3.0)
    ],
    *[Case("tukey", {"c": c}, _regression(), **_SMOOTH_REG) for c in (4.685, 1.0)],
    *[
        Case(
            "epsilon_insensitive",
            {"epsilon": e},
            _regression(),
            **_SMOOTH_REG,
            kink_distance=_at_delta(e),
        )
        for e in (0.1, 0.0, 1.5)
    ],
    Case(
        "bce",
        {},
        _probabilities,
        task="binary",
        y_pred_kind="probability",
        # p = y in {0, 1} costs exactly 0, but the minimum sits on the boundary of [0, 1]:
        # the one-sided derivative there is -1 (p = 1) or +1 (p = 0), not 0.
        perfect=_identity,
        zero_loss_at_perfect=True,
        tags=frozenset({"perfect-on-boundary"}),
    ),
    Case(
        "mse_probability",
        {},
        _probabilities,
        task="binary",
        y_pred_kind="probability",
        perfect=_identity,
    ),
    *[
        Case("bce_with_logits", {"pos_weight": w}, _logits01, task="binary", y_pred_kind="logit")
        for w in (1.0, 2.5)
    ],
    Case("cross_entropy", {}, _labels(), task="multiclass", y_pred_kind="logits", rows=True),
    Case(
        "cross_entropy",
        {"class_weights": _CW},
        _labels(),
        task="multiclass",
        y_pred_kind="logits",
        rows=True,
        normalizer=_ce_normalizer(_CW),
    ),
    Case(
        "cross_entropy",
        {"label_smoothing": 0.1},
        _labels(),
        task="multiclass",
        y_pred_kind="logits",
        rows=True,
    ),
    Case(
        "cross_entropy",
        {"class_weights": _CW, "label_smoothing": 0.2},
        _labels(),
        task="multiclass",
        y_pred_kind="logits",
        rows=True,
        normalizer=_ce_normalizer(_CW),
    ),
    Case(
        "cross_entropy",
        {},
        _label_rows(with_zeros=False),
        task="multiclass",
        y_pred_kind="logits",
        rows=True,
        label="probability-targets",
    ),
    Case(
        "cross_entropy",
        {"label_smoothing": 0.3},
        _label_rows(with_zeros=True),
        task="multiclass",
        y_pred_kind="logits",
        rows=True,
        label="probability-targets",
        # sqrt(1 + 0.7² - 0.3²/K), the largest gradient at K = 4, is 0.76% short of the bound.
        lipschitz_gap=1e-2,
    ),
    Case(
        "cross_entropy",
        {},
        _labels(ignore=-100),
        task="multiclass",
        y_pred_kind="logits",
        rows=True,
        normalizer=_ce_normalizer(None),
        label="ignored-labels",
    ),
    Case(
        "cross_entropy",
        {"class_weights": _CW, "ignore_index": 2},
        _labels(ignore=2),
        task="multiclass",
        y_pred_kind="logits",
        rows=True,
        normalizer=_ce_normalizer(_CW, ignore_index=2),
        label="ignored-labels",
    ),
    *[
        Case("focal", p, _logits01, task="binary", y_pred_kind="logit")
        for p in ({"gamma": 0.0}, {"gamma": 2.0}, {"gamma": 0.5}, {"gamma": 2.0, "alpha": 0.25})
    ],
    *[
        Case(
            name,
            {},
            make,
            task="binary",
            y_pred_kind="logit",
            perfect=_hinge_perfect,
            kink_distance=_margin,
            label=label,
        )
        for name in ("hinge", "squared_hinge")
        for make, label in ((_logits01, "labels01"), (_logits_pm1, "labels-pm1"))
    ],
    *[
        Case(
            "kl_div",
            {},
            _label_rows(with_zeros=z),
            task="multiclass",
            y_pred_kind="logits",
            rows=True,
            perfect=None if z else _kl_perfect,
            label="zero-targets" if z else "",
        )
        for z in (False, True)
    ],
    *[
        Case(
            name,
            {},
            make,
            task="binary",
            y_pred_kind="logit",
            perfect=_hinge_perfect if name == "modified_huber" else None,
            kink_distance=_modified_huber_kinks if name == "modified_huber" else None,
            label=label,
            tags=frozenset({"exp-of-margin"} if name == "exponential" else ()),
        )
        for name in ("exponential", "modified_huber")
        for make, label in ((_logits01, "labels01"), (_logits_pm1, "labels-pm1"))
    ],
    *[
        Case("poly1", p, _labels(), task="multiclass", y_pred_kind="logits", rows=True)
        for p in ({}, {"epsilon": -1.0}, {"epsilon": 3.0})
    ],
    Case(
        "poly1",
        {"epsilon": 2.0},
        _label_rows(with_zeros=True),
        task="multiclass",
        y_pred_kind="logits",
        rows=True,
        label="probability-targets",
    ),
    *[
        Case("softmax_focal", p, _labels(), task="multiclass", y_pred_kind="logits", rows=True)
        for p in ({}, {"gamma": 0.5}, {"gamma": 0.0})
    ],
    Case(
        "softmax_focal",
        {},
        _label_rows(with_zeros=True),
        task="multiclass",
        y_pred_kind="logits",
        rows=True,
        label="probability-targets",
    ),
    Case("brier", {}, _labels(), task="multiclass", y_pred_kind="logits", rows=True),
    Case(
        "brier",
        {},
        _label_rows(with_zeros=False),
        task="multiclass",
        y_pred_kind="logits",
        rows=True,
        perfect=_kl_perfect,
        label="probability-targets",
    ),
    *[
        Case(
            "multi_margin",
            p,
            make,
            task="multiclass",
            y_pred_kind="logits",
            rows=True,
            # Soft targets pay for every class they spread over: no perfect row.
            perfect=None if label else _onehot_perfect(2.0 * p.get("margin", 1.0)),
            kink_distance=_multi_margin_kinks(p.get("margin", 1.0)),
            label=label,
            # The bound 1 holds over every K; at K = 4 the largest pull is sqrt(3 / 4).
            lipschitz_gap=0.15,
        )
        for p, make, label in (
            ({}, _labels(), ""),
            ({"p": 2, "margin": 0.5}, _labels(), ""),
            ({"p": 2}, _label_rows(with_zeros=True), "probability-targets"),
        )
    ],
    *[
        Case(
            "sparsemax",
            {},
            make,
            task="multiclass",
            y_pred_kind="logits",
            rows=True,
            perfect=perfect,
            kink_distance=_sparsemax_kinks,
            label=label,
        )
        for make, perfect, label in (
            (_labels(), _onehot_perfect(2.0), ""),
            (_label_rows(with_zeros=False), _identity, "probability-targets"),
        )
    ],
]

CASES += [
    Case(
        "gaussian_nll",
        {},
        _gaussian,
        task="distribution",
        y_pred_kind="mean_log_variance",
        rows=True,
        nonnegative=False,  # s / 2 is negative for a small variance
        normalizer=_per_row,
    ),
    *[
        Case(
            "multi_quantile",
            {"qs": qs},
            _quantile_rows(len(qs)),
            task="distribution",
            y_pred_kind="quantiles",
            rows=True,
            perfect=_repeated(len(qs)),
            kink_distance=_at_each_quantile,
            normalizer=_per_row,
        )
        for qs in ((0.1, 0.5, 0.9), (0.25,), (0.05, 0.3, 0.5, 0.7, 0.95))
    ],
    Case(
        "coral",
        {},
        _thresholds,
        task="ordinal",
        y_pred_kind="thresholds",
        rows=True,
        # Every threshold pulls with force up to 1: the norm grows with their number.
        unbounded=lambda rng, shape: (np.full((*shape, 1000), -10.0), np.full(shape, 1000)),
    ),
    Case(
        "pairwise_logistic",
        {},
        _relevance,
        task="ranking",
        y_pred_kind="scores",
        rows=True,
        # Each item is pulled by every pair it is in: the norm grows with the list's length.
        unbounded=lambda rng, shape: (
            np.zeros((*shape, 64)),
            np.broadcast_to(np.arange(64.0), (*shape, 64)).copy(),
        ),
    ),
    Case(
        "softmax_ranking",
        {},
        _relevance,
        task="ranking",
        y_pred_kind="scores",
        rows=True,
        # The pull is the grades' total times p minus the grades: as large as the grades.
        unbounded=lambda rng, shape: (
            np.zeros((*shape, K)),
            np.broadcast_to(np.eye(K)[0] * 1e8, (*shape, K)).copy(),
        ),
    ),
    *[
        Case(
            name,
            params,
            _masks,
            task="segmentation",
            y_pred_kind="probability",
            whole=True,
        )
        for name, params in (
            ("dice", {}),
            ("dice", {"smooth": 0.0}),
            ("tversky", {}),
            ("tversky", {"alpha": 0.3, "beta": 0.7, "smooth": 0.5}),
        )
    ],
]

CASE_IDS = [c.id for c in CASES]
if len(set(CASE_IDS)) != len(CASE_IDS):
    raise RuntimeError("loss case ids must be unique")


# ------------------------------------------------------------------ pytest wiring
# Test modules never import this file (a second conftest elsewhere would shadow the module
# name); they receive the registry through the ``case`` parameter and the fixtures below.


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "loss_cases(*names, where=None, whole=False): restrict the `case` parameter to these "
        "losses, or to the cases where `where(case)` is true; whole=True admits the losses of a "
        "whole batch (left out otherwise)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" not in metafunc.fixturenames:
        return
    names: tuple[str, ...] = ()
    where: Callable[[Case], bool] | None = None
    whole = False
    for marker in metafunc.definition.iter_markers("loss_cases"):
        names = names or tuple(marker.args)
        where = where or marker.kwargs.get("where")
        whole = whole or marker.kwargs.get("whole", False)
    chosen = [
        c
        for c in CASES
        if (not names or c.name in names) and (where is None or where(c)) and (whole or not c.whole)
    ]
    if not chosen:
        raise RuntimeError(f"{metafunc.definition.nodeid}: no loss case selected")
    metafunc.parametrize("case", chosen, ids=[c.id for c in chosen])


@pytest.fixture(scope="session")
def all_cases() -> list[Case]:
    return list(CASES)


@pytest.fixture(scope="session", name="require")
def require_fixture() -> Callable[[str], ModuleType]:
    return require


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    # A seed per test, stable across runs (crc32, not the salted hash), different per test.
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))

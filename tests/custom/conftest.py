"""Shared helpers and the registry of custom losses that drives the property tests."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import pytest

from losslab import custom
from losslab.losses import Loss

Arrays = tuple[np.ndarray, np.ndarray]


def require(module_name: str) -> ModuleType:
    """Import a reference library; skip when missing, unless LOSSLAB_REQUIRE_REFERENCES=1.

    With the variable set (CI) the ImportError propagates, so a missing
    reference fails the run instead of silently skipping the comparison.
    """
    if os.environ.get("LOSSLAB_REQUIRE_REFERENCES") == "1":
        return importlib.import_module(module_name)
    return pytest.importorskip(module_name)


def _regression(rng: np.random.Generator, n: int) -> Arrays:
    y_true = rng.normal(0.0, 1.0, n)
    return y_true + rng.normal(0.0, 1.0, n), y_true


def _binary_logits(rng: np.random.Generator, n: int) -> Arrays:
    return rng.normal(0.0, 2.0, n), rng.integers(0, 2, n).astype(np.float64)


def _rows(k: int) -> Callable[[np.random.Generator, int], Arrays]:
    def make(rng: np.random.Generator, n: int) -> Arrays:
        return rng.normal(0.0, 2.0, (n, k)), rng.integers(0, k, n)

    return make


COST_3 = [[0.0, 1.0, 4.0], [2.0, 0.0, 1.0], [10.0, 3.0, 0.0]]


@dataclass(frozen=True)
class Case:
    id: str
    loss: Loss
    make: Callable[[np.random.Generator, int], Arrays]


CASES = [
    Case("cost_sensitive_bce", custom.cost_sensitive_bce(fn_cost=5.0, fp_cost=1.0), _binary_logits),
    Case("cost_matrix_ce", custom.cost_matrix_cross_entropy(COST_3), _rows(3)),
    Case("expected_cost_softmax", custom.expected_cost_softmax(COST_3), _rows(3)),
    Case("linex(a=1)", custom.linex(a=1.0, b=1.0), _regression),
    Case("linex(a=-0.7,b=2)", custom.linex(a=-0.7, b=2.0), _regression),
    Case("asymmetric_squared", custom.asymmetric_squared(under=5.0, over=1.0), _regression),
    Case(
        "expr:asymmetric",
        custom.expression_loss(
            "where(y_true > y_pred, k*(y_true - y_pred)**2, (y_true - y_pred)**2)", k=5.0
        ),
        _regression,
    ),
    Case("expr:log_cosh", custom.expression_loss("log(cosh(y_pred - y_true))"), _regression),
    Case(
        "expr:logistic",
        custom.expression_loss(
            "y_true*softplus(-y_pred) + (1 - y_true)*softplus(y_pred)",
            task="binary",
            y_pred_kind="logit",
        ),
        _binary_logits,
    ),
    Case(
        "expr:pseudo_huber",
        custom.expression_loss("d**2*(sqrt(1 + ((y_pred - y_true)/d)**2) - 1)", d=0.7),
        _regression,
    ),
]


@pytest.fixture(params=CASES, ids=[case.id for case in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


ELEMENTWISE = [c for c in CASES if c.loss.y_pred_kind != "logits"]


@pytest.fixture(scope="module", params=ELEMENTWISE, ids=[case.id for case in ELEMENTWISE])
def elementwise_case(request: pytest.FixtureRequest) -> Case:
    # Module scope: hypothesis refuses function-scoped fixtures in @given tests.
    return request.param

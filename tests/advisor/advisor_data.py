"""Synthetic data sets whose right answer is known, made here so the tests say how."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import numpy as np
import pytest

N = 400
BETA = np.array([1.0, -2.0, 0.5])


def require(module_name: str) -> ModuleType:
    """Import a reference library; skip when missing, unless LOSSLAB_REQUIRE_REFERENCES=1."""
    if os.environ.get("LOSSLAB_REQUIRE_REFERENCES") == "1":
        return importlib.import_module(module_name)
    return pytest.importorskip(module_name)


def gaussian(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """y = Xβ + N(0, 1): squared error is the efficient loss."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, 3))
    return X, X @ BETA + rng.normal(size=N)


def student_t_outliers(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Student-t noise with 2 degrees of freedom plus 10% gross outliers of ±20..50.

    The outliers have random signs, so the conditional mean stays Xβ: a loss
    wins by estimating β better, not by chasing a shifted centre.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, 3))
    noise = rng.standard_t(2, size=N)
    gross = rng.random(N) < 0.1
    noise[gross] += rng.choice([-1.0, 1.0], gross.sum()) * rng.uniform(20, 50, gross.sum())
    return X, X @ BETA + noise


def poisson_counts(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Counts y ~ Poisson(exp(0.5 + Xβ)): a log-link deviance fits the curved mean."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, 3))
    return X, rng.poisson(np.exp(0.5 + X @ np.array([0.5, -0.4, 0.3]))).astype(np.float64)


def imbalanced(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """About 95/5 binary classes, the rare one shifted by 0.8 in both features.

    The Bayes posterior of the rare class stays under 1/2 almost everywhere,
    so an unweighted logistic fit predicts it (almost) never and its F1 is
    (near) 0; balanced weights move the threshold and find some of it.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, 2))
    y = (rng.random(N) < 0.05).astype(np.int64)
    X[y == 1] += 0.8
    return X, y

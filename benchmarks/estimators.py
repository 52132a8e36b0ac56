"""LossRegressor / LossClassifier against scikit-learn's own linear models: test error, fit time.

    python benchmarks/estimators.py            # the three cases, a few seconds
    python benchmarks/estimators.py --quick    # smaller data, fewer repeats

Cases (fit time is the best of ``repeats`` fits after a warm-up fit). BLAS and
OpenMP run one thread unless ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` say
otherwise: these fits take milliseconds, and on a busy machine a second BLAS
thread made scikit-learn's and our L-BFGS alike 30 to 100 times slower.

- **huber**: 2,000 x 10 training rows (and as many test rows), standard-normal
  features, ``y = X w + 5 + ε`` with ``ε ~ N(0, 1)`` and 5% of the targets
  shifted by ``N(0, 100²)`` (train and test alike). ``HuberRegressor`` has a
  scale-relative threshold (``epsilon`` times its jointly fitted scale σ);
  our ``delta`` is in target units. With unit noise the natural settings
  coincide: ``HuberRegressor(epsilon=1.35, alpha=0)`` against
  ``LossRegressor(loss="huber:delta=1.35", alpha=0)``. Test MAE is printed on
  the test rows as they are (outliers included) and on their clean targets
  ``X w + 5`` (the error of the fitted line itself, the sharper comparison).
  A second run multiplies the targets by 20 (noise sd 20, as in the issue's
  report): there ``HuberRegressor()`` at its defaults against
  ``LossRegressor(loss="huber")`` at delta = 1 in target units (nearly least
  absolute deviations) and at delta = 1.35 x 20 = 27, the same threshold.
- **logistic**: breast_cancer, a stratified 75/25 split, ``StandardScaler``
  in a pipeline; ``LogisticRegression()`` (C = 1, on a sum) against
  ``LossClassifier(alpha=1 / n_train)``, the same penalty on the mean.
  Test accuracy and log-loss.
- **quantile**: the huber data, q = 0.8, ``QuantileRegressor(alpha=0)`` (its
  default L1 penalty alpha = 1 is switched off; solver highs) against
  ``LossRegressor(loss="quantile:q=0.8", alpha=0)``. Test pinball loss.

Every LossRegressor / LossClassifier row is printed for the default solver
(L-BFGS) and for ``solver="trust-ncg"`` where the loss has a second derivative.
The ratio columns divide ours by the scikit-learn row of the case: the issue's
targets are error within 2% (ratio <= 1.02, accuracy >= reference - 0.02) and
fit time <= 2x.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import HuberRegressor, LogisticRegression, QuantileRegressor
from sklearn.metrics import (
    accuracy_score,
    log_loss,
    mean_absolute_error,
    mean_pinball_loss,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from losslab.estimators import LossClassifier, LossRegressor


def _best_fit(make: Callable[[], Any], X, y, repeats: int) -> tuple[Any, float]:
    """The fitted estimator and its fastest fit time in seconds, after one warm-up fit."""
    make().fit(X, y)
    best = np.inf
    for _ in range(repeats):
        estimator = make()
        start = time.perf_counter()
        estimator.fit(X, y)
        best = min(best, time.perf_counter() - start)
    return estimator, best


def outlier_data(n: int, seed: int = 0, scale: float = 1.0):
    """Train and test halves of the huber case, and the test rows' clean targets.

    ``scale`` multiplies the targets (noise, outliers and coefficients alike).
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2 * n, 10))
    clean = scale * (X @ rng.normal(scale=3.0, size=10) + 5.0)
    y = clean + scale * rng.normal(size=2 * n)
    outliers = rng.random(2 * n) < 0.05
    y[outliers] += scale * rng.normal(0.0, 100.0, outliers.sum())
    return X[:n], y[:n], X[n:], y[n:], clean[n:]


def _print(rows: list[tuple[str, float, float, float | None]], what: str, extra: str) -> None:
    reference_error, reference_time = rows[0][1], rows[0][2]
    print(f"{'estimator':<44} {what:>12} {extra:>12} {'fit ms':>8} {'err ratio':>9} {'time x':>7}")
    for name, error, seconds, other in rows:
        other_text = "" if other is None else f"{other:.5g}"
        print(
            f"{name:<44} {error:>12.5g} {other_text:>12} {1e3 * seconds:>8.2f} "
            f"{error / reference_error:>9.4f} {seconds / reference_time:>7.2f}"
        )
    print()


def huber_case(n: int, repeats: int, scale: float = 1.0) -> None:
    X, y, X_test, y_test, clean = outlier_data(n, scale=scale)
    makers = {
        "HuberRegressor(epsilon=1.35, alpha=0)": lambda: HuberRegressor(
            epsilon=1.35, alpha=0.0, max_iter=1000
        ),
        "LossRegressor('huber:delta=1.35', alpha=0)": lambda: LossRegressor(
            loss="huber:delta=1.35", alpha=0.0
        ),
        "  solver='trust-ncg'": lambda: LossRegressor(
            loss="huber:delta=1.35", alpha=0.0, solver="trust-ncg"
        ),
        "LossRegressor('mse') (not robust)": lambda: LossRegressor(alpha=0.0),
    }
    if scale != 1.0:
        # Noise of standard deviation `scale`: delta = 1.35 is now far inside the noise
        # (close to least absolute deviations); 1.35 x scale is HuberRegressor's setting.
        makers = {
            "HuberRegressor() (defaults)": HuberRegressor,
            f"LossRegressor('huber') (delta=1, noise sd {scale:g})": lambda: LossRegressor(
                loss="huber"
            ),
            f"LossRegressor('huber:delta={1.35 * scale:g}')": lambda: LossRegressor(
                loss=f"huber:delta={1.35 * scale:g}"
            ),
        }
    rows = []
    for name, make in makers.items():
        estimator, seconds = _best_fit(make, X, y, repeats)
        prediction = estimator.predict(X_test)
        rows.append(
            (
                name,
                mean_absolute_error(y_test, prediction),
                seconds,
                mean_absolute_error(clean, prediction),
            )
        )
    print(
        f"huber: {n} x 10, 5% outliers, noise sd {scale:g}; test MAE (with outliers) "
        "and MAE to the clean targets"
    )
    _print(rows, "test MAE", "clean MAE")


def logistic_case(repeats: int) -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X, X_test, y, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    alpha = 1.0 / len(y)
    makers = {
        "LogisticRegression() in a scaler pipeline": lambda: make_pipeline(
            StandardScaler(), LogisticRegression()
        ),
        "LossClassifier(alpha=1/n) in a scaler pipeline": lambda: make_pipeline(
            StandardScaler(), LossClassifier(alpha=alpha)
        ),
        "  solver='trust-ncg'": lambda: make_pipeline(
            StandardScaler(), LossClassifier(alpha=alpha, solver="trust-ncg")
        ),
    }
    rows = []
    for name, make in makers.items():
        estimator, seconds = _best_fit(make, X, y, repeats)
        proba = estimator.predict_proba(X_test)
        rows.append(
            (
                name,
                log_loss(y_test, proba),
                seconds,
                accuracy_score(y_test, estimator.predict(X_test)),
            )
        )
    print(f"logistic: breast_cancer, {len(y)} training rows; test log-loss and accuracy")
    _print(rows, "log-loss", "accuracy")


def quantile_case(n: int, repeats: int) -> None:
    X, y, X_test, y_test, _ = outlier_data(n)
    makers = {
        "QuantileRegressor(quantile=0.8, alpha=0)": lambda: QuantileRegressor(
            quantile=0.8, alpha=0.0
        ),
        "LossRegressor('quantile:q=0.8', alpha=0)": lambda: LossRegressor(
            loss="quantile:q=0.8", alpha=0.0
        ),
    }
    rows = []
    for name, make in makers.items():
        estimator, seconds = _best_fit(make, X, y, repeats)
        pinball = mean_pinball_loss(y_test, estimator.predict(X_test), alpha=0.8)
        rows.append((name, pinball, seconds, None))
    print(f"quantile: {n} x 10, q = 0.8; test pinball loss")
    _print(rows, "pinball", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 rows and 2 repeats")
    args = parser.parse_args()
    n, repeats = (500, 2) if args.quick else (2000, 7)
    huber_case(n, repeats)
    huber_case(n, repeats, scale=20.0)
    logistic_case(repeats)
    quantile_case(n, repeats)


if __name__ == "__main__":
    main()

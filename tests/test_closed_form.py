"""Training reaches known optima: lstsq and scikit-learn's linear models are the references."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import HuberRegressor, LogisticRegression, QuantileRegressor

from losslab import datasets, losses, models, train


def _design(X: np.ndarray) -> np.ndarray:
    return np.column_stack([X, np.ones(X.shape[0])])


def _coefficients(model: models.Linear) -> np.ndarray:
    return np.r_[model.params["weight"][:, 0], model.params["bias"]]


def test_linear_mse_gd_reaches_lstsq():
    data = datasets.linear(n_samples=100, n_features=3, noise=0.5, seed=3)
    A = _design(data.X)
    reference = np.linalg.lstsq(A, data.y, rcond=None)[0]
    # MSE = (1/n)‖A θ − y‖² has Hessian (2/n) AᵀA; lr = 1/L is the safe GD step.
    lipschitz = 2 * np.linalg.eigvalsh(A.T @ A / A.shape[0]).max()
    model = models.LinearRegression(3)
    history = train.fit(model, "mse", data.X, data.y, optimizer="gd", lr=1 / lipschitz, epochs=300)
    assert not history.diverged
    np.testing.assert_allclose(_coefficients(model), reference, rtol=0, atol=1e-8)


def test_logistic_bce_with_logits_matches_sklearn_unpenalised():
    # Overlapping blobs: not linearly separable, so the unpenalised optimum is finite.
    data = datasets.blobs(n_samples=200, separation=2.0, seed=1)
    # C=np.inf is scikit-learn 1.8+'s spelling of penalty=None (penalty is deprecated).
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(data.X, data.y)
    A = _design(data.X)
    # Mean BCE has Hessian ⪯ ¼ AᵀA / n.
    lipschitz = 0.25 * np.linalg.eigvalsh(A.T @ A / A.shape[0]).max()
    model = models.LogisticRegression(2, head="identity")
    train.fit(
        model, "bce_with_logits", data.X, data.y,
        optimizer="nesterov", lr=1 / lipschitz, epochs=1000, optimizer_params={"momentum": 0.9},
    )  # fmt: skip
    expected = np.r_[reference.coef_[0], reference.intercept_]
    np.testing.assert_allclose(_coefficients(model), expected, rtol=0, atol=1e-5)


def test_quantile_median_matches_sklearn_quantile_regressor():
    # sklearn's QuantileRegressor(alpha=0) minimises (1/n) Σ pinball_q(y − ŷ): our quantile loss
    # with q = 0.5. The objective is piecewise linear, so we run Adam with a cosine decay to 0
    # (a subgradient method) on a small dataset and compare objective values (to 1e-6) and
    # coefficients (to 1e-4; the LP optimum from HiGHS is a vertex, unique for this data).
    data = datasets.linear(n_samples=40, n_features=2, noise=1.0, seed=4)
    reference = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs").fit(data.X, data.y)
    loss = losses.get("quantile", q=0.5)
    model = models.LinearRegression(2)
    train.fit(
        model, loss, data.X, data.y, optimizer="adam", lr=0.05, epochs=4000, schedule="cosine"
    )
    ours = float(loss(model(data.X), data.y))
    best = float(loss(reference.predict(data.X), data.y))
    assert ours - best < 1e-6
    expected = np.r_[reference.coef_, reference.intercept_]
    np.testing.assert_allclose(_coefficients(model), expected, rtol=0, atol=1e-4)


def test_huber_matches_sklearn_huber_regressor_at_its_scale():
    # sklearn's HuberRegressor minimises Σ_i [σ + σ H_ε(r_i / σ)] + α‖w‖² jointly in (w, σ), with
    # H_ε(z) = z² for |z| < ε, 2ε|z| − ε² beyond. At its fitted σ = scale_ and with α = 0, the
    # w-part σ H_ε(r/σ) equals (2/σ) times our huber with δ = ε σ (½r², δ|r| − ½δ²), so its
    # coefficients minimise our mean huber loss with delta = epsilon * scale_.
    data = datasets.linear_outliers(n_samples=100, n_features=2, outlier_fraction=0.1, seed=2)
    epsilon = 1.35
    reference = HuberRegressor(epsilon=epsilon, alpha=0.0, tol=1e-12, max_iter=10_000)
    reference.fit(data.X, data.y)
    loss = losses.get("huber", delta=epsilon * reference.scale_)
    A = _design(data.X)
    lipschitz = np.linalg.eigvalsh(A.T @ A / A.shape[0]).max()
    model = models.LinearRegression(2)
    history = train.fit(
        model, loss, data.X, data.y, optimizer="nesterov", lr=1 / lipschitz, epochs=1500
    )
    assert history.final["grad_norm"] < 1e-10
    expected = np.r_[reference.coef_, reference.intercept_]
    # L-BFGS in sklearn stops near 1e-6 from the optimum we reach (grad norm < 1e-10 above).
    np.testing.assert_allclose(_coefficients(model), expected, rtol=0, atol=1e-5)

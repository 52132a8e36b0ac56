"""Diagnostics of a data set: the numbers the rules read, each with its meaning.

Regression diagnostics are read from the residuals of a quick robust
baseline (scikit-learn's ``HuberRegressor``, a linear fit with bounded
influence, so outliers show in the residuals instead of bending the fit):

* Hill estimator of the tail index of ``|r − median(r)|`` over the top
  ``k = max(10, ⌊√n⌋)`` order statistics:
  ``α̂ = 1 / ((1/k) Σᵢ₌₁ᵏ log x₍ᵢ₎ − log x₍ₖ₊₁₎)``; Gaussian noise has no
  power tail (α̂ large, growing with n), Student-t with ν degrees of freedom α = ν.
* excess kurtosis and skewness (plain moment estimates) and Bowley's quartile skewness
  ``(Q₃ + Q₁ − 2Q₂) / (Q₃ − Q₁)``, which outliers cannot move far;
* outlier fraction: the share of rows with modified z-score
  ``0.6745 |r − median(r)| / MAD > 3.5`` (Iglewicz and Hoaglin);
* Breusch–Pagan (Koenker's studentised form): regress ``r²`` on ``[1, X]``,
  ``LM = n R²`` ~ χ² with ``d`` degrees of freedom under equal variance;
* whether the targets are counts (non-negative integers) or positive.

Classification diagnostics come from out-of-fold probabilities of a logistic
regression (scikit-learn, 5 stratified folds): class shares, the disagreement
rate (out-of-fold probability of the given label < 0.5 — an upper bound on
label noise, since hard rows count too), separability (out-of-fold ROC AUC,
one-vs-rest for several classes), and calibration (expected calibration error
and Brier score of those probabilities).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from losslab import metrics

__all__ = [
    "Diagnostic",
    "bowley_skew",
    "breusch_pagan",
    "classification_diagnostics",
    "hill_index",
    "regression_diagnostics",
    "robust_scale",
    "robust_z",
]

MAD_TO_SD = 1.4826  # 1 / Φ⁻¹(3/4): the MAD of a normal sample estimates σ / 1.4826


@dataclass(frozen=True)
class Diagnostic:
    """One number about the data, what it means, and what the figure of it shows.

    Attributes:
        key: Identifier the rules read (``"hill_index"``).
        name: Human name.
        value: The number (a bool counts as 0/1).
        meaning: One sentence on what this value says about these data.
        detail: Further numbers (a p-value, the k used).
    """

    key: str
    name: str
    value: float
    meaning: str
    detail: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain types, for JSON."""
        return {
            "key": self.key,
            "name": self.name,
            "value": _number(self.value),
            "meaning": self.meaning,
            "detail": {k: _number(v) for k, v in self.detail.items()},
        }


def _number(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    value = float(value)
    return value if math.isfinite(value) else None


def robust_scale(residuals: np.ndarray) -> float:
    """σ̂ = 1.4826 · median |r − median(r)|, the normal-consistent MAD.

    >>> round(robust_scale(np.array([1.0, 2.0, 3.0, 4.0, 100.0])), 4)
    1.4826
    """
    r = np.asarray(residuals, dtype=np.float64)
    return float(MAD_TO_SD * np.median(np.abs(r - np.median(r))))


def robust_z(residuals: np.ndarray) -> np.ndarray:
    """Modified z-scores ``0.6745 (r − median(r)) / MAD`` (Iglewicz and Hoaglin)."""
    r = np.asarray(residuals, dtype=np.float64)
    mad = np.median(np.abs(r - np.median(r)))
    if mad == 0:
        return np.zeros_like(r)
    return 0.6745 * (r - np.median(r)) / mad


def hill_index(values: np.ndarray, k: int | None = None) -> tuple[float, int]:
    """The Hill estimate of the tail index of ``|values|`` and the ``k`` it used.

    ``α̂ = 1 / mean(log x₍ᵢ₎ / x₍ₖ₊₁₎, i = 1..k)`` over the ``k`` largest
    values; ``k`` defaults to ``max(10, ⌊√n⌋)`` (at most n − 1).

    >>> x = 1 / np.linspace(0.001, 1, 1000)  # Pareto quantiles with index 1
    >>> round(hill_index(x, 100)[0], 1)
    1.0
    """
    x = np.sort(np.abs(np.asarray(values, dtype=np.float64)))[::-1]
    n = x.size
    if k is None:
        k = max(10, math.isqrt(n))
    k = min(k, n - 1)
    if k < 1 or x[k] <= 0:
        return math.inf, k
    mean_log = float(np.mean(np.log(x[:k] / x[k])))
    return (1.0 / mean_log if mean_log > 0 else math.inf), k


def bowley_skew(values: np.ndarray) -> float:
    """Bowley's quartile skewness ``(Q₃ + Q₁ − 2 Q₂) / (Q₃ − Q₁)``, in [−1, 1]."""
    q1, q2, q3 = np.quantile(np.asarray(values, dtype=np.float64), [0.25, 0.5, 0.75])
    return 0.0 if q3 == q1 else float((q3 + q1 - 2 * q2) / (q3 - q1))


def breusch_pagan(residuals: np.ndarray, X: np.ndarray) -> tuple[float, float]:
    """Koenker's Breusch–Pagan statistic ``n R²`` of ``r²`` on ``[1, X]`` and its χ² p-value.

    Equals ``statsmodels.stats.diagnostic.het_breuschpagan(r, [1, X])[:2]``
    (its default ``robust=True``).
    """
    r2 = np.asarray(residuals, dtype=np.float64) ** 2
    X = np.asarray(X, dtype=np.float64)
    design = np.column_stack([np.ones(r2.size), X])
    coef, *_ = np.linalg.lstsq(design, r2, rcond=None)
    fitted = design @ coef
    total = np.sum((r2 - r2.mean()) ** 2)
    if total == 0:
        return 0.0, 1.0
    r_squared = 1.0 - np.sum((r2 - fitted) ** 2) / total
    lm = float(r2.size * r_squared)
    dof = np.linalg.matrix_rank(design) - 1
    return lm, float(special.chdtrc(dof, lm))  # the χ²(dof) upper tail


def skew_kurtosis(x: np.ndarray) -> tuple[float, float]:
    """Moment skewness ``m₃/m₂^{3/2}`` and excess kurtosis ``m₄/m₂² − 3``, central moments ``m_k``.

    The plain (biased) moment estimates, as ``scipy.stats.skew`` and
    ``scipy.stats.kurtosis`` give by default; a constant sample has ``(0, 0)``.
    Written out so the advisor does not import ``scipy.stats`` (~0.5 s).
    """
    d = np.asarray(x, dtype=np.float64)
    d = d - d.mean()
    m2 = float(np.mean(d**2))
    if m2 == 0:
        return 0.0, 0.0
    return float(np.mean(d**3)) / m2**1.5, float(np.mean(d**4)) / m2**2 - 3.0


def baseline_residuals(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fitted values and residuals of scikit-learn's ``HuberRegressor`` (ε = 1.35)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import HuberRegressor

    with warnings.catch_warnings():
        # The baseline is a quick look; an unconverged fit still shows the residuals' shape.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = HuberRegressor(epsilon=1.35, alpha=1e-4, max_iter=500).fit(X, y)
    fitted = model.predict(X)
    return fitted, y - fitted


def regression_diagnostics(X: np.ndarray, y: np.ndarray) -> tuple[list[Diagnostic], dict]:
    """The regression diagnostics and the arrays their figures draw.

    Returns:
        ``(diagnostics, arrays)``; ``arrays`` holds ``fitted``, ``residuals``
        and ``y`` for the figures.
    """
    fitted, r = baseline_residuals(X, y)
    sigma = robust_scale(r)
    z = robust_z(r)
    alpha, k = hill_index(r - np.median(r))
    skew, kurt = skew_kurtosis(r)
    bowley = bowley_skew(r)
    outliers = float(np.mean(np.abs(z) > 3.5))
    lm, p = breusch_pagan(r, X)
    integers = bool(np.all(y == np.round(y)))
    counts = integers and bool(np.all(y >= 0)) and np.unique(y).size > 2
    positive = bool(np.all(y > 0))
    target_skew = skew_kurtosis(y)[0]
    tail = (
        "a power tail as heavy as Student-t with this many degrees of freedom"
        if alpha < 4
        else "no heavy power tail (Gaussian-like tails give large values)"
    )
    out = [
        Diagnostic(
            "robust_scale",
            "robust scale σ (1.4826·MAD)",
            sigma,
            f"Typical residual size {sigma:.3g}; robust thresholds are multiples of it.",
        ),
        Diagnostic(
            "hill_index",
            "Hill tail index",
            alpha,
            f"Tail index {alpha:.3g} over the top {k} residuals: {tail}.",
            {"k": k},
        ),
        Diagnostic(
            "excess_kurtosis",
            "excess kurtosis",
            kurt,
            "0 for Gaussian noise; large values mean rare large errors dominate "
            f"the variance (here {kurt:.3g}).",
        ),
        Diagnostic(
            "outlier_fraction",
            "outlier fraction (|robust z| > 3.5)",
            outliers,
            f"{outliers:.1%} of rows lie far outside the bulk "
            "(about 0.05% expected for Gaussian noise).",
        ),
        Diagnostic(
            "residual_skew",
            "residual skewness",
            skew,
            f"Moment skewness {skew:.3g}, quartile (Bowley) skewness {bowley:.3g}: "
            + (
                "errors are roughly symmetric."
                if abs(bowley) < 0.1
                else "errors lean to one side, so mean and median predictions differ."
            ),
            {"bowley": bowley},
        ),
        Diagnostic(
            "breusch_pagan_p",
            "Breusch–Pagan p-value",
            p,
            f"LM = {lm:.3g}; "
            + (
                "the residual variance changes with the features."
                if p < 0.01
                else "no evidence that the residual variance depends on the features."
            ),
            {"lm": lm},
        ),
        Diagnostic(
            "counts",
            "targets are counts",
            counts,
            "Non-negative integer targets: Poisson / Tweedie deviances fit them."
            if counts
            else "The targets are not counts.",
        ),
        Diagnostic(
            "positive",
            "targets are positive",
            positive,
            "Every target is > 0: log-link deviances (Gamma, Tweedie) apply."
            if positive
            else "Targets are >= 0 with zeros: Poisson and Tweedie take them, Gamma does not."
            if np.all(y >= 0)
            else "Some targets are negative: log-link deviances do not apply.",
        ),
        Diagnostic(
            "target_skew",
            "target skewness",
            target_skew,
            f"Skewness of the targets themselves ({target_skew:.3g}).",
        ),
    ]
    return out, {"fitted": fitted, "residuals": r, "y": y, "z": z}


def classification_diagnostics(
    X: np.ndarray, y: np.ndarray, n_classes: int, seed: int = 0
) -> tuple[list[Diagnostic], dict]:
    """The classification diagnostics and the out-of-fold probabilities their figures draw."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    counts = np.bincount(y, minlength=n_classes)
    shares = counts / counts.sum()
    minority = float(shares.min())
    folds = int(min(5, counts.min()))
    if folds < 2:
        raise ValueError(f"y: every class needs at least 2 rows, counts are {counts.tolist()}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        proba = cross_val_predict(
            LogisticRegression(max_iter=1000), X, y, method="predict_proba",
            cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
        )  # fmt: skip
    given = proba[np.arange(y.size), y]
    disagreement = float(np.mean(given < 0.5))
    if n_classes == 2:
        auc = metrics.roc_auc(proba[:, 1], y)
        ece = metrics.expected_calibration_error(proba[:, 1], y)
    else:
        auc = float(np.mean([metrics.roc_auc(proba[:, c], (y == c).astype(int))
                             for c in range(n_classes)]))  # fmt: skip
        ece = metrics.expected_calibration_error(proba, y)
    brier = float(np.mean(np.sum((proba - np.eye(n_classes)[y]) ** 2, axis=1)))
    out = [
        Diagnostic("minority_share", "smallest class share", minority,
                   f"Class shares {', '.join(f'{s:.1%}' for s in shares)}"
                   + ("; a rare class is easy to ignore." if minority < 0.2 else
                      "; reasonably balanced."), {"imbalance_ratio": shares.max() / minority}),
        Diagnostic("label_noise", "cross-validated disagreement", disagreement,
                   f"{disagreement:.1%} of labels get out-of-fold probability < 0.5 from a "
                   "logistic baseline: an upper bound on label noise (hard rows count too)."),
        Diagnostic("cv_auc", "separability (out-of-fold ROC AUC)", auc,
                   f"AUC {auc:.3g}: " + ("the classes are (nearly) separable." if auc > 0.995
                                         else "0.5 is chance, 1 is perfect separation.")),
        Diagnostic("calibration_ece", "calibration of the baseline (ECE)", ece,
                   f"Expected calibration error {ece:.3g} of the baseline's probabilities "
                   f"(Brier {brier:.3g}); 0 is perfectly calibrated.", {"brier": brier}),
    ]  # fmt: skip
    return out, {"proba": proba, "y": y, "shares": shares}

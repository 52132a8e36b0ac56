"""The statistics behind the advice, against statsmodels and SciPy."""

from __future__ import annotations

import numpy as np
import pytest
from advisor_data import require
from scipy import stats

from losslab.advisor import (
    bowley_skew,
    breusch_pagan,
    corrected_interval,
    hill_index,
    paired_comparison,
    robust_scale,
    robust_z,
)
from losslab.advisor._diagnostics import skew_kurtosis


@pytest.mark.parametrize("heteroscedastic", [False, True])
def test_breusch_pagan_matches_statsmodels(heteroscedastic):
    diagnostic = require("statsmodels.stats.diagnostic")
    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 3))
    spread = np.exp(0.8 * X[:, 0]) if heteroscedastic else 1.0
    residuals = rng.normal(size=300) * spread
    lm, p = breusch_pagan(residuals, X)
    reference = diagnostic.het_breuschpagan(residuals, np.column_stack([np.ones(300), X]))
    assert lm == pytest.approx(reference[0], rel=1e-10)
    assert p == pytest.approx(reference[1], rel=1e-8, abs=1e-300)
    assert (p < 0.01) == heteroscedastic


def test_hill_index_is_the_pareto_maximum_likelihood_of_the_exceedances():
    # Over the threshold x_(k+1), the k largest values divided by it are Pareto(α):
    # the MLE of α with location 0 and scale 1 is exactly the Hill estimator.
    rng = np.random.default_rng(5)
    x = stats.pareto.rvs(2.0, size=2000, random_state=rng)
    alpha, k = hill_index(x, 200)
    top = np.sort(x)[::-1]
    shape, _, _ = stats.pareto.fit(top[:k] / top[k], floc=0, fscale=1)
    assert alpha == pytest.approx(shape, rel=1e-6)
    assert alpha == pytest.approx(2.0, rel=0.2)


def test_hill_index_separates_student_t_from_gaussian():
    rng = np.random.default_rng(6)
    heavy, _ = hill_index(rng.standard_t(2, size=4000))
    light, _ = hill_index(rng.normal(size=4000))
    assert heavy == pytest.approx(2.0, rel=0.35)
    assert light > 4


def test_robust_scale_and_z_match_scipy():
    rng = np.random.default_rng(7)
    r = rng.normal(3.0, 2.0, size=501)
    assert robust_scale(r) == pytest.approx(stats.median_abs_deviation(r, scale="normal"), rel=1e-4)
    mad = stats.median_abs_deviation(r)
    assert robust_z(r) == pytest.approx(0.6745 * (r - np.median(r)) / mad)


@pytest.mark.parametrize("df", [3.0, 30.0])
def test_skew_kurtosis_match_scipy_stats(df):
    x = np.random.default_rng(4).standard_t(df, size=400) + 2.0
    skew, kurt = skew_kurtosis(x)
    assert skew == pytest.approx(stats.skew(x), rel=1e-12, abs=1e-14)
    assert kurt == pytest.approx(stats.kurtosis(x), rel=1e-12)
    assert skew_kurtosis(np.full(5, 3.0)) == (0.0, 0.0)


def test_bowley_skew_sign_and_bounds():
    rng = np.random.default_rng(8)
    assert bowley_skew(rng.exponential(size=2000)) > 0.1
    assert abs(bowley_skew(rng.normal(size=2000))) < 0.05
    assert -1 <= bowley_skew(rng.lognormal(0, 3, size=200)) <= 1


def test_corrected_interval_reduces_to_the_one_sample_t_test_without_overlap():
    rng = np.random.default_rng(9)
    d = rng.normal(0.3, 1.0, size=10)
    mean, low, high, p = corrected_interval(d, n_train=1e12, n_test=1.0)
    reference = stats.ttest_1samp(d, 0.0)
    interval = reference.confidence_interval(0.95)
    assert p == pytest.approx(reference.pvalue, rel=1e-6)
    assert (low, high) == pytest.approx((interval.low, interval.high), rel=1e-6)
    assert mean == pytest.approx(d.mean())


def test_corrected_interval_widens_by_the_nadeau_bengio_factor():
    d = np.array([0.5, 0.1, 0.4, 0.2, 0.3, 0.6, 0.2, 0.3, 0.5, 0.4])
    _, low, high, _ = corrected_interval(d, n_train=80, n_test=20)
    naive_half = stats.t.ppf(0.975, 9) * d.std(ddof=1) / np.sqrt(10)
    factor = np.sqrt((1 / 10 + 20 / 80) / (1 / 10))
    assert (high - low) / 2 == pytest.approx(naive_half * factor)


def test_paired_comparison_ties_and_orders():
    keys = [(s, f) for s in range(2) for f in range(5)]
    rng = np.random.default_rng(10)
    base = rng.normal(10, 1, size=10)
    rows = []
    for label, shift in (("a", 0.0), ("b", 0.001), ("c", 3.0)):
        for (seed, fold), value in zip(keys, base + shift + rng.normal(0, 0.01, 10), strict=True):
            rows.append({"label": label, "seed": seed, "fold": fold, "score": value,
                         "n_train": 80, "n_test": 20, "converged": True, "seconds": 1})  # fmt: skip
    table = paired_comparison(rows, ["c", "b", "a"], "min")
    assert [row["label"] for row in table][2] == "c"
    assert table[1]["tied"]
    assert table[2]["significantly_worse"]
    assert table[2]["low"] > 0
    flipped = paired_comparison(rows, ["c", "b", "a"], "max")
    assert flipped[0]["label"] == "c"


def test_readme_rules_table_is_the_rules_data():
    from pathlib import Path

    from losslab.advisor import rules_markdown

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert rules_markdown() in readme, "README's advise rules table is out of date:\n" + (
        rules_markdown()
    )

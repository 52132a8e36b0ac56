"""The seeds' headline claims, judged over several seeds by the rules of losslab.claims.

The thresholds, and the ranges measured when they were set, are beside each
claim in ``src/losslab/claims.py``; ``losslab demo`` judges the same claims by
the same rules on one seed. What stays here checks the experiments themselves.
"""

from __future__ import annotations

import numpy as np
import pytest

from losslab import claims
from losslab.experiments import demo


def assert_holds(name: str, result: object) -> claims.Verdict:
    verdict = claims.evaluate(claims.get(name), result)
    assert verdict.holds, verdict.failed
    return verdict


@pytest.mark.parametrize("data_seed", [0, 1, 2])
def test_huber_and_mae_slopes_resist_outliers(data_seed: int) -> None:
    assert_holds("robust_slopes", demo.outliers(data_seed))


@pytest.mark.parametrize("data_seed", [0, 1])
def test_constant_model_finds_mean_under_mse_and_median_under_mae(data_seed: int) -> None:
    # The constant fit reads only the data, so a short comparison suffices.
    assert_holds("constant_minimisers", demo.outliers(data_seed, seeds=1, epochs=5))


def test_constant_fit_closed_form_small() -> None:
    fit = demo.constant_fit([0.0, 1.0, 2.0, 10.0, 11.0])
    assert fit.fitted["mse"] == pytest.approx(4.8, abs=1e-9)  # the mean
    assert fit.fitted["mae"] == pytest.approx(2.0, abs=0.01)  # the median


@pytest.mark.parametrize("seed", range(5))
def test_cross_entropy_escapes_saturation_mse_on_probability_does_not(seed: int) -> None:
    assert_holds("saturation", demo.saturation(seed))


@pytest.mark.parametrize("seed", range(5))
def test_loss_falls_while_accuracy_is_flat_and_calibration_improves(seed: int) -> None:
    result = demo.calibration(seed)
    assert_holds("calibration", result)
    # The reliability tables cover the same rows at both epochs.
    assert result.reliability_final["count"].sum() == result.reliability_at_plateau["count"].sum()


@pytest.mark.parametrize("data_seed", range(3))
def test_pos_weight_trades_false_negatives_for_false_positives(data_seed: int) -> None:
    assert_holds("asymmetric_costs", demo.asymmetric(data_seed))


def test_overparameterised_mlp_overfits() -> None:
    results = [demo.overfitting(seed) for seed in range(5)]
    verdict = claims.evaluate_seeds(claims.get("overfitting"), results)
    assert verdict.holds, verdict.failed


def test_confident_wrong_predictions_cost_most() -> None:
    result = demo.confidence()
    verdict = assert_holds("confident_wrong", result)
    # The seed's numbers: -log 0.9 ≈ 0.105, -log 0.1 ≈ 2.303, -log 0.51 ≈ 0.673, -log 0.99 ≈ 0.01.
    m = verdict.measured
    assert m["loss_0.9"] == pytest.approx(0.105, abs=5e-4)
    assert m["loss_0.1"] == pytest.approx(2.303, abs=5e-4)
    assert m["loss_0.51"] == pytest.approx(0.673, abs=5e-4)
    assert m["loss_0.99"] == pytest.approx(0.01005, abs=5e-5)
    curve = result.curve
    np.testing.assert_allclose(curve["value"], -np.log(curve["x"]), rtol=1e-12)
    np.testing.assert_allclose(curve["derivative"], -1 / curve["x"], rtol=1e-12)

"""Every number of the two seed texts, reproduced by losslab.lessons and the catalogue.

Expected values are typed in exactly as the seeds state them (seed 000, "The
Objective: Minimizing Loss"; seed 001, "Loss Functions and Objective
Functions"). Where a seed rounds ("≈ 0.105", "$14,142"), the tolerance is half
a unit of its last digit; where it states an exact value, the check is exact
up to float rounding.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from losslab import lessons
from losslab.losses import cross_entropy_grad, get


def rounded(value: float, places: int) -> object:
    """A value the seed printed to ``places`` decimals: within half a unit of the last one."""
    return pytest.approx(value, abs=0.5 * 10.0**-places)


EXACT = 1e-12


# ---------------------------------------------------------------- seed 000: housing prices


def test_housing_errors_are_prediction_minus_true():
    assert lessons.housing().errors == (10_000.0, -10_000.0, -20_000.0)


def test_housing_squared_errors():
    assert lessons.housing().squared_errors == (100e6, 100e6, 400e6)


def test_housing_mse_is_600m_over_3():
    ex = lessons.housing()
    assert ex.sum_squared_errors == 600e6
    assert ex.mse == 200_000_000.0


def test_housing_rmse_is_14142_dollars():
    assert lessons.housing().rmse == rounded(14_142, 0)


def test_housing_uses_the_seeds_data():
    assert lessons.HOUSING_TRUE == (200_000.0, 350_000.0, 500_000.0)
    assert lessons.HOUSING_PRED == (210_000.0, 340_000.0, 480_000.0)


# ---------------------------------------------------------------- seed 000: binary cross-entropy


def test_spam_cross_entropy_at_0_9_is_0_105():
    assert lessons.spam_cross_entropy().losses[0] == rounded(0.105, 3)


def test_spam_cross_entropy_at_0_1_is_2_303():
    assert lessons.spam_cross_entropy().losses[1] == rounded(2.303, 3)


def test_spam_cross_entropy_is_minus_log_p():
    losses = lessons.spam_cross_entropy().losses
    assert losses == pytest.approx((-math.log(0.9), -math.log(0.1)), rel=EXACT)


# ---------------------------------------------------------------- seed 000: 4x under MSE


def test_twenty_unit_error_costs_four_times_a_ten_unit_error():
    r = lessons.mse_error_ratio()
    assert r.errors == (-10_000.0, -20_000.0)
    assert r.squared_errors == (100e6, 400e6)
    assert r.ratio == 4.0


# ---------------------------------------------------------------- seed 000: 0.51 against 0.99


def test_confidence_losses():
    c = lessons.confidence_comparison()
    assert c.losses[0] == rounded(0.673, 3)
    assert c.losses[1] == rounded(0.01005, 5)


def test_confidence_099_is_lower_by_about_67_times():
    c = lessons.confidence_comparison()
    assert c.lower == 0.99
    assert c.ratio == rounded(67, 0)
    assert c.difference == pytest.approx(math.log(0.99) - math.log(0.51), rel=EXACT)


def test_confidence_both_classifiers_have_the_same_accuracy():
    assert lessons.confidence_comparison().predicted_labels == (1, 1)


# ---------------------------------------------------------------- seed 000: rainfall exercise


def test_rainfall_uses_the_seeds_data():
    assert lessons.RAINFALL_TRUE == (10.0, 25.0, 5.0, 40.0, 15.0)
    assert lessons.RAINFALL_MODEL_A == (12.0, 23.0, 6.0, 38.0, 18.0)
    assert lessons.RAINFALL_MODEL_B == (11.0, 20.0, 10.0, 50.0, 12.0)


def test_rainfall_step1_errors():
    s = lessons.rainfall()
    assert s.a.errors == (2.0, -2.0, 1.0, -2.0, 3.0)
    assert s.b.errors == (1.0, -5.0, 5.0, 10.0, -3.0)


def test_rainfall_step2_squared_errors():
    s = lessons.rainfall()
    assert s.a.squared_errors == (4.0, 4.0, 1.0, 4.0, 9.0)
    assert s.b.squared_errors == (1.0, 25.0, 25.0, 100.0, 9.0)


def test_rainfall_step3_mse():
    s = lessons.rainfall()
    assert s.a.mse == pytest.approx(4.4, rel=EXACT)
    assert s.b.mse == pytest.approx(32.0, rel=EXACT)


def test_rainfall_step4_model_a_is_lower():
    assert lessons.rainfall().lower_mse == "A"


def test_rainfall_step5_week4_contributes_20_of_32():
    s = lessons.rainfall()
    assert s.outlier_week == 4
    assert s.outlier_squared_error == 100.0
    assert s.outlier_contribution == pytest.approx(20.0, rel=EXACT)
    assert s.outlier_share == pytest.approx(20.0 / 32.0, rel=EXACT)


def test_rainfall_step5_without_the_error():
    s = lessons.rainfall()
    # Same five weeks with week 4 predicted exactly: (1 + 25 + 25 + 0 + 9) / 5.
    assert s.b_mse_without_outlier == pytest.approx(12.0, rel=EXACT)
    # The remaining four weeks only: (1 + 25 + 25 + 9) / 4.
    assert s.b_mse_other_weeks == pytest.approx(15.0, rel=EXACT)
    assert s.outlier_inflation == pytest.approx(20.0, rel=EXACT)
    assert s.outlier_inflation_factor == pytest.approx(32.0 / 12.0, rel=EXACT)


def test_rainfall_bonus_mae():
    s = lessons.rainfall()
    assert s.a.mae == pytest.approx(2.0, rel=EXACT)
    assert s.b.mae == pytest.approx(4.8, rel=EXACT)
    assert s.a.absolute_errors == (2.0, 2.0, 1.0, 2.0, 3.0)
    assert s.b.absolute_errors == (1.0, 5.0, 5.0, 10.0, 3.0)


def test_rainfall_steps_cover_the_exercise():
    titles = [step.title for step in lessons.lesson("rainfall")]
    assert [t.split(":")[0] for t in titles] == [
        "Step 1",
        "Step 2",
        "Step 3",
        "Step 4",
        "Step 5",
        "Bonus",
    ]


def test_rainfall_through_explain():
    for y_pred, mse in ((lessons.RAINFALL_MODEL_A, 4.4), (lessons.RAINFALL_MODEL_B, 32.0)):
        ex = lessons.explain("mse", y_pred, lessons.RAINFALL_TRUE)
        assert ex.value == pytest.approx(mse, rel=EXACT)
        assert ex.table.column("error") == [
            p - t for p, t in zip(y_pred, lessons.RAINFALL_TRUE, strict=True)
        ]
        assert dict(ex.totals.rows)["RMSE = sqrt(MSE)"] == pytest.approx(math.sqrt(mse))


# ---------------------------------------------------------------- seed 000: matching, questions

SEED_MATCHES = {
    "Predicting apartment price in dollars": "Mean Squared Error",
    "Predicting spam vs. not-spam probability": "Cross-Entropy Loss",
    "The number training is designed to minimize": "Total training loss",
    "Loss when prediction exactly equals true label": "Zero",
    "Penalizes confident wrong predictions most severely": "Cross-Entropy Loss property",
}


def test_matching_terms_and_definitions_are_the_seeds():
    assert lessons.MATCHING_TERMS == tuple(SEED_MATCHES)
    assert sorted(lessons.MATCHING_DEFINITIONS) == sorted(SEED_MATCHES.values())


def test_matching_solution():
    assert {m.term: m.definition for m in lessons.matching()} == SEED_MATCHES


def test_matching_zero_is_the_loss_of_a_perfect_prediction():
    assert float(get("mse")([350_000.0], [350_000.0])) == 0.0
    assert float(get("bce")([1.0], [1.0])) == 0.0


def test_question_1_answer_is_4():
    first, _ = lessons.questions()
    assert first.prompt.startswith("A regression model predicts housing prices.")
    assert first.answer.startswith("4 ")


def test_question_2_answer_is_the_099_classifier():
    _, second = lessons.questions()
    assert "0.51" in second.prompt
    assert second.answer.startswith("The 0.99 classifier")
    assert "67 times lower" in second.answer
    assert "accuracy" in second.explanation


# ---------------------------------------------------------------- seed 001


def test_correct_class_probability_0_9_costs_little_and_0_01_a_lot():
    c = lessons.correct_class_losses()
    assert c.losses == pytest.approx((-math.log(0.9), -math.log(0.01)), rel=EXACT)
    assert c.losses[0] == rounded(0.105, 3)
    assert c.losses[1] == rounded(4.605, 3)


def _softmax_minus_onehot(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    # Reference written independently of losslab: exp(z - max) / sum, minus the one-hot rows.
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(len(labels)), labels] -= 1.0
    return p


@pytest.mark.parametrize(
    ("logits", "labels"),
    [
        ([[2.0, 1.0, 0.0], [0.0, 1.0, 3.0]], [0, 2]),
        ([[0.0, 0.0]], [1]),
        ([[-3.0, 5.0, 0.5, 2.0], [10.0, -10.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]], [3, 0, 2]),
        ([[1e4, -1e4, 0.0]], [1]),
    ],
)
def test_cross_entropy_gradient_is_softmax_minus_onehot(logits, labels):
    z = np.asarray(logits)
    y = np.asarray(labels)
    expected = _softmax_minus_onehot(z, y)
    np.testing.assert_allclose(cross_entropy_grad(z, y, reduction="none"), expected, atol=1e-15)
    g = lessons.cross_entropy_gradient(z, y)
    np.testing.assert_allclose(g.gradient, expected, atol=1e-15)
    np.testing.assert_allclose(g.probabilities - g.one_hot, expected, atol=1e-15)


def test_cross_entropy_gradient_rows_sum_to_zero():
    g = lessons.cross_entropy_gradient()
    np.testing.assert_allclose(g.gradient.sum(axis=1), 0.0, atol=1e-15)


# ---------------------------------------------------------------- lessons as steps


@pytest.mark.parametrize("name", lessons.available_lessons())
def test_every_lesson_has_steps(name):
    steps = lessons.lesson(name)
    assert steps
    assert all(step.title for step in steps)


def test_unknown_lesson_names_the_choices():
    with pytest.raises(ValueError, match="unknown lesson 'nope'; available: rainfall"):
        lessons.lesson("nope")

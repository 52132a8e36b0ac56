"""lessons.check: right answers pass, wrong ones raise WrongAnswer with a useful message.

Expected values are typed in as the seeds state them (seed 000's housing,
spam, rainfall and questions; seed 001's 0.9 / 0.01) or computed here
independently of losslab (plain NumPy, math), so a regression in losslab
fails these tests rather than moving the answer the checker expects.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from losslab import lessons
from losslab.lessons import Verdict, WrongAnswer, check
from losslab.lessons._minimizing_loss import MATCHING_ANSWERS

# ---------------------------------------------------------------- right answers

SEED_ANSWERS = {
    "housing_errors": [10_000, -10_000, -20_000],
    "housing_squared_errors": [100e6, 100e6, 400e6],
    "housing_mse": 200_000_000,
    "housing_rmse": 14_142,
    "spam_losses": [0.105, 2.303],
    "rainfall_errors_a": [2, -2, 1, -2, 3],
    "rainfall_errors_b": [1, -5, 5, 10, -3],
    "rainfall_squared_errors_a": [4, 4, 1, 4, 9],
    "rainfall_squared_errors_b": [1, 25, 25, 100, 9],
    "rainfall_mse_a": 4.4,
    "rainfall_mse_b": 32,
    "rainfall_lower_mse": "A",
    "rainfall_outlier_contribution": 20,
    "rainfall_mse_b_without_outlier": 12,
    "rainfall_mae_a": 2.0,
    "rainfall_mae_b": 4.8,
    "question_1_ratio": 4,
    "question_2_lower": 0.99,
    "question_2_losses": [0.673, 0.010],
    "question_2_same_accuracy": True,
    "correct_class_losses": [0.105, 4.605],
    "xor_point_kind": "saddle",
    "plateau_stalls": "mse",
    "bowl_is_convex": True,
}


@pytest.mark.parametrize(("exercise_id", "answer"), SEED_ANSWERS.items())
def test_the_seeds_answers_are_correct(exercise_id, answer):
    verdict = check(exercise_id, answer)
    assert isinstance(verdict, Verdict)
    assert repr(verdict).startswith(f"Correct: {exercise_id}")


def test_every_exercise_has_a_right_answer_tested():
    tested = set(SEED_ANSWERS) | set(FUNCTIONS) | {"matching", "bowl_hessian"}
    assert tested == set(lessons.exercises())


def test_unrounded_answers_pass():
    check("housing_rmse", math.sqrt(200_000_000))
    check("spam_losses", [-math.log(0.9), -math.log(0.1)])
    check("rainfall_mse_a", (4 + 4 + 1 + 4 + 9) / 5)  # 4.3999999999999995 in floats
    check("question_2_losses", np.array([-math.log(0.51), -math.log(0.99)]))


def test_numpy_and_tuple_answers_pass():
    check("rainfall_errors_a", np.array([2.0, -2.0, 1.0, -2.0, 3.0]))
    check("rainfall_errors_a", (2, -2, 1, -2, 3))
    check("rainfall_mse_b", np.float32(32.0))


def test_choices_ignore_case_and_spaces():
    check("rainfall_lower_mse", " a ")
    check("xor_point_kind", "Saddle")
    check("question_2_same_accuracy", np.bool_(True))


def test_matching_solution_passes():
    check("matching", dict(SEED_MATCHES))


def test_bowl_hessian_by_hand_passes():
    from losslab.landscape import convex_bowl

    X = convex_bowl()["data"].X
    X_tilde = np.column_stack([X, np.ones(len(X))])
    check("bowl_hessian", 2.0 / len(X) * X_tilde.T @ X_tilde)


# ---------------------------------------------------------------- tolerance


@pytest.mark.parametrize(
    ("exercise_id", "answer"),
    [
        ("spam_losses", [0.1054, 2.3026]),
        ("spam_losses", [0.105, 2.303]),
        ("housing_rmse", 14_142.1),
        ("housing_rmse", 14_142.6),  # within half a dollar of 14,142.14
        ("correct_class_losses", [0.1054, 4.6052]),
    ],
)
def test_rounding_to_the_stated_places_is_accepted(exercise_id, answer):
    check(exercise_id, answer)


@pytest.mark.parametrize(
    ("exercise_id", "answer"),
    [
        ("spam_losses", [0.1, 2.3]),  # one decimal too few
        ("spam_losses", [0.106, 2.303]),
        ("housing_rmse", 14_141),
        ("housing_rmse", 14_143),
        ("rainfall_mse_a", 4.41),  # exact answers allow float rounding only
        ("rainfall_mse_a", 4.4 + 1e-6),
        ("housing_mse", 200_000_001),
        ("question_2_losses", [0.67, 0.01]),
    ],
)
def test_answers_off_by_more_than_the_tolerance_are_wrong(exercise_id, answer):
    with pytest.raises(WrongAnswer):
        check(exercise_id, answer)


# ---------------------------------------------------------------- wrong answers


def test_wrong_answer_is_an_assertion_error_naming_the_exercise_and_hinting():
    with pytest.raises(AssertionError) as caught:
        check("rainfall_mse_b", 30)
    error = caught.value
    assert isinstance(error, WrongAnswer)
    assert error.exercise_id == "rainfall_mse_b"
    assert str(error).startswith("rainfall_mse_b: 30 is not right.")
    assert "Hint: add model B's five squared errors and divide by 5." in str(error)


def test_wrong_entries_are_named_by_position_from_one():
    # The classic slip: true minus prediction for two of the weeks.
    with pytest.raises(WrongAnswer, match=r"2 of 5 wrong: entry 2 = 5, entry 5 = 3\b"):
        check("rainfall_errors_b", [1, 5, 5, 10, 3])


def test_the_expected_value_is_not_revealed():
    with pytest.raises(WrongAnswer) as caught:
        check("rainfall_mse_b", 30)
    assert "32" not in str(caught.value)


def test_missing_answer():
    with pytest.raises(WrongAnswer, match=r"no answer yet: replace \.\.\. with your answer"):
        check("housing_mse", ...)


@pytest.mark.parametrize(
    ("exercise_id", "answer", "message"),
    [
        ("housing_mse", "200000000", "expected a number, got '200000000'"),
        ("housing_mse", True, "expected a number, got True"),
        ("housing_mse", float("nan"), "nan is not right"),
        ("housing_errors", [10_000, -10_000], r"expected shape \(3,\), got shape \(2,\)"),
        ("housing_errors", ["a", "b", "c"], "expected 3 numbers"),
        ("rainfall_lower_mse", 1, "expected a word in quotes, got 1"),
        ("rainfall_lower_mse", "B", "'B' is not the right choice"),
        ("question_2_same_accuracy", "yes", "expected True or False, got 'yes'"),
        ("question_2_lower", 0.51, "0.51 is not the right choice"),
        ("matching", ["Zero"], "expected a dict mapping each term to a definition"),
        ("scratch_mse", 32.0, "expected a function, got 32.0"),
    ],
)
def test_badly_typed_answers_say_what_was_expected(exercise_id, answer, message):
    with pytest.raises(WrongAnswer, match=message):
        check(exercise_id, answer)


def test_unknown_exercise_names_the_argument_and_the_choices():
    with pytest.raises(ValueError, match="exercise_id: unknown exercise 'rainfal'; known: housing"):
        check("rainfal", 1)


# ---------------------------------------------------------------- matching

SEED_MATCHES = {
    "Predicting apartment price in dollars": "Mean Squared Error",
    "Predicting spam vs. not-spam probability": "Cross-Entropy Loss",
    "The number training is designed to minimize": "Total training loss",
    "Loss when prediction exactly equals true label": "Zero",
    "Penalizes confident wrong predictions most severely": "Cross-Entropy Loss property",
}


def test_matching_expects_the_lessons_answers():
    assert dict(MATCHING_ANSWERS) == SEED_MATCHES


def test_swapped_pair_is_reported():
    answer = dict(SEED_MATCHES)
    answer["Predicting spam vs. not-spam probability"] = "Cross-Entropy Loss property"
    answer["Penalizes confident wrong predictions most severely"] = "Cross-Entropy Loss"
    with pytest.raises(WrongAnswer, match="2 of 5 matched wrongly"):
        check("matching", answer)


def test_unknown_definition_and_missing_term_are_reported():
    answer = dict(SEED_MATCHES)
    answer["Loss when prediction exactly equals true label"] = "Nothing"
    with pytest.raises(WrongAnswer, match=r"unknown definitions \['Nothing'\]"):
        check("matching", answer)
    del answer["Loss when prediction exactly equals true label"]
    with pytest.raises(WrongAnswer, match="no definition for"):
        check("matching", answer)


# ---------------------------------------------------------------- functions from scratch


def _mse(y_pred, y_true):
    return float(np.mean((np.asarray(y_pred) - np.asarray(y_true)) ** 2))


def _mae(y_pred, y_true):
    return float(np.mean(np.abs(np.asarray(y_pred) - np.asarray(y_true))))


def _huber(y_pred, y_true, delta):
    r = np.abs(np.asarray(y_pred) - np.asarray(y_true))
    return float(np.mean(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))))


def _huber_without_the_half(y_pred, y_true, delta):
    r = np.abs(np.asarray(y_pred) - np.asarray(y_true))
    return float(np.mean(np.where(r <= delta, r**2, delta * (r - 0.5 * delta))))


def _mse_grad(y_pred, y_true):
    r = np.asarray(y_pred) - np.asarray(y_true)
    return 2.0 * r / r.size


def _huber_grad(y_pred, y_true, delta):
    r = np.asarray(y_pred) - np.asarray(y_true)
    return np.clip(r, -delta, delta) / r.size


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _cross_entropy(logits, labels):
    p = _softmax(np.asarray(logits, dtype=float))
    return float(-np.mean(np.log(p[np.arange(len(labels)), labels])))


def _cross_entropy_grad(logits, labels):
    p = _softmax(np.asarray(logits, dtype=float))
    p[np.arange(len(labels)), labels] -= 1.0
    return p


FUNCTIONS = {
    "scratch_mse": _mse,
    "scratch_mae": _mae,
    "scratch_huber": _huber,
    "scratch_mse_grad": _mse_grad,
    "scratch_huber_grad": _huber_grad,
    "scratch_cross_entropy": _cross_entropy,
    "scratch_cross_entropy_grad": _cross_entropy_grad,
}


@pytest.mark.parametrize(("exercise_id", "function"), FUNCTIONS.items())
def test_independent_implementations_pass(exercise_id, function):
    verdict = check(exercise_id, function)
    assert "agrees with the catalogue on" in verdict.detail


@pytest.mark.parametrize(
    ("exercise_id", "function", "message"),
    [
        # Half the MSE (scikit-learn's "half" convention) is not the seeds' MSE.
        ("scratch_mse", lambda p, t: _mse(p, t) / 2, "returned 16; losslab's catalogue gives 32"),
        ("scratch_mae", _mse, "your function returned"),
        ("scratch_huber", _huber_without_the_half, "your function returned"),
        ("scratch_mse_grad", lambda p, t: 2.0 * (np.asarray(p) - t), "your function returned"),
        ("scratch_huber_grad", lambda p, t, d: _huber_grad(p, t, d).sum(), "shape ()"),
        ("scratch_cross_entropy", lambda z, y: _cross_entropy(z, y) * len(y), "returned"),
        (
            "scratch_cross_entropy_grad",
            lambda z, y: _cross_entropy_grad(z, y) / len(y),
            "your function returned",
        ),
    ],
)
def test_wrong_functions_fail_with_the_case_and_both_values(exercise_id, function, message):
    with pytest.raises(WrongAnswer, match=message):
        check(exercise_id, function)


def test_a_function_that_raises_is_reported():
    def broken(y_pred, y_true):
        raise ZeroDivisionError("oops")

    with pytest.raises(WrongAnswer, match="your function raised ZeroDivisionError: oops on"):
        check("scratch_mse", broken)


def test_a_function_writing_into_its_inputs_does_not_corrupt_later_cases():
    def in_place(y_pred, y_true):
        y_pred -= y_true
        return float(np.mean(y_pred**2))

    check("scratch_mse", in_place)
    check("scratch_mse", _mse)


def test_function_tolerance_is_relative_one_in_a_million():
    check("scratch_mse", lambda p, t: _mse(p, t) * (1 + 1e-8))
    with pytest.raises(WrongAnswer):
        check("scratch_mse", lambda p, t: _mse(p, t) * (1 + 1e-4))


# ---------------------------------------------------------------- display and lookup


def test_verdict_html_says_correct():
    html = check("rainfall_mse_a", 4.4)._repr_html_()
    assert "<strong>Correct</strong>" in html
    assert "<code>rainfall_mse_a</code>" in html


def test_exercise_lookup():
    ex = lessons.exercise("rainfall_mse_b")
    assert ex.kind == "number"
    assert "MSE" in ex.prompt
    assert lessons.exercises()[0] == "housing_errors"
    with pytest.raises(ValueError, match="exercise_id"):
        lessons.exercise(3)

"""Check a learner's answer to an exercise of the lessons against losslab's own numbers.

Every exercise of the notebooks has an id; :func:`check` compares an answer
with the value that :mod:`losslab.lessons` (or the catalogue, or
:mod:`losslab.landscape`) computes for it, never with a typed-in copy. A right
answer returns a :class:`Verdict` that shows "Correct" in Jupyter; a wrong one
raises :class:`WrongAnswer`, an ``AssertionError``, saying what is wrong and
giving a hint, so a notebook run by CI fails on it.

Numbers are accepted when rounded as the exercise says (``places``: within
half a unit of that decimal, so 0.105 for -log 0.9 ≈ 0.10536) and otherwise up
to float rounding (a relative 1e-9).

Example:
    >>> check("rainfall_mse_a", 4.4)
    Correct: rainfall_mse_a
    >>> check("rainfall_mse_b", 30)
    Traceback (most recent call last):
    ...
    losslab.lessons._check.WrongAnswer: rainfall_mse_b: 30 is not right. Hint: add model B's five
    squared errors and divide by 5.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from losslab.lessons._loss_functions import correct_class_losses
from losslab.lessons._minimizing_loss import (
    MATCHING_ANSWERS,
    MATCHING_DEFINITIONS,
    RAINFALL_MODEL_B,
    RAINFALL_TRUE,
    confidence_comparison,
    housing,
    mse_error_ratio,
    rainfall,
    spam_cross_entropy,
)
from losslab.lessons._steps import format_number
from losslab.losses import get

__all__ = ["Exercise", "Verdict", "WrongAnswer", "check", "exercise", "exercises"]

Kind = Literal["number", "numbers", "choice", "matching", "function"]

RELATIVE_TOLERANCE = 1e-9
"""Accepted relative difference of an answer given unrounded: float rounding only."""

FUNCTION_RELATIVE_TOLERANCE = 1e-6
"""Accepted relative difference of a from-scratch function's output from the catalogue's."""


class WrongAnswer(AssertionError):
    """An answer that does not match what losslab computes; the message says what and hints.

    Attributes:
        exercise_id: The exercise.
        problem: What is wrong with the answer.
        hint: How to get it right, without giving it away.
    """

    def __init__(self, exercise_id: str, problem: str, hint: str) -> None:
        super().__init__(f"{exercise_id}: {problem} Hint: {hint}")
        self.exercise_id, self.problem, self.hint = exercise_id, problem, hint


@dataclass(frozen=True)
class Verdict:
    """A right answer: ``Correct`` in plain text, a green line in Jupyter.

    Attributes:
        exercise_id: The exercise.
        detail: What was checked, e.g. the number of test cases of a function.
    """

    exercise_id: str
    detail: str = ""

    def __repr__(self) -> str:
        return f"Correct: {self.exercise_id}" + (f" ({self.detail})" if self.detail else "")

    def _repr_html_(self) -> str:
        detail = f" ({html.escape(self.detail)})" if self.detail else ""
        return (
            '<p style="color:#1a7f37"><strong>Correct</strong>: '
            f"<code>{html.escape(self.exercise_id)}</code>{detail}</p>"
        )


@dataclass(frozen=True)
class Exercise:
    """One checked exercise.

    Attributes:
        id: The name :func:`check` takes.
        prompt: What the learner computes.
        kind: ``"number"``, ``"numbers"`` (a sequence or array),
            ``"choice"`` (one of a few values), ``"matching"`` (a dict of
            term to definition) or ``"function"`` (a callable checked
            against the catalogue on test cases).
        expected: Computes the right answer with losslab (for a function:
            the test cases, each ``(arguments, expected output)``).
        hint: Shown with a wrong answer.
        places: For numbers, the decimals the answer may be rounded to.
    """

    id: str
    prompt: str
    kind: Kind
    expected: Callable[[], Any]
    hint: str
    places: int | None = None


# ---------------------------------------------------------------- test cases of functions


def _regression_batches() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(16)
    return [
        (np.asarray(RAINFALL_MODEL_B), np.asarray(RAINFALL_TRUE)),
        (rng.normal(size=7), rng.normal(size=7)),
        # Residuals on both sides of Huber's threshold.
        (rng.normal(scale=5.0, size=12), rng.normal(size=12)),
        (np.array([3.0]), np.array([3.0])),
    ]


def _function_cases(
    name: str, **params: float
) -> Callable[[], list[tuple[tuple[Any, ...], float]]]:
    def cases() -> list[tuple[tuple[Any, ...], float]]:
        loss = get(name, **params)
        extra = tuple(params.values())
        return [((p, t, *extra), float(loss(p, t))) for p, t in _regression_batches()]

    return cases


def _gradient_cases(
    name: str, **params: float
) -> Callable[[], list[tuple[tuple[Any, ...], np.ndarray]]]:
    def cases() -> list[tuple[tuple[Any, ...], np.ndarray]]:
        loss = get(name, **params)
        extra = tuple(params.values())
        return [((p, t, *extra), np.asarray(loss.grad(p, t))) for p, t in _regression_batches()]

    return cases


def _logit_batches() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(5)
    return [
        (np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 3.0]]), np.array([0, 2])),
        (rng.normal(scale=3.0, size=(6, 4)), rng.integers(0, 4, size=6)),
        (np.array([[0.0, 0.0]]), np.array([1])),
    ]


def _cross_entropy_cases() -> list[tuple[tuple[Any, ...], float]]:
    loss = get("cross_entropy")
    return [((z, y), float(loss(z, y))) for z, y in _logit_batches()]


def _cross_entropy_gradient_cases() -> list[tuple[tuple[Any, ...], np.ndarray]]:
    loss = get("cross_entropy")
    return [((z, y), np.asarray(loss.grad(z, y, reduction="none"))) for z, y in _logit_batches()]


# ---------------------------------------------------------------- landscape answers


def _bowl_hessian() -> np.ndarray:
    from losslab.landscape import convex_bowl, hessian

    bowl = convex_bowl()
    return hessian(bowl["objective"], np.zeros(bowl["objective"].n_params))


def _bowl_is_convex() -> bool:
    from losslab.landscape import convex_bowl

    return bool(convex_bowl()["smallest"] > 0)


def _xor_point_kind() -> str:
    from losslab.landscape import xor_saddle

    return str(xor_saddle()["point"].kind)


def _plateau_stalls() -> str:
    from losslab.landscape import sigmoid_plateau

    points = sigmoid_plateau()
    return min(points, key=lambda name: points[name].grad_norm)


# ---------------------------------------------------------------- the exercises

_EXERCISES: tuple[Exercise, ...] = (
    # seed 000, "The Objective: Minimizing Loss"
    Exercise(
        "housing_errors",
        "Errors of the three house-price predictions, prediction minus true, in dollars.",
        "numbers",
        lambda: housing().errors,
        "the error is prediction minus true price: 210k - 200k for the first house.",
    ),
    Exercise(
        "housing_squared_errors",
        "The squared errors of the three houses, in dollars².",
        "numbers",
        lambda: housing().squared_errors,
        "square each error: (10,000)² = 100,000,000.",
    ),
    Exercise(
        "housing_mse",
        "The MSE of the three predictions, in dollars².",
        "number",
        lambda: housing().mse,
        "MSE is the mean of the squared errors: their sum divided by 3.",
    ),
    Exercise(
        "housing_rmse",
        "The RMSE, in dollars (to the dollar).",
        "number",
        lambda: housing().rmse,
        "RMSE is the square root of the MSE, back in dollars.",
        places=0,
    ),
    Exercise(
        "spam_losses",
        "Cross-entropy of a spam email (label 1) at p = 0.9 and p = 0.1 (3 decimals).",
        "numbers",
        lambda: spam_cross_entropy().losses,
        "for label 1, L = -log(p), natural logarithm.",
        places=3,
    ),
    Exercise(
        "rainfall_errors_a",
        "Step 1: model A's error per week, prediction minus true.",
        "numbers",
        lambda: rainfall().a.errors,
        "error = prediction minus true: week 1 is 12 - 10.",
    ),
    Exercise(
        "rainfall_errors_b",
        "Step 1: model B's error per week, prediction minus true.",
        "numbers",
        lambda: rainfall().b.errors,
        "error = prediction minus true: week 1 is 11 - 10.",
    ),
    Exercise(
        "rainfall_squared_errors_a",
        "Step 2: model A's squared error per week.",
        "numbers",
        lambda: rainfall().a.squared_errors,
        "square each of model A's errors; squares are never negative.",
    ),
    Exercise(
        "rainfall_squared_errors_b",
        "Step 2: model B's squared error per week.",
        "numbers",
        lambda: rainfall().b.squared_errors,
        "square each of model B's errors; squares are never negative.",
    ),
    Exercise(
        "rainfall_mse_a",
        "Step 3: model A's MSE, in mm².",
        "number",
        lambda: rainfall().a.mse,
        "add model A's five squared errors and divide by 5.",
    ),
    Exercise(
        "rainfall_mse_b",
        "Step 3: model B's MSE, in mm².",
        "number",
        lambda: rainfall().b.mse,
        "add model B's five squared errors and divide by 5.",
    ),
    Exercise(
        "rainfall_lower_mse",
        'Step 4: which model has the lower MSE, "A" or "B"?',
        "choice",
        lambda: rainfall().lower_mse,
        "compare the two MSEs of step 3.",
    ),
    Exercise(
        "rainfall_outlier_contribution",
        "Step 5: how many mm² of B's MSE come from week 4 alone?",
        "number",
        lambda: rainfall().outlier_contribution,
        "week 4's squared error enters the mean divided by the 5 weeks.",
    ),
    Exercise(
        "rainfall_mse_b_without_outlier",
        "Step 5: B's MSE over the five weeks if week 4 had been predicted exactly.",
        "number",
        lambda: rainfall().b_mse_without_outlier,
        "set week 4's squared error to 0 and still divide by 5.",
    ),
    Exercise(
        "rainfall_mae_a",
        "Bonus: model A's mean absolute error, in mm.",
        "number",
        lambda: rainfall().a.mae,
        "the mean of |error|, without squaring.",
    ),
    Exercise(
        "rainfall_mae_b",
        "Bonus: model B's mean absolute error, in mm.",
        "number",
        lambda: rainfall().b.mae,
        "the mean of |error|, without squaring.",
    ),
    Exercise(
        "matching",
        "Match each term of the lesson to its definition (a dict term -> definition).",
        "matching",
        lambda: dict(MATCHING_ANSWERS),
        "a price is a regression target; a probability of spam is a classification output; "
        "a perfect prediction costs nothing.",
    ),
    Exercise(
        "question_1_ratio",
        "Errors of $10,000 and $20,000 under MSE: the second's contribution over the first's.",
        "number",
        lambda: mse_error_ratio().ratio,
        "MSE squares the error: what happens to a square when its side doubles?",
    ),
    Exercise(
        "question_2_lower",
        "0.51 or 0.99 for a positive example: which probability has the lower cross-entropy?",
        "choice",
        lambda: confidence_comparison().lower,
        "the loss for label 1 is -log p, which falls as p rises.",
    ),
    Exercise(
        "question_2_losses",
        "The cross-entropy at p = 0.51 and at p = 0.99 (3 decimals).",
        "numbers",
        lambda: confidence_comparison().losses,
        "-log(p) with the natural logarithm, for each probability.",
        places=3,
    ),
    Exercise(
        "question_2_same_accuracy",
        "At the 0.5 threshold, do the two classifiers have the same accuracy (True/False)?",
        "choice",
        lambda: len(set(confidence_comparison().predicted_labels)) == 1,
        "a probability above 0.5 predicts the positive class.",
    ),
    # seed 001, "Loss Functions and Objective Functions"
    Exercise(
        "correct_class_losses",
        "Cross-entropy when the correct class gets probability 0.9 and 0.01 (3 decimals).",
        "numbers",
        lambda: correct_class_losses().losses,
        "cross-entropy is -log of the probability of the correct class.",
        places=3,
    ),
    Exercise(
        "scratch_mse",
        "A function mse(y_pred, y_true) returning the mean squared error.",
        "function",
        _function_cases("mse"),
        "the mean of (y_pred - y_true)², not half of it.",
    ),
    Exercise(
        "scratch_mae",
        "A function mae(y_pred, y_true) returning the mean absolute error.",
        "function",
        _function_cases("mae"),
        "the mean of |y_pred - y_true|.",
    ),
    Exercise(
        "scratch_huber",
        "A function huber(y_pred, y_true, delta) returning the mean Huber loss (delta = 1.5).",
        "function",
        _function_cases("huber", delta=1.5),
        "per example r²/2 where |r| <= delta, delta·(|r| - delta/2) beyond; then the mean.",
    ),
    Exercise(
        "scratch_mse_grad",
        "A function mse_grad(y_pred, y_true): the gradient of the mean squared error wrt y_pred.",
        "function",
        _gradient_cases("mse"),
        "d/dŷ_i of (1/n) Σ (ŷ - y)² is 2 (ŷ_i - y_i) / n.",
    ),
    Exercise(
        "scratch_huber_grad",
        "A function huber_grad(y_pred, y_true, delta): the gradient of the mean Huber loss.",
        "function",
        _gradient_cases("huber", delta=1.5),
        "per example r inside the threshold, delta·sign(r) beyond (r clipped to ±delta); "
        "then divide by n.",
    ),
    Exercise(
        "scratch_cross_entropy",
        "A function cross_entropy(logits, labels) returning the mean multiclass cross-entropy.",
        "function",
        _cross_entropy_cases,
        "per row -log softmax(z)[y] = logsumexp(z) - z[y]; subtract the row maximum first.",
    ),
    Exercise(
        "scratch_cross_entropy_grad",
        "A function returning, per example, the gradient of its cross-entropy wrt the logits.",
        "function",
        _cross_entropy_gradient_cases,
        "softmax(z) - onehot(y), one row per example (not divided by n).",
    ),
    Exercise(
        "bowl_hessian",
        "The Hessian (2/n) X̃ᵀX̃ of MSE for the linear model of landscape.convex_bowl().",
        "numbers",
        _bowl_hessian,
        "append a column of ones to X (the bias), then (2/n)·X̃ᵀX̃.",
    ),
    Exercise(
        "bowl_is_convex",
        "Is that MSE landscape a convex bowl with one minimum (True/False)?",
        "choice",
        _bowl_is_convex,
        "a Hessian whose eigenvalues are all positive curves upwards in every direction.",
    ),
    Exercise(
        "xor_point_kind",
        'What is the zero-weight point of the XOR network: "minimum", "saddle", "maximum", '
        '"flat" or "sloped"?',
        "choice",
        _xor_point_kind,
        "the gradient vanishes there; look at the signs of the Hessian's extreme eigenvalues.",
    ),
    Exercise(
        "plateau_stalls",
        'At the saturated sigmoid, which loss has the (nearly) vanishing gradient: "mse" or "bce"?',
        "choice",
        _plateau_stalls,
        "MSE's gradient carries the sigmoid's slope p(1 - p); cross-entropy's does not.",
    ),
)

_BY_ID = {e.id: e for e in _EXERCISES}


def exercises() -> list[str]:
    """The ids :func:`check` accepts, in the order of the lessons."""
    return list(_BY_ID)


def exercise(exercise_id: str) -> Exercise:
    """The exercise ``exercise_id``.

    Raises:
        ValueError: an unknown id, naming the known ones.
    """
    try:
        return _BY_ID[exercise_id]
    except (KeyError, TypeError):
        raise ValueError(
            f"exercise_id: unknown exercise {exercise_id!r}; known: {', '.join(_BY_ID)}"
        ) from None


def check(exercise_id: str, answer: Any) -> Verdict:
    """Check ``answer`` to exercise ``exercise_id`` against losslab's own result.

    Args:
        exercise_id: One of :func:`exercises`.
        answer: A number, a sequence of numbers, a choice, a dict (matching) or
            a function, as the exercise asks (:attr:`Exercise.kind`).

    Returns:
        A :class:`Verdict`, shown as "Correct" in Jupyter.

    Raises:
        WrongAnswer: the answer is wrong, or missing (``...``); the message
            says what is wrong and gives a hint.
        ValueError: an unknown ``exercise_id``.
    """
    ex = exercise(exercise_id)
    if answer is ... or answer is None:
        raise WrongAnswer(ex.id, "no answer yet: replace ... with your answer.", ex.hint)
    checker = _CHECKERS[ex.kind]
    problem, detail = checker(ex, answer)
    if problem is not None:
        raise WrongAnswer(ex.id, problem, ex.hint)
    return Verdict(ex.id, detail)


# ---------------------------------------------------------------- the checkers

Outcome = tuple[str | None, str]
"""(what is wrong, or None when right; a detail for the verdict)."""


def _tolerance(expected: float, places: int | None) -> float:
    rounding = 0.5 * 10.0**-places if places is not None else 0.0
    # The rounding allowance gets a relative sliver too: 0.105 against 0.10536 sits at 0.00036.
    return rounding * (1 + 1e-9) + RELATIVE_TOLERANCE * max(1.0, abs(expected))


def _as_float(value: Any) -> float | None:
    if isinstance(value, (bool, np.bool_, str, bytes)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number


def _close(answer: float, expected: float, places: int | None) -> bool:
    return math.isfinite(answer) and abs(answer - expected) <= _tolerance(expected, places)


def _rounding_note(places: int | None) -> str:
    if places is None:
        return ""
    return f" (rounded to {places} decimal{'s' if places != 1 else ''} is fine)"


def _check_number(ex: Exercise, answer: Any) -> Outcome:
    value = _as_float(answer)
    if value is None:
        return f"expected a number, got {answer!r}.", ""
    if not _close(value, float(ex.expected()), ex.places):
        return f"{format_number(value)} is not right{_rounding_note(ex.places)}.", ""
    return None, ""


def _check_numbers(ex: Exercise, answer: Any) -> Outcome:
    expected = np.asarray(ex.expected(), dtype=float)
    try:
        given = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return f"expected {expected.size} numbers, got {answer!r}.", ""
    if given.shape != expected.shape:
        return f"expected shape {expected.shape}, got shape {given.shape}.", ""
    tolerance = np.vectorize(lambda e: _tolerance(e, ex.places))(expected)
    ok = np.isfinite(given) & (np.abs(given - expected) <= tolerance)
    if ok.all():
        return None, ""
    wrong = np.argwhere(~ok)
    shown = ", ".join(
        f"entry {_position(index)} = {format_number(given[tuple(index)])}" for index in wrong[:4]
    )
    more = f" and {len(wrong) - 4} more" if len(wrong) > 4 else ""
    return f"{len(wrong)} of {given.size} wrong: {shown}{more}{_rounding_note(ex.places)}.", ""


def _position(index: np.ndarray) -> str:
    # Entries are counted from 1, as the lessons count weeks and houses.
    return ",".join(str(int(i) + 1) for i in index)


def _check_choice(ex: Exercise, answer: Any) -> Outcome:
    expected = ex.expected()
    if isinstance(expected, bool):
        if not isinstance(answer, (bool, np.bool_)):
            return f"expected True or False, got {answer!r}.", ""
        right = bool(answer) == expected
    elif isinstance(expected, str):
        if not isinstance(answer, str):
            return f"expected a word in quotes, got {answer!r}.", ""
        right = answer.strip().lower() == expected.lower()
    else:
        value = _as_float(answer)
        right = value is not None and _close(value, float(expected), None)
    return (None if right else f"{answer!r} is not the right choice.", "")


def _check_matching(ex: Exercise, answer: Any) -> Outcome:
    expected: dict[str, str] = ex.expected()
    if not isinstance(answer, Mapping):
        return "expected a dict mapping each term to a definition.", ""
    unknown_terms = [t for t in answer if t not in expected]
    if unknown_terms:
        return f"unknown terms {unknown_terms}; the terms are {list(expected)}.", ""
    missing = [t for t in expected if t not in answer]
    if missing:
        return f"no definition for {missing}.", ""
    unknown = sorted({str(d) for d in answer.values()} - set(MATCHING_DEFINITIONS))
    if unknown:
        return f"unknown definitions {unknown}; choose from {list(MATCHING_DEFINITIONS)}.", ""
    wrong = [t for t in expected if answer[t] != expected[t]]
    if wrong:
        return f"{len(wrong)} of {len(expected)} matched wrongly: {wrong}.", ""
    return None, ""


def _check_function(ex: Exercise, answer: Any) -> Outcome:
    if not callable(answer):
        return f"expected a function, got {answer!r}.", ""
    cases = ex.expected()
    for arguments, expected in cases:
        copies = tuple(
            np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in arguments
        )
        shown = ", ".join(_short(a) for a in arguments)
        try:
            result = answer(*copies)
        except Exception as error:  # the learner's code: report whatever it raised
            return f"your function raised {type(error).__name__}: {error} on ({shown}).", ""
        want = np.asarray(expected, dtype=float)
        try:
            got = np.asarray(result, dtype=float)
        except (TypeError, ValueError):
            return f"your function returned {result!r} on ({shown}), not numbers.", ""
        if got.shape != want.shape:
            return (
                f"your function returned shape {got.shape} on ({shown}); losslab gives "
                f"shape {want.shape}.",
                "",
            )
        if not np.allclose(got, want, rtol=FUNCTION_RELATIVE_TOLERANCE, atol=1e-12):
            return (
                f"on ({shown}) your function returned {_short(got)}; losslab's catalogue "
                f"gives {_short(want)}.",
                "",
            )
    return None, f"agrees with the catalogue on {len(cases)} test cases"


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return format_number(float(value))
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, separator=", ", threshold=12)
    return repr(value)


_CHECKERS: dict[Kind, Callable[[Exercise, Any], Outcome]] = {
    "number": _check_number,
    "numbers": _check_numbers,
    "choice": _check_choice,
    "matching": _check_matching,
    "function": _check_function,
}

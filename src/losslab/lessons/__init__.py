"""The seeds' worked examples and exercises, as data and functions.

Every number the two lessons state or ask for is computed here with the
catalogue in :mod:`losslab.losses`, never typed in:

- housing prices (seed 000): errors [10k, -10k, -20k], squared errors
  [100M, 100M, 400M], MSE 200,000,000 dollars², RMSE ≈ $14,142
  (:func:`housing`);
- binary cross-entropy of a spam classifier: -log(0.9) ≈ 0.105 and
  -log(0.1) ≈ 2.303 (:func:`spam_cross_entropy`);
- a $20,000 error costs 4x a $10,000 one under MSE (:func:`mse_error_ratio`);
- 0.51 against 0.99 under cross-entropy: -log 0.51 ≈ 0.673, -log 0.99 ≈
  0.01005, about 67x lower (:func:`confidence_comparison`);
- the rainfall exercise: MSE A 4.4 and B 32 mm², week 4 contributes 20 of
  B's 32, B would score 12 without that error (15 over the other four
  weeks), MAE A 2.0 and B 4.8 (:func:`rainfall`);
- the matching exercise and the two questions (:func:`matching`,
  :func:`questions`);
- cross-entropy at correct-class probability 0.9 ≈ 0.105 and 0.01 ≈ 4.605,
  and its gradient wrt the logits, softmax(z) - onehot(y) (seed 001,
  :func:`correct_class_losses`, :func:`cross_entropy_gradient`).

:func:`lesson` returns any of them as printable :class:`Step` objects, and
:func:`explain` works any catalogue loss through a batch the same way.
:func:`check` tells a learner whether their answer to an exercise of the
notebooks (``notebooks/`` in the repository) is right, comparing it with the
numbers computed here: ``check("rainfall_mse_b", 32)``.

Example:
    >>> from losslab import lessons
    >>> lessons.rainfall().b.mse
    32.0
    >>> lessons.available_lessons()
    ['rainfall', 'housing', 'cross-entropy', 'questions', 'matching']
"""

from collections.abc import Callable

from losslab.lessons._check import Exercise, Verdict, WrongAnswer, check, exercise, exercises
from losslab.lessons._explain import Explanation, explain
from losslab.lessons._loss_functions import (
    CorrectClassLosses,
    CrossEntropyGradient,
    correct_class_losses,
    cross_entropy_gradient,
    cross_entropy_steps_multiclass,
)
from losslab.lessons._minimizing_loss import (
    CONFIDENCE_PROBABILITIES,
    HOUSING_PRED,
    HOUSING_TRUE,
    MATCHING_ANSWERS,
    MATCHING_DEFINITIONS,
    MATCHING_TERMS,
    RAINFALL_MODEL_A,
    RAINFALL_MODEL_B,
    RAINFALL_TRUE,
    RATIO_PREDICTIONS,
    RATIO_TRUE_PRICE,
    SPAM_PROBABILITIES,
    BinaryCrossEntropyExample,
    ConfidenceComparison,
    ErrorRatio,
    HousingExample,
    Match,
    Question,
    RainfallModel,
    RainfallSolution,
    confidence_comparison,
    cross_entropy_steps_binary,
    housing,
    housing_steps,
    matching,
    matching_steps,
    mse_error_ratio,
    questions,
    questions_steps,
    rainfall,
    rainfall_steps,
    spam_cross_entropy,
)
from losslab.lessons._steps import Cell, Step, Table, format_cell, format_number


def _cross_entropy_steps() -> list[Step]:
    return cross_entropy_steps_binary() + cross_entropy_steps_multiclass()


_LESSONS: dict[str, tuple[str, Callable[[], list[Step]]]] = {
    "rainfall": (
        "The rainfall exercise: errors, squared errors, MSE, outliers, MAE.",
        rainfall_steps,
    ),
    "housing": ("MSE and RMSE of three house-price predictions.", housing_steps),
    "cross-entropy": (
        "Cross-entropy: 0.9 vs 0.1, 0.51 vs 0.99, 0.9 vs 0.01, gradient wrt logits.",
        _cross_entropy_steps,
    ),
    "questions": ("The lesson's two questions, answered.", questions_steps),
    "matching": ("The term-to-definition matching exercise, solved.", matching_steps),
}


def available_lessons() -> list[str]:
    """Names of the worked lessons, for :func:`lesson`."""
    return list(_LESSONS)


def lesson_summary(name: str) -> str:
    """One line saying what lesson ``name`` works through.

    Raises:
        ValueError: an unknown lesson name.
    """
    return _lesson(name)[0]


def lesson(name: str) -> list[Step]:
    """The worked solution of lesson ``name``, step by step.

    Raises:
        ValueError: an unknown lesson name.

    Example:
        >>> [step.title for step in lesson("housing")]
        ['Errors and squared errors', 'MSE and RMSE']
    """
    return _lesson(name)[1]()


def _lesson(name: str) -> tuple[str, Callable[[], list[Step]]]:
    try:
        return _LESSONS[name]
    except KeyError:
        raise ValueError(
            f"unknown lesson {name!r}; available: {', '.join(available_lessons())}"
        ) from None


__all__ = [
    "CONFIDENCE_PROBABILITIES",
    "HOUSING_PRED",
    "HOUSING_TRUE",
    "MATCHING_ANSWERS",
    "MATCHING_DEFINITIONS",
    "MATCHING_TERMS",
    "RAINFALL_MODEL_A",
    "RAINFALL_MODEL_B",
    "RAINFALL_TRUE",
    "RATIO_PREDICTIONS",
    "RATIO_TRUE_PRICE",
    "SPAM_PROBABILITIES",
    "BinaryCrossEntropyExample",
    "Cell",
    "ConfidenceComparison",
    "CorrectClassLosses",
    "CrossEntropyGradient",
    "ErrorRatio",
    "Exercise",
    "Explanation",
    "HousingExample",
    "Match",
    "Question",
    "RainfallModel",
    "RainfallSolution",
    "Step",
    "Table",
    "Verdict",
    "WrongAnswer",
    "available_lessons",
    "check",
    "confidence_comparison",
    "correct_class_losses",
    "cross_entropy_gradient",
    "exercise",
    "exercises",
    "explain",
    "format_cell",
    "format_number",
    "housing",
    "lesson",
    "lesson_summary",
    "matching",
    "mse_error_ratio",
    "questions",
    "rainfall",
    "spam_cross_entropy",
]

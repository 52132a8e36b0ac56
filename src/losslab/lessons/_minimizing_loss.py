"""Worked examples of seed 000, "The Objective: Minimizing Loss".

Every number the lesson states or asks for, computed with the catalogue in
:mod:`losslab.losses`: the housing-price MSE, the spam classifier's
cross-entropy, the 4x ratio of squared errors, 0.51 against 0.99 under
cross-entropy, the rainfall exercise (steps 1 to 5 and the bonus) and the
term-to-definition matching exercise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from losslab.lessons._steps import Step, Table, format_number
from losslab.losses import get

# The seed's data, exactly as the lesson states it.
HOUSING_TRUE: tuple[float, ...] = (200_000.0, 350_000.0, 500_000.0)
HOUSING_PRED: tuple[float, ...] = (210_000.0, 340_000.0, 480_000.0)
SPAM_PROBABILITIES: tuple[float, ...] = (0.9, 0.1)
RATIO_TRUE_PRICE = 400_000.0
RATIO_PREDICTIONS: tuple[float, ...] = (390_000.0, 380_000.0)
CONFIDENCE_PROBABILITIES: tuple[float, ...] = (0.51, 0.99)
RAINFALL_TRUE: tuple[float, ...] = (10.0, 25.0, 5.0, 40.0, 15.0)
RAINFALL_MODEL_A: tuple[float, ...] = (12.0, 23.0, 6.0, 38.0, 18.0)
RAINFALL_MODEL_B: tuple[float, ...] = (11.0, 20.0, 10.0, 50.0, 12.0)
RAINFALL_OUTLIER_WEEK = 4
"""The week (1-based) of model B's large error: predicted 50, true 40."""


def _per_example(name: str, y_pred: Sequence[float], y_true: Sequence[float]) -> tuple[float, ...]:
    return tuple(float(v) for v in get(name)(list(y_pred), list(y_true), reduction="none"))


def _errors(y_pred: Sequence[float], y_true: Sequence[float]) -> tuple[float, ...]:
    # The lesson's error is prediction minus true, the residual every regression loss reads.
    return tuple(float(p) - float(t) for p, t in zip(y_pred, y_true, strict=True))


# ---------------------------------------------------------------- housing prices


@dataclass(frozen=True)
class HousingExample:
    """The lesson's MSE example on three house prices, in dollars.

    Attributes:
        y_true: true prices [200k, 350k, 500k].
        y_pred: predictions [210k, 340k, 480k].
        errors: prediction minus true, [10k, -10k, -20k].
        squared_errors: [100M, 100M, 400M] dollars².
        sum_squared_errors: 600M dollars².
        mse: 600M / 3 = 200,000,000 dollars².
        rmse: sqrt(MSE) ≈ $14,142.
    """

    y_true: tuple[float, ...]
    y_pred: tuple[float, ...]
    errors: tuple[float, ...]
    squared_errors: tuple[float, ...]
    sum_squared_errors: float
    mse: float
    rmse: float


def housing() -> HousingExample:
    """The housing-price MSE: errors, squared errors, MSE 200,000,000 dollars², RMSE ≈ 14,142.

    Example:
        >>> ex = housing()
        >>> ex.errors
        (10000.0, -10000.0, -20000.0)
        >>> ex.squared_errors
        (100000000.0, 100000000.0, 400000000.0)
        >>> ex.mse
        200000000.0
        >>> round(ex.rmse)
        14142
    """
    mse = get("mse")
    value = float(mse(list(HOUSING_PRED), list(HOUSING_TRUE)))
    return HousingExample(
        y_true=HOUSING_TRUE,
        y_pred=HOUSING_PRED,
        errors=_errors(HOUSING_PRED, HOUSING_TRUE),
        squared_errors=_per_example("mse", HOUSING_PRED, HOUSING_TRUE),
        sum_squared_errors=float(mse(list(HOUSING_PRED), list(HOUSING_TRUE), reduction="sum")),
        mse=value,
        # RMSE is in dollars again, which is why the lesson quotes it next to MSE.
        rmse=math.sqrt(value),
    )


def housing_steps() -> list[Step]:
    """The housing example as printable steps."""
    ex = housing()
    rows = tuple(
        (i + 1, t, p, e, s)
        for i, (t, p, e, s) in enumerate(
            zip(ex.y_true, ex.y_pred, ex.errors, ex.squared_errors, strict=True)
        )
    )
    return [
        Step(
            "Errors and squared errors",
            "Error = prediction minus true price. Squaring makes every error positive "
            "and weights large ones more.",
            Table(("house", "true ($)", "predicted ($)", "error ($)", "squared error ($²)"), rows),
        ),
        Step(
            "MSE and RMSE",
            f"MSE = {format_number(ex.sum_squared_errors)} / {len(ex.y_true)} = "
            f"{format_number(ex.mse)} dollars squared. RMSE = sqrt(MSE) = "
            f"${format_number(ex.rmse)}, back in dollars.",
            Table(
                ("quantity", "value"),
                (
                    ("sum of squared errors ($²)", ex.sum_squared_errors),
                    ("MSE ($²)", ex.mse),
                    ("RMSE ($)", ex.rmse),
                ),
            ),
        ),
    ]


# ---------------------------------------------------------------- cross-entropy, binary


@dataclass(frozen=True)
class BinaryCrossEntropyExample:
    """Binary cross-entropy of a spam classifier whose true label is 1 (spam).

    Attributes:
        label: the true label, 1.
        probabilities: the model's probability of spam, 0.9 and 0.1.
        losses: -log(0.9) ≈ 0.105 (low) and -log(0.1) ≈ 2.303 (high).
    """

    label: float
    probabilities: tuple[float, ...]
    losses: tuple[float, ...]


def spam_cross_entropy() -> BinaryCrossEntropyExample:
    """Cross-entropy for label 1 at probability 0.9 (≈ 0.105) and 0.1 (≈ 2.303).

    Example:
        >>> [round(v, 3) for v in spam_cross_entropy().losses]
        [0.105, 2.303]
    """
    labels = [1.0] * len(SPAM_PROBABILITIES)
    return BinaryCrossEntropyExample(
        label=1.0,
        probabilities=SPAM_PROBABILITIES,
        losses=_per_example("bce", SPAM_PROBABILITIES, labels),
    )


# ---------------------------------------------------------------- the two questions


@dataclass(frozen=True)
class ErrorRatio:
    """MSE contributions of a $10,000 and a $20,000 error on a $400,000 house.

    Attributes:
        y_true: the true price, $400,000.
        y_pred: the two predictions, $390,000 and $380,000.
        errors: -10,000 and -20,000 dollars.
        squared_errors: 100M and 400M dollars².
        ratio: 400M / 100M = 4: twice the error, four times the loss.
    """

    y_true: float
    y_pred: tuple[float, ...]
    errors: tuple[float, ...]
    squared_errors: tuple[float, ...]
    ratio: float


def mse_error_ratio() -> ErrorRatio:
    """The ratio of the 20k error's MSE contribution to the 10k error's: 4.

    Example:
        >>> mse_error_ratio().ratio
        4.0
    """
    y_true = [RATIO_TRUE_PRICE] * len(RATIO_PREDICTIONS)
    squared = _per_example("mse", RATIO_PREDICTIONS, y_true)
    return ErrorRatio(
        y_true=RATIO_TRUE_PRICE,
        y_pred=RATIO_PREDICTIONS,
        errors=_errors(RATIO_PREDICTIONS, y_true),
        squared_errors=squared,
        ratio=squared[1] / squared[0],
    )


@dataclass(frozen=True)
class ConfidenceComparison:
    """Two classifiers right about a positive example, at 0.51 and at 0.99.

    Attributes:
        probabilities: 0.51 and 0.99 for the positive class.
        losses: -log 0.51 ≈ 0.673 and -log 0.99 ≈ 0.01005.
        lower: the probability with the lower loss, 0.99.
        difference: 0.673 - 0.01005 ≈ 0.663.
        ratio: 0.673 / 0.01005 ≈ 67.
        predicted_labels: both 1 at the 0.5 threshold: the same accuracy.
    """

    probabilities: tuple[float, ...]
    losses: tuple[float, ...]
    lower: float
    difference: float
    ratio: float
    predicted_labels: tuple[int, ...]


def confidence_comparison() -> ConfidenceComparison:
    """Cross-entropy at 0.51 and 0.99 for a positive example: 0.99 is about 67x lower.

    Example:
        >>> c = confidence_comparison()
        >>> c.lower, round(c.losses[0], 3), round(c.losses[1], 5), round(c.ratio)
        (0.99, 0.673, 0.01005, 67)
    """
    labels = [1.0] * len(CONFIDENCE_PROBABILITIES)
    losses = _per_example("bce", CONFIDENCE_PROBABILITIES, labels)
    best = min(range(len(losses)), key=losses.__getitem__)
    return ConfidenceComparison(
        probabilities=CONFIDENCE_PROBABILITIES,
        losses=losses,
        lower=CONFIDENCE_PROBABILITIES[best],
        difference=losses[0] - losses[1],
        ratio=losses[0] / losses[1],
        predicted_labels=tuple(int(p >= 0.5) for p in CONFIDENCE_PROBABILITIES),
    )


@dataclass(frozen=True)
class Question:
    """A question of the lesson with its answer.

    Attributes:
        prompt: the question, as the lesson words it.
        answer: the short answer.
        explanation: why, with the numbers.
    """

    prompt: str
    answer: str
    explanation: str


def questions() -> tuple[Question, Question]:
    """The lesson's two questions, answered with computed numbers.

    Example:
        >>> first, second = questions()
        >>> first.answer
        '4 : the second error contributes 4 times as much (400,000,000 vs 100,000,000 $²).'
    """
    r = mse_error_ratio()
    c = confidence_comparison()
    low, high = c.probabilities
    return (
        Question(
            prompt=(
                "A regression model predicts housing prices. For one house, the true price is "
                "$400,000 and the model predicts $390,000. For another, the true price is "
                "$400,000 and the model predicts $380,000. Under MSE, what is the ratio of the "
                "second error's contribution to the first error's?"
            ),
            answer=(
                f"{format_number(r.ratio)} : the second error contributes "
                f"{format_number(r.ratio)} times as much ({format_number(r.squared_errors[1])} "
                f"vs {format_number(r.squared_errors[0])} $²)."
            ),
            explanation=(
                f"The errors are {format_number(r.errors[0])} and {format_number(r.errors[1])} "
                "dollars. MSE squares them, so doubling the error multiplies its contribution "
                "by 2² = 4: MSE penalises large errors quadratically."
            ),
        ),
        Question(
            prompt=(
                "A binary classifier outputs probability 0.51 for the positive class when the "
                "true label is positive. A second classifier outputs probability 0.99. Under "
                "cross-entropy loss, which has lower loss and what does this tell us about the "
                "loss function?"
            ),
            answer=(
                f"The {format_number(c.lower)} classifier: -log {format_number(high)} ≈ "
                f"{format_number(c.losses[1])} against -log {format_number(low)} ≈ "
                f"{format_number(c.losses[0])}, about {c.ratio:.0f} times lower "
                f"({format_number(c.difference)} less)."
            ),
            explanation=(
                "Both classifiers predict the positive class at the 0.5 threshold, so their "
                "accuracy is the same; cross-entropy still tells them apart. It rewards "
                "confident correct probabilities and punishes hesitant ones, so it measures "
                "calibration and confidence, not just whether the label is right: loss and "
                "accuracy are different quantities."
            ),
        ),
    )


def questions_steps() -> list[Step]:
    """The two questions as printable steps: prompt, answer and explanation."""
    r = mse_error_ratio()
    c = confidence_comparison()
    first, second = questions()
    return [
        Step(
            f"Question 1: {first.prompt}",
            f"{first.answer} {first.explanation}",
            Table(
                ("prediction ($)", "true ($)", "error ($)", "squared error ($²)"),
                tuple(
                    (p, r.y_true, e, s)
                    for p, e, s in zip(r.y_pred, r.errors, r.squared_errors, strict=True)
                ),
            ),
        ),
        Step(
            f"Question 2: {second.prompt}",
            f"{second.answer} {second.explanation}",
            Table(
                ("probability of positive", "true label", "predicted label", "cross-entropy"),
                tuple(
                    (p, 1, k, loss)
                    for p, k, loss in zip(
                        c.probabilities, c.predicted_labels, c.losses, strict=True
                    )
                ),
            ),
        ),
    ]


# ---------------------------------------------------------------- rainfall exercise


@dataclass(frozen=True)
class RainfallModel:
    """One model of the rainfall exercise, steps 1 to 3 and the bonus.

    Attributes:
        name: "A" or "B".
        y_pred: weekly predictions in millimetres.
        errors: prediction minus true (step 1).
        squared_errors: step 2.
        absolute_errors: |error|, for the bonus.
        mse: step 3, A 4.4 and B 32 mm².
        mae: the bonus, A 2.0 and B 4.8 mm.
    """

    name: str
    y_pred: tuple[float, ...]
    errors: tuple[float, ...]
    squared_errors: tuple[float, ...]
    absolute_errors: tuple[float, ...]
    mse: float
    mae: float


@dataclass(frozen=True)
class RainfallSolution:
    """The full solution of the rainfall exercise.

    Attributes:
        y_true: true weekly rainfall [10, 25, 5, 40, 15] mm.
        a: model A, predictions [12, 23, 6, 38, 18].
        b: model B, predictions [11, 20, 10, 50, 12].
        lower_mse: step 4, the model with the lower MSE: "A".
        outlier_week: 4 (1-based), where B predicted 50 for 40.
        outlier_squared_error: 10² = 100 mm².
        outlier_contribution: 100 / 5 = 20 of B's 32 mm².
        outlier_share: 20 / 32 = 0.625 of B's MSE from one week of five.
        b_mse_without_outlier: 12, B's MSE over the same five weeks with the
            week-4 error removed (week 4 predicted exactly).
        b_mse_other_weeks: 15, B's MSE over the remaining four weeks only.
        outlier_inflation: 32 - 12 = 20 mm², what the one error adds.
        outlier_inflation_factor: 32 / 12 ≈ 2.67.
    """

    y_true: tuple[float, ...]
    a: RainfallModel
    b: RainfallModel
    lower_mse: str
    outlier_week: int
    outlier_squared_error: float
    outlier_contribution: float
    outlier_share: float
    b_mse_without_outlier: float
    b_mse_other_weeks: float
    outlier_inflation: float
    outlier_inflation_factor: float


def _rainfall_model(name: str, y_pred: tuple[float, ...]) -> RainfallModel:
    y_true = list(RAINFALL_TRUE)
    return RainfallModel(
        name=name,
        y_pred=y_pred,
        errors=_errors(y_pred, RAINFALL_TRUE),
        squared_errors=_per_example("mse", y_pred, RAINFALL_TRUE),
        absolute_errors=_per_example("mae", y_pred, RAINFALL_TRUE),
        mse=float(get("mse")(list(y_pred), y_true)),
        mae=float(get("mae")(list(y_pred), y_true)),
    )


def rainfall() -> RainfallSolution:
    """Solve the rainfall exercise: MSE A 4.4 and B 32; week 4 adds 20 of B's 32; MAE 2.0, 4.8.

    Example:
        >>> s = rainfall()
        >>> s.a.errors
        (2.0, -2.0, 1.0, -2.0, 3.0)
        >>> s.b.squared_errors
        (1.0, 25.0, 25.0, 100.0, 9.0)
        >>> round(s.a.mse, 12), s.b.mse, s.lower_mse
        (4.4, 32.0, 'A')
        >>> s.outlier_contribution, s.b_mse_without_outlier, s.b_mse_other_weeks
        (20.0, 12.0, 15.0)
        >>> s.a.mae, s.b.mae
        (2.0, 4.8)
    """
    a = _rainfall_model("A", RAINFALL_MODEL_A)
    b = _rainfall_model("B", RAINFALL_MODEL_B)
    week = RAINFALL_OUTLIER_WEEK - 1
    n = len(RAINFALL_TRUE)
    mse = get("mse")
    # Weights that drop week 4 give the mean over the other four weeks.
    others = [0.0 if i == week else 1.0 for i in range(n)]
    # Predicting week 4 exactly removes its error but keeps dividing by five weeks.
    fixed = [RAINFALL_TRUE[i] if i == week else p for i, p in enumerate(RAINFALL_MODEL_B)]
    without = float(mse(fixed, list(RAINFALL_TRUE)))
    contribution = b.squared_errors[week] / n
    return RainfallSolution(
        y_true=RAINFALL_TRUE,
        a=a,
        b=b,
        lower_mse=min((a, b), key=lambda m: m.mse).name,
        outlier_week=RAINFALL_OUTLIER_WEEK,
        outlier_squared_error=b.squared_errors[week],
        outlier_contribution=contribution,
        outlier_share=contribution / b.mse,
        b_mse_without_outlier=without,
        b_mse_other_weeks=float(mse(list(RAINFALL_MODEL_B), list(RAINFALL_TRUE), weights=others)),
        outlier_inflation=b.mse - without,
        outlier_inflation_factor=b.mse / without,
    )


def rainfall_steps() -> list[Step]:
    """The rainfall exercise as printable steps: 1 to 5 and the bonus."""
    s = rainfall()
    return [*_rainfall_mse_steps(s), _rainfall_outlier_step(s), _rainfall_bonus_step(s)]


def _rainfall_mse_steps(s: RainfallSolution) -> list[Step]:
    """Steps 1 to 4: errors, squared errors, the two MSEs and which is lower."""
    a, b = s.a, s.b
    weeks = range(1, len(s.y_true) + 1)
    fmt = format_number
    largest_a = max(a.absolute_errors)
    largest_b = max(b.absolute_errors)
    return [
        Step(
            "Step 1: errors (prediction minus true), in mm",
            "A positive error is an over-prediction, a negative one an under-prediction.",
            Table(
                ("week", "true", "A pred", "A error", "B pred", "B error"),
                tuple(
                    (w, t, pa, ea, pb, eb)
                    for w, t, pa, ea, pb, eb in zip(
                        weeks, s.y_true, a.y_pred, a.errors, b.y_pred, b.errors, strict=True
                    )
                ),
            ),
        ),
        Step(
            "Step 2: squared errors, in mm²",
            "Squaring turns every error positive and makes large ones count much more.",
            Table(
                ("week", "A error²", "B error²"),
                tuple(zip(weeks, a.squared_errors, b.squared_errors, strict=True)),
            ),
        ),
        Step(
            "Step 3: MSE = mean of the squared errors",
            f"A: {fmt(sum(a.squared_errors))} / {len(weeks)} = {fmt(a.mse)} mm². "
            f"B: {fmt(sum(b.squared_errors))} / {len(weeks)} = {fmt(b.mse)} mm².",
            Table(
                ("model", "sum of squared errors", "MSE"),
                tuple((m.name, sum(m.squared_errors), m.mse) for m in (a, b)),
            ),
        ),
        Step(
            "Step 4: which model has the lower MSE?",
            f"Model {s.lower_mse} ({fmt(a.mse)} against {fmt(b.mse)} mm², "
            f"{b.mse / a.mse:.2f} times lower). That matches the errors: A is never off by "
            f"more than {fmt(largest_a)} mm, while B is off by up to {fmt(largest_b)} mm.",
        ),
    ]


def _rainfall_outlier_step(s: RainfallSolution) -> Step:
    """Step 5: how much the one outlier week inflates model B's MSE."""
    b, n, fmt = s.b, len(s.y_true), format_number
    return Step(
        f"Step 5: how much does week {s.outlier_week}'s error inflate B's MSE?",
        f"Week {s.outlier_week} (predicted {fmt(b.y_pred[s.outlier_week - 1])}, true "
        f"{fmt(s.y_true[s.outlier_week - 1])}) has squared error "
        f"{fmt(s.outlier_squared_error)}, so it contributes "
        f"{fmt(s.outlier_squared_error)} / {n} = {fmt(s.outlier_contribution)} of "
        f"B's {fmt(b.mse)} mm² ({s.outlier_share:.1%} of the MSE from one week of "
        f"{n}). Without that error, B's MSE would be "
        f"{fmt(s.b_mse_without_outlier)} over the same {n} weeks (week "
        f"{s.outlier_week} predicted exactly), so the one error inflates it by "
        f"{fmt(s.outlier_inflation)} mm², {s.outlier_inflation_factor:.2f} times; over the "
        f"remaining {n - 1} weeks alone B's MSE is {fmt(s.b_mse_other_weeks)}. "
        "MSE is dominated by its largest errors: one outlier prediction can outweigh "
        "all the others, which is useful when big misses really are costly and "
        "misleading when they are noise.",
        Table(
            ("B's MSE", "mm²"),
            (
                ("all five weeks, as predicted", b.mse),
                (f"week {s.outlier_week}'s contribution", s.outlier_contribution),
                (f"five weeks, week {s.outlier_week} error removed", s.b_mse_without_outlier),
                (f"the other {n - 1} weeks only", s.b_mse_other_weeks),
            ),
        ),
    )


def _rainfall_bonus_step(s: RainfallSolution) -> Step:
    """The bonus: MAE, which treats equal absolute errors equally."""
    a, b, fmt = s.a, s.b, format_number
    weeks = range(1, len(s.y_true) + 1)
    return Step(
        "Bonus: a loss that treats equal absolute errors equally",
        "Mean absolute error, the mean of |error| (do not square): every millimetre of "
        f"error costs the same. MAE A = {fmt(a.mae)} mm, B = {fmt(b.mae)} mm; B is "
        f"{b.mae / a.mae:.1f} times worse under MAE against {b.mse / a.mse:.2f} times "
        "under MSE, because the week-4 miss is no longer squared.",
        Table(
            ("week", "A |error|", "B |error|"),
            (
                *zip(weeks, a.absolute_errors, b.absolute_errors, strict=True),
                ("MAE", a.mae, b.mae),
            ),
        ),
    )


# ---------------------------------------------------------------- matching exercise

MATCHING_TERMS: tuple[str, ...] = (
    "Predicting apartment price in dollars",
    "Predicting spam vs. not-spam probability",
    "The number training is designed to minimize",
    "Loss when prediction exactly equals true label",
    "Penalizes confident wrong predictions most severely",
)
"""The five terms, in the lesson's order."""

MATCHING_DEFINITIONS: tuple[str, ...] = (
    "Total training loss",
    "Zero",
    "Cross-Entropy Loss property",
    "Cross-Entropy Loss",
    "Mean Squared Error",
)
"""The five definitions, in the lesson's (shuffled) order."""

MATCHING_ANSWERS: dict[str, str] = {
    "Predicting apartment price in dollars": "Mean Squared Error",
    "Predicting spam vs. not-spam probability": "Cross-Entropy Loss",
    "The number training is designed to minimize": "Total training loss",
    "Loss when prediction exactly equals true label": "Zero",
    "Penalizes confident wrong predictions most severely": "Cross-Entropy Loss property",
}
"""Each term's correct definition."""


@dataclass(frozen=True)
class Match:
    """One solved pair of the matching exercise.

    Attributes:
        term: the scenario.
        definition: the loss function or concept it matches.
        reason: why, with a number computed by the catalogue where one applies.
    """

    term: str
    definition: str
    reason: str


def matching() -> tuple[Match, ...]:
    """Solve the matching exercise, in the order of the terms.

    Example:
        >>> [m.definition for m in matching()]  # doctest: +NORMALIZE_WHITESPACE
        ['Mean Squared Error', 'Cross-Entropy Loss', 'Total training loss', 'Zero',
         'Cross-Entropy Loss property']
    """
    fmt = format_number
    perfect_mse = float(get("mse")([350_000.0], [350_000.0]))
    perfect_bce = float(get("bce")([1.0], [1.0]))
    confident, hesitant = _per_example("bce", (0.01, 0.4), (1.0, 1.0))
    price_error = float(get("mse")([340_000.0], [350_000.0]))
    reasons = {
        "Mean Squared Error": (
            "A price is a continuous number: a regression target. MSE averages squared "
            f"errors (a $10,000 miss costs {fmt(price_error)} $²)."
        ),
        "Cross-Entropy Loss": (
            "A probability over two categories is a classification output, scored by cross-entropy."
        ),
        "Total training loss": (
            "Training searches for the parameters that minimize the average per-example "
            "loss over the training set, L_total = (1/n) sum L(f(x_i), y_i)."
        ),
        "Zero": (
            f"A perfect prediction costs nothing: MSE of a price predicted exactly is "
            f"{fmt(perfect_mse)}, cross-entropy of probability 1 for label 1 is "
            f"{fmt(perfect_bce)}."
        ),
        "Cross-Entropy Loss property": (
            f"Probability 0.01 for the true class costs {fmt(confident)}, against "
            f"{fmt(hesitant)} for 0.4: -log p grows without bound as a confident "
            "prediction gets it wrong."
        ),
    }
    return tuple(
        Match(term, MATCHING_ANSWERS[term], reasons[MATCHING_ANSWERS[term]])
        for term in MATCHING_TERMS
    )


def matching_steps() -> list[Step]:
    """The matching exercise as printable steps: the terms, the definitions, the solution."""
    return [
        Step(
            "The exercise",
            "Match each loss scenario to the correct loss function or concept.",
            Table(
                ("term", "definition (shuffled)"),
                tuple(zip(MATCHING_TERMS, MATCHING_DEFINITIONS, strict=True)),
            ),
        ),
        Step(
            "The solution",
            "",
            Table(
                ("term", "definition", "why"),
                tuple((m.term, m.definition, m.reason) for m in matching()),
            ),
        ),
    ]


def cross_entropy_steps_binary() -> list[Step]:
    """The binary cross-entropy part of the lesson: the spam example and 0.51 against 0.99."""
    spam = spam_cross_entropy()
    c = confidence_comparison()
    fmt = format_number
    return [
        Step(
            "Binary cross-entropy: L = -[y log(p) + (1 - y) log(1 - p)]",
            f"True label 1 (spam). At p = {fmt(spam.probabilities[0])} the loss is "
            f"-log({fmt(spam.probabilities[0])}) ≈ {spam.losses[0]:.3f}: low. At p = "
            f"{fmt(spam.probabilities[1])} it is -log({fmt(spam.probabilities[1])}) ≈ "
            f"{spam.losses[1]:.3f}: high, a confident wrong prediction is punished severely.",
            Table(
                ("p(spam)", "true label", "cross-entropy"),
                tuple(
                    (p, spam.label, loss)
                    for p, loss in zip(spam.probabilities, spam.losses, strict=True)
                ),
            ),
        ),
        Step(
            "0.51 against 0.99 for a positive example",
            f"-log {fmt(c.probabilities[0])} ≈ {c.losses[0]:.3f} and -log "
            f"{fmt(c.probabilities[1])} ≈ {c.losses[1]:.5f}: p = {fmt(c.lower)} is "
            f"{fmt(c.difference)} lower, about {c.ratio:.0f} times. Both are right at the 0.5 "
            "threshold (same accuracy), yet the loss separates them: it rewards confidence "
            "in the right answer.",
            Table(
                ("p(positive)", "predicted label", "cross-entropy"),
                tuple(zip(c.probabilities, c.predicted_labels, c.losses, strict=True)),
            ),
        ),
    ]

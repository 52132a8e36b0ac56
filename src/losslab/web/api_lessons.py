"""``/api/lessons``: the seeds' worked lessons and the server-side check of the exercises.

Every expected answer comes from :mod:`losslab.lessons`; this module only
compares what the learner typed against it, with a tolerance.
"""

from __future__ import annotations

import math

from fastapi import APIRouter

from losslab import lessons
from losslab.web import links, presets
from losslab.web.errors import FieldError
from losslab.web.schemas import (
    CheckRequest,
    CheckResponse,
    Exercises,
    Lesson,
    LessonStep,
    LessonTable,
    Preset,
    PresetList,
)

router = APIRouter(prefix="/api/lessons", tags=["lessons"])


@router.get("/presets", response_model=PresetList)
def list_presets() -> PresetList:
    """The playground's presets: the headline experiments of ``losslab demo``, with captions."""
    return PresetList(presets=[Preset(**p) for p in presets.PRESETS])


RELATIVE_TOLERANCE = 0.01
"""Answers within 1 % (or 0.01 absolute) of the computed value count as right."""
ABSOLUTE_TOLERANCE = 0.01

CONFIDENCE_CHOICES = ("0.51", "0.99", "same")
BONUS_CHOICES = ("mse", "mae", "huber", "log_cosh")

LINKS = {
    "matching": links.playground("blobs", ["bce_with_logits", "hinge"], metric="accuracy"),
    "ratio": links.explorer(["mse", "mae"]),
    "confidence": links.playground(
        "blobs", ["bce_with_logits"], metric="accuracy", epochs=400, lr=0.5
    ),
    "rainfall": links.playground("linear_outliers", ["mse", "mae"], outliers=0.1),
    "bonus": links.playground("linear_outliers", ["mse", "mae", "huber:delta=1"], outliers=0.2),
}


def _close(given: float | None, expected: float) -> bool:
    if given is None or not math.isfinite(given):
        return False
    return math.isclose(given, expected, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)


def _steps(name: str) -> Lesson:
    steps = []
    for step in lessons.lesson(name):
        table = None
        if step.table is not None:
            rows = [[lessons.format_cell(c) for c in row] for row in step.table.rows]
            table = LessonTable(headers=list(step.table.headers), rows=rows)
        steps.append(LessonStep(title=step.title, text=step.text, table=table))
    return Lesson(name=name, summary=lessons.lesson_summary(name), steps=steps)


@router.get("", response_model=Exercises)
def exercises() -> Exercises:
    """The exercises' material and every worked lesson, step by step."""
    return Exercises(
        matching_terms=list(lessons.MATCHING_TERMS),
        matching_definitions=list(lessons.MATCHING_DEFINITIONS),
        questions=[q.prompt for q in lessons.questions()],
        rainfall_true=list(lessons.RAINFALL_TRUE),
        rainfall_a=list(lessons.RAINFALL_MODEL_A),
        rainfall_b=list(lessons.RAINFALL_MODEL_B),
        lessons=[_steps(name) for name in lessons.available_lessons()],
    )


def _matching(body: CheckRequest) -> CheckResponse:
    if body.pairs is None:
        raise FieldError("pairs", "the matching exercise needs pairs: term -> definition")
    unknown = sorted(set(body.pairs) - set(lessons.MATCHING_TERMS))
    if unknown:
        raise FieldError("pairs", f"unknown term {unknown[0]!r}")
    solved = {m.term: m for m in lessons.matching()}
    cells = {t: body.pairs.get(t) == m.definition for t, m in solved.items()}
    right = sum(cells.values())
    explanation = " ".join(f"{m.term} → {m.definition}: {m.reason}" for m in solved.values())
    message = (
        "All five pairs are right."
        if right == len(cells)
        else f"{right} of {len(cells)} pairs are right; the wrong ones are marked."
    )
    return CheckResponse(
        correct=right == len(cells), cells=cells, message=message,
        explanation=explanation, playground=LINKS["matching"],
    )  # fmt: skip


def _ratio(body: CheckRequest) -> CheckResponse:
    if body.number is None:
        raise FieldError("number", "the ratio question needs a number")
    first = lessons.questions()[0]
    expected = lessons.mse_error_ratio().ratio
    correct = _close(body.number, expected)
    if correct:
        message = f"Right: {lessons.format_number(expected)}."
    elif _close(body.number, 2.0):
        message = "Not quite: the error doubles, but MSE squares it. Try again."
    else:
        message = "Not quite: compare the two squared errors. Try again."
    return CheckResponse(
        correct=correct, cells={"number": correct}, message=message,
        explanation=f"{first.answer} {first.explanation}", playground=LINKS["ratio"],
    )  # fmt: skip


def _confidence(body: CheckRequest) -> CheckResponse:
    if body.choice not in CONFIDENCE_CHOICES:
        raise FieldError("choice", f"choice must be one of {CONFIDENCE_CHOICES}")
    second = lessons.questions()[1]
    comparison = lessons.confidence_comparison()
    correct = body.choice == lessons.format_number(comparison.lower)
    if correct:
        message = "Right: 0.99 has the lower loss, though both predict the positive class."
    elif body.choice == "same":
        message = "Not quite: both have the same accuracy, but not the same loss. Try again."
    else:
        message = "Not quite: -log p is smaller when p is closer to 1. Try again."
    return CheckResponse(
        correct=correct, cells={"choice": correct}, message=message,
        explanation=f"{second.answer} {second.explanation}", playground=LINKS["confidence"],
    )  # fmt: skip


def _rainfall_expected() -> dict[str, dict[str, float | str]]:
    s = lessons.rainfall()
    weeks = range(len(s.y_true))
    return {
        "errors": {
            **{f"a{i + 1}": s.a.errors[i] for i in weeks},
            **{f"b{i + 1}": s.b.errors[i] for i in weeks},
        },
        "squared_errors": {
            **{f"a{i + 1}": s.a.squared_errors[i] for i in weeks},
            **{f"b{i + 1}": s.b.squared_errors[i] for i in weeks},
        },
        "mse": {"a": s.a.mse, "b": s.b.mse},
        "lower_mse": {"choice": s.lower_mse},
        "outlier": {"contribution": s.outlier_contribution, "without": s.b_mse_without_outlier},
        "bonus": {"choice": "mae", "a": s.a.mae, "b": s.b.mae},
    }


_RAINFALL_STEP = {
    "errors": 0, "squared_errors": 1, "mse": 2, "lower_mse": 3, "outlier": 4, "bonus": 5,
}  # fmt: skip


def _rainfall(body: CheckRequest) -> CheckResponse:
    if body.step is None:
        raise FieldError("step", f"the rainfall exercise needs a step: {list(_RAINFALL_STEP)}")
    expected = _rainfall_expected()[body.step]
    given = body.cells or {}
    cells: dict[str, bool] = {}
    for key, value in expected.items():
        if isinstance(value, str):
            cells[key] = (body.choice or "").strip().lower() == value.lower()
        else:
            cells[key] = _close(given.get(key), value)
    correct = all(cells.values())
    wrong = [k for k, ok in cells.items() if not ok]
    message = (
        "Right: every value matches."
        if correct
        else f"{len(wrong)} of {len(cells)} answers need another look: {', '.join(wrong)}."
    )
    step = lessons.rainfall_steps()[_RAINFALL_STEP[body.step]]
    link = LINKS["bonus" if body.step == "bonus" else "rainfall"]
    return CheckResponse(
        correct=correct, cells=cells, message=message,
        explanation=f"{step.title}. {step.text}", playground=link,
    )  # fmt: skip


@router.post("/check", response_model=CheckResponse)
def check(body: CheckRequest) -> CheckResponse:
    """Check an answer against the computed solution, within 1 % (or 0.01)."""
    checker = {
        "matching": _matching, "ratio": _ratio, "confidence": _confidence, "rainfall": _rainfall,
    }[body.exercise]  # fmt: skip
    return checker(body)

"""Every notebook is a jupytext pair in sync, without outputs, and covers the lessons.

``notebooks/NAME.py`` (percent format) is the reviewed source and
``notebooks/NAME.ipynb`` what Jupyter opens; an edit to one side only fails
here until ``jupytext --sync notebooks/NAME.py`` brings the other along.
"""

from __future__ import annotations

import ast

import pytest
from notebook_tools import NOTEBOOKS, require

from losslab import lessons

PAIRED = sorted(path.stem for path in NOTEBOOKS.glob("*.py"))


def test_every_notebook_has_both_sides():
    assert len(PAIRED) >= 5
    assert PAIRED == sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb"))


def _cells(notebook):
    return [(c.cell_type, c.source, dict(c.metadata)) for c in notebook.cells]


@pytest.mark.parametrize("name", PAIRED)
def test_the_py_converts_to_the_ipynb(name):
    jupytext = require("jupytext")
    nbformat = require("nbformat")
    from_py = jupytext.read(NOTEBOOKS / f"{name}.py")
    ipynb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert _cells(from_py) == _cells(ipynb), (
        f"{name}.py and {name}.ipynb differ: run `jupytext --sync notebooks/{name}.py`"
    )
    assert ipynb.metadata["jupytext"]["formats"] == "ipynb,py:percent"
    assert ipynb.metadata["kernelspec"]["name"] == "python3"
    assert from_py.metadata["kernelspec"] == ipynb.metadata["kernelspec"]


@pytest.mark.parametrize("name", PAIRED)
def test_no_outputs_are_committed(name):
    nbformat = require("nbformat")
    ipynb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(ipynb)
    for cell in ipynb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: a cell has outputs"
            assert cell.execution_count is None, f"{name}: a cell has an execution count"


def _check_calls(source: str) -> list[tuple[str, str]]:
    """``(exercise_id, answer expression)`` of every ``lessons.check(...)`` in ``source``."""
    calls = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "check"
        ):
            exercise_id, answer = node.args
            assert isinstance(exercise_id, ast.Constant)
            calls.append((exercise_id.value, ast.unparse(answer)))
    return calls


def _sources() -> dict[str, str]:
    return {name: (NOTEBOOKS / f"{name}.py").read_text(encoding="utf-8") for name in PAIRED}


def _code_cells(name: str) -> list:
    jupytext = require("jupytext")
    return [c for c in jupytext.read(NOTEBOOKS / f"{name}.py").cells if c.cell_type == "code"]


def test_every_exercise_is_checked_in_a_notebook_and_every_check_is_known():
    checked = [
        exercise_id
        for name in PAIRED
        for cell in _code_cells(name)
        for exercise_id, _ in _check_calls(cell.source)
    ]
    assert sorted(checked) == sorted(lessons.exercises())


def _defined(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _is_solution(cell) -> bool:
    return cell.metadata.get("jupyter", {}).get("source_hidden") is True and (
        "solution" in cell.metadata.get("tags", [])
    )


@pytest.mark.parametrize("name", PAIRED)
def test_each_check_follows_a_collapsed_solution_cell_defining_its_answer(name):
    cells = _code_cells(name)
    for index, cell in enumerate(cells):
        for exercise_id, answer in _check_calls(cell.source):
            assert not _is_solution(cell), f"{name}: the check of {exercise_id} is hidden"
            solutions = [c.source for c in cells[:index] if _is_solution(c)]
            assert solutions, f"{name}: no solution cell before the check of {exercise_id}"
            defined = set().union(*(_defined(source) for source in solutions))
            assert answer in defined, f"{name}: {exercise_id} checks {answer}, defined nowhere"


def test_the_seeds_lessons_are_all_covered():
    text = "\n".join(_sources().values())
    for phrase in (
        "three house prices",  # seed 000: housing MSE
        "spam",  # binary cross-entropy
        "rainfall",  # the exercise
        "Matching",  # the matching exercise
        "Question 2",  # the two questions
        "from scratch",  # seed 001: implement MSE, cross-entropy, Huber
        "softmax(z) − onehot(y)",  # the gradient
        "asymmetric",  # custom objectives
        "loss and accuracy side by side",
        "saddle",  # the landscape
        "plateau",
    ):
        assert phrase.lower() in text.lower(), phrase

"""The ``losslab`` command line, run in-process with Typer's CliRunner."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from losslab import lessons, losses
from losslab.cli import app

RAIN_TRUE = "10,25,5,40,15"
MODEL_A = "12,23,6,38,18"
MODEL_B = "11,20,10,50,12"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str, columns: int = 200):
    return runner.invoke(app, list(args), env={"COLUMNS": str(columns), "NO_COLOR": "1"})


def table_rows(output: str) -> list[list[str]]:
    """The body rows of the Rich tables in ``output``, as lists of stripped cells."""
    return [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in output.splitlines()
        if line.lstrip().startswith("│")
    ]


def column(output: str, index: int, n: int) -> list[str]:
    """Cell ``index`` of the first ``n`` table rows (the per-example table comes first)."""
    return [row[index] for row in table_rows(output)[:n]]


# ---------------------------------------------------------------- losses


def catalogue_rows(output: str) -> dict[str, list[str]]:
    """The rows of ``losslab losses`` by loss name (task headings have no property cells)."""
    return {row[0]: row for row in table_rows(output) if row[0] and row[1]}


def test_losses_lists_every_loss(runner):
    result = invoke(runner, "losses")
    assert result.exit_code == 0, result.output
    assert list(catalogue_rows(result.output)) == losses.available()
    # grouped by task, each task a heading row
    headings = [row[0] for row in table_rows(result.output) if row[0] and not any(row[1:])]
    tasks = [losses.describe(name)["task"] for name in losses.available()]
    assert headings == list(dict.fromkeys(tasks))


def test_losses_shows_parameters_with_defaults(runner):
    result = invoke(runner, "losses")
    assert "delta=1.0" in result.output
    assert "q=0.5" in result.output
    assert "a row of logits" in result.output


def test_losses_shows_properties(runner):
    result = invoke(runner, "losses")
    header = next(line for line in result.output.splitlines() if "┃ name" in line)
    cells = [cell.strip() for cell in header.strip().strip("┃").split("┃")]
    assert cells[:6] == ["name", "convex", "smooth", "Lip.", "robust", "proper"]
    rows = catalogue_rows(result.output)
    # convex, smoothness, Lipschitz constant, robust (↓ redescending), proper (cal: calibrated)
    assert rows["mse"][1:6] == ["✓", "C∞", "∞", "✗", "-"]
    assert rows["mae"][1:6] == ["✓", "C0", "1", "✓", "-"]
    assert rows["huber"][1:6] == ["✓", "C1", "1", "✓", "-"]
    assert rows["bce_with_logits"][1:6] == ["✓", "C∞", "1", "✓", "✓"]
    assert rows["focal"][1:6] == ["✗", "C∞", "1.13", "✓", "cal"]
    assert rows["hinge"][1:6] == ["✓", "C0", "1", "✓", "cal"]
    assert rows["cross_entropy"][1:6] == ["✓", "C∞", "1.41", "✓", "✓"]
    assert "↓ redescending" in result.output  # the legend


def test_losses_property_cells_are_the_stated_properties(runner):
    from losslab.cli import property_cells

    rows = catalogue_rows(invoke(runner, "losses").output)
    for name in losses.available():
        assert tuple(rows[name][1:6]) == property_cells(losses.describe(name)["properties"])


def test_property_cells_for_redescending_and_uncalibrated():
    from losslab.cli import property_cells

    welsch = losses.get("barron", alpha=float("-inf")).properties.as_dict()
    assert property_cells(welsch) == ("✗", "C∞", "0.607", "↓", "-")
    weighted = losses.get("bce_with_logits", pos_weight=2.0).properties.as_dict()
    assert property_cells(weighted)[-1] == "✗"


def test_losses_fits_in_100_columns(runner):
    result = invoke(runner, "losses", columns=100)
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 100
    assert list(catalogue_rows(result.output)) == losses.available()


# ---------------------------------------------------------------- explain: the rainfall exercise


@pytest.mark.parametrize(
    ("pred", "errors", "squared", "mse"),
    [
        (MODEL_A, ["2", "-2", "1", "-2", "3"], ["4", "4", "1", "4", "9"], "4.4"),
        (MODEL_B, ["1", "-5", "5", "10", "-3"], ["1", "25", "25", "100", "9"], "32"),
    ],
)
def test_explain_mse_on_rainfall(runner, pred, errors, squared, mse):
    result = invoke(runner, "explain", "mse", "--pred", pred, "--true", RAIN_TRUE)
    assert result.exit_code == 0, result.output
    header = next(row for row in result.output.splitlines() if "┃ prediction" in row)
    cells = [cell.strip() for cell in header.strip().strip("┃").split("┃")]
    assert column(result.output, cells.index("error"), 5) == errors
    assert column(result.output, cells.index("squared error"), 5) == squared
    assert f"mse = {mse}" in result.output
    assert ["mean = the loss", mse] in table_rows(result.output)
    assert "RMSE = sqrt(MSE)" in result.output


def test_python_dash_m_losslab():
    result = subprocess.run(
        [sys.executable, "-m", "losslab", "explain", "mse", "--pred", MODEL_B, "--true", RAIN_TRUE],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "mse = 32" in result.stdout


def test_explain_huber_with_delta(runner):
    result = invoke(
        runner, "explain", "huber", "--pred", MODEL_A, "--true", RAIN_TRUE, "--param", "delta=1"
    )
    assert result.exit_code == 0, result.output
    # Errors 2, -2, 1, -2, 3 are all >= delta = 1: loss |r| - 1/2, gradient sign(r).
    assert column(result.output, -2, 5) == ["1.5", "1.5", "0.5", "1.5", "2.5"]
    assert column(result.output, -1, 5) == ["1", "-1", "1", "-1", "1"]
    assert "huber = 1.5" in result.output


def test_explain_prints_the_properties(runner):
    result = invoke(runner, "explain", "huber", "--pred", MODEL_A, "--true", RAIN_TRUE)
    assert "Properties: convex; once differentiable (C1); Lipschitz 1; robust." in result.output
    # at the given parameters
    result = invoke(
        runner, "explain", "huber", "--pred", MODEL_A, "--true", RAIN_TRUE, "-p", "delta=3"
    )
    assert "Properties: convex; once differentiable (C1); Lipschitz 3; robust." in result.output
    result = invoke(runner, "explain", "focal", "--pred", "2,-1", "--true", "1,0")
    assert "Properties: not convex; smooth (C∞); Lipschitz 1.12" in result.output
    assert "calibrated, not proper." in result.output
    result = invoke(runner, "explain", "mse", "--pred", MODEL_A, "--true", RAIN_TRUE)
    assert "Properties: convex; smooth (C∞); gradient unbounded; not robust." in result.output
    result = invoke(
        runner, "explain", "barron", "--pred", MODEL_A, "--true", RAIN_TRUE, "-p", "alpha=0"
    )
    assert "not convex" in result.output
    assert "robust, redescending" in result.output


def test_explain_huber_delta_changes_the_loss(runner):
    result = invoke(
        runner, "explain", "huber", "--pred", MODEL_A, "--true", RAIN_TRUE, "-p", "delta=3"
    )
    assert result.exit_code == 0, result.output
    # All errors within delta = 3: r² / 2, mean 22 / 2 / 5.
    assert "huber = 2.2" in result.output


def test_explain_with_weights(runner):
    result = invoke(
        runner, "explain", "mse", "--pred", MODEL_B, "--true", RAIN_TRUE, "--weights", "1,1,1,0,1"
    )
    assert result.exit_code == 0, result.output
    # Weight 0 on week 4: the weighted mean is B's MSE over the other four weeks.
    assert "mse = 15" in result.output


def test_explain_cross_entropy_rows_of_logits(runner):
    result = invoke(runner, "explain", "cross_entropy", "--pred", "2,1,0;0,1,3", "--true", "0,2")
    assert result.exit_code == 0, result.output
    z = np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 3.0]])
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    expected = -(log_p[0, 0] + log_p[1, 2]) / 2
    assert f"cross_entropy = {expected:.6g}" in result.output
    assert "-0.334759" in result.output  # softmax(z)[0] - 1 for the first row's label


def test_explain_kl_div_rows_of_probabilities(runner):
    result = invoke(
        runner, "explain", "kl_div", "--pred", "2,1,0;0,1,3", "--true", "1,0,0;0.2,0.3,0.5"
    )
    assert result.exit_code == 0, result.output
    assert "kl_div = " in result.output


_EXPLAINED_TASKS = ("regression", "binary", "multiclass")
EXAMPLES = {
    "value": ("1.5,-2,0.5", "1,0,2"),
    "log_rate": ("0.5,-1,2", "1,0,5"),
    "probability": ("0.9,0.2,0.6", "1,0,1"),
    "logit": ("2,-1,0.5", "1,0,0"),
}


_EXPLAINED = [n for n in losses.available() if losses.describe(n)["task"] in _EXPLAINED_TASKS]


@pytest.mark.parametrize("name", _EXPLAINED)
def test_explain_works_for_every_loss(runner, name):
    kind = losses.describe(name)["y_pred"]
    if kind == "logits":
        pred = "2,1,0;0,1,3"
        true = "1,0,0;0.2,0.3,0.5" if name == "kl_div" else "0,2"
    else:
        pred, true = EXAMPLES[kind]
        if name == "gamma_nll":
            true = "1,0.5,5"  # its targets are positive
    result = invoke(runner, "explain", name, "--pred", pred, "--true", true)
    assert result.exit_code == 0, result.output
    assert f"{name} = " in result.output
    assert "mean = the loss" in result.output
    assert "Properties: " in result.output


@pytest.mark.parametrize("name", sorted(set(losses.available()) - set(_EXPLAINED)))
def test_explain_refuses_the_other_tasks_clearly(runner, name):
    # Distribution, ordinal, ranking and segmentation losses: a message, not a traceback.
    result = invoke(runner, "explain", name, "--pred", "0.5,0.2", "--true", "1,0")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"{name!r} is a {losses.describe(name)['task']} loss" in " ".join(result.output.split())


# ---------------------------------------------------------------- explain: bad input


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["nope", "--pred", "1", "--true", "1"], "LOSS"),
        (["mse", "--pred", "1,x", "--true", "1,2"], "--pred"),
        (["mse", "--pred", "1,2", "--true", "1,,2"], "--true"),
        (["mse", "--pred", "1,2,3", "--true", "1,2"], "--pred"),
        (["mse", "--pred", "1,2", "--true", "1,2", "--weights", "1,2,3"], "--weights"),
        (["mse", "--pred", "1,2", "--true", "1,2", "--weights", "1,-1"], "--weights"),
        (["huber", "--pred", "1", "--true", "1", "--param", "foo=1"], "--param"),
        (["huber", "--pred", "1", "--true", "1", "--param", "delta=abc"], "--param delta"),
        (["huber", "--pred", "1", "--true", "1", "--param", "delta=-1"], "--param"),
        (["huber", "--pred", "1", "--true", "1", "--param", "delta"], "--param"),
        (["bce", "--pred", "1.5", "--true", "1"], "--pred"),
        (["bce", "--pred", "0.5", "--true", "2"], "--true"),
        (["cross_entropy", "--pred", "2,1,0;0,1", "--true", "0,1"], "--pred"),
        (["cross_entropy", "--pred", "2,1,0;0,1,3", "--true", "0,5"], "--true"),
        (["cross_entropy", "--pred", "2,1,0;0,1,3", "--true", "0.5,1"], "--true"),
    ],
)
def test_explain_bad_input_exits_2_naming_the_option(runner, args, named):
    result = invoke(runner, "explain", *args)
    assert result.exit_code == 2, result.output
    assert "Error:" in result.output
    assert named in result.output
    assert "Traceback" not in result.output


def test_explain_unknown_loss_lists_the_catalogue(runner):
    result = invoke(runner, "explain", "nope", "--pred", "1", "--true", "1")
    assert "unknown loss 'nope'" in result.output
    assert "huber" in result.output


# ---------------------------------------------------------------- lessons


def test_lesson_without_name_lists_the_lessons(runner):
    result = invoke(runner, "lesson")
    assert result.exit_code == 0, result.output
    assert [row[0] for row in table_rows(result.output)] == lessons.available_lessons()


@pytest.mark.parametrize(
    ("name", "numbers"),
    [
        ("rainfall", ["4.4", "32", "Step 5", "20", "12", "15", "4.8"]),
        ("housing", ["200,000,000", "14,142.14", "-20,000"]),
        ("cross-entropy", ["0.105361", "2.30259", "0.673345", "0.0100503", "4.60517"]),
        ("questions", ["Question 1", "Question 2", "4 times", "67 times lower"]),
        ("matching", ["Mean Squared Error", "Cross-Entropy Loss property", "Zero"]),
    ],
)
def test_lesson_prints_the_worked_solution(runner, name, numbers):
    result = invoke(runner, "lesson", name)
    assert result.exit_code == 0, result.output
    for number in numbers:
        assert number in result.output


def test_unknown_lesson_exits_2(runner):
    result = invoke(runner, "lesson", "nope")
    assert result.exit_code == 2
    assert "unknown lesson 'nope'" in result.output


# ---------------------------------------------------------------- custom expressions


def test_custom_prints_the_derived_gradient_and_checks_it(runner, tmp_path):
    png = tmp_path / "loss.png"
    result = invoke(
        runner, "custom", "a*(y_pred - y_true)**2", "--param", "a=2", "--plot", str(png)
    )
    assert result.exit_code == 0, result.output
    assert ["gradient", "a*(2*y_pred - 2*y_true)"] in table_rows(result.output)
    assert ["Hessian", "2*a"] in table_rows(result.output)
    assert "parameters: a = 2" in result.output
    assert "(tolerance 1e-06): pass" in result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("a", "--param: expected key=value, got 'a'"),
        ("a=x", "--param a: 'x' is not a number"),
        ("a=inf", "--param a: the value must be finite, got 'inf'"),
    ],
)
def test_custom_bad_param_exits_2_naming_it(runner, tmp_path, pair, message):
    plot = str(tmp_path / "x.png")
    result = invoke(runner, "custom", "a*(y_pred - y_true)**2", "--param", pair, "--plot", plot)
    assert result.exit_code == 2
    assert message in result.output


def test_custom_param_given_twice_exits_2(runner, tmp_path):
    result = invoke(
        runner, "custom", "a*(y_pred - y_true)**2", "-p", "a=1", "-p", "a=2",
        "--plot", str(tmp_path / "x.png"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--param: 'a' is given twice" in result.output

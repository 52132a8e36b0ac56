"""The sweep file: validation errors name the TOML line and the field."""

from __future__ import annotations

import subprocess
import sys

import pytest

from losslab.sweep import SweepConfigError, loads_config
from losslab.sweep._config import locate

VALID = """
epochs = 5
[[datasets]]
name = "linear"
[[losses]]
name = "huber"
grid = {delta = [0.1, 0.5, 1, 2, 5]}
[[optimizers]]
name = "momentum"
lr = [0.01, 0.1]
params = {momentum = 0.8}
"""


def problems(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(SweepConfigError) as caught:
        loads_config(text, "s.toml")
    return caught.value.problems


def test_valid_file_gives_the_models():
    config = loads_config(VALID)
    assert config.losses[0].grid == {"delta": [0.1, 0.5, 1, 2, 5]}
    assert config.optimizers[0].params == {"momentum": 0.8}
    assert config.models[0].kind == "linear"
    assert config.seeds == [0]


def test_single_learning_rate_becomes_a_list():
    config = loads_config(VALID.replace("lr = [0.01, 0.1]", "lr = 0.3"))
    assert config.optimizers[0].lr == [0.3]


@pytest.mark.parametrize(
    ("change", "line", "loc", "words"),
    [
        (('name = "huber"', 'name = "hubber"'), 6, "losses[0].name", "unknown loss 'hubber'"),
        (("delta = [0.1", "delta = [-0.1"), 7, "losses[0].grid", "delta must be > 0"),
        (("delta = ", "epsilon = "), 7, "losses[0].grid", "no parameter 'epsilon'"),
        (("epochs = 5", "epochs = 0"), 2, "epochs", "greater than or equal to 1"),
        (("lr = [0.01, 0.1]", 'lr = [0.01, "fast"]'), 10, "optimizers[0].lr[1]", "valid number"),
        (("lr = [0.01, 0.1]", "lr = [0.01, -1]"), 10, "optimizers[0].lr", "must be > 0"),
        (("momentum = 0.8", "momentun = 0.8"), 11, "optimizers[0].params", "optimizer"),
        (('name = "linear"', 'name = "linear"\nsize = 3'), 5, "datasets[0].size", "unknown field"),
    ],
)
def test_errors_name_the_line_and_the_field(change, line, loc, words):
    [(found_line, found_loc, message)] = problems(VALID.replace(*change))
    assert (found_line, found_loc) == (line, loc)
    assert words in message


def test_second_table_of_an_array_is_found():
    text = VALID + '[[losses]]\nname = "mse"\n[[losses]]\nname = "nope"\n'
    [(line, loc, _)] = problems(text)
    assert (line, loc) == (15, "losses[2].name")


def test_missing_field_points_at_its_table():
    text = VALID.replace('[[losses]]\nname = "huber"\n', "[[losses]]\n")
    [(line, loc, message)] = problems(text)
    assert (line, loc, message) == (5, "losses[0].name", "Field required")


def test_toml_syntax_error_has_its_line():
    [(line, _, message)] = problems(VALID.replace("epochs = 5", "epochs = = 5"))
    assert line == 2
    assert "not valid TOML" in message


def test_every_problem_is_listed():
    text = VALID.replace("epochs = 5", "epochs = -1").replace('"momentum"', '"rmsprop"')
    assert [p[1] for p in problems(text)] == ["optimizers[0].name", "epochs"]


def test_message_reads_path_line_field():
    with pytest.raises(SweepConfigError, match=r"^s\.toml:2: epochs: "):
        loads_config(VALID.replace("epochs = 5", "epochs = 0"), "s.toml")


def test_locate_skips_comments_and_missing_keys():
    source = "# name = x\n[[losses]]\nname = 'a'  # grid = 1\n"
    assert locate(source, ("losses", 0, "name")) == 3
    assert locate(source, ("losses", 0, "grid")) == 2
    assert locate(source, ("nothing",)) is None


def test_cli_reports_config_errors(sweep_file):
    path = sweep_file(VALID.replace('name = "huber"', 'name = "hubber"'))
    result = subprocess.run(
        [sys.executable, "-m", "losslab", "sweep", "--dry-run", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    # Rich folds long lines anywhere: compare without whitespace.
    expected = f"{path}:6: losses[0].name: unknown loss 'hubber'"
    assert "".join(expected.split()) in "".join(result.stderr.split())

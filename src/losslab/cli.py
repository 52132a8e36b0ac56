"""The ``losslab`` command line: the catalogue, step-by-step explanations and the lessons.

A thin shell over the library: it parses the options, calls
:mod:`losslab.losses` and :mod:`losslab.lessons`, and prints their results
as Rich tables. It holds no mathematics of its own.

Commands:
    losslab losses                       the catalogue
    losslab explain LOSS --pred ... --true ... [--param k=v] [--weights ...]
    losslab lesson [NAME]                a worked lesson (rainfall, housing, ...)

Bad input exits with status 2 and a red message naming the option.
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from losslab import lessons, losses
from losslab.lessons import Step, format_cell, format_number

app = typer.Typer(
    name="losslab",
    help="A laboratory for loss functions: the catalogue, worked examples, the seeds' lessons.",
    no_args_is_help=True,
    add_completion=False,
)

PREDICTION_KINDS: dict[str, str] = {
    "value": "a real value",
    "log_rate": "a log-rate z (rate exp z)",
    "probability": "a probability in [0, 1]",
    "logit": "a logit (raw score)",
    "logits": "a row of logits",
}
"""What ``y_pred`` is, in words, for each ``Loss.y_pred_kind``."""

_WIDTH_WHEN_PIPED = 160

_OPTION_NAMES = (("y_pred", "--pred"), ("y_true", "--true"), ("weights", "--weights"))


class _BadInput(Exception):
    """Bad command-line input; the message names the option."""


def _console(*, stderr: bool = False) -> Console:
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # Output to a file or a pipe is read later: do not fold tables at 80 columns.
        console.width = _WIDTH_WHEN_PIPED
    return console


def _fail(message: str) -> NoReturn:
    _console(stderr=True).print(Text(f"Error: {message}", style="bold red"))
    raise typer.Exit(code=2)


def _with_options(message: str) -> str:
    """Name the command-line option next to each argument name the library mentions."""
    for argument, option in _OPTION_NAMES:
        message = re.sub(rf"\b{argument}\b", f"{option} ({argument})", message)
    return message


# ---------------------------------------------------------------- parsing


def _numbers(text: str, option: str) -> list[float]:
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise _BadInput(f"{option}: expected numbers separated by commas, got {text!r}")
    values = []
    for item in items:
        try:
            values.append(float(item))
        except ValueError:
            raise _BadInput(f"{option}: cannot read {item!r} as a number (in {text!r})") from None
    return values


def _rows(text: str, option: str) -> list[list[float]]:
    rows = [_numbers(row, option) for row in text.split(";")]
    widths = sorted({len(row) for row in rows})
    if len(widths) > 1:
        raise _BadInput(
            f"{option}: every row (rows are separated by ';') must have the same length, "
            f"got lengths {', '.join(map(str, widths))}"
        )
    return rows


def _labels(text: str, option: str) -> list[int]:
    labels = []
    for value in _numbers(text, option):
        if not value.is_integer():
            raise _BadInput(f"{option}: class labels must be integers, got {format_number(value)}")
        labels.append(int(value))
    return labels


def _param_value(raw: str, default: Any, option: str) -> Any:
    text = raw.strip()
    if isinstance(default, bool):
        if text.lower() in ("true", "1", "yes"):
            return True
        if text.lower() in ("false", "0", "no"):
            return False
        raise _BadInput(f"{option}: expected true or false, got {raw!r}")
    if isinstance(default, str):
        return text
    if default is None and text.lower() == "none":
        return None
    values = _numbers(text, option)
    if isinstance(default, int):
        if not values[0].is_integer() or len(values) > 1:
            raise _BadInput(f"{option}: expected an integer, got {raw!r}")
        return int(values[0])
    if isinstance(default, float) and len(values) > 1:
        raise _BadInput(f"{option}: expected one number, got {raw!r}")
    # A parameter without a default value (None) takes one number or a list (class_weights).
    return values[0] if len(values) == 1 else tuple(values)


def _params(name: str, items: list[str]) -> dict[str, Any]:
    defaults = losses.parameters(name)
    params: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise _BadInput(f"--param: expected NAME=VALUE, got {item!r}")
        if key not in defaults:
            allowed = ", ".join(defaults) or "none"
            raise _BadInput(
                f"--param: loss {name!r} has no parameter {key!r}; its parameters: {allowed}"
            )
        params[key] = _param_value(raw, defaults[key], f"--param {key}")
    return params


# ---------------------------------------------------------------- rendering


_TEXT_HEADERS = frozenset(
    {"term", "definition", "definition (shuffled)", "why", "model", "quantity", "B's MSE"}
)
"""Columns of text, aligned left; numbers align right."""


def _table(headers: tuple[str, ...], rows: Any, *, title: str | None = None) -> RichTable:
    table = RichTable(title=title, title_justify="left", header_style="bold")
    for header in headers:
        table.add_column(header, justify="left" if header in _TEXT_HEADERS else "right")
    for row in rows:
        # Text, not markup: a cell like '[1, 0, 0]' must print as it is.
        table.add_row(*(Text(format_cell(cell)) for cell in row))
    return table


def _print_steps(console: Console, steps: list[Step]) -> None:
    for step in steps:
        console.print()
        console.print(Text(step.title, style="bold cyan"))
        if step.text:
            console.print(step.text, markup=False)
        if step.table is not None:
            console.print(_table(step.table.headers, step.table.rows))


# ---------------------------------------------------------------- commands


@app.command("losses")
def losses_command() -> None:
    """List the loss catalogue: name, task, what y_pred is, parameters, meaning."""
    table = RichTable(title="The loss catalogue", title_justify="left", header_style="bold")
    table.add_column("name", no_wrap=True, style="bold")
    table.add_column("task", no_wrap=True)
    table.add_column("y_pred")
    table.add_column("parameters (defaults)")
    table.add_column("meaning")
    for name in losses.available():
        info = losses.describe(name)
        params = ", ".join(f"{key}={value!r}" for key, value in info["params"].items())
        kind = PREDICTION_KINDS.get(info["y_pred"], info["y_pred"])
        cells = (name, info["task"], kind, params or "-", info["summary"])
        table.add_row(*(Text(cell) for cell in cells))
    _console().print(table)


@app.command("explain")
def explain_command(
    loss: Annotated[str, typer.Argument(help="A catalogue name, see `losslab losses`.")],
    pred: Annotated[
        str,
        typer.Option(
            "--pred",
            help="Predictions, comma-separated; rows of logits separated by ';' for "
            'cross_entropy and kl_div ("2,1,0;0,1,3").',
        ),
    ],
    true: Annotated[
        str,
        typer.Option(
            "--true",
            help="Targets, comma-separated: values, 0/1 labels, integer class labels, or "
            "rows of probabilities separated by ';'.",
        ),
    ],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A loss parameter NAME=VALUE; repeat for more."),
    ] = None,
    weights: Annotated[
        str | None, typer.Option("--weights", help="Per-example weights, comma-separated.")
    ] = None,
) -> None:
    """Work a loss through step by step: errors, per-example losses, gradients, totals."""
    try:
        losses.describe(loss)
    except (ValueError, TypeError) as exc:
        _fail(f"LOSS: {exc}")
    try:
        params = _params(loss, param or [])
        kind = losses.describe(loss)["y_pred"]
        if kind == "logits":
            y_pred: Any = _rows(pred, "--pred")
            # kl_div reads rows of target probabilities; cross_entropy labels, or rows.
            rows = loss == "kl_div" or ";" in true
            y_true: Any = _rows(true, "--true") if rows else _labels(true, "--true")
        else:
            y_pred = _numbers(pred, "--pred")
            y_true = _numbers(true, "--true")
        w = _numbers(weights, "--weights") if weights is not None else None
    except _BadInput as exc:
        _fail(str(exc))
    try:
        bound = losses.get(loss, **params)
    except (ValueError, TypeError) as exc:
        _fail(f"--param: {exc}")
    try:
        result = lessons.explain(bound, y_pred, y_true, weights=w)
    except (ValueError, TypeError) as exc:
        _fail(_with_options(str(exc)))

    console = _console()
    console.print(Text(f"{bound!r}: {bound.summary}", style="bold cyan"))
    console.print(f"y_pred is {PREDICTION_KINDS.get(bound.y_pred_kind, bound.y_pred_kind)}.")
    console.print(_table(result.table.headers, result.table.rows, title="Per example"))
    console.print(_table(result.totals.headers, result.totals.rows, title="Totals"))
    for note in result.notes:
        console.print(note, markup=False)
    console.print(Text(f"{loss} = {format_number(result.value)}", style="bold"))


@app.command("lesson")
def lesson_command(
    name: Annotated[
        str | None,
        typer.Argument(help="rainfall, housing, cross-entropy, questions or matching."),
    ] = None,
) -> None:
    """Print a worked lesson from the seeds step by step; without NAME, list them."""
    console = _console()
    if name is None:
        table = RichTable(title="Lessons", title_justify="left", header_style="bold")
        table.add_column("name", no_wrap=True, style="bold")
        table.add_column("what it works through")
        for lesson_name in lessons.available_lessons():
            table.add_row(Text(lesson_name), Text(lessons.lesson_summary(lesson_name)))
        console.print(table)
        return
    try:
        steps = lessons.lesson(name)
    except ValueError as exc:
        _fail(f"NAME: {exc}")
    console.print(Text(f"Lesson: {name}: {lessons.lesson_summary(name)}", style="bold"))
    _print_steps(console, steps)

"""The ``losslab`` command line: the catalogue, step-by-step explanations and the lessons.

A thin shell over the library: it parses the options, calls
:mod:`losslab.losses` and :mod:`losslab.lessons`, and prints their results
as Rich tables. It holds no mathematics of its own.

Commands:
    losslab losses                       the catalogue
    losslab explain LOSS --pred ... --true ... [--param k=v] [--weights ...]
    losslab lesson [NAME]                a worked lesson (rainfall, housing, ...)
    losslab advise DATA.csv --target y   which loss for my data, with the evidence

Bad input exits with status 2 and a red message naming the option.
"""

from __future__ import annotations

import math
import os
import re
import sys
from typing import Annotated, Any, NoReturn

from losslab._optional import require

require("cli", "losslab's command line")

import typer
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from losslab import lessons, links, losses
from losslab.lessons import Step, format_cell, format_number
from losslab.specs import parse_pairs

app = typer.Typer(
    name="losslab",
    help="A laboratory for loss functions: the catalogue, worked examples, the seeds' lessons.",
    no_args_is_help=True,
    add_completion=False,
)

_WIDTH_WHEN_PIPED = 160


def _print_version(value: bool) -> None:
    if value:
        import losslab

        typer.echo(f"losslab {losslab.__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print losslab's version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """A laboratory for loss functions: the catalogue, worked examples, the seeds' lessons."""


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

    def convert(key: str, text: str) -> Any:
        if key not in defaults:
            allowed = ", ".join(defaults) or "none"
            raise _BadInput(
                f"--param: loss {name!r} has no parameter {key!r}; its parameters: {allowed}"
            )
        return _param_value(text, defaults[key], f"--param {key}")

    try:
        return parse_pairs(items, "--param", convert=convert)
    except ValueError as exc:
        raise _BadInput(str(exc)) from None


def _finite_number(key: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"--param {key}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"--param {key}: the value must be finite, got {text!r}")
    return value


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


_SMOOTHNESS_SYMBOLS = {"C0": "C0", "C1": "C1", "C2": "C2", "Cinf": "C∞"}

PROPERTY_LEGEND = (
    "convex ✓/✗ · smooth: C0 has kinks, C1 once differentiable, C∞ smooth · Lip.: the bound on "
    "|grad| per example, at the default parameters (∞: unbounded) · robust: ✓ bounded influence, "
    "↓ redescending · proper: ✓ proper scoring rule, cal calibrated only, ✗ neither, - not "
    "classification."
)


def property_cells(properties: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """The catalogue's compact property cells: convex, smooth, Lipschitz, robust, proper."""
    lipschitz = properties["lipschitz"]
    if properties["redescending"]:
        robust = "↓"
    else:
        robust = "✓" if properties["robust"] else "✗"
    if properties["proper"] is None:
        proper = "-"
    elif properties["proper"]:
        proper = "✓"
    else:
        proper = "cal" if properties["calibrated"] else "✗"
    return (
        "✓" if properties["convex"] else "✗",
        _SMOOTHNESS_SYMBOLS[properties["smoothness"]],
        "∞" if lipschitz is None else f"{lipschitz:.3g}",
        robust,
        proper,
    )


@app.command("losses")
def losses_command() -> None:
    """List the loss catalogue by task: name, properties, meaning, what y_pred is, parameters."""
    table = RichTable(title="The loss catalogue", title_justify="left", header_style="bold")
    table.add_column("name", no_wrap=True, style="bold")
    for header in ("convex", "smooth", "Lip.", "robust", "proper"):
        table.add_column(header, no_wrap=True, justify="center")
    table.add_column("meaning; y_pred; parameters (defaults)")
    task = None
    for name in losses.available():
        info = losses.describe(name)
        if info["task"] != task:
            task = info["task"]
            if table.row_count:
                table.add_section()
            table.add_row(Text(task, style="italic"), *([Text("")] * 6))
        params = ", ".join(f"{key}={value!r}" for key, value in info["params"].items())
        kind = links.get(info["link"]).description
        about = f"{info['summary']}\ny_pred: {kind}; {params or 'no parameters'}"
        cells = (name, *property_cells(info["properties"]), about)
        table.add_row(*(Text(cell) for cell in cells))
    console = _console()
    console.print(table)
    console.print(PROPERTY_LEGEND, markup=False)


@app.command("explain")
def explain_command(
    loss: Annotated[str, typer.Argument(help="A catalogue name, see `losslab losses`.")],
    pred: Annotated[
        str,
        typer.Option(
            "--pred",
            help="Predictions, comma-separated; rows of logits separated by ';' for the "
            'losses on rows, such as cross_entropy, kl_div and sparsemax ("2,1,0;0,1,3").',
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
        definition = losses.definition(loss)
    except (ValueError, TypeError) as exc:
        _fail(f"LOSS: {exc}")
    link = definition.link
    from losslab.lessons._explain import refusal

    reason = refusal(loss, definition.task)
    if reason is not None:
        _fail(f"LOSS: {reason}")
    try:
        params = _params(loss, param or [])
        if link.rows:
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
    console.print(f"y_pred is {bound.link.description}.")
    console.print(result.properties, markup=False)
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


@app.command("serve")
def serve_command(
    host: Annotated[
        str, typer.Option(help="Address to listen on; loopback unless you mean otherwise.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Start the web playground (FastAPI under uvicorn) and print its address."""
    import uvicorn

    from losslab.web import create_app

    shown = f"[{host}]" if ":" in host else host
    _console().print(Text(f"losslab playground on http://{shown}:{port}/", style="bold green"))
    if host not in ("127.0.0.1", "localhost", "::1"):
        warning = f"listening on {host}: reachable from other machines"
        _console().print(Text(warning, style="yellow"))
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")


# ---------------------------------------------------------------- experiments

_SUMMARY_COLUMNS = (
    ("rank", "rank"),
    ("label", "loss"),
    ("runs", "runs"),
    ("final_median", "final (median)"),
    ("final_iqr", "final (IQR)"),
    ("best_median", "best (median)"),
    ("epochs_to_target", "epochs to target"),
    ("reached_target", "reached"),
    ("wall_time", "s / run"),
    ("diverged", "diverged"),
    ("diverged_at", "where"),
    ("constant_median", "constant"),
    ("flag", "vs constant"),
)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "-" if value != value else f"{value:.4g}"
    return str(value)


def _widths(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise _BadInput(f"--hidden: expected widths like 32,16, got {text!r}") from None
    if not widths or min(widths) < 1:
        raise _BadInput(f"--hidden: expected positive widths like 32,16, got {text!r}")
    return widths


def _print_ranking(console: Console, result: Any) -> None:
    table = RichTable(title=f"Ranked by {result.metric}", title_justify="left", header_style="bold")
    for _, header in _SUMMARY_COLUMNS:
        left = header in ("loss", "where", "vs constant")
        table.add_column(header, justify="left" if left else "right")
    flagged = []
    for row in result.summary.to_dict("records"):
        cells = {key: _cell(row[key]) for key, _ in _SUMMARY_COLUMNS}
        style = ""
        if row["kind"] == "constant":
            style = "italic"
        elif row["flag"]:
            # Never shown as a normal result: marked, in red, and explained below the table.
            cells["label"], style = f"⚠ {row['label']}", "red"
            flagged.append(row["label"])
        table.add_row(*(Text(cells[key], style=style) for key, _ in _SUMMARY_COLUMNS))
    console.print(table)
    console.print(result.note, markup=False)
    if flagged:
        console.print(
            Text(f"⚠ {', '.join(flagged)}: not a normal result, see the note above.",
                 style="bold red")
        )  # fmt: skip


@app.command("compare")
def compare_command(
    dataset: Annotated[
        str,
        typer.Option(
            "--dataset",
            help='A dataset spec, e.g. "linear_outliers:outlier_fraction=0.1" or '
            '"csv:path=data.csv,target=y,standardize=true,encode=onehot,impute=median".',
        ),
    ],
    losses_: Annotated[
        str,
        typer.Option(
            "--losses", help='Loss specs separated by commas, e.g. "mse,mae,huber:delta=1".'
        ),
    ],
    model: Annotated[
        str, typer.Option("--model", help="linear or mlp (torch with --torch-model).")
    ] = "linear",
    hidden: Annotated[str, typer.Option("--hidden", help="MLP hidden widths, e.g. 32,16.")] = "16",
    activation: Annotated[str, typer.Option("--activation", help="MLP activation.")] = "tanh",
    optimizer: Annotated[
        str, typer.Option("--optimizer", help="gd, sgd, momentum, nesterov, adam.")
    ] = "gd",
    lr: Annotated[float, typer.Option("--lr", help="Learning rate.")] = 0.1,
    epochs: Annotated[int, typer.Option("--epochs", help="Epochs per run.")] = 100,
    seeds: Annotated[int, typer.Option("--seeds", help="Number of seeds (0, 1, ...).")] = 5,
    torch_model: Annotated[
        str | None,
        typer.Option(
            "--torch-model",
            help="module:factory making your nn.Module as factory(n_features, n_outputs); "
            "trained with torch.optim (implies --model torch).",
        ),
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric", help="Common metric to rank by (default val rmse / val accuracy)."
        ),
    ] = None,
    target: Annotated[float | None, typer.Option("--target", help="Metric value to reach.")] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", help="Mini-batch size (sgd).")
    ] = None,
    val_fraction: Annotated[float, typer.Option("--val-fraction", help="Validation share.")] = 0.25,
    report: Annotated[
        str | None, typer.Option("--report", help="Folder for a self-contained HTML report.")
    ] = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")
    ] = True,
) -> None:
    """Train several losses over several seeds and rank them by a common metric."""
    import shlex

    from losslab.experiments import compare
    from losslab.plots import check_folder, comparison_report

    try:
        widths = _widths(hidden)
        if report is not None:
            check_folder(report)
        if torch_model is not None:
            model = "torch"
            if os.getcwd() not in sys.path:  # a factory in the user's folder, as python -m finds it
                sys.path.insert(0, os.getcwd())
        result = compare(
            dataset, losses_, model=model, hidden=widths, activation=activation,
            optimizer=optimizer, lr=lr, epochs=epochs, seeds=seeds, metric=metric, target=target,
            batch_size=batch_size, val_fraction=val_fraction, torch_model=torch_model,
            progress=progress,
        )  # fmt: skip
    except (_BadInput, ValueError) as exc:
        _fail(str(exc))
    console = _console()
    _print_ranking(console, result)
    if report is not None:
        # The command is rebuilt from the parsed options: every default spelled out.
        options = {
            "--dataset": dataset, "--losses": losses_, "--model": model, "--hidden": hidden,
            "--activation": activation, "--optimizer": optimizer, "--lr": lr, "--epochs": epochs,
            "--seeds": seeds, "--val-fraction": val_fraction, "--report": report,
            "--metric": metric, "--target": target, "--batch-size": batch_size,
            "--torch-model": torch_model,
        }  # fmt: skip
        words = ["losslab", "compare"]
        for option, value in options.items():
            words += [option, str(value)] if value is not None else []
        page = comparison_report(result, command=shlex.join(words)).write(report)
        console.print(Text(f"report: {page}", style="bold green"))
    if result.interrupted:
        console.print(Text("Interrupted: the report holds the runs that finished.", style="yellow"))
        raise typer.Exit(code=130)


@app.command("demo")
def demo_command(
    out: Annotated[str, typer.Option("--out", help="Folder for the report.")] = "losslab-demo",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the experiments.")] = 0,
) -> None:
    """Run the seeds' headline experiments and write them as one HTML report."""
    from losslab.demo import run_demo

    try:
        result = run_demo(out, seed=seed)
    except ValueError as exc:
        _fail(str(exc))
    table = RichTable(title="losslab demo", title_justify="left", header_style="bold")
    for header in ("section", "claim", "measured", "holds"):
        table.add_column(header)
    for row in result.summary.to_dict("records"):
        cells = (row["section"], row["claim"], row["measured"], "yes" if row["holds"] else "NO")
        table.add_row(*(Text(str(c)) for c in cells))
    console = _console()
    console.print(table)
    console.print(Text(f"report: {result.report} ({result.seconds:.1f} s)", style="bold green"))


# ---------------------------------------------------------------- sweeps (losslab.sweep)


def _seconds(value: float) -> str:
    if value < 120:
        return f"{value:.1f} s"
    return f"{value / 60:.1f} min" if value < 7200 else f"{value / 3600:.1f} h"


@app.command("sweep")
def sweep_command(
    config: Annotated[str, typer.Argument(help="A sweep file (TOML), e.g. examples/sweep.toml.")],
    out: Annotated[
        str | None,
        typer.Option("--out", "-o", help="Results folder; rerunning into it resumes."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count the runs and time a tiny one; run nothing.")
    ] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="A running Dask scheduler, tcp://HOST:8786; default: a LocalCluster here.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="LocalCluster processes (default: one per core)."),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", min=1, help="Runs per task (default: sized to ~0.75 s)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Use --out even if it holds another config's sweep.")
    ] = False,
) -> None:
    """Run every combination of a sweep file on Dask; finished runs are kept and skipped.

    Exit status: 0 when every run finished (diverged runs included), 1 when
    some failed (failed/<run_id>.json) or did not finish (a rerun retries them), 130/143 when
    SIGINT/SIGTERM stopped it (a rerun resumes).
    """
    from losslab import sweep  # dask loads only for sweeps

    try:
        settings = sweep.load_config(config)
        plan = sweep.expand(settings)
    except sweep.SweepConfigError as exc:
        _fail(str(exc))
    if dry_run:
        _print_estimate(sweep, settings.name, plan, out, scheduler, workers)
        return
    if out is None:
        _fail("--out: give a results folder (or --dry-run to only count the runs)")
    try:
        outcome = sweep.run_sweep(
            settings, out, scheduler=scheduler, n_workers=workers, batch_size=batch_size,
            force=force, progress=True,
        )  # fmt: skip
    except sweep.ConfigChangedError as exc:
        _fail(f"--out: {exc}")
    except OSError as exc:
        if exc.filename is not None:
            _fail(f"--out: {exc}")
        # A TimeoutError: no scheduler at the address, or no worker joined it.
        _fail(f"--scheduler: cannot use {scheduler}: {exc}" if scheduler else str(exc))
    _report_outcome(outcome, out)


def _print_estimate(
    sweep: Any, name: str, plan: Any, out: str | None, scheduler: str | None, workers: int | None
) -> None:
    """The dry run: how many runs, how many done, and the time a tiny calibration predicts."""
    done = sweep.Store(out).finished() if out else set()
    try:
        n_workers = workers or (
            sweep.cluster_threads(scheduler) if scheduler else os.cpu_count() or 1
        )
    except OSError as exc:
        _fail(f"--scheduler: cannot use {scheduler}: {exc}")
    estimate = sweep.estimate(plan, n_workers=n_workers, done=done)
    table = RichTable(title=f"Sweep {name!r} (dry run)", title_justify="left")
    table.add_column("quantity", style="bold")
    table.add_column("value", justify="right")
    rows = (
        ("runs", str(estimate.n_runs)),
        ("already done", str(estimate.n_done)),
        ("to run", str(estimate.n_runs - estimate.n_done)),
        ("dataset/loss pairs skipped (task mismatch)", str(len(plan.skipped))),
        ("seconds per run (calibrated here)", f"{estimate.seconds_per_run:.3g}"),
        ("workers", str(estimate.n_workers)),
        ("estimated time", _seconds(estimate.seconds)),
    )
    for quantity, value in rows:
        table.add_row(Text(quantity), Text(value))
    _console().print(table)


def _report_outcome(outcome: Any, out: str) -> None:
    """Print what the sweep did; exit 130/143 when a signal stopped it, 1 when runs failed."""
    console = _console()
    console.print(
        f"{outcome.planned} runs planned, {outcome.already_done} already done; now "
        f"{outcome.ok} ok, {outcome.diverged} diverged, {outcome.failed} failed "
        f"in {_seconds(outcome.seconds)}; results in {out}"
    )
    if outcome.interrupted:
        console.print(
            Text(f"stopped by {outcome.interrupted}: finished runs are saved; run the same "
                 "command again to resume", style="yellow")
        )  # fmt: skip
        raise typer.Exit(code=143 if outcome.interrupted == "SIGTERM" else 130)
    if outcome.failed or outcome.unfinished:
        if outcome.unfinished:
            note = f"{outcome.unfinished} runs were cut short on a worker; rerun to do them"
            console.print(Text(note, style="yellow"))
        if outcome.failed:
            console.print(Text(f"{outcome.failed} runs failed: see {out}/failed/", style="red"))
        raise typer.Exit(code=1)


@app.command("report")
def report_command(
    folder: Annotated[str, typer.Argument(help="A sweep's results folder (losslab sweep --out).")],
    out: Annotated[
        str | None, typer.Option("--out", "-o", help="The HTML file (default FOLDER/report.html).")
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option("--metric", help="Compare on this History column (default: the sweep's)."),
    ] = None,
) -> None:
    """Write the HTML report of a sweep: best rates, parameter sensitivity, seeds, divergence."""
    from losslab import sweep

    try:
        path = sweep.write_report(folder, out, metric=metric)
    except ValueError as exc:
        _fail(f"FOLDER: {exc}")
    _console().print(Text(f"report: {path}", style="bold green"))


@app.command("landscape")
def landscape_command(
    out: Annotated[str, typer.Option("--out", help="Folder for the figures and index.html.")],
    dataset: Annotated[
        str, typer.Option("--dataset", help="Dataset spec, e.g. linear or xor:n_samples=100.")
    ] = "linear",
    model: Annotated[str, typer.Option("--model", help="linear or mlp.")] = "linear",
    loss: Annotated[
        list[str] | None, typer.Option("--loss", help="A loss; repeat to compare several.")
    ] = None,
    plane: Annotated[
        str, typer.Option("--plane", help="For MLPs: random, pca or hessian.")
    ] = "random",
    resolution: Annotated[int, typer.Option("--resolution", help="Grid points per axis.")] = 61,
    epochs: Annotated[int, typer.Option("--epochs", help="GD epochs of the recorded run.")] = 200,
    lr: Annotated[float, typer.Option("--lr", help="Learning rate.")] = 0.1,
    seed: Annotated[int, typer.Option("--seed", help="Initialisation and direction seed.")] = 0,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")
    ] = True,
) -> None:
    """Draw loss landscapes with the training trajectory: PNG + SVG figures and an HTML page."""
    from losslab.landscape import run_landscape  # matplotlib loads only for this command

    try:
        result = run_landscape(
            dataset, loss or ["mse"], out, model=model, plane=plane,  # type: ignore[arg-type]
            resolution=resolution, epochs=epochs, lr=lr, seed=seed, progress=progress,
        )  # fmt: skip
    except (ValueError, TypeError) as exc:
        _fail(f"landscape: {exc}")
    console = _console()
    table = _table(("quantity", "value"), [(k, str(v)) for k, v in result["numbers"].items()])
    console.print(table)
    for path in result["files"]:
        console.print(Text(str(path)))


@app.command("custom")
def custom_command(
    expression: Annotated[
        str, typer.Argument(help="Per-element loss in y_pred, y_true and named parameters.")
    ],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="name=value; repeat for more.")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check/--no-check", help="Run the finite-difference checks.")
    ] = True,
    task: Annotated[str, typer.Option("--task", help="regression or binary.")] = "regression",
    y_pred_kind: Annotated[
        str, typer.Option("--y-pred", help="What y_pred is: value, log_rate, logit, probability.")
    ] = "value",
    plot: Annotated[
        str | None,
        typer.Option("--plot", help="Write a PNG of the loss there (no file is written if unset)."),
    ] = None,
) -> None:
    """Derive the gradient and Hessian of a loss written as an expression, check and plot them."""
    from losslab.custom import run_custom_check  # sympy loads only here
    from losslab.custom._cli import PlotPathError

    try:
        params = parse_pairs(param or [], "--param", convert=_finite_number)
    except ValueError as exc:
        _fail(str(exc))
    try:
        result = run_custom_check(
            expression, params, check, task=task, y_pred_kind=y_pred_kind, plot=plot
        )
    except PlotPathError as exc:
        _fail(f"--plot: {exc}")
    except (ValueError, TypeError) as exc:  # UnsafeExpressionError is a ValueError
        _fail(f"EXPRESSION: {exc}")
    if result["passed"] is False:
        raise typer.Exit(1)


_ADVISE_OPTIONS = {
    "X": "DATA", "y": "--target", "task": "--task", "metric": "--metric",
    "candidates": "--candidates", "cost_matrix": "--cost-matrix", "folds": "--folds",
    "seeds": "--seeds", "store": "--store", "scheduler": "--scheduler",
}  # fmt: skip


def _advise_message(message: str) -> str:
    """Name the option beside the argument the library's message starts with."""
    for argument, option in _ADVISE_OPTIONS.items():
        if message.startswith(f"{argument}:"):
            return option + message[len(argument) :]
        if message.startswith(f"{argument} "):
            return f"{option}: {message}"
    return message


@app.command("advise")
def advise_command(
    data: Annotated[str, typer.Argument(help="A CSV file with a header row.")],
    target: Annotated[str, typer.Option("--target", help="The target column.")],
    task: Annotated[
        str | None,
        typer.Option("--task", help="regression, binary or multiclass (default: guessed)."),
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            help="What matters: mse, mae, r2, pinball:q=0.9, accuracy, "
            "balanced_accuracy, f1, roc_auc, log_loss, brier, expected_cost.",
        ),
    ] = None,
    candidates: Annotated[
        str | None,
        typer.Option("--candidates", help='More losses to compare, e.g. "mae,huber:delta=2".'),
    ] = None,
    cost_matrix: Annotated[
        str | None,
        typer.Option(
            "--cost-matrix", help='Costs C[true, predicted], rows split by ";": "0,1;5,0".'
        ),
    ] = None,
    folds: Annotated[int, typer.Option("--folds", help="Folds per seed.")] = 5,
    seeds: Annotated[int, typer.Option("--seeds", help="Shuffles of the folds.")] = 3,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Run on Dask: synchronous, threads, processes or "
            "tcp://HOST:8786 (default: in this process).",
        ),
    ] = None,
    store: Annotated[
        str | None, typer.Option("--store", help="Results folder; rerunning into it resumes.")
    ] = None,
    report: Annotated[
        str | None, typer.Option("--report", help="Folder for a self-contained HTML report.")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print the record as JSON only.")] = False,
) -> None:
    """Which loss for my data: diagnostics, candidates by readable rules, a paired comparison."""
    import shlex

    from losslab import datasets
    from losslab.advisor import advice_report, advise, print_advice

    try:
        costs = None if cost_matrix is None else _rows(cost_matrix, "--cost-matrix")
        if report is not None:
            from losslab.plots import check_folder

            check_folder(report)
        loaded = datasets.csv(data, target, task=task)
        advice = advise(
            loaded.raw, loaded.y, task=loaded.task, metric=metric, candidates=candidates,
            cost_matrix=costs, folds=folds, seeds=seeds, scheduler=scheduler, store=store,
            preprocessing=loaded.preprocessing,
        )  # fmt: skip
    except _BadInput as exc:
        _fail(str(exc))
    except ValueError as exc:
        _fail(_advise_message(str(exc)))
    except OSError as exc:
        if exc.filename is not None:
            _fail(f"--store: {exc}" if store else str(exc))
        # A TimeoutError: no scheduler at the address, or no worker joined it.
        _fail(f"--scheduler: cannot use {scheduler}: {exc}" if scheduler else str(exc))
    if json_:
        typer.echo(advice.to_json())
    else:
        print_advice(advice, _console())
    if report is not None:
        words = ["losslab", "advise", data, "--target", target]
        for option, value in (("--task", task), ("--metric", metric), ("--candidates", candidates),
                              ("--cost-matrix", cost_matrix), ("--folds", folds),
                              ("--seeds", seeds)):  # fmt: skip
            words += [option, str(value)] if value is not None else []
        page = advice_report(advice, command=shlex.join(words)).write(report)
        _console(stderr=json_).print(Text(f"report: {page}", style="bold green"))


def main() -> None:
    """The ``losslab`` command: :data:`app`, with a missing extra reported in one line."""
    from losslab._optional import MissingExtra

    try:
        app(prog_name="losslab")
    except MissingExtra as exc:
        _console(stderr=True).print(Text(f"Error: {exc}", style="bold red"))
        raise SystemExit(2) from None

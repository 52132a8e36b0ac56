"""A self-contained HTML report: figures as base64 PNG, tables as HTML, no external URL.

A :class:`Report` collects sections of text, tables, figures and code; its
:meth:`~Report.write` puts ``index.html`` in a folder, with every figure also
saved beside it as PNG and SVG under ``figures/``. The page embeds its
figures, so it opens offline and can be sent as one file.

>>> report = Report("example")
>>> section = report.section("numbers", "Two numbers.")
>>> section.table(pd.DataFrame({"a": [1, 2]}))
>>> "<table" in report.html()
True
"""

from __future__ import annotations

import base64
import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from losslab.plots._canvas import png_bytes, save_figure

__all__ = ["Report", "Section", "check_folder", "comparison_report"]

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222;
       line-height: 1.45; padding: 0 1em; }
h1 { border-bottom: 2px solid #ddd; } h2 { margin-top: 2em; border-bottom: 1px solid #eee; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
figure { margin: 1em 0; } figure img { max-width: 100%; } figcaption { color: #555; }
.note { background: #fff8e0; border-left: 4px solid #e0b000; padding: 0.5em 0.8em; }
.claim { background: #eef7ee; border-left: 4px solid #3a3; padding: 0.5em 0.8em; }
.warning { background: #fdecec; border-left: 4px solid #c33; padding: 0.5em 0.8em; }
"""


def check_folder(folder: str | Path) -> Path:
    """Create ``folder`` if needed and make sure files can be written in it.

    Raises:
        ValueError: Naming ``report`` when the folder cannot be created or written.
    """
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise ValueError(f"report: {str(path)!r} exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"report: cannot create folder {str(path)!r}: {error.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ValueError(f"report: folder {str(path)!r} is not writable")
    return path


@dataclass
class Section:
    """One titled part of a report; items render in the order they were added."""

    title: str
    items: list[tuple[str, Any]] = field(default_factory=list)

    def text(self, text: str, *, kind: str = "") -> None:
        """A paragraph; ``kind`` ``"note"``, ``"claim"`` or ``"warning"`` highlights it."""
        self.items.append(("text", (text, kind)))

    def table(self, frame: pd.DataFrame, caption: str = "", *, digits: int = 4) -> None:
        """A table (rounded to ``digits`` significant digits)."""
        self.items.append(("table", (frame, caption, digits)))

    def figure(self, name: str, figure: Figure, caption: str = "") -> None:
        """A figure, saved as ``figures/<name>.png`` and ``.svg`` and embedded as PNG."""
        self.items.append(("figure", (name, figure, caption)))

    def code(self, text: str, caption: str = "") -> None:
        """A block of code or configuration, shown verbatim."""
        self.items.append(("code", (text, caption)))


class Report:
    """A titled list of sections, rendered as one HTML page."""

    def __init__(self, title: str, intro: str = "") -> None:
        self.title, self.intro = title, intro
        self.sections: list[Section] = []

    def section(self, title: str, text: str = "") -> Section:
        """Add a section (with an opening paragraph) and return it."""
        section = Section(title)
        if text:
            section.text(text)
        self.sections.append(section)
        return section

    def html(self, folder: Path | None = None, *, svg: bool = True) -> str:
        """The page; with ``folder``, every figure is also saved there as PNG (and SVG)."""
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(self.title)}</title><style>{_STYLE}</style></head><body>",
            f"<h1>{html.escape(self.title)}</h1>",
        ]
        if self.intro:
            parts.append(f"<p>{html.escape(self.intro)}</p>")
        for section in self.sections:
            parts.append(f"<h2>{html.escape(section.title)}</h2>")
            parts.extend(_render(kind, item, folder, svg) for kind, item in section.items)
        parts.append("</body></html>")
        return "\n".join(parts)

    def write(self, folder: str | Path, *, svg: bool = True) -> Path:
        """Write ``index.html`` (and ``figures/``) into ``folder``; return the page's path."""
        path = check_folder(folder)
        page = path / "index.html"
        page.write_text(self.html(path, svg=svg), encoding="utf-8")
        return page


def _format(value: Any, digits: int) -> str:
    if isinstance(value, float):
        return "" if value != value else f"{value:.{digits}g}"
    return str(value)


def _render(kind: str, item: Any, folder: Path | None, svg: bool) -> str:
    if kind == "text":
        text, style = item
        css = f' class="{style}"' if style else ""
        return f"<p{css}>{html.escape(text)}</p>"
    if kind == "table":
        frame, caption, digits = item
        body = frame.to_html(
            index=False, border=0, formatters={c: lambda v: _format(v, digits) for c in frame}
        )
        head = f"<p><b>{html.escape(caption)}</b></p>" if caption else ""
        return head + body
    if kind == "code":
        text, caption = item
        head = f"<p><b>{html.escape(caption)}</b></p>" if caption else ""
        return f"{head}<pre>{html.escape(text, quote=False)}</pre>"
    name, figure, caption = item
    if folder is not None:
        save_figure(figure, folder / "figures" / name, svg=svg)
    data = base64.b64encode(png_bytes(figure)).decode("ascii")
    alt = html.escape(caption or name)
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img alt="{alt}" src="data:image/png;base64,{data}">{cap}</figure>'


def _drawn_rows(run: Any) -> tuple[Any, Any]:
    """``(X, y)`` of every row as the run's models read them.

    With preprocessing fitted on the training rows, the split's two parts (the
    dataset's ``X`` is scaled by every row, and one-hot columns may differ);
    otherwise the dataset's arrays.
    """
    data, split = run.dataset, run.split
    if data.preprocessing is None or split is None:
        return data.X, data.y
    return np.vstack([split.X_train, split.X_val]), np.concatenate([split.y_train, split.y_val])


def comparison_report(
    comparison, folder: str | Path | None = None, *, command: str = "", svg: bool = True
) -> Report:
    """The report of a :class:`~losslab.experiments.Comparison`; written when ``folder`` is given.

    Sections: the summary (ranked by the common metric, with the note saying
    why, the constant model of each loss as rows, and a warning naming every
    loss whose runs end no better than their constant, with what to check),
    convergence bands, task-specific figures (fitted lines for 1-D
    regression, decision regions for 2-D classification, loss against
    accuracy and a reliability diagram for classification), the shapes of the
    losses compared, and how to run it again (command and JSON configuration).
    """
    from losslab import experiments as ex
    from losslab.plots.calibration import reliability_diagram
    from losslab.plots.convergence import convergence, loss_and_accuracy
    from losslab.plots.regions import decision_boundaries, fitted_lines
    from losslab.plots.shapes import loss_shapes

    data = comparison.dataset
    report = Report(
        f"losslab compare: {', '.join(comparison.losses)} on {data.name}",
        f"{data.description} {data.n_samples} rows, {data.n_features} features, task "
        f"{data.task}. {len(comparison.runs)} of {comparison.n_planned} runs finished.",
    )
    summary = report.section("Summary")
    summary.text(comparison.note, kind="note")
    if comparison.interrupted:
        summary.text("Interrupted (Ctrl-C): only the runs already finished are shown.", kind="note")
    table = comparison.summary.copy()
    if "flag" in table.columns:
        flagged = table["flag"] != ""
        for label, flag in zip(
            table.loc[flagged, "label"], table.loc[flagged, "flag"], strict=True
        ):
            summary.text(f"Not a normal result: {label}: {flag}; {ex.CONSTANT_HINT}.",
                         kind="warning")  # fmt: skip
        table.loc[flagged, "label"] = "⚠ " + table.loc[flagged, "label"]
    summary.table(table, f"Per loss and constant model, by {comparison.metric}")
    if comparison.runs:
        section = report.section(
            "Convergence",
            "Median over seeds with the inter-quartile range as a band. Training losses are "
            "each in their own units; compare losses on the common metric.",
        )
        section.figure("convergence", convergence(comparison))
        seed = comparison.runs[0].seed
        models = comparison.models(seed)
        X, y = _drawn_rows(comparison.runs[0])
        width = X.shape[1]
        if data.task == "regression" and width == 1:
            section = report.section("Fitted lines", f"Models of seed {seed} on all the data.")
            section.figure("fitted_lines", fitted_lines(ex.line_fits(models, X, y)))
        if data.task != "regression":
            if width == 2:
                grid = ex.decision_grid(models, X, y)
                section = report.section("Decision regions", f"Models of seed {seed}.")
                section.figure("decision_regions", decision_boundaries(grid))
            curves = {
                label: comparison.run(label, seed).history.to_frame().reset_index()
                for label in models
            }
            section = report.section(
                "Loss and accuracy", f"Training loss and validation accuracy, seed {seed}."
            )
            section.figure("loss_and_accuracy", loss_and_accuracy(curves))
            tables = {
                label: ex.reliability(*comparison.validation_probabilities(label, seed))
                for label in models
            }
            section = report.section("Calibration", f"Validation set, seed {seed}.")
            section.figure("reliability", reliability_diagram(tables))
    shapes = report.section("The losses compared", "Each loss and its derivative.")
    # Losses of one link share the axis their curves are drawn along.
    by_link: dict[str, list[Any]] = {}
    for loss in comparison.losses.values():
        by_link.setdefault(loss.link.name, []).append(loss)
    for link, items in by_link.items():
        shapes.figure(f"shapes_{link}", loss_shapes(ex.loss_curves(items)))
    rerun = report.section("Run it again")
    if command:
        rerun.code(command, "Command")
    rerun.code(json.dumps(comparison.config, indent=2, default=str), "Configuration (JSON)")
    rerun.code(
        "from losslab.experiments import compare\n"
        f"result = compare(**{json.dumps(comparison.config, default=str)})",
        "Python",
    )
    if folder is not None:
        report.write(folder, svg=svg)
    return report

"""``losslab demo``: the seeds' headline experiments as sections of one HTML report.

Each section runs experiments of :mod:`losslab.experiments.demo` (or, for the
landscape, of :mod:`losslab.landscape`), draws them with :mod:`losslab.plots`,
and returns their results by experiment name. The summary table then judges
every claim of :mod:`losslab.claims` on those results with
:func:`losslab.claims.evaluate`: the claim, what was measured, the rule and
whether it holds, on one seed. The tests judge the same claims, by the same
rules, over several seeds. Nothing here decides whether a claim holds.
"""

from __future__ import annotations

from losslab._optional import require

require("report", "losslab demo")

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from losslab import claims, plots
from losslab import experiments as ex
from losslab.experiments import demo as headline

__all__ = ["SECTIONS", "DemoResult", "SectionBuilder", "run_demo", "summary_rows"]


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` made.

    Attributes:
        summary: One row per claim: ``section``, ``claim``, ``measured``, ``rule``, ``holds``.
        results: Every experiment's result, by the name a claim's
            :attr:`~losslab.claims.Claim.experiment` gives.
        report: Path of the HTML page.
        seconds: Wall time, report included.
    """

    summary: pd.DataFrame
    results: dict[str, Any]
    report: Path
    seconds: float


def summary_rows(section: str, results: Mapping[str, Any]) -> list[dict[str, object]]:
    """One summary row for each claim whose experiment is in ``results``, judged on it.

    Args:
        section: The section's letter, for the ``section`` column.
        results: Experiment results by name, as a section returns them.
    """
    rows: list[dict[str, object]] = []
    for claim in claims.CLAIMS:
        if claim.experiment in results:
            verdict = claims.evaluate(claim, results[claim.experiment])
            rows.append(
                {
                    "section": section,
                    "claim": claim.statement,
                    "measured": verdict.text,
                    "rule": claim.rule,
                    "holds": verdict.holds,
                }
            )
    return rows


def _outliers(report: plots.Report, letter: str, seed: int) -> dict[str, Any]:
    result = headline.outliers(seed)
    comparison = result.comparison
    section = report.section(
        f"{letter}. A line through data with 10 % outliers: MSE, MAE, Huber",
        "MSE squares every error, so the few outliers (shifted by 10 to 20 units) pull its "
        "line; MAE and Huber (δ = 1) give each outlier a bounded pull.",
    )
    fits = ex.line_fits(comparison.models(), comparison.dataset.X, comparison.dataset.y)
    section.figure("a_fitted_lines", plots.fitted_lines(fits, title="lines fitted by each loss"))
    section.figure("a_convergence", plots.convergence(comparison))
    errors = pd.DataFrame(
        {
            "loss": list(result.slope_error),
            "slope error (mean)": [float(np.mean(v)) for v in result.slope_error.values()],
            "slope error (median)": [float(np.median(v)) for v in result.slope_error.values()],
            "intercept error (mean)": [float(np.mean(v)) for v in result.intercept_error.values()],
            "intercept error (median)": [
                float(np.median(v)) for v in result.intercept_error.values()
            ],
        }
    )
    section.table(
        errors,
        f"|fitted − true| over {len(comparison.config['seeds'])} seeds "
        f"(true slope {result.true_slope:.3f})",
    )
    section.table(comparison.summary, "The comparison's summary")
    constant = result.constant
    section.text(
        "A constant-only model ŷ = b, trained by gradient descent on the same targets: "
        "MSE finds the mean, MAE the median.",
    )
    section.table(
        pd.DataFrame(
            {
                "loss": list(constant.fitted),
                "trained b": list(constant.fitted.values()),
                "mean of y": constant.mean,
                "median of y": constant.median,
            }
        )
    )
    return {"outliers": result}


def _saturation(report: plots.Report, letter: str, seed: int) -> dict[str, Any]:
    result = headline.saturation(seed)
    section = report.section(
        f"{letter}. A saturated sigmoid: cross-entropy against MSE on the probability",
        f"Both logistic models start confidently wrong (median |z| = {result.initial_logit:.1f}, "
        f"training accuracy {result.initial_accuracy:.2f}). Cross-entropy's gradient wrt the "
        "logit is p − y, about −1 here; MSE on p = σ(z) multiplies its gradient by "
        "σ′(z) = p(1 − p) ≈ 0, so it barely moves.",
    )
    curves = {label: h.to_frame().reset_index() for label, h in result.histories.items()}
    section.figure(
        "b_saturation",
        plots.loss_and_accuracy(
            curves, loss_label="training loss", accuracy_label="validation accuracy"
        ),
    )
    reached = {k: ("never" if np.isnan(v) else int(v)) for k, v in result.epochs_to_target.items()}
    section.table(
        pd.DataFrame(
            {
                "loss": list(reached),
                f"epochs to val accuracy {result.target}": [str(v) for v in reached.values()],
            }
        )
    )
    return {"saturation": result}


def _calibration(report: plots.Report, letter: str, seed: int) -> dict[str, Any]:
    result = headline.calibration(seed)
    plateau, final = result.at(result.plateau_epoch), result.history.final
    section = report.section(
        f"{letter}. The loss keeps falling after accuracy stops moving",
        f"Accuracy reaches its final level by epoch {result.plateau_epoch}; after that the "
        "predicted labels hardly change, but the probabilities grow more confident and "
        "closer to the observed frequencies, so log loss and ECE keep falling.",
    )
    frame = result.history.to_frame().reset_index()
    section.figure(
        "c_loss_vs_accuracy",
        plots.loss_and_accuracy(
            {"validation": frame},
            loss_column="val_log_loss",
            loss_label="validation log loss",
            accuracy_label="validation accuracy",
        ),
    )
    section.figure(
        "c_reliability",
        plots.reliability_diagram(
            {
                f"epoch {result.plateau_epoch}": result.reliability_at_plateau,
                f"epoch {int(final['epoch'])}": result.reliability_final,
            },
            title="reliability on the validation set",
        ),
    )
    columns = ["epoch", "val_accuracy", "val_log_loss", "val_ece"]
    section.table(pd.DataFrame([{k: plateau[k] for k in columns}, {k: final[k] for k in columns}]))
    return {"calibration": result}


def _asymmetric(report: plots.Report, letter: str, seed: int) -> dict[str, Any]:
    result = headline.asymmetric(seed)
    comparison = result.comparison
    section = report.section(
        f"{letter}. Asymmetric costs: weighting the positive class",
        "bce_with_logits with pos_weight = 5 makes a missed positive cost five times a false "
        "alarm: the boundary moves into the negative class, trading false negatives for false "
        "positives.",
    )
    grid = ex.decision_grid(comparison.models(), comparison.dataset.X, comparison.dataset.y)
    section.figure("d_decision_regions", plots.decision_boundaries(grid))
    labels = list(result.false_negatives)
    section.table(
        pd.DataFrame(
            {
                "loss": labels,
                "false negatives (val, total over seeds)": [
                    int(result.false_negatives[k].sum()) for k in labels
                ],
                "false positives (val, total over seeds)": [
                    int(result.false_positives[k].sum()) for k in labels
                ],
            }
        )
    )
    return {"asymmetric": result}


def _overfitting(report: plots.Report, letter: str, seed: int) -> dict[str, Any]:
    result = headline.overfitting(seed)
    comparison = result.comparison
    section = report.section(
        f"{letter}. The objective is not the goal: an over-parameterised MLP",
        f"{result.n_parameters} parameters, {result.n_train} noisy training rows. The training "
        "loss (the objective) falls all the way; the validation loss (the goal) is lowest at "
        f"epoch {result.best_epoch} and rises after.",
    )
    curves = pd.concat(
        [
            comparison.bands("train_loss").assign(label="training loss"),
            comparison.bands("val_loss").assign(label="validation loss"),
        ]
    )
    section.figure("e_overfitting", plots.band_panels({"MSE": curves}, log_scale=("MSE",)))
    section.table(
        pd.DataFrame(
            {
                "epoch": [result.best_epoch, result.final_epoch],
                "training loss": [result.train_loss_best, result.train_loss_final],
                "validation loss": [result.val_loss_best, result.val_loss_final],
            }
        )
    )
    return {"overfitting": result}


def _confidence(report: plots.Report, letter: str, seed: int) -> dict[str, Any]:
    result = headline.confidence()
    section = report.section(
        f"{letter}. Confidently wrong predictions",
        "Cross-entropy −log p of a positive example: 0.9 costs 0.105, 0.1 costs 2.303; "
        "0.51 and 0.99 are both right at the 0.5 threshold, yet 0.99 costs about 67 times "
        "less. The derivative −1/p grows without bound as p → 0.",
    )
    points = {"bce": list(zip(result.probabilities, result.losses, strict=True))}
    section.figure(
        "f_confidence", plots.loss_shapes(result.curve, title="cross-entropy", points=points)
    )
    section.table(pd.DataFrame({"p (true class)": result.probabilities, "−log p": result.losses}))
    return {"confidence": result}


def _landscape(report: plots.Report, letter: str, seed: int) -> dict[str, Any]:
    from losslab import landscape

    results = {
        "convex_bowl": landscape.convex_bowl(seed=seed),
        "xor_saddle": landscape.xor_saddle(seed=seed),
        "sigmoid_plateau": landscape.sigmoid_plateau(seed=seed),
    }
    # A 31-point grid with contours only keeps the section near two seconds on two cores.
    drawn = landscape.landscape_section(
        resolution=31, surface3d=False, seed=seed,
        bowl=results["convex_bowl"], saddle=results["xor_saddle"],
    )  # fmt: skip
    numbers = drawn.numbers
    section = report.section(f"{letter}. {drawn.title}", drawn.intro)
    section.table(
        pd.DataFrame({"quantity": list(numbers), "value": list(numbers.values())}), digits=6
    )
    for name, caption, figure in drawn.figures:
        section.figure(name, figure, caption)
    plateau = results["sigmoid_plateau"]
    section.text(
        "A plateau: one sigmoid unit started saturated on the wrong side (w = −10 on data "
        "with |x| ≥ 1). MSE on its probability is flat there, far from its minimum, because "
        "σ′(z) ≈ 0 multiplies its gradient; cross-entropy's gradient is (p − y) x, which the "
        "sigmoid's slope does not shrink."
    )
    section.table(
        pd.DataFrame(
            {
                "loss on σ(z)": list(plateau),
                "point": [point.kind for point in plateau.values()],
                "loss": [point.loss for point in plateau.values()],
                "gradient norm": [point.grad_norm for point in plateau.values()],
            }
        ),
        digits=6,
    )
    return results


def _shapes(report: plots.Report) -> None:
    section = report.section(
        "The losses and their derivatives",
        "Parameters as several curves: Huber's δ moves the bend from squared to absolute; "
        "the quantile q tilts the V; focal's γ flattens the loss of examples already right.",
    )
    regression = ["mse", "mae", *ex.parameter_family("huber", "delta", [0.5, 1, 2])]
    section.figure(
        "shapes_residual", plots.loss_shapes(ex.loss_curves(regression), title="regression")
    )
    section.figure(
        "shapes_quantile",
        plots.loss_shapes(
            ex.loss_curves(ex.parameter_family("quantile", "q", [0.1, 0.5, 0.9])), title="quantile"
        ),
    )
    margin = ["bce_with_logits", "hinge", *ex.parameter_family("focal", "gamma", [0, 1, 2, 5])]
    section.figure(
        "shapes_margin", plots.loss_shapes(ex.loss_curves(margin), title="classification")
    )


SectionBuilder = Callable[[plots.Report, str, int], dict[str, Any]]
"""Draws one section, given its letter and the seed, and returns its experiments' results."""

SECTIONS: tuple[tuple[str, SectionBuilder], ...] = (
    ("a", _outliers),
    ("b", _saturation),
    ("c", _calibration),
    ("d", _asymmetric),
    ("e", _overfitting),
    ("f", _confidence),
    ("g", _landscape),
)
"""The report's sections in order, each with its letter."""


def run_demo(out: str | Path = "losslab-demo", *, seed: int = 0, svg: bool = True) -> DemoResult:
    """Run every headline experiment, judge every claim on it, and write the report into ``out``.

    Args:
        out: Folder for ``index.html`` and ``figures/``.
        seed: Seed of every experiment's data (the comparisons add their own run seeds).
        svg: Also save each figure as SVG beside its PNG.

    Raises:
        ValueError: If ``out`` cannot be written (checked before anything runs).
    """
    start = time.perf_counter()
    folder = plots.check_folder(out)
    report = plots.Report(
        "losslab demo: how the choice of loss shapes learning",
        "The headline claims of the two seed texts, each measured on a small experiment. "
        "Raw losses of different kinds are not compared with each other; each claim is "
        "checked on a quantity they share (slope error, accuracy, error counts, validation "
        "loss).",
    )
    overview = report.section(
        "Summary",
        "Each claim, what was measured on this run, the rule that judges it (the same rule "
        "the tests apply over several seeds, from losslab.claims) and whether it holds.",
    )
    rows: list[dict[str, object]] = []
    results: dict[str, Any] = {}
    for letter, section in SECTIONS:
        found = section(report, letter, seed)
        rows.extend(summary_rows(letter, found))
        results.update(found)
    _shapes(report)
    summary = pd.DataFrame(rows)
    overview.table(summary)
    path = report.write(folder, svg=svg)
    return DemoResult(summary, results, path, time.perf_counter() - start)

"""``losslab demo``: the seeds' headline experiments as sections of one HTML report.

Each section runs one experiment of :mod:`losslab.experiments.demo`, draws it
with :mod:`losslab.plots`, and adds a row to the summary table: the claim,
what was measured, and whether the measurement agrees (a qualitative check
on one seed; the tests check the claims with margins over several seeds).
Section g draws the loss landscape (:func:`losslab.landscape.landscape_section`):
a convex bowl and the XOR saddle, with their Hessian eigenvalues.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from losslab import experiments as ex
from losslab import plots
from losslab.experiments import demo as headline

__all__ = ["DemoResult", "run_demo"]


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` made.

    Attributes:
        summary: One row per claim: ``section``, ``claim``, ``measured``, ``holds``.
        report: Path of the HTML page.
        seconds: Wall time, report included.
    """

    summary: pd.DataFrame
    report: Path
    seconds: float


def _row(section: str, claim: str, measured: str, holds: bool) -> dict[str, object]:
    return {"section": section, "claim": claim, "measured": measured, "holds": bool(holds)}


def _outliers(report: plots.Report, seed: int) -> list[dict[str, object]]:
    result = headline.outliers(seed)
    comparison = result.comparison
    section = report.section(
        "a. A line through data with 10 % outliers: MSE, MAE, Huber",
        "MSE squares every error, so the few outliers (shifted by 10 to 20 units) pull its "
        "line; MAE and Huber (δ = 1) give each outlier a bounded pull.",
    )
    fits = ex.line_fits(comparison.models(), comparison.dataset.X, comparison.dataset.y)
    section.figure("a_fitted_lines", plots.fitted_lines(fits, title="lines fitted by each loss"))
    section.figure("a_convergence", plots.convergence(comparison))
    errors = pd.DataFrame(
        {
            "loss": list(result.slope_error),
            "slope error (median)": [float(np.median(v)) for v in result.slope_error.values()],
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
    mse, huber = (
        np.median(result.slope_error["mse"]),
        np.median(result.slope_error["huber:delta=1"]),
    )
    gap = max(
        abs(constant.fitted["mse"] - constant.mean), abs(constant.fitted["mae"] - constant.median)
    )
    return [
        _row(
            "a",
            "Huber's slope is closer to the truth than MSE's",
            f"median slope error Huber {huber:.3f}, MSE {mse:.3f}",
            huber < mse,
        ),
        _row(
            "a",
            "constant model: MSE -> mean, MAE -> median",
            f"mean {constant.mean:.3f} vs {constant.fitted['mse']:.3f}, median "
            f"{constant.median:.3f} vs {constant.fitted['mae']:.3f}",
            gap < 0.02,
        ),
    ]


def _saturation(report: plots.Report, seed: int) -> list[dict[str, object]]:
    result = headline.saturation(seed)
    section = report.section(
        "b. A saturated sigmoid: cross-entropy against MSE on the probability",
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
    ce, mse = result.epochs_to_target["cross-entropy"], result.epochs_to_target["mse on σ(z)"]
    mse_epochs = result.epochs if np.isnan(mse) else mse
    return [
        _row(
            "b",
            "cross-entropy escapes saturation, MSE on σ(z) plateaus",
            f"epochs to 90% val accuracy: CE {reached['cross-entropy']}, "
            f"MSE {reached['mse on σ(z)']} (of {result.epochs})",
            ce < 0.5 * mse_epochs,
        ),
    ]


def _calibration(report: plots.Report, seed: int) -> list[dict[str, object]]:
    result = headline.calibration(seed)
    plateau, final = result.at(result.plateau_epoch), result.history.final
    section = report.section(
        "c. The loss keeps falling after accuracy stops moving",
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
    return [
        _row(
            "c",
            "loss falls while accuracy stays flat, as calibration improves",
            f"after epoch {result.plateau_epoch}: accuracy {plateau['val_accuracy']:.3f} -> "
            f"{final['val_accuracy']:.3f}, log loss {plateau['val_log_loss']:.3f} -> "
            f"{final['val_log_loss']:.3f}, ECE {plateau['val_ece']:.3f} -> {final['val_ece']:.3f}",
            final["val_log_loss"] < 0.5 * plateau["val_log_loss"]
            and final["val_ece"] < plateau["val_ece"],
        ),
    ]


def _asymmetric(report: plots.Report, seed: int) -> list[dict[str, object]]:
    result = headline.asymmetric(seed)
    comparison = result.comparison
    section = report.section(
        "d. Asymmetric costs: weighting the positive class",
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
    fn = [int(result.false_negatives[k].sum()) for k in labels]
    fp = [int(result.false_positives[k].sum()) for k in labels]
    return [
        _row(
            "d",
            "pos_weight 5 trades false negatives for false positives",
            f"FN {fn[0]} -> {fn[1]}, FP {fp[0]} -> {fp[1]}",
            fn[1] < fn[0] and fp[1] > fp[0],
        ),
    ]


def _overfitting(report: plots.Report, seed: int) -> list[dict[str, object]]:
    result = headline.overfitting(seed)
    comparison = result.comparison
    section = report.section(
        "e. The objective is not the goal: an over-parameterised MLP",
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
    return [
        _row(
            "e",
            "training loss keeps falling while validation loss rises",
            f"val loss lowest at epoch {result.best_epoch} ({result.val_loss_best:.3f}), "
            f"{result.val_loss_final:.3f} at epoch {result.final_epoch}; train loss "
            f"{result.train_loss_best:.3f} -> {result.train_loss_final:.4f}",
            result.best_epoch < result.final_epoch
            and result.val_loss_final > result.val_loss_best
            and result.train_loss_final < result.train_loss_best,
        ),
    ]


def _confidence(report: plots.Report, seed: int) -> list[dict[str, object]]:
    result = headline.confidence()
    section = report.section(
        "f. Confidently wrong predictions",
        "Cross-entropy −log p of a positive example: 0.9 costs 0.105, 0.1 costs 2.303; "
        "0.51 and 0.99 are both right at the 0.5 threshold, yet 0.99 costs about 67 times "
        "less. The derivative −1/p grows without bound as p → 0.",
    )
    points = {"bce": list(zip(result.probabilities, result.losses, strict=True))}
    section.figure(
        "f_confidence", plots.loss_shapes(result.curve, title="cross-entropy", points=points)
    )
    section.table(pd.DataFrame({"p (true class)": result.probabilities, "−log p": result.losses}))
    by_p = dict(zip(result.probabilities, result.losses, strict=True))
    return [
        _row(
            "f",
            "confident wrong answers cost most",
            f"−log 0.9 = {by_p[0.9]:.3f}, −log 0.1 = {by_p[0.1]:.3f}; −log 0.51 = "
            f"{by_p[0.51]:.3f}, −log 0.99 = {by_p[0.99]:.4f}",
            by_p[0.1] > 20 * by_p[0.9] and by_p[0.51] > 60 * by_p[0.99],
        ),
    ]


def _landscape(report: plots.Report, seed: int) -> list[dict[str, object]]:
    from losslab.landscape import landscape_section

    # A 31-point grid with contours only keeps the section near two seconds on two cores.
    result = landscape_section(resolution=31, surface3d=False, seed=seed)
    numbers = result.numbers
    section = report.section(f"g. {result.title}", result.intro)
    section.table(
        pd.DataFrame({"quantity": list(numbers), "value": list(numbers.values())}), digits=6
    )
    for name, caption, figure in result.figures:
        section.figure(name, figure, caption)
    bowl_min = float(numbers["bowl: smallest Hessian eigenvalue"])
    saddle_min = float(numbers["XOR saddle: smallest eigenvalue (Lanczos)"])
    return [
        _row(
            "g",
            "linear regression under MSE is a convex bowl",
            f"smallest Hessian eigenvalue {bowl_min:.4g} > 0 "
            f"(largest {float(numbers['bowl: largest Hessian eigenvalue']):.4g})",
            bowl_min > 0,
        ),
        _row(
            "g",
            "a tanh network on XOR has a saddle at zero weights",
            f"gradient norm {float(numbers['XOR saddle: gradient norm']):.1e}, smallest "
            f"eigenvalue {saddle_min:.4f} (predicted −‖c‖ = "
            f"{float(numbers['XOR saddle: smallest eigenvalue predicted, -||c||']):.4f}), "
            f"largest {float(numbers['XOR saddle: largest eigenvalue']):.4f}",
            numbers["XOR saddle: kind"] == "saddle" and saddle_min < 0,
        ),
    ]


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


SECTIONS: tuple[Callable[[plots.Report, int], list[dict[str, object]]], ...] = (
    _outliers,
    _saturation,
    _calibration,
    _asymmetric,
    _overfitting,
    _confidence,
    _landscape,
)


def run_demo(out: str | Path = "losslab-demo", *, seed: int = 0, svg: bool = True) -> DemoResult:
    """Run every headline experiment and write the report into ``out``.

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
    overview = report.section("Summary")
    rows = []
    for section in SECTIONS:
        rows.extend(section(report, seed))
    _shapes(report)
    summary = pd.DataFrame(rows)
    overview.table(summary)
    path = report.write(folder, svg=svg)
    return DemoResult(summary, path, time.perf_counter() - start)

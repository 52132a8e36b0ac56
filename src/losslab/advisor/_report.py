"""The advice in the terminal (Rich tables) and as a self-contained HTML page with figures."""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table
from rich.text import Text

from losslab.advisor._advice import Advice
from losslab.advisor._rules import RULES

__all__ = ["advice_report", "print_advice"]


def _number(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "-"
    return f"{value:.4g}"


def _interval(row: dict[str, Any]) -> str:
    return f"[{_number(row['low'])}, {_number(row['high'])}]"


def _call(advice: Advice) -> str:
    """``huber(delta=1.41)``, or the bare name without parameters."""
    parts = [f"{k}={_number(v) if isinstance(v, float) else v}" for k, v in advice.params.items()]
    if advice.class_weight is not None:
        parts.append(f"class_weight={advice.class_weight}")
    return f"{advice.loss}({', '.join(parts)})" if parts else advice.loss


def print_advice(advice: Advice, console: Console | None = None) -> None:
    """Print the recommendation, the diagnostics, the rules that fired and the comparison."""
    console = console or Console(highlight=False)
    diagnostics = Table(title="Diagnostics", title_justify="left", header_style="bold")
    for header in ("diagnostic", "value", "meaning"):
        diagnostics.add_column(header, justify="right" if header == "value" else "left")
    for item in advice.diagnostics:
        diagnostics.add_row(item.name, _number(item.value), item.meaning)
    console.print(diagnostics)
    rules = Table(title="Rules that applied", title_justify="left", header_style="bold")
    for header in ("rule", "when", "losses", "why"):
        rules.add_column(header)
    for rule in advice.applied_rules():
        rules.add_row(rule["key"], rule["when"], rule["losses"], rule["why"])
    console.print(rules)
    sign = "lower" if advice.direction == "min" else "higher"
    comparison = Table(
        title=f"{advice.metric} ({sign} is better), {advice.folds} folds x {advice.seeds} seeds, "
        f"paired; difference from the best with its {advice.level:.0%} corrected interval",
        title_justify="left", header_style="bold",
    )  # fmt: skip
    for header in ("loss", "parameters", "rule", "mean", "sd", "worse by", "interval", "p", ""):
        comparison.add_column(
            header, justify="left" if header in ("loss", "parameters", "rule", "") else "right"
        )
    for row in advice.comparison:
        verdict = "tied" if row["tied"] else "worse"
        style = "bold green" if row["tied"] else ""
        comparison.add_row(
            row["label"], row["spec"], row["rule"], _number(row["mean"]), _number(row["sd"]),
            _number(row["difference"]), _interval(row), _number(row["p_value"]), verdict,
            style=style,
        )  # fmt: skip
    console.print(comparison)
    for note in advice.notes:
        console.print(Text(f"note: {note}", style="yellow"))
    console.print(Text(f"Recommended: {_call(advice)}", style="bold green"))
    if len(advice.tied) > 1:
        console.print(f"Tied within noise: {', '.join(advice.tied)} (not ranked among themselves).")
    console.print(f"Runner-up: {advice.trade_off}", markup=False)


# ------------------------------------------------------------------ figures


def _regression_figures(advice: Advice) -> dict[str, tuple[Any, str]]:
    from scipy import stats

    from losslab.advisor._diagnostics import hill_index
    from losslab.plots import new_figure

    arrays = advice.arrays
    r, fitted, z, y = arrays["residuals"], arrays["fitted"], arrays["z"], arrays["y"]
    out = {}
    figure, (ax,) = new_figure()
    ax.hist(r, bins=40, density=True, color="#1f77b4", alpha=0.7)
    sigma = advice.diagnostic("robust_scale").value
    grid = np.linspace(r.min(), r.max(), 300)
    ax.plot(grid, stats.norm.pdf(grid, np.median(r), sigma), color="#d62728", label="N(median, σ²)")
    ax.set(xlabel="residual", ylabel="density", title="Residuals of the robust baseline")
    ax.legend()
    out["robust_scale"] = (figure, "Residual histogram against a normal with the robust scale.")
    figure, (ax,) = new_figure()
    centred = np.abs(r - np.median(r))
    ks = np.arange(5, max(6, centred.size // 4))
    ax.plot(ks, [hill_index(centred, int(k))[0] for k in ks], color="#1f77b4")
    ax.axvline(advice.diagnostic("hill_index").detail["k"], color="#7f7f7f", linestyle="--")
    ax.set(xlabel="k (largest residuals used)", ylabel="Hill tail index", title="Hill plot")
    out["hill_index"] = (figure, "Hill estimate against k; the dashed line marks the k reported.")
    figure, (ax,) = new_figure()
    (osm, osr), _ = stats.probplot(r, dist="norm")
    ax.plot(osm, osr, ".", markersize=3)
    ax.plot(osm, np.median(r) + sigma * osm, color="#d62728")
    ax.set(xlabel="normal quantile", ylabel="residual", title="Normal Q-Q plot")
    out["excess_kurtosis"] = (figure, "Points off the line at the ends are heavy tails.")
    figure, (ax,) = new_figure()
    far = np.abs(z) > 3.5
    ax.plot(fitted[~far], z[~far], ".", markersize=3, label="bulk")
    ax.plot(fitted[far], z[far], "x", color="#d62728", label="|z| > 3.5")
    ax.set(xlabel="fitted value", ylabel="robust z", title="Outliers by robust z-score")
    ax.legend()
    out["outlier_fraction"] = (figure, "Modified z-scores; crosses are counted as outliers.")
    figure, (ax,) = new_figure()
    ax.hist(r - np.median(r), bins=40, color="#2ca02c", alpha=0.7)
    ax.axvline(0, color="k")
    ax.set(xlabel="residual − median", ylabel="rows", title="Asymmetry of the residuals")
    out["residual_skew"] = (figure, "Mass on one side of 0 is skew.")
    figure, (ax,) = new_figure()
    ax.plot(fitted, r**2, ".", markersize=3)
    ax.set(xlabel="fitted value", ylabel="residual²", yscale="log",
           title="Spread against the fit (Breusch–Pagan)")  # fmt: skip
    out["breusch_pagan_p"] = (figure, "A trend here is heteroscedasticity.")
    figure, (ax,) = new_figure()
    ax.hist(y, bins=min(60, max(10, np.unique(y).size)), color="#9467bd", alpha=0.8)
    ax.set(xlabel="target", ylabel="rows", title="Targets")
    out["counts"] = (figure, "Distribution of the targets (counts, positivity, skew).")
    return out


def _classification_figures(advice: Advice) -> dict[str, tuple[Any, str]]:
    from losslab.experiments import reliability
    from losslab.plots import new_figure, reliability_diagram

    arrays = advice.arrays
    proba, y, shares = arrays["proba"], arrays["y"], arrays["shares"]
    names = arrays.get("classes") or tuple(str(i) for i in range(shares.size))
    out = {}
    figure, (ax,) = new_figure()
    ax.bar(list(names), shares, color="#1f77b4")
    ax.set(xlabel="class", ylabel="share of rows", title="Class balance")
    out["minority_share"] = (figure, "Share of each class.")
    figure, (ax,) = new_figure()
    given = proba[np.arange(y.size), y]
    ax.hist(given, bins=20, range=(0, 1), color="#ff7f0e", alpha=0.8)
    ax.axvline(0.5, color="k", linestyle="--")
    ax.set(xlabel="out-of-fold probability of the given label", ylabel="rows",
           title="Disagreement with the labels")  # fmt: skip
    out["label_noise"] = (figure, "Rows left of the dashed line disagree with their label.")
    figure, (ax,) = new_figure()
    score = proba[:, 1] if proba.shape[1] == 2 else given
    for c in np.unique(y):
        ax.hist(score[y == c], bins=20, range=(0, 1), alpha=0.6, label=f"class {names[c]}")
    ax.set(xlabel="out-of-fold probability" + (" of class 1" if proba.shape[1] == 2 else
                                               " of the given label"), ylabel="rows",
           title="Separability")  # fmt: skip
    ax.legend()
    out["cv_auc"] = (figure, "Overlap of the classes' scores; no overlap is separable.")
    table = reliability(proba[:, 1] if proba.shape[1] == 2 else proba, y)
    figure = reliability_diagram({"logistic baseline": table}, title="Calibration of the baseline")
    out["calibration_ece"] = (figure, "Points on the diagonal are calibrated.")
    return out


def _differences_figure(advice: Advice) -> Any:
    from losslab.plots import new_figure

    rows = advice.comparison
    figure, (ax,) = new_figure(width=6.0, height=0.5 * len(rows) + 1.5)
    for i, row in enumerate(rows):
        colour = "#2ca02c" if row["tied"] else "#d62728"
        low = row["low"] if np.isfinite(row["low"]) else row["difference"]
        high = row["high"] if np.isfinite(row["high"]) else row["difference"]
        ax.plot([low, high], [i, i], color=colour, linewidth=3)
        ax.plot(row["difference"], i, "o", color=colour)
    ax.axvline(0, color="k", linewidth=0.8)
    ax.set_yticks(range(len(rows)), [row["label"] for row in rows])
    ax.invert_yaxis()
    ax.set(xlabel=f"worse than the best by ({advice.metric})",
           title=f"Paired differences, {advice.level:.0%} corrected intervals")  # fmt: skip
    return figure


def advice_report(advice: Advice, command: str | None = None) -> Any:
    """The advice as a :class:`losslab.plots.Report` (write it with ``.write(folder)``)."""
    import pandas as pd

    from losslab.plots import Report

    report = Report(
        "Which loss? losslab advise",
        f"{advice.task} data, {advice.n_samples} rows, {advice.n_features} features; ranked by "
        f"{advice.metric} on {advice.folds} folds x {advice.seeds} seeds.",
    )
    answer = report.section("Recommendation")
    answer.text(f"Recommended: {_call(advice)}.", kind="claim")
    if len(advice.tied) > 1:
        answer.text(f"Tied within noise, not ranked among themselves: {', '.join(advice.tied)}.")
    answer.text(f"Runner-up: {advice.trade_off}")
    for note in advice.notes:
        answer.text(note, kind="note")
    if command:
        answer.code(command, "Command")
    section = report.section("Diagnostics", "Each number with what it means for these data.")
    section.table(pd.DataFrame([{"diagnostic": d.name, "value": _number(d.value),
                                 "meaning": d.meaning} for d in advice.diagnostics]))  # fmt: skip
    figures = (_regression_figures(advice) if advice.task == "regression"
               else _classification_figures(advice))  # fmt: skip
    for key, (figure, caption) in figures.items():
        section.figure(key, figure, f"{advice.diagnostic(key).name}: {caption}")
    rules = report.section("Rules", "The whole table; the rules that applied are marked.")
    rules.table(pd.DataFrame([{"applied": "yes" if r.key in advice.rules else "",
                               "rule": r.key, "when": r.when, "losses": r.losses, "why": r.why}
                              for r in RULES]))  # fmt: skip
    compared = report.section(
        "Comparison",
        "Every candidate on the same folds; 'worse by' is the mean paired difference from the "
        "best with its Nadeau–Bengio corrected interval. Intervals that reach 0 (or lie within "
        f"{advice.margin:.1%} of the best mean) are ties.",
    )
    compared.table(pd.DataFrame([{
        "loss": r["label"], "parameters": r["spec"], "rule": r["rule"], "mean": r["mean"],
        "sd": r["sd"], "worse by": r["difference"], "low": r["low"], "high": r["high"],
        "p": r["p_value"], "verdict": "tied" if r["tied"] else "worse",
    } for r in advice.comparison]))  # fmt: skip
    compared.figure("differences", _differences_figure(advice), "Paired differences from the best.")
    return report

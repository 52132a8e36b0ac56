"""The HTML report over a sweep's results folder.

For each setting (dataset · model · optimizer) it shows, on the sweep's
common metric (final epoch, validation data by default):

- the best learning rate of each loss configuration (median over seeds,
  among rates where at most half the seeds diverged) and the metric-vs-lr curves;
- the sensitivity to each loss parameter of a grid (the Huber δ curve):
  median and interquartile band over seeds, at each configuration's best rate;
- the spread across seeds at the best rate, and the learning curves;
- the diverged regions: the share of diverged seeds by learning rate × loss;
- the floor: each loss's constant model (its optimal constant on the training
  targets, scored like the runs) as rows of the best-rate table and dashed
  lines on the metric-vs-lr figure; a loss whose runs at its best rate fail to
  beat their constant is flagged there, with what to check;

then the failed runs with the last line of their traceback. Figures are
matplotlib Figures embedded as base64 PNG (:class:`losslab.plots.Report`),
so the page holds no external URL and opens offline.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from losslab.experiments._baseline import CONSTANT_HINT, beats
from losslab.metrics import higher_is_better, metric_mode
from losslab.plots import Report, colours, new_figure
from losslab.sweep._plan import resolve_metric
from losslab.sweep._store import Store, atomic_write

__all__ = ["final_rows", "sweep_report", "write_report"]

_MAX_CURVES = 10


def _label(loss: str, params_json: str) -> str:
    params = json.loads(params_json)
    shown = ", ".join(
        f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}"
        for key, value in sorted(params.items())
    )
    return f"{loss}({shown})" if shown else loss


def final_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per run: its last recorded epoch, with a ``label`` and a ``setting`` column."""
    last = frame.sort_values(["run_id", "epoch"]).groupby("run_id", sort=False).tail(1).copy()
    last["label"] = [_label(a, b) for a, b in zip(last["loss"], last["loss_params"], strict=True)]
    last["setting"] = last["dataset"] + " · " + last["model"] + " · " + last["optimizer"]
    return last.reset_index(drop=True)


def _quartiles(values: pd.Series) -> dict[str, float]:
    values = values.dropna()
    if values.empty:
        return {"median": math.nan, "q25": math.nan, "q75": math.nan}
    q25, median, q75 = np.percentile(values.to_numpy(), [25, 50, 75])
    return {"median": float(median), "q25": float(q25), "q75": float(q75)}


def _by_lr(finals: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Median, quartiles and diverged share per (label, lr); diverged runs score NaN."""
    scored = finals.assign(score=finals[metric].where(~finals["diverged"]))
    rows = []
    for (label, lr), group in scored.groupby(["label", "base_lr"], sort=True):
        rows.append(
            {
                "label": label,
                "lr": lr,
                **_quartiles(group["score"]),
                "seeds": len(group),
                "diverged": float(group["diverged"].mean()),
            }
        )
    return pd.DataFrame(rows)


def _best_lr(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    sign = -1.0 if higher_is_better(metric) else 1.0
    usable = table[(table["diverged"] <= 0.5) & table["median"].notna()]
    if usable.empty:
        return usable
    order = usable.assign(key=sign * usable["median"]).sort_values(["label", "key", "lr"])
    return order.groupby("label", sort=True).head(1).drop(columns="key").reset_index(drop=True)


def _constants(finals: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One row per distinct constant model: ``label`` (``constant (mse)``), quartiles, seeds.

    A loss's constant depends on its seed's split, not on the learning rate;
    losses whose constants score alike on every seed share a row.
    """
    column = f"constant_{metric}"
    if column not in finals.columns:  # results written before constants were recorded
        return pd.DataFrame()
    per_seed = finals.groupby(["label", "seed"], sort=True)[column].first().dropna()
    groups: dict[tuple, list[str]] = {}
    for label, values in per_seed.groupby(level="label", sort=True):
        key = tuple((int(seed), round(float(v), 12)) for (_, seed), v in values.items())
        groups.setdefault(key, []).append(str(label))
    rows = []
    for key, members in groups.items():
        values = pd.Series([v for _, v in key], dtype=float)
        rows.append({"label": f"constant ({', '.join(members)})", **_quartiles(values),
                     "seeds": len(values)})  # fmt: skip
    return pd.DataFrame(rows)


def _versus_constant(finals: pd.DataFrame, best: pd.DataFrame, metric: str) -> list[str]:
    """Per row of ``best``: ``""`` or ``"2/3 runs fail to beat it"`` at that best rate."""
    column, mode = f"constant_{metric}", metric_mode(metric)
    if column not in finals.columns:
        return [""] * len(best)
    flags = []
    for label, lr in zip(best["label"], best["lr"], strict=True):
        runs = finals[(finals["label"] == label) & (finals["base_lr"] == lr)]
        scores = runs[metric].where(~runs["diverged"])
        below = sum(
            not beats(float(value), float(constant), mode)
            for value, constant in zip(scores, runs[column], strict=True)
        )
        flags.append(f"{below}/{len(runs)} runs fail to beat it" if below else "")
    return flags


def _metric_vs_lr(table: pd.DataFrame, metric: str, title: str, constants: pd.DataFrame):
    figure, (ax,) = new_figure(1, 1, width=6.0, height=3.6)
    palette = colours(sorted(table["label"].unique()))
    for label, group in table.groupby("label", sort=True):
        ax.plot(group["lr"], group["median"], marker="o", color=palette[label], label=label)
        ax.fill_between(group["lr"], group["q25"], group["q75"], color=palette[label], alpha=0.15)
    for i, row in enumerate(constants.head(_MAX_CURVES).to_dict("records")):
        style = ("--", ":", "-.")[i % 3]
        ax.axhline(row["median"], color="0.4", linestyle=style, linewidth=1, label=row["label"])
    drawn = table[table["median"].notna()]
    if (drawn["lr"] > 0).any():  # with every run diverged only the constants are drawn
        ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel(f"final {metric} (median, IQR)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    return figure


def _grid_parameters(finals: pd.DataFrame) -> dict[str, list[str]]:
    """Loss name -> parameters that take more than one value in the sweep."""
    varying: dict[str, list[str]] = {}
    for loss, group in finals.groupby("loss", sort=True):
        params = pd.DataFrame([json.loads(text) for text in group["loss_params"]])
        keys = [
            key
            for key in params.columns
            if params[key].map(json.dumps).nunique() > 1
            and all(isinstance(v, (int, float)) for v in params[key])
        ]
        if keys:
            varying[loss] = keys
    return varying


def _sensitivity(finals: pd.DataFrame, best: pd.DataFrame, loss: str, key: str, metric: str):
    """Median/IQR of the metric against one parameter, each point at its best lr."""
    subset = finals[finals["loss"] == loss]
    best_lr = dict(zip(best["label"], best["lr"], strict=True))
    rows = []
    for label, group in subset.groupby("label", sort=True):
        if label not in best_lr:
            continue
        at_best = group[group["base_lr"] == best_lr[label]]
        params = json.loads(at_best["loss_params"].iloc[0])
        others = ", ".join(f"{k}={v}" for k, v in sorted(params.items()) if k != key)
        score = at_best[metric].where(~at_best["diverged"])
        rows.append({key: params[key], "others": others, "lr": best_lr[label], **_quartiles(score)})
    table = pd.DataFrame(rows)
    if table.empty:
        return table, None
    table = table.sort_values(["others", key]).reset_index(drop=True)
    figure, (ax,) = new_figure(1, 1, width=5.0, height=3.4)
    palette = colours(sorted(table["others"].unique()))
    for others, group in table.groupby("others", sort=True):
        label = others or loss
        ax.plot(group[key], group["median"], marker="o", color=palette[others], label=label)
        ax.fill_between(group[key], group["q25"], group["q75"], color=palette[others], alpha=0.2)
    values = table[key].astype(float)
    if (values > 0).all() and values.max() / values.min() >= 10:
        ax.set_xscale("log")
    ax.set_xlabel(key)
    ax.set_ylabel(f"final {metric} (median, IQR over seeds)")
    ax.set_title(f"{loss}: sensitivity to {key} (each point at its best lr)", fontsize=9)
    if table["others"].nunique() > 1:
        ax.legend(fontsize=7)
    return table, figure


def _spread(finals: pd.DataFrame, best: pd.DataFrame, metric: str):
    rows, samples = [], {}
    for label, lr in zip(best["label"], best["lr"], strict=True):
        runs = finals[(finals["label"] == label) & (finals["base_lr"] == lr)]
        score = runs[metric].where(~runs["diverged"]).dropna()
        samples[label] = score.to_numpy()
        rows.append(
            {
                "label": label,
                "lr": lr,
                "seeds": len(runs),
                "median": score.median(),
                "IQR": score.quantile(0.75) - score.quantile(0.25),
                "min": score.min(),
                "max": score.max(),
                "std": score.std(ddof=1) if len(score) > 1 else math.nan,
            }
        )
    figure, (ax,) = new_figure(1, 1, width=max(4.0, 0.7 * len(samples) + 2), height=3.4)
    labels = [label for label, values in samples.items() if len(values)]
    if labels:
        ax.boxplot([samples[label] for label in labels], tick_labels=labels)
        ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    ax.set_ylabel(f"final {metric}")
    ax.set_title("spread across seeds at each configuration's best lr", fontsize=9)
    return pd.DataFrame(rows), figure


def _curves(frame: pd.DataFrame, finals: pd.DataFrame, best: pd.DataFrame, metric: str):
    figure, (ax,) = new_figure(1, 1, width=6.0, height=3.6)
    chosen = best.head(_MAX_CURVES)
    palette = colours(list(chosen["label"]))
    for label, lr in zip(chosen["label"], chosen["lr"], strict=True):
        ids = finals.loc[(finals["label"] == label) & (finals["base_lr"] == lr), "run_id"]
        runs = frame[frame["run_id"].isin(ids)]
        grouped = runs.groupby("epoch")[metric]
        median = grouped.median()
        ax.plot(median.index, median.to_numpy(), color=palette[label], label=f"{label} lr={lr:g}")
        ax.fill_between(
            median.index,
            grouped.quantile(0.25).to_numpy(),
            grouped.quantile(0.75).to_numpy(),
            color=palette[label],
            alpha=0.15,
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"{metric} (median, IQR over seeds)")
    ax.set_title("learning curves at the best lr", fontsize=9)
    ax.legend(fontsize=7)
    return figure


def _diverged_map(table: pd.DataFrame):
    pivot = table.pivot(index="label", columns="lr", values="diverged").sort_index()
    figure, (ax,) = new_figure(
        1, 1, width=max(4.0, 0.9 * pivot.shape[1] + 3), height=max(2.5, 0.35 * len(pivot) + 1.5)
    )
    image = ax.imshow(pivot.to_numpy(dtype=float), cmap="Reds", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(pivot.shape[1]), [f"{lr:g}" for lr in pivot.columns])
    ax.set_yticks(range(pivot.shape[0]), list(pivot.index), fontsize=7)
    for (i, j), value in np.ndenumerate(pivot.to_numpy(dtype=float)):
        if not math.isnan(value):
            shade = "white" if value > 0.6 else "black"
            ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=7, color=shade)
    ax.set_xlabel("learning rate")
    ax.set_title("share of seeds that diverged", fontsize=9)
    figure.colorbar(image, ax=ax, fraction=0.05)
    table_out = pivot.reset_index()
    table_out.columns = ["loss"] + [f"lr={lr:g}" for lr in pivot.columns]
    return table_out, figure


def _overview(store: Store, manifest: dict[str, Any], finals: pd.DataFrame) -> pd.DataFrame:
    planned = len(manifest.get("runs", []))
    failed = len(store.failures())
    finished = len(finals)
    diverged = int(finals["diverged"].sum()) if finished else 0
    return pd.DataFrame(
        {
            "planned": [planned],
            "finished": [finished],
            "ok": [finished - diverged],
            "diverged": [diverged],
            "failed": [failed],
            "not run yet": [max(planned - finished - failed, 0)],
        }
    )


def sweep_report(out: str | Path, *, metric: str | None = None) -> Report:
    """Build the :class:`~losslab.plots.Report` of the sweep in ``out``.

    Args:
        out: A sweep's results folder.
        metric: The column to compare on; default: the sweep's ``metric``.

    Raises:
        ValueError: If ``out`` holds no sweep manifest.
    """
    store = Store(out)
    manifest = store.read_manifest()
    if manifest is None:
        raise ValueError(f"{out} holds no sweep (no manifest.json); run `losslab sweep` first")
    config = manifest.get("config", {})
    frame = store.read_runs()
    finals = final_rows(frame) if not frame.empty else pd.DataFrame()
    title = f"Sweep: {config.get('name', 'sweep')}"
    report = Report(title, f"Results folder {Path(out).resolve()}; config hash "
                           f"{manifest.get('config_hash', '')[:12]}.")  # fmt: skip
    summary = report.section("Overview")
    summary.table(_overview(store, manifest, finals))
    summary.code(json.dumps(config, indent=1), "The sweep's config")
    for setting, group in finals.groupby("setting", sort=True) if len(finals) else []:
        column = resolve_metric(metric or config.get("metric", "auto"), group["task"].iloc[0])
        _setting_sections(report, setting, frame[frame["run_id"].isin(group["run_id"])], group,
                          column)  # fmt: skip
    failures = store.failures()
    if failures:
        section = report.section("Failed runs", "Rerun the sweep to retry them.")
        section.table(
            pd.DataFrame(
                {
                    "run": [record["run_id"] for record in failures],
                    "config": [record.get("label", "") for record in failures],
                    "error": [record["error"].strip().splitlines()[-1] for record in failures],
                }
            )
        )
    return report


def _setting_sections(
    report: Report, setting: str, frame: pd.DataFrame, finals: pd.DataFrame, metric: str
) -> None:
    better = "higher" if higher_is_better(metric) else "lower"
    table = _by_lr(finals, metric)
    best = _best_lr(table, metric)
    constants = _constants(finals, metric)
    section = report.section(
        f"{setting}: best learning rate per loss",
        f"Final {metric} ({better} is better), median over seeds; a diverged run scores "
        "nothing, and a rate where more than half the seeds diverged is not eligible. "
        "Rows 'constant (...)' are the losses' optimal constants fitted on the training "
        "targets: what any loss must beat.",
    )
    shown = best.assign(**{"vs constant": _versus_constant(finals, best, metric)})
    for row in shown[shown["vs constant"] != ""].to_dict("records"):
        section.text(
            f"Not a normal result: {row['label']} at lr={row['lr']:g}: {row['vs constant']}; "
            f"{CONSTANT_HINT}.",
            kind="warning",
        )
    flagged = shown["vs constant"] != ""
    shown.loc[flagged, "label"] = "⚠ " + shown.loc[flagged, "label"]
    if not constants.empty:
        shown = pd.concat([shown, constants.assign(**{"vs constant": ""})], ignore_index=True)
        sign = -1.0 if higher_is_better(metric) else 1.0
        shown = shown.iloc[np.argsort(sign * shown["median"].to_numpy(), kind="stable")]
    section.table(shown.rename(columns={"label": "loss", "q25": "Q1", "q75": "Q3"}))
    section.figure(
        _slug(setting, "lr"),
        _metric_vs_lr(table, metric, setting, constants),
        f"{metric} against the learning rate, median and IQR over seeds; dashed: the "
        "constant models",
    )
    for loss, keys in _grid_parameters(finals).items():
        for key in keys:
            sensitivity, figure = _sensitivity(finals, best, loss, key, metric)
            if figure is None:
                continue
            part = report.section(f"{setting}: sensitivity of {loss} to {key}")
            part.figure(_slug(setting, loss, key), figure, f"final {metric} against {key}")
            part.table(sensitivity.rename(columns={"q25": "Q1", "q75": "Q3"}))
    if not best.empty:
        spread, figure = _spread(finals, best, metric)
        part = report.section(f"{setting}: spread across seeds")
        part.table(spread.rename(columns={"label": "loss"}))
        part.figure(_slug(setting, "spread"), figure, "final metric over seeds, best lr")
        part.figure(_slug(setting, "curves"), _curves(frame, finals, best, metric),
                    f"{metric} per epoch at the best lr")  # fmt: skip
    diverged, figure = _diverged_map(table)
    part = report.section(
        f"{setting}: diverged regions",
        "Share of seeds whose training loss became NaN/inf or exceeded the divergence factor.",
    )
    part.figure(_slug(setting, "diverged"), figure, "diverged share by loss and learning rate")
    part.table(diverged, digits=2)


def _slug(*parts: str) -> str:
    text = "-".join(parts)
    return "".join(c if c.isalnum() else "-" for c in text).strip("-").lower()


def write_report(
    out: str | Path, path: str | Path | None = None, *, metric: str | None = None
) -> Path:
    """Write the report of the sweep in ``out`` as one HTML file (default ``out/report.html``)."""
    target = Path(path) if path is not None else Path(out) / "report.html"
    page = sweep_report(out, metric=metric).html(None).encode("utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, lambda handle: handle.write(page))
    return target

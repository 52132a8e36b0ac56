"""Statistics over seeds: bands for convergence plots and the per-loss summary table.

Everything here reads the tidy results table of :func:`~losslab.experiments.compare`
(one row per run per epoch, columns ``label``, ``seed``, ``epoch`` and the
History's columns), so it works on a table loaded back from disk as well.

>>> import pandas as pd
>>> table = pd.DataFrame({"label": ["a"] * 4, "seed": [0, 0, 1, 1], "epoch": [0, 1, 0, 1],
...                       "val_rmse": [2.0, 1.0, 4.0, 3.0]})
>>> bands(table, "val_rmse")[["label", "epoch", "median", "q25", "q75"]].to_numpy().tolist()
[['a', 0, 3.0, 2.5, 3.5], ['a', 1, 2.0, 1.5, 2.5]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from losslab.experiments._baseline import beats
from losslab.metrics import HIGHER_IS_BETTER, Mode, metric_mode

__all__ = [
    "HIGHER_IS_BETTER",
    "bands",
    "default_target",
    "epochs_to_target",
    "metric_mode",
    "summarise",
]


def bands(results: pd.DataFrame, column: str) -> pd.DataFrame:
    """Median and inter-quartile range of ``column`` over seeds, per loss and epoch.

    Returns:
        Columns ``label``, ``epoch``, ``median``, ``q25``, ``q75`` and ``n``
        (runs still recorded at that epoch: a diverged run stops early).
    """
    if results.empty:
        return pd.DataFrame(columns=["label", "epoch", "median", "q25", "q75", "n"])
    grouped = results.groupby(["label", "epoch"], sort=False)[column]
    frame = pd.DataFrame(
        {
            "median": grouped.median(),
            "q25": grouped.quantile(0.25),
            "q75": grouped.quantile(0.75),
            "n": grouped.count(),
        }
    ).reset_index()
    return frame


def epochs_to_target(values: np.ndarray, epochs: np.ndarray, target: float, mode: Mode) -> float:
    """The first epoch whose value reaches ``target`` (at most for "min", at least for "max").

    NaN when it never does.

    >>> epochs_to_target(np.array([0.5, 0.8, 0.95]), np.array([0, 1, 2]), 0.9, "max")
    2.0
    """
    reached = values <= target if mode == "min" else values >= target
    hits = np.flatnonzero(reached)
    return float(epochs[hits[0]]) if hits.size else math.nan


def default_target(final_medians: Sequence[float], mode: Mode) -> float:
    """Within 5 % of the best loss's median final value: the finish line when none is given.

    >>> default_target([2.0, 1.0], "min"), default_target([0.8, 0.9], "max")
    (1.05, 0.855)
    """
    values = np.asarray([v for v in final_medians if math.isfinite(v)], dtype=float)
    if values.size == 0:
        return math.nan
    best = float(values.min() if mode == "min" else values.max())
    return best + 0.05 * abs(best) if mode == "min" else best - 0.05 * abs(best)


def _iqr(values: pd.Series) -> float:
    return float(values.quantile(0.75) - values.quantile(0.25)) if len(values) else math.nan


def per_run(results: pd.DataFrame, metric: str, mode: Mode, target: float) -> pd.DataFrame:
    """One row per run: final and best ``metric``, epochs to ``target``, epochs run, wall time."""
    rows = []
    for (label, seed), run in results.groupby(["label", "seed"], sort=False):
        values = run[metric].to_numpy(dtype=float)
        epochs = run["epoch"].to_numpy()
        rows.append(
            {
                "label": label,
                "seed": seed,
                "final": values[-1],
                "best": np.nanmin(values) if mode == "min" else np.nanmax(values),
                "epochs_to_target": epochs_to_target(values, epochs, target, mode),
                "epochs": int(epochs[-1]),
                "wall_time": float(run["wall_time"].iloc[-1]),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["label", "seed", "final", "best", "epochs_to_target", "epochs", "wall_time"],
    )


def summarise(
    results: pd.DataFrame,
    labels: Sequence[str],
    metric: str,
    target: float,
    diverged: dict[str, list[tuple[int, int]]],
    baseline: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The per-loss summary, best first by the median final value of ``metric``.

    Args:
        results: The tidy results table.
        labels: Every loss label, in the order given (losses without a finished run
            get a row of NaN).
        metric: The common metric every loss is ranked by.
        target: The value of ``metric`` that counts as reached.
        diverged: Per label, ``(seed, epoch)`` of each run that diverged.
        baseline: One row per run (``label``, ``seed``, and ``metric``): the
            constant model of that run's loss on that run's split (see
            :func:`~losslab.experiments.constant_scores`). With it, the summary
            holds a row per distinct constant and flags the runs that end no
            better than their own constant.

    Returns:
        One row per loss (and per constant), ranked together: ``rank``,
        ``label``, ``kind`` (``"loss"`` or ``"constant"``), ``runs``,
        ``final_median``, ``final_iqr``, ``best_median``, ``best_iqr``,
        ``epochs_to_target`` (median over the runs that reached it),
        ``reached_target`` (how many did), ``wall_time`` (median seconds per
        run), ``diverged`` (count), ``diverged_at`` (``"seed 3 @ epoch 12"``,
        ...), ``constant_median`` (the median of the loss's own constant),
        ``below_constant`` (runs that end no better than it) and ``flag``
        (why a row is not a normal result; empty otherwise).
    """
    mode = metric_mode(metric)
    runs = per_run(results, metric, mode, target)
    constants = _constants(baseline, metric)
    rows = []
    for label in labels:
        mine = runs[runs["label"] == label]
        reached = mine["epochs_to_target"].dropna()
        events = diverged.get(label, [])
        own = constants.get(label, {})
        below = sum(
            not beats(float(final), own.get(seed, math.nan), mode)
            for seed, final in zip(mine["seed"], mine["final"], strict=True)
            if seed in own
        )
        rows.append(
            {
                "label": label,
                "kind": "loss",
                "runs": len(mine),
                "final_median": float(mine["final"].median()) if len(mine) else math.nan,
                "final_iqr": _iqr(mine["final"]),
                "best_median": float(mine["best"].median()) if len(mine) else math.nan,
                "best_iqr": _iqr(mine["best"]),
                "epochs_to_target": float(reached.median()) if len(reached) else math.nan,
                "reached_target": len(reached),
                "wall_time": float(mine["wall_time"].median()) if len(mine) else math.nan,
                "diverged": len(events),
                "diverged_at": ", ".join(f"seed {s} @ epoch {e}" for s, e in events),
                "constant_median": float(np.median(list(own.values()))) if own else math.nan,
                "below_constant": below,
                "flag": f"{below}/{len(mine)} runs fail to beat it" if below else "",
            }
        )
    rows += _constant_rows(constants, labels, mode, target)
    summary = pd.DataFrame(rows)
    summary = summary.sort_values(
        "final_median", ascending=mode == "min", na_position="last", kind="stable"
    ).reset_index(drop=True)
    summary.insert(0, "rank", np.arange(1, len(summary) + 1))
    return summary


def _constants(baseline: pd.DataFrame | None, metric: str) -> dict[str, dict[int, float]]:
    """Per label, per seed, the constant model's ``metric`` (finite values only)."""
    if baseline is None or metric not in baseline.columns:
        return {}
    found: dict[str, dict[int, float]] = {}
    for label, seed, value in zip(
        baseline["label"], baseline["seed"], baseline[metric], strict=True
    ):
        if value == value:
            found.setdefault(label, {})[int(seed)] = float(value)
    return found


def _constant_rows(
    constants: dict[str, dict[int, float]], labels: Sequence[str], mode: Mode, target: float
) -> list[dict]:
    """One row per distinct constant: losses whose constants score alike share a row."""
    groups: dict[tuple, list[str]] = {}
    for label in labels:
        if label in constants:
            key = tuple(sorted((s, round(v, 12)) for s, v in constants[label].items()))
            groups.setdefault(key, []).append(label)
    rows = []
    for key, members in groups.items():
        values = pd.Series([v for _, v in key], dtype=float)
        reached = sum(
            (v <= target) if mode == "min" else (v >= target) for v in values if target == target
        )
        rows.append(
            {
                "label": f"constant ({', '.join(members)})",
                "kind": "constant",
                "runs": len(values),
                "final_median": float(values.median()),
                "final_iqr": _iqr(values),
                "best_median": float(values.median()),
                "best_iqr": _iqr(values),
                "epochs_to_target": math.nan,
                "reached_target": int(reached),
                "wall_time": math.nan,
                "diverged": 0,
                "diverged_at": "",
                "constant_median": math.nan,
                "below_constant": 0,
                "flag": "",
            }
        )
    return rows

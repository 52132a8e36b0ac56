"""Paired comparison of candidate losses: k folds × seeds, scored on the user's metric.

Every candidate is fitted on the same training rows and scored on the same
held-out rows (fold ``f`` of the split shuffled with seed ``s``), so the
differences between two losses are paired. The preprocessing of the
features (:class:`losslab.datasets.Preprocessing`) and the robust scale of
scaled parameters are fitted on the training rows of each split only.

The corrected resampled t-test of Nadeau and Bengio (2003) accounts for the
overlap of training sets across splits: with ``J`` paired differences
``dⱼ`` (mean ``d̄``, sample variance ``s²``), ``n₁`` training and ``n₂``
test rows, ``t = d̄ / √((1/J + n₂/n₁) s²)`` with ``J − 1`` degrees of
freedom; the naive ``1/J`` alone is far too confident.

Units of work (one candidate on one split) run in this process, or on Dask
with ``scheduler`` (``"synchronous"``, ``"threads"``, ``"processes"``, a
scheduler address, or a ``distributed.Client``); with ``store`` each
finished unit is written at once to a sweep results folder
(:class:`losslab.sweep.Store`) under an id hashed from everything that
determines it, so a re-run skips what is there.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import special

from losslab.advisor._diagnostics import baseline_residuals, robust_scale
from losslab.advisor._rules import Candidate

__all__ = ["Data", "corrected_interval", "run_units", "splits", "unit_id"]


@dataclass(frozen=True)
class Data:
    """What every unit needs: raw feature columns, targets, the task and the metric.

    Attributes:
        raw: The feature columns (pandas DataFrame).
        y: Targets (floats, or class indices ``0 .. K − 1``).
        recipe: The :class:`losslab.datasets.Preprocessing` fitted per training split.
        task: ``"regression"``, ``"binary"`` or ``"multiclass"``.
        n_classes: K (0 for regression).
        metric: The metric name.
        quantile: Q of a ``pinball`` metric.
        cost_matrix: K x K costs, or None.
        fingerprint: Hash of the data, part of every unit id.
    """

    raw: Any
    y: np.ndarray
    recipe: Any
    task: str
    n_classes: int
    metric: str
    quantile: float | None
    cost_matrix: np.ndarray | None
    fingerprint: str


def splits(y: np.ndarray, task: str, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ``(train, test)`` row indices of ``folds`` shuffled folds (stratified for classes)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    kind = KFold if task == "regression" else StratifiedKFold
    splitter = kind(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros((y.size, 1)), y))


def unit_id(data: Data, candidate: Candidate, seed: int, fold: int, folds: int) -> str:
    """A stable id for one candidate on one split (hash of all that determines the result)."""
    cost = None if data.cost_matrix is None else data.cost_matrix.tolist()
    key = {
        "data": data.fingerprint, "task": data.task, "metric": data.metric,
        "quantile": data.quantile, "cost": cost, "candidate": candidate.key(),
        "seed": seed, "fold": fold, "folds": folds, "version": 1,
    }  # fmt: skip
    text = json.dumps(key, sort_keys=True, default=str)
    return "advise-" + hashlib.sha256(text.encode()).hexdigest()[:20]


def _estimator(data: Data, candidate: Candidate, params: dict[str, Any], seed: int) -> Any:
    from losslab.estimators import LossClassifier, LossRegressor

    settings = {"loss": candidate.loss, "loss_params": params, "max_iter": 500,
                "random_state": seed}  # fmt: skip
    if data.task == "regression":
        return LossRegressor(**settings)
    return LossClassifier(**settings, class_weight=candidate.class_weight)


def score(data: Data, estimator: Any, X: np.ndarray, y: np.ndarray) -> float:
    """The metric of a fitted estimator on held-out rows."""
    from losslab import metrics

    name = data.metric
    if data.task == "regression":
        pred = estimator.predict(X)
        if name == "pinball":
            q, r = data.quantile, y - pred
            return float(np.mean(np.maximum(q * r, (q - 1) * r)))
        table: dict[str, Callable[[Any, Any], float]] = {
            "mse": metrics.mean_squared_error, "rmse": metrics.root_mean_squared_error,
            "mae": metrics.mean_absolute_error, "r2": metrics.r2_score,
        }  # fmt: skip
        return table[name](pred, y)
    if name in ("log_loss", "brier"):
        proba = estimator.predict_proba(X)
        if name == "log_loss":
            return metrics.log_loss(proba, y)
        return float(np.mean(np.sum((proba - np.eye(proba.shape[1])[y]) ** 2, axis=1)))
    if name == "roc_auc":
        margin = estimator.decision_function(X)
        if margin.ndim == 1:
            return metrics.roc_auc(margin, y)
        return float(
            np.mean(
                [
                    metrics.roc_auc(margin[:, c], (y == c).astype(int))
                    for c in range(margin.shape[1])
                    if 0 < np.sum(y == c) < y.size
                ]
            )
        )
    labels = estimator.predict(X)
    if name == "accuracy":
        return metrics.accuracy(labels, y)
    if name == "f1":
        return metrics.f1_score(labels, y, average="binary" if data.task == "binary" else "macro")
    if name == "balanced_accuracy":
        return float(np.mean([np.mean(labels[y == c] == c) for c in np.unique(y)]))
    return float(np.mean(data.cost_matrix[y, labels]))  # expected_cost


_PREPARED: dict[tuple, tuple] = {}
_PREPARED_MOST = 32


def _prepared(data: Data, seed: int, fold: int, folds: int) -> tuple:
    """Features of one split, preprocessed on its training rows, kept for the next candidate.

    Returns ``(X_train, y_train, X_test, y_test, scales)``; ``scales`` is a list
    the caller fills with the split's robust scale the first time it is needed.
    """
    key = (data.fingerprint, seed, fold, folds)
    if key not in _PREPARED:
        if len(_PREPARED) >= _PREPARED_MOST:
            _PREPARED.pop(next(iter(_PREPARED)))
        train, test = splits(data.y, data.task, folds, seed)[fold]
        fitted = data.recipe.fit(data.raw.iloc[train])
        X_train = np.asarray(fitted.transform(data.raw.iloc[train]), dtype=np.float64)
        X_test = np.asarray(fitted.transform(data.raw.iloc[test]), dtype=np.float64)
        _PREPARED[key] = (X_train, data.y[train], X_test, data.y[test], [])
    return _PREPARED[key]


def run_unit(data: Data, candidate: Candidate, seed: int, fold: int, folds: int) -> dict[str, Any]:
    """Fit ``candidate`` on the training rows of split (seed, fold) and score the held-out rows."""
    from sklearn.exceptions import ConvergenceWarning

    X_train, y_train, X_test, y_test, scales = _prepared(data, seed, fold, folds)
    scale = None
    if candidate.scaled:
        if not scales:
            scales.append(robust_scale(baseline_residuals(X_train, y_train)[1]))
        scale = scales[0]
    start = time.perf_counter()
    estimator = _estimator(data, candidate, candidate.loss_params(scale), seed)
    with warnings.catch_warnings():
        # Counted below as converged = False, and reported with the comparison.
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    value = score(data, estimator, X_test, y_test)
    return {
        "label": candidate.label, "seed": seed, "fold": fold, "score": float(value),
        "n_train": int(y_train.size), "n_test": int(y_test.size),
        "converged": bool(estimator.converged_), "seconds": seconds,
        "scale": math.nan if scale is None else scale,
    }  # fmt: skip


def corrected_interval(
    differences: np.ndarray, n_train: float, n_test: float, level: float = 0.95
) -> tuple[float, float, float, float]:
    """Mean, interval and p-value of paired differences by the corrected resampled t-test.

    ``se = √((1/J + n_test/n_train) s²)``, interval ``d̄ ± t_{J−1, (1+level)/2} se``
    (Nadeau and Bengio, 2003). With no spread the interval is the mean itself.

    >>> mean, low, high, p = corrected_interval(np.array([1.0, 2.0, 3.0, 2.0]), 80, 20)
    >>> round(mean, 3), round(low, 3), round(high, 3)
    (2.0, 0.163, 3.837)
    """
    d = np.asarray(differences, dtype=np.float64)
    j = d.size
    mean = float(d.mean())
    if j < 2:
        return mean, -math.inf, math.inf, 1.0
    variance = float(d.var(ddof=1))
    se = math.sqrt((1.0 / j + n_test / n_train) * variance)
    if se == 0:
        return mean, mean, mean, (1.0 if mean == 0 else 0.0)
    # Student's t with j - 1 degrees of freedom: its quantile and its two-sided tail.
    half = float(special.stdtrit(j - 1, 0.5 + level / 2)) * se
    p = float(2 * special.stdtr(j - 1, -abs(mean) / se))
    return mean, mean - half, mean + half, p


def _store(root: str | Path) -> Any:
    from losslab._optional import require

    require("sweep", "losslab advise with a results store")
    from losslab.sweep import Store

    store = Store(root)
    for folder in (store.root, store.runs_dir):
        folder.mkdir(parents=True, exist_ok=True)
    store.clean_temporary()
    manifest = store.read_manifest()
    if manifest is not None and manifest.get("kind") != "advise":
        raise ValueError(f"store: {str(root)!r} holds a sweep's results, not advise's")
    if manifest is None:
        store.write_manifest({"kind": "advise", "format": 1})
    return store


def _execute(
    work: list[tuple[str, Candidate, int, int]],
    data: Data,
    folds: int,
    scheduler: Any,
    done: Callable[[str, dict[str, Any]], None],
) -> None:
    """Run every unit, calling ``done(unit id, result)`` as each finishes."""
    if scheduler is None:
        for uid, candidate, seed, fold in work:
            done(uid, run_unit(data, candidate, seed, fold, folds))
        return
    from losslab._optional import require

    require("sweep", "losslab advise --scheduler")
    import dask

    if isinstance(scheduler, str) and scheduler in ("synchronous", "threads", "processes"):
        shared = dask.delayed(data, traverse=False)
        batch = 16  # results are stored between batches, so an interruption loses little
        for start in range(0, len(work), batch):
            part = work[start : start + batch]
            tasks = [dask.delayed(run_unit, pure=False)(shared, c, s, f, folds)
                     for _, c, s, f in part]  # fmt: skip
            computed = dask.compute(*tasks, scheduler=scheduler)
            for (uid, *_), result in zip(part, computed, strict=True):
                done(uid, result)
        return
    from distributed import as_completed

    def drive(client: Any) -> None:
        shared = client.scatter(data, broadcast=True)
        futures = {client.submit(run_unit, shared, c, s, f, folds, pure=False): uid
                   for uid, c, s, f in work}  # fmt: skip
        for future in as_completed(futures):
            done(futures[future], future.result())

    if isinstance(scheduler, str):
        from losslab.sweep._runner import dask_client

        with dask_client(scheduler, None) as client:
            drive(client)
    else:
        drive(scheduler)


def run_units(
    data: Data,
    candidates: Sequence[Candidate],
    *,
    folds: int,
    seeds: int,
    scheduler: Any = None,
    store: str | Path | None = None,
) -> tuple[list[dict[str, Any]], int, int]:
    """Every candidate on every (seed, fold) split.

    Returns:
        ``(results, new, reused)``: one dict per unit, how many ran now and
        how many were read from ``store``.
    """
    import pandas as pd

    units = [(unit_id(data, c, s, f, folds), c, s, f)
             for s in range(seeds) for f in range(folds) for c in candidates]  # fmt: skip
    results: dict[str, dict[str, Any]] = {}
    saved = _store(store) if store is not None else None
    if saved is not None:
        finished = saved.finished()
        ids = [u[0] for u in units if u[0] in finished]
        if ids:
            for row in saved.read_runs(ids).to_dict("records"):
                results[row["unit_id"]] = row
    reused = len(results)
    work = [u for u in units if u[0] not in results]

    def done(uid: str, result: dict[str, Any]) -> None:
        result = {**result, "unit_id": uid}
        results[uid] = result
        if saved is not None:
            saved.write_run(uid, pd.DataFrame([result]))

    _execute(work, data, folds, scheduler, done)
    # The label of a reused unit is the current candidate's (the id already fixes the loss).
    out = []
    for uid, candidate, seed, fold in units:
        row = dict(results[uid])
        row.update(label=candidate.label, seed=int(seed), fold=int(fold))
        out.append(row)
    return out, len(work), reused


def paired_comparison(
    results: Sequence[dict[str, Any]],
    labels: Sequence[str],
    direction: str,
    *,
    margin: float = 0.01,
    level: float = 0.95,
) -> list[dict[str, Any]]:
    """Each candidate against the best by mean: the paired difference, its interval, tied or not.

    ``difference`` is how much worse than the best a candidate is, in the
    metric's units (positive = worse, whichever way the metric points). A
    candidate is *tied* with the best when its corrected interval reaches 0,
    or when the whole interval lies under the practical-equivalence margin
    ``margin × |best mean|``; it is *significantly worse* otherwise.

    Returns:
        Rows sorted from best to worst mean.
    """
    sign = 1.0 if direction == "min" else -1.0
    by_label: dict[str, dict[tuple[int, int], dict[str, Any]]] = {label: {} for label in labels}
    for row in results:
        by_label[row["label"]][(row["seed"], row["fold"])] = row
    keys = sorted(by_label[labels[0]])
    loss = {label: np.array([sign * by_label[label][k]["score"] for k in keys]) for label in labels}
    order = sorted(labels, key=lambda label: (float(loss[label].mean()), labels.index(label)))
    best = order[0]
    n_train = float(np.mean([by_label[best][k]["n_train"] for k in keys]))
    n_test = float(np.mean([by_label[best][k]["n_test"] for k in keys]))
    best_mean = float(sign * loss[best].mean())
    tolerance = margin * abs(best_mean)
    rows = []
    for rank, label in enumerate(order, start=1):
        scores = np.array([by_label[label][k]["score"] for k in keys])
        mean, low, high, p = corrected_interval(loss[label] - loss[best], n_train, n_test, level)
        tied = label == best or low <= 0 or high <= tolerance
        rows.append({
            "label": label, "rank": rank, "mean": float(scores.mean()),
            "sd": float(scores.std(ddof=1)) if scores.size > 1 else 0.0,
            "difference": mean, "low": low, "high": high, "p_value": p if label != best else 1.0,
            "tied": bool(tied), "significantly_worse": bool(not tied),
            "converged": float(np.mean([by_label[label][k]["converged"] for k in keys])),
            "seconds": float(np.mean([by_label[label][k]["seconds"] for k in keys])),
        })  # fmt: skip
    return rows

"""``advise``: diagnose the data, pick candidate losses by the rules, compare them, recommend."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from losslab import losses as _losses
from losslab.advisor._advice import Advice
from losslab.advisor._diagnostics import classification_diagnostics, regression_diagnostics
from losslab.advisor._resampling import Data, paired_comparison, run_units
from losslab.advisor._rules import (
    MINORITY_SHARE,
    PROBABILITY_METRICS,
    is_proper,
    metric_direction,
    select,
    user_candidate,
)
from losslab.specs import parse_spec, split_specs

__all__ = ["advise"]

_TASKS = ("regression", "binary", "multiclass")
_SCHEDULERS = ("synchronous", "threads", "processes")


def _frame(X: Any, n: int) -> tuple[Any, Any]:
    """The raw feature frame and the :class:`~losslab.datasets.Preprocessing` for it."""
    import pandas as pd

    from losslab.datasets import Preprocessing

    if isinstance(X, pd.DataFrame):
        raw = X.copy()
        raw.columns = [str(c) for c in raw.columns]
    else:
        array = np.asarray(X)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2:
            raise ValueError(f"X must be 2-D (rows, features), got shape {array.shape}")
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                "X must be numeric; pass a pandas DataFrame for text columns"
            ) from None
        raw = pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])
    if raw.shape[0] != n:
        raise ValueError(f"X and y must have the same number of rows, got {raw.shape[0]} and {n}")
    if raw.shape[1] == 0:
        raise ValueError("X has no feature columns")
    missing = [c for c in raw.columns if raw[c].isna().any()]
    if missing:
        raise ValueError(f"X has missing values in columns {missing}; impute them first")
    numeric = tuple(c for c in raw.columns if pd.api.types.is_numeric_dtype(raw[c]))
    for c in numeric:
        raw[c] = raw[c].astype(np.float64)
        if not np.all(np.isfinite(raw[c].to_numpy())):
            raise ValueError(f"X column {c!r} has non-finite values")
    categorical = tuple(c for c in raw.columns if c not in numeric)
    return raw, Preprocessing(numeric, categorical)


def _targets(y: ArrayLike, task: str | None) -> tuple[np.ndarray, str, tuple[str, ...]]:
    import pandas as pd

    from losslab.datasets import guess_task

    column = pd.Series(np.asarray(y))
    if column.ndim != 1 or column.size == 0:
        raise ValueError("y must be a non-empty 1-D array of targets")
    if column.isna().any():
        raise ValueError("y has missing values; drop those rows")
    if column.nunique() < 2:
        raise ValueError("y is constant (one distinct value): there is nothing to predict")
    if task is None:
        task = guess_task(column)
    if task not in _TASKS:
        raise ValueError(f"task must be one of {_TASKS} or None, got {task!r}")
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(column):
            raise ValueError("y is not numeric, so task='regression' does not fit")
        values = column.to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise ValueError("y has non-finite values")
        return values, task, ()
    classes, labels = np.unique(column.to_numpy(), return_inverse=True)
    if task == "binary" and classes.size != 2:
        raise ValueError(f"task='binary' needs 2 classes in y, found {classes.size}")
    if task == "multiclass" and classes.size < 3:
        task = "binary"
    return labels.astype(np.int64), task, tuple(str(c) for c in classes)


def _cost_matrix(cost_matrix: Any, task: str, k: int) -> np.ndarray | None:
    if cost_matrix is None:
        return None
    if task == "regression":
        raise ValueError("cost_matrix is for classification; the task is regression")
    matrix = np.asarray(cost_matrix, dtype=np.float64)
    if matrix.shape != (k, k):
        raise ValueError(f"cost_matrix must be {k} x {k} (one row per class), got {matrix.shape}")
    if not np.all(np.isfinite(matrix)) or np.any(matrix < 0):
        raise ValueError("cost_matrix must hold finite costs >= 0")
    if not np.any(matrix - np.diag(np.diag(matrix)) > 0):
        raise ValueError("cost_matrix: every mistake costs 0, so there is nothing to compare")
    return matrix


def _metric(metric: str | None, task: str, diagnostics: dict[str, float], cost: Any) -> tuple:
    """``(name, quantile, label, note)``: the metric to rank by and why when it was defaulted."""
    note = ""
    if metric is None:
        if task == "regression" and diagnostics["counts"]:
            metric = "mse"
            note = "metric defaulted to mse: for counts the mean is what the deviances target"
        elif task == "regression":
            heavy = "heavy_tails" in select(diagnostics, task, "mse")[1]
            metric = "mae" if heavy else "mse"
            note = ("metric defaulted to mae: with heavy tails, held-out squared error mostly "
                    "measures the outliers" if heavy else "metric defaulted to mse")  # fmt: skip
        elif cost is not None:
            metric, note = "expected_cost", "metric defaulted to expected_cost (a cost matrix)"
        elif diagnostics["minority_share"] < MINORITY_SHARE:
            metric = "balanced_accuracy"
            note = "metric defaulted to balanced_accuracy: accuracy rewards ignoring a rare class"
        else:
            metric, note = "accuracy", "metric defaulted to accuracy"
    try:
        name, params = parse_spec(metric, "metric")
    except ValueError as error:
        raise ValueError(f"metric: {error}") from None
    metric_direction(name, task)
    quantile = None
    if name == "pinball":
        quantile = params.pop("q", None)
        if quantile is None or not 0 < float(quantile) < 1:
            raise ValueError(
                f"metric pinball needs q in (0, 1), as 'pinball:q=0.9'; got {metric!r}"
            )
        quantile = float(quantile)
    if params:
        raise ValueError(f"metric {name!r} takes no parameters, got {sorted(params)}")
    if name == "expected_cost" and cost is None:
        raise ValueError("metric 'expected_cost' needs cost_matrix")
    label = f"pinball:q={quantile:g}" if quantile is not None else name
    return name, quantile, label, note


def _fingerprint(raw: Any, y: np.ndarray, recipe: Any) -> str:
    import pandas as pd

    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(y).tobytes())
    digest.update(pd.util.hash_pandas_object(raw, index=False).to_numpy().tobytes())
    digest.update(repr(list(raw.columns)).encode())
    digest.update(repr(recipe).encode())
    return digest.hexdigest()[:24]


def _check_count(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _trade_off(best: dict, runner: dict, metric: str, level: float) -> str:
    """One sentence: how far behind the runner-up is, and what its loss does differently."""
    verdict = "tied with it" if runner["tied"] else "significantly worse"
    text = (f"{runner['label']} is {verdict}: worse by {runner['difference']:.3g} on {metric} "
            f"({level:.0%} interval {runner['low']:.3g} to {runner['high']:.3g})")  # fmt: skip
    try:
        mine = _losses.get(best["loss"]).properties
        theirs = _losses.get(runner["loss"]).properties
    except (KeyError, TypeError, ValueError):
        return text + "."
    differences = []
    for attribute, yes, no in (
        ("convex", "convex (one optimum from any start)", "not convex (the start matters)"),
        ("robust", "bounded in influence", "unbounded in influence (outliers pull hard)"),
        ("redescending", "redescending (ignores gross errors)", "not redescending"),
        ("proper", "a proper scoring rule (calibrated probabilities)", "not a proper rule"),
    ):
        a, b = getattr(theirs, attribute), getattr(mine, attribute)
        if a is not None and b is not None and bool(a) != bool(b):
            differences.append(yes if a else no)
    if best.get("class_weight") != runner.get("class_weight"):
        weight = runner.get("class_weight")
        differences.append("unweighted" if weight is None else f"weighted by class ({weight})")
    ratio = runner["seconds"] / best["seconds"] if best["seconds"] > 0 else math.nan
    if differences:
        text += f"; its loss is {', '.join(differences)}"
    if math.isfinite(ratio):
        text += f"; it fits in {ratio:.2g}x the time"
    return text + "."


def advise(
    X: Any,
    y: ArrayLike,
    *,
    task: str | None = None,
    metric: str | None = None,
    candidates: str | Sequence[str] | None = None,
    cost_matrix: ArrayLike | None = None,
    folds: int = 5,
    seeds: int = 3,
    scheduler: Any = None,
    store: Any = None,
    level: float = 0.95,
    margin: float = 0.01,
    preprocessing: Any = None,
) -> Advice:
    """Which loss for these data: diagnostics, candidates by the rules, a paired comparison.

    1. Diagnose the data (:mod:`~losslab.advisor._diagnostics`): residuals of a
       robust baseline for regression, out-of-fold probabilities of a logistic
       baseline for classification.
    2. Choose candidates by the rules table (:data:`~losslab.advisor.RULES`),
       plus ``candidates`` given by the user.
    3. Fit a linear :class:`~losslab.estimators.LossRegressor` /
       :class:`~losslab.estimators.LossClassifier` per candidate on ``folds``
       folds × ``seeds`` shuffles, score ``metric`` on the held-out rows, and
       compare each candidate with the best by the corrected resampled t-test
       (Nadeau–Bengio); candidates whose interval on the difference reaches 0
       (or lies within ``margin`` × |best mean|) are tied.
    4. Recommend the best mean, with its tie set and the runner-up's trade-off.

    Args:
        X: Features: an ``(n, d)`` array or a pandas DataFrame (text columns
            are one-hot encoded); standardised on each training split only.
        y: Targets, ``(n,)``.
        task: ``"regression"``, ``"binary"``, ``"multiclass"``, or None to guess
            (integers with at most 10 values or text are classes).
        metric: What matters to the user: regression ``mse``, ``rmse``, ``mae``,
            ``r2``, ``pinball:q=Q``; classification ``accuracy``,
            ``balanced_accuracy``, ``f1`` (of class 1; macro for several classes),
            ``roc_auc``, ``log_loss``, ``brier``, ``expected_cost``. None picks
            one by the data and says why in ``notes``.
        candidates: More losses to compare, spec strings (``"huber:delta=2"``),
            a list or one comma-separated string.
        cost_matrix: K x K costs of predicting class j for true class i.
        folds: Folds per shuffle, >= 2.
        seeds: Shuffles, >= 1.
        scheduler: None (this process), a Dask scheduler name (``"synchronous"``,
            ``"threads"``, ``"processes"``), an address, or a ``distributed.Client``.
        store: A folder to keep every finished unit in (resumable).
        level: Confidence level of the intervals, in (0, 1).
        margin: Practical-equivalence margin, a share of |best mean| (0 to disable).
        preprocessing: A :class:`~losslab.datasets.Preprocessing` for ``X``
            (a DataFrame); by default every numeric column is standardised.

    Returns:
        The :class:`Advice` record.

    Raises:
        ValueError: Naming the argument: a constant target, a metric that does
            not fit the task, a bad cost matrix, too few rows for the folds...

    Example:
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(400, 2)); y = X @ [1.0, -2.0] + rng.normal(size=400)
        >>> advice = advise(X, y, candidates="mae", folds=3, seeds=1)
        >>> advice.metric, advice.rules, "mse" in advice.tied
        ('mse', ['reference', 'user'], True)
    """
    folds = _check_count("folds", folds, 2)
    seeds = _check_count("seeds", seeds, 1)
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    if not (isinstance(margin, (int, float)) and 0 <= margin < 1):
        raise ValueError(f"margin must be a number in [0, 1), got {margin!r}")
    if isinstance(scheduler, str) and scheduler not in _SCHEDULERS and "://" not in scheduler:
        raise ValueError(
            f"scheduler must be one of {_SCHEDULERS} or an address like tcp://HOST:8786, "
            f"got {scheduler!r}"
        )
    y_values, task, classes = _targets(y, task)
    raw, recipe = _frame(X, y_values.size)
    if preprocessing is not None:
        recipe = preprocessing
    n_classes = len(classes)
    if task != "regression":
        smallest = int(np.bincount(y_values).min())
        if smallest < folds:
            raise ValueError(f"folds={folds} needs at least {folds} rows of every class; the "
                             f"smallest class has {smallest}")  # fmt: skip
    elif y_values.size < 2 * folds:
        raise ValueError(f"folds={folds} needs at least {2 * folds} rows, y has {y_values.size}")
    cost = _cost_matrix(cost_matrix, task, n_classes)

    fitted = recipe.fit(raw)
    X_all = np.asarray(fitted.transform(raw), dtype=np.float64)
    if task == "regression":
        found, arrays = regression_diagnostics(X_all, y_values)
    else:
        found, arrays = classification_diagnostics(X_all, y_values, n_classes)
    values = {d.key: d.value for d in found}
    name, quantile, metric_label, note = _metric(metric, task, values, cost)
    notes = [note] if note else []
    chosen, fired = select(values, task, name, quantile=quantile, cost_matrix=cost)
    if isinstance(candidates, str):
        candidates = [c for c in split_specs(candidates) if c]
    for spec in candidates or ():
        extra = user_candidate(spec, task)
        if extra.label not in {c.label for c in chosen}:
            chosen.append(extra)
    if name in PROBABILITY_METRICS:
        improper = [c.label for c in chosen if c.rule == "user" and not is_proper(c)]
        if improper:
            raise ValueError(f"candidates {improper} are not proper losses, so they give no "
                             f"probabilities for metric {name!r}")  # fmt: skip
        dropped = [c.label for c in chosen if not is_proper(c)]
        chosen = [c for c in chosen if is_proper(c)]
        if dropped:
            notes.append(f"left out {dropped}: not proper, no probabilities for {name}")
    if "user" in {c.rule for c in chosen}:
        fired.append("user")

    data = Data(raw, y_values, recipe, task, n_classes, name, quantile, cost,
                _fingerprint(raw, y_values, recipe))  # fmt: skip
    results, new, reused = run_units(
        data, chosen, folds=folds, seeds=seeds, scheduler=scheduler, store=store
    )
    direction = metric_direction(name, task)
    rows = paired_comparison(results, [c.label for c in chosen], direction,
                             margin=margin, level=level)  # fmt: skip
    by_label = {c.label: c for c in chosen}
    for row in rows:
        candidate = by_label[row["label"]]
        row.update(loss=candidate.loss, rule=candidate.rule,
                   spec=candidate.describe(values.get("robust_scale")),
                   class_weight=candidate.key()["class_weight"])  # fmt: skip
        if row["converged"] < 1:
            notes.append(f"{row['label']}: {1 - row['converged']:.0%} of fits stopped at "
                         "max_iter before converging")  # fmt: skip
    best = rows[0]
    winner = by_label[best["label"]]
    params = winner.loss_params(values.get("robust_scale"))
    runner = rows[1] if len(rows) > 1 else None
    trade = _trade_off(best, runner, metric_label, level) if runner else "no other candidate."
    return Advice(
        task=task, metric=metric_label, direction=direction, n_samples=int(y_values.size),
        n_features=int(X_all.shape[1]), folds=folds, seeds=seeds, level=level, margin=margin,
        diagnostics=found, rules=fired, candidates=chosen, comparison=rows,
        recommended=winner.label, loss=winner.loss, params=params,
        class_weight=winner.key()["class_weight"],
        tied=[row["label"] for row in rows if row["tied"]],
        runner_up=None if runner is None else runner["label"], trade_off=trade,
        runs_new=new, runs_reused=reused, scores=results, notes=notes,
        arrays={**arrays, "classes": classes},
    )  # fmt: skip

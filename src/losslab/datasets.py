"""Datasets: seeded toy generators, scikit-learn's bundled data, CSV files.

Every loader returns a frozen :class:`Dataset` holding the full ``X`` and ``y``;
``Dataset.split(val_fraction, seed)`` cuts it into a :class:`Split` with
``X_train``, ``y_train``, ``X_val``, ``y_val``. The same arguments always give
the same arrays. Loaders are found by name, so a command line can say
``--dataset linear_outliers:outlier_fraction=0.1``:

>>> data = load("linear_outliers", n_samples=100, outlier_fraction=0.1, seed=1)
>>> data.X.shape, data.task
((100, 1), 'regression')
>>> parts = data.split(val_fraction=0.25, seed=0)
>>> parts.X_train.shape, parts.X_val.shape
((75, 1), (25, 1))
>>> load_spec("moons:n_samples=50,flip_fraction=0.1").params["flip_fraction"]
0.1
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from losslab.specs import parse_spec

__all__ = [
    "Dataset",
    "Split",
    "available",
    "blobs",
    "blobs_multiclass",
    "breast_cancer",
    "circles",
    "csv",
    "diabetes",
    "heavy_tailed",
    "heteroscedastic",
    "imbalanced",
    "iris",
    "linear",
    "linear_outliers",
    "load",
    "load_spec",
    "loader",
    "moons",
    "sine",
    "spirals",
    "wine",
    "xor",
]

Task = Literal["regression", "binary", "multiclass"]


@dataclass(frozen=True)
class Split:
    """A train/validation split of a :class:`Dataset`.

    Attributes:
        X_train: Training features, shape ``(n_train, n_features)``.
        y_train: Training targets, shape ``(n_train,)``.
        X_val: Validation features, shape ``(n_val, n_features)``.
        y_val: Validation targets, shape ``(n_val,)``.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray


@dataclass(frozen=True)
class Dataset:
    """A dataset: features, targets and what they are.

    Attributes:
        name: Registry name of the loader that made it.
        X: Features, float64, shape ``(n_samples, n_features)``.
        y: Targets, shape ``(n_samples,)``: floats for regression, integer
            labels ``0 .. n_classes - 1`` for classification.
        task: ``"regression"``, ``"binary"`` or ``"multiclass"``.
        description: One or two sentences on how the data was made.
        params: The loader's arguments, seed included.
        feature_names: One name per column of ``X``.
        target_names: Class names for classification, empty for regression.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    task: Task
    description: str
    params: dict[str, Any] = field(default_factory=dict)
    feature_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of feature columns."""
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int:
        """Number of classes (0 for regression)."""
        if self.task == "regression":
            return 0
        return max(len(self.target_names), int(self.y.max()) + 1)

    def split(self, val_fraction: float = 0.25, seed: int = 0) -> Split:
        """Split into training and validation parts.

        Rows are shuffled with ``seed``; for classification the split is
        stratified, so each class keeps its share in both parts (as far as
        rounding allows).

        Args:
            val_fraction: Share of rows for validation, in (0, 1).
            seed: Seed of the shuffle.

        Returns:
            The :class:`Split`.

        Raises:
            ValueError: If ``val_fraction`` is outside (0, 1) or leaves a part empty.
        """
        if not 0.0 < val_fraction < 1.0:
            raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
        rng = np.random.default_rng(seed)
        if self.task == "regression":
            groups = [np.arange(self.n_samples)]
        else:
            groups = [np.flatnonzero(self.y == c) for c in np.unique(self.y)]
        val_parts, train_parts = [], []
        for idx in groups:
            idx = rng.permutation(idx)
            n_val = round(val_fraction * idx.size)
            val_parts.append(idx[:n_val])
            train_parts.append(idx[n_val:])
        val = rng.permutation(np.concatenate(val_parts))
        train = rng.permutation(np.concatenate(train_parts))
        if val.size == 0 or train.size == 0:
            raise ValueError(
                f"val_fraction={val_fraction} leaves an empty part of {self.n_samples} rows"
            )
        return Split(self.X[train], self.y[train], self.X[val], self.y[val])


# ----------------------------------------------------------------------------- helpers


def _check_n(n_samples: int, minimum: int = 2) -> None:
    if not isinstance(n_samples, (int, np.integer)) or n_samples < minimum:
        raise ValueError(f"n_samples must be an integer >= {minimum}, got {n_samples!r}")


def _check_classes(n_classes: int) -> None:
    if n_classes < 2:
        raise ValueError(f"n_classes must be >= 2, got {n_classes}")


def _check_fraction(name: str, value: float, *, upper: float = 1.0) -> None:
    if not 0.0 <= value <= upper:
        raise ValueError(f"{name} must be in [0, {upper}], got {value}")


def _flip_labels(y: np.ndarray, fraction: float, n_classes: int, rng) -> np.ndarray:
    """Give a random ``fraction`` of rows a different, uniformly drawn label."""
    _check_fraction("flip_fraction", fraction)
    y = y.copy()
    n_flip = round(fraction * y.size)
    rows = rng.choice(y.size, size=n_flip, replace=False)
    # Adding 1..K-1 modulo K always lands on a different class.
    y[rows] = (y[rows] + rng.integers(1, n_classes, size=n_flip)) % n_classes
    return y


def _names(n: int) -> tuple[str, ...]:
    return tuple(f"x{i}" for i in range(n))


def _linear_base(n_samples: int, n_features: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal features and their noiseless linear response."""
    _check_n(n_samples)
    if n_features < 1:
        raise ValueError(f"n_features must be >= 1, got {n_features}")
    X = rng.standard_normal((n_samples, n_features))
    coef = rng.uniform(1.0, 3.0, n_features) * rng.choice([-1.0, 1.0], n_features)
    return X, X @ coef + 0.5


def _two_blobs(y: np.ndarray, separation: float, rng) -> np.ndarray:
    """2-D points, unit variance around ``±separation / 2`` on the diagonal by class 1 / 0."""
    centres = np.where(y[:, None] == 1, 1.0, -1.0) * (separation / 2 / math.sqrt(2))
    return centres + rng.standard_normal((y.size, 2))


def _regression(name: str, X, y, description: str, params: dict) -> Dataset:
    return Dataset(
        name, X, y.astype(np.float64), "regression", description, params, _names(X.shape[1])
    )


def _classification(
    name: str, X, y, description: str, params: dict, n_classes: int, rng
) -> Dataset:
    """The dataset, with a ``params["flip_fraction"]`` share of its labels flipped by ``rng``."""
    y = _flip_labels(y, params["flip_fraction"], n_classes, rng)
    task: Task = "binary" if n_classes == 2 else "multiclass"
    targets = tuple(str(c) for c in range(n_classes))
    return Dataset(
        name, X.astype(np.float64), y.astype(np.int64), task, description, params,
        _names(X.shape[1]), targets,
    )  # fmt: skip


# ----------------------------------------------------------------------------- regression


def linear(n_samples: int = 200, n_features: int = 1, noise: float = 0.5, seed: int = 0) -> Dataset:
    """Linear response plus Gaussian noise: ``y = X w + 0.5 + noise * N(0, 1)``.

    Features are standard normal; each weight is drawn uniformly from
    ±[1, 3].
    """
    rng = np.random.default_rng(seed)
    X, signal = _linear_base(n_samples, n_features, rng)
    y = signal + noise * rng.standard_normal(n_samples)
    params = {"n_samples": n_samples, "n_features": n_features, "noise": noise, "seed": seed}
    return _regression("linear", X, y, "Linear response with Gaussian noise.", params)


def linear_outliers(
    n_samples: int = 200,
    n_features: int = 1,
    noise: float = 0.5,
    outlier_fraction: float = 0.1,
    kind: Literal["vertical", "leverage", "both"] = "vertical",
    seed: int = 0,
) -> Dataset:
    """Linear data where a fraction of rows are outliers.

    Vertical outliers keep their ``x`` and get ``y`` shifted by ±U(10, 20)
    units; leverage outliers get ``x`` moved 5..8 standard deviations out with
    a ``y`` that ignores the line (drawn near 0), so they pull a least-squares
    fit hard. ``kind="both"`` makes half of each.
    """
    _check_fraction("outlier_fraction", outlier_fraction)
    if kind not in ("vertical", "leverage", "both"):
        raise ValueError(f"kind must be 'vertical', 'leverage' or 'both', got {kind!r}")
    rng = np.random.default_rng(seed)
    X, signal = _linear_base(n_samples, n_features, rng)
    y = signal + noise * rng.standard_normal(n_samples)
    n_out = round(outlier_fraction * n_samples)
    rows = rng.choice(n_samples, size=n_out, replace=False)
    n_vertical = {"vertical": n_out, "leverage": 0, "both": n_out // 2}[kind]
    vertical, leverage = rows[:n_vertical], rows[n_vertical:]
    y[vertical] += rng.choice([-1.0, 1.0], vertical.size) * rng.uniform(10, 20, vertical.size)
    X[leverage] = rng.choice([-1.0, 1.0], (leverage.size, n_features)) * rng.uniform(
        5, 8, (leverage.size, n_features)
    )
    y[leverage] = rng.standard_normal(leverage.size)
    params = {
        "n_samples": n_samples, "n_features": n_features, "noise": noise,
        "outlier_fraction": outlier_fraction, "kind": kind, "seed": seed,
    }  # fmt: skip
    return _regression(
        "linear_outliers", X, y, f"Linear data with {n_out} {kind} outliers.", params
    )


def heavy_tailed(
    n_samples: int = 200, n_features: int = 1, noise: float = 0.5, df: float = 2.0, seed: int = 0
) -> Dataset:
    """Linear response plus Student-t noise with ``df`` degrees of freedom (scaled by ``noise``)."""
    if df <= 0:
        raise ValueError(f"df must be > 0, got {df}")
    rng = np.random.default_rng(seed)
    X, signal = _linear_base(n_samples, n_features, rng)
    y = signal + noise * rng.standard_t(df, n_samples)
    params = {
        "n_samples": n_samples,
        "n_features": n_features,
        "noise": noise,
        "df": df,
        "seed": seed,
    }
    return _regression("heavy_tailed", X, y, f"Linear data with Student-t({df}) noise.", params)


def heteroscedastic(
    n_samples: int = 200, n_features: int = 1, noise: float = 0.5, seed: int = 0
) -> Dataset:
    """Linear response whose noise grows with the first feature: sd = ``noise * (0.2 + |x0|)``."""
    rng = np.random.default_rng(seed)
    X, signal = _linear_base(n_samples, n_features, rng)
    y = signal + noise * (0.2 + np.abs(X[:, 0])) * rng.standard_normal(n_samples)
    params = {"n_samples": n_samples, "n_features": n_features, "noise": noise, "seed": seed}
    return _regression("heteroscedastic", X, y, "Linear data, noise sd growing with |x0|.", params)


def sine(n_samples: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """One feature uniform on [-π, π] and ``y = sin(2x) + noise * N(0, 1)`` (non-linear)."""
    _check_n(n_samples)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-math.pi, math.pi, (n_samples, 1))
    y = np.sin(2 * X[:, 0]) + noise * rng.standard_normal(n_samples)
    params = {"n_samples": n_samples, "noise": noise, "seed": seed}
    return _regression("sine", X, y, "Non-linear: y = sin(2x) plus Gaussian noise.", params)


# ----------------------------------------------------------------------------- binary


def blobs(
    n_samples: int = 200, separation: float = 2.0, flip_fraction: float = 0.0, seed: int = 0
) -> Dataset:
    """Two Gaussian blobs in 2-D, unit variance, centres ``±separation / 2`` on the diagonal."""
    _check_n(n_samples)
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % 2
    X = _two_blobs(y, separation, rng)
    params = {
        "n_samples": n_samples,
        "separation": separation,
        "flip_fraction": flip_fraction,
        "seed": seed,
    }
    return _classification("blobs", X, y, "Two Gaussian blobs.", params, 2, rng)


def moons(
    n_samples: int = 200, noise: float = 0.15, flip_fraction: float = 0.0, seed: int = 0
) -> Dataset:
    """Two interleaving half circles (as ``sklearn.datasets.make_moons``), plus Gaussian noise."""
    _check_n(n_samples)
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % 2
    t = rng.uniform(0, math.pi, n_samples)
    X = np.where(
        (y == 0)[:, None],
        np.column_stack([np.cos(t), np.sin(t)]),
        np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]),
    )
    X = X + noise * rng.standard_normal(X.shape)
    params = {"n_samples": n_samples, "noise": noise, "flip_fraction": flip_fraction, "seed": seed}
    return _classification("moons", X, y, "Two interleaving half moons.", params, 2, rng)


def circles(
    n_samples: int = 200,
    noise: float = 0.1,
    factor: float = 0.5,
    flip_fraction: float = 0.0,
    seed: int = 0,
) -> Dataset:
    """A circle of radius ``factor`` (class 1) inside one of radius 1 (class 0), plus noise."""
    _check_n(n_samples)
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % 2
    t = rng.uniform(0, 2 * math.pi, n_samples)
    radius = np.where(y == 1, factor, 1.0)
    X = radius[:, None] * np.column_stack([np.cos(t), np.sin(t)])
    X = X + noise * rng.standard_normal(X.shape)
    params = {
        "n_samples": n_samples, "noise": noise, "factor": factor,
        "flip_fraction": flip_fraction, "seed": seed,
    }  # fmt: skip
    return _classification("circles", X, y, "Two concentric circles.", params, 2, rng)


def xor(
    n_samples: int = 200, noise: float = 0.0, flip_fraction: float = 0.0, seed: int = 0
) -> Dataset:
    """Points uniform on [-1, 1]²; class 1 where ``x0 * x1 > 0``.

    ``noise`` jitters the points after labelling.
    """
    _check_n(n_samples)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n_samples, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    X = X + noise * rng.standard_normal(X.shape)
    params = {"n_samples": n_samples, "noise": noise, "flip_fraction": flip_fraction, "seed": seed}
    return _classification(
        "xor", X, y, "XOR: class 1 in the first and third quadrants.", params, 2, rng
    )


def imbalanced(
    n_samples: int = 200,
    ratio: float = 0.1,
    separation: float = 2.0,
    flip_fraction: float = 0.0,
    seed: int = 0,
) -> Dataset:
    """Two Gaussian blobs where only ``ratio`` of the rows (at least one) are class 1."""
    _check_n(n_samples)
    if not 0.0 < ratio < 1.0:
        raise ValueError(f"ratio must be in (0, 1), got {ratio}")
    rng = np.random.default_rng(seed)
    n_pos = min(max(1, round(ratio * n_samples)), n_samples - 1)
    y = np.zeros(n_samples, dtype=np.int64)
    y[rng.choice(n_samples, n_pos, replace=False)] = 1
    X = _two_blobs(y, separation, rng)
    params = {
        "n_samples": n_samples, "ratio": ratio, "separation": separation,
        "flip_fraction": flip_fraction, "seed": seed,
    }  # fmt: skip
    return _classification(
        "imbalanced", X, y, f"Two blobs, {n_pos} of {n_samples} rows positive.", params, 2, rng
    )


# ----------------------------------------------------------------------------- multiclass


def spirals(
    n_samples: int = 300,
    n_classes: int = 3,
    noise: float = 0.2,
    turns: float = 1.0,
    flip_fraction: float = 0.0,
    seed: int = 0,
) -> Dataset:
    """``n_classes`` interleaved spiral arms in 2-D (the classic CS231n spiral data)."""
    _check_n(n_samples)
    _check_classes(n_classes)
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % n_classes
    r = rng.uniform(0.05, 1.0, n_samples)
    angle = y * (2 * math.pi / n_classes) + r * turns * 2 * math.pi
    angle = angle + noise * rng.standard_normal(n_samples)
    X = r[:, None] * np.column_stack([np.sin(angle), np.cos(angle)])
    params = {
        "n_samples": n_samples, "n_classes": n_classes, "noise": noise, "turns": turns,
        "flip_fraction": flip_fraction, "seed": seed,
    }  # fmt: skip
    return _classification("spirals", X, y, f"{n_classes} spiral arms.", params, n_classes, rng)


def blobs_multiclass(
    n_samples: int = 300,
    n_classes: int = 3,
    n_features: int = 2,
    spread: float = 1.0,
    flip_fraction: float = 0.0,
    seed: int = 0,
) -> Dataset:
    """``n_classes`` Gaussian blobs with sd ``spread``, centres uniform in [-5, 5]^d."""
    _check_n(n_samples)
    _check_classes(n_classes)
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-5, 5, (n_classes, n_features))
    y = np.arange(n_samples) % n_classes
    X = centres[y] + spread * rng.standard_normal((n_samples, n_features))
    params = {
        "n_samples": n_samples, "n_classes": n_classes, "n_features": n_features,
        "spread": spread, "flip_fraction": flip_fraction, "seed": seed,
    }  # fmt: skip
    return _classification(
        "blobs_multiclass", X, y, f"{n_classes} Gaussian blobs.", params, n_classes, rng
    )


# ----------------------------------------------------------------------------- real data


def _standardize(X: np.ndarray) -> np.ndarray:
    scale = X.std(axis=0)
    # A constant column stays constant (0) rather than becoming 0/0.
    return (X - X.mean(axis=0)) / np.where(scale > 0, scale, 1.0)


def _sklearn_bunch(name: str, standardize: bool) -> Dataset:
    from sklearn import datasets as skd

    loader = {
        "diabetes": skd.load_diabetes,
        "breast_cancer": skd.load_breast_cancer,
        "iris": skd.load_iris,
        "wine": skd.load_wine,
    }[name]
    bunch = loader()
    X = np.asarray(bunch.data, dtype=np.float64)
    if standardize:
        X = _standardize(X)
    description = bunch.DESCR.strip().splitlines()[0].strip(". ") + " (scikit-learn)."
    if standardize:
        description += " Features standardised to mean 0, sd 1."
    params = {"standardize": standardize}
    features = tuple(str(f) for f in bunch.feature_names)
    if name == "diabetes":
        return Dataset(
            name, X, np.asarray(bunch.target, float), "regression", description, params, features
        )
    classes = tuple(str(c) for c in bunch.target_names)
    task: Task = "binary" if len(classes) == 2 else "multiclass"
    y = np.asarray(bunch.target, dtype=np.int64)
    return Dataset(name, X, y, task, description, params, features, classes)


def diabetes(standardize: bool = True) -> Dataset:
    """Diabetes progression regression (442 rows, 10 features), shipped with scikit-learn."""
    return _sklearn_bunch("diabetes", standardize)


def breast_cancer(standardize: bool = True) -> Dataset:
    """Breast cancer Wisconsin, binary (569 rows, 30 features), shipped with scikit-learn."""
    return _sklearn_bunch("breast_cancer", standardize)


def iris(standardize: bool = True) -> Dataset:
    """Iris, 3 classes (150 rows, 4 features), shipped with scikit-learn."""
    return _sklearn_bunch("iris", standardize)


def wine(standardize: bool = True) -> Dataset:
    """Wine, 3 classes (178 rows, 13 features), shipped with scikit-learn."""
    return _sklearn_bunch("wine", standardize)


def csv(
    path: str | Path,
    target: str,
    task: Task | None = None,
    standardize: bool = False,
) -> Dataset:
    """Load a CSV file with a header row; ``target`` names the target column.

    All other columns are features and must be numeric. With ``task=None`` the
    task is guessed: a non-numeric target, or an integer-valued one with at
    most 10 distinct values, is classification (binary for two values),
    anything else regression. Class labels are encoded as ``0 .. K - 1`` in
    sorted order and kept in ``target_names``.

    Args:
        path: The CSV file.
        target: Name of the target column.
        task: Force ``"regression"``, ``"binary"`` or ``"multiclass"``.
        standardize: Scale features to mean 0, sd 1.

    Raises:
        ValueError: If the file cannot be read, ``target`` is not a column,
            a feature is not numeric, or any value is missing (NaN).
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path {str(path)!r} is not a file")
    frame = pd.read_csv(path)
    if target not in frame.columns:
        raise ValueError(
            f"target column {target!r} not in {path.name}; columns are {list(frame.columns)}"
        )
    features = frame.drop(columns=[target])
    if features.shape[1] == 0:
        raise ValueError(f"{path.name} has no feature columns besides target {target!r}")
    bad = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    if bad:
        raise ValueError(f"feature columns must be numeric; not numeric: {bad}")
    missing = [c for c in frame.columns if frame[c].isna().any()]
    if missing:
        raise ValueError(f"columns with missing values (NaN): {missing}")
    X = features.to_numpy(dtype=np.float64)
    if standardize:
        X = _standardize(X)
    column = frame[target]
    numeric = pd.api.types.is_numeric_dtype(column)
    if task is None:
        values = column.to_numpy()
        few_integers = numeric and np.all(np.mod(values, 1) == 0) and column.nunique() <= 10
        if not numeric or few_integers:
            task = "binary" if column.nunique() == 2 else "multiclass"
        else:
            task = "regression"
    if task not in ("regression", "binary", "multiclass"):
        raise ValueError(f"task must be 'regression', 'binary' or 'multiclass', got {task!r}")
    params = {"path": str(path), "target": target, "task": task, "standardize": standardize}
    names = tuple(str(c) for c in features.columns)
    description = f"CSV file {path.name}, target column {target!r}."
    if task == "regression":
        if not numeric:
            raise ValueError(f"target column {target!r} is not numeric, cannot be regression")
        y = column.to_numpy(dtype=np.float64)
        return Dataset("csv", X, y, task, description, params, names)
    classes, y = np.unique(column.to_numpy(), return_inverse=True)
    if task == "binary" and classes.size != 2:
        raise ValueError(f"task='binary' needs 2 classes in {target!r}, found {classes.size}")
    return Dataset(
        "csv", X, y.astype(np.int64), task, description, params, names,
        tuple(str(c) for c in classes),
    )  # fmt: skip


# ----------------------------------------------------------------------------- registry

_REGISTRY: dict[str, Callable[..., Dataset]] = {
    "linear": linear,
    "linear_outliers": linear_outliers,
    "heavy_tailed": heavy_tailed,
    "heteroscedastic": heteroscedastic,
    "sine": sine,
    "blobs": blobs,
    "moons": moons,
    "circles": circles,
    "xor": xor,
    "imbalanced": imbalanced,
    "spirals": spirals,
    "blobs_multiclass": blobs_multiclass,
    "diabetes": diabetes,
    "breast_cancer": breast_cancer,
    "iris": iris,
    "wine": wine,
    "csv": csv,
}


def available() -> tuple[str, ...]:
    """Names accepted by :func:`load`."""
    return tuple(_REGISTRY)


def loader(name: str) -> Callable[..., Dataset]:
    """The loader function registered as ``name`` (its signature lists its knobs).

    Raises:
        ValueError: For an unknown name, listing the known ones.

    Example:
        >>> loader("moons") is moons
        True
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"unknown dataset name {name!r}; available: {', '.join(_REGISTRY)}"
        ) from None


def load(name: str, **params: Any) -> Dataset:
    """Make the dataset registered as ``name`` with the given loader arguments.

    Raises:
        ValueError: For an unknown name or an argument the loader does not take.
    """
    make = loader(name)
    try:
        inspect.signature(make).bind(**params)
    except TypeError as error:
        raise ValueError(f"bad parameters {params} for dataset {name!r}: {error}") from None
    return make(**params)


def load_spec(spec: str) -> Dataset:
    """Load from a ``"name:key=value,key=value"`` string, as typed on a command line.

    Values are read as Python literals where possible (``0.1``, ``3``,
    ``True``), otherwise kept as strings (``kind=leverage``, ``path=data.csv``).
    """
    name, params = parse_spec(spec, "dataset spec")
    return load(name, **params)

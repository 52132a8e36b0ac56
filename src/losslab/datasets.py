"""Datasets: seeded toy generators, scikit-learn's bundled data, CSV files.

Every loader returns a frozen :class:`Dataset` holding the full ``X`` and ``y``;
``Dataset.split(val_fraction, seed)`` cuts it into a :class:`Split` with
``X_train``, ``y_train``, ``X_val``, ``y_val``. The same arguments always give
the same arrays.

Real data (CSV files, scikit-learn's bundled sets) carries its raw columns and
a :class:`Preprocessing` (standardise, encode categories, impute), which
``split`` fits on the training rows only and applies to both parts, so no
statistic of a validation row reaches the model; ``Dataset.X`` is the same
preprocessing fitted on every row, what trains when there is no split.

Loaders are found by name, so a command line can say
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

from losslab._optional import require
from losslab.specs import parse_spec

__all__ = [
    "Dataset",
    "Preprocessing",
    "Split",
    "available",
    "blobs",
    "blobs_multiclass",
    "breast_cancer",
    "circles",
    "csv",
    "diabetes",
    "guess_task",
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
Encode = Literal["onehot", "ordinal"]
Impute = Literal["median", "mean", "most_frequent"]
ENCODINGS = ("onehot", "ordinal")
IMPUTERS = ("median", "mean", "most_frequent")


def read_flag(name: str, value: Any) -> bool:
    """A yes/no argument given as a bool or as typed in a spec (``true``, ``false``, ``1``, ``0``).

    >>> read_flag("standardize", "false"), read_flag("standardize", True)
    (False, True)
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ValueError(f"{name} must be true or false, got {value!r}")


def _choice(name: str, value: Any, allowed: tuple[str, ...], *, optional: bool = False) -> Any:
    if optional and (value is None or str(value).strip().lower() in ("none", "")):
        return None
    if value not in allowed:
        extra = " or none" if optional else ""
        raise ValueError(f"{name} must be one of {', '.join(allowed)}{extra}, got {value!r}")
    return value


@dataclass(frozen=True)
class Preprocessing:
    """How raw feature columns become a model's features; fitted on training rows only.

    Numeric columns are imputed (when ``impute`` is set) and standardised
    (when ``standardize``): ``(x - mean) / sd`` with the mean and the
    population sd of the rows it is fitted on (a constant column becomes 0).
    Categorical (string) columns are imputed with their most frequent value
    (when ``impute`` is set), then one-hot encoded (one 0/1 column per
    category seen in the training rows; a category seen only in validation
    rows encodes as all zeros) or ordinal encoded (categories in sorted
    order as 0, 1, ...; an unseen one as -1; scaled like a numeric column
    when ``standardize``). scikit-learn's ``ColumnTransformer``,
    ``SimpleImputer``, ``StandardScaler``, ``OneHotEncoder`` and
    ``OrdinalEncoder`` do the work.

    Attributes:
        numeric: Names of the numeric columns.
        categorical: Names of the categorical columns.
        standardize: Scale numeric columns to mean 0, sd 1.
        encode: ``"onehot"`` or ``"ordinal"``.
        impute: None (missing values are refused when the data is read),
            ``"median"``, ``"mean"`` or ``"most_frequent"``.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"size": [1.0, 2.0, 3.0, 10.0], "colour": ["r", "g", "r", "b"]})
        >>> recipe = Preprocessing(("size",), ("colour",))
        >>> fitted = recipe.fit(frame.iloc[:3])
        >>> recipe.names(fitted)
        ('size', 'colour_g', 'colour_r')
        >>> fitted.transform(frame.iloc[3:]).round(3).tolist()  # scaled by rows 0-2; "b" unseen
        [[9.798, 0.0, 0.0]]
    """

    numeric: tuple[str, ...]
    categorical: tuple[str, ...] = ()
    standardize: bool = True
    encode: Encode = "onehot"
    impute: Impute | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "standardize", read_flag("standardize", self.standardize))
        _choice("encode", self.encode, ENCODINGS)
        object.__setattr__(self, "impute", _choice("impute", self.impute, IMPUTERS, optional=True))

    def transformer(self) -> Any:
        """A new, unfitted scikit-learn ``ColumnTransformer`` doing what this recipe says."""
        require("sklearn", "preprocessing data columns")
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

        parts: list[tuple[str, Any, list[str]]] = []
        if self.numeric:
            steps: list[Any] = [SimpleImputer(strategy=self.impute)] if self.impute else []
            steps += [StandardScaler()] if self.standardize else []
            parts.append(("numeric", make_pipeline(*steps) if steps else "passthrough",
                          list(self.numeric)))  # fmt: skip
        if self.categorical:
            steps = [SimpleImputer(strategy="most_frequent")] if self.impute else []
            if self.encode == "onehot":
                steps.append(OneHotEncoder(handle_unknown="ignore", sparse_output=False))
            else:
                steps.append(OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1))
                steps += [StandardScaler()] if self.standardize else []
            parts.append(("categorical", make_pipeline(*steps), list(self.categorical)))
        return ColumnTransformer(parts, sparse_threshold=0.0, verbose_feature_names_out=False)

    def fit(self, frame: Any) -> Any:
        """The transformer fitted on ``frame`` (a pandas DataFrame of the raw columns)."""
        return self.transformer().fit(frame)

    @staticmethod
    def names(fitted: Any) -> tuple[str, ...]:
        """The output column names of a fitted transformer."""
        return tuple(str(name) for name in fitted.get_feature_names_out())

    def describe(self) -> str:
        """One sentence on what the recipe does, for a dataset's description."""
        words = []
        if self.impute:
            words.append(f"missing values imputed ({self.impute})")
        if self.categorical:
            words.append(f"{len(self.categorical)} categorical column(s) {self.encode} encoded")
        if self.standardize:
            words.append("features standardised to mean 0, sd 1")
        if not words:
            return "Features in raw units."
        return (words[0][0].upper() + "; ".join(words)[1:]
                + ", fitted on the training rows only.")  # fmt: skip


@dataclass(frozen=True)
class Split:
    """A train/validation split of a :class:`Dataset`.

    Attributes:
        X_train: Training features, shape ``(n_train, n_features)``.
        y_train: Training targets, shape ``(n_train,)``.
        X_val: Validation features, shape ``(n_val, n_features)``.
        y_val: Validation targets, shape ``(n_val,)``.
        train_rows: Row indices of the training part in the dataset.
        val_rows: Row indices of the validation part in the dataset.
        transformer: The dataset's :class:`Preprocessing` fitted on the
            training rows (a scikit-learn ``ColumnTransformer``), or None for
            data that needs none.
        feature_names: One name per column of ``X_train`` (one-hot columns
            are ``column_value``).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    train_rows: np.ndarray | None = None
    val_rows: np.ndarray | None = None
    transformer: Any = None
    feature_names: tuple[str, ...] = ()


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
        raw: The feature columns as read (a pandas DataFrame), when
            ``preprocessing`` makes ``X`` from them; else None.
        preprocessing: What turns ``raw`` into features, fitted on the
            training rows by :meth:`split` (and on every row for ``X``), or
            None when ``X`` is used as it is.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    task: Task
    description: str
    params: dict[str, Any] = field(default_factory=dict)
    feature_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    raw: Any = field(default=None, repr=False)
    preprocessing: Preprocessing | None = None

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
        rounding allows). A dataset with a :class:`Preprocessing` has it
        fitted on the training rows and applied to both parts (the fitted
        transformer is ``Split.transformer``).

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
        if self.preprocessing is None:
            return Split(
                self.X[train], self.y[train], self.X[val], self.y[val], train, val,
                feature_names=self.feature_names,
            )  # fmt: skip
        fitted = self.preprocessing.fit(self.raw.iloc[train])
        X_train = np.asarray(fitted.transform(self.raw.iloc[train]), dtype=np.float64)
        X_val = np.asarray(fitted.transform(self.raw.iloc[val]), dtype=np.float64)
        return Split(
            X_train, self.y[train], X_val, self.y[val], train, val, fitted,
            self.preprocessing.names(fitted),
        )  # fmt: skip


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


def _prepared(raw: Any, recipe: Preprocessing) -> tuple[np.ndarray, tuple[str, ...]]:
    """``X`` and its column names: ``recipe`` fitted on every row of ``raw``."""
    fitted = recipe.fit(raw)
    return np.asarray(fitted.transform(raw), dtype=np.float64), recipe.names(fitted)


def _sklearn_bunch(name: str, standardize: Any) -> Dataset:
    require("sklearn", f"the {name} data set")
    import pandas as pd
    from sklearn import datasets as skd

    standardize = read_flag("standardize", standardize)
    loader = {
        "diabetes": skd.load_diabetes,
        "breast_cancer": skd.load_breast_cancer,
        "iris": skd.load_iris,
        "wine": skd.load_wine,
    }[name]
    bunch = loader()
    features = tuple(str(f) for f in bunch.feature_names)
    X = np.asarray(bunch.data, dtype=np.float64)
    description = bunch.DESCR.strip().splitlines()[0].strip(". ") + " (scikit-learn)."
    params = {"standardize": standardize}
    extra: dict[str, Any] = {}
    if standardize:
        recipe = Preprocessing(features, standardize=True)
        raw = pd.DataFrame(X, columns=list(features))
        X, _ = _prepared(raw, recipe)
        description += " " + recipe.describe()
        extra = {"raw": raw, "preprocessing": recipe}
    if name == "diabetes":
        return Dataset(
            name, X, np.asarray(bunch.target, float), "regression", description, params, features,
            **extra,
        )  # fmt: skip
    classes = tuple(str(c) for c in bunch.target_names)
    task: Task = "binary" if len(classes) == 2 else "multiclass"
    y = np.asarray(bunch.target, dtype=np.int64)
    return Dataset(name, X, y, task, description, params, features, classes, **extra)


def diabetes(standardize: bool = True) -> Dataset:
    """Diabetes progression regression (442 rows, 10 features), shipped with scikit-learn.

    ``standardize`` scales the features with the training rows' statistics
    (see :class:`Preprocessing`); False keeps scikit-learn's units.
    """
    return _sklearn_bunch("diabetes", standardize)


def breast_cancer(standardize: bool = True) -> Dataset:
    """Breast cancer Wisconsin, binary (569 rows, 30 features), shipped with scikit-learn.

    ``standardize`` scales the features with the training rows' statistics
    (see :class:`Preprocessing`); False keeps the raw units (areas in the
    thousands beside smoothness near 0.1).
    """
    return _sklearn_bunch("breast_cancer", standardize)


def iris(standardize: bool = True) -> Dataset:
    """Iris, 3 classes (150 rows, 4 features), shipped with scikit-learn.

    ``standardize`` scales the features with the training rows' statistics.
    """
    return _sklearn_bunch("iris", standardize)


def wine(standardize: bool = True) -> Dataset:
    """Wine, 3 classes (178 rows, 13 features), shipped with scikit-learn.

    ``standardize`` scales the features with the training rows' statistics.
    """
    return _sklearn_bunch("wine", standardize)


_MAX_ROWS_SHOWN = 10


def _missing_rows(column: Any) -> str:
    """``"rows 2, 5, 7"``: the 1-based data rows where ``column`` is missing (10 shown)."""
    rows = [int(i) + 1 for i in np.flatnonzero(column.isna().to_numpy())]
    shown = ", ".join(str(r) for r in rows[:_MAX_ROWS_SHOWN])
    more = len(rows) - _MAX_ROWS_SHOWN
    return (
        ("row " if len(rows) == 1 else "rows ") + shown + (f" and {more} more" if more > 0 else "")
    )


_ROW_CONVENTION = (
    "data rows counted from 1 at the first line below the header, so row k is line k + 1 "
    "of the file"
)


def _check_missing(frame: Any, target: str, impute: str | None) -> None:
    """Refuse missing values: in the target always, in features unless ``impute`` is set."""
    if frame[target].isna().any():
        raise ValueError(
            f"target column {target!r} has missing values in {_missing_rows(frame[target])} "
            f"({_ROW_CONVENTION}); drop those rows, targets are never imputed"
        )
    if impute is not None:
        return
    missing = [c for c in frame.columns if c != target and frame[c].isna().any()]
    if missing:
        where = "; ".join(f"column {c!r} in {_missing_rows(frame[c])}" for c in missing)
        raise ValueError(
            f"missing values (NaN) in {where} ({_ROW_CONVENTION}); "
            "pass impute=median, mean or most_frequent to fill them"
        )


def guess_task(column: Any) -> Task:
    """Classification for a non-numeric target or one of at most 10 integer values."""
    import pandas as pd

    numeric = pd.api.types.is_numeric_dtype(column)
    few_integers = numeric and np.all(np.mod(column.to_numpy(), 1) == 0) and column.nunique() <= 10
    if not numeric or few_integers:
        return "binary" if column.nunique() == 2 else "multiclass"
    return "regression"


def csv(
    path: str | Path,
    target: str,
    task: Task | None = None,
    standardize: bool = True,
    encode: Encode = "onehot",
    impute: Impute | None = None,
) -> Dataset:
    r"""Load a CSV file with a header row; ``target`` names the target column.

    All other columns are features: numeric columns as numbers, any other
    (strings) as categories. Features go through a :class:`Preprocessing`
    that :meth:`Dataset.split` fits on the training rows only: numeric
    columns standardised (unless ``standardize=False``), categorical ones
    one-hot (``encode="onehot"``) or ordinal (``encode="ordinal"``) encoded,
    missing values imputed when ``impute`` says how. Without ``impute`` a
    missing feature value is refused, naming the column and the data rows
    (counted from 1 at the first line below the header); a missing target
    is always refused.

    With ``task=None`` the task is guessed: a non-numeric target, or an
    integer-valued one with at most 10 distinct values, is classification
    (binary for two values), anything else regression. Class labels are
    encoded as ``0 .. K - 1`` in sorted order and kept in ``target_names``.

    Args:
        path: The CSV file.
        target: Name of the target column.
        task: Force ``"regression"``, ``"binary"`` or ``"multiclass"``.
        standardize: Scale numeric features to mean 0, sd 1 with the training
            rows' statistics; False keeps raw units.
        encode: ``"onehot"`` or ``"ordinal"`` for categorical columns.
        impute: None, ``"median"``, ``"mean"`` or ``"most_frequent"``
            (categorical columns always take their most frequent value).

    Raises:
        ValueError: If the file cannot be read, ``target`` is not a column,
            a value is missing and ``impute`` is None (naming column and rows),
            a target is missing, or an argument is not one of its choices.

    Example:
        >>> import pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "pets.csv").write_text("kind,age,y\ncat,1,0\ndog,,1\n")
        >>> csv(folder / "pets.csv", target="y")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: missing values (NaN) in column 'age' in row 2 (data rows counted from 1 ...
        >>> data = csv(folder / "pets.csv", target="y", impute="median", standardize=False)
        >>> data.feature_names, data.X.tolist()
        (('age', 'kind_cat', 'kind_dog'), [[1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    """
    require("sklearn", "reading a CSV file")
    import pandas as pd

    standardize = read_flag("standardize", standardize)
    _choice("encode", encode, ENCODINGS)
    impute = _choice("impute", impute, IMPUTERS, optional=True)
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path {str(path)!r} is not a file")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ValueError(f"path {path.name!r} is not a readable CSV file: {error}") from None
    if target not in frame.columns:
        raise ValueError(
            f"target column {target!r} not in {path.name}; columns are {list(frame.columns)}"
        )
    raw = frame.drop(columns=[target])
    if raw.shape[1] == 0:
        raise ValueError(f"{path.name} has no feature columns besides target {target!r}")
    _check_missing(frame, target, impute)
    raw.columns = [str(c) for c in raw.columns]
    numeric = tuple(c for c in raw.columns if pd.api.types.is_numeric_dtype(raw[c]))
    categorical = tuple(c for c in raw.columns if c not in numeric)
    for c in numeric:
        raw[c] = raw[c].astype(np.float64)
    for c in categorical:
        raw[c] = raw[c].astype(object).where(raw[c].notna(), np.nan)
    recipe = Preprocessing(numeric, categorical, standardize, encode, impute)
    X, names = _prepared(raw, recipe)
    column = frame[target]
    if task is None:
        task = guess_task(column)
    if task not in ("regression", "binary", "multiclass"):
        raise ValueError(f"task must be 'regression', 'binary' or 'multiclass', got {task!r}")
    params = {
        "path": str(path), "target": target, "task": task, "standardize": standardize,
        "encode": encode, "impute": impute,
    }  # fmt: skip
    description = f"CSV file {path.name}, target column {target!r}. {recipe.describe()}"
    kept = {"raw": raw, "preprocessing": recipe}
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(column):
            raise ValueError(f"target column {target!r} is not numeric, cannot be regression")
        y = column.to_numpy(dtype=np.float64)
        return Dataset("csv", X, y, task, description, params, names, **kept)
    classes, y = np.unique(column.to_numpy(), return_inverse=True)
    if task == "binary" and classes.size != 2:
        raise ValueError(f"task='binary' needs 2 classes in {target!r}, found {classes.size}")
    return Dataset(
        "csv", X, y.astype(np.int64), task, description, params, names,
        tuple(str(c) for c in classes), **kept,
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

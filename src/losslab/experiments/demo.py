"""The seeds' headline claims as experiments that return measured numbers.

Each function trains small models and returns a frozen record of what it
measured; :mod:`losslab.claims` says what each claim reads from these records
and when it holds, :mod:`losslab.demo` draws them into a report and judges the
claims on one seed, and the tests judge the same claims over several seeds.
Nothing here draws or judges.

- :func:`outliers`: MSE, MAE and Huber fitting a line to data with 10 %
  outliers; and a constant-only model, where MSE finds the mean and MAE the median;
- :func:`saturation`: a sigmoid classifier started confidently wrong escapes under
  cross-entropy and stalls under MSE on its probability (σ′(z) ≈ 0);
- :func:`calibration`: the loss keeps falling after accuracy stops moving, as the
  probabilities become calibrated;
- :func:`asymmetric`: ``pos_weight`` trades false negatives for false positives;
- :func:`overfitting`: an over-parameterised MLP whose training loss keeps falling
  while its validation loss turns up (the objective is not the goal);
- :func:`confidence`: cross-entropy of confident wrong and right predictions.

>>> round(constant_fit([0.0, 1.0, 2.0, 10.0], epochs=400).fitted["mse"], 6)
3.25
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from losslab import datasets, lessons, links
from losslab import losses as _losses
from losslab.experiments._calibration import reliability
from losslab.experiments._compare import Comparison, compare
from losslab.experiments._curves import loss_curves
from losslab.experiments._summary import epochs_to_target
from losslab.models import LinearRegression, LogisticRegression
from losslab.train import History, fit

__all__ = [
    "Asymmetric",
    "Calibration",
    "Confidence",
    "ConstantFit",
    "Outliers",
    "Overfitting",
    "Saturation",
    "asymmetric",
    "calibration",
    "confidence",
    "constant_fit",
    "mse_on_probability",
    "outliers",
    "overfitting",
    "saturation",
]


# ----------------------------------------------------------------------------- (a) outliers


@dataclass(frozen=True)
class ConstantFit:
    """A constant-only model ``ŷ = b`` trained under several losses.

    Attributes:
        fitted: Per loss, the trained constant ``b``.
        mean: The mean of ``y`` (the MSE minimiser).
        median: The median of ``y`` (an MAE minimiser).
    """

    fitted: dict[str, float]
    mean: float
    median: float


def constant_fit(
    y: ArrayLike, losses: Sequence[str] = ("mse", "mae", "huber"), epochs: int = 400
) -> ConstantFit:
    """Train ``ŷ = b`` (a bias fed a zero feature) under each loss, by gradient descent.

    A cosine schedule lets the MAE step, whose size never shrinks on its own
    (the gradient is a mean of signs), settle on the median.
    """
    y = np.asarray(y, dtype=float)
    X = np.zeros((y.size, 1))
    fitted = {}
    for name in losses:
        model = LinearRegression(1)
        fit(model, name, X, y, lr=0.5, epochs=epochs, schedule="cosine")
        fitted[name] = float(model.params["bias"][0])
    return ConstantFit(fitted, float(np.mean(y)), float(np.median(y)))


@dataclass(frozen=True)
class Outliers:
    """MSE, MAE and Huber fitting a line to data with outliers.

    Attributes:
        comparison: The comparison (one run per loss per seed).
        true_slope: Slope of the line the data was drawn from.
        true_intercept: Its intercept.
        slope_error: Per loss, ``|fitted slope − true slope|`` for each seed.
        intercept_error: Per loss, ``|fitted intercept − true intercept|`` for each seed.
        constant: The constant-only model on the same ``y``.
    """

    comparison: Comparison
    true_slope: float
    true_intercept: float
    slope_error: dict[str, np.ndarray]
    intercept_error: dict[str, np.ndarray]
    constant: ConstantFit


OUTLIER_LOSSES = ("mse", "mae", "huber:delta=1")


def outliers(
    data_seed: int = 0, *, seeds: int = 5, epochs: int = 200, outlier_fraction: float = 0.1
) -> Outliers:
    """Fit a line under MSE, MAE and Huber (δ = 1) to 200 points with vertical outliers.

    The true line is recovered exactly from the noiseless twin of the data
    (:func:`losslab.datasets.linear` with the same seed draws the same ``x`` and line).
    """
    spec = f"linear_outliers:n_samples=200,outlier_fraction={outlier_fraction},seed={data_seed}"
    result = compare(
        spec, list(OUTLIER_LOSSES), epochs=epochs, lr=0.1, seeds=seeds, schedule="cosine"
    )
    clean = datasets.linear(n_samples=200, noise=0.0, seed=data_seed)
    if not np.array_equal(clean.X, result.dataset.X):
        raise RuntimeError("linear and linear_outliers no longer draw the same x for a seed")
    slope = float(np.polyfit(clean.X[:, 0], clean.y, 1)[0])
    intercept = float(clean.y[0] - slope * clean.X[0, 0])
    slope_error: dict[str, np.ndarray] = {}
    intercept_error: dict[str, np.ndarray] = {}
    for label in OUTLIER_LOSSES:
        runs = [run for run in result.runs if run.label == label]
        slope_error[label] = np.array([abs(r.model.params["weight"][0, 0] - slope) for r in runs])
        intercept_error[label] = np.array(
            [abs(r.model.params["bias"][0] - intercept) for r in runs]
        )
    constant = constant_fit(result.dataset.y)
    return Outliers(result, slope, intercept, slope_error, intercept_error, constant)


# ----------------------------------------------------------------------------- (b) saturation


def mse_on_probability() -> _losses.Loss:
    """MSE read on a sigmoid probability: the catalogue's ``mse_probability``.

    Its link is the probability, so :func:`~losslab.models.make_model` and
    :func:`~losslab.train.fit` put a sigmoid head in front of it and its
    gradient wrt the logit is ``2 (p − y) σ′(z)``, which vanishes in saturation.
    """
    return _losses.get("mse_probability")


@dataclass(frozen=True)
class Saturation:
    """Cross-entropy against MSE-on-probability from a saturated, wrong start.

    Attributes:
        histories: Per loss label (``"cross-entropy"``, ``"mse on σ(z)"``), the History.
        initial_logit: Median ``|z|`` over the training rows at the start.
        initial_accuracy: Training accuracy at the start.
        target: The validation accuracy to reach.
        epochs_to_target: Per label, first epoch reaching ``target`` (NaN: never).
        epochs: Epochs trained.
    """

    histories: dict[str, History]
    initial_logit: float
    initial_accuracy: float
    target: float
    epochs_to_target: dict[str, float]
    epochs: int


def saturation(
    seed: int = 0, *, scale: float = 8.0, epochs: int = 300, lr: float = 1.0, target: float = 0.9
) -> Saturation:
    """Two logistic models started at ``w = −scale · (1, 1)/√2``: confident and wrong.

    Data: two blobs (separation 3) whose class 1 sits along ``+(1, 1)``, so the
    start predicts the wrong class with ``|z|`` around 10.
    """
    split = datasets.blobs(n_samples=200, separation=3.0, seed=seed).split(0.25, seed)
    setups = {
        "cross-entropy": (LogisticRegression(2, head="identity"), _losses.get("bce_with_logits")),
        "mse on σ(z)": (LogisticRegression(2, head="sigmoid"), mse_on_probability()),
    }
    histories, reached = {}, {}
    start = -scale * np.ones(2) / math.sqrt(2.0)
    for label, (model, loss) in setups.items():
        model.params["weight"][:, 0] = start
        history = fit(
            model, loss, split.X_train, split.y_train, X_val=split.X_val, y_val=split.y_val,
            lr=lr, epochs=epochs,
        )  # fmt: skip
        histories[label] = history
        reached[label] = epochs_to_target(history["val_accuracy"], history["epoch"], target, "max")
    z0 = split.X_train @ start
    first = histories["cross-entropy"].records[0]
    return Saturation(
        histories, float(np.median(np.abs(z0))), float(first["train_accuracy"]), target,
        reached, epochs,
    )  # fmt: skip


# ----------------------------------------------------------------------------- (c) calibration


@dataclass(frozen=True)
class Calibration:
    """Loss against accuracy on nearly separable data.

    Attributes:
        history: The History (validation accuracy, log loss, ECE per epoch).
        plateau_epoch: First epoch after which val accuracy stays within 0.01
            of its final value.
        reliability_at_plateau: Reliability table (validation) at that epoch.
        reliability_final: Reliability table at the last epoch.
    """

    history: History
    plateau_epoch: int
    reliability_at_plateau: pd.DataFrame
    reliability_final: pd.DataFrame

    def at(self, epoch: int) -> dict[str, float]:
        """The History record of ``epoch``."""
        return self.history.records[epoch]


def _plateau(values: np.ndarray, tolerance: float) -> int:
    off = np.flatnonzero(np.abs(values - values[-1]) > tolerance)
    return int(off[-1] + 1) if off.size else 0


def calibration(seed: int = 0, *, epochs: int = 300, lr: float = 0.2) -> Calibration:
    """Logistic regression under cross-entropy on two blobs at separation 4 (≈ 2 % overlap)."""
    split = datasets.blobs(n_samples=400, separation=4.0, seed=seed).split(0.5, seed)
    model = LogisticRegression(2, head="identity")
    snapshots = [{k: v.copy() for k, v in model.params.items()}]

    def snapshot(epoch, record, model) -> bool:
        snapshots.append({k: v.copy() for k, v in model.params.items()})
        return False

    history = fit(
        model, "bce_with_logits", split.X_train, split.y_train, X_val=split.X_val,
        y_val=split.y_val, lr=lr, epochs=epochs, callbacks=[snapshot],
    )  # fmt: skip
    plateau = _plateau(history["val_accuracy"], 0.01)

    def table(epoch: int) -> pd.DataFrame:
        probe = LogisticRegression(2, head="identity")
        probe.params.update({k: v.copy() for k, v in snapshots[epoch].items()})
        return reliability(links.LOGIT.inverse(probe(split.X_val)), split.y_val)

    return Calibration(history, plateau, table(plateau), table(len(snapshots) - 1))


# ----------------------------------------------------------------------------- (d) asymmetric


@dataclass(frozen=True)
class Asymmetric:
    """Cross-entropy with and without extra weight on positives.

    Attributes:
        comparison: The comparison (labels ``bce_with_logits`` and ``...:pos_weight=W``).
        false_negatives: Per label, validation FN count for each seed.
        false_positives: Per label, validation FP count for each seed.
    """

    comparison: Comparison
    false_negatives: dict[str, np.ndarray]
    false_positives: dict[str, np.ndarray]


def asymmetric(
    data_seed: int = 0, *, pos_weight: float = 5.0, seeds: int = 3, epochs: int = 150
) -> Asymmetric:
    """Logistic regression on overlapping blobs (separation 1.5) with pos_weight 1 and 5.

    A positive weighted ``w`` moves the optimal threshold on the true
    probability from 1/2 to ``1 / (1 + w)``: more rows called positive.
    """
    labels = ["bce_with_logits", f"bce_with_logits:pos_weight={pos_weight:g}"]
    result = compare(
        f"blobs:n_samples=400,separation=1.5,seed={data_seed}", labels, epochs=epochs,
        lr=0.5, seeds=seeds, val_fraction=0.5,
    )  # fmt: skip
    fn: dict[str, np.ndarray] = {}
    fp: dict[str, np.ndarray] = {}
    for label in labels:
        counts = []
        for run in (r for r in result.runs if r.label == label):
            predicted = run.model(run.split.X_val) > 0
            actual = run.split.y_val == 1
            counts.append((int(np.sum(actual & ~predicted)), int(np.sum(~actual & predicted))))
        fn[label] = np.array([c[0] for c in counts])
        fp[label] = np.array([c[1] for c in counts])
    return Asymmetric(result, fn, fp)


# ----------------------------------------------------------------------------- (e) overfitting


@dataclass(frozen=True)
class Overfitting:
    """An over-parameterised MLP on few noisy points.

    Attributes:
        comparison: The comparison (one MSE run).
        best_epoch: Epoch of the lowest validation loss.
        final_epoch: The last epoch.
        val_loss_best: Validation loss at ``best_epoch``.
        val_loss_final: Validation loss at the end.
        train_loss_best: Training loss at ``best_epoch``.
        train_loss_final: Training loss at the end.
        n_parameters: Number of model parameters.
        n_train: Number of training rows.
    """

    comparison: Comparison
    best_epoch: int
    final_epoch: int
    val_loss_best: float
    val_loss_final: float
    train_loss_best: float
    train_loss_final: float
    n_parameters: int
    n_train: int


def overfitting(seed: int = 0, *, epochs: int = 500, hidden: int = 200) -> Overfitting:
    """An MLP with ``hidden`` tanh units trained by Adam on 15 noisy points of a linear function.

    Data: ``linear`` with 5 features and noise sd 2, 30 rows split in half: about
    1,400 parameters for 15 rows, so the network can fit the noise, and does.
    """
    result = compare(
        f"linear:n_samples=30,n_features=5,noise=2.0,seed={seed}", ["mse"], model="mlp",
        hidden=(hidden,), optimizer="adam", lr=0.01, epochs=epochs, seeds=[seed],
        val_fraction=0.5,
    )  # fmt: skip
    run = result.runs[0]
    val, train = run.history["val_loss"], run.history["train_loss"]
    best = int(np.argmin(val))
    n_parameters = sum(p.size for p in run.model.params.values())
    return Overfitting(
        result, best, int(run.history["epoch"][-1]), float(val[best]), float(val[-1]),
        float(train[best]), float(train[-1]), n_parameters, int(run.split.y_train.size),
    )  # fmt: skip


# ----------------------------------------------------------------------------- (f) confidence


@dataclass(frozen=True)
class Confidence:
    """Cross-entropy of confident predictions, right and wrong, for a positive example.

    Attributes:
        probabilities: The predicted probabilities of the true class.
        losses: Their cross-entropy, ``−log p``.
        curve: ``−log p`` and its derivative over ``p`` (see :func:`loss_curves`).
    """

    probabilities: tuple[float, ...]
    losses: tuple[float, ...]
    curve: pd.DataFrame


def confidence() -> Confidence:
    """0.9 and 0.1 (seed 000's spam example), 0.51 and 0.99 (its question), and the curve."""
    spam = lessons.spam_cross_entropy()
    pair = lessons.confidence_comparison()
    return Confidence(
        tuple(spam.probabilities) + tuple(pair.probabilities),
        tuple(spam.losses) + tuple(pair.losses),
        loss_curves(["bce"]),
    )

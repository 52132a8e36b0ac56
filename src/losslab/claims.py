"""The demo's claims: what each one states, what it measures, and when it holds.

Every headline claim of the seed texts that ``losslab demo`` shows is defined
here once: its statement, a function from an experiment's result to named
numbers, and the conditions on those numbers that decide whether it holds.
The report judges each claim on one seed with :func:`evaluate`; the tests
judge the same claims, through the same function, over several seeds. A
threshold therefore lives in one place, beside the ranges measured when it
was set (seeds as in the tests, on a 2-core machine), and leaves a margin
over them.

The experiments themselves are in :mod:`losslab.experiments.demo` and
:mod:`losslab.landscape`; :attr:`Claim.experiment` names the function whose
result a claim reads.

>>> claim = Claim(
...     name="example",
...     experiment="none",
...     statement="the ratio is small",
...     measure=lambda pair: {"ratio": pair[0] / pair[1]},
...     conditions=(Condition("ratio", "<=", 0.5),),
...     describe=lambda m: f"ratio {m['ratio']:.2f}",
... )
>>> evaluate(claim, (1.0, 4.0)).holds
True
>>> evaluate(claim, (3.0, 4.0)).failed
('ratio ≤ 0.5 (measured 0.75)',)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from losslab.experiments.demo import (
        Asymmetric,
        Calibration,
        Confidence,
        Outliers,
        Overfitting,
        Saturation,
    )

__all__ = [
    "CLAIMS",
    "Claim",
    "Comparison",
    "Condition",
    "Verdict",
    "evaluate",
    "evaluate_seeds",
    "get",
]

Comparison = Literal["<", "<=", ">", ">=", "=="]

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}
_SYMBOLS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "="}


@dataclass(frozen=True)
class Condition:
    """One comparison of a measurement with a fixed limit: ``measured[name] op limit``.

    A NaN measurement satisfies no condition, so an experiment that never
    reached what it measures cannot make its claim hold.

    Attributes:
        name: The measurement compared.
        op: ``"<"``, ``"<="``, ``">"``, ``">="`` or ``"=="``.
        limit: The value it is compared with.
    """

    name: str
    op: Comparison
    limit: float

    def __post_init__(self) -> None:
        if self.op not in _OPERATORS:
            raise ValueError(f"op must be one of {sorted(_OPERATORS)}, got {self.op!r}")

    def holds(self, value: float) -> bool:
        """Whether ``value`` (the measurement) satisfies the condition."""
        return bool(_OPERATORS[self.op](value, self.limit))

    def __str__(self) -> str:
        return f"{self.name} {_SYMBOLS[self.op]} {self.limit:g}"


@dataclass(frozen=True)
class Claim:
    """A claim of the seeds, with what it measures and the conditions that judge it.

    Attributes:
        name: Short identifier, for :func:`get`.
        experiment: The function whose result :attr:`measure` reads: one of
            :mod:`losslab.experiments.demo` (``"outliers"``, ``"saturation"`` ...)
            or of :mod:`losslab.landscape` (``"convex_bowl"`` ...).
        statement: The claim in words, as the report's summary shows it.
        measure: From the experiment's result to named numbers.
        conditions: The claim holds on a result when every one of these holds.
        describe: The measurements as one line of text for the report.
        over_seeds: Conditions on the median of each measurement over several
            results; only :func:`evaluate_seeds` checks them (one result has no
            median worth judging).
    """

    name: str
    experiment: str
    statement: str
    measure: Callable[[Any], dict[str, float]]
    conditions: tuple[Condition, ...]
    describe: Callable[[Mapping[str, float]], str]
    over_seeds: tuple[Condition, ...] = ()

    def __post_init__(self) -> None:
        if not self.conditions:
            raise ValueError(f"conditions of claim {self.name!r} must not be empty")

    @property
    def rule(self) -> str:
        """The conditions judged on one result, as text: ``"huber_slope_ratio ≤ 0.35; ..."``."""
        return "; ".join(str(c) for c in self.conditions)


@dataclass(frozen=True)
class Verdict:
    """What :func:`evaluate` found.

    Attributes:
        measured: The claim's measurements (medians, from :func:`evaluate_seeds`).
        holds: Whether every condition holds.
        text: The measurements described in one line.
        failed: Each condition that does not hold, with the value measured.
    """

    measured: dict[str, float]
    holds: bool
    text: str
    failed: tuple[str, ...]


def _measure(claim: Claim, result: Any) -> dict[str, float]:
    measured = {key: float(value) for key, value in claim.measure(result).items()}
    for condition in claim.conditions + claim.over_seeds:
        if condition.name not in measured:
            raise ValueError(
                f"claim {claim.name!r} has a condition on {condition.name!r} but measures "
                f"only {sorted(measured)}"
            )
    return measured


def _failures(conditions: Sequence[Condition], measured: Mapping[str, float]) -> list[str]:
    return [
        f"{c} (measured {measured[c.name]:.4g})"
        for c in conditions
        if not c.holds(measured[c.name])
    ]


def evaluate(claim: Claim, result: Any) -> Verdict:
    """Measure ``result`` and judge ``claim`` on it.

    Args:
        claim: The claim, e.g. ``get("robust_slopes")``.
        result: What the claim's :attr:`~Claim.experiment` returned.

    Raises:
        ValueError: If a condition names a measurement the claim does not make.
    """
    measured = _measure(claim, result)
    failed = _failures(claim.conditions, measured)
    return Verdict(measured, not failed, claim.describe(measured), tuple(failed))


def evaluate_seeds(claim: Claim, results: Sequence[Any]) -> Verdict:
    """Judge ``claim`` on several results: each must hold, and so must its median conditions.

    Args:
        claim: The claim.
        results: Results of its experiment, e.g. one per seed.

    Returns:
        A :class:`Verdict` whose measurements are the medians over ``results``;
        a failure names the index of the result it came from.

    Raises:
        ValueError: If ``results`` is empty, or as :func:`evaluate`.
    """
    if not results:
        raise ValueError(f"results must not be empty for claim {claim.name!r}")
    each = [_measure(claim, result) for result in results]
    failed = [
        f"result {i}: {failure}"
        for i, measured in enumerate(each)
        for failure in _failures(claim.conditions, measured)
    ]
    medians = {key: float(np.median([m[key] for m in each])) for key in each[0]}
    failed += [f"median {failure}" for failure in _failures(claim.over_seeds, medians)]
    text = f"{claim.describe(medians)} (medians over {len(results)} results)"
    return Verdict(medians, not failed, text, tuple(failed))


def _ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``; inf for x/0 with x > 0 and NaN for 0/0, without a warning."""
    if denominator:
        return float(numerator) / float(denominator)
    return math.inf if numerator > 0 else math.nan


# ------------------------------------------------------------------ a. outliers


def _robust_slopes(result: Outliers) -> dict[str, float]:
    slope = {label: float(errors.mean()) for label, errors in result.slope_error.items()}
    intercept = {label: float(errors.mean()) for label, errors in result.intercept_error.items()}
    return {
        "mse_slope": slope["mse"],
        "mae_slope": slope["mae"],
        "huber_slope": slope["huber:delta=1"],
        "huber_slope_ratio": _ratio(slope["huber:delta=1"], slope["mse"]),
        "mae_slope_ratio": _ratio(slope["mae"], slope["mse"]),
        "huber_intercept_ratio": _ratio(intercept["huber:delta=1"], intercept["mse"]),
    }


_ROBUST_SLOPES = Claim(
    name="robust_slopes",
    experiment="outliers",
    statement="Huber's and MAE's slopes resist the outliers; MSE's is pulled",
    measure=_robust_slopes,
    conditions=(
        # Measured over data seeds 0-5 (5 run seeds each): Huber / MSE mean slope error
        # 0.083-0.141, MAE / MSE 0.054-0.236. Threshold 0.35: more than twice the worst seen.
        Condition("huber_slope_ratio", "<=", 0.35),
        Condition("mae_slope_ratio", "<=", 0.5),
        # Huber / MSE intercept error measured 0.083-0.298.
        Condition("huber_intercept_ratio", "<=", 0.5),
    ),
    describe=lambda m: (
        f"mean slope error Huber {m['huber_slope']:.3f}, MAE {m['mae_slope']:.3f}, "
        f"MSE {m['mse_slope']:.3f} (Huber / MSE {m['huber_slope_ratio']:.2f}; "
        f"intercept {m['huber_intercept_ratio']:.2f})"
    ),
)


def _constant_minimisers(result: Outliers) -> dict[str, float]:
    fit = result.constant
    return {
        "mean": fit.mean,
        "median": fit.median,
        "mse_fit": fit.fitted["mse"],
        "mae_fit": fit.fitted["mae"],
        "mse_gap": abs(fit.fitted["mse"] - fit.mean),
        "mae_gap": abs(fit.fitted["mae"] - fit.median),
        "mean_median_gap": abs(fit.mean - fit.median),
        "mae_mean_gap": abs(fit.fitted["mae"] - fit.mean),
    }


_CONSTANT_MINIMISERS = Claim(
    name="constant_minimisers",
    experiment="outliers",
    statement="a constant model finds the mean under MSE and the median under MAE",
    measure=_constant_minimisers,
    conditions=(
        # Measured: |b_mse - mean| <= 1.2e-16, |b_mae - median| 0.0003-0.0025 (data seeds 0-5).
        Condition("mse_gap", "<=", 1e-9),
        Condition("mae_gap", "<=", 0.01),
        # The two minimisers are far apart here (|mean - median| measured 0.117-0.315),
        # so the conditions above tell them apart.
        Condition("mean_median_gap", ">", 0.1),
        Condition("mae_mean_gap", ">", 0.08),
    ),
    describe=lambda m: (
        f"mean {m['mean']:.3f}, MSE's b {m['mse_fit']:.3f}; median {m['median']:.3f}, "
        f"MAE's b {m['mae_fit']:.3f}"
    ),
)


# ------------------------------------------------------------------ b. saturation


def _saturation(result: Saturation) -> dict[str, float]:
    ce = result.epochs_to_target["cross-entropy"]
    mse = result.epochs_to_target["mse on σ(z)"]
    # A censored MSE (never reached the target) counts as the epochs trained: conservative.
    mse_epochs = result.epochs if math.isnan(mse) else mse
    return {
        "initial_logit": result.initial_logit,
        "initial_accuracy": result.initial_accuracy,
        "ce_epochs": ce,
        "mse_epochs": mse,
        "epochs": result.epochs,
        "epoch_ratio": _ratio(ce, mse_epochs),
    }


def _describe_saturation(m: Mapping[str, float]) -> str:
    mse = f"{m['mse_epochs']:.0f}" if math.isfinite(m["mse_epochs"]) else "never"
    return (
        f"start: median |z| {m['initial_logit']:.1f}, accuracy {m['initial_accuracy']:.2f}; "
        f"epochs to 90 % val accuracy: CE {m['ce_epochs']:.0f}, MSE {mse} "
        f"(of {m['epochs']:.0f})"
    )


_SATURATION = Claim(
    name="saturation",
    experiment="saturation",
    statement="cross-entropy escapes a saturated sigmoid, MSE on σ(z) plateaus",
    measure=_saturation,
    conditions=(
        Condition("initial_logit", ">", 8),  # measured 10.4-12.4: saturated
        Condition("initial_accuracy", "<", 0.2),  # and wrong
        # Measured: CE reaches 90 % val accuracy at epoch 6-7 (seeds 0-4); MSE on σ(z)
        # never within 300 epochs (683 epochs when run for 3000, seed 0), so the ratio
        # "CE needs under a tenth of MSE's epochs" is read against a censored 300.
        Condition("epoch_ratio", "<=", 0.1),
    ),
    describe=_describe_saturation,
)


# ------------------------------------------------------------------ c. calibration


def _calibration(result: Calibration) -> dict[str, float]:
    plateau, final = result.at(result.plateau_epoch), result.history.final
    return {
        "plateau_epoch": result.plateau_epoch,
        "accuracy_spread": float(np.ptp(result.history["val_accuracy"][result.plateau_epoch :])),
        "accuracy_plateau": plateau["val_accuracy"],
        "accuracy_final": final["val_accuracy"],
        "log_loss_plateau": plateau["val_log_loss"],
        "log_loss_final": final["val_log_loss"],
        "ece_plateau": plateau["val_ece"],
        "ece_final": final["val_ece"],
        "log_loss_fall": _ratio(plateau["val_log_loss"], final["val_log_loss"]),
        "ece_fall": _ratio(plateau["val_ece"], final["val_ece"]),
    }


_CALIBRATION = Claim(
    name="calibration",
    experiment="calibration",
    statement="the loss keeps falling while accuracy stays flat, as calibration improves",
    measure=_calibration,
    conditions=(
        # Measured: accuracy settles (within 0.01 of final) by epoch 1 of 300, seeds 0-4.
        Condition("plateau_epoch", "<=", 15),
        Condition("accuracy_spread", "<=", 0.02),
        # Measured after the plateau: log loss falls 6.0-9.5x, ECE 12.6-30x.
        Condition("log_loss_fall", ">=", 3),
        Condition("ece_fall", ">=", 4),
    ),
    describe=lambda m: (
        f"after epoch {m['plateau_epoch']:.0f}: accuracy {m['accuracy_plateau']:.3f} -> "
        f"{m['accuracy_final']:.3f}, log loss {m['log_loss_plateau']:.3f} -> "
        f"{m['log_loss_final']:.3f}, ECE {m['ece_plateau']:.3f} -> {m['ece_final']:.3f}"
    ),
)


# ------------------------------------------------------------------ d. asymmetric costs


def _asymmetric(result: Asymmetric) -> dict[str, float]:
    plain, weighted = list(result.false_negatives)
    fn_plain, fn_weighted = result.false_negatives[plain], result.false_negatives[weighted]
    fp_plain, fp_weighted = result.false_positives[plain], result.false_positives[weighted]
    return {
        "fn_plain": int(fn_plain.sum()),
        "fn_weighted": int(fn_weighted.sum()),
        "fp_plain": int(fp_plain.sum()),
        "fp_weighted": int(fp_weighted.sum()),
        "fewer_fn_share": float(np.mean(fn_weighted < fn_plain)),
        "more_fp_share": float(np.mean(fp_weighted > fp_plain)),
        "fn_ratio": _ratio(fn_weighted.sum(), fn_plain.sum()),
        "fp_ratio": _ratio(fp_weighted.sum(), fp_plain.sum()),
    }


_ASYMMETRIC = Claim(
    name="asymmetric_costs",
    experiment="asymmetric",
    statement="pos_weight 5 trades false negatives for false positives",
    measure=_asymmetric,
    conditions=(
        # Every run: fewer FN and more FP with pos_weight 5 (held in all 15 runs measured).
        Condition("fewer_fn_share", "==", 1),
        Condition("more_fp_share", "==", 1),
        # Totals measured (data seeds 0-4): FN ratio 0.13-0.21, FP ratio 2.5-3.2.
        Condition("fn_ratio", "<=", 0.4),
        Condition("fp_ratio", ">=", 1.8),
    ),
    describe=lambda m: (
        f"validation totals over the runs: FN {m['fn_plain']:.0f} -> {m['fn_weighted']:.0f}, "
        f"FP {m['fp_plain']:.0f} -> {m['fp_weighted']:.0f}"
    ),
)


# ------------------------------------------------------------------ e. overfitting


def _overfitting(result: Overfitting) -> dict[str, float]:
    return {
        "params_per_row": _ratio(result.n_parameters, result.n_train),
        "best_epoch": result.best_epoch,
        "final_epoch": result.final_epoch,
        "val_loss_best": result.val_loss_best,
        "val_loss_final": result.val_loss_final,
        "train_loss_best": result.train_loss_best,
        "train_loss_final": result.train_loss_final,
        "train_ratio": _ratio(result.train_loss_final, result.train_loss_best),
        "val_ratio": _ratio(result.val_loss_final, result.val_loss_best),
    }


_OVERFITTING = Claim(
    name="overfitting",
    experiment="overfitting",
    statement="training loss keeps falling while validation loss rises",
    measure=_overfitting,
    conditions=(
        Condition("params_per_row", ">", 50),
        # Measured best epochs 11-42 of 500 (seeds 0-4).
        Condition("best_epoch", "<=", 100),
        Condition("final_epoch", ">", 100),
        # The objective keeps falling: train loss at the end / at the best epoch
        # measured 1e-18 to 1.8e-3.
        Condition("train_ratio", "<=", 0.05),
        # The goal gets worse: val loss final / best measured 1.07-5.44.
        Condition("val_ratio", ">", 1),
    ),
    # Median over seeds 0-4 measured 2.26.
    over_seeds=(Condition("val_ratio", ">=", 1.5),),
    describe=lambda m: (
        f"val loss lowest at epoch {m['best_epoch']:.0f} ({m['val_loss_best']:.3f}), "
        f"{m['val_loss_final']:.3f} at epoch {m['final_epoch']:.0f}; train loss "
        f"{m['train_loss_best']:.3f} -> {m['train_loss_final']:.4f}"
    ),
)


# ------------------------------------------------------------------ f. confidence


def _confidence(result: Confidence) -> dict[str, float]:
    by_p = dict(zip(result.probabilities, result.losses, strict=True))
    return {
        "loss_0.9": by_p[0.9],
        "loss_0.1": by_p[0.1],
        "loss_0.51": by_p[0.51],
        "loss_0.99": by_p[0.99],
        "wrong_ratio": _ratio(by_p[0.1], by_p[0.9]),
        "right_ratio": _ratio(by_p[0.51], by_p[0.99]),
    }


_CONFIDENCE = Claim(
    name="confident_wrong",
    experiment="confidence",
    statement="confident wrong answers cost most",
    measure=_confidence,
    conditions=(
        # Exact, no seed: −log 0.1 / −log 0.9 = 21.85 and −log 0.51 / −log 0.99 = 67.0;
        # the limits say "over an order of magnitude" with room for rounding.
        Condition("wrong_ratio", ">=", 20),
        Condition("right_ratio", ">=", 60),
    ),
    describe=lambda m: (
        f"−log 0.9 = {m['loss_0.9']:.3f}, −log 0.1 = {m['loss_0.1']:.3f}; "
        f"−log 0.51 = {m['loss_0.51']:.3f}, −log 0.99 = {m['loss_0.99']:.4f}"
    ),
)


# ------------------------------------------------------------------ g. landscape


def _convex_bowl(result: Mapping[str, Any]) -> dict[str, float]:
    exact = result["eigenvalues"]
    lanczos = np.array([result["smallest"], result["largest"]])
    return {
        "smallest": float(exact[0]),
        "largest": float(exact[-1]),
        "lanczos_smallest": float(lanczos[0]),
        "lanczos_gap": float(np.max(np.abs(lanczos / exact[[0, -1]] - 1.0))),
    }


_CONVEX_BOWL = Claim(
    name="convex_bowl",
    experiment="convex_bowl",
    statement="linear regression under MSE is a convex bowl",
    measure=_convex_bowl,
    conditions=(
        # Seed 0, measured: eigenvalues of the exact H = (2/n) X̃ᵀX̃ 1.842 to 2.006.
        Condition("smallest", ">", 0),
        # Lanczos at the origin agrees with the exact extremes to eigsh's tolerance.
        Condition("lanczos_gap", "<=", 1e-8),
    ),
    describe=lambda m: (
        f"Hessian eigenvalues {m['smallest']:.4g} to {m['largest']:.4g} "
        f"(Lanczos smallest {m['lanczos_smallest']:.4g})"
    ),
)


def _xor_saddle(result: Mapping[str, Any]) -> dict[str, float]:
    point = result["point"]
    return {
        "saddle": float(point.kind == "saddle"),
        "grad_norm": point.grad_norm,
        "smallest": point.smallest_eigenvalue,
        "predicted_smallest": result["predicted_smallest"],
        "prediction_gap": abs(point.smallest_eigenvalue - result["predicted_smallest"]),
        "largest": point.largest_eigenvalue,
    }


_XOR_SADDLE = Claim(
    name="xor_saddle",
    experiment="xor_saddle",
    statement="a tanh network on XOR has a saddle at zero weights",
    measure=_xor_saddle,
    conditions=(
        Condition("saddle", "==", 1),
        Condition("grad_norm", "<", 1e-12),  # zero in exact arithmetic
        # Seed 0, measured: −0.0418 (Lanczos), equal to the predicted −‖c‖.
        Condition("smallest", "<", -0.01),
        # The analytic value −‖c‖ (losslab.landscape.xor_saddle) to Lanczos accuracy.
        Condition("prediction_gap", "<", 1e-9),
        Condition("largest", ">", 0.2),  # ȳ(1 − ȳ) ≈ 0.249
    ),
    describe=lambda m: (
        f"{'a saddle' if m['saddle'] else 'not a saddle'}: gradient norm "
        f"{m['grad_norm']:.1e}, smallest eigenvalue {m['smallest']:.4f} (predicted −‖c‖ = "
        f"{m['predicted_smallest']:.4f}), largest {m['largest']:.4f}"
    ),
)


def _sigmoid_plateau(result: Mapping[str, Any]) -> dict[str, float]:
    mse, bce = result["mse"], result["bce"]
    return {
        "flat": float(mse.kind == "flat"),
        "mse_grad_norm": mse.grad_norm,
        "mse_loss": mse.loss,
        "bce_grad_norm": bce.grad_norm,
        "grad_ratio": _ratio(bce.grad_norm, mse.grad_norm),
    }


_SIGMOID_PLATEAU = Claim(
    name="sigmoid_plateau",
    experiment="sigmoid_plateau",
    statement="MSE on a saturated sigmoid is a plateau where cross-entropy is steep",
    measure=_sigmoid_plateau,
    conditions=(
        Condition("flat", "==", 1),
        Condition("mse_grad_norm", "<", 1e-3),
        Condition("mse_loss", ">", 0.2),  # far from the minimum, yet flat
        Condition("grad_ratio", ">", 1e3),  # measured ~4e5
    ),
    describe=lambda m: (
        f"{'flat' if m['flat'] else 'not flat'} under MSE: loss {m['mse_loss']:.3f}, "
        f"gradient norm {m['mse_grad_norm']:.1e}; cross-entropy's {m['bce_grad_norm']:.3g}"
    ),
)


CLAIMS: tuple[Claim, ...] = (
    _ROBUST_SLOPES,
    _CONSTANT_MINIMISERS,
    _SATURATION,
    _CALIBRATION,
    _ASYMMETRIC,
    _OVERFITTING,
    _CONFIDENCE,
    _CONVEX_BOWL,
    _XOR_SADDLE,
    _SIGMOID_PLATEAU,
)
"""Every claim, in the order of the demo's report."""


def get(name: str) -> Claim:
    """The claim called ``name``.

    Raises:
        ValueError: If no claim has that name.
    """
    for claim in CLAIMS:
        if claim.name == name:
            return claim
    raise ValueError(f"name must be one of {[c.name for c in CLAIMS]}, got {name!r}")

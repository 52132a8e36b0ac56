"""The rules that turn diagnostics into candidate losses, written once as data.

:data:`RULES` is the table the documentation shows and the recommendation
prints: each rule says when it applies (in words and as the threshold the
code checks), which losses it calls for, and why. :func:`select` applies it.

Robust thresholds come from a robust scale σ of the baseline's residuals
(1.4826 × MAD, the normal-consistent median absolute deviation) times the
usual 95 %-efficiency constants: Huber δ = 1.345σ, Cauchy scale = 2.385σ,
Tukey c = 4.685σ. In a comparison the scale is measured again on each
training fold, so no held-out row sets a parameter.

>>> [rule.key for rule in RULES][:3]
['reference', 'heavy_tails', 'asymmetric_costs']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losslab import losses as _losses
from losslab.specs import parse_spec

__all__ = [
    "CLASSIFICATION_METRICS",
    "PROBABILITY_METRICS",
    "REGRESSION_METRICS",
    "RULES",
    "Candidate",
    "Rule",
    "is_proper",
    "metric_direction",
    "rules_markdown",
    "select",
    "user_candidate",
]

HUBER_EFFICIENCY = 1.345
CAUCHY_EFFICIENCY = 2.385
TUKEY_EFFICIENCY = 4.685

# Thresholds the rules check (named so the table and the code say the same).
OUTLIER_FRACTION = 0.01
HILL_INDEX = 4.0
EXCESS_KURTOSIS = 1.0
BP_PVALUE = 0.01
MINORITY_SHARE = 0.2
LABEL_NOISE = 0.1
SEPARABLE_AUC = 0.995

REGRESSION_METRICS: dict[str, str] = {
    "mse": "min", "rmse": "min", "mae": "min", "r2": "max", "pinball": "min",
}  # fmt: skip
"""Regression metrics the comparison can score, and which way is better."""
CLASSIFICATION_METRICS: dict[str, str] = {
    "accuracy": "max", "balanced_accuracy": "max", "f1": "max", "roc_auc": "max",
    "log_loss": "min", "brier": "min", "expected_cost": "min",
}  # fmt: skip
"""Classification metrics the comparison can score, and which way is better."""
PROBABILITY_METRICS = frozenset({"log_loss", "brier"})
"""Metrics read from predicted probabilities: only proper losses give them (roc_auc reads
the margin, which every loss gives)."""


@dataclass(frozen=True)
class Rule:
    """One row of the rules table.

    Attributes:
        key: Short identifier, recorded in the advice.
        task: ``"regression"``, ``"classification"`` or ``"any"``.
        when: The condition, in words, with the threshold the code checks.
        losses: The losses it calls for, as the table prints them.
        why: The reason, in one sentence.
    """

    key: str
    task: str
    when: str
    losses: str
    why: str


RULES: tuple[Rule, ...] = (
    Rule(
        "reference",
        "any",
        "always",
        "mse (regression); bce_with_logits / cross_entropy (classification)",
        "The reference every other loss must beat: efficient under Gaussian noise, "
        "and a proper scoring rule for classes.",
    ),
    Rule(
        "heavy_tails",
        "regression",
        f"outlier fraction (|robust z| > 3.5) > {OUTLIER_FRACTION:.0%}, or Hill tail index "
        f"< {HILL_INDEX:g} with excess kurtosis > {EXCESS_KURTOSIS:g}",
        f"huber δ={HUBER_EFFICIENCY}σ, cauchy scale={CAUCHY_EFFICIENCY}σ, "
        f"tukey c={TUKEY_EFFICIENCY}σ (σ = 1.4826·MAD of baseline residuals)",
        "Bounded influence: a gross error moves the fit by a bounded amount instead of "
        "its square; the constants keep 95% efficiency when the noise is Gaussian after all.",
    ),
    Rule(
        "asymmetric_costs",
        "regression",
        "metric pinball:q=Q with Q ≠ 0.5",
        "quantile q=Q, expectile tau=Q",
        "Under- and over-prediction cost differently: the quantile loss targets the "
        "Q-quantile the metric rewards, the expectile its smooth counterpart.",
    ),
    Rule(
        "counts",
        "regression",
        "targets are non-negative integers (not all 0/1)",
        "poisson_nll, tweedie power=1.5",
        "Counts have variance growing with the mean; a log link keeps predictions "
        "positive and the deviance weights rows by their variance.",
    ),
    Rule(
        "positive",
        "regression",
        "targets are positive, not counts, and skewed (skew > 1) or heteroscedastic",
        "gamma_nll, tweedie power=1.5",
        "Positive skewed targets with spread growing with the level: the Gamma deviance "
        "measures relative error.",
    ),
    Rule(
        "heteroscedastic",
        "regression",
        f"Breusch–Pagan p < {BP_PVALUE:g} (residual variance depends on the features)",
        "huber δ=1.345σ; with positive targets also gamma_nll",
        "Rows with large variance dominate a squared loss; a bounded-influence loss or a "
        "variance-aware deviance weighs them down.",
    ),
    Rule(
        "imbalance",
        "classification",
        f"smallest class share < {MINORITY_SHARE:.0%}",
        "class weights 'balanced', focal gamma=2 (with balanced weights)",
        "A rare class contributes little to an unweighted mean loss, so the decision "
        "threshold drifts away from it; weights restore its share. Weights change "
        "probabilities: skipped when a probability metric is asked for.",
    ),
    Rule(
        "cost_matrix",
        "classification",
        "a cost matrix is given (--cost-matrix)",
        "cost-sensitive class weights (weight of class i ∝ its mean misclassification cost)",
        "Rows whose mistakes cost more count more, which moves the decision threshold to "
        "where the expected cost is lowest; the metric becomes the expected cost.",
    ),
    Rule(
        "probabilities",
        "classification",
        "metric read from probabilities (log_loss, brier)",
        "proper losses only: bce_with_logits / cross_entropy, mse_probability / brier",
        "Only a proper scoring rule is minimised by the true probabilities; focal, hinge "
        "and class weights bias them.",
    ),
    Rule(
        "label_noise",
        "classification",
        f"cross-validated disagreement > {LABEL_NOISE:.0%}",
        "mse_probability (binary) / brier (multiclass): bounded losses",
        "A bounded loss caps what a mislabelled row costs, so wrong labels pull less "
        "than under the unbounded log loss.",
    ),
    Rule(
        "separable",
        "classification",
        f"cross-validated ROC AUC > {SEPARABLE_AUC:g}",
        "hinge (binary)",
        "On separable data the logistic loss keeps pushing the weights out; a margin "
        "loss stops once every row clears the margin.",
    ),
)
"""The rules table: the docs print it, :func:`select` applies it."""


def rules_markdown() -> str:
    """The rules table as Markdown (README and docs).

    >>> rules_markdown().splitlines()[0]
    '| rule | when | losses | why |'
    """
    lines = ["| rule | when | losses | why |", "| --- | --- | --- | --- |"]
    for rule in RULES:
        cells = (rule.key, rule.when, rule.losses, rule.why)
        # A bar inside a cell (|robust z|) would end the cell; Markdown escapes it.
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


@dataclass(frozen=True)
class Candidate:
    """A loss to compare, with where its parameters come from.

    Attributes:
        label: Unique name in the comparison (``"huber"``, ``"bce_with_logits+balanced"``).
        loss: Loss name in the catalogue.
        params: Fixed loss parameters.
        scaled: Parameters set to ``constant × σ``, σ the robust scale of the
            baseline residuals on the training rows.
        class_weight: ``None``, ``"balanced"`` or ``{class index: weight}``.
        rule: The key of the rule that proposed it (``"user"`` for ``--candidates``).
    """

    label: str
    loss: str
    params: Mapping[str, Any] = field(default_factory=dict)
    scaled: Mapping[str, float] = field(default_factory=dict)
    class_weight: Any = None
    rule: str = "reference"

    def loss_params(self, scale: float | None) -> dict[str, Any]:
        """The loss parameters, the scaled ones at robust scale ``scale``."""
        params = dict(self.params)
        if self.scaled:
            if scale is None or not np.isfinite(scale) or scale <= 0:
                raise ValueError(f"candidate {self.label!r} needs a positive robust scale")
            params.update({key: float(c * scale) for key, c in self.scaled.items()})
        return params

    def describe(self, scale: float | None = None) -> str:
        """``huber delta=1.41`` style text; scaled parameters as ``1.345σ`` without a scale."""
        parts = [f"{k}={_short(v)}" for k, v in self.params.items()]
        for key, c in self.scaled.items():
            parts.append(f"{key}={_short(c * scale)}" if scale else f"{key}={c}σ")
        if self.class_weight is not None:
            weight = self.class_weight
            if isinstance(weight, Mapping):
                weight = "{" + ", ".join(f"{k}: {_short(v)}" for k, v in weight.items()) + "}"
            parts.append(f"class_weight={weight}")
        return " ".join([self.loss, *parts])

    def key(self) -> dict[str, Any]:
        """What identifies the candidate in a results store."""
        weight = self.class_weight
        if isinstance(weight, Mapping):
            weight = {str(k): float(v) for k, v in weight.items()}
        return {"loss": self.loss, "params": _plain(self.params),
                "scaled": _plain(self.scaled), "class_weight": weight}  # fmt: skip


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _plain(params: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): (list(v) if isinstance(v, tuple) else v) for k, v in sorted(params.items())}


def user_candidate(spec: str, task: str) -> Candidate:
    """A candidate from a loss spec string (``"huber:delta=2"``) given by the user.

    Raises:
        ValueError: Naming ``candidates`` for an unknown loss or one of another task.
    """
    try:
        name, params = parse_spec(spec, "candidates")
        loss = _losses.get(name, **params)
    except (TypeError, ValueError) as error:
        raise ValueError(f"candidates: {error}") from None
    wanted = "regression" if task == "regression" else ("binary", "multiclass")
    if loss.task not in wanted and not (task == "multiclass" and loss.task == "binary"):
        raise ValueError(f"candidates: {spec!r} is a {loss.task} loss; the task is {task}")
    if task == "multiclass" and loss.task == "binary":
        raise ValueError(f"candidates: {spec!r} is a binary loss; the task is multiclass")
    return Candidate(spec, name, dict(params), rule="user")


def _balanced(task: str) -> str:
    return "bce_with_logits" if task == "binary" else "cross_entropy"


def select(
    diagnostics: Mapping[str, float],
    task: str,
    metric: str,
    *,
    quantile: float | None = None,
    cost_matrix: np.ndarray | None = None,
) -> tuple[list[Candidate], list[str]]:
    """Apply :data:`RULES` to the diagnostics: the candidates and the keys of the rules that fired.

    Args:
        diagnostics: Diagnostic values by key (see :mod:`losslab.advisor._diagnostics`).
        task: ``"regression"``, ``"binary"`` or ``"multiclass"``.
        metric: The metric the comparison ranks by.
        quantile: Q of a ``pinball`` metric.
        cost_matrix: K x K costs, when given.
    """
    fired = ["reference"]
    if task == "regression":
        out = [Candidate("mse", "mse")]
        heavy = diagnostics["outlier_fraction"] > OUTLIER_FRACTION or (
            diagnostics["hill_index"] < HILL_INDEX
            and diagnostics["excess_kurtosis"] > EXCESS_KURTOSIS
        )
        hetero = diagnostics["breusch_pagan_p"] < BP_PVALUE
        if heavy or hetero:
            fired += ["heavy_tails"] if heavy else []
            fired += ["heteroscedastic"] if hetero else []
            rule = "heavy_tails" if heavy else "heteroscedastic"
            out.append(Candidate("huber", "huber", scaled={"delta": HUBER_EFFICIENCY}, rule=rule))
        if heavy:
            out.append(Candidate("cauchy", "cauchy", scaled={"scale": CAUCHY_EFFICIENCY},
                                 rule="heavy_tails"))  # fmt: skip
            out.append(Candidate("tukey", "tukey", scaled={"c": TUKEY_EFFICIENCY},
                                 rule="heavy_tails"))  # fmt: skip
        if quantile is not None and quantile != 0.5:
            fired.append("asymmetric_costs")
            out.append(Candidate("quantile", "quantile", {"q": quantile}, rule="asymmetric_costs"))
            out.append(
                Candidate("expectile", "expectile", {"tau": quantile}, rule="asymmetric_costs")
            )
        if diagnostics["counts"]:
            fired.append("counts")
            out.append(Candidate("poisson_nll", "poisson_nll", rule="counts"))
            out.append(Candidate("tweedie", "tweedie", {"power": 1.5}, rule="counts"))
        elif diagnostics["positive"] and (diagnostics["target_skew"] > 1 or hetero):
            fired.append("positive")
            out.append(Candidate("gamma_nll", "gamma_nll", rule="positive"))
            out.append(Candidate("tweedie", "tweedie", {"power": 1.5}, rule="positive"))
        return out, fired

    base = _balanced(task)
    out = [Candidate(base, base)]
    wants_probabilities = metric in PROBABILITY_METRICS
    if wants_probabilities:
        fired.append("probabilities")
    if cost_matrix is not None:
        fired.append("cost_matrix")
        k = cost_matrix.shape[0]
        mean_cost = cost_matrix.sum(axis=1) / (k - 1)
        if np.any(mean_cost > 0):
            weights = mean_cost / mean_cost[mean_cost > 0].mean()
            weights = np.where(weights > 0, weights, 1e-3)
            weight = {i: float(w) for i, w in enumerate(weights)}
            out.append(Candidate(f"{base}+costs", base, class_weight=weight, rule="cost_matrix"))
    if diagnostics["minority_share"] < MINORITY_SHARE and not wants_probabilities:
        fired.append("imbalance")
        out.append(Candidate(f"{base}+balanced", base, class_weight="balanced", rule="imbalance"))
        focal = "focal" if task == "binary" else "softmax_focal"
        out.append(Candidate(f"{focal}+balanced", focal, {"gamma": 2.0},
                             class_weight="balanced", rule="imbalance"))  # fmt: skip
    if diagnostics["label_noise"] > LABEL_NOISE:
        fired.append("label_noise")
        bounded = "mse_probability" if task == "binary" else "brier"
        out.append(Candidate(bounded, bounded, rule="label_noise"))
    if task == "binary" and diagnostics["cv_auc"] > SEPARABLE_AUC and not wants_probabilities:
        fired.append("separable")
        out.append(Candidate("hinge", "hinge", rule="separable"))
    return out, fired


def metric_direction(metric: str, task: str) -> str:
    """``"min"`` or ``"max"`` for ``metric`` on ``task``.

    Raises:
        ValueError: Naming ``metric`` when it does not fit the task.
    """
    table = REGRESSION_METRICS if task == "regression" else CLASSIFICATION_METRICS
    if metric not in table:
        other = CLASSIFICATION_METRICS if task == "regression" else REGRESSION_METRICS
        hint = f" ({metric!r} is a metric for another task)" if metric in other else ""
        raise ValueError(
            f"metric {metric!r} does not fit a {task} task{hint}; choose one of {sorted(table)}"
        )
    return table[metric]


def is_proper(candidate: Candidate) -> bool:
    """Whether the candidate gives probabilities: a proper loss without class weights."""
    properties = _losses.get(candidate.loss).properties
    return bool(properties.proper) and candidate.class_weight is None

"""The advice record: what :func:`losslab.advise` returns and ``losslab advise --json`` prints."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from losslab.advisor._diagnostics import Diagnostic
from losslab.advisor._rules import RULES, Candidate

__all__ = ["Advice"]


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return _plain(value.item())
    return value


@dataclass
class Advice:
    """Which loss for these data, with the evidence.

    Attributes:
        task: ``"regression"``, ``"binary"`` or ``"multiclass"``.
        metric: The metric the comparison ranked by (``"pinball:q=0.9"`` style when it has a Q).
        direction: ``"min"`` or ``"max"``: which way the metric is better.
        n_samples: Rows.
        n_features: Feature columns after preprocessing.
        folds: Folds per seed.
        seeds: Seeds (shuffles of the folds).
        level: Confidence level of the intervals.
        margin: Practical-equivalence margin, a share of the best mean.
        diagnostics: The numbers about the data.
        rules: Keys of the rules of :data:`~losslab.advisor._rules.RULES` that fired.
        candidates: The losses compared.
        comparison: One row per candidate, best first (see
            :func:`~losslab.advisor._resampling.paired_comparison`).
        recommended: Label of the recommended candidate (the best mean).
        loss: Its loss name; ``params`` its parameters on all rows (robust
            scale of the full data); ``class_weight`` its class weights.
        tied: Labels tied with the best (the recommendation's tie set).
        runner_up: The best candidate after the recommended one, or None.
        trade_off: One sentence on what the runner-up gives and costs.
        runs_new: Units run now; ``runs_reused``: read from the store.
        scores: Every unit's score (label, seed, fold, score, ...).
        notes: Notes on the run (defaults chosen, unconverged fits).
        arrays: Arrays the report's figures draw (not in :meth:`to_dict`).
    """

    task: str
    metric: str
    direction: str
    n_samples: int
    n_features: int
    folds: int
    seeds: int
    level: float
    margin: float
    diagnostics: list[Diagnostic]
    rules: list[str]
    candidates: list[Candidate]
    comparison: list[dict[str, Any]]
    recommended: str
    loss: str
    params: dict[str, Any]
    class_weight: Any
    tied: list[str]
    runner_up: str | None
    trade_off: str
    runs_new: int
    runs_reused: int
    scores: list[dict[str, Any]] = field(repr=False, default_factory=list)
    notes: list[str] = field(default_factory=list)
    arrays: dict[str, Any] = field(repr=False, default_factory=dict)

    def diagnostic(self, key: str) -> Diagnostic:
        """The diagnostic with ``key``."""
        for item in self.diagnostics:
            if item.key == key:
                return item
        raise KeyError(f"no diagnostic {key!r}; have {[d.key for d in self.diagnostics]}")

    def row(self, label: str) -> dict[str, Any]:
        """The comparison row of candidate ``label``."""
        for row in self.comparison:
            if row["label"] == label:
                return row
        raise KeyError(f"no candidate {label!r}; have {[r['label'] for r in self.comparison]}")

    def applied_rules(self) -> list[dict[str, str]]:
        """The rows of the rules table that fired, as dicts."""
        return [{"key": r.key, "when": r.when, "losses": r.losses, "why": r.why}
                for r in RULES if r.key in self.rules]  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """The record in plain JSON types (no figure arrays); non-finite numbers become None."""
        scale = None
        for item in self.diagnostics:
            if item.key == "robust_scale":
                scale = item.value
        return _plain({
            "task": self.task, "metric": self.metric, "direction": self.direction,
            "n_samples": self.n_samples, "n_features": self.n_features,
            "folds": self.folds, "seeds": self.seeds, "level": self.level,
            "margin": self.margin,
            "recommendation": {
                "label": self.recommended, "loss": self.loss, "params": self.params,
                "class_weight": self.class_weight, "tied": self.tied,
                "runner_up": self.runner_up, "trade_off": self.trade_off,
            },
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "rules": self.applied_rules(),
            "candidates": [{"label": c.label, "rule": c.rule, "spec": c.describe(scale),
                            **c.key()} for c in self.candidates],
            "comparison": self.comparison,
            "runs": {"new": self.runs_new, "reused": self.runs_reused},
            "scores": self.scores,
            "notes": self.notes,
        })  # fmt: skip

    def to_json(self, indent: int | None = 1) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

"""Which loss for my data: diagnostics, candidates by readable rules, a paired comparison.

:func:`advise` diagnoses the data (:mod:`~losslab.advisor._diagnostics`),
chooses candidate losses by the rules table :data:`RULES`
(:mod:`~losslab.advisor._rules`), compares them on k folds × seeds with the
corrected resampled t-test (:mod:`~losslab.advisor._resampling`) and returns
an :class:`Advice` record; :func:`print_advice` and :func:`advice_report`
show it in the terminal and as a self-contained HTML page. From the command
line: ``losslab advise DATA.csv --target y``.
"""

from losslab._optional import require

require("sklearn", "losslab.advisor")

from losslab.advisor._advice import Advice
from losslab.advisor._advisor import advise
from losslab.advisor._diagnostics import (
    Diagnostic,
    bowley_skew,
    breusch_pagan,
    hill_index,
    robust_scale,
    robust_z,
)
from losslab.advisor._resampling import corrected_interval, paired_comparison
from losslab.advisor._rules import RULES, Candidate, Rule, rules_markdown

__all__ = [
    "RULES",
    "Advice",
    "Candidate",
    "Diagnostic",
    "Rule",
    "advice_report",
    "advise",
    "bowley_skew",
    "breusch_pagan",
    "corrected_interval",
    "hill_index",
    "paired_comparison",
    "print_advice",
    "robust_scale",
    "robust_z",
    "rules_markdown",
]


def __getattr__(name: str):
    # The report pulls in matplotlib and Rich tables; load it only when asked for.
    if name in ("advice_report", "print_advice"):
        from losslab.advisor import _report

        return getattr(_report, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

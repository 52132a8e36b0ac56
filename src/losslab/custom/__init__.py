"""Custom objectives: cost-sensitive and asymmetric losses, losses from expressions, adapters.

Every loss built here is a :class:`losslab.losses.Loss` (value, exact
gradient, exact Hessian diagonal, shared reductions and input checks), so it
works wherever a catalogue loss does: ``losslab.estimators``,
``losslab.train.fit``, and through the adapters XGBoost, LightGBM and
PyTorch. :func:`xgboost_params` and :func:`lightgbm_params` set a booster up
to train a loss as its built-in objectives train theirs (start, ``num_class``,
Hessian convention), and the ``XGBoostLoss*`` / ``LightGBMLoss*`` estimators
wrap them for scikit-learn. The LINEX, asymmetric-squared, cost-sensitive
and cost-matrix losses are definitions (:func:`from_definition`), the last
three sharing the formula of a catalogue loss, and run on the fused path as
the catalogue does.

Losses from expressions need SymPy (``pip install 'losslab[symbolic]'``) and the
booster estimators scikit-learn (``losslab[sklearn]``); their names are imported
on first use, so the rest of this package loads without either.
"""

from typing import Any

from losslab.custom._adapters import (
    base_margin,
    lightgbm_objective,
    lightgbm_train_objective,
    margin_derivatives,
    torch_loss,
    xgboost_objective,
    xgboost_train_objective,
)
from losslab.custom._asymmetric import AsymmetricSquared, Linex, asymmetric_squared, linex
from losslab.custom._boosters import (
    LightGBMSetup,
    XGBoostSetup,
    booster_derivatives,
    lightgbm_params,
    xgboost_params,
)
from losslab.custom._checks import central_difference, finite_difference_errors
from losslab.custom._costs import (
    CostMatrixCrossEntropy,
    CostSensitiveBCE,
    ThresholdChoice,
    bayes_decision,
    bayes_threshold,
    best_threshold,
    binary_costs,
    class_weights_from_costs,
    cost_at_threshold,
    cost_matrix_cross_entropy,
    cost_sensitive_bce,
    expected_cost,
    expected_cost_softmax,
    threshold_summary,
)
from losslab.custom._loss import CustomLoss, from_definition

# Names whose modules need an extra, imported on first use: name -> (module, extra).
_LAZY = {
    "FUNCTIONS": ("_expression", "symbolic"),
    "MAX_LENGTH": ("_expression", "symbolic"),
    "ExpressionError": ("_expression", "symbolic"),
    "UnsafeExpressionError": ("_expression", "symbolic"),
    "parse_expression": ("_expression", "symbolic"),
    "Derivation": ("_symbolic", "symbolic"),
    "ExpressionLoss": ("_symbolic", "symbolic"),
    "derive": ("_symbolic", "symbolic"),
    "expression_loss": ("_symbolic", "symbolic"),
    "run_custom_check": ("_cli", "symbolic"),
    "LightGBMLossClassifier": ("_booster_estimators", "sklearn"),
    "LightGBMLossRegressor": ("_booster_estimators", "sklearn"),
    "XGBoostLossClassifier": ("_booster_estimators", "sklearn"),
    "XGBoostLossRegressor": ("_booster_estimators", "sklearn"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'losslab.custom' has no attribute {name!r}")
    import importlib

    from losslab._optional import require

    module, extra = _LAZY[name]
    require(extra, f"losslab.custom.{name}")
    value = getattr(importlib.import_module(f"losslab.custom.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "FUNCTIONS",
    "MAX_LENGTH",
    "AsymmetricSquared",
    "CostMatrixCrossEntropy",
    "CostSensitiveBCE",
    "CustomLoss",
    "Derivation",
    "ExpressionError",
    "ExpressionLoss",
    "LightGBMLossClassifier",
    "LightGBMLossRegressor",
    "LightGBMSetup",
    "Linex",
    "ThresholdChoice",
    "UnsafeExpressionError",
    "XGBoostLossClassifier",
    "XGBoostLossRegressor",
    "XGBoostSetup",
    "asymmetric_squared",
    "base_margin",
    "bayes_decision",
    "bayes_threshold",
    "best_threshold",
    "binary_costs",
    "booster_derivatives",
    "central_difference",
    "class_weights_from_costs",
    "cost_at_threshold",
    "cost_matrix_cross_entropy",
    "cost_sensitive_bce",
    "derive",
    "expected_cost",
    "expected_cost_softmax",
    "expression_loss",
    "finite_difference_errors",
    "from_definition",
    "lightgbm_objective",
    "lightgbm_params",
    "lightgbm_train_objective",
    "linex",
    "margin_derivatives",
    "parse_expression",
    "run_custom_check",
    "threshold_summary",
    "torch_loss",
    "xgboost_objective",
    "xgboost_params",
    "xgboost_train_objective",
]

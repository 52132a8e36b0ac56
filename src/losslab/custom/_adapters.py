"""Any losslab loss as an XGBoost or LightGBM objective, or as a PyTorch loss.

Gradient boosting asks for the gradient and Hessian of each sample's loss
with respect to its raw margin (reduction "none"). For losses on logits,
log-rates and plain values the margin is ``y_pred`` itself. For losses on
probabilities (``bce``) the margin is a logit and p = sigmoid(margin), so the
chain rule gives

    dl/dm = l'(p) s,   d²l/dm² = l''(p) s² + l'(p) s (1 - 2p),   s = p (1 - p);

prefer ``bce_with_logits``, which is the same loss computed without
clipping. Sample weights multiply both, as the boosters expect.

Scale. A booster's leaf value is -sum(g) / (sum(h) + lambda) and its split
gain G²/(H + lambda); multiplying g and h by c gives the same trees exactly
when lambda, alpha, gamma (min_split_loss) and min_child_weight are
multiplied by c too. losslab's ``mse`` has g = 2r, h = 2, twice XGBoost's
``reg:squarederror`` and LightGBM's ``regression`` (g = r, h = 1, i.e. half the
mse), so ``xgboost_objective(get("mse"), scale=0.5)`` reproduces them with
the same parameters; ``bce_with_logits`` already matches ``binary:logistic``
and LightGBM's ``binary`` (scale 1).

:func:`~losslab.custom.xgboost_params` and :func:`~losslab.custom.lightgbm_params`
set the rest (start, ``num_class``, the booster's Hessian convention) for
``xgboost.train`` and ``lightgbm.train``; the objectives here are for callers
who set it themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from losslab._array import sigmoid, sigmoid_product
from losslab.losses import Loss, get
from losslab.losses.batch import REDUCTIONS, check_positive

__all__ = [
    "base_margin",
    "lightgbm_objective",
    "lightgbm_train_objective",
    "margin_derivatives",
    "torch_loss",
    "xgboost_objective",
    "xgboost_train_objective",
]

Derivatives = tuple[np.ndarray, np.ndarray]


def _resolve(loss: Loss | str) -> Loss:
    if isinstance(loss, str):
        return get(loss)
    if not isinstance(loss, Loss):
        raise TypeError(f"loss must be a Loss or a catalogue name, got {type(loss).__name__}")
    return loss


def margin_derivatives(
    loss: Loss | str,
    y_true: ArrayLike,
    margin: ArrayLike,
    sample_weight: ArrayLike | None = None,
    *,
    scale: float = 1.0,
) -> Derivatives:
    """Per-sample gradient and Hessian diagonal of ``loss`` with respect to raw margins.

    Args:
        loss: a :class:`~losslab.losses.Loss` or a catalogue name.
        y_true: targets as the loss takes them (labels for multiclass losses).
        margin: raw booster scores, shape (n,), or (n, K) for losses on rows of
            logits (a flat (n K,) array is reshaped to (n, K)).
        sample_weight: optional per-sample weights; multiply both outputs.
        scale: multiplies both outputs (0.5 turns ``mse`` into XGBoost's half-MSE).

    Returns:
        ``(grad, hess)`` as float64 arrays of the shape of ``margin``.

    Example:
        >>> g, h = margin_derivatives("mse", [1.0, 2.0], [0.0, 0.0], scale=0.5)
        >>> g.tolist(), h.tolist()
        ([-1.0, -2.0], [1.0, 1.0])
    """
    loss = _resolve(loss)
    scale = check_positive(scale, "scale")
    m = np.asarray(margin, dtype=np.float64)
    y = np.asarray(y_true)
    shape = m.shape
    if loss.link.rows and m.ndim == 1:
        n = y.shape[0] if y.ndim >= 1 else 0
        if n == 0 or m.size % n:
            raise ValueError(
                f"margins of shape {m.shape} do not split into {n} rows of class scores"
            )
        m = m.reshape(n, -1)
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if w is not None and w.size == 0:
        w = None  # xgboost's get_weight() is empty when no weights were given
    if loss.link.head == "sigmoid":
        # The booster's margin goes through the sigmoid head to the probability the loss reads.
        p = sigmoid(np, m)
        s = sigmoid_product(np, m)
        g = np.asarray(loss.grad(p, y, weights=w, reduction="none"))
        h = np.asarray(loss.hess(p, y, weights=w, reduction="none"))
        grad, hess = g * s, h * s * s + g * s * (1.0 - 2.0 * p)
    else:
        grad = np.asarray(loss.grad(m, y, weights=w, reduction="none"))
        hess = np.asarray(loss.hess(m, y, weights=w, reduction="none"))
    return (scale * grad).reshape(shape), (scale * hess).reshape(shape)


def base_margin(
    loss: Loss | str, y_true: ArrayLike, sample_weight: ArrayLike | None = None
) -> float | np.ndarray:
    """The raw margin a booster should start from: the loss's optimal constant, as a margin.

    Built-in objectives start from the best constant (XGBoost's ``base_score``,
    LightGBM's ``boost_from_average``); a custom objective cannot know it, and
    starts from 0.5 or 0 unless told. This is :meth:`Loss.optimal_constant`
    (the mean for ``mse``, the base-rate log-odds for ``bce_with_logits``, log
    class frequencies for ``cross_entropy``), mapped through the sigmoid head
    for losses on probabilities. Pass it as ``base_score=`` to XGBoost (a
    number; custom objectives read it as a margin), or as
    ``init_score=np.full(n, c)`` (rows: ``np.tile(c, (n, 1))``) to LightGBM.

    Example:
        >>> base_margin("mse", [1.0, 2.0, 6.0])
        3.0
    """
    loss = _resolve(loss)
    start = loss.link.head_inverse(loss.optimal_constant(y_true, weights=sample_weight))
    return float(start) if start.ndim == 0 else start


def xgboost_objective(loss: Loss | str, *, scale: float = 1.0) -> Callable[..., Derivatives]:
    """The loss as an objective for XGBoost's scikit-learn API: ``XGBRegressor(objective=...)``.

    The returned callable has XGBoost's signature ``(y_true, y_pred,
    sample_weight=None) -> (grad, hess)``; see the module docstring for the
    link and for ``scale``. Start the booster at :func:`base_margin`
    (``base_score=base_margin(loss, y)``), as built-in objectives start at
    the best constant. Predictions of a model trained this way are raw
    margins: apply the loss's link (sigmoid for logits) yourself.

    Example:
        >>> objective = xgboost_objective("bce_with_logits")
        >>> [v.tolist() for v in objective(np.array([1.0]), np.array([0.0]))]
        [[-0.5], [0.25]]
    """
    loss = _resolve(loss)
    check_positive(scale, "scale")

    def objective(
        y_true: np.ndarray, y_pred: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> Derivatives:
        return margin_derivatives(loss, y_true, y_pred, sample_weight, scale=scale)

    objective.__name__ = f"losslab_{loss.name}"
    return objective


def xgboost_train_objective(loss: Loss | str, *, scale: float = 1.0) -> Callable[..., Derivatives]:
    """The loss as ``obj`` for ``xgboost.train(params, dtrain, obj=...)``: ``(predt, dtrain)``.

    Labels and weights come from the DMatrix. Pass ``"disable_default_eval_metric": 1``
    or a metric of your own, since XGBoost cannot know what the loss is.
    """
    loss = _resolve(loss)
    check_positive(scale, "scale")

    def obj(predt: np.ndarray, dtrain: Any) -> Derivatives:
        return margin_derivatives(loss, dtrain.get_label(), predt, dtrain.get_weight(), scale=scale)

    obj.__name__ = f"losslab_{loss.name}"
    return obj


def lightgbm_objective(loss: Loss | str, *, scale: float = 1.0) -> Callable[..., Derivatives]:
    """The loss as an objective for LightGBM's scikit-learn API: ``LGBMRegressor(objective=...)``.

    The callable takes ``(y_true, y_pred, weight)``, which is how LightGBM
    passes sample weights (None without them). LightGBM starts custom
    objectives from a score of 0 rather than the mean of y; set
    ``boost_from_average=False`` on a built-in objective to compare.
    """
    loss = _resolve(loss)
    check_positive(scale, "scale")

    def objective(y_true: np.ndarray, y_pred: np.ndarray, weight: np.ndarray | None) -> Derivatives:
        return margin_derivatives(loss, y_true, y_pred, weight, scale=scale)

    objective.__name__ = f"losslab_{loss.name}"
    return objective


def lightgbm_train_objective(loss: Loss | str, *, scale: float = 1.0) -> Callable[..., Derivatives]:
    """The loss for ``lightgbm.train(params={"objective": ...})``: ``(preds, train_data)``."""
    loss = _resolve(loss)
    check_positive(scale, "scale")

    def objective(preds: np.ndarray, train_data: Any) -> Derivatives:
        return margin_derivatives(
            loss, train_data.get_label(), preds, train_data.get_weight(), scale=scale
        )

    objective.__name__ = f"losslab_{loss.name}"
    return objective


def torch_loss(loss: Loss | str, *, reduction: str = "mean") -> Callable[..., Any]:
    """The loss as a PyTorch loss, exact to the second derivative: :func:`losslab.torch.loss`.

    Returns ``f(y_pred, y_true, weights=None) -> tensor``: a scalar for
    "mean" and "sum", per example for "none". It is
    ``losslab.torch.loss(loss)`` with the reduction bound: torch operations
    (or the fused kernels on CPU tensors) whose first derivative is the
    loss's gradient and whose second is its Hessian, so double backward,
    Hessian-vector products through a model and ``torch.func`` are exact.
    ``y_true`` and ``weights`` are constants (they must not require grad).

    Example:
        >>> import torch
        >>> f = torch_loss("mse")
        >>> x = torch.tensor([1.0, 3.0], requires_grad=True)
        >>> (g,) = torch.autograd.grad(f(x, torch.tensor([0.0, 0.0])), x, create_graph=True)
        >>> g.tolist(), torch.autograd.grad(g.sum(), x)[0].tolist()
        ([1.0, 3.0], [1.0, 1.0])
    """
    from losslab.torch import loss as as_torch

    loss = _resolve(loss)
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction={reduction!r} must be one of 'mean', 'sum', 'none'")
    function = as_torch(loss)

    def apply(y_pred: Any, y_true: Any, weights: Any = None) -> Any:
        return function(y_pred, y_true, weights, reduction)

    apply.__name__ = f"torch_{loss.name}"
    return apply

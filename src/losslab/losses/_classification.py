"""Classification losses on probabilities, logits and rows of logits.

Binary targets are 0/1 (soft labels in [0, 1] where the loss allows them);
the hinge losses also accept -1/+1. Multiclass targets are integer labels or
rows of probabilities. ``bce`` takes a probability; the others take raw
scores (logits), to which the sigmoid or softmax link is applied inside, in a
numerically stable form.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from array_api_compat import device

from losslab._array import Array, sigmoid, sigmoid_product, softmax_parts, softplus
from losslab.losses._batch import (
    Batch,
    check_positive,
    check_range,
    prepare,
    prepare_rows,
)
from losslab.losses._registry import register

# ---------------------------------------------------------------- bce on probabilities


def _clipped(b: Batch) -> tuple[Array, Array, Array, Array]:
    """Return p and 1 - p clipped below at eps, and the masks where each is not clipped."""
    xp = b.xp
    eps = float(xp.finfo(b.y_pred.dtype).eps)
    p, q = b.y_pred, 1.0 - b.y_pred
    p_kept, q_kept = xp.astype(p >= eps, p.dtype), xp.astype(q >= eps, p.dtype)
    return xp.clip(p, min=eps), xp.clip(q, min=eps), p_kept, q_kept


def _prepare_bce(y_pred: Any, y_true: Any, weights: Any, reduction: str) -> Batch:
    return prepare(
        y_pred, y_true, weights, reduction, pred_domain="probability", true_domain="probability"
    )


def bce(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Binary cross-entropy on probabilities: -[y log p + (1 - y) log(1 - p)].

    Domain: ``y_pred`` probabilities p in [0, 1]; ``y_true`` in [0, 1] (0/1
    labels or soft labels), same shape.

    Formula: l = -[y log p + (1 - y) log(1 - p)], gradient
    -y / p + (1 - y) / (1 - p), Hessian y / p² + (1 - y) / (1 - p)².

    Clipping: the argument of each log, p and 1 - p, is clipped below at eps,
    the machine epsilon of the dtype (2.2e-16 for float64, 1.2e-7 for
    float32). So a confident wrong answer (p = 0 for y = 1) costs at most
    -log(eps) (36.04 in float64, 15.94 in float32) and a perfect one costs
    exactly 0. Where an argument is clipped its term is constant and
    contributes 0 to the gradient and Hessian. PyTorch's
    ``binary_cross_entropy`` clamps each log at -100 instead; Keras clips p to
    [1e-7, 1 - 1e-7] whatever the dtype. For training, prefer
    :func:`bce_with_logits`, which needs no clipping.

    Example (the seeds' spam filter):
        >>> round(float(bce([0.9], [1.0])), 3), round(float(bce([0.1], [1.0])), 3)
        (0.105, 2.303)
    """
    b = _prepare_bce(y_pred, y_true, weights, reduction)
    p, q, _, _ = _clipped(b)
    y = b.y_true
    # + 0.0 turns the -0.0 of a perfect prediction into 0.0.
    return b.value(-(y * b.xp.log(p) + (1.0 - y) * b.xp.log(q)) + 0.0)


def bce_grad(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Gradient of :func:`bce`: -y / p + (1 - y) / (1 - p), each term 0 where clipped."""
    b = _prepare_bce(y_pred, y_true, weights, reduction)
    p, q, p_kept, q_kept = _clipped(b)
    y = b.y_true
    return b.derivative(-p_kept * y / p + q_kept * (1.0 - y) / q)


def bce_hess(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Hessian diagonal of :func:`bce`: y / p² + (1 - y) / (1 - p)², each term 0 where clipped."""
    b = _prepare_bce(y_pred, y_true, weights, reduction)
    p, q, p_kept, q_kept = _clipped(b)
    y = b.y_true
    return b.derivative(p_kept * y / (p * p) + q_kept * (1.0 - y) / (q * q))


# ---------------------------------------------------------------- bce on logits


def _check_pos_weight(*, pos_weight: float) -> None:
    check_positive(pos_weight, "pos_weight")


def bce_with_logits(
    y_pred: Any,
    y_true: Any,
    *,
    pos_weight: float = 1.0,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Binary cross-entropy on a logit z: bce(sigmoid(z), y), computed without the sigmoid.

    Domain: ``y_pred`` real logits z; ``y_true`` in [0, 1] (0/1 or soft
    labels), same shape; ``pos_weight > 0`` multiplies the positive term.

    Formula, with w = pos_weight and softplus(x) = log(1 + e^x):

        l = w y softplus(-z) + (1 - y) softplus(z)

    since -log sigmoid(z) = softplus(-z) and -log(1 - sigmoid(z)) =
    softplus(z). Gradient -w y sigmoid(-z) + (1 - y) sigmoid(z); Hessian
    (w y + 1 - y) sigmoid(z) sigmoid(-z). Exact for logits of ±1e4. Same as
    ``torch.nn.functional.binary_cross_entropy_with_logits`` (with
    ``pos_weight``); scikit-learn's ``HalfBinomialLoss`` equals it for
    pos_weight = 1 (its "half" refers to the deviance).

    Example:
        >>> round(float(bce_with_logits([0.0], [1.0])), 6)
        0.693147
    """
    _check_pos_weight(pos_weight=pos_weight)
    b = prepare(y_pred, y_true, weights, reduction, true_domain="probability")
    xp, z, y = b.xp, b.y_pred, b.y_true
    return b.value(pos_weight * y * softplus(xp, -z) + (1.0 - y) * softplus(xp, z))


def bce_with_logits_grad(
    y_pred: Any,
    y_true: Any,
    *,
    pos_weight: float = 1.0,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Gradient of :func:`bce_with_logits`: -w y sigmoid(-z) + (1 - y) sigmoid(z).

    With w = 1 this is sigmoid(z) - y, each term kept apart so a gradient near
    0 for a confident right answer is not lost to cancellation.
    """
    _check_pos_weight(pos_weight=pos_weight)
    b = prepare(y_pred, y_true, weights, reduction, true_domain="probability")
    xp, z, y = b.xp, b.y_pred, b.y_true
    return b.derivative(-pos_weight * y * sigmoid(xp, -z) + (1.0 - y) * sigmoid(xp, z))


def bce_with_logits_hess(
    y_pred: Any,
    y_true: Any,
    *,
    pos_weight: float = 1.0,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Hessian diagonal of :func:`bce_with_logits`: (w y + 1 - y) sigmoid(z) sigmoid(-z)."""
    _check_pos_weight(pos_weight=pos_weight)
    b = prepare(y_pred, y_true, weights, reduction, true_domain="probability")
    y = b.y_true
    return b.derivative((pos_weight * y + 1.0 - y) * sigmoid_product(b.xp, b.y_pred))


# ---------------------------------------------------------------- focal


def _check_focal(*, gamma: float, alpha: float | None) -> None:
    check_range(gamma, "gamma", low=0.0)
    if alpha is not None:
        check_range(alpha, "alpha", low=0.0, high=1.0)


def _focal_parts(b: Batch, gamma: float, alpha: float | None, order: int) -> Array:
    """Focal loss (order 0) or its first or second derivative in the logit."""
    xp, z, y = b.xp, b.y_pred, b.y_true
    s = 2.0 * y - 1.0
    m = s * z  # the margin: positive when the prediction is right
    ce = softplus(xp, -m)  # -log p_t
    # (1 - p_t)^gamma = sigmoid(-m)^gamma = exp(-gamma softplus(m)), in log space.
    modulator = xp.exp(-gamma * softplus(xp, m))
    alpha_t = 1.0 if alpha is None else alpha * y + (1.0 - alpha) * (1.0 - y)
    if order == 0:
        return alpha_t * modulator * ce
    right, wrong = sigmoid(xp, m), sigmoid(xp, -m)  # p_t and 1 - p_t
    if order == 1:
        # d/dm [u^g ce] = -u^g (g sigmoid(m) ce + u), u = sigmoid(-m); d/dz = s d/dm.
        return -alpha_t * s * modulator * (gamma * right * ce + wrong)
    # d²/dm² = u^g sigmoid(m) (g ce (g sigmoid(m) - u) + (2g + 1) u); s² = 1.
    inner = gamma * ce * (gamma * right - wrong) + (2.0 * gamma + 1.0) * wrong
    return alpha_t * modulator * right * inner


def focal(
    y_pred: Any,
    y_true: Any,
    *,
    gamma: float = 2.0,
    alpha: float | None = None,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Binary focal loss (Lin et al. 2017) on a logit z: cross-entropy scaled down when right.

    Domain: ``y_pred`` real logits; ``y_true`` 0/1 labels, same shape;
    ``gamma >= 0``; ``alpha`` in [0, 1] or None for no class weighting.

    Formula, with p_t = sigmoid(z) for y = 1 and 1 - sigmoid(z) for y = 0,
    and alpha_t = alpha y + (1 - alpha)(1 - y):

        l = -alpha_t (1 - p_t)^gamma log p_t

    With the margin m = (2y - 1) z, -log p_t = softplus(-m) and
    (1 - p_t)^gamma = exp(-gamma softplus(m)), so the loss is computed in log
    space and stays exact for logits of ±1e4. Gradient in z:
    -alpha_t s u^gamma (gamma sigmoid(m) softplus(-m) + u) with u = 1 - p_t
    and s = 2y - 1; Hessian alpha_t u^gamma sigmoid(m) (gamma softplus(-m)
    (gamma sigmoid(m) - u) + (2 gamma + 1) u). gamma = 0 and alpha = None
    give :func:`bce_with_logits`. Same as torchvision's
    ``sigmoid_focal_loss``, whose default alpha is 0.25 (here None).

    Example:
        >>> round(float(focal([0.0], [1.0], gamma=2.0)), 6)
        0.173287
    """
    _check_focal(gamma=gamma, alpha=alpha)
    b = prepare(y_pred, y_true, weights, reduction, true_domain="binary")
    return b.value(_focal_parts(b, float(gamma), alpha, 0))


def focal_grad(
    y_pred: Any,
    y_true: Any,
    *,
    gamma: float = 2.0,
    alpha: float | None = None,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Gradient of :func:`focal` with respect to the logit (see its docstring)."""
    _check_focal(gamma=gamma, alpha=alpha)
    b = prepare(y_pred, y_true, weights, reduction, true_domain="binary")
    return b.derivative(_focal_parts(b, float(gamma), alpha, 1))


def focal_hess(
    y_pred: Any,
    y_true: Any,
    *,
    gamma: float = 2.0,
    alpha: float | None = None,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Hessian diagonal of :func:`focal` with respect to the logit (see its docstring)."""
    _check_focal(gamma=gamma, alpha=alpha)
    b = prepare(y_pred, y_true, weights, reduction, true_domain="binary")
    return b.derivative(_focal_parts(b, float(gamma), alpha, 2))


# ---------------------------------------------------------------- hinge losses


def _signed_margin_slack(b: Batch) -> tuple[Array, Array]:
    """Return s in {-1, +1} and the slack 1 - s z."""
    xp = b.xp
    s = xp.where(b.y_true == 0.0, -xp.ones_like(b.y_true), b.y_true)
    return s, 1.0 - s * b.y_pred


def hinge(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Hinge loss of a support vector machine on a score z: max(0, 1 - s z).

    Domain: ``y_pred`` real scores (logits); ``y_true`` labels 0/1 or -1/+1
    (0 is mapped to -1), same shape.

    Formula, with s = ±1: l = max(0, 1 - s z), gradient -s where s z < 1 and
    0 elsewhere (the subgradient 0 at the kink s z = 1), Hessian 0. Same as
    ``sklearn.metrics.hinge_loss`` for binary labels.

    Example:
        >>> hinge([2.0, 0.5, -1.0], [1, 1, 1], reduction="none").tolist()
        [0.0, 0.5, 2.0]
    """
    b = prepare(y_pred, y_true, weights, reduction, true_domain="signed_binary")
    slack = _signed_margin_slack(b)[1]
    return b.value(b.xp.maximum(slack, b.xp.zeros_like(slack)))


def hinge_grad(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Gradient of :func:`hinge`: -s where s z < 1, else 0."""
    b = prepare(y_pred, y_true, weights, reduction, true_domain="signed_binary")
    s, slack = _signed_margin_slack(b)
    return b.derivative(-s * b.xp.astype(slack > 0.0, s.dtype))


def hinge_hess(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Hessian diagonal of :func:`hinge`: 0 everywhere (piecewise linear)."""
    b = prepare(y_pred, y_true, weights, reduction, true_domain="signed_binary")
    return b.derivative(b.xp.zeros_like(b.y_pred))


def squared_hinge(
    y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean"
) -> Array:
    """Squared hinge loss on a score z: max(0, 1 - s z)².

    Domain: as :func:`hinge`.

    Formula: l = max(0, 1 - s z)², gradient -2 s max(0, 1 - s z), Hessian 2
    where s z < 1 and 0 elsewhere. Differentiable everywhere, unlike the
    hinge. Same as Keras' ``SquaredHinge`` and scikit-learn's
    ``LinearSVC(loss="squared_hinge")`` objective.

    Example:
        >>> squared_hinge([2.0, 0.5, -1.0], [1, 1, 1], reduction="none").tolist()
        [0.0, 0.25, 4.0]
    """
    b = prepare(y_pred, y_true, weights, reduction, true_domain="signed_binary")
    slack = _signed_margin_slack(b)[1]
    active = b.xp.maximum(slack, b.xp.zeros_like(slack))
    return b.value(active * active)


def squared_hinge_grad(
    y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean"
) -> Array:
    """Gradient of :func:`squared_hinge`: -2 s max(0, 1 - s z)."""
    b = prepare(y_pred, y_true, weights, reduction, true_domain="signed_binary")
    s, slack = _signed_margin_slack(b)
    return b.derivative(-2.0 * s * b.xp.maximum(slack, b.xp.zeros_like(slack)))


def squared_hinge_hess(
    y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean"
) -> Array:
    """Hessian diagonal of :func:`squared_hinge`: 2 where s z < 1, else 0."""
    b = prepare(y_pred, y_true, weights, reduction, true_domain="signed_binary")
    slack = _signed_margin_slack(b)[1]
    return b.derivative(2.0 * b.xp.astype(slack > 0.0, slack.dtype))


# ---------------------------------------------------------------- softmax losses


def _check_cross_entropy(
    *, class_weights: Any, label_smoothing: float, ignore_index: int
) -> dict[str, Any]:
    check_range(label_smoothing, "label_smoothing", low=0.0, high=1.0)
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
        raise TypeError(f"ignore_index must be an integer, got {ignore_index!r}")
    if class_weights is not None:
        cw = np.asarray(class_weights, dtype=np.float64)
        if cw.ndim != 1 or cw.size == 0:
            raise ValueError(f"class_weights must be a 1-D sequence, got shape {cw.shape}")
        if not np.all(np.isfinite(cw)) or np.any(cw < 0):
            raise ValueError(f"class_weights must be finite and non-negative, got {cw.tolist()}")
        class_weights = tuple(float(c) for c in cw)
    return {
        "class_weights": class_weights,
        "label_smoothing": float(label_smoothing),
        "ignore_index": int(ignore_index),
    }


def _softmax_targets(
    b: Batch,
    labels: bool,
    class_weights: Any,
    label_smoothing: float,
    ignore_index: int,
) -> tuple[Batch, Array]:
    """Return the batch with PyTorch's normaliser and the target weights a of each logit.

    The loss of one row is -sum_c a_c log softmax(z)_c. For labels y,
    a_c = (1 - eps) w_y [c = y] + (eps / K) w_c (0 for ignored rows), and a
    mean divides by the sum of w_y over the rows kept, as PyTorch does. For
    probability rows t, a_c = w_c ((1 - eps) t_c + eps / K) and a mean divides
    by the number of rows.
    """
    xp, z = b.xp, b.y_pred
    n_classes = z.shape[-1]
    cw = None
    if class_weights is not None:
        if len(class_weights) != n_classes:
            raise ValueError(
                f"class_weights has {len(class_weights)} entries but y_pred has {n_classes} classes"
            )
        cw = xp.asarray(class_weights, dtype=z.dtype, device=device(b.y_pred))
    smooth = label_smoothing / n_classes
    if labels:
        valid = b.y_true != ignore_index
        safe = xp.where(valid, b.y_true, xp.zeros_like(b.y_true))
        classes = xp.arange(n_classes, dtype=safe.dtype, device=device(b.y_pred))
        onehot = xp.astype(safe[..., None] == classes, z.dtype)
        keep = xp.astype(valid, z.dtype)
        w_y = keep if cw is None else xp.sum(onehot * cw, axis=-1) * keep
        target = (1.0 - label_smoothing) * onehot * w_y[..., None]
        target = target + smooth * (keep[..., None] if cw is None else cw * keep[..., None])
        normalizer = xp.sum(b.weigh(w_y))
        if b.reduction == "mean" and not float(normalizer) > 0:
            raise ValueError(
                "y_true: every row is ignored (ignore_index) or has class weight 0, "
                "so the mean is undefined"
            )
        b = dataclasses.replace(b, normalizer=normalizer)
    else:
        target = (1.0 - label_smoothing) * b.y_true + smooth
        if cw is not None:
            target = target * cw
    return b, target


def _check_full(full: bool) -> None:
    if not isinstance(full, bool):
        raise TypeError(f"full must be True or False, got {full!r}")


def _softmax_grad(b: Batch, target: Array) -> Array:
    """A softmax(z) - a per row, with A = sum_c a_c, before weights and reduction.

    For the largest logit, A p - a = (A - a) - A (1 - p) with 1 - p computed
    without cancellation, so a confident right answer keeps its tiny gradient.
    """
    xp = b.xp
    _, p, complement, is_max = softmax_parts(xp, b.y_pred)
    total = xp.sum(target, axis=-1, keepdims=True)
    rest = xp.sum(xp.where(is_max, xp.zeros_like(target), target), axis=-1, keepdims=True)
    return xp.where(is_max, rest - total * complement, total * p - target)


def _softmax_hess(b: Batch, total: Array, full: bool) -> Array:
    """A (diag(p) - p p^T) per row, or its diagonal A p (1 - p), A = total target weight."""
    xp = b.xp
    _check_full(full)
    _, p, complement, _ = softmax_parts(xp, b.y_pred)
    scale = b.weigh(total)[..., None]
    if not full:
        return b.scale(scale * p * complement)
    eye = xp.eye(p.shape[-1], dtype=p.dtype, device=device(b.y_pred))
    # Diagonal p (1 - p) from the accurate complement, off-diagonal -p_i p_j.
    block = eye * (p * complement)[..., None] + (eye - 1.0) * (p[..., :, None] * p[..., None, :])
    return b.scale(scale[..., None] * block)


def cross_entropy(
    y_pred: Any,
    y_true: Any,
    *,
    class_weights: Any = None,
    label_smoothing: float = 0.0,
    ignore_index: int = -100,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Multiclass cross-entropy on rows of logits: -log softmax(z)_y.

    Domain: ``y_pred`` logits of shape (..., K); ``y_true`` integer labels of
    shape (...) in 0..K-1 (rows equal to ``ignore_index`` are left out), or
    probability rows of shape (..., K). ``class_weights`` K non-negative
    numbers; ``label_smoothing`` eps in [0, 1] mixes the target with the
    uniform distribution.

    Formula, per row, with target weights a (see below) and A = sum_c a_c:

        l = -sum_c a_c log softmax(z)_c = A logsumexp(z) - sum_c a_c z_c

    gradient A softmax(z) - a (softmax(z) - onehot(y) in the plain case, the
    seeds' "predicted minus true probabilities"), Hessian A (diag(p) - p p^T)
    with p = softmax(z); ``hess`` returns its diagonal A p (1 - p), or the
    K x K blocks with ``full=True``. For labels, a_c = (1 - eps) w_y [c = y]
    + (eps / K) w_c and "mean" divides by the sum of w_y over the rows kept;
    for probability rows, a_c = w_c ((1 - eps) t_c + eps / K) and "mean"
    divides by the number of rows. Sample ``weights`` multiply each row and
    its share of the normaliser. This is exactly
    ``torch.nn.functional.cross_entropy`` (weight, label_smoothing,
    ignore_index); scikit-learn's ``HalfMultinomialLoss`` is the same value
    for labels.

    Example:
        >>> round(float(cross_entropy([[2.0, 0.0, 0.0]], [0])), 6)
        0.239545
    """
    params = _check_cross_entropy(
        class_weights=class_weights, label_smoothing=label_smoothing, ignore_index=ignore_index
    )
    b, labels = prepare_rows(
        y_pred, y_true, weights, reduction, labels_allowed=True, ignore_index=ignore_index
    )
    b, target = _softmax_targets(b, labels, **params)
    log_p = softmax_parts(b.xp, b.y_pred)[0]
    return b.reduce(b.weigh(-b.xp.sum(target * log_p, axis=-1)))


def cross_entropy_grad(
    y_pred: Any,
    y_true: Any,
    *,
    class_weights: Any = None,
    label_smoothing: float = 0.0,
    ignore_index: int = -100,
    weights: Any = None,
    reduction: str = "mean",
) -> Array:
    """Gradient of :func:`cross_entropy`: A softmax(z) - a per row (softmax(z) - onehot(y))."""
    params = _check_cross_entropy(
        class_weights=class_weights, label_smoothing=label_smoothing, ignore_index=ignore_index
    )
    b, labels = prepare_rows(
        y_pred, y_true, weights, reduction, labels_allowed=True, ignore_index=ignore_index
    )
    b, target = _softmax_targets(b, labels, **params)
    return b.scale(b.weigh(_softmax_grad(b, target)))


def cross_entropy_hess(
    y_pred: Any,
    y_true: Any,
    *,
    class_weights: Any = None,
    label_smoothing: float = 0.0,
    ignore_index: int = -100,
    weights: Any = None,
    reduction: str = "mean",
    full: bool = False,
) -> Array:
    """Hessian of :func:`cross_entropy`: diagonal A p (1 - p), or blocks A (diag p - p p^T)."""
    params = _check_cross_entropy(
        class_weights=class_weights, label_smoothing=label_smoothing, ignore_index=ignore_index
    )
    b, labels = prepare_rows(
        y_pred, y_true, weights, reduction, labels_allowed=True, ignore_index=ignore_index
    )
    b, target = _softmax_targets(b, labels, **params)
    return _softmax_hess(b, b.xp.sum(target, axis=-1), full)


def kl_div(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Kullback-Leibler divergence KL(t || softmax(z)) of target rows t from logits z.

    Domain: ``y_pred`` logits of shape (..., K); ``y_true`` probability rows
    of the same shape, each summing to 1.

    Formula, per row, with p = softmax(z): l = sum_c t_c (log t_c - log p_c),
    taking 0 log 0 = 0; gradient p - t (times sum_c t_c = 1); Hessian
    diag(p) - p p^T, whose diagonal p (1 - p) ``hess`` returns (the blocks
    with ``full=True``). It equals cross-entropy against t minus the entropy
    of t, so it has the same gradient and is 0 when p = t. One example is one
    row, so "mean" averages over rows: PyTorch's
    ``kl_div(log_softmax(z), t, reduction="batchmean")``; PyTorch's own
    "mean" divides by the number of elements n K, which is not the KL.

    Example:
        >>> float(kl_div([[0.0, 0.0]], [[0.5, 0.5]]))
        0.0
    """
    b, _ = prepare_rows(y_pred, y_true, weights, reduction, labels_allowed=False)
    xp, t = b.xp, b.y_true
    log_p = softmax_parts(xp, b.y_pred)[0]
    positive = t > 0
    safe_t = xp.where(positive, t, xp.ones_like(t))
    per_class = xp.where(positive, t * (xp.log(safe_t) - log_p), xp.zeros_like(t))
    return b.value(xp.sum(per_class, axis=-1))


def kl_div_grad(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean") -> Array:
    """Gradient of :func:`kl_div`: softmax(z) sum(t) - t, i.e. softmax(z) - t."""
    b, _ = prepare_rows(y_pred, y_true, weights, reduction, labels_allowed=False)
    return b.derivative(_softmax_grad(b, b.y_true))


def kl_div_hess(
    y_pred: Any,
    y_true: Any,
    *,
    weights: Any = None,
    reduction: str = "mean",
    full: bool = False,
) -> Array:
    """Hessian of :func:`kl_div`: diagonal p (1 - p), or blocks diag(p) - p p^T."""
    b, _ = prepare_rows(y_pred, y_true, weights, reduction, labels_allowed=False)
    return _softmax_hess(b, b.xp.sum(b.y_true, axis=-1), full)


# ---------------------------------------------------------------- registry

register(
    "bce",
    bce,
    bce_grad,
    bce_hess,
    task="binary",
    y_pred_kind="probability",
    summary="Binary cross-entropy on probabilities: confident wrong answers cost most.",
)
register(
    "bce_with_logits",
    bce_with_logits,
    bce_with_logits_grad,
    bce_with_logits_hess,
    task="binary",
    y_pred_kind="logit",
    check=_check_pos_weight,
    summary="Binary cross-entropy on logits, stable for any logit; pos_weight for imbalance.",
)
register(
    "cross_entropy",
    cross_entropy,
    cross_entropy_grad,
    cross_entropy_hess,
    task="multiclass",
    y_pred_kind="logits",
    check=_check_cross_entropy,
    summary="Softmax cross-entropy on rows of logits; gradient softmax(z) - onehot(y).",
)
register(
    "focal",
    focal,
    focal_grad,
    focal_hess,
    task="binary",
    y_pred_kind="logit",
    check=_check_focal,
    summary="Focal loss: cross-entropy scaled by (1 - p_t)^gamma to focus on hard examples.",
)
register(
    "hinge",
    hinge,
    hinge_grad,
    hinge_hess,
    task="binary",
    y_pred_kind="logit",
    summary="SVM hinge: zero once the margin passes 1, linear before.",
)
register(
    "squared_hinge",
    squared_hinge,
    squared_hinge_grad,
    squared_hinge_hess,
    task="binary",
    y_pred_kind="logit",
    summary="Squared hinge: a smooth SVM loss, quadratic until the margin passes 1.",
)
register(
    "kl_div",
    kl_div,
    kl_div_grad,
    kl_div_hess,
    task="multiclass",
    y_pred_kind="logits",
    summary="KL divergence of target probability rows from softmax(logits).",
)

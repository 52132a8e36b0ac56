"""Cost-sensitive classification: losses, decision thresholds and the expected-cost metric.

Convention for a cost matrix C of shape (K, K): ``C[i, j]`` is the cost of
predicting class j when the truth is class i (rows true, columns predicted,
as in ``sklearn.metrics.confusion_matrix``). For binary problems,
``C = [[C00, C01], [C10, C11]]``: C01 is the cost of a false positive and
C10 of a false negative. Only regrets matter for decisions, so a binary
matrix reduces to ``fp_cost = C01 - C00`` and ``fn_cost = C10 - C11``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from losslab._array import Array, softmax
from losslab.custom._loss import CustomLoss, from_definition
from losslab.losses import Loss, Param, Properties, definition
from losslab.losses.batch import Batch, check_range, prepare_rows

__all__ = [
    "CostMatrixCrossEntropy",
    "CostSensitiveBCE",
    "ThresholdChoice",
    "bayes_decision",
    "bayes_threshold",
    "best_threshold",
    "binary_costs",
    "cost_matrix_cross_entropy",
    "cost_sensitive_bce",
    "expected_cost",
    "expected_cost_softmax",
    "threshold_summary",
]


# ---------------------------------------------------------------- validating costs


def _check_costs(fn_cost: Any, fp_cost: Any) -> tuple[float, float]:
    fn = check_range(fn_cost, "fn_cost", low=0.0)
    fp = check_range(fp_cost, "fp_cost", low=0.0)
    if fn + fp == 0.0:
        raise ValueError("fn_cost and fp_cost must not both be 0 (every decision would be free)")
    return fn, fp


def _as_cost_matrix(cost_matrix: Any) -> np.ndarray:
    """Validate a square cost matrix: finite, K >= 2, no mistake cheaper than the right answer."""
    if cost_matrix is None:
        raise TypeError("cost_matrix must be a square 2-D array of costs, got None")
    try:
        c = np.asarray(cost_matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"cost_matrix must be a numeric square 2-D array: {exc}") from exc
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] < 2:
        raise ValueError(f"cost_matrix must be square with at least 2 classes, got shape {c.shape}")
    if not np.all(np.isfinite(c)):
        raise ValueError("cost_matrix must be finite")
    regret = c - np.diag(c)[:, None]
    if np.any(regret < 0):
        i, j = (int(k) for k in np.argwhere(regret < 0)[0])
        raise ValueError(
            f"cost_matrix[{i}, {j}] = {c[i, j]} is below the cost of the right answer "
            f"cost_matrix[{i}, {i}] = {c[i, i]}; a mistake must cost at least as much"
        )
    if not np.any(regret > 0):
        raise ValueError("cost_matrix must make some mistake cost more than the right answer")
    return c


def _as_tuple(c: np.ndarray) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) for v in row) for row in c)


def binary_costs(cost_matrix: ArrayLike) -> dict[str, float]:
    """The false-negative and false-positive costs (regrets) of a 2 x 2 cost matrix.

    ``fn_cost = C[1, 0] - C[1, 1]`` and ``fp_cost = C[0, 1] - C[0, 0]``: what a
    mistake costs beyond the right answer, which is all a decision depends on.

    Example:
        >>> binary_costs([[0, 1], [5, 0]])
        {'fn_cost': 5.0, 'fp_cost': 1.0}
    """
    c = _as_cost_matrix(cost_matrix)
    if c.shape != (2, 2):
        raise ValueError(f"cost_matrix must be 2 x 2 for binary costs, got shape {c.shape}")
    return {"fn_cost": float(c[1, 0] - c[1, 1]), "fp_cost": float(c[0, 1] - c[0, 0])}


# ---------------------------------------------------------------- cost-sensitive bce


class CostSensitiveBCE(definition("bce_with_logits")):
    """Binary cross-entropy on logits with each kind of mistake weighted by its cost.

    Domain: ``y_pred`` real logits z; ``y_true`` 0/1 labels (or soft labels
    in [0, 1]); ``fn_cost, fp_cost >= 0``, not both 0.

    Formula, with a = fn_cost and c = fp_cost: l = a y softplus(-z) +
    c (1 - y) softplus(z), gradient -a y sigmoid(-z) + c (1 - y) sigmoid(z),
    Hessian (a y + c (1 - y)) sigmoid(z) sigmoid(-z): the catalogue's
    ``bce_with_logits`` formula with both terms weighted, c
    bce_with_logits(pos_weight = a / c) for c > 0.
    """

    name = "cost_sensitive_bce"
    params = (Param("fn_cost", 1.0, low=0.0), Param("fp_cost", 1.0, low=0.0))
    summary = "Binary cross-entropy on logits, false negatives and false positives weighted."

    @classmethod
    def arguments(cls, params: Mapping[str, Any], eps: float) -> tuple[float, ...]:
        """The weights of the positive and negative terms: the two costs."""
        return float(params["fn_cost"]), float(params["fp_cost"])

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex, force at most the larger cost; proper only when the two costs are equal."""
        a, c = float(params["fn_cost"]), float(params["fp_cost"])
        return Properties(
            convex=True,
            smoothness="Cinf",
            lipschitz=max(a, c),
            robust=True,
            proper=a == c,
            calibrated=a == c,
        )

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """log(a W+) - log(c W-): the log-odds of the base rate, each class weighed by its cost."""
        t = np.asarray(y_true, dtype=np.float64)
        w = np.ones_like(t) if weights is None else np.broadcast_to(weights, t.shape)
        positive = float(params["fn_cost"]) * float(np.sum(w * t))
        negative = float(params["fp_cost"]) * float(np.sum(w * (1.0 - t)))
        with np.errstate(divide="ignore"):
            return np.asarray(np.log(positive) - np.log(negative))


def cost_sensitive_bce(fn_cost: float = 1.0, fp_cost: float = 1.0) -> Loss:
    """Binary cross-entropy on logits with each kind of mistake weighted by its cost.

    Domain: ``y_pred`` real logits z; ``y_true`` 0/1 labels (or soft labels
    in [0, 1]); ``fn_cost, fp_cost >= 0``, not both 0.

    Formula, with a = fn_cost and c = fp_cost:

        l = a y softplus(-z) + c (1 - y) softplus(z)

    gradient -a y sigmoid(-z) + c (1 - y) sigmoid(z), Hessian
    (a y + c (1 - y)) sigmoid(z) sigmoid(-z). It equals
    ``c * bce_with_logits(pos_weight=a / c)``. For a positive-class
    probability eta its minimiser is sigmoid(z) = a eta / (a eta + c (1 - eta)),
    so sigmoid(z) > 1/2 exactly when eta > c / (a + c): a model trained with
    this loss has the cost-optimal decision at threshold 0.5, while a model
    trained with plain cross-entropy (calibrated) needs
    :func:`bayes_threshold` = c / (a + c).

    Args:
        fn_cost: cost of a false negative (a positive predicted negative).
        fp_cost: cost of a false positive (a negative predicted positive).
            Use ``cost_sensitive_bce(**binary_costs(C))`` for a 2 x 2 matrix.

    Returns:
        A :class:`~losslab.losses.Loss` on logits, task "binary".

    Example:
        >>> loss = cost_sensitive_bce(fn_cost=5, fp_cost=1)
        >>> round(float(loss([0.0, 0.0], [1.0, 0.0], reduction="none")[0]), 6)
        3.465736
        >>> loss.grad([0.0, 0.0], [1.0, 0.0], reduction="none").tolist()
        [-2.5, 0.5]
    """
    fn, fp = _check_costs(fn_cost, fp_cost)
    return from_definition(
        CostSensitiveBCE,
        {"fn_cost": fn, "fp_cost": fp},
        factory=cost_sensitive_bce,
        factory_kwargs={"fn_cost": fn, "fp_cost": fp},
    )


# ---------------------------------------------------------------- cost-matrix cross-entropy


def class_weights_from_costs(cost_matrix: ArrayLike) -> np.ndarray:
    """Per-class weights of :func:`cost_matrix_cross_entropy`: the mean regret of each true class.

    ``w_i = mean over j != i of (C[i, j] - C[i, i])``: what a mistake on an
    example of class i costs on average beyond the right answer.

    Example:
        >>> class_weights_from_costs([[0, 1], [5, 0]]).tolist()
        [1.0, 5.0]
    """
    c = _as_cost_matrix(cost_matrix)
    k = c.shape[0]
    regret = c - np.diag(c)[:, None]
    return regret.sum(axis=1) / (k - 1)


def _cost_matrix_param(value: Any) -> tuple[tuple[float, ...], ...]:
    return _as_tuple(_as_cost_matrix(value))


class CostMatrixCrossEntropy(definition("cross_entropy")):
    """Softmax cross-entropy with each example weighted by the mean regret of its true class.

    The catalogue's ``cross_entropy`` formula (value -sum_c a_c log p_c,
    gradient A p - a, Hessian A (diag p - p p^T)) with the target weights
    a = w * onehot(y) (or w * t), w_i the mean regret of class i, and "mean"
    over rows. See :func:`cost_matrix_cross_entropy`.
    """

    name = "cost_matrix_cross_entropy"
    params = (Param("cost_matrix", None, check=_cost_matrix_param),)
    summary = "Softmax cross-entropy, each example weighted by its true class's mean regret."

    @classmethod
    def ignore_index(cls, params: Mapping[str, Any]) -> int | None:
        """No label is left out."""
        return None

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex; proper only when every class has the same weight (cross-entropy scaled)."""
        w = class_weights_from_costs(params["cost_matrix"])
        equal = bool(np.all(w == w[0]))
        return Properties(
            convex=True,
            smoothness="Cinf",
            lipschitz=float(np.max(w)) * math.sqrt(2.0),
            robust=True,
            proper=equal,
            calibrated=equal,
        )

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The log of the class frequencies, each class weighed by its mean regret."""
        w = class_weights_from_costs(params["cost_matrix"])
        t = np.asarray(y_true)
        rows = np.eye(len(w))[t] if t.dtype.kind in "biu" else t.astype(np.float64)
        flat = rows.reshape(-1, len(w))
        shape = rows.shape[:-1]
        per_row = np.ones(shape) if weights is None else np.broadcast_to(weights, shape)
        mass = (np.asarray(per_row, dtype=np.float64).reshape(-1) @ flat) * w
        with np.errstate(divide="ignore"):
            return np.log(mass / np.sum(mass))

    @classmethod
    def fused(cls, params: Mapping[str, Any]) -> bool:
        """The kernels know unit targets only: the plain path weighs by class."""
        return False

    @classmethod
    def targets(cls, batch: Batch, labels: bool, params: Mapping[str, Any]) -> tuple[Batch, Array]:
        """Targets w * onehot(y) for labels, w * t for probability rows; a mean is over rows."""
        xp, z = batch.xp, batch.y_pred
        k = z.shape[-1]
        class_weights = class_weights_from_costs(params["cost_matrix"])
        if len(class_weights) != k:
            raise ValueError(f"the cost matrix has {len(class_weights)} classes but y_pred has {k}")
        w = xp.asarray(class_weights, dtype=z.dtype)
        if labels:
            onehot = xp.astype(
                batch.y_true[..., None] == xp.arange(k, dtype=batch.y_true.dtype), z.dtype
            )
            return batch, onehot * w
        return batch, batch.y_true * w


def cost_matrix_cross_entropy(cost_matrix: ArrayLike) -> Loss:
    """Softmax cross-entropy with each example weighted by the mean regret of its true class.

    Domain: ``y_pred`` logits of shape (..., K); ``y_true`` integer labels of
    shape (...) in 0..K-1, or probability rows of shape (..., K);
    ``cost_matrix`` K x K with ``C[i, j]`` the cost of predicting j for truth i.

    Definition. Class i gets the weight w_i = mean_{j != i} (C[i, j] - C[i, i]),
    the average extra cost of a mistake on it, and the loss of a row is

        l = w_y (logsumexp(z) - z_y)          (labels)
        l = -sum_c w_c t_c log softmax(z)_c   (probability rows t)

    With a = w * onehot(y) (or w * t), A = sum_c a_c and p = softmax(z):
    gradient A p - a, Hessian A (diag(p) - p p^T), diagonal A p (1 - p). It is
    convex in z. Why this definition: it reduces to known losses exactly. For
    C = 1 - I (all mistakes cost 1) it is ``cross_entropy``; for K = 2 it is
    :func:`cost_sensitive_bce` on the logit difference z_1 - z_0, whose
    minimiser puts the cost-optimal decision at the argmax. For K > 2 a
    single weight per true class cannot express which wrong class is worse;
    for exact Bayes decisions under a general matrix, train a calibrated
    model and decide with :func:`bayes_decision`, or minimise the expected
    cost directly with :func:`expected_cost_softmax` (not convex). Unlike
    ``cross_entropy(class_weights=w)`` (PyTorch's convention), "mean" divides
    by the number of rows (or the sum of sample weights), not by the sum of
    w_y, so the mean is the mean of "none".

    Example:
        >>> loss = cost_matrix_cross_entropy([[0, 1], [5, 0]])
        >>> round(float(loss([[0.0, 0.0]], [1])), 6)  # 5 log 2
        3.465736
    """
    c = _as_tuple(_as_cost_matrix(cost_matrix))
    return from_definition(
        CostMatrixCrossEntropy,
        {"cost_matrix": c},
        factory=cost_matrix_cross_entropy,
        factory_args=(c,),
    )


# ---------------------------------------------------------------- expected cost under softmax


def _expected_cost_parts(
    y_pred: Any, y_true: Any, weights: Any, reduction: str, cost_matrix: Any
) -> tuple[Batch, Array, Array]:
    """The batch, p = softmax(z) and the cost row c of each example (C[y] or t @ C)."""
    b, labels = prepare_rows(y_pred, y_true, weights, reduction, labels_allowed=True)
    xp, z = b.xp, b.y_pred
    c = _as_cost_matrix(cost_matrix)
    if c.shape[0] != z.shape[-1]:
        raise ValueError(f"the cost matrix has {c.shape[0]} classes but y_pred has {z.shape[-1]}")
    cm = xp.asarray(c, dtype=z.dtype)
    rows = cm[b.y_true] if labels else b.y_true @ cm
    return b, softmax(xp, z), rows


def _expected_cost_softmax(
    y_pred: Any, y_true: Any, *, cost_matrix: Any, weights: Any = None, reduction: str = "mean"
) -> Array:
    b, p, c = _expected_cost_parts(y_pred, y_true, weights, reduction, cost_matrix)
    return b.value(b.xp.sum(c * p, axis=-1))


def _expected_cost_softmax_grad(
    y_pred: Any, y_true: Any, *, cost_matrix: Any, weights: Any = None, reduction: str = "mean"
) -> Array:
    b, p, c = _expected_cost_parts(y_pred, y_true, weights, reduction, cost_matrix)
    mean_cost = b.xp.sum(c * p, axis=-1, keepdims=True)
    return b.derivative(p * (c - mean_cost))


def _expected_cost_softmax_hess(
    y_pred: Any,
    y_true: Any,
    *,
    cost_matrix: Any,
    weights: Any = None,
    reduction: str = "mean",
    full: bool = False,
) -> Array:
    b, p, c = _expected_cost_parts(y_pred, y_true, weights, reduction, cost_matrix)
    xp = b.xp
    d = c - xp.sum(c * p, axis=-1, keepdims=True)
    if not full:
        return b.derivative(p * d * (1.0 - 2.0 * p))
    # d/dz_m [p_k d_k] = (delta_km p_k - p_k p_m) d_k - p_k p_m d_m
    eye = xp.eye(p.shape[-1], dtype=p.dtype)
    pk, pm = p[..., :, None], p[..., None, :]
    block = (pk * eye - pk * pm) * d[..., :, None] - pk * pm * d[..., None, :]
    return b.scale(b.weigh(xp.ones_like(p[..., 0]))[..., None, None] * block)


def expected_cost_softmax(cost_matrix: ArrayLike) -> Loss:
    """The expected cost of a softmax prediction: sum_j C[y, j] softmax(z)_j.

    Domain: ``y_pred`` logits of shape (..., K); ``y_true`` labels or
    probability rows t (then the cost row is t @ C); ``cost_matrix`` K x K.

    Formula, with p = softmax(z), c = C[y] and c̄ = sum_j c_j p_j (the loss):
    gradient p_k (c_k - c̄), Hessian (delta_km p_k - p_k p_m)(c_k - c̄) -
    p_k p_m (c_m - c̄), diagonal p_k (c_k - c̄)(1 - 2 p_k). It is the Bayes
    risk of randomising by p, bounded by the costs, but not convex: its
    gradient vanishes when the model is confidently wrong, and its Hessian
    can be negative (XGBoost and LightGBM need a positive Hessian; prefer
    :func:`cost_matrix_cross_entropy` there).

    Example:
        >>> loss = expected_cost_softmax([[0, 1], [5, 0]])
        >>> float(loss([[0.0, 0.0]], [1]))
        2.5
    """
    c = _as_tuple(_as_cost_matrix(cost_matrix))
    return CustomLoss(
        "expected_cost_softmax",
        _expected_cost_softmax,
        _expected_cost_softmax_grad,
        _expected_cost_softmax_hess,
        params={"cost_matrix": c},
        task="multiclass",
        y_pred_kind="logits",
        summary="Expected cost under softmax probabilities: the risk itself, not convex.",
        factory=expected_cost_softmax,
        factory_args=(c,),
    )


# ---------------------------------------------------------------- decisions and the metric


def bayes_threshold(fn_cost: float, fp_cost: float) -> float:
    """The cost-optimal probability threshold for calibrated probabilities: fp / (fp + fn).

    Predicting positive costs (1 - p) fp_cost in expectation, negative costs
    p fn_cost; positive is cheaper exactly when p > fp_cost / (fp_cost + fn_cost).

    Example:
        >>> round(bayes_threshold(fn_cost=5, fp_cost=1), 6)
        0.166667
    """
    fn, fp = _check_costs(fn_cost, fp_cost)
    return fp / (fp + fn)


def bayes_decision(proba: ArrayLike, cost_matrix: ArrayLike) -> np.ndarray:
    """The class of least expected cost for each row of probabilities: argmin_j (p @ C)_j.

    For K = 2 this predicts class 1 when p_1 > :func:`bayes_threshold` (ties go
    to the lower class).

    Example:
        >>> bayes_decision([[0.8, 0.2], [0.9, 0.1]], [[0, 1], [5, 0]]).tolist()
        [1, 0]
    """
    c = _as_cost_matrix(cost_matrix)
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != c.shape[0]:
        raise ValueError(
            f"proba must have shape (n, {c.shape[0]}) to match the cost matrix, got {p.shape}"
        )
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError("proba must be finite and non-negative")
    return np.argmin(p @ c, axis=1)


def _labels(x: ArrayLike, name: str, k: int) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of labels, got shape {arr.shape}")
    if arr.dtype.kind == "f" and (not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr))):
        raise ValueError(f"{name} must hold whole-number labels")
    labels = arr.astype(np.int64)
    if np.any((labels < 0) | (labels >= k)):
        bad = int(labels[(labels < 0) | (labels >= k)][0])
        raise ValueError(f"{name} holds label {bad}, outside the classes 0..{k - 1}")
    return labels


def _sample_weight(sample_weight: ArrayLike | None, n: int) -> np.ndarray:
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},), got {w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
        raise ValueError("sample_weight must be finite, non-negative and not all 0")
    return w


def expected_cost(
    y_pred: ArrayLike,
    y_true: ArrayLike,
    cost_matrix: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
) -> float:
    """Mean cost of hard predictions: mean over examples of ``C[y_true, y_pred]``.

    Prediction first, truth second, like every losslab function (L(ŷ, y));
    with an asymmetric cost matrix swapping them changes the result.

    Args:
        y_pred: predicted labels 0..K-1, shape (n,).
        y_true: true labels 0..K-1, shape (n,).
        cost_matrix: K x K, ``C[i, j]`` the cost of predicting j when the truth is i.
        sample_weight: optional non-negative weights; the mean is weighted.

    Example:
        >>> # predictions [0, 0, 1, 1] for truths [1, 1, 1, 0]: two false negatives
        >>> # (C[1, 0] = 5 each) and one false positive (C[0, 1] = 1): 11 / 4
        >>> expected_cost([0, 0, 1, 1], [1, 1, 1, 0], [[0, 1], [5, 0]])
        2.75
    """
    c = _as_cost_matrix(cost_matrix)
    k = c.shape[0]
    p = _labels(y_pred, "y_pred", k)
    t = _labels(y_true, "y_true", k)
    if p.shape != t.shape:
        raise ValueError(f"y_pred and y_true must have the same shape, got {p.shape} and {t.shape}")
    w = _sample_weight(sample_weight, t.size)
    return float(np.sum(w * c[t, p]) / np.sum(w))


class ThresholdChoice(NamedTuple):
    """A decision threshold (predict positive when p > threshold) and its mean cost."""

    threshold: float
    expected_cost: float


def _binary_inputs(
    proba: ArrayLike, y_true: ArrayLike, sample_weight: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p = np.asarray(proba, dtype=np.float64)
    y = _labels(y_true, "y_true", 2)
    if p.shape != y.shape:
        raise ValueError(f"proba and y_true must have the same shape, got {p.shape} and {y.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError("proba must be finite")
    return p, y, _sample_weight(sample_weight, y.size)


def cost_at_threshold(
    proba: ArrayLike,
    y_true: ArrayLike,
    threshold: float,
    fn_cost: float,
    fp_cost: float,
    *,
    sample_weight: ArrayLike | None = None,
) -> float:
    """Mean cost of predicting positive when ``proba > threshold``.

    Scores first, truth second, like every losslab function (L(ŷ, y)).

    Example:
        >>> cost_at_threshold([0.3, 0.6], [1, 0], 0.5, fn_cost=5, fp_cost=1)  # (5 + 1) / 2
        3.0
    """
    fn, fp = _check_costs(fn_cost, fp_cost)
    p, y, w = _binary_inputs(proba, y_true, sample_weight)
    positive = p > float(threshold)
    cost = np.where(y == 1, fn * ~positive, fp * positive)
    return float(np.sum(w * cost) / np.sum(w))


def best_threshold(
    proba: ArrayLike,
    y_true: ArrayLike,
    fn_cost: float,
    fp_cost: float,
    *,
    sample_weight: ArrayLike | None = None,
) -> ThresholdChoice:
    """The threshold of least mean cost on validation data, scanning every distinct score.

    Rule: predict positive when ``proba > threshold``. Candidates are each
    distinct value of ``proba`` and one just below the smallest (everything
    positive); all n + 1 costs come from one sort and cumulative sums, in
    O(n log n). Ties in cost go to the candidate nearest
    :func:`bayes_threshold`. ``proba`` may be any score that ranks examples
    (a logit works too); the Bayes threshold applies to calibrated
    probabilities only. Scores first, truth second, like every losslab
    function (L(ŷ, y)).

    Returns:
        ``ThresholdChoice(threshold, expected_cost)``.

    Example:
        >>> best_threshold([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], fn_cost=5, fp_cost=1)
        ThresholdChoice(threshold=0.1, expected_cost=0.25)
    """
    fn, fp = _check_costs(fn_cost, fp_cost)
    p, y, w = _binary_inputs(proba, y_true, sample_weight)
    values, inverse = np.unique(p, return_inverse=True)
    pos_w = np.bincount(inverse, weights=w * (y == 1), minlength=values.size)
    neg_w = np.bincount(inverse, weights=w * (y == 0), minlength=values.size)
    # At threshold values[k], examples with p <= values[k] are predicted negative.
    false_neg = np.concatenate(([0.0], np.cumsum(pos_w)))
    false_pos = neg_w.sum() - np.concatenate(([0.0], np.cumsum(neg_w)))
    costs = (fn * false_neg + fp * false_pos) / w.sum()
    candidates = np.concatenate(([np.nextafter(values[0], -np.inf)], values))
    best = np.flatnonzero(costs <= costs.min() * (1 + 1e-12) + 1e-300)
    target = fp / (fp + fn)
    k = best[np.argmin(np.abs(candidates[best] - target))]
    return ThresholdChoice(float(candidates[k]), float(costs[k]))


def threshold_summary(
    proba: ArrayLike,
    y_true: ArrayLike,
    fn_cost: float,
    fp_cost: float,
    *,
    sample_weight: ArrayLike | None = None,
) -> dict[str, ThresholdChoice]:
    """Mean cost on validation data at 0.5, at the Bayes threshold and at the best threshold.

    Scores first, truth second, like every losslab function (L(ŷ, y)).

    Returns:
        ``{"default": ..., "bayes": ..., "best": ...}``, each a
        :class:`ThresholdChoice`. When "bayes" costs much more than "best",
        the probabilities are not calibrated (or the validation set is small).

    Example:
        >>> summary = threshold_summary([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 5, 1)
        >>> [(k, round(v.threshold, 3), v.expected_cost) for k, v in summary.items()]
        [('default', 0.5, 1.25), ('bayes', 0.167, 0.25), ('best', 0.1, 0.25)]
    """
    kwargs = {"sample_weight": sample_weight}
    bayes = bayes_threshold(fn_cost, fp_cost)
    return {
        "default": ThresholdChoice(
            0.5, cost_at_threshold(proba, y_true, 0.5, fn_cost, fp_cost, **kwargs)
        ),
        "bayes": ThresholdChoice(
            bayes, cost_at_threshold(proba, y_true, bayes, fn_cost, fp_cost, **kwargs)
        ),
        "best": best_threshold(proba, y_true, fn_cost, fp_cost, **kwargs),
    }

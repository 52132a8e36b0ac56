"""Classification losses on probabilities, logits and rows of logits.

Binary targets are 0/1 (soft labels in [0, 1] where the loss allows them);
the hinge losses also accept -1/+1. Multiclass targets are integer labels or
rows of probabilities. ``bce`` takes a probability; the others take raw
scores (logits), to which the sigmoid or softmax link is applied inside, in a
numerically stable form. Each loss is one definition (see
:mod:`losslab.losses._define`), written once for the plain and fused paths.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from array_api_compat import device

from losslab import links
from losslab._array import Array, namespace
from losslab._math import m
from losslab.losses._define import Elementwise, Param, SoftmaxRows, positive
from losslab.losses._properties import Properties, broadcast_weights, mean_target_row
from losslab.losses._registry import register
from losslab.losses._regression import MSE
from losslab.losses.batch import Batch, as_array, as_float


def _class_masses(y_true: Any, weights: Any) -> tuple[float, float]:
    """The total weight of the positive and of the negative examples (labels 0/1 or -1/+1)."""
    t = np.asarray(y_true, dtype=np.float64)
    w = np.ones_like(t) if weights is None else broadcast_weights(weights, t.shape)
    return float(np.sum(w[t > 0])), float(np.sum(w[t <= 0]))


def _focal_force(gamma: float) -> float:
    """Focal's largest force: the maximum over p in (0, 1) of (1 - p)^g (g p (-log p) + 1 - p)."""
    from scipy.optimize import minimize_scalar

    def force(z: float) -> float:
        p = 1.0 / (1.0 + math.exp(-z))  # p = sigmoid(z), over the whole real line
        return (1.0 - p) ** gamma * (gamma * p * -math.log(p) + 1.0 - p) if p > 0 else 1.0

    best = minimize_scalar(lambda z: -force(z), bounds=(-40.0, 40.0), method="bounded",
                           options={"xatol": 1e-12})  # fmt: skip
    return max(1.0, -float(best.fun))


# ---------------------------------------------------------------- bce on probabilities


class BCE(Elementwise):
    r"""Binary cross-entropy on probabilities: -[y log p + (1 - y) log(1 - p)].

    Domain: ``y_pred`` probabilities p in [0, 1]; ``y_true`` in [0, 1] (0/1
    labels or soft labels), same shape.

    $$
    \begin{gathered}
    \ell(p) = -\left[y \log p + (1 - y) \log(1 - p)\right], \\
    \ell'(p) = -\frac{y}{p} + \frac{1 - y}{1 - p}, \qquad \ell''(p) = \frac{y}{p^2} + \frac{1 -
    y}{(1 - p)^2}.
    \end{gathered}
    $$

    Formula: l = -[y log p + (1 - y) log(1 - p)], gradient
    -y / p + (1 - y) / (1 - p), Hessian y / p² + (1 - y) / (1 - p)².

    Clipping: the argument of each log, p and 1 - p, is clipped below at eps,
    the machine epsilon of ``y_pred``'s dtype (2.2e-16 for float64, 1.2e-7
    for float32). So a confident wrong answer (p = 0 for y = 1) costs at most
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

    name = "bce"
    task = "binary"
    link = links.PROBABILITY
    pred_domain = "probability"
    true_domain = "probability"
    summary = "Binary cross-entropy on probabilities: confident wrong answers cost most."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex in p, proper (the log score); the force 1/p is unbounded near 0 and 1."""
        return Properties(
            convex=True,
            smoothness="Cinf",
            lipschitz=None,
            robust=False,
            proper=True,
            calibrated=True,
        )

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The weighted base rate of class 1."""
        t = np.asarray(y_true, dtype=np.float64)
        return np.asarray(np.average(t, weights=broadcast_weights(weights, t.shape)))

    @classmethod
    def arguments(cls, params: Mapping[str, Any], eps: float) -> tuple[float, ...]:
        """The clipping point: the machine epsilon of ``y_pred``'s dtype."""
        return (eps,)

    @staticmethod
    def value(p, t, eps):
        # log(1 - p) as log1p(-p): exact for a tiny p, where 1 - p rounds to 1. The + 0.0
        # turns the -0.0 of a perfect prediction into 0.0.
        log_q = m.where(1.0 - p >= eps, m.log1p(-m.minimum(p, 1.0 - eps)), math.log(eps))
        return -(t * m.log(m.maximum(p, eps)) + (1.0 - t) * log_q) + 0.0

    @staticmethod
    def grad(p, t, eps):
        """-y / p + (1 - y) / (1 - p), each term 0 where its log is clipped."""
        q = 1.0 - p
        up = m.where(p >= eps, t / m.maximum(p, eps), 0.0)
        down = m.where(q >= eps, (1.0 - t) / m.maximum(q, eps), 0.0)
        return down - up

    @staticmethod
    def hess(p, t, eps):
        """Y / p² + (1 - y) / (1 - p)², each term 0 where its log is clipped."""
        q = 1.0 - p
        pc, qc = m.maximum(p, eps), m.maximum(q, eps)
        return m.where(p >= eps, t / pc / pc, 0.0) + m.where(q >= eps, (1.0 - t) / qc / qc, 0.0)


# ---------------------------------------------------------------- bce on logits


class MSEProbability(Elementwise):
    r"""Squared error of a probability: the seeds' "MSE applied to classification outputs".

    Domain: ``y_pred`` probabilities in [0, 1] (a model puts a sigmoid in front,
    the link's head); ``y_true`` labels 0/1 or soft labels in [0, 1].

    $$
    \ell(p) = (p - y)^2, \qquad \ell'(p) = 2 (p - y), \qquad \ell''(p) = 2.
    $$

    Formula: l = (p - y)², gradient 2 (p - y), Hessian 2: :func:`mse`'s element
    functions, read on a probability. It is the binary Brier score
    (``sklearn.metrics.brier_score_loss``), a proper scoring rule. Through the
    sigmoid head the gradient in the logit z is 2 (p - y) p (1 - p), which
    vanishes when the sigmoid saturates however wrong the answer: the plateau
    that makes cross-entropy the better classification loss (compare it with
    ``bce`` in ``losslab compare`` or the playground).

    Example:
        >>> mse_probability([0.9, 0.2], [1.0, 1.0], reduction="none").round(6).tolist()
        [0.01, 0.64]
    """

    name = "mse_probability"
    task = "binary"
    link = links.PROBABILITY
    pred_domain = "probability"
    true_domain = "probability"
    summary = (
        "MSE on a sigmoid probability (the Brier score): plateaus where the sigmoid saturates."
    )

    value = MSE.value
    grad = MSE.grad
    hess = MSE.hess

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex in p, proper (the Brier score); the force 2 |p - y| is at most 2."""
        return Properties(
            convex=True,
            smoothness="Cinf",
            lipschitz=2.0,
            robust=True,
            proper=True,
            calibrated=True,
        )

    optimal_constant = BCE.optimal_constant


class BCEWithLogits(Elementwise):
    r"""Binary cross-entropy on a logit z: bce(sigmoid(z), y), computed without the sigmoid.

    Domain: ``y_pred`` real logits z; ``y_true`` in [0, 1] (0/1 or soft
    labels), same shape; ``pos_weight > 0`` multiplies the positive term.

    $$
    \begin{gathered}
    \ell(z) = w\, y \operatorname{softplus}(-z) + (1 - y) \operatorname{softplus}(z), \\
    \frac{\partial \ell}{\partial z} = -w\, y\, \sigma(-z) + (1 - y)\, \sigma(z), \qquad
    \frac{\partial^2 \ell}{\partial z^2} = (w y + 1 - y)\, \sigma(z)\, \sigma(-z), \\
    \operatorname{softplus}(x) = \log(1 + e^x),\ \sigma(x) = \frac{1}{1 + e^{-x}}.
    \end{gathered}
    $$

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

    name = "bce_with_logits"
    task = "binary"
    link = links.LOGIT
    true_domain = "probability"
    params = (positive("pos_weight", 1.0),)
    summary = "Binary cross-entropy on logits, stable for any logit; pos_weight for imbalance."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex, force at most max(pos_weight, 1); proper only without a pos_weight."""
        pos_weight = float(params["pos_weight"])
        unweighted = pos_weight == 1.0
        return Properties(
            convex=True,
            smoothness="Cinf",
            lipschitz=max(pos_weight, 1.0),
            robust=True,
            proper=unweighted,
            calibrated=unweighted,
        )

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The log-odds of the base rate, with positives weighed by pos_weight."""
        t = np.asarray(y_true, dtype=np.float64)
        rate = np.average(t, weights=broadcast_weights(weights, t.shape))
        positive, negative = float(params["pos_weight"]) * rate, 1.0 - rate
        with np.errstate(divide="ignore"):
            return np.asarray(np.log(positive) - np.log(negative))

    @classmethod
    def arguments(cls, params: Mapping[str, Any], eps: float) -> tuple[float, ...]:
        """The weights of the positive and the negative term: pos_weight and 1."""
        return float(params["pos_weight"]), 1.0

    @staticmethod
    def value(z, t, positive, negative):
        return positive * t * m.softplus(-z) + negative * (1.0 - t) * m.softplus(z)

    @staticmethod
    def grad(z, t, positive, negative):
        """-w y sigmoid(-z) + (1 - y) sigmoid(z): sigmoid(z) - y for w = 1.

        The two terms are kept apart so a gradient near 0 for a confident
        right answer is not lost to cancellation.
        """
        return negative * (1.0 - t) * m.sigmoid(z) - positive * t * m.sigmoid(-z)

    @staticmethod
    def hess(z, t, positive, negative):
        """(w y + 1 - y) sigmoid(z) sigmoid(-z)."""
        return (positive * t + negative * (1.0 - t)) * m.sigmoid_product(z)


# ---------------------------------------------------------------- focal


def _focal_parts(z, t, gamma):
    """The margin's sign s, -log p_t, the modulator (1 - p_t)^gamma, p_t and 1 - p_t."""
    s = 2.0 * t - 1.0
    margin = s * z  # positive when the prediction is right
    # (1 - p_t)^gamma = sigmoid(-margin)^gamma = exp(-gamma softplus(margin)), in log space.
    modulator = m.exp(-gamma * m.softplus(margin))
    return s, m.softplus(-margin), modulator, m.sigmoid(margin), m.sigmoid(-margin)


class Focal(Elementwise):
    r"""Binary focal loss (Lin et al. 2017) on a logit z: cross-entropy scaled down when right.

    Domain: ``y_pred`` real logits; ``y_true`` 0/1 labels, same shape;
    ``gamma >= 0``; ``alpha`` in [0, 1] or None for no class weighting.

    $$
    \begin{gathered}
    \ell(z) = -\alpha_t (1 - p_t)^\gamma \log p_t, \qquad \frac{\partial \ell}{\partial z} =
    -\alpha_t\, s\, u^\gamma \left(\gamma\, \sigma(m) \operatorname{softplus}(-m) + u\right), \\
    \frac{\partial^2 \ell}{\partial z^2} = \alpha_t\, u^\gamma\, \sigma(m) \left(\gamma
    \operatorname{softplus}(-m) \left(\gamma\, \sigma(m) - u\right) + (2 \gamma + 1)\, u\right),
    \\
    s = 2y - 1,\ m = s z,\ p_t = \sigma(m),\ u = 1 - p_t.
    \end{gathered}
    $$

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

    name = "focal"
    task = "binary"
    link = links.LOGIT
    true_domain = "binary"
    params = (Param("gamma", 2.0, low=0.0), Param("alpha", None, high=1.0, low=0.0, optional=True))
    summary = "Focal loss: cross-entropy scaled by (1 - p_t)^gamma to focus on hard examples."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Non-convex for gamma > 0, and not proper; calibrated without alpha.

        Its minimiser is not the probability but a monotone map of it
        (Charoenphakdee et al. 2021). The largest force is max(alpha_t) times
        the maximum over p in (0, 1) of (1 - p)^gamma (gamma p (-log p) + 1 - p),
        at least 1 (its limit at p = 0).
        """
        gamma, alpha = float(params["gamma"]), params["alpha"]
        balanced = alpha is None or float(alpha) == 0.5
        top = 1.0 if alpha is None else max(float(alpha), 1.0 - float(alpha))
        return Properties(
            convex=gamma == 0.0,
            smoothness="Cinf",
            lipschitz=top * _focal_force(gamma),
            robust=True,
            proper=gamma == 0.0 and balanced,
            calibrated=balanced,
        )

    @classmethod
    def arguments(cls, params: Mapping[str, Any], eps: float) -> tuple[float, ...]:
        """Gamma and the weights of the positive and negative class (1 and 1 without alpha)."""
        alpha = params["alpha"]
        positive_weight = 1.0 if alpha is None else float(alpha)
        negative_weight = 1.0 if alpha is None else 1.0 - float(alpha)
        return float(params["gamma"]), positive_weight, negative_weight

    @staticmethod
    def value(z, t, gamma, alpha_pos, alpha_neg):
        _, ce, modulator, _, _ = _focal_parts(z, t, gamma)
        return (alpha_pos * t + alpha_neg * (1.0 - t)) * modulator * ce

    @staticmethod
    def grad(z, t, gamma, alpha_pos, alpha_neg):
        """-alpha_t s (1 - p_t)^gamma (gamma p_t (-log p_t) + 1 - p_t), s = 2y - 1."""
        s, ce, modulator, right, wrong = _focal_parts(z, t, gamma)
        # right * ce first: 0 * (huge ce) stays 0 where gamma * ce alone would overflow.
        alpha_t = alpha_pos * t + alpha_neg * (1.0 - t)
        return -alpha_t * s * modulator * (gamma * (right * ce) + wrong)

    @staticmethod
    def hess(z, t, gamma, alpha_pos, alpha_neg):
        """alpha_t u^g (g p_t (-log p_t)(g p_t - u) + (2 g + 1) p_t u), u = 1 - p_t, g = gamma."""
        _, ce, modulator, right, wrong = _focal_parts(z, t, gamma)
        alpha_t = alpha_pos * t + alpha_neg * (1.0 - t)
        inner = gamma * (right * ce) * (gamma * right - wrong) + (2.0 * gamma + 1.0) * right * wrong
        return alpha_t * modulator * inner


# ---------------------------------------------------------------- hinge losses


def _slack(z, t):
    """The sign s = ±1 of the label (0 maps to -1) and the slack 1 - s z."""
    s = m.where(t == 0.0, -1.0, t)
    return s, 1.0 - s * z


class Hinge(Elementwise):
    r"""Hinge loss of a support vector machine on a score z: max(0, 1 - s z).

    Domain: ``y_pred`` real scores (logits); ``y_true`` labels 0/1 or -1/+1
    (0 is mapped to -1), same shape.

    $$
    \ell(z) = \max(0, 1 - s z), \qquad \frac{\partial \ell}{\partial z} = -s\, [\,s z < 1\,],
    \qquad \frac{\partial^2 \ell}{\partial z^2} = 0, \qquad s = \pm 1.
    $$

    Formula, with s = ±1: l = max(0, 1 - s z), gradient -s where s z < 1 and
    0 elsewhere (the subgradient 0 at the kink s z = 1), Hessian 0. Same as
    ``sklearn.metrics.hinge_loss`` for binary labels.

    Example:
        >>> hinge([2.0, 0.5, -1.0], [1, 1, 1], reduction="none").tolist()
        [0.0, 0.5, 2.0]
    """

    name = "hinge"
    task = "binary"
    link = links.LOGIT
    true_domain = "signed_binary"
    summary = "SVM hinge: zero once the margin passes 1, linear before."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex with a kink at margin 1, calibrated but not proper."""
        return Properties(
            convex=True,
            smoothness="C0",
            lipschitz=1.0,
            robust=True,
            proper=False,
            calibrated=True,
        )

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """+1 or -1, the sign of the weighted majority (0 on a tie)."""
        positive, negative = _class_masses(y_true, weights)
        return np.asarray(float(np.sign(positive - negative)))

    @staticmethod
    def value(z, t):
        return m.maximum(_slack(z, t)[1], 0.0)

    @staticmethod
    def grad(z, t):
        """-s where s z < 1, else 0."""
        s, slack = _slack(z, t)
        return m.where(slack > 0.0, -s, 0.0)

    @staticmethod
    def hess(z, t):
        """0 everywhere (piecewise linear)."""
        return m.fill(z, 0.0)


class SquaredHinge(Elementwise):
    r"""Squared hinge loss on a score z: max(0, 1 - s z)².

    Domain: as :func:`hinge`.

    $$
    \ell(z) = \max(0, 1 - s z)^2, \qquad \frac{\partial \ell}{\partial z} = -2 s \max(0, 1 - s
    z), \qquad \frac{\partial^2 \ell}{\partial z^2} = 2\, [\,s z < 1\,].
    $$

    Formula: l = max(0, 1 - s z)², gradient -2 s max(0, 1 - s z), Hessian 2
    where s z < 1 and 0 elsewhere. Differentiable everywhere, unlike the
    hinge. Same as Keras' ``SquaredHinge`` and scikit-learn's
    ``LinearSVC(loss="squared_hinge")`` objective.

    Example:
        >>> squared_hinge([2.0, 0.5, -1.0], [1, 1, 1], reduction="none").tolist()
        [0.0, 0.25, 4.0]
    """

    name = "squared_hinge"
    task = "binary"
    link = links.LOGIT
    true_domain = "signed_binary"
    summary = "Squared hinge: a smooth SVM loss, quadratic until the margin passes 1."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex and once differentiable, calibrated but not proper; unbounded force."""
        return Properties(
            convex=True,
            smoothness="C1",
            lipschitz=None,
            robust=False,
            proper=False,
            calibrated=True,
        )

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """(W+ - W-) / (W+ + W-), with W± the weight of each class."""
        positive, negative = _class_masses(y_true, weights)
        return np.asarray((positive - negative) / (positive + negative))

    @staticmethod
    def value(z, t):
        active = m.maximum(_slack(z, t)[1], 0.0)
        return active * active

    @staticmethod
    def grad(z, t):
        """-2 s max(0, 1 - s z)."""
        s, slack = _slack(z, t)
        return -2.0 * s * m.maximum(slack, 0.0)

    @staticmethod
    def hess(z, t):
        """2 where s z < 1, else 0."""
        return m.where(_slack(z, t)[1] > 0.0, 2.0, 0.0)


# ---------------------------------------------------------------- softmax losses


def _class_weights(value: Any) -> tuple[float, ...] | None:
    if value is None:
        return None
    try:
        cw = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        cw = None
    if cw is None or isinstance(value, str):
        raise ValueError(
            f"class_weights must be None or a 1-D sequence of non-negative numbers, one per "
            f"class, got {value!r}"
        )
    if cw.ndim != 1 or cw.size == 0:
        raise ValueError(f"class_weights must be a 1-D sequence, got shape {cw.shape}")
    if not np.all(np.isfinite(cw)) or np.any(cw < 0):
        raise ValueError(f"class_weights must be finite and non-negative, got {cw.tolist()}")
    return tuple(float(c) for c in cw)


def _flag(name: str) -> Any:
    def check(value: Any) -> bool:
        # "true"/"false" as typed in a spec on the command line (kl_div:log_target=true).
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {value!r}")
        return bool(value)

    return check


def _index(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"ignore_index must be an integer, got {value!r}")
    return int(value)


class CrossEntropy(SoftmaxRows):
    r"""Multiclass cross-entropy on rows of logits: -log softmax(z)_y.

    Domain: ``y_pred`` logits of shape (..., K); ``y_true`` integer labels of
    shape (...) in 0..K-1 (rows equal to ``ignore_index`` are left out), or
    probability rows of shape (..., K). ``class_weights`` K non-negative
    numbers; ``label_smoothing`` eps in [0, 1] mixes the target with the
    uniform distribution.

    $$
    \begin{gathered}
    \ell(z) = -\sum_c a_c \log \operatorname{softmax}(z)_c = A \operatorname{logsumexp}(z) -
    \sum_c a_c z_c, \qquad A = \sum_c a_c, \\
    \nabla_z \ell = A\, p - a, \qquad \nabla_z^2 \ell = A \left(\operatorname{diag}(p) - p
    p^\top\right), \qquad p = \operatorname{softmax}(z).
    \end{gathered}
    $$

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

    name = "cross_entropy"
    task = "multiclass"
    link = links.SOFTMAX
    params = (
        Param("class_weights", None, check=_class_weights),
        Param("label_smoothing", 0.0, low=0.0, high=1.0),
        Param("ignore_index", -100, check=_index),
    )
    summary = "Softmax cross-entropy on rows of logits; gradient softmax(z) - onehot(y)."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex in the logits; proper without class weights or smoothing.

        The gradient A p - a is affine in p and in the target, so its length is
        largest at a one-hot target e_y and p at a vertex e_j:
        |A e_j - a| over y and j. Without class weights that is
        sqrt(1 + (1 - eps)² - eps²/K), whose least bound over every number of
        classes K is sqrt(1 + (1 - eps)²) (sqrt 2 without smoothing); class
        weights fix K, and the maximum over y and j is computed.
        """
        cw, eps = params["class_weights"], float(params["label_smoothing"])
        if cw is None:
            lipschitz = math.sqrt(1.0 + (1.0 - eps) ** 2)
        else:
            w = np.asarray(cw, dtype=np.float64)
            targets = (1.0 - eps) * np.diag(w) + (eps / w.size) * w  # a for each label y
            totals = targets.sum(axis=1)  # A for each label y
            # |A e_j - a|² = |a|² - 2 A a_j + A², for every label y (rows) and vertex j.
            lengths = (targets**2).sum(axis=1)[:, None] - 2.0 * totals[:, None] * targets
            lipschitz = math.sqrt(max(float(np.max(lengths + totals[:, None] ** 2)), 0.0))
        return Properties(
            convex=True,
            smoothness="Cinf",
            lipschitz=lipschitz,
            robust=True,
            proper=cw is None and eps == 0.0,
            calibrated=cw is None,
        )

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The log of the (weighted, smoothed) class frequencies: a row of K logits.

        Labels give K as the largest label + 1, or the length of class_weights.
        """
        t = np.asarray(y_true)
        cw = params["class_weights"]
        if t.dtype.kind in "biu":
            keep = t != int(params["ignore_index"])
            n_classes = len(cw) if cw is not None else int(t[keep].max()) + 1
            logits = np.zeros((*t.shape, n_classes))
            batch, labels = (
                Batch(np, logits, t, broadcast_weights(weights, t.shape), "mean", 1.0),
                True,
            )
        else:
            t = t.astype(np.float64)
            weights = broadcast_weights(weights, t.shape[:-1])
            batch, labels = Batch(np, np.zeros_like(t), t, weights, "mean", 1.0), False
        _, target = cls.targets(batch, labels, params)
        mass = np.sum(batch.weigh(target).reshape(-1, target.shape[-1]), axis=0)
        with np.errstate(divide="ignore"):
            return np.log(mass / np.sum(mass))

    @staticmethod
    def term(a, log_p):
        """-a log p, 0 where a = 0 (even where log p = -inf)."""
        return m.where(a == 0.0, 0.0, -a * log_p)

    @classmethod
    def ignore_index(cls, params: Mapping[str, Any]) -> int | None:
        """The ``ignore_index`` parameter."""
        return int(params["ignore_index"])

    @classmethod
    def fused(cls, params: Mapping[str, Any]) -> bool:
        """The kernels compute plain labels and rows: no class weights, no smoothing."""
        return params["class_weights"] is None and float(params["label_smoothing"]) == 0.0

    @classmethod
    def targets(cls, batch: Batch, labels: bool, params: Mapping[str, Any]) -> tuple[Batch, Array]:
        """Target weights a per logit, and the batch with PyTorch's normaliser.

        For labels y, a_c = (1 - eps) w_y [c = y] + (eps / K) w_c (0 for
        ignored rows), and a mean divides by the sum of w_y over the rows
        kept, as PyTorch does. For probability rows t, a_c = w_c ((1 - eps)
        t_c + eps / K) and a mean divides by the number of rows.
        """
        xp, z = batch.xp, batch.y_pred
        n_classes = z.shape[-1]
        class_weights, smoothing = params["class_weights"], float(params["label_smoothing"])
        cw = None
        if class_weights is not None:
            if len(class_weights) != n_classes:
                raise ValueError(
                    f"class_weights has {len(class_weights)} entries but y_pred has "
                    f"{n_classes} classes"
                )
            cw = xp.asarray(class_weights, dtype=z.dtype, device=device(z))
        smooth = smoothing / n_classes
        if not labels:
            target = (1.0 - smoothing) * batch.y_true + smooth
            return batch, target if cw is None else target * cw
        valid = batch.y_true != params["ignore_index"]
        safe = xp.where(valid, batch.y_true, xp.zeros_like(batch.y_true))
        classes = xp.arange(n_classes, dtype=safe.dtype, device=device(z))
        onehot = xp.astype(safe[..., None] == classes, z.dtype)
        keep = xp.astype(valid, z.dtype)
        w_y = keep if cw is None else xp.sum(onehot * cw, axis=-1) * keep
        target = (1.0 - smoothing) * onehot * w_y[..., None]
        target = target + smooth * (keep[..., None] if cw is None else cw * keep[..., None])
        normalizer = xp.sum(batch.weigh(w_y))
        if batch.reduction == "mean" and not float(normalizer) > 0:
            raise ValueError(
                "y_true: every row is ignored (ignore_index) or has class weight 0, "
                "so the mean is undefined"
            )
        return dataclasses.replace(batch, normalizer=normalizer), target


class KLDiv(SoftmaxRows):
    r"""Kullback-Leibler divergence KL(t || softmax(z)) of target rows t from logits z.

    Domain: ``y_pred`` logits of shape (..., K); ``y_true`` probability rows
    of the same shape, each summing to 1.

    $$
    \begin{gathered}
    \ell(z) = \sum_c t_c \left(\log t_c - \log p_c\right), \qquad p = \operatorname{softmax}(z),
    \\
    \nabla_z \ell = p - t, \qquad \nabla_z^2 \ell = \operatorname{diag}(p) - p p^\top.
    \end{gathered}
    $$

    With ``log_target=True``, ``y_true`` holds the rows' log-probabilities
    log t (as in PyTorch's and optax's ``log_target``), which may be -inf.

    Formula, per row, with p = softmax(z): l = sum_c t_c (log t_c - log p_c),
    taking 0 log 0 = 0; gradient p - t (times sum_c t_c = 1); Hessian
    diag(p) - p p^T, whose diagonal p (1 - p) ``hess`` returns (the blocks
    with ``full=True``). It equals cross-entropy against t minus the entropy
    of t, so it has the same gradient and is 0 when p = t (up to rounding of
    the terms, which may leave a tiny negative value). One example is one
    row, so "mean" averages over rows: PyTorch's
    ``kl_div(log_softmax(z), t, reduction="batchmean")``; PyTorch's own
    "mean" divides by the number of elements n K, which is not the KL.

    Example:
        >>> float(kl_div([[0.0, 0.0]], [[0.5, 0.5]]))
        0.0
    """

    name = "kl_div"
    task = "multiclass"
    link = links.SOFTMAX
    labels_allowed = False
    params = (Param("log_target", False, check=_flag("log_target")),)
    summary = "KL divergence of target probability rows from softmax(logits)."

    @classmethod
    def read_true(cls, y_true: Any, params: Mapping[str, Any]) -> Any:
        """The probability rows exp(y_true) when ``log_target``, else ``y_true``."""
        if not params["log_target"]:
            return y_true
        xp = namespace(y_true)
        log_t = as_float(xp, as_array(xp, y_true, "y_true"), "y_true")
        if bool(xp.any(xp.isnan(log_t) | (log_t > 1e-12))):
            bad = log_t[xp.isnan(log_t) | (log_t > 1e-12)][0]
            raise ValueError(
                f"y_true must hold log-probabilities (<= 0) with log_target=True, got {float(bad)}"
            )
        return xp.exp(log_t)

    @classmethod
    def fused(cls, params: Mapping[str, Any]) -> bool:
        """The kernels read probability rows: log targets take the plain path."""
        return not params["log_target"]

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex in the logits, proper; the gradient p - t is at most sqrt 2 long."""
        return Properties(
            convex=True,
            smoothness="Cinf",
            lipschitz=math.sqrt(2.0),
            robust=True,
            proper=True,
            calibrated=True,
        )

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """The log of the weighted mean target row (of exp(y_true) with ``log_target``)."""
        rows = np.asarray(cls.read_true(y_true, params), dtype=np.float64)
        with np.errstate(divide="ignore"):
            return np.log(mean_target_row(rows, weights))

    @staticmethod
    def term(a, log_p):
        """T (log t - log p), 0 where t = 0."""
        return m.where(a > 0.0, a * (m.log(a) - log_p), 0.0)

    @classmethod
    def targets(cls, batch: Batch, labels: bool, params: Mapping[str, Any]) -> tuple[Batch, Array]:
        """The target rows themselves."""
        return batch, batch.y_true


bce, bce_grad, bce_hess = register(BCE)
mse_probability, mse_probability_grad, mse_probability_hess = register(MSEProbability)
bce_with_logits, bce_with_logits_grad, bce_with_logits_hess = register(BCEWithLogits)
cross_entropy, cross_entropy_grad, cross_entropy_hess = register(CrossEntropy)
focal, focal_grad, focal_hess = register(Focal)
hinge, hinge_grad, hinge_hess = register(Hinge)
squared_hinge, squared_hinge_grad, squared_hinge_hess = register(SquaredHinge)
kl_div, kl_div_grad, kl_div_hess = register(KLDiv)

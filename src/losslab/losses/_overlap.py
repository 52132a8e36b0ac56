"""Overlap losses of segmentation: soft Dice and Tversky, one number for the whole batch.

Both are :class:`~losslab.losses._define.Whole` definitions: ``y_pred`` holds
probabilities, ``y_true`` binary (or soft) targets of the same shape, and the
loss is a ratio of sums over every element of the batch (the batch, not the
example, is the unit: the loss of a batch is not the mean of its examples').

Both have the form l = A / D, A and D affine in the predictions, with soft
counts TP = sum w p t, FP = sum w p (1 - t), FN = sum w (1 - p) t:

=========  ===============================  ================================
loss       A (what is missed)               D
=========  ===============================  ================================
dice       FP + FN                          2 TP + FP + FN + smooth
tversky    alpha FP + beta FN               TP + alpha FP + beta FN + smooth
=========  ===============================  ================================

so l = 1 - (c TP + smooth) / D is computed as A / D without cancellation
(a near-perfect prediction keeps its small loss to full relative precision).
With a_i = dA/dp_i = w_i (alpha (1 - t_i) - beta t_i) and d_i = dD/dp_i =
c w_i t_i + a_i (c = 2 for Dice, 1 for Tversky), the gradient is
g = (a - l d) / D and, A and D being affine, the Hessian is the rank-2 form

    H = -(g d^T + d g^T) / D

with no diagonal part: diagonal -2 d_i g_i / D, product
H v = -(g (d . v) + d (g . v)) / D, computed without forming H.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from losslab import links
from losslab.losses._define import Param, Whole
from losslab.losses._properties import Properties
from losslab.losses._registry import register


def _ratio(xp, p, t, w, c, alpha, beta, smooth):
    """The loss l = A / D, its gradient g, the slopes d and D.

    l and g are 0 where D = 0 (everything empty, with smooth 0).
    """
    miss = w * (alpha * (1.0 - t) - beta * t)  # a_i
    # d_i = c w t + a_i, written so that c t and -beta t do not cancel (Tversky's beta = 1).
    slope = w * ((c - beta) * t + alpha * (1.0 - t))
    fp = xp.sum(w * p * (1.0 - t))
    fn = xp.sum(w * (1.0 - p) * t)
    tp = xp.sum(w * p * t)
    missed = alpha * fp + beta * fn
    denominator = c * tp + missed + smooth
    empty = denominator == 0.0
    safe = xp.where(empty, xp.ones_like(denominator), denominator)
    loss = xp.where(empty, xp.zeros_like(missed), missed / safe)
    grad = xp.where(empty, xp.zeros_like(p), (miss - loss * slope) / safe)
    return loss, grad, slope, safe


def _value(xp, p, t, w, c, alpha, beta, smooth):
    return _ratio(xp, p, t, w, c, alpha, beta, smooth)[0]


def _grad(xp, p, t, w, c, alpha, beta, smooth):
    """(a_i - l d_i) / D: a_i = w_i (alpha (1 - t_i) - beta t_i), d_i = c w_i t_i + a_i."""
    return _ratio(xp, p, t, w, c, alpha, beta, smooth)[1] + xp.zeros_like(p)


def _hess(xp, p, t, w, c, alpha, beta, smooth):
    """-2 d_i g_i / D, the diagonal of the rank-2 Hessian -(g d^T + d g^T) / D."""
    _, grad, slope, denominator = _ratio(xp, p, t, w, c, alpha, beta, smooth)
    return -2.0 * slope * grad / denominator


def _hvp(xp, p, t, w, v, c, alpha, beta, smooth):
    """-(g (d . v) + d (g . v)) / D, without forming the Hessian."""
    _, grad, slope, denominator = _ratio(xp, p, t, w, c, alpha, beta, smooth)
    slope = slope + xp.zeros_like(p)
    return -(grad * xp.sum(slope * v) + slope * xp.sum(grad * v)) / denominator


def _overlap_properties(smooth: float) -> Properties:
    # Not convex: the ratio's Hessian -(g d^T + d g^T) / D is indefinite wherever g and d are
    # independent. smooth = 0 leaves the all-empty batch (D = 0) a point of discontinuity.
    return Properties(
        convex=False, smoothness="Cinf" if smooth > 0 else "C0", lipschitz=None, robust=True
    )


def _no_constant(name: str) -> NotImplementedError:
    return NotImplementedError(
        f"{name} has no optimal constant: it is a loss of the whole batch, a ratio of sums, "
        "not a mean of per-example losses that a constant prediction could minimise"
    )


class Dice(Whole):
    r"""Soft Dice loss (Milletari et al. 2016), over the whole batch.

    Domain: ``y_pred`` probabilities in [0, 1]; ``y_true`` targets in [0, 1]
    (binary masks, or soft), same shape; ``smooth >= 0`` (default 1.0);
    ``weights`` (optional, broadcast to ``y_pred``'s shape) weigh every
    element in every sum. Reductions ``"mean"`` and ``"sum"`` both give the
    loss of the batch; ``"none"`` is refused (there are no per-example values).

    $$
    \begin{gathered}
    \ell = 1 - \frac{2 \sum w p t + \mathrm{smooth}}{D}, \qquad D = \sum w p + \sum w t +
    \mathrm{smooth}, \\
    g = \nabla_p \ell = \frac{a - \ell\, d}{D}, \qquad \nabla_p^2 \ell = -\frac{g d^\top + d
    g^\top}{D}, \qquad a_i = w_i (1 - 2 t_i),\ d_i = w_i.
    \end{gathered}
    $$

    Formula, over every element of the batch (the batch is the unit):

        l = 1 - (2 sum w p t + smooth) / (sum w p + sum w t + smooth)

    computed as (FP + FN) / (2 TP + FP + FN + smooth) (see the module). Gradient
    (a - l d) / D with a_i = w_i (1 - 2 t_i), d_i = w_i; the Hessian is the
    rank-2 form -(g d^T + d g^T) / D (``hess`` returns its diagonal,
    ``Loss.hvp`` the exact product). Not convex. With smooth = 0 an empty
    prediction of an empty mask costs 0. Same as
    ``segmentation_models_pytorch``'s ``DiceLoss(mode="binary",
    from_logits=False, smooth=smooth, eps=0)`` on a batch of one channel, and
    MONAI's ``DiceLoss(batch=True, smooth_nr=smooth, smooth_dr=smooth)``.

    Example (half the mask found, nothing else predicted):
        >>> round(float(dice([1.0, 0.0, 0.0], [1.0, 1.0, 0.0], smooth=0.0)), 6)
        0.333333
    """

    name = "dice"
    task = "segmentation"
    link = links.PROBABILITY
    params = (Param("smooth", 1.0, low=0.0),)
    summary = "Soft Dice: one minus the overlap ratio of predicted and true masks, per batch."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Not convex; smooth for smooth > 0; bounded force (robust), no fixed Lipschitz bound."""
        return _overlap_properties(float(params["smooth"]))

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """Not defined: raises NotImplementedError (a loss of the batch)."""
        raise _no_constant(cls.name)

    @classmethod
    def arguments(cls, params: Mapping[str, Any]) -> tuple[float, ...]:
        """The ratio's constants: c = 2, alpha = beta = 1, and smooth."""
        return 2.0, 1.0, 1.0, float(params["smooth"])

    value = staticmethod(_value)
    grad = staticmethod(_grad)
    hess = staticmethod(_hess)
    hvp = staticmethod(_hvp)


class Tversky(Whole):
    r"""Tversky loss (Salehi et al. 2017): Dice with false positives and negatives weighed apart.

    Domain: as :func:`dice`; ``alpha, beta >= 0`` (defaults 0.5, 0.5) and
    ``smooth >= 0`` (default 1.0).

    $$
    \begin{gathered}
    \ell = 1 - \frac{\mathrm{TP} + \mathrm{smooth}}{D}, \qquad D = \mathrm{TP} + \alpha\,
    \mathrm{FP} + \beta\, \mathrm{FN} + \mathrm{smooth}, \\
    \mathrm{TP} = \sum w p t,\ \mathrm{FP} = \sum w p (1 - t),\ \mathrm{FN} = \sum w (1 - p) t.
    \end{gathered}
    $$

    Formula, with TP = sum w p t, FP = sum w p (1 - t), FN = sum w (1 - p) t:

        l = 1 - (TP + smooth) / (TP + alpha FP + beta FN + smooth)

    computed as (alpha FP + beta FN) / (TP + alpha FP + beta FN + smooth).
    alpha = beta = 0.5 is Dice with twice the smoothing (the ratio's numerator
    and denominator are halved): tversky(alpha=0.5, beta=0.5, smooth=s) =
    dice(smooth=2 s), equal at smooth = 0; alpha = beta = 1 is the soft
    Jaccard (IoU) loss. beta > alpha penalises missed foreground more (recall).
    Gradient, Hessian and product as :func:`dice` with a_i = w_i (alpha (1 -
    t_i) - beta t_i), d_i = w_i t_i + a_i. Same as
    ``segmentation_models_pytorch``'s ``TverskyLoss(mode="binary",
    from_logits=False, alpha, beta, gamma=1, smooth=smooth, eps=0)``.

    Example:
        >>> round(float(tversky([1.0, 0.0, 0.0], [1.0, 1.0, 0.0], smooth=0.0)), 6)
        0.333333
    """

    name = "tversky"
    task = "segmentation"
    link = links.PROBABILITY
    params = (
        Param("alpha", 0.5, low=0.0),
        Param("beta", 0.5, low=0.0),
        Param("smooth", 1.0, low=0.0),
    )
    summary = "Tversky: Dice with false positives weighed alpha and false negatives beta."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Not convex; smooth for smooth > 0; bounded force (robust), no fixed Lipschitz bound."""
        return _overlap_properties(float(params["smooth"]))

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """Not defined: raises NotImplementedError (a loss of the batch)."""
        raise _no_constant(cls.name)

    @classmethod
    def arguments(cls, params: Mapping[str, Any]) -> tuple[float, ...]:
        """The ratio's constants: c = 1, alpha, beta and smooth."""
        return 1.0, float(params["alpha"]), float(params["beta"]), float(params["smooth"])

    value = staticmethod(_value)
    grad = staticmethod(_grad)
    hess = staticmethod(_hess)
    hvp = staticmethod(_hvp)


dice, dice_grad, dice_hess = register(Dice)
tversky, tversky_grad, tversky_hess = register(Tversky)

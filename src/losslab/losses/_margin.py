"""Margin losses of a binary score: the exponential (AdaBoost) and the modified Huber loss.

Both read a real score z (a logit) and a label 0/1 or -1/+1 (0 is read as
-1), through the margin m = s z with s = ±1, as :func:`hinge` does. Each is
one :class:`~losslab.losses._define.Elementwise` definition, so the plain and
fused paths share its formulas.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

import numpy as np

from losslab import links
from losslab._math import m
from losslab.losses import _classification
from losslab.losses._classification import _class_masses
from losslab.losses._define import Elementwise
from losslab.losses._properties import Properties
from losslab.losses._registry import register

# hinge's _slack itself (one code object), as a function of this module: bind() rebinds the
# vocabulary m inside the helpers of the module it binds, and only those.
_slack = types.FunctionType(_classification._slack.__code__, globals(), "_slack")


def _margin(z, t):
    """The label's sign s = ±1 (0 read as -1) and the margin s z, exact (s is ±1)."""
    s, _ = _slack(z, t)
    return s, s * z


class Exponential(Elementwise):
    r"""Exponential loss of AdaBoost on a score z: exp(-s z).

    Domain: ``y_pred`` real scores (logits); ``y_true`` labels 0/1 or -1/+1
    (0 is read as -1), same shape.

    $$
    \ell(z) = e^{-m}, \qquad \frac{\partial \ell}{\partial z} = -s\, e^{-m}, \qquad
    \frac{\partial^2 \ell}{\partial z^2} = e^{-m}, \qquad m = s z.
    $$

    Formula, with the margin m = s z and s = ±1: l = exp(-m), gradient
    -s exp(-m), Hessian exp(-m). The value overflows to inf exactly where
    exp(-m) exceeds the largest float (a margin below -709.78 in float64):
    the true value is then not representable.

    Conversion: scikit-learn's ``ExponentialLoss`` (``sklearn._loss.loss``)
    reads labels 0/1 and a raw prediction z and is y exp(-z) + (1 - y) exp(z):
    for labels the same number, gradient and Hessian as here. Its link is
    the half-logit, probability sigmoid(2 z); this catalogue's link is the
    logit, so the probability losslab reads from z is sigmoid(z).

    Example:
        >>> exponential([0.0, 2.0, -1.0], [1, 1, 0], reduction="none").round(6).tolist()
        [1.0, 0.135335, 0.367879]
    """

    name = "exponential"
    task = "binary"
    link = links.LOGIT
    true_domain = "signed_binary"
    summary = "Exponential loss of AdaBoost: exp(-margin), harsh on confident mistakes."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex and smooth; the force exp(-m) grows without bound, so not robust.

        Calibrated (the minimiser of the expected loss, half the log-odds,
        has the sign of the majority) but not proper through the logit link:
        sigmoid of half the log-odds is not the class probability (it is
        through scikit-learn's half-logit link).
        """
        return Properties(
            convex=True,
            smoothness="Cinf",
            lipschitz=None,
            robust=False,
            proper=False,
            calibrated=True,
        )

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """Half the log-ratio of the class weights: (1/2) log(W+ / W-) (±inf for one class)."""
        positive, negative = _class_masses(y_true, weights)
        with np.errstate(divide="ignore"):
            return np.asarray(0.5 * (np.log(positive) - np.log(negative)))

    @staticmethod
    def value(z, t):
        _, margin = _margin(z, t)
        return m.exp(-margin)

    @staticmethod
    def grad(z, t):
        """-s exp(-s z)."""
        s, margin = _margin(z, t)
        return -s * m.exp(-margin)

    @staticmethod
    def hess(z, t):
        """Exp(-s z)."""
        _, margin = _margin(z, t)
        return m.exp(-margin)


class ModifiedHuber(Elementwise):
    r"""Modified Huber loss of a score z (Zhang 2004; scikit-learn's SGD ``"modified_huber"``).

    Domain: ``y_pred`` real scores (logits); ``y_true`` labels 0/1 or -1/+1
    (0 is read as -1), same shape.

    $$
    \begin{gathered}
    \ell(z) = \begin{cases} \max(0, 1 - m)^2 & m \ge -1 \\ -4 m & m < -1 \end{cases}, \\
    \frac{\partial \ell}{\partial z} = \begin{cases} -2 s \max(0, 1 - m) & m \ge -1 \\ -4 s & m
    < -1 \end{cases}, \qquad \frac{\partial^2 \ell}{\partial z^2} = 2\, [\,-1 \le m < 1\,],
    \qquad m = s z.
    \end{gathered}
    $$

    Formula, with the margin m = s z and s = ±1:

        l = max(0, 1 - m)²   for m >= -1,
        l = -4 m             for m < -1,

    a squared hinge that turns linear, with matching slope -4, below margin
    -1. Gradient s times -2 max(0, 1 - m) (m >= -1) or -4 (m < -1); Hessian 2
    for -1 <= m < 1 and 0 elsewhere (the second derivative jumps at m = ±1).
    Same as scikit-learn's ``SGDClassifier(loss="modified_huber")``, whose
    ``ModifiedHuber.py_loss(z, y)`` and ``py_dloss`` take y = ±1.

    Example:
        >>> modified_huber([2.0, 0.5, -0.5, -3.0], [1, 1, 1, 1], reduction="none").tolist()
        [0.0, 0.25, 2.25, 12.0]
    """

    name = "modified_huber"
    task = "binary"
    link = links.LOGIT
    true_domain = "signed_binary"
    summary = "Modified Huber: squared hinge near the margin, linear (slope 4) far beyond it."

    @classmethod
    def properties(cls, params: Mapping[str, Any]) -> Properties:
        """Convex and once differentiable; the force is at most 4; calibrated, not proper.

        The minimiser of the expected loss is the score 2q - 1 for a positive
        rate q, whose sign is the majority's; sigmoid(2q - 1) is not q.
        """
        return Properties(
            convex=True,
            smoothness="C1",
            lipschitz=4.0,
            robust=True,
            proper=False,
            calibrated=True,
        )

    @classmethod
    def optimal_constant(cls, y_true: Any, weights: Any, params: Mapping[str, Any]) -> np.ndarray:
        """(W+ - W-) / (W+ + W-), with W± the weight of each class (2q - 1 for a rate q)."""
        positive, negative = _class_masses(y_true, weights)
        return np.asarray((positive - negative) / (positive + negative))

    @staticmethod
    def value(z, t):
        _, margin = _margin(z, t)
        active = m.maximum(1.0 - margin, 0.0)
        return m.where(margin >= -1.0, active * active, -4.0 * margin)

    @staticmethod
    def grad(z, t):
        """S times -2 max(0, 1 - s z) for s z >= -1, and -4 s below."""
        s, margin = _margin(z, t)
        return s * m.where(margin >= -1.0, -2.0 * m.maximum(1.0 - margin, 0.0), -4.0)

    @staticmethod
    def hess(z, t):
        """2 for -1 <= s z < 1, else 0."""
        _, margin = _margin(z, t)
        return m.where(margin >= -1.0, m.where(margin < 1.0, 2.0, 0.0), 0.0)


exponential, exponential_grad, exponential_hess = register(Exponential)
modified_huber, modified_huber_grad, modified_huber_hess = register(ModifiedHuber)

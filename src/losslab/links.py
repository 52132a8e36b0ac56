"""Links: what a loss's ``y_pred`` is, and the map to the prediction a person reads.

Every loss names one link (``loss.link``). The link says what the raw input
``y_pred`` is (a value, a log-rate, a logit, a row of logits, a probability),
how to turn it into the prediction it stands for (:meth:`Link.inverse`: the
rate ``exp z``, the probability ``sigmoid(z)``, the probability row
``softmax(z)``) and back (:meth:`Link.link`), which output a model needs to
produce it (:attr:`Link.head`: a sigmoid for probabilities, nothing
otherwise), and how to draw a loss against it (:meth:`Link.sweep`). Model
heads, training metrics, curves, ``explain`` and custom losses ask the link
instead of branching on names; so does the web explorer.

======================  ===========  ==============================  ========
link                    ``y_pred``   prediction = inverse(y_pred)    head
======================  ===========  ==============================  ========
:data:`IDENTITY`        value        y_pred                          identity
:data:`LOG`             log_rate     exp(y_pred)                     identity
:data:`LOGIT`           logit        sigmoid(y_pred)                 identity
:data:`SOFTMAX`         logits       softmax(y_pred) along rows      identity
:data:`PROBABILITY`     probability  y_pred (in [0, 1])              sigmoid
======================  ===========  ==============================  ========

Four more links describe the rows of the losses beyond training (distribution,
ordinal and ranking tasks): :data:`GAUSSIAN` (rows ``(mu, log sigma²)``),
:data:`QUANTILES` (a row of quantile predictions), :data:`ORDINAL` (a row of
threshold logits, each inverse the probability ``P(y > k)``) and :data:`SCORES`
(a list's scores); their inverse is the row itself, or the sigmoid of each
threshold.

As in scikit-learn's ``link`` module, the link is kept apart from the loss:
``bce_with_logits`` is ``bce`` composed with the logit link, written stably.

Example:
    >>> from losslab.links import LOGIT, for_kind
    >>> LOGIT.inverse([0.0]).tolist()
    [0.5]
    >>> for_kind("logits").name
    'softmax'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from losslab._array import Array, namespace
from losslab._math import array_math, bind, m

__all__ = [
    "GAUSSIAN",
    "IDENTITY",
    "LINKS",
    "LOG",
    "LOGIT",
    "ORDINAL",
    "PROBABILITY",
    "QUANTILES",
    "SCORES",
    "SOFTMAX",
    "Kind",
    "Link",
    "for_kind",
    "get",
]


Kind = Literal[
    "value",
    "log_rate",
    "logit",
    "logits",
    "probability",
    "mean_log_variance",
    "quantiles",
    "thresholds",
    "scores",
]
"""What a loss's ``y_pred`` is: the :attr:`Link.kind` of each link."""


def _identity(z: Any) -> Any:
    return z


def _exp(z: Any) -> Any:
    return m.exp(z)


def _log(mu: Any) -> Any:
    return m.log(mu)


def _sigmoid(z: Any) -> Any:
    return m.sigmoid(z)


def _logit(p: Any) -> Any:
    # log(p / (1 - p)) = log p - log1p(-p), exact for p near 0 and near 1.
    return m.log(p) - m.log1p(-p)


@dataclass(frozen=True)
class Link:
    """One link: what ``y_pred`` is, its inverse (the prediction) and the model head it needs.

    Attributes:
        name: ``"identity"``, ``"log"``, ``"logit"``, ``"softmax"`` or ``"probability"``.
        kind: What ``y_pred`` is, in one word (``loss.y_pred_kind``):
            ``"value"``, ``"log_rate"``, ``"logit"``, ``"logits"`` or ``"probability"``.
        description: The same, in words.
        prediction: What :meth:`inverse` returns, in words.
        rows: Whether ``y_pred`` is rows ``(..., K)`` (one example per row).
        head: The output a model applies to its last affine layer to produce
            ``y_pred``: ``"identity"`` or ``"sigmoid"``.
        interval: The closed range ``y_pred`` must lie in.
        axis: How :meth:`sweep` draws a loss: the label of its horizontal axis
            (whatever the target held fixed) and its default range.
    """

    name: str
    kind: str
    description: str
    prediction: str
    rows: bool
    head: str
    interval: tuple[float, float]
    axis: tuple[str, tuple[float, float]]
    _inverse: Callable[..., Any] = field(repr=False, compare=False)
    _link: Callable[..., Any] = field(repr=False, compare=False)

    def inverse(self, y_pred: Any) -> Array:
        """The prediction ``y_pred`` stands for: a value, a rate, a probability or a row of them.

        Arrays of any array-API library in, the same kind out.
        """
        xp = namespace(y_pred)
        z = xp.asarray(y_pred)
        if not xp.isdtype(z.dtype, "real floating"):
            z = xp.astype(z, xp.float64)
        if self.kind == "logits":
            from losslab._array import softmax_parts

            return softmax_parts(xp, z)[1]
        return bind(self._inverse, array_math(xp))(z)

    def link(self, prediction: Any) -> Array:
        """The raw ``y_pred`` whose :meth:`inverse` is ``prediction`` (softmax: its log)."""
        xp = namespace(prediction)
        mu = xp.asarray(prediction)
        if not xp.isdtype(mu.dtype, "real floating"):
            mu = xp.astype(mu, xp.float64)
        with np.errstate(divide="ignore"):
            return bind(self._link, array_math(xp))(mu)

    def head_forward(self, z: np.ndarray) -> np.ndarray:
        """The model head: the map from a last affine layer's output ``z`` to ``y_pred``."""
        if self.head == "sigmoid":
            return bind(_sigmoid, array_math(namespace(z)))(z)
        return z

    def head_inverse(self, y_pred: Any) -> Array:
        """The last affine layer's output (a margin) whose :meth:`head_forward` is ``y_pred``.

        The logit of a probability for a sigmoid head; ``y_pred`` itself otherwise.
        """
        xp = namespace(y_pred)
        y = xp.asarray(y_pred, dtype=xp.float64)
        if self.head == "sigmoid":
            with np.errstate(divide="ignore"):
                return bind(_logit, array_math(xp))(y)
        return y

    def head_backward(self, out: np.ndarray, grad_out: np.ndarray) -> np.ndarray:
        """The gradient with respect to ``z`` from ``grad_out``, that with respect to ``out``.

        ``out`` is what :meth:`head_forward` returned; the sigmoid's derivative
        is written with it: ``dσ/dz = σ (1 − σ)``.
        """
        if self.head == "sigmoid":
            return grad_out * out * (1.0 - out)
        return grad_out

    def sweep(
        self, x: Any, target: float | None = None, width: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, int | np.ndarray]:
        """Inputs that move a loss along :attr:`axis`: ``(y_pred, y_true, column)``.

        ``x`` are the points of the axis; ``target`` is the target held fixed
        (default: 0 for values, the positive class 1 otherwise; for rows, the
        probability of class 1, default 1: the row ``(0, 1)``, which every
        loss on rows reads, ``kl_div`` included). For values the axis is the
        residual ``y_pred - y_true``; for a logit the logit ``z``, which is
        the margin ``z (2y - 1)`` when ``y = 1``; for rows of logits the
        margin ``z_1 - z_0`` of two logits ``(0, x)``; otherwise ``y_pred``
        itself. ``column`` is the entry of a row's gradient that is the
        derivative along the axis (0 for elementwise losses), or, where the
        whole row moves, the direction ``d`` it moves in (the derivative
        along the axis is then ``grad . d``, the second ``d^T H d``).

        The rows beyond classification: :data:`GAUSSIAN` sweeps the mean as
        the residual ``mu - y`` at log-variance 0 (``target`` the value y,
        default 0; column 0); :data:`QUANTILES` shifts every prediction of a
        row of ``width`` (default 3) by ``x`` from ``target`` (direction all
        ones); :data:`ORDINAL` puts all ``width`` (default 2) thresholds at
        ``x`` with the label ``target`` (default 1; direction all ones);
        :data:`SCORES` scores a list of two items ``(0, x)``, the second of
        relevance ``target`` (default 1) and the first 0, so ``x`` is the
        margin of the relevant item (column 1).

        Example:
            >>> from losslab.links import IDENTITY, SOFTMAX
            >>> y_pred, y_true, column = IDENTITY.sweep([-1.0, 2.0], target=3.0)
            >>> y_pred.tolist(), y_true.tolist(), column
            ([2.0, 5.0], [3.0, 3.0], 0)
            >>> y_pred, y_true, column = SOFTMAX.sweep([-1.0, 2.0])
            >>> y_pred.tolist(), y_true.tolist(), column
            ([[0.0, -1.0], [0.0, 2.0]], [[0.0, 1.0], [0.0, 1.0]], 1)
        """
        x = np.asarray(x, dtype=np.float64)
        if self.kind in _ROW_SWEEPS:
            return _ROW_SWEEPS[self.kind](x, target, width)
        if self.rows:
            y_pred = np.stack([np.zeros_like(x), x], axis=-1)
            target = 1.0 if target is None else target
            if not 0.0 <= target <= 1.0:
                raise ValueError(
                    f"target must be the probability of class 1 in [0, 1], got {target}"
                )
            rows = np.broadcast_to([1.0 - target, target], (*x.shape, 2))
            return y_pred, np.array(rows), 1
        default = 0.0 if self.kind == "value" else 1.0
        t = np.full(x.shape, default if target is None else float(target))
        return (t + x if self.kind == "value" else x), t, 0


def _sweep_gaussian(
    x: np.ndarray, target: float | None, width: int | None
) -> tuple[np.ndarray, np.ndarray, int | np.ndarray]:
    t = np.full(x.shape, 0.0 if target is None else float(target))
    return np.stack([t + x, np.zeros_like(x)], axis=-1), t, 0


def _sweep_quantiles(
    x: np.ndarray, target: float | None, width: int | None
) -> tuple[np.ndarray, np.ndarray, int | np.ndarray]:
    k = 3 if width is None else int(width)
    t = np.full(x.shape, 0.0 if target is None else float(target))
    return np.repeat((t + x)[..., None], k, axis=-1), t, np.ones(k)


def _sweep_thresholds(
    x: np.ndarray, target: float | None, width: int | None
) -> tuple[np.ndarray, np.ndarray, int | np.ndarray]:
    k = 2 if width is None else int(width)
    label = 1.0 if target is None else float(target)
    if not (label == int(label) and 0 <= label <= k):
        raise ValueError(f"target must be an ordinal label in 0..{k}, got {target}")
    return np.repeat(x[..., None], k, axis=-1), np.full(x.shape, int(label)), np.ones(k)


def _sweep_scores(
    x: np.ndarray, target: float | None, width: int | None
) -> tuple[np.ndarray, np.ndarray, int | np.ndarray]:
    relevance = 1.0 if target is None else float(target)
    if not relevance >= 0.0:
        raise ValueError(f"target must be a relevance grade >= 0, got {target}")
    y_pred = np.stack([np.zeros_like(x), x], axis=-1)
    return y_pred, np.array(np.broadcast_to([0.0, relevance], (*x.shape, 2))), 1


_ROW_SWEEPS = {
    "mean_log_variance": _sweep_gaussian,
    "quantiles": _sweep_quantiles,
    "thresholds": _sweep_thresholds,
    "scores": _sweep_scores,
}


IDENTITY = Link(
    "identity",
    "value",
    "a real value",
    "the value itself",
    rows=False,
    head="identity",
    interval=(-np.inf, np.inf),
    axis=("residual ŷ − y", (-3.0, 3.0)),
    _inverse=_identity,
    _link=_identity,
)
LOG = Link(
    "log",
    "log_rate",
    "a log-rate z (the rate is exp z)",
    "the rate exp(z)",
    rows=False,
    head="identity",
    interval=(-np.inf, np.inf),
    axis=("log-rate z", (-3.0, 3.0)),
    _inverse=_exp,
    _link=_log,
)
LOGIT = Link(
    "logit",
    "logit",
    "a logit (raw score)",
    "the probability of class 1, sigmoid(z)",
    rows=False,
    head="identity",
    interval=(-np.inf, np.inf),
    axis=("logit z (the margin z·(2y − 1) when y = 1)", (-4.0, 4.0)),
    _inverse=_sigmoid,
    _link=_logit,
)
SOFTMAX = Link(
    "softmax",
    "logits",
    "a row of logits",
    "the row of class probabilities, softmax(z)",
    rows=True,
    head="identity",
    interval=(-np.inf, np.inf),
    axis=("margin z₁ − z₀", (-4.0, 4.0)),
    _inverse=_identity,  # rows: see Link.inverse
    _link=_log,
)
PROBABILITY = Link(
    "probability",
    "probability",
    "a probability in [0, 1]",
    "the probability of class 1",
    rows=False,
    head="sigmoid",
    interval=(0.0, 1.0),
    axis=("predicted probability p of class 1", (0.01, 0.99)),
    _inverse=_identity,
    _link=_identity,
)

GAUSSIAN = Link(
    "gaussian",
    "mean_log_variance",
    "a row (mean mu, log-variance s) of a Gaussian",
    "the row itself: the mean and the log-variance (the variance is exp s)",
    rows=True,
    head="identity",
    interval=(-np.inf, np.inf),
    axis=("residual μ − y (log-variance 0)", (-3.0, 3.0)),
    _inverse=_identity,
    _link=_identity,
)
QUANTILES = Link(
    "quantiles",
    "quantiles",
    "a row of quantile predictions, one per level",
    "the row of predicted quantiles itself",
    rows=True,
    head="identity",
    interval=(-np.inf, np.inf),
    axis=("residual ŷ − y of every quantile", (-3.0, 3.0)),
    _inverse=_identity,
    _link=_identity,
)
ORDINAL = Link(
    "ordinal",
    "thresholds",
    "a row of threshold logits z_k (label above k)",
    "the probabilities P(y > k) = sigmoid(z_k)",
    rows=True,
    head="identity",
    interval=(-np.inf, np.inf),
    axis=("every threshold logit z (label 1)", (-4.0, 4.0)),
    _inverse=_sigmoid,
    _link=_logit,
)
SCORES = Link(
    "scores",
    "scores",
    "a row of scores, one per item of a list",
    "the scores themselves (their order ranks the list)",
    rows=True,
    head="identity",
    interval=(-np.inf, np.inf),
    axis=("score margin s₁ − s₀ of the relevant item", (-4.0, 4.0)),
    _inverse=_identity,
    _link=_identity,
)

LINKS: dict[str, Link] = {
    link.name: link
    for link in (IDENTITY, LOG, LOGIT, SOFTMAX, PROBABILITY, GAUSSIAN, QUANTILES, ORDINAL, SCORES)
}
"""Every link by name."""

_BY_KIND = {link.kind: link for link in LINKS.values()}


def get(name: str) -> Link:
    """The link called ``name``.

    Raises:
        ValueError: An unknown name, with the known ones.
    """
    try:
        return LINKS[name]
    except KeyError:
        raise ValueError(f"unknown link name {name!r}; known: {', '.join(LINKS)}") from None


def for_kind(kind: str) -> Link:
    """The link whose ``y_pred`` is ``kind`` (``"value"``, ``"logit"``, ...).

    Raises:
        ValueError: An unknown kind, with the known ones.
    """
    try:
        return _BY_KIND[kind]
    except KeyError:
        raise ValueError(f"unknown y_pred_kind {kind!r}; known: {', '.join(_BY_KIND)}") from None

"""XGBoost and LightGBM set up to train a losslab loss the way their built-ins train theirs.

A built-in objective does three things a bare gradient-and-Hessian callable
does not: it starts from the best constant (XGBoost's ``base_score``,
LightGBM's ``boost_from_average``), it tells the booster how many scores a row
has (``num_class``), and it fixes a convention for the derivatives.
:func:`xgboost_params` and :func:`lightgbm_params` return all of it for any
loss, so ``xgboost.train`` and ``lightgbm.train`` reproduce the built-ins:

============================  ===========================  =====================
losslab loss (defaults)       XGBoost                      LightGBM
============================  ===========================  =====================
``mse``                       ``reg:squarederror``         ``regression``
``bce_with_logits``, ``bce``  ``binary:logistic``          ``binary``
``cross_entropy``             ``multi:softprob``           ``multiclass``
``pseudo_huber``              ``reg:pseudohubererror``     (none)
``tweedie`` (power 1.5)       ``reg:tweedie``              ``tweedie``
``gamma_nll``                 ``reg:gamma``                ``gamma``
``poisson_nll``               ``count:poisson``            ``poisson``
============================  ===========================  =====================

**The start.** The loss's :meth:`~losslab.losses.Loss.optimal_constant`,
as a margin (:func:`~losslab.custom.base_margin`): the weighted mean for
``mse``, the log of the mean for the log-link losses, the base-rate log-odds,
the log class frequencies (a class probability floored at 1e-15, as LightGBM
floors it, when a class is absent). ``base_score=False`` starts from 0; a
number (or a row, for losses on rows of logits) starts there. XGBoost takes it
as ``base_score`` (a row of them for losses on rows, which needs XGBoost 3.1
or later), so the model carries it. LightGBM has no such parameter: the start
goes in as the Dataset's ``init_score`` and a callback adds it to the leaves
of the first iteration's trees once they are grown, which is where LightGBM's
own ``boost_from_average`` puts it, so ``Booster.predict`` includes it.

**The Hessian convention** (``hessian=``). ``"exact"`` (the default) gives
the booster the loss's own gradient and Hessian with respect to the margin.
``"xgboost"`` / ``"lightgbm"`` give the derivatives the booster's built-in
objective uses for the same loss, which differ in four places:

- ``mse``: both built-ins minimise half the squared error, so the gradient
  r = y_pred − y and Hessian 1 are half of mse's 2r and 2. (With ``"exact"``
  XGBoost grows the same trees only when ``lambda``, ``alpha``, ``gamma`` and
  ``min_child_weight``, which are in units of the Hessian, are doubled too;
  LightGBM's defaults hold no such penalty, so there ``"exact"`` already
  matches until ``lambda_l2`` or ``lambda_l1`` is set.)
- losses on softmax rows: both built-ins scale the diagonal of the softmax
  Hessian, p_k (1 − p_k) for cross-entropy. XGBoost's ``multi:softprob`` uses
  2 p_k (1 − p_k), floored at 1e-16; LightGBM's ``multiclass`` uses
  K / (K − 1) · p_k (1 − p_k) for K classes (Friedman's (K − 1)/K on the leaf
  value). ``"xgboost"`` multiplies the exact diagonal by 2 (with the floor),
  ``"lightgbm"`` by K / (K − 1).
- ``poisson_nll``: both built-ins use the Hessian e^(z + 0.7) instead of
  e^z (``max_delta_step`` / ``poisson_max_delta_step`` = 0.7, a damping
  of the Newton step), so the convention multiplies the Hessian by e^0.7.
  ``count:poisson`` also hands ``max_delta_step`` = 0.7 to its trees (a
  leaf value is clipped to ±0.7), so ``xgboost_params`` sets it too.
- ``huber`` (LightGBM only): LightGBM's ``huber`` has Huber's gradient,
  clipped at ``alpha``, but a Hessian of 1 everywhere, where Huber's is 0
  beyond ``delta``; ``"lightgbm"`` uses that Hessian. LightGBM also starts
  ``huber`` from the mean of y rather than Huber's minimiser, so it is
  reproduced with ``base_score=np.average(y, weights=w)`` as well.

Every other loss already has its built-in's derivatives: ``binary:logistic``
is p − y and p (1 − p), ``reg:pseudohubererror`` with ``huber_slope`` 1 is
``pseudo_huber`` with ``delta`` 1, ``reg:tweedie`` and ``reg:gamma`` are
``tweedie`` and ``gamma_nll``.

**What no objective can match.** XGBoost's ``reg:absoluteerror`` and
``reg:quantileerror`` and LightGBM's ``l1`` and ``quantile`` re-fit each
leaf after the tree is grown (to the median or quantile of the residuals in
it); a callable returns only a gradient and a Hessian per row, so a losslab
``mae`` or ``quantile`` grows different trees (the tests measure the gap).
LightGBM's ``huber`` is a gradient-and-Hessian objective, but not Huber's
Hessian nor its minimiser: losslab's ``huber`` with its exact Hessian and
optimal start grows different trees (measured too) unless given the
convention and the mean as above. XGBoost's own start for
``reg:pseudohubererror`` is one Newton step from a margin of 0, not the
loss's minimiser (it is 573,409 on scikit-learn's diabetes targets, whose
mean is 152), so a losslab ``pseudo_huber`` started at its optimal constant
matches that built-in only when the built-in is given the same
``base_score``.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from losslab import losses
from losslab._optional import MissingExtra
from losslab.custom._adapters import Derivatives, base_margin, margin_derivatives
from losslab.losses import Loss
from losslab.specs import parse_spec

__all__ = [
    "LightGBMSetup",
    "XGBoostSetup",
    "booster_derivatives",
    "import_booster",
    "lightgbm_params",
    "resolve_loss",
    "xgboost_params",
]

Convention = Literal["exact", "xgboost", "lightgbm"]
CONVENTIONS = ("exact", "xgboost", "lightgbm")

#: count:poisson's and LightGBM poisson's default max_delta_step: the Hessian is e^(z + 0.7).
POISSON_MAX_DELTA_STEP = 0.7
#: multi:softprob floors its Hessian here, so an empty or certain class never divides by zero.
XGBOOST_HESSIAN_FLOOR = 1e-16
#: The smallest class probability a start may hold (LightGBM's kEpsilon).
CLASS_PROBABILITY_FLOOR = 1e-15


def resolve_loss(loss: Loss | str) -> Loss:
    """A :class:`~losslab.losses.Loss` from itself, a catalogue name or a spec ``"huber:delta=2"``.

    Raises:
        TypeError: ``loss`` is neither a Loss nor a string.
        ValueError: An unknown name or a bad parameter, naming it.
    """
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str):
        name, params = parse_spec(loss, "loss spec")
        return losses.get(name, **params)
    raise TypeError(f"loss must be a Loss, a catalogue name or a spec, got {type(loss).__name__}")


def _is(loss: Loss, name: str) -> bool:
    """Whether ``loss`` is catalogue loss ``name`` (its definition, not merely its name)."""
    return getattr(loss, "definition", None) is losses.definition(name)


def _check_convention(hessian: str, booster: str) -> str:
    allowed = ("exact", booster)
    if hessian not in allowed:
        raise ValueError(f"hessian={hessian!r} must be one of {allowed}")
    return hessian


def booster_derivatives(
    loss: Loss | str,
    y_true: ArrayLike,
    margin: ArrayLike,
    sample_weight: ArrayLike | None = None,
    *,
    hessian: Convention = "exact",
) -> Derivatives:
    """Per-sample gradient and Hessian of ``loss`` at raw margins, in a booster's convention.

    ``hessian="exact"`` is :func:`~losslab.custom.margin_derivatives`;
    ``"xgboost"`` and ``"lightgbm"`` are the derivatives that booster's
    built-in objective uses for the same loss (see the module docstring):
    half of them for ``mse``; the softmax Hessian diagonal times 2 (floored at
    1e-16) or K/(K − 1); the ``poisson_nll`` Hessian times e^0.7; for
    LightGBM, a Hessian of 1 for ``huber``.

    Example:
        >>> g, h = booster_derivatives("cross_entropy", [0], [[0.0, 0.0]], hessian="xgboost")
        >>> g.tolist(), h.tolist()
        ([[-0.5, 0.5]], [[0.5, 0.5]])
    """
    loss = resolve_loss(loss)
    if hessian not in CONVENTIONS:
        raise ValueError(f"hessian={hessian!r} must be one of {CONVENTIONS}")
    grad, hess = margin_derivatives(loss, y_true, margin, sample_weight)
    if hessian == "exact":
        return grad, hess
    if loss.link.kind == "logits":
        rows = np.asarray(y_true).shape[0]
        k = grad.size // rows
        if hessian == "xgboost":
            return grad, np.maximum(2.0 * hess, XGBOOST_HESSIAN_FLOOR)
        return grad, hess * (k / (k - 1)) if k > 1 else hess
    if _is(loss, "mse"):
        return 0.5 * grad, 0.5 * hess
    if _is(loss, "poisson_nll"):
        return grad, hess * math.exp(POISSON_MAX_DELTA_STEP)
    if hessian == "lightgbm" and _is(loss, "huber"):
        # LightGBM's huber: Huber's gradient, and the Hessian of the squared error (1).
        ones = np.ones_like(hess)
        return grad, ones if sample_weight is None else ones * _weights(sample_weight, ones)
    return grad, hess


def _weights(sample_weight: ArrayLike, like: np.ndarray) -> np.ndarray:
    w = np.asarray(sample_weight, dtype=np.float64)
    return np.ones_like(like) if w.size == 0 else w.reshape(like.shape)


def _class_count(loss: Loss, y: np.ndarray) -> int:
    """How many scores a row has: K for losses on rows of logits, else 1."""
    if not loss.link.rows:
        return 1
    if y.ndim == 2:
        return int(y.shape[1])
    if y.size == 0:
        raise ValueError("y_true must not be empty")
    return int(np.max(y)) + 1


def _start(
    loss: Loss, y: np.ndarray, weights: ArrayLike | None, base_score: Any, k: int
) -> float | np.ndarray:
    """The margin to start from: the optimal constant, 0, or the margin given."""
    if base_score is True:
        try:
            start = np.asarray(base_margin(loss, y, weights), dtype=np.float64)
        except (TypeError, NotImplementedError) as exc:
            raise ValueError(
                f"loss {loss.name!r} states no optimal constant to start from ({exc}); "
                "pass base_score=False or a margin"
            ) from None
        if loss.link.rows:
            # An absent class has log frequency -inf; floor its probability at 1e-15, as
            # LightGBM's multiclass does.
            finite = start[np.isfinite(start)]
            total = np.logaddexp.reduce(finite) if finite.size else 0.0
            start = np.maximum(start, total + math.log(CLASS_PROBABILITY_FLOOR))
        elif loss.task == "binary":
            # One class only (or all weight on it): a logit of +-inf; keep the base rate
            # within [1e-15, 1 - 1e-15], as LightGBM's binary objective does.
            edge = math.log(1.0 / CLASS_PROBABILITY_FLOOR - 1.0)
            start = np.clip(start, -edge, edge)
    elif base_score is False:
        start = np.zeros(k if loss.link.rows else ())
    else:
        try:
            start = np.asarray(base_score, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"base_score must be True, False, a number or a row, got {base_score!r}"
            ) from None
    expected = (k,) if loss.link.rows else ()
    if start.shape != expected and not (loss.link.rows and start.shape == ()):
        raise ValueError(f"base_score must have shape {expected}, got {start.shape}")
    if not np.all(np.isfinite(start)):
        raise ValueError(
            f"the start of loss {loss.name!r} on these targets is {start.tolist()} "
            "(targets all at one edge of the domain?); pass base_score=False or a margin"
        )
    if loss.link.rows:
        return np.broadcast_to(start, (k,)).copy()
    return float(start)


def _repeat(start: float | np.ndarray, n: int) -> np.ndarray:
    if isinstance(start, np.ndarray):
        return np.tile(start, (n, 1))
    return np.full(n, start)


@dataclass(frozen=True)
class XGBoostSetup:
    """What ``xgboost.train`` needs to train a loss as a built-in objective trains its own.

    Attributes:
        params: Booster parameters: ``base_score`` (the start, a margin; a
            list for losses on rows), ``num_class`` for losses on rows, and
            ``disable_default_eval_metric``. Add your tree parameters to them.
        obj: The objective, ``obj=`` of ``xgboost.train``.
        start: The margin every row starts from (a number, or a row of K).
    """

    params: dict[str, Any]
    obj: Callable[[np.ndarray, Any], Derivatives]
    start: float | np.ndarray

    def margins(self, n: int) -> np.ndarray:
        """The start for ``n`` rows, for a ``DMatrix(base_margin=...)``: shape (n,) or (n, K)."""
        return _repeat(self.start, n)


def xgboost_params(
    loss: Loss | str,
    y_true: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    hessian: Literal["exact", "xgboost"] = "exact",
    base_score: bool | float | ArrayLike = True,
) -> XGBoostSetup:
    """Everything ``xgboost.train`` needs to train ``loss``: objective, start, ``num_class``.

    Args:
        loss: a :class:`~losslab.losses.Loss`, a catalogue name or a spec
            (``"huber:delta=2"``).
        y_true: the training targets, as in the DMatrix (the start is computed from them).
        weights: the training sample weights, if any.
        hessian: ``"exact"``: the loss's own derivatives; ``"xgboost"``: those
            XGBoost's built-in objective uses for the same loss (see the module
            docstring: half for ``mse``, 2 p (1 − p) for softmax rows, e^0.7
            times the Hessian and ``max_delta_step`` 0.7 for ``poisson_nll``).
        base_score: ``True``: start from the loss's optimal constant (as a
            margin); ``False``: from 0; a number (a row for losses on rows):
            from that margin.

    Returns:
        An :class:`XGBoostSetup`; the model's raw margins are ``y_pred`` for
        the loss: apply ``loss.link.inverse`` for a prediction.

    Raises:
        ValueError: an unknown ``hessian``, a start that is not finite or
            misshapen, or a row of starts on XGBoost older than 3.1.

    Example:
        >>> import numpy as np, xgboost
        >>> X = np.arange(8.0).reshape(-1, 1); y = np.array([0, 0, 1, 0, 1, 1, 1, 1])
        >>> setup = xgboost_params("bce_with_logits", y)
        >>> round(setup.params["base_score"], 12) == round(float(np.log(5 / 3)), 12)
        True
        >>> booster = xgboost.train({**setup.params, "max_depth": 2}, xgboost.DMatrix(X, label=y),
        ...                         num_boost_round=5, obj=setup.obj)
        >>> margin = booster.predict(xgboost.DMatrix(X), output_margin=True)
        >>> probability = losses.get("bce_with_logits").link.inverse(margin)
    """
    loss = resolve_loss(loss)
    _check_convention(hessian, "xgboost")
    y = np.asarray(y_true)
    k = _class_count(loss, y)
    start = _start(loss, y, weights, base_score, k)
    params: dict[str, Any] = {"disable_default_eval_metric": 1}
    if loss.link.rows:
        params["num_class"] = k
        if base_score is not False:
            _require_vector_base_score()
        params["base_score"] = [float(v) for v in start] if base_score is not False else 0.0
    else:
        params["base_score"] = start
    if hessian == "xgboost" and _is(loss, "poisson_nll"):
        params["max_delta_step"] = POISSON_MAX_DELTA_STEP

    def obj(predt: np.ndarray, dtrain: Any) -> Derivatives:
        return booster_derivatives(
            loss, dtrain.get_label(), predt, dtrain.get_weight(), hessian=hessian
        )

    obj.__name__ = f"losslab_{loss.name}"
    return XGBoostSetup(params=params, obj=obj, start=start)


def import_booster(name: str) -> Any:
    """Import ``xgboost`` or ``lightgbm``, or say how to install it.

    Raises:
        ImportError: the booster is not installed, naming the package to install.
    """
    try:
        return importlib.import_module(name)
    except ImportError:
        raise MissingExtra(f"this needs {name}: pip install 'losslab[boost]'") from None


def _require_vector_base_score() -> None:
    xgboost = import_booster("xgboost")

    version = tuple(int(part) for part in xgboost.__version__.split(".")[:2] if part.isdigit())
    if version < (3, 1):
        raise ValueError(
            f"XGBoost {xgboost.__version__} takes one base_score, not a row per class; "
            "pass base_score=False and DMatrix(base_margin=...) with the loss's "
            "optimal constant repeated per row, or upgrade to XGBoost 3.1 or later"
        )


class _AddStartToFirstTrees:
    """A LightGBM callback: after the first iteration, add the start to its trees' leaves.

    LightGBM's own ``boost_from_average`` adds the average to the first tree
    in the same way (``Tree::AddBias``), so ``Booster.predict`` includes it.
    The training scores already include it, through the Dataset's
    ``init_score``; only the stored model changes.
    """

    order = 0
    before_iteration = False

    def __init__(self, start: float | np.ndarray) -> None:
        self.start = np.atleast_1d(np.asarray(start, dtype=np.float64))

    def __call__(self, env: Any) -> None:
        if env.iteration != 0:
            return  # a continued model (init_model) already holds its start
        model = env.model
        trees = model.dump_model(num_iteration=1)["tree_info"]
        for k, bias in enumerate(self.start):
            for leaf in range(trees[k]["num_leaves"]):
                model.set_leaf_output(k, leaf, model.get_leaf_output(k, leaf) + float(bias))


@dataclass(frozen=True)
class LightGBMSetup:
    """What ``lightgbm.train`` needs to train a loss as a built-in objective trains its own.

    Attributes:
        params: Booster parameters: ``objective`` (the callable) and
            ``num_class`` for losses on rows. Add your tree parameters to them.
        init_score: The start for each training row, for
            ``lightgbm.Dataset(init_score=...)``; None when starting from 0.
        callbacks: For ``lightgbm.train(callbacks=...)``: adds the start to
            the first trees, so the model predicts with it.
        start: The margin every row starts from (a number, or a row of K).
    """

    params: dict[str, Any]
    init_score: np.ndarray | None
    callbacks: list[Any] = field(default_factory=list)
    start: float | np.ndarray = 0.0

    def margins(self, n: int) -> np.ndarray:
        """The start for ``n`` rows: a validation Dataset's ``init_score``, (n,) or (n, K)."""
        return _repeat(self.start, n)


def lightgbm_params(
    loss: Loss | str,
    y_true: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    hessian: Literal["exact", "lightgbm"] = "exact",
    base_score: bool | float | ArrayLike = True,
) -> LightGBMSetup:
    """Everything ``lightgbm.train`` needs to train ``loss``: objective, start, ``num_class``.

    The arguments are those of :func:`xgboost_params`, with ``hessian="lightgbm"``
    for LightGBM's convention (half for ``mse``, K/(K − 1) p (1 − p) for
    softmax rows, e^0.7 times the Hessian for ``poisson_nll``, a Hessian of 1
    for ``huber``). A validation Dataset needs
    ``init_score=setup.margins(n_valid)`` so its scores start where the
    training scores do. The start is for a fresh model: one continued with
    ``init_model`` already holds it (pass ``base_score=False``).

    Returns:
        A :class:`LightGBMSetup`; ``Booster.predict(X, raw_score=True)`` gives
        the margins (``y_pred`` for the loss: apply ``loss.link.inverse``).

    Example:
        >>> import numpy as np, lightgbm
        >>> X = np.arange(40.0).reshape(-1, 1); y = X[:, 0] % 7
        >>> setup = lightgbm_params("mse", y, hessian="lightgbm")
        >>> data = lightgbm.Dataset(X, y, init_score=setup.init_score)
        >>> booster = lightgbm.train({**setup.params, "verbose": -1, "min_data_in_leaf": 5},
        ...                          data, num_boost_round=3, callbacks=setup.callbacks)
        >>> prediction = booster.predict(X, raw_score=True)  # the mean of y included
    """
    loss = resolve_loss(loss)
    _check_convention(hessian, "lightgbm")
    y = np.asarray(y_true)
    k = _class_count(loss, y)
    start = _start(loss, y, weights, base_score, k)

    def objective(preds: np.ndarray, train_data: Any) -> Derivatives:
        return booster_derivatives(
            loss, train_data.get_label(), preds, train_data.get_weight(), hessian=hessian
        )

    objective.__name__ = f"losslab_{loss.name}"
    params: dict[str, Any] = {"objective": objective}
    if loss.link.rows:
        params["num_class"] = k
    if base_score is False:
        return LightGBMSetup(params=params, init_score=None, callbacks=[], start=start)
    n = y.shape[0] if y.ndim else 1
    return LightGBMSetup(
        params=params,
        init_score=_repeat(start, n),
        callbacks=[_AddStartToFirstTrees(start)],
        start=start,
    )

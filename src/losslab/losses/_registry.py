"""The :class:`Loss` object and the registry that finds losses by name."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from losslab import links
from losslab._array import Array
from losslab.losses import _define
from losslab.losses._define import Definition, Elementwise, Task, Whole, evaluate
from losslab.losses._properties import Properties
from losslab.losses.batch import check_finite

PredKind = Literal[
    "value",
    "log_rate",
    "probability",
    "logit",
    "logits",
    "mean_log_variance",
    "quantiles",
    "thresholds",
    "scores",
]
LossFunction = Callable[..., Array]

_SHARED_ARGUMENTS = frozenset({"weights", "reduction"})


class Loss:
    """A loss with its parameters bound: value, gradient and Hessian under one signature.

    Every method takes ``(y_pred, y_true, *, weights=None, reduction="mean")``.
    ``grad`` is the exact gradient of what the call returns and ``hess`` the
    diagonal of its Hessian, both with the shape of ``y_pred``.

    Losses are immutable and compare equal when their name and parameters do.

    Example:
        >>> from losslab.losses import get
        >>> huber = get("huber", delta=1.0)
        >>> huber
        Loss('huber', delta=1.0)
        >>> float(huber([0.5, 3.0], [0.0, 0.0], reduction="sum"))
        2.625
        >>> huber.grad([0.5, 3.0], [0.0, 0.0], reduction="sum").tolist()
        [0.5, 1.0]
    """

    __slots__ = (
        "_grad",
        "_hess",
        "_params",
        "_value",
        "definition",
        "link",
        "name",
        "summary",
        "task",
    )

    name: str
    task: Task
    link: links.Link
    summary: str
    definition: type[Definition] | None

    def __init__(
        self,
        name: str,
        value: LossFunction,
        grad: LossFunction,
        hess: LossFunction,
        *,
        params: Mapping[str, Any] | None = None,
        task: Task,
        y_pred_kind: PredKind | None = None,
        link: links.Link | None = None,
        summary: str = "",
        definition: type[Definition] | None = None,
    ) -> None:
        if link is None:
            if y_pred_kind is None:
                raise TypeError("give the loss's link (or its y_pred_kind)")
            link = links.for_kind(y_pred_kind)
        for attr, val in (
            ("name", name),
            ("task", task),
            ("link", link),
            ("summary", summary),
            ("definition", definition),
            ("_value", value),
            ("_grad", grad),
            ("_hess", hess),
            ("_params", MappingProxyType(dict(params or {}))),
        ):
            object.__setattr__(self, attr, val)

    @property
    def y_pred_kind(self) -> str:
        """What ``y_pred`` is (its link's kind): value, log_rate, logit, logits or probability."""
        return self.link.kind

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Loss objects are immutable; cannot set {name!r}")

    @property
    def params(self) -> Mapping[str, Any]:
        """The bound parameters, read-only."""
        return self._params

    def __call__(
        self, y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean"
    ) -> Array:
        """The loss: per example for ``reduction="none"``, else a 0-d array."""
        return self._value(y_pred, y_true, weights=weights, reduction=reduction, **self._params)

    def grad(
        self,
        y_pred: Any,
        y_true: Any,
        *,
        weights: Any = None,
        reduction: str = "mean",
        out: Any = None,
    ) -> Array:
        """Gradient of the call with respect to ``y_pred``, same shape as ``y_pred``.

        ``out``, a C-contiguous writeable NumPy array of the shape and dtype of
        ``y_pred``, receives the gradient and is returned. NumPy float inputs
        take the fused kernels (:mod:`losslab.config` switches them off).
        """
        return self._fused_or_plain("grad", self._grad, y_pred, y_true, weights, reduction, out)

    def hess(
        self,
        y_pred: Any,
        y_true: Any,
        *,
        weights: Any = None,
        reduction: str = "mean",
        full: bool = False,
        out: Any = None,
    ) -> Array:
        """Diagonal of the Hessian of the call with respect to ``y_pred``.

        With ``full=True`` (losses on rows of logits only) the per-example
        K x K blocks, shape ``y_pred.shape + (K,)``. ``out`` receives the
        result as in :meth:`grad`.
        """
        if not isinstance(full, (bool, np.bool_)):
            raise TypeError(f"full must be True or False, got {full!r}")
        if not full:
            return self._fused_or_plain("hess", self._hess, y_pred, y_true, weights, reduction, out)
        if "full" not in inspect.signature(self._hess).parameters:
            raise ValueError(
                f"full=True: loss {self.name!r} is elementwise, its Hessian is diagonal"
            )
        if out is not None:
            raise ValueError("out= is not supported with full=True")
        return self._hess(
            y_pred, y_true, weights=weights, reduction=reduction, full=True, **self._params
        )

    def value_and_grad(
        self,
        y_pred: Any,
        y_true: Any,
        *,
        weights: Any = None,
        reduction: str = "mean",
        out: Any = None,
    ) -> tuple[Array, Array]:
        """The loss and its gradient, as ``(value, grad)``.

        For NumPy float inputs one fused pass computes both; ``out`` receives
        the gradient as in :meth:`grad`.
        """
        from losslab.losses import _fused

        fused = _fused.dispatch(self, "value_and_grad", y_pred, y_true, weights, reduction, out)
        if fused is not NotImplemented:
            return fused
        kwargs = {"weights": weights, "reduction": reduction}
        if self.definition is not None and issubclass(self.definition, Elementwise):
            value, grad = evaluate(
                self.definition, "value_and_grad", y_pred, y_true, weights, reduction,
                dict(self._params),
            )  # fmt: skip
            return value, _fused.into_out(grad, out, y_pred, y_true, weights)
        value = self(y_pred, y_true, **kwargs)
        grad = self._grad(y_pred, y_true, **kwargs, **self._params)
        return value, _fused.into_out(grad, out, y_pred, y_true, weights)

    def hvp(
        self, y_pred: Any, y_true: Any, v: Any, *, weights: Any = None, reduction: str = "mean"
    ) -> Array:
        """The exact Hessian-vector product of the call with ``v``, of ``y_pred``'s shape.

        Elementwise losses: the Hessian diagonal times ``v``; losses on rows:
        each row's K x K block times its row of ``v``; losses of a whole batch
        (Dice, Tversky): the full Hessian's product, without forming it.
        With ``reduction="none"``, as for :meth:`grad` and :meth:`hess`, each
        example's own Hessian times its part of ``v`` (the product for
        ``"sum"``); losses of a whole batch refuse it.
        """
        if self.definition is not None:
            return _define.hvp(
                self.definition, y_pred, y_true, v, weights, reduction, dict(self._params)
            )
        from losslab._array import namespace

        xp = namespace(y_pred, v)
        if "full" not in inspect.signature(self._hess).parameters:
            return self.hess(y_pred, y_true, weights=weights, reduction=reduction) * xp.asarray(v)
        blocks = self.hess(y_pred, y_true, weights=weights, reduction=reduction, full=True)
        return xp.sum(blocks * xp.asarray(v)[..., None, :], axis=-1)

    @property
    def properties(self) -> Properties:
        """Convexity, smoothness, Lipschitz constant, robustness... at these parameters.

        Raises:
            TypeError: A custom loss, which states none.
        """
        if self.definition is None:
            raise TypeError(f"custom loss {self.name!r} states no properties")
        return self.definition.properties(dict(self._params))

    def optimal_constant(self, y_true: Any, *, weights: Any = None) -> Any:
        """The constant ``y_pred`` minimising the (weighted) mean loss against ``y_true``.

        The mean for MSE, the median for MAE, the q-quantile for the pinball
        loss, the log of the mean for Poisson, the base-rate log-odds for
        logistic losses, log class frequencies for cross-entropy; a number for
        elementwise losses, a row for losses on rows. Boosters and estimators
        start from it.

        Raises:
            TypeError: A custom loss without a definition.
        """
        if self.definition is None:
            raise TypeError(f"custom loss {self.name!r} has no optimal constant")
        if weights is not None:
            w = np.asarray(weights, dtype=np.float64)
            check_finite(np, w, "weights")
            if np.any(w < 0):
                raise ValueError(f"weights must be non-negative, got a value of {w.min()}")
            if not np.sum(w) > 0:
                raise ValueError("weights must not all be zero (the weighted mean is undefined)")
        return self.definition.optimal_constant(y_true, weights, dict(self._params))

    @classmethod
    def from_definition(
        cls, definition: type[Definition], params: Mapping[str, Any], **kwargs: Any
    ) -> Loss:
        """The loss of ``definition`` at ``params`` (validated, defaults filled).

        ``kwargs`` go to the constructor of ``cls`` (a subclass's own arguments).

        Raises:
            TypeError: A parameter the definition does not have.
            ValueError: A parameter out of its range, naming it.
        """
        value, grad, hess = functions(definition)
        return cls(
            definition.name,
            value,
            grad,
            hess,
            params=definition.bind_params(params),
            task=definition.task,
            link=definition.link,
            summary=definition.summary,
            definition=definition,
            **kwargs,
        )

    def _fused_or_plain(
        self,
        op: str,
        plain: LossFunction,
        y_pred: Any,
        y_true: Any,
        weights: Any,
        reduction: str,
        out: Any,
    ) -> Array:
        """``op`` by the fused kernels where they apply, else by the plain function."""
        from losslab.losses import _fused

        fused = _fused.dispatch(self, op, y_pred, y_true, weights, reduction, out)
        if fused is not NotImplemented:
            return fused
        result = plain(y_pred, y_true, weights=weights, reduction=reduction, **self._params)
        return _fused.into_out(result, out, y_pred, y_true, weights)

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self._params.items())
        return f"Loss({self.name!r}{args})"

    def _key(self) -> tuple[Any, ...]:
        return (self.name, self._value, tuple(sorted(self._params.items(), key=lambda kv: kv[0])))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Loss) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self._params))))

    def __reduce__(self) -> tuple[Any, ...]:
        # Catalogue losses pickle by name, so they cross process boundaries (Dask, joblib).
        if self.definition is None or _REGISTRY.get(self.name) is not self.definition:
            raise TypeError(f"cannot pickle custom loss {self.name!r}; rebuild it where it is used")
        return (_get_with_params, (self.name, dict(self._params)))


_REGISTRY: dict[str, type[Definition]] = {}
_ORDER = {
    "regression": 0,
    "binary": 1,
    "multiclass": 2,
    "distribution": 3,
    "ordinal": 4,
    "ranking": 5,
    "segmentation": 6,
}


def register(definition: type[Definition]) -> tuple[LossFunction, LossFunction, LossFunction]:
    """Add a loss definition to the catalogue and return its three public functions.

    ``name(y_pred, y_true, *, <params>, weights=None, reduction="mean")``,
    ``name_grad`` and ``name_hess`` with the same signature (``name_hess``
    also takes ``full`` for losses on rows). Their docstrings come from the
    definition: the class's for the loss, its ``grad`` and ``hess`` element
    functions' for the derivatives.

    Raises:
        ValueError: A second loss of the same name.
    """
    name = definition.name
    if name in _REGISTRY:
        raise ValueError(f"a loss named {name!r} is already registered")
    made = functions(definition)
    _REGISTRY[name] = definition
    return made


@functools.cache
def functions(definition: type[Definition]) -> tuple[LossFunction, LossFunction, LossFunction]:
    """The three public functions of ``definition``, without adding it to the catalogue.

    For losses built elsewhere (:mod:`losslab.custom`) on a definition: they
    get the plain path, and with ``Loss(..., definition=...)`` the fused one.
    The same three every time, so losses built on one definition compare equal.
    """
    value, grad, hess = (_public_function(definition, which) for which in ("value", "grad", "hess"))
    return value, grad, hess


def _public_function(definition: type[Definition], which: str) -> LossFunction:
    name = definition.name
    rows = not issubclass(definition, (Elementwise, Whole))

    def function(y_pred: Any, y_true: Any, *, weights: Any = None, reduction: str = "mean",
                 full: bool = False, **params: Any) -> Array:  # fmt: skip
        bound = definition.bind_params(params)
        return evaluate(definition, which, y_pred, y_true, weights, reduction, bound, full=full)  # type: ignore[arg-type]

    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter("y_pred", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("y_true", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        *(inspect.Parameter(p.name, keyword, default=p.default) for p in definition.params),
        inspect.Parameter("weights", keyword, default=None),
        inspect.Parameter("reduction", keyword, default="mean"),
    ]
    if which == "hess" and rows:
        parameters.append(inspect.Parameter("full", keyword, default=False))
    function.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    function.__name__ = function.__qualname__ = name if which == "value" else f"{name}_{which}"
    function.__module__ = definition.__module__
    if which == "value":
        function.__doc__ = definition.__doc__
    else:
        what = "Gradient" if which == "grad" else "Hessian diagonal"
        formula = inspect.getdoc(getattr(definition, which, None)) or ""
        function.__doc__ = (
            f"{what} of :func:`{name}` with respect to ``y_pred``, scaled by the reduction.\n\n"
            f"{formula}"
        ).strip()
    return function


def available() -> list[str]:
    """Names of every loss in the catalogue: regression, then binary, then multiclass.

    Example:
        >>> from losslab.losses import available
        >>> available()[:3]
        ['mse', 'mae', 'huber']
    """
    return sorted(_REGISTRY, key=lambda name: _ORDER[_REGISTRY[name].task])


def parameters(name: str) -> dict[str, Any]:
    """The parameters of loss ``name`` with their defaults."""
    return definition(name).defaults()


def definition(name: str) -> type[Definition]:
    """The definition class of catalogue loss ``name``.

    Raises:
        TypeError: ``name`` is not a string.
        ValueError: An unknown name, listing the known ones.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; available: {', '.join(available())}") from None


def get(name: str, **params: Any) -> Loss:
    """The catalogue loss ``name`` with ``params`` bound; missing ones take their defaults.

    Raises:
        ValueError: an unknown name, or a parameter value out of its range.
        TypeError: a parameter the loss does not have.

    Example:
        >>> from losslab.losses import get
        >>> get("quantile", q=0.9)
        Loss('quantile', q=0.9)
    """
    return Loss.from_definition(definition(name), params)


def _get_with_params(name: str, params: dict[str, Any]) -> Loss:
    return get(name, **params)


def describe(name: str) -> dict[str, Any]:
    """What loss ``name`` is: its entry and its properties at the default parameters.

    Name, task, link, what ``y_pred`` is, parameters with defaults, a one-line
    summary and ``properties`` (:class:`~losslab.losses.Properties` as a dict).
    """
    spec = definition(name)
    return {
        "name": name,
        "task": spec.task,
        "link": spec.link.name,
        "y_pred": spec.link.kind,
        "params": spec.defaults(),
        "summary": spec.summary,
        "properties": spec.properties(spec.bind_params({})).as_dict(),
    }

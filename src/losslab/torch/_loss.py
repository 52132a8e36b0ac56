"""``losslab.torch.loss`` and ``LossModule``: catalogue losses as twice-differentiable torch losses.

A call ``loss("huber", delta=1.0)(y_pred, y_true, weights=None, reduction="mean")``

1. checks the arguments (shapes, dtypes, and with ``validate=True`` the
   values: finite, in the loss's domain, labels within the classes; these
   checks read a value back from the device, which ``validate=False``
   skips, for ``torch.compile(fullgraph=True)`` and CUDA graphs);
2. takes the fused NumPy kernels (:mod:`losslab.torch._fused`) on CPU
   float32/float64 tensors where they apply and nothing asks for graphs of
   the kernels (``torch.compile``, ``torch.func``);
3. otherwise computes the loss of each example with the definition's own
   formulas in torch operations (:mod:`losslab.torch._functions`), weighs
   it and reduces it with torch operations.

On the CPU every float dtype is computed in float64 (as the plain path and
the fused kernels do); on other devices float16, bfloat16 and float32 are
computed in float32. The result has the dtype of ``y_pred``.
"""

from __future__ import annotations

import math
from typing import Any

import array_api_compat.torch as xp_torch
import torch

from losslab.losses import Loss, get
from losslab.losses._define import (
    Elementwise,
    Rows,
    SoftmaxRows,
    Whole,
    prepare_row_targets,
    prepare_whole,
)
from losslab.losses.batch import (
    Batch,
    check_domain,
    check_finite,
    check_reduction,
    prepare_rows,
)
from losslab.torch import _fused
from losslab.torch._functions import per_example
from losslab.torch._parts import ElementParts, LossParts, RowParts, SoftmaxParts, WholeParts

__all__ = ["LossModule", "TorchLoss", "loss"]

_FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def compute_dtype(dtype: torch.dtype, device: torch.device) -> torch.dtype:
    """The dtype a loss computes in: float64 on the CPU and for float64, else float32.

    On the CPU, as losslab's plain path does, every float dtype is computed in
    float64 and rounded once; accelerators, where float64 is slow or absent,
    compute float16, bfloat16 and float32 in float32, as PyTorch's losses do.
    """
    return torch.float64 if dtype == torch.float64 or device.type == "cpu" else torch.float32


class TorchLoss:
    """A losslab loss as a function of torch tensors, differentiable twice (see :func:`loss`)."""

    def __init__(self, loss: Loss | str, *, axis: int = -1, validate: bool = True, **params: Any):
        if isinstance(loss, str):
            loss = get(loss, **params)
        elif isinstance(loss, Loss):
            if params:
                raise TypeError(
                    f"parameters {sorted(params)} go with a loss name; {loss!r} has its own"
                )
        else:
            raise TypeError(f"loss must be a loss name or a Loss, got {type(loss).__name__}")
        if not isinstance(validate, bool):
            raise TypeError(f"validate must be True or False, got {validate!r}")
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"axis must be an integer, got {axis!r}")
        if axis != -1 and not loss.link.rows:
            raise ValueError(
                f"axis={axis}: loss {loss.name!r} is elementwise; axis chooses the class axis "
                "of losses on rows"
            )
        self.loss, self.axis, self.validate = loss, axis, validate
        self.definition = loss.definition
        self._rows = loss.link.rows
        # The parts for each input dtype, made now so that torch.compile traces no cache.
        self._parts = _parts_by_dtype(loss)
        self._direct: dict[torch.dtype, Any] = {}  # the fused kernels per dtype (_fused)
        self._fusable = _fused.covered(self)

    @property
    def name(self) -> str:
        """The loss's name."""
        return self.loss.name

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickles as the call that built it (the Loss pickles by name), not its compiled parts.
        return (_rebuild, (self.loss, self.axis, self.validate))

    def __repr__(self) -> str:
        extra = "" if self.axis == -1 else f", axis={self.axis}"
        extra += "" if self.validate else ", validate=False"
        return f"losslab.torch.loss({self.loss!r}{extra})"

    def __call__(
        self, y_pred: Any, y_true: Any, weights: Any = None, reduction: str = "mean"
    ) -> torch.Tensor:
        """The loss of ``y_pred`` against ``y_true``: a 0-d tensor, or per example for "none"."""
        check_reduction(reduction)
        y_pred, y_true, weights = self._tensors(y_pred, y_true, weights)
        if self._rows and self.axis != -1:
            y_pred, y_true, weights = self._move_axis(y_pred, y_true, weights)
        fused = _fused.run(self, y_pred, y_true, weights, reduction)
        if fused is not None:
            return fused
        # Under vmap the values cannot be read, so they cannot be checked.
        checking = self.validate and not any(_batched(x) for x in (y_pred, y_true, weights))
        return self.differentiable(y_pred, y_true, weights, reduction, validate=checking)

    # ------------------------------------------------------------------ arguments

    def _tensors(self, y_pred: Any, y_true: Any, weights: Any) -> tuple[Any, ...]:
        if not isinstance(y_pred, torch.Tensor):
            raise TypeError(f"y_pred must be a torch tensor, got {type(y_pred).__name__}")
        if y_pred.dtype not in _FLOATS:
            raise TypeError(
                f"y_pred must be a floating-point tensor (float16, bfloat16, float32 or "
                f"float64), got {y_pred.dtype}"
            )
        y_true = _as_tensor(y_true, "y_true", y_pred)
        weights = None if weights is None else _as_tensor(weights, "weights", y_pred)
        return y_pred, y_true, weights

    def _move_axis(self, y_pred: Any, y_true: Any, weights: Any) -> tuple[Any, ...]:
        ndim = y_pred.ndim
        if not -ndim <= self.axis < ndim:
            raise ValueError(
                f"axis={self.axis} is out of range for y_pred of shape {tuple(y_pred.shape)}"
            )
        axis = self.axis % ndim
        if axis == ndim - 1:
            return y_pred, y_true, weights
        if y_true.ndim == ndim:  # target rows, laid out as y_pred
            y_true = torch.movedim(y_true, axis, -1)
        return torch.movedim(y_pred, axis, -1), y_true, weights

    # ------------------------------------------------------------------ the torch path

    def differentiable(
        self,
        y_pred: torch.Tensor,
        y_true: torch.Tensor,
        weights: Any,
        reduction: str,
        *,
        validate: bool = False,
    ) -> torch.Tensor:
        """The loss by torch operations: twice differentiable, traceable, on any device.

        ``validate`` checks the values (the caller decides whether they can be read).
        """
        definition = self.definition
        dtype = compute_dtype(y_pred.dtype, y_pred.device)
        if definition is None:
            result = self._custom(y_pred, y_true, weights, reduction, dtype, validate)
        elif issubclass(definition, Elementwise):
            result = self._elementwise(y_pred, y_true, weights, reduction, dtype, validate)
        elif issubclass(definition, SoftmaxRows):
            result = self._softmax_rows(y_pred, y_true, weights, reduction, dtype, validate)
        elif issubclass(definition, Rows):
            result = self._generic_rows(y_pred, y_true, weights, reduction, dtype, validate)
        elif issubclass(definition, Whole):
            result = self._whole(y_pred, y_true, weights, reduction, dtype, validate)
        else:
            raise TypeError(f"loss {self.name!r} has a definition losslab.torch does not know")
        return result if result.dtype == y_pred.dtype else result.to(y_pred.dtype)

    def _elementwise(
        self, y_pred: Any, y_true: Any, weights: Any, reduction: str, dtype: Any, check: bool
    ):
        definition = self.definition
        _same_shape(y_pred, y_true)
        if check:
            for x, name, domain in (
                (y_pred, "y_pred", definition.pred_domain),
                (y_true, "y_true", definition.true_domain),
            ):
                check_finite(xp_torch, x.detach(), name)
                check_domain(xp_torch, x.detach(), name, domain)
        parts = self._parts[y_pred.dtype, dtype]
        w, normalizer = self._weights(weights, tuple(y_pred.shape), dtype, reduction, check)
        per = per_example(y_pred.to(dtype), y_true.to(dtype), parts, masked=w is not None)
        return _reduce(per, w, normalizer, reduction)

    def _softmax_rows(
        self, y_pred: Any, y_true: Any, weights: Any, reduction: str, dtype: Any, check: bool
    ):
        definition, params = self.definition, self.loss.params
        y_true = definition.read_true(y_true, params)
        if check:
            prepare_rows(
                y_pred.detach(),
                y_true,
                weights,
                reduction,
                labels_allowed=definition.labels_allowed,
                ignore_index=definition.ignore_index(params),
            )
        labels = _row_shapes(y_pred, y_true, definition.labels_allowed)
        example_shape = tuple(y_pred.shape[:-1])
        w, normalizer = self._weights(weights, example_shape, dtype, reduction, check)
        z = y_pred.to(dtype)
        if labels:
            true = y_true if not y_true.is_floating_point() else y_true.to(torch.int64)
            true = true.to(torch.int64) if true.dtype == torch.bool else true
        else:
            true = y_true.to(dtype)
        if definition.fused(params):
            # Labels weigh 1 and rows are themselves (the contract the fused kernels rely
            # on too): built here in torch, which torch.compile traces.
            target, normalizer = _plain_targets(
                z, true, labels, definition.ignore_index(params), w, normalizer
            )
        else:
            batch = Batch(xp_torch, z.detach(), true, w, "sum", normalizer, event_ndim=1)
            batch, target = definition.targets(batch, labels, params)
            normalizer = batch.normalizer
        if check and reduction == "mean" and labels and not float(normalizer) > 0:
            raise ValueError(
                "y_true: every row is ignored (ignore_index) or has class weight 0, "
                "so the mean is undefined"
            )
        per = per_example(z, target, self._parts[dtype, dtype], masked=w is not None)
        return _reduce(per, w, normalizer, reduction)

    def _generic_rows(
        self, y_pred: Any, y_true: Any, weights: Any, reduction: str, dtype: Any, check: bool
    ):
        definition = self.definition
        if check:  # the values; the shapes are checked below either way
            prepare_row_targets(definition, y_pred.detach(), y_true, weights, reduction)
        if y_pred.ndim == 0 or y_pred.numel() == 0:
            raise ValueError(f"y_pred must be non-empty rows, got shape {tuple(y_pred.shape)}")
        width = definition.width(self.loss.params)
        if width is not None and y_pred.shape[-1] != width:
            raise ValueError(
                f"y_pred rows of {definition.name!r} hold {width} values, got {y_pred.shape[-1]}"
            )
        t = _row_target(definition.target, y_pred, y_true, dtype)
        w, normalizer = self._weights(weights, tuple(y_pred.shape[:-1]), dtype, reduction, check)
        parts = RowParts(definition, definition.arguments(self.loss.params))
        per = per_example(y_pred.to(dtype), t, parts, masked=w is not None)
        return _reduce(per, w, normalizer, reduction)

    def _whole(
        self, y_pred: Any, y_true: Any, weights: Any, reduction: str, dtype: Any, check: bool
    ):
        definition = self.definition
        if check:
            prepare_whole(definition, y_pred.detach(), y_true, weights, reduction)
        elif reduction == "none":
            raise ValueError(
                f"reduction='none': {definition.name!r} is a loss of the whole batch, with no "
                "per-example values; use 'mean' or 'sum' (both give the loss)"
            )
        _same_shape(y_pred, y_true)
        w = 1.0
        if weights is not None:
            w, _ = self._weights(weights, tuple(y_pred.shape), dtype, "sum", check)
        parts = WholeParts(definition, definition.arguments(self.loss.params), w)
        return per_example(y_pred.to(dtype), y_true.to(dtype), parts)

    def _custom(
        self, y_pred: Any, y_true: Any, weights: Any, reduction: str, dtype: Any, check: bool
    ):
        expression = _expression_parts(self.loss)
        if expression is not None:
            return self._expression(y_pred, y_true, weights, reduction, dtype, check, expression)
        # The loss's own methods validate each call (on NumPy copies).
        if self._rows and y_pred.ndim == 0:
            raise ValueError("y_pred must have a trailing axis of class logits, got a 0-d tensor")
        example_shape = tuple(y_pred.shape[:-1] if self._rows else y_pred.shape)
        w, normalizer = self._weights(weights, example_shape, dtype, reduction, check)
        parts = LossParts(self.loss, 1 if self._rows else 0)
        per = per_example(y_pred.to(dtype), y_true, parts, masked=w is not None)
        return _reduce(per, w, normalizer, reduction)

    def _expression(
        self,
        y_pred: Any,
        y_true: Any,
        weights: Any,
        reduction: str,
        dtype: Any,
        check: bool,
        parts: Any,
    ) -> torch.Tensor:
        """An expression loss: SymPy's formulas in torch (:mod:`losslab.torch._expression`)."""
        _same_shape(y_pred, y_true)
        if check:
            # The domains expression losses check (losslab.custom._symbolic).
            pred_domain = "probability" if self.loss.link.interval == (0.0, 1.0) else "real"
            true_domain = "probability" if self.loss.task == "binary" else "real"
            for x, name, domain in (
                (y_pred, "y_pred", pred_domain),
                (y_true, "y_true", true_domain),
            ):
                check_finite(xp_torch, x.detach(), name)
                check_domain(xp_torch, x.detach(), name, domain)
        w, normalizer = self._weights(weights, tuple(y_pred.shape), dtype, reduction, check)
        per = per_example(y_pred.to(dtype), y_true.to(dtype), parts, masked=w is not None)
        if check and bool(torch.any(torch.isnan(per.detach()))):
            raise ValueError(
                f"the value of loss expression {self.loss.expression!r} is undefined (NaN) "
                "for some element of y_pred"
            )
        return _reduce(per, w, normalizer, reduction)

    def _weights(
        self, weights: Any, example_shape: tuple[int, ...], dtype: Any, reduction: str, check: bool
    ) -> tuple[Any, Any]:
        """The weights broadcast to the examples, in ``dtype``, and what a mean divides by."""
        if weights is None:
            return None, float(max(math.prod(example_shape), 1))
        try:
            shape = torch.broadcast_shapes(tuple(weights.shape), example_shape)
        except RuntimeError:
            shape = None
        if shape != torch.Size(example_shape):
            raise ValueError(
                f"weights of shape {tuple(weights.shape)} cannot broadcast to the per-example "
                f"loss shape {example_shape}"
            )
        w = torch.broadcast_to(weights.to(dtype), example_shape)
        total = torch.sum(w)
        if check:
            check_finite(xp_torch, w, "weights")
            low = float(torch.min(w)) if w.numel() else 0.0
            if low < 0:
                raise ValueError(f"weights must be non-negative, got a value of {low}")
            if not float(total) > 0:
                raise ValueError(
                    "weights must not all be zero (the weighted mean would divide by zero)"
                )
        return w, total


def _rebuild(loss: Loss, axis: int, validate: bool) -> TorchLoss:
    return TorchLoss(loss, axis=axis, validate=validate)


def _expression_parts(loss: Loss) -> Any:
    """The torch parts of an expression loss, or None (another loss, or names torch lacks)."""
    derivation = getattr(loss, "_derivation", None)
    if derivation is None:
        return None
    from losslab.torch._expression import expression_parts

    args = tuple(float(loss.params[name]) for name in derivation.parameters)
    return expression_parts(derivation, args)


def _parts_by_dtype(loss: Loss) -> dict[tuple[torch.dtype, torch.dtype], Any]:
    """The parts for each (input dtype, compute dtype), made before any call is traced."""
    definition, params = loss.definition, loss.params
    computes = (torch.float32, torch.float64)
    if definition is None:
        return {}
    if issubclass(definition, Elementwise):
        variant = definition.variant(params)
        return {
            (dtype, compute): ElementParts.of(
                variant, definition.arguments(params, float(torch.finfo(dtype).eps)), compute
            )
            for dtype in _FLOATS
            for compute in computes
        }
    if issubclass(definition, SoftmaxRows):
        return {(c, c): SoftmaxParts.of(definition, c) for c in computes}
    return {}


def _batched(x: Any) -> bool:
    """Whether ``x`` is batched by ``torch.func.vmap`` at some level (its values cannot be read)."""
    functorch = torch._C._functorch
    while isinstance(x, torch.Tensor) and functorch.is_functorch_wrapped_tensor(x):
        if functorch.is_batchedtensor(x):
            return True
        x = functorch.get_unwrapped(x)
    return False


def _as_tensor(x: Any, name: str, like: torch.Tensor) -> torch.Tensor:
    if x is None:
        raise TypeError(f"{name} must be a tensor or an array, got None")
    if isinstance(x, torch.Tensor):
        if x.requires_grad:
            raise ValueError(
                f"{name} must not require grad: the loss differentiates y_pred only "
                f"(pass {name}.detach())"
            )
        if not (x.is_cpu and like.is_cpu) and x.device != like.device:
            raise ValueError(
                f"{name} is on {x.device} but y_pred is on {like.device}; move it first"
            )
        return x
    try:
        tensor = torch.as_tensor(x, device=like.device)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(f"{name} must be numeric, got {type(x).__name__}: {exc}") from exc
    if tensor.is_complex():
        raise TypeError(f"{name} must be real, got dtype {tensor.dtype}")
    return tensor


def _same_shape(y_pred: torch.Tensor, y_true: torch.Tensor) -> None:
    if tuple(y_pred.shape) != tuple(y_true.shape):
        raise ValueError(
            f"y_pred and y_true must have the same shape, got {tuple(y_pred.shape)} "
            f"and {tuple(y_true.shape)}"
        )
    if y_pred.numel() == 0:
        raise ValueError(f"y_pred and y_true must not be empty, got shape {tuple(y_pred.shape)}")


def _row_shapes(y_pred: torch.Tensor, y_true: torch.Tensor, labels_allowed: bool) -> bool:
    """Check the shapes of a loss on rows; whether ``y_true`` holds labels."""
    if y_pred.ndim == 0:
        raise ValueError("y_pred must have a trailing axis of class logits, got a 0-d tensor")
    if y_pred.numel() == 0:
        raise ValueError(f"y_pred must not be empty, got shape {tuple(y_pred.shape)}")
    example_shape = tuple(y_pred.shape[:-1])
    if labels_allowed and y_true.ndim == y_pred.ndim - 1:
        if tuple(y_true.shape) != example_shape:
            raise ValueError(
                f"y_true labels must have shape y_pred.shape[:-1] = {example_shape}, "
                f"got {tuple(y_true.shape)}"
            )
        return True
    if tuple(y_true.shape) != tuple(y_pred.shape):
        what = "labels of shape y_pred.shape[:-1] or " if labels_allowed else ""
        raise ValueError(
            f"y_true must be {what}probability rows of the shape of y_pred "
            f"{tuple(y_pred.shape)}, got {tuple(y_true.shape)}"
        )
    return False


def _row_target(kind: str, y_pred: torch.Tensor, y_true: torch.Tensor, dtype: Any) -> Any:
    """``y_true`` as a :class:`~losslab.losses.Rows` definition reads it (``prepare_row_targets``).

    Labels of classes become one-hot rows; ordinal labels stay integers; values and
    relevance grades are floats. Shapes are checked here, values by the caller.
    """
    example_shape = tuple(y_pred.shape[:-1])
    if kind == "classes":
        if y_true.ndim == y_pred.ndim - 1 and tuple(y_true.shape) == example_shape:
            classes = torch.arange(y_pred.shape[-1], device=y_pred.device)
            return (y_true[..., None] == classes).to(dtype)
        if tuple(y_true.shape) != tuple(y_pred.shape):
            raise ValueError(
                f"y_true must be labels of shape y_pred.shape[:-1] = {example_shape} or "
                f"probability rows of the shape of y_pred {tuple(y_pred.shape)}, "
                f"got {tuple(y_true.shape)}"
            )
        return y_true.to(dtype)
    expected = tuple(y_pred.shape) if kind == "relevance" else example_shape
    if tuple(y_true.shape) != expected:
        raise ValueError(f"y_true must have shape {expected}, got {tuple(y_true.shape)}")
    if kind == "ordinal":
        return y_true if not y_true.is_floating_point() else y_true.to(torch.int64)
    return y_true.to(dtype)


def _plain_targets(
    z: torch.Tensor, true: torch.Tensor, labels: bool, ignore_index: Any, w: Any, normalizer: Any
) -> tuple[torch.Tensor, Any]:
    """Target weights when labels weigh 1 and target rows are themselves, and the mean's divisor.

    Rows whose label is ``ignore_index`` get no weight and leave the divisor.
    """
    if not labels:
        return true, normalizer
    classes = torch.arange(z.shape[-1], device=z.device)
    target = (true[..., None] == classes).to(z.dtype)
    if ignore_index is None:
        return target, normalizer
    keep = (true != ignore_index).to(z.dtype)
    target = target * keep[..., None]
    return target, torch.sum(keep if w is None else keep * w)


def _reduce(per: torch.Tensor, w: Any, normalizer: Any, reduction: str) -> torch.Tensor:
    if w is not None:
        per = torch.where(w == 0, torch.zeros_like(per), per * w)
    if reduction == "none":
        return per
    total = torch.sum(per)
    return total / normalizer if reduction == "mean" else total


def loss(loss: Loss | str, *, axis: int = -1, validate: bool = True, **params: Any) -> TorchLoss:
    """A catalogue loss (or any :class:`~losslab.losses.Loss`) as a torch function.

    ``loss("huber", delta=1.0)`` returns ``f(y_pred, y_true, weights=None,
    reduction="mean")``: the loss of torch tensors, a 0-d tensor for "mean"
    and "sum" and one value per example for "none", of ``y_pred``'s dtype
    (float16, bfloat16, float32 or float64). It follows the catalogue's
    conventions (``losslab.losses.get(name, **params)`` and its docstring
    give the formula), and it is differentiable twice, exactly: the first
    derivative is the loss's own gradient and the second its own Hessian
    (double backward, ``torch.func.grad``/``vmap``/``jvp``/``hessian``,
    Hessian-vector products through a model).

    Args:
        loss: A catalogue name, or a :class:`~losslab.losses.Loss` (catalogue
            or custom; then no ``params``).
        axis: For losses on rows of logits, the axis of ``y_pred`` holding
            the classes. ``-1`` (the default) is losslab's convention,
            ``(..., K)``; ``axis=1`` is PyTorch's, ``(N, K, d1, ...)`` logits
            with labels ``(N, d1, ...)`` (or target rows laid out as
            ``y_pred``), as ``torch.nn.functional.cross_entropy`` takes them.
        validate: Check values (finite, in the loss's domain, labels within
            the classes, weights non-negative), raising ``ValueError`` naming
            the argument. Each check reads a value back from the device;
            ``validate=False`` skips them (invalid values then give NaN or
            garbage rather than an error), which ``torch.compile(fullgraph=True)``
            needs. Shapes and dtypes are checked either way.
        **params: The loss's parameters (``delta=1.0``...), checked.

    Raises:
        ValueError: An unknown name or a parameter out of range, naming it.
        TypeError: A parameter the loss does not have.

    Example:
        >>> import torch
        >>> import losslab.torch as lt
        >>> huber = lt.loss("huber", delta=1.0)
        >>> z = torch.tensor([0.5, 3.0], requires_grad=True)
        >>> value = huber(z, torch.zeros(2), reduction="sum")
        >>> (g,) = torch.autograd.grad(value, z, create_graph=True)
        >>> value.item(), g.tolist()
        (2.625, [0.5, 1.0])
        >>> torch.autograd.grad(g.sum(), z)[0].tolist()  # the Hessian's diagonal
        [1.0, 0.0]
    """
    return TorchLoss(loss, axis=axis, validate=validate, **params)


class LossModule(torch.nn.Module):
    """A losslab loss as an ``nn.Module``, as ``torch.nn.MSELoss`` and its kin are.

    ``LossModule("huber", delta=1.0, reduction="mean")`` holds the loss
    (see :func:`loss` for ``axis`` and ``validate``); calling it with
    ``(y_pred, y_true, weights=None)`` returns the loss, twice
    differentiable. It has no parameters or buffers.

    Example:
        >>> import torch
        >>> from losslab.torch import LossModule
        >>> criterion = LossModule("cross_entropy", axis=1)
        >>> logits = torch.zeros(2, 3, 4, 4)  # (N, C, H, W)
        >>> round(criterion(logits, torch.zeros(2, 4, 4, dtype=torch.long)).item(), 4)
        1.0986
    """

    def __init__(
        self,
        loss: Loss | str,
        *,
        reduction: str = "mean",
        axis: int = -1,
        validate: bool = True,
        **params: Any,
    ) -> None:
        super().__init__()
        check_reduction(reduction)
        self.function = TorchLoss(loss, axis=axis, validate=validate, **params)
        self.reduction = reduction

    def forward(self, y_pred: Any, y_true: Any, weights: Any = None) -> torch.Tensor:
        """The loss, reduced as the module was built to."""
        return self.function(y_pred, y_true, weights, self.reduction)

    def extra_repr(self) -> str:
        loss = self.function.loss
        params = "".join(f", {k}={v!r}" for k, v in loss.params.items())
        extra = "" if self.function.axis == -1 else f", axis={self.function.axis}"
        extra += "" if self.function.validate else ", validate=False"
        return f"{loss.name!r}{params}, reduction={self.reduction!r}{extra}"

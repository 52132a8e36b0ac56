"""The fast path on CPU tensors: the fused kernels on zero-copy views, still twice differentiable.

For a CPU float32/float64 tensor and a loss the fused kernels cover
(elementwise losses, and softmax rows whose targets need nothing more,
see :mod:`losslab.losses._fused`), one kernel pass over NumPy views of the
tensors' memory computes the loss and its gradient together and checks the
inputs. The gradient is kept, and the backward of a training step returns
it (times the upstream gradient), so forward and backward together read the
data once, where ``torch.nn.functional``'s losses read it twice.

The backward stays exact when more is asked of it:

- with ``create_graph=True`` (double backward, Hessian-vector products),
  the backward recomputes the gradient through the torch path
  (:mod:`losslab.torch._functions`), whose own backward is the loss's
  Hessian, so the second derivative is exact;
- a second backward through the same graph (``retain_graph=True``) does
  the same, since the kept gradient was handed out by the first.

The path is not taken under ``torch.compile`` or ``torch.func`` transforms
(NumPy cannot see their tensors), with ``losslab.config.fused(False)``, or
when the kernels find bad input (the torch path then raises its error).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from losslab import config
from losslab.losses import _fused as _kernels
from losslab.losses._define import Elementwise, SoftmaxRows

__all__ = ["run"]

_DTYPES = (torch.float32, torch.float64)
_NUMPY_DTYPES = {torch.float32: np.dtype(np.float32), torch.float64: np.dtype(np.float64)}


def _transformed(x: torch.Tensor) -> bool:
    """Whether ``x`` is wrapped by a torch.func transform (vmap, grad, jvp)."""
    try:
        return bool(torch._C._functorch.is_functorch_wrapped_tensor(x))
    except AttributeError:  # pragma: no cover - a torch without functorch's C API
        return True


def _plain_cpu(x: torch.Tensor | None) -> bool:
    return x is None or (
        x.is_cpu and x.layout == torch.strided and not x.is_neg() and not _transformed(x)
    )


def covered(torch_loss: Any) -> bool:
    """Whether the fused kernels cover this loss at its parameters."""
    definition = torch_loss.definition
    if definition is None:
        return False
    if issubclass(definition, Elementwise):
        return True
    return issubclass(definition, SoftmaxRows) and definition.fused(torch_loss.loss.params)


def _eligible(torch_loss: Any, y_pred: Any, y_true: Any, weights: Any) -> bool:
    return (
        torch_loss._fusable
        and not torch.compiler.is_compiling()  # before the rest: none of it is traceable
        and y_pred.dtype in _DTYPES
        and _plain_cpu(y_pred)
        and _plain_cpu(y_true)
        and _plain_cpu(weights)
        and config.fused_enabled()
        and _kernels.available()
    )


class _Fused(torch.autograd.Function):
    """The loss computed by the kernels; its backward returns their gradient.

    ``apply(y_pred, (value, grad), recompute)``: the kernels' results come in a
    tuple, which autograd does not look into (an input tensor returned as the
    output would be copied to a view), and ``recompute`` is ``(torch_loss,
    y_true, weights, reduction)``, what the exact backward needs.
    """

    @staticmethod
    def forward(ctx: Any, y_pred: torch.Tensor, result: tuple, recompute: tuple) -> torch.Tensor:
        ctx.save_for_backward(y_pred)  # and so an in-place change of y_pred is caught
        value, ctx.grad = result
        ctx.recompute = recompute
        return value

    @staticmethod
    def backward(ctx: Any, upstream: torch.Tensor) -> tuple[Any, None, None]:
        grad, ctx.grad = ctx.grad, None  # handed out once: a second backward recomputes
        if grad is None or torch.is_grad_enabled():
            (y_pred,) = ctx.saved_tensors
            return _exact(y_pred, upstream, *ctx.recompute), None, None
        if upstream.ndim:  # reduction "none": one upstream value per example
            extra = grad.ndim - upstream.ndim
            return grad.mul_(upstream.reshape(*upstream.shape, *([1] * extra))), None, None
        scale = float(upstream)
        return (grad if scale == 1.0 else grad.mul_(scale)), None, None


def _exact(y_pred: torch.Tensor, upstream: torch.Tensor, torch_loss: Any, y_true: Any,
           weights: Any, reduction: str) -> torch.Tensor:  # fmt: skip
    """The gradient times ``upstream`` by the torch path, differentiable if grad mode is on."""
    create_graph = torch.is_grad_enabled()
    with torch.enable_grad():
        value = torch_loss.differentiable(y_pred, y_true, weights, reduction)
        (grad,) = torch.autograd.grad(value, y_pred, upstream, create_graph=create_graph)
    return grad


class _Direct:
    """One elementwise kernel called directly: the common training call with little overhead.

    For a mean or sum without weights over contiguous tensors of one dtype,
    the kernel runs as :mod:`losslab.losses._fused` runs it, without the
    checks and conversions that the general dispatch makes per call (they
    cost more than the kernel itself on a batch of a few hundred). Work below
    :data:`losslab.config.SERIAL_BELOW` elements runs the serial kernel.
    """

    __slots__ = ("args", "chunk", "definition", "dtype", "kernels", "variant")

    def __init__(self, torch_loss: Any, dtype: torch.dtype) -> None:
        from losslab._kernels import elementwise

        self.chunk = elementwise.CHUNK
        self.definition, params = torch_loss.definition, torch_loss.loss.params
        self.variant = self.definition.variant(params)
        self.dtype = _NUMPY_DTYPES[dtype]
        self.args = self.definition.arguments(params, float(np.finfo(self.dtype).eps))
        self.kernels = {}  # serial and parallel, each compiled on first use

    def __call__(self, y_pred: torch.Tensor, y_true: torch.Tensor, reduction: str) -> Any:
        if y_true.dtype != y_pred.dtype or y_true.shape != y_pred.shape:
            return None
        pred = y_pred.detach().numpy().reshape(-1)
        n = pred.size
        grad = _kernels._fresh(y_pred.shape, self.dtype)
        sums = np.zeros((-(-n // self.chunk), 4))
        scale = 1.0 / n if reduction == "mean" else 1.0
        empty = _EMPTY[self.dtype]
        kernel = self._kernel(n)
        kernel(pred, y_true.numpy().reshape(-1), empty, self.args, 1, True, scale,
               grad.reshape(-1), empty, sums)  # fmt: skip
        total, flagged, zeros, minus_ones = _totals(sums)
        if flagged != 0 or (zeros > 0 and minus_ones > 0) or not math.isfinite(total):
            return None  # bad input (or an overflowing sum): the general path decides
        value = torch.from_numpy(np.asarray(total * scale, dtype=self.dtype))
        return value, torch.from_numpy(grad)

    def _kernel(self, n: int) -> Any:
        parallel = n >= config.SERIAL_BELOW
        kernel = self.kernels.get(parallel)
        if kernel is None:
            from losslab._kernels import elementwise

            kernel = elementwise.kernel(
                self.definition, self.variant, self.dtype, parallel=parallel
            )
            self.kernels[parallel] = kernel
        return kernel


class _DirectRows:
    """One softmax-rows kernel called directly, for integer labels without weights."""

    __slots__ = ("definition", "dtype", "ignore_index", "kernels", "rows_per_chunk")

    def __init__(self, torch_loss: Any, dtype: torch.dtype) -> None:
        from losslab._kernels import rows

        self.rows_per_chunk = rows.ROWS_PER_CHUNK
        self.definition = torch_loss.definition
        self.dtype = _NUMPY_DTYPES[dtype]
        ignore_index = self.definition.ignore_index(torch_loss.loss.params)
        self.ignore_index = -1 if ignore_index is None else int(ignore_index)
        self.kernels = {}  # (label counts, loss) kernels, serial and parallel

    def __call__(self, y_pred: torch.Tensor, y_true: torch.Tensor, reduction: str) -> Any:
        if (
            not self.definition.labels_allowed
            or y_true.dtype != torch.int64
            or y_pred.ndim == 0
            or y_pred.shape[:-1] != y_true.shape
        ):
            return None
        n_classes = y_pred.shape[-1]
        pred = y_pred.detach().numpy().reshape(-1, n_classes)
        labels = y_true.numpy().reshape(-1)
        counts, kernel = self._kernels(pred.size)
        chunks = -(-pred.shape[0] // self.rows_per_chunk)
        empty = _EMPTY[self.dtype]
        label_sums = np.zeros((chunks, 2))
        counts(labels, empty, n_classes, self.ignore_index, label_sums)
        kept, bad = _totals(label_sums)
        if bad != 0 or (reduction == "mean" and not kept > 0):
            return None
        divisor = kept if reduction == "mean" else 1.0
        grad = _kernels._fresh(y_pred.shape, self.dtype)
        sums = np.zeros((chunks, 4))
        kernel(pred, labels, empty, self.ignore_index, 1, True, divisor,
               grad.reshape(-1, n_classes), empty, sums)  # fmt: skip
        total, flagged = _totals(sums)[:2]
        if flagged != 0 or not math.isfinite(total):
            return None
        value = torch.from_numpy(np.asarray(total / divisor, dtype=self.dtype))
        return value, torch.from_numpy(grad)

    def _kernels(self, n: int) -> tuple[Any, Any]:
        parallel = n >= config.SERIAL_BELOW
        kernels = self.kernels.get(parallel)
        if kernels is None:
            from losslab._kernels import rows

            kernels = self.kernels[parallel] = (
                rows.label_totals(self.dtype, parallel=parallel),
                rows.kernel(self.definition, True, self.dtype, parallel=parallel),
            )
        return kernels


_EMPTY = {np.dtype(t): np.empty(0, dtype=t) for t in (np.float32, np.float64)}


def _totals(sums: np.ndarray) -> list[float]:
    """The kernel's per-chunk sums added over chunks (a batch is usually one chunk)."""
    return (sums.sum(axis=0) if len(sums) > 1 else sums[0]).tolist()


def _direct(torch_loss: Any, y_pred: torch.Tensor, y_true: torch.Tensor, reduction: str) -> Any:
    """``(value, grad)`` by :class:`_Direct` or :class:`_DirectRows`, or None (general dispatch)."""
    if not (y_pred.is_contiguous() and y_true.is_contiguous()) or y_pred.numel() == 0:
        return None
    direct = torch_loss._direct.get(y_pred.dtype)
    if direct is None:
        kind = _Direct if issubclass(torch_loss.definition, Elementwise) else _DirectRows
        direct = torch_loss._direct[y_pred.dtype] = kind(torch_loss, y_pred.dtype)
    return direct(y_pred, y_true, reduction)


def _general(torch_loss: Any, y_pred: torch.Tensor, y_true: torch.Tensor, weights: Any,
             reduction: str) -> Any:  # fmt: skip
    """``(value, grad)`` by the fused dispatch of the NumPy path, or None where it declines."""
    pred = y_pred.detach().numpy()
    w = None if weights is None else weights.numpy()
    result = _kernels.dispatch(
        torch_loss.loss, "value_and_grad", pred, y_true.numpy(), w, reduction, None
    )
    if result is NotImplemented:
        return None
    value, grad = result
    value = np.asarray(value) if reduction == "none" else np.asarray(value, dtype=pred.dtype)
    return torch.from_numpy(value), torch.from_numpy(grad)


def run(
    torch_loss: Any, y_pred: torch.Tensor, y_true: torch.Tensor, weights: Any, reduction: str
) -> torch.Tensor | None:
    """The loss by the fused kernels, or None where they do not apply (or found bad input)."""
    if not _eligible(torch_loss, y_pred, y_true, weights):
        return None
    result = None
    if weights is None and reduction != "none":
        result = _direct(torch_loss, y_pred, y_true, reduction)
    if result is None:
        result = _general(torch_loss, y_pred, y_true, weights, reduction)
        if result is None:
            return None
    if not (y_pred.requires_grad and torch.is_grad_enabled()):
        return result[0]
    return _Fused.apply(y_pred, result, (torch_loss, y_true, weights, reduction))

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

import contextlib
import math
from typing import Any

import numba
import numpy as np
import torch

from losslab import config
from losslab.losses import _fused as _kernels
from losslab.losses._define import Elementwise, SoftmaxRows

__all__ = ["run"]

_DTYPES = (torch.float32, torch.float64)

# Whether numba had started its threads before this module (and so torch) was imported.
# If not, its OpenMP layer binds to the OpenMP runtime torch loaded into the process's
# global scope, and the two share one pool of threads (see _kernel_threads).
# (numba's private flag; without it, assume the worst: two pools.)
try:
    from numba.np.ufunc import parallel as _numba_parallel

    _NUMBA_STARTED_FIRST = bool(_numba_parallel._is_initialized)
except (ImportError, AttributeError):  # pragma: no cover - another numba
    _NUMBA_STARTED_FIRST = True
_shared_pool: bool | None = None


def _one_pool() -> bool:
    """Whether numba's kernels and torch's operations run on one OpenMP thread pool."""
    global _shared_pool
    if _shared_pool is None:
        try:
            layer = numba.threading_layer()
        except ValueError:  # no parallel kernel has run yet: decide after the first
            return False
        _shared_pool = (
            not _NUMBA_STARTED_FIRST
            and layer == "omp"
            and "OpenMP" in torch.__config__.parallel_info()
        )
    return _shared_pool


def _kernel_threads(n: int) -> Any:
    """The threads for a kernel over ``n`` elements: as losslab's kernels choose, or torch's.

    Losslab runs small work on one thread (:func:`losslab.config.kernel_threads`),
    so that numba's threads do not wake for it and then spin beside another
    runtime's. When numba shares torch's OpenMP pool and thread count, that
    reason is gone, and switching the team between one thread (the kernel) and
    torch's count (the model's operations around it) costs more than the kernel:
    10-20 us a call at batch 256 on 2 threads, measured in a training step.
    """
    threads = numba.get_num_threads()
    if n >= config.SERIAL_BELOW or threads == 1:
        return contextlib.nullcontext()
    if threads == torch.get_num_threads() and _one_pool():
        return contextlib.nullcontext()
    return config.kernel_threads(n)


def _transformed(x: torch.Tensor) -> bool:
    """Whether ``x`` is wrapped by a torch.func transform (vmap, grad, jvp)."""
    try:
        return bool(torch._C._functorch.is_functorch_wrapped_tensor(x))
    except AttributeError:  # pragma: no cover - a torch without functorch's C API
        return True


def _plain_cpu(x: Any) -> bool:
    return x is None or (
        isinstance(x, torch.Tensor)
        and x.device.type == "cpu"
        and x.layout == torch.strided
        and not x.is_neg()
        and not _transformed(x)
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
        not torch.compiler.is_compiling()  # first: nothing below is traceable
        and y_pred.dtype in _DTYPES
        and torch_loss._fusable
        and config.fused_enabled()
        and _plain_cpu(y_pred)
        and _plain_cpu(y_true)
        and _plain_cpu(weights)
        and _kernels.available()
    )


class _State:
    """What the backward needs: the kept gradient (handed out once) and how to recompute it."""

    __slots__ = ("_grad", "reduction", "torch_loss", "value", "weights", "y_true")

    def __init__(self, torch_loss: Any, value: Any, grad: torch.Tensor, y_true: Any,
                 weights: Any, reduction: str) -> None:  # fmt: skip
        self.torch_loss, self.value, self._grad = torch_loss, value, grad
        self.y_true, self.weights, self.reduction = y_true, weights, reduction

    def take(self) -> torch.Tensor | None:
        grad, self._grad = self._grad, None
        return grad

    def exact(self, y_pred: torch.Tensor, upstream: torch.Tensor) -> torch.Tensor:
        """The gradient times ``upstream`` by the torch path, differentiable if grad mode is on."""
        create_graph = torch.is_grad_enabled()
        with torch.enable_grad():
            value = self.torch_loss.differentiable(
                y_pred, self.y_true, self.weights, self.reduction
            )
            (grad,) = torch.autograd.grad(value, y_pred, upstream, create_graph=create_graph)
        return grad


class _Fused(torch.autograd.Function):
    """The loss computed by the kernels; its backward returns their gradient."""

    @staticmethod
    def forward(ctx: Any, y_pred: torch.Tensor, state: _State) -> torch.Tensor:
        ctx.save_for_backward(y_pred)
        ctx.state = state
        value, state.value = state.value, None  # no cycle from the output back to itself
        return value

    @staticmethod
    def backward(ctx: Any, upstream: torch.Tensor) -> tuple[Any, None]:
        state = ctx.state
        grad = state.take()
        if grad is None or torch.is_grad_enabled():
            (y_pred,) = ctx.saved_tensors
            return state.exact(y_pred, upstream), None
        if state.reduction == "none":
            extra = grad.ndim - upstream.ndim
            return grad.mul_(upstream.reshape(*upstream.shape, *([1] * extra))), None
        scale = float(upstream)
        return (grad if scale == 1.0 else grad.mul_(scale)), None


class _Direct:
    """One elementwise kernel called directly: the common training call with little overhead.

    For a mean or sum without weights over contiguous tensors of one dtype,
    the kernel runs as :mod:`losslab.losses._fused` runs it, without the
    checks and conversions that the general dispatch makes per call (they
    cost more than the kernel itself on a batch of a few hundred).
    """

    __slots__ = ("args", "chunk", "kernel", "np_dtype")

    def __init__(self, torch_loss: Any, dtype: torch.dtype) -> None:
        from losslab._kernels import elementwise

        self.chunk = elementwise.CHUNK
        definition, params = torch_loss.definition, torch_loss.loss.params
        self.np_dtype = np.dtype(np.float32 if dtype == torch.float32 else np.float64)
        self.kernel = elementwise.kernel(definition, definition.variant(params), self.np_dtype)
        self.args = definition.arguments(params, float(np.finfo(self.np_dtype).eps))

    def __call__(self, pred: np.ndarray, true: np.ndarray, reduction: str) -> Any:
        n = pred.size
        grad = _kernels._fresh(pred.shape, self.np_dtype)
        sums = np.zeros((-(-n // self.chunk), 4))
        scale = 1.0 / n if reduction == "mean" else 1.0
        empty = _EMPTY[self.np_dtype]
        with _kernel_threads(n):
            self.kernel(pred, true, empty, self.args, 1, True, scale, grad, empty, sums)
        total, flagged, zeros, minus_ones = (
            sums.sum(axis=0) if len(sums) > 1 else sums[0]
        ).tolist()
        if flagged != 0 or (zeros > 0 and minus_ones > 0) or not math.isfinite(total):
            return None  # bad input (or an overflowing sum): the general path decides
        return np.asarray(total * scale, dtype=self.np_dtype), grad


class _DirectRows:
    """One softmax-rows kernel called directly, for integer labels without weights."""

    __slots__ = ("counts", "ignore_index", "kernel", "np_dtype", "rows_per_chunk")

    def __init__(self, torch_loss: Any, dtype: torch.dtype) -> None:
        from losslab._kernels import rows

        self.rows_per_chunk = rows.ROWS_PER_CHUNK
        definition = torch_loss.definition
        self.np_dtype = np.dtype(np.float32 if dtype == torch.float32 else np.float64)
        self.kernel = rows.kernel(definition, True, self.np_dtype)
        self.counts = rows.label_totals(self.np_dtype)
        ignore_index = definition.ignore_index(torch_loss.loss.params)
        self.ignore_index = -1 if ignore_index is None else int(ignore_index)

    def __call__(self, pred: np.ndarray, labels: np.ndarray, reduction: str) -> Any:
        n_rows, n_classes = pred.shape
        chunks = -(-n_rows // self.rows_per_chunk)
        empty = _EMPTY[self.np_dtype]
        label_sums = np.zeros((chunks, 2))
        self.counts(labels, empty, n_classes, self.ignore_index, label_sums)
        kept, bad = (label_sums.sum(axis=0) if chunks > 1 else label_sums[0]).tolist()
        if bad != 0 or (reduction == "mean" and not kept > 0):
            return None
        divisor = kept if reduction == "mean" else 1.0
        grad = _kernels._fresh(pred.shape, self.np_dtype)
        sums = np.zeros((chunks, 4))
        args = (pred, labels, empty, self.ignore_index, 1, True, divisor, grad, empty, sums)
        with _kernel_threads(pred.size):
            self.kernel(*args)
        total, flagged = (sums.sum(axis=0) if chunks > 1 else sums[0]).tolist()[:2]
        if flagged != 0 or not math.isfinite(total):
            return None
        return np.asarray(total / divisor, dtype=self.np_dtype), grad


_EMPTY = {np.dtype(t): np.empty(0, dtype=t) for t in (np.float32, np.float64)}


def _direct(torch_loss: Any, y_pred: torch.Tensor, y_true: torch.Tensor, weights: Any,
            reduction: str) -> Any:  # fmt: skip
    """``(value, grad)`` by :class:`_Direct`, or None when the general dispatch must run."""
    if (
        weights is not None
        or reduction == "none"
        or y_pred.numel() == 0
        or not y_pred.is_contiguous()
        or not y_true.is_contiguous()
    ):
        return None
    if issubclass(torch_loss.definition, Elementwise):
        if y_true.dtype != y_pred.dtype or y_pred.shape != y_true.shape:
            return None
        kind, pred, true = _Direct, y_pred.detach().numpy().reshape(-1), y_true.numpy().reshape(-1)
    elif (
        torch_loss.definition.labels_allowed
        and y_pred.ndim >= 1
        and y_true.dtype == torch.int64
        and y_pred.shape[:-1] == y_true.shape
    ):
        pred = y_pred.detach().numpy().reshape(-1, y_pred.shape[-1])
        kind, true = _DirectRows, y_true.numpy().reshape(-1)
    else:
        return None
    direct = torch_loss._direct.get(y_pred.dtype)
    if direct is None:
        direct = torch_loss._direct[y_pred.dtype] = kind(torch_loss, y_pred.dtype)
    result = direct(pred, true, reduction)
    if result is None:
        return None
    value, grad = result
    return torch.from_numpy(value), torch.from_numpy(grad.reshape(tuple(y_pred.shape)))


def run(
    torch_loss: Any, y_pred: torch.Tensor, y_true: torch.Tensor, weights: Any, reduction: str
) -> torch.Tensor | None:
    """The loss by the fused kernels, or None where they do not apply (or found bad input)."""
    if not _eligible(torch_loss, y_pred, y_true, weights):
        return None
    result = _direct(torch_loss, y_pred, y_true, weights, reduction)
    if result is not None:
        value, grad = result
    else:
        pred = y_pred.detach().numpy()
        true = y_true.numpy()
        w = None if weights is None else weights.numpy()
        loss = torch_loss.loss
        result = _kernels.dispatch(loss, "value_and_grad", pred, true, w, reduction, None)
        if result is NotImplemented:
            return None
        value, grad = result
        grad = torch.from_numpy(grad)
        if reduction == "none":
            value = torch.from_numpy(np.asarray(value))
        else:
            value = torch.from_numpy(np.asarray(value, dtype=pred.dtype))
    if not (y_pred.requires_grad and torch.is_grad_enabled()):
        return value
    state = _State(torch_loss, value, grad, y_true, weights, reduction)
    return _Fused.apply(y_pred, state)

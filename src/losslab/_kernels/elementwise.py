"""One-pass kernels of the elementwise losses: one loop, compiled per loss.

:func:`kernel` returns the kernel of a loss definition (built on first use
from :func:`_template` and the definition's element functions, see
:mod:`losslab._kernels.compile`). Every kernel has the signature
``kernel(pred, true, weights, args, order, want_value, scale, out, values, sums)``:

- ``pred``, ``true``: 1-D C-contiguous arrays of one float dtype (float32 or
  float64), ``weights`` the same dtype and length, or empty for none;
- ``args``: the element functions' arguments after ``(p, t)``, a tuple of
  floats (:meth:`~losslab.losses.Elementwise.arguments`);
- ``order``: 1 writes the gradient into ``out``, 2 the Hessian diagonal;
- ``want_value``: compute the loss too (skipped for ``grad``/``hess`` alone);
- ``scale``: what derivatives are multiplied by, one over the reduction's
  divisor (the sum of weights or the count for "mean", 1 otherwise): a
  multiply, not a divide, which is a fifth of a float32 kernel's time; the
  caller keeps it a normal float, so it is within 1/2 ulp of the quotient's;
- ``values``: per-example weighted losses (reduction "none"), or empty;
- ``sums``: float64 ``(n_chunks, 4)``, one row per chunk of :data:`CHUNK`
  elements: the weighted loss sum, a check (0 unless a value is NaN, inf or
  outside the loss's domain), the count of 0 labels and of -1 labels.

The element functions are the plain path's, bound to
:mod:`losslab._kernels.scalar_math`; they run in float64 whatever the input
dtype and results are rounded once on store, as the plain path computes in
float64 and rounds once. Per-chunk sums make the reduction deterministic:
the same bits for any number of threads.

Vectorisation: each chunk runs one of five copies of its loop, specialised
for the flags (``order``, ``want_value``, weights, per-example values) so the
loop body has no branches on them, indexed from 0 (a loop from ``lo`` makes
numba emit negative-index wraparound, which blocks vectorisation);
``error_model="numpy"`` drops numba's division-by-zero checks, which keep a
loop scalar; only the running sums are reassociable (:func:`compile.add`).
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np

from losslab._kernels import scalar_math
from losslab._kernels.compile import CALLS, add, instantiate, stamp
from losslab._math import bind

CHUNK = 16384
"""Elements per chunk: one partial sum each; large enough to amortise, small enough to balance."""

DOMAINS = {
    "real": 0,
    "nonnegative": 1,
    "probability": 2,
    "binary": 3,
    "signed_binary": 4,
    "positive": 5,
}
"""The kernels' codes of :data:`losslab.losses.batch.Domain`."""

REAL, NONNEGATIVE, PROBABILITY, BINARY, SIGNED_BINARY, POSITIVE = range(6)

WHICH = ("value", "grad", "hess")


@nb.njit(forceinline=True, error_model="numpy")
def _outside(domain, x):
    # x - x is 0 for a finite x and NaN for NaN or inf, so the sum flags both without a branch.
    bad = x - x
    if domain == NONNEGATIVE:
        bad += x < 0.0
    elif domain == PROBABILITY:
        bad += (x < 0.0) or (x > 1.0)
    elif domain == BINARY:
        bad += (x != 0.0) and (x != 1.0)
    elif domain == SIGNED_BINARY:
        bad += (x != 0.0) and (x != 1.0) and (x != -1.0)
    elif domain == POSITIVE:
        bad += x <= 0.0
    return bad


@nb.njit(forceinline=True, error_model="numpy")
def _loop(
    value, grad, hess, call, pred_domain, true_domain,
    pred, true, weights, args, order, want, scale, out, values, has_w, has_v,
):  # fmt: skip
    """One chunk (arrays already sliced to it): store derivatives, return the four sums.

    With ``order``, ``want``, ``has_w`` and ``has_v`` constant at the call site, the
    branches on them fold away and LLVM vectorises the loop (selects, no calls, a
    reassociable sum).
    """
    total = 0.0
    bad = 0.0
    zeros = 0.0
    minus = 0.0
    for i in range(pred.size):
        # np.float64, not float(): numba's float() keeps a float32 a float32.
        p, t = np.float64(pred[i]), np.float64(true[i])
        bad = add(bad, _outside(pred_domain, p) + _outside(true_domain, t))
        if true_domain == SIGNED_BINARY:
            zeros = add(zeros, 1.0 if t == 0.0 else 0.0)
            minus = add(minus, 1.0 if t == -1.0 else 0.0)
        loss = call(value, p, t, args) if want else 0.0
        derivative = call(grad, p, t, args) if order == 1 else call(hess, p, t, args)
        if has_w:
            # An example of weight 0 contributes 0, even where its loss is infinite.
            w = np.float64(weights[i])
            loss = 0.0 if w == 0.0 else loss * w
            derivative = 0.0 if w == 0.0 else derivative * w
        out[i] = derivative * scale
        if has_v:
            values[i] = loss
        total = add(total, loss)
    return total, bad, zeros, minus


@nb.njit(forceinline=True, error_model="numpy")
def _chunk(
    value, grad, hess, call, pred_domain, true_domain,
    pred, true, weights, args, order, want, scale, out, values, sums, k,
):  # fmt: skip
    """Chunk ``k`` of a kernel: pick the loop specialised for the flags, write row k of sums."""
    lo = k * CHUNK
    hi = min(lo + CHUNK, pred.size)
    p, t, o = pred[lo:hi], true[lo:hi], out[lo:hi]
    has_w = weights.size != 0
    w = weights[lo:hi] if has_w else weights
    v = values[lo:hi] if values.size != 0 else values
    # The element functions are passed on by name: bound to a local they would become
    # numba's (slow, experimental) first-class function values.
    if order == 1 and values.size == 0:
        # The hot paths (value_and_grad and grad, with or without weights): one loop each.
        if want:
            if has_w:
                r = _loop(value, grad, hess, call, pred_domain, true_domain,
                          p, t, w, args, 1, True, scale, o, v, True, False)  # fmt: skip
            else:
                r = _loop(value, grad, hess, call, pred_domain, true_domain,
                          p, t, w, args, 1, True, scale, o, v, False, False)  # fmt: skip
        elif has_w:
            r = _loop(value, grad, hess, call, pred_domain, true_domain,
                      p, t, w, args, 1, False, scale, o, v, True, False)  # fmt: skip
        else:
            r = _loop(value, grad, hess, call, pred_domain, true_domain,
                      p, t, w, args, 1, False, scale, o, v, False, False)  # fmt: skip
    else:
        r = _loop(value, grad, hess, call, pred_domain, true_domain,
                  p, t, w, args, order, want, scale, o, v, has_w, v.size != 0)  # fmt: skip
    sums[k, 0] = r[0]
    sums[k, 1] = r[1]
    sums[k, 2] = r[2]
    sums[k, 3] = r[3]


# The names a template reads, given their values by compile.instantiate for each loss.
VALUE = GRAD = HESS = CALL = PRED_DOMAIN = TRUE_DOMAIN = None


def _template(pred, true, weights, args, order, want_value, scale, out, values, sums):
    """The kernel of one elementwise loss (see the module docstring for the signature)."""
    for k in nb.prange(sums.shape[0]):
        _chunk(
            VALUE, GRAD, HESS, CALL, PRED_DOMAIN, TRUE_DOMAIN,
            pred, true, weights, args, order, want_value, scale, out, values, sums, k,
        )  # fmt: skip


_KERNELS: dict[Any, Any] = {}


def kernel(definition: Any, variant: Any, dtype: Any, *, parallel: bool = True) -> Any:
    """The kernel of Elementwise ``definition`` at its ``variant``, for ``dtype`` input.

    ``parallel=False``: the serial kernel, for small work (see :func:`compile.instantiate`).
    """
    key = (definition, variant, np.dtype(dtype).name, parallel)
    if key not in _KERNELS:
        functions = [bind(getattr(variant, which), scalar_math) for which in WHICH]
        arity = functions[0].py_func.__code__.co_argcount - 2
        sources = (__name__, definition, variant, *(getattr(variant, w) for w in WHICH))
        name = f"{definition.name}_{variant.__name__}_{key[2]}_" + stamp(*sources)
        _KERNELS[key] = instantiate(
            _template,
            name,
            parallel=parallel,
            VALUE=functions[0],
            GRAD=functions[1],
            HESS=functions[2],
            CALL=CALLS[arity],
            PRED_DOMAIN=DOMAINS[definition.pred_domain],
            TRUE_DOMAIN=DOMAINS[definition.true_domain],
        )
    return _KERNELS[key]

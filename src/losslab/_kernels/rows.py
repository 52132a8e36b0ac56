"""One-pass kernels of the softmax losses on C-contiguous ``(n, K)`` rows of logits.

Same conventions as :mod:`losslab._kernels.elementwise`: float64 arithmetic
whatever the input dtype, per-chunk float64 partial sums in ``sums`` and a
check column that is nonzero when an input is NaN, inf or outside its
domain. The formulas are the plain path's, bound to
:mod:`losslab._kernels.scalar_math`: the loss's ``term`` (-a log p for
cross-entropy, t (log t - log p) for KL), and the shared
:func:`losslab._math.softmax_element`, :func:`~losslab._math.softmax_gradient`
and :func:`~losslab._math.softmax_hessian`.

One template; what the targets are is one function of it: integer labels
(target weight 1 on the label, 0 elsewhere; a row whose label is
``ignore_index`` weighs 0), or rows of probabilities. The signature is
``kernel(pred, target, weights, ignore_index, order, want_value, divisor, out, values, sums)``
(``ignore_index`` is unused for probability rows); ``sums[:, 2]`` receives the
largest |sum(t) - 1| of a chunk's probability rows.

Per chunk of rows the kernel writes the shifted logits z - max(z) into a
float64 scratch block and exponentiates the whole block in one flat loop
(a loop over one row's K = 10 classes is too short for 8-lane SIMD), then
finishes row by row.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np

from losslab._kernels import scalar_math
from losslab._kernels.compile import add, instantiate, stamp
from losslab._math import bind

ROWS_PER_CHUNK = 2048

_KERNELS: dict[Any, Any] = {}


def _label_totals_template(labels, weights, n_classes, ignore_index, sums):
    """Per chunk of rows: the weight of the rows kept, and the count of labels out of range."""
    n = labels.shape[0]
    for chunk in nb.prange(sums.shape[0]):
        kept = 0.0
        bad = 0.0
        for i in range(chunk * ROWS_PER_CHUNK, min((chunk + 1) * ROWS_PER_CHUNK, n)):
            y = labels[i]
            if y == ignore_index:
                continue
            if y < 0 or y >= n_classes:
                bad += 1.0
            kept += np.float64(weights[i]) if weights.size != 0 else 1.0
        sums[chunk, 0] = kept
        sums[chunk, 1] = bad


def label_totals(dtype: Any) -> Any:
    """The kernel counting kept rows and bad labels, for weights of ``dtype``."""
    key = ("label_totals", np.dtype(dtype).name)
    if key not in _KERNELS:
        _KERNELS[key] = instantiate(_label_totals_template, f"{key[1]}_{stamp(__name__)}")
    return _KERNELS[key]


@nb.njit(forceinline=True, error_model="numpy")
def _exponentiate(block, shifted):
    """Write z - max(z) of each row of ``block`` into ``shifted``, then exponentiate it.

    Returns the exponentials, the index of each row's (first) largest logit and
    the count of non-finite logits.
    """
    m, n_classes = block.shape
    tops = np.empty(m, dtype=np.int64)
    bad = 0.0
    for r in range(m):
        top = 0
        for k in range(n_classes):
            z = np.float64(block[r, k])
            bad = add(bad, z - z)
            if z > np.float64(block[r, top]):
                top = k
        tops[r] = top
        highest = np.float64(block[r, top])
        for k in range(n_classes):
            shifted[r, k] = np.float64(block[r, k]) - highest
    exps = np.empty_like(shifted)
    flat, flat_exps = shifted.reshape(-1), exps.reshape(-1)
    for j in range(flat.size):
        flat_exps[j] = scalar_math.exp(flat[j])
    return exps, tops, bad


@nb.njit(forceinline=True, error_model="numpy")
def _row(
    term, gradient, hessian, element, shifted, exps, top, a_row, total, order, want, scale, out
):
    """One row: the value sum_c term(a_c, log p_c) (if ``want``) and its derivatives into ``out``.

    ``a_row`` holds the target weight of each class, ``total`` their sum and
    ``scale`` the row's weight over the reduction's divisor.
    """
    n_classes = shifted.shape[0]
    others = 0.0
    rest = 0.0
    for k in range(n_classes):
        if k != top:
            others += exps[k]
            rest += a_row[k]
    log_norm = scalar_math.log1p(others)
    value = 0.0
    for k in range(n_classes):
        log_p, p, complement = element(shifted[k], exps[k], others, log_norm, k == top)
        if want:
            value += term(a_row[k], log_p)
        if order == 1:
            out[k] = gradient(a_row[k], total, rest, p, complement, k == top) * scale
        else:
            out[k] = hessian(total, p, complement) * scale
    return value


@nb.njit(forceinline=True, error_model="numpy")
def _label_row(labels, i, ignore_index, a_row):
    """Row i's target weights for an integer label: 1 on it, none for an ignored row."""
    y = labels[i]
    kept = 0.0 if y == ignore_index else 1.0
    for k in range(a_row.size):
        a_row[k] = kept if k == y else 0.0
    return kept, 0.0, 0.0


@nb.njit(forceinline=True, error_model="numpy")
def _probability_row(target, i, ignore_index, a_row):
    """Row i's target weights for a row of probabilities: the row; its check and |sum - 1|."""
    mass = 0.0
    bad = 0.0
    for k in range(a_row.size):
        t = np.float64(target[i, k])
        bad += (t - t) + ((t < 0.0) or (t > 1.0))
        a_row[k] = t
        mass += t
    return mass, bad, abs(mass - 1.0)


def _template(pred, target, weights, ignore_index, order, want_value, divisor, out, values, sums):
    """Kernel of a softmax loss (see the module docstring); TARGET reads one row's targets."""
    n, n_classes = pred.shape
    for chunk in nb.prange(sums.shape[0]):
        lo = chunk * ROWS_PER_CHUNK
        hi = min(lo + ROWS_PER_CHUNK, n)
        shifted = np.empty((hi - lo, n_classes))
        exps, tops, bad = _exponentiate(pred[lo:hi], shifted)
        a_row = np.empty(n_classes)
        total = 0.0
        worst = 0.0
        for r in range(hi - lo):
            i = lo + r
            mass, row_bad, deviation = TARGET(target, i, ignore_index, a_row)  # noqa: F821
            bad += row_bad
            worst = max(worst, deviation)
            w = np.float64(weights[i]) if weights.size != 0 else 1.0
            value = _row(
                TERM, GRADIENT, HESSIAN, ELEMENT,  # noqa: F821 - set by instantiate
                shifted[r], exps[r], tops[r], a_row, mass, order, want_value,
                0.0 if w == 0.0 else w / divisor, out[i],
            )  # fmt: skip
            value = 0.0 if w == 0.0 else value * w
            if values.size != 0:
                values[i] = value
            total += value
        sums[chunk, 0] = total
        sums[chunk, 1] = bad
        sums[chunk, 2] = worst


def kernel(definition: Any, labels: bool, dtype: Any) -> Any:
    """The kernel of a SoftmaxRows ``definition`` for labels or probability rows of ``dtype``."""
    key = (definition, labels, np.dtype(dtype).name)
    if key not in _KERNELS:
        targets = "labels" if labels else "rows"
        name = f"{definition.name}_{targets}_{key[2]}_" + stamp(
            __name__, definition, definition.term
        )
        _KERNELS[key] = instantiate(
            _template,
            name,
            TARGET=_label_row if labels else _probability_row,
            TERM=bind(definition.term, scalar_math),
            GRADIENT=scalar_math.softmax_gradient,
            HESSIAN=scalar_math.softmax_hessian,
            ELEMENT=scalar_math.softmax_element,
        )
    return _KERNELS[key]

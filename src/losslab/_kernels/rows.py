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


def label_totals(dtype: Any, *, parallel: bool = True) -> Any:
    """The kernel counting kept rows and bad labels, for weights of ``dtype``."""
    key = ("label_totals", np.dtype(dtype).name, parallel)
    if key not in _KERNELS:
        name = f"{key[1]}_{stamp(__name__)}"
        _KERNELS[key] = instantiate(_label_totals_template, name, parallel=parallel)
    return _KERNELS[key]


@nb.njit(forceinline=True, error_model="numpy")
def _row_statistics(block, shifted, want):
    """Each row's shifted logits z - max(z) (into ``shifted``) and what its softmax needs.

    Returns the exponentials of ``shifted``, the index of each row's (first)
    largest logit, the other entries' mass s, log1p(s) (when ``want``) and
    1 / (1 + s), and the count of non-finite logits. The exponentials and
    logarithms run as flat loops over the whole block, where they vectorise.
    The largest logit's own entries are -inf and 0, not 0 and 1.
    """
    m, n_classes = block.shape
    tops = np.empty(m, dtype=np.int64)
    bad = 0.0
    for r in range(m):
        # The first largest logit and its index, with selects (a branch would mispredict).
        highest = np.float64(block[r, 0])
        top = 0
        for k in range(n_classes):
            z = np.float64(block[r, k])
            bad = add(bad, z - z)
            better = z > highest
            top = k if better else top
            highest = z if better else highest
        tops[r] = top
        # The largest is shifted to -inf: its exponential, 0, leaves the row's sum the others'.
        for k in range(n_classes):
            shifted[r, k] = -np.inf if k == top else np.float64(block[r, k]) - highest
    exps = np.empty_like(shifted)
    flat, flat_exps = shifted.reshape(-1), exps.reshape(-1)
    for j in range(flat.size):
        flat_exps[j] = scalar_math.exp(flat[j])
    others = np.empty(m)
    for r in range(m):
        mass = 0.0
        for k in range(n_classes):
            mass = add(mass, exps[r, k])
        others[r] = mass
    log_norms = np.zeros(m)
    if want:  # log1p(s) enters only the value
        for r in range(m):
            log_norms[r] = scalar_math.log1p(others[r])
    inverses = np.empty(m)
    for r in range(m):
        inverses[r] = 1.0 / (1.0 + others[r])
    return exps, tops, others, log_norms, inverses, bad


@nb.njit(forceinline=True, error_model="numpy")
def _row(term, gradient, hessian, element, row, a_row, total, rest, only, order, want, scale, out):
    """One row: the value sum_c term(a_c, log p_c) (if ``want``) and its derivatives into ``out``.

    ``row`` is the row's shifted logits, their exponentials, the index of the
    largest, the others' mass s, log1p(s) and 1 / (1 + s) (:func:`_row_statistics`).
    ``only`` is the one class whose target weight is nonzero, and 1 (a label),
    -2 when none is, or -1 when ``a_row`` holds every class's target weight;
    ``total`` is their sum and ``rest`` the sum but the largest logit's;
    ``scale`` the row's weight over the reduction's divisor.
    """
    shifted, exps, top, others, log_norm, inverse = row
    n_classes = shifted.shape[0]
    value = 0.0
    if want and only >= 0:
        d, e = (0.0, 1.0) if only == top else (shifted[only], exps[only])
        value = term(1.0, element(d, e, others, log_norm, inverse, only == top)[0])
    for k in range(n_classes):
        # The largest logit's entries hold -inf and 0 (see _row_statistics): its d is 0, e 1.
        is_top = k == top
        d = 0.0 if is_top else shifted[k]
        e = 1.0 if is_top else exps[k]
        # A label's target is 1 on its class; other targets are in a_row.
        a = a_row[k] if only == -1 else (1.0 if k == only else 0.0)
        log_p, p, complement = element(d, e, others, log_norm, inverse, is_top)
        if want and only == -1:
            value = add(value, term(a, log_p))
        if order == 1:
            out[k] = gradient(a, total, rest, p, complement, is_top) * scale
        else:
            out[k] = hessian(total, p, complement) * scale
    return value


@nb.njit(forceinline=True, error_model="numpy")
def _label_row(labels, i, ignore_index, top, a_row):
    """Row i's targets for an integer label: 1 on its class, none for an ignored row.

    Returns their sum, the sum but class ``top``'s, a check (0), |sum - 1| (0)
    and the class (-2 for none); ``a_row`` is not needed.
    """
    y = labels[i]
    kept = 0.0 if y == ignore_index else 1.0
    return kept, kept if y != top else 0.0, 0.0, 0.0, y if kept != 0.0 else -2


@nb.njit(forceinline=True, error_model="numpy")
def _probability_row(target, i, ignore_index, top, a_row):
    """Row i's targets for a row of probabilities, into ``a_row``.

    Returns their sum, the sum but class ``top``'s, a check, |sum - 1| and -1.
    """
    mass = 0.0
    rest = 0.0
    bad = 0.0
    for k in range(a_row.size):
        t = np.float64(target[i, k])
        bad += (t - t) + ((t < 0.0) or (t > 1.0))
        a_row[k] = t
        mass += t
        rest += t if k != top else 0.0
    return mass, rest, bad, abs(mass - 1.0), -1


# The names a template reads, given their values by compile.instantiate for each loss.
TARGET = TERM = GRADIENT = HESSIAN = ELEMENT = None


def _template(pred, target, weights, ignore_index, order, want_value, divisor, out, values, sums):
    """Kernel of a softmax loss (see the module docstring); TARGET reads one row's targets."""
    n, n_classes = pred.shape
    for chunk in nb.prange(sums.shape[0]):
        lo = chunk * ROWS_PER_CHUNK
        hi = min(lo + ROWS_PER_CHUNK, n)
        shifted = np.empty((hi - lo, n_classes))
        statistics = _row_statistics(pred[lo:hi], shifted, want_value)
        exps, tops, others, log_norms, inverses, bad = statistics
        a_row = np.empty(n_classes)
        total = 0.0
        worst = 0.0
        for r in range(hi - lo):
            i = lo + r
            mass, rest, row_bad, deviation, only = TARGET(target, i, ignore_index, tops[r], a_row)
            bad += row_bad
            worst = max(worst, deviation)
            w = np.float64(weights[i]) if weights.size != 0 else 1.0
            scale = 0.0 if w == 0.0 else w / divisor
            row = (shifted[r], exps[r], tops[r], others[r], log_norms[r], inverses[r])
            # One inlined copy per (order, value wanted), so the unused work folds away.
            if order == 1 and want_value:
                value = _row(TERM, GRADIENT, HESSIAN, ELEMENT, row, a_row, mass, rest, only, 1,
                             True, scale, out[i])  # fmt: skip
            elif order == 1:
                value = _row(TERM, GRADIENT, HESSIAN, ELEMENT, row, a_row, mass, rest, only, 1,
                             False, scale, out[i])  # fmt: skip
            else:
                value = _row(TERM, GRADIENT, HESSIAN, ELEMENT, row, a_row, mass, rest, only, 2,
                             want_value, scale, out[i])  # fmt: skip
            value = 0.0 if w == 0.0 else value * w
            if values.size != 0:
                values[i] = value
            total += value
        sums[chunk, 0] = total
        sums[chunk, 1] = bad
        sums[chunk, 2] = worst


def kernel(definition: Any, labels: bool, dtype: Any, *, parallel: bool = True) -> Any:
    """The kernel of a SoftmaxRows ``definition`` for labels or probability rows of ``dtype``.

    ``parallel=False``: the serial kernel, for small work (see :func:`compile.instantiate`).
    """
    key = (definition, labels, np.dtype(dtype).name, parallel)
    if key not in _KERNELS:
        targets = "labels" if labels else "rows"
        name = f"{definition.name}_{targets}_{key[2]}_" + stamp(
            __name__, definition, definition.term
        )
        _KERNELS[key] = instantiate(
            _template,
            name,
            parallel=parallel,
            TARGET=_label_row if labels else _probability_row,
            TERM=bind(definition.term, scalar_math),
            GRADIENT=scalar_math.softmax_gradient,
            HESSIAN=scalar_math.softmax_hessian,
            ELEMENT=scalar_math.softmax_element,
        )
    return _KERNELS[key]

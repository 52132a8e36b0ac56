"""One-pass kernels of the softmax losses on C-contiguous ``(n, K)`` rows of logits.

Same conventions as :mod:`losslab._kernels.elementwise`: float64 arithmetic
whatever the input dtype, the plain path's formulas
(:mod:`losslab.losses._classification`), per-chunk float64 partial sums in
``sums`` and a check column that is nonzero when an input is NaN, inf or
outside its domain. Each row is read from memory once: its exponentials are
written into ``out`` and normalised in place while the row is in cache (so
``out`` must not overlap the inputs; the dispatcher checks).

cross_entropy is vectorised across rows: per chunk it writes the shifted
logits z - max(z) into a float64 scratch block, exponentiates the whole block
in one flat loop with the elementwise kernels' branch-free ``_vexp`` (within 2
ulp of libm; a loop over one row's K = 10 classes is too short for 8-lane
SIMD), then normalises row by row. Row sums go through the reassociable
``_add``; ``error_model="numpy"`` drops numba's division-by-zero checks,
which would keep the loops scalar.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from losslab._kernels.elementwise import _add, _vexp

ROWS_PER_CHUNK = 2048


@nb.njit(parallel=True, cache=True)
def label_totals(labels, weights, n_classes, ignore_index, sums):
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
            kept += float(weights[i]) if weights.size != 0 else 1.0
        sums[chunk, 0] = kept
        sums[chunk, 1] = bad


@nb.njit(parallel=True, cache=True, error_model="numpy")
def cross_entropy(
    pred, labels, weights, ignore_index, order, want_value, divisor, out, values, sums
):
    """Cross-entropy with integer labels: loss and gradient (order 1) or Hessian diagonal (2).

    Per row: loss log(sum exp(z - max)) - (z_y - max), gradient
    softmax(z) - onehot(y), Hessian diagonal p (1 - p); 0 for an ignored row.
    """
    n, n_classes = pred.shape
    for chunk in nb.prange(sums.shape[0]):
        lo = chunk * ROWS_PER_CHUNK
        hi = min(lo + ROWS_PER_CHUNK, n)
        block = pred[lo:hi]
        grad = out[lo:hi]
        m = hi - lo
        shifted = np.empty((m, n_classes))
        total = 0.0
        bad = 0.0
        for r in range(m):
            top = float(block[r, 0])
            for k in range(n_classes):
                z = float(block[r, k])
                bad = _add(bad, z - z)
                top = max(top, z)
            for k in range(n_classes):
                shifted[r, k] = float(block[r, k]) - top
        flat = shifted.reshape(-1)
        for j in range(flat.size):
            flat[j] = _vexp(flat[j])
        for r in range(m):
            i = lo + r
            y = labels[i]
            kept = 0.0 if y == ignore_index else 1.0
            norm = 0.0
            for k in range(n_classes):
                norm = _add(norm, shifted[r, k])
            w = float(weights[i]) if weights.size != 0 else 1.0
            value = 0.0
            if want_value and kept != 0.0:
                # log softmax(z)_y = (z_y - max) - log(sum exp(z - max)); exp(z_y - max) is
                # in the block, its log is not: take z_y - max from the input again.
                top = float(block[r, 0])
                for k in range(n_classes):
                    top = max(top, float(block[r, k]))
                value = -((float(block[r, y]) - top) - math.log(norm)) * w
            scale = kept * w
            if order == 1:
                for k in range(n_classes):
                    p = shifted[r, k] / norm
                    onehot = 1.0 if k == y else 0.0
                    grad[r, k] = (kept * p - kept * onehot) * w / divisor
            else:
                for k in range(n_classes):
                    p = shifted[r, k] / norm
                    grad[r, k] = scale * p * (1.0 - p) / divisor
            if values.size != 0:
                values[i] = value
            total += value
        sums[chunk, 0] = total
        sums[chunk, 1] = bad


@nb.njit(parallel=True, cache=True)
def kl_div(pred, true, weights, order, want_value, divisor, out, values, sums):
    """KL(t || softmax(z)) per row: loss, gradient (order 1) or Hessian diagonal (2).

    ``sums[:, 2]`` receives the largest |sum(t) - 1| of the chunk's rows.
    """
    n, n_classes = pred.shape
    for chunk in nb.prange(sums.shape[0]):
        total = 0.0
        bad = 0.0
        worst = 0.0
        for i in range(chunk * ROWS_PER_CHUNK, min((chunk + 1) * ROWS_PER_CHUNK, n)):
            top = float(pred[i, 0])
            mass = 0.0
            for k in range(n_classes):
                z = float(pred[i, k])
                t = float(true[i, k])
                bad += (z - z) + (t - t) + ((t < 0.0) or (t > 1.0))
                top = max(top, z)
                mass += t
            worst = max(worst, abs(mass - 1.0))
            norm = 0.0
            for k in range(n_classes):
                e = math.exp(float(pred[i, k]) - top)
                out[i, k] = e
                norm += e
            log_norm = math.log(norm)
            w = float(weights[i]) if weights.size != 0 else 1.0
            value = 0.0
            for k in range(n_classes):
                t = float(true[i, k])
                log_p = (float(pred[i, k]) - top) - log_norm
                if want_value and t > 0.0:
                    value += t * (math.log(t) - log_p)
                p = float(out[i, k]) / norm
                if order == 1:
                    out[i, k] = (mass * p - t) * w / divisor
                else:
                    out[i, k] = mass * w * p * (1.0 - p) / divisor
            value *= w
            if values.size != 0:
                values[i] = value
            total += value
        sums[chunk, 0] = total
        sums[chunk, 1] = bad
        sums[chunk, 2] = worst

"""Exact loss surfaces of a one-output linear model: the loss at every grid point, one pass.

When two entries of a one-output linear model vary, the prediction of
example ``i`` at grid point ``(u, v)`` is affine in them:
``z_i = (u x_i + v s_i) + offset_i``, with ``x`` and ``s`` the feature
columns of the two entries (ones for a bias) and ``offset`` the rest of the
prediction. Every kernel has the signature
``kernel(offset, x, s, true, weights, us, vs, sigmoid, a, b, c, sums)``:

- ``offset``, ``x``, ``s``, ``true``: float64 arrays of the ``n`` examples;
  ``weights`` the same length, or empty for none;
- ``us``, ``vs``: the grid values of the two entries, ``(nx,)`` and ``(ny,)``;
- ``sigmoid``: map ``z`` through the sigmoid head (scipy's ``expit``,
  ``1 / (1 + exp(−z))``) before the loss, as a model with that head does;
- ``a``, ``b``, ``c``: the loss parameters, as in
  :mod:`losslab._kernels.elementwise`;
- ``sums``: float64 ``(ny, nx)``, zeros on entry; receives
  ``Σ_i w_i l(ŷ_i, y_i)`` at ``(us[k], vs[j])`` in ``sums[j, k]``.

The per-element loss is the catalogue's scalar function
(:mod:`losslab._kernels.elementwise`), the plain path's formula term for
term (for the exp/log1p losses and pseudo-Huber, its branch-free variant,
within a few ulp), so a surface agrees with the chunked NumPy evaluation to
rounding. No ``(G, n)`` array is formed: each grid row runs on one thread,
over blocks of :data:`BLOCK` examples that stay in L1 cache while every
grid point of the row reads them, with a float64 partial sum per block (the
rounding error grows with ``BLOCK + n / BLOCK``, not ``n``). Within a block
the sum is vectorised across examples, one partial sum per SIMD lane
(:func:`_row_lanes`); with the sigmoid head, whose libm ``exp`` does not
vectorise, four grid points go at a time instead (:func:`_row`). The
examples are read, not checked: the caller validates them and the range of
the predictions first.
"""

from __future__ import annotations

import math

import numba as nb

from losslab._kernels.elementwise import (
    _add,
    _barron,
    _bce,
    _bce_with_logits,
    _bce_with_logits_simd,
    _focal,
    _focal_simd,
    _hinge,
    _huber,
    _log_cosh,
    _log_cosh_simd,
    _mae,
    _mse,
    _poisson_nll,
    _poisson_nll_simd,
    _pseudo_huber,
    _pseudo_huber_simd,
    _quantile,
    _squared_hinge,
)

BLOCK = 512
"""Examples per block: offset, x, s and true of one block fill 16 KiB, half an L1 cache."""


@nb.njit(inline="always")
def _prediction(x, s, offset, u, v, sigmoid):
    # The plain path's order, (u x + v s) + offset, then expit as scipy computes it.
    z = (u * x + v * s) + offset
    return 1.0 / (1.0 + math.exp(-z)) if sigmoid else z


@nb.njit(inline="always")
def _row(loss, offset, x, s, true, weights, us, v, sigmoid, a, b, c, row):
    """Add ``Σ_i w_i l(ŷ_i, y_i)`` at ``(us[k], v)`` to ``row[k]`` for every ``k``.

    ``loss`` is a scalar function of :mod:`losslab._kernels.elementwise`; it is
    asked for the Hessian term (order 2), pure arithmetic on values the loss
    computes anyway, which the compiler drops as unused once inlined.
    """
    n = true.size
    last = us.size - 1
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        for k in range(0, us.size, 4):
            # Past the end of the row, repeat the last point and drop its sums.
            u0, u1, u2, u3 = us[k], us[min(k + 1, last)], us[min(k + 2, last)], us[min(k + 3, last)]
            t0 = t1 = t2 = t3 = 0.0
            for i in range(start, stop):
                xi, si, oi, yi = x[i], s[i], offset[i], true[i]
                w = weights[i] if weights.size != 0 else 1.0
                t0 += loss(_prediction(xi, si, oi, u0, v, sigmoid), yi, a, b, c, 2, True)[0] * w
                t1 += loss(_prediction(xi, si, oi, u1, v, sigmoid), yi, a, b, c, 2, True)[0] * w
                t2 += loss(_prediction(xi, si, oi, u2, v, sigmoid), yi, a, b, c, 2, True)[0] * w
                t3 += loss(_prediction(xi, si, oi, u3, v, sigmoid), yi, a, b, c, 2, True)[0] * w
            row[k] += t0
            if k + 1 <= last:
                row[k + 1] += t1
            if k + 2 <= last:
                row[k + 2] += t2
            if k + 3 <= last:
                row[k + 3] += t3


@nb.njit(inline="always")
def _block_sum(loss, offset, x, s, true, weights, u, v, a, b, c, has_w):
    # The vectorisable loss variants with a reassociable sum: LLVM keeps one partial sum
    # per SIMD lane (a fixed order, so the same bits every run).
    total = 0.0
    for i in range(true.size):
        value = loss((u * x[i] + v * s[i]) + offset[i], true[i], a, b, c, 2, True)[0]
        if has_w:
            value = value * weights[i]
        total = _add(total, value)
    return total


@nb.njit(inline="always")
def _row_lanes(loss, offset, x, s, true, weights, us, v, a, b, c, row):
    """As :func:`_row` for the identity head, vectorised across examples.

    Used by the losses that need exp and log1p per term: their branch-free
    variants in :mod:`losslab._kernels.elementwise` (within a few ulp of the
    C library) vectorise along the examples of a block.
    """
    n = true.size
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        o, xb, sb, tb = offset[start:stop], x[start:stop], s[start:stop], true[start:stop]
        if weights.size != 0:
            wb = weights[start:stop]
            for k in range(us.size):
                row[k] += _block_sum(loss, o, xb, sb, tb, wb, us[k], v, a, b, c, True)
        else:
            for k in range(us.size):
                row[k] += _block_sum(loss, o, xb, sb, tb, weights, us[k], v, a, b, c, False)


# One kernel per loss. The scalar function reaches _row as an argument inside the compiled
# code; each kernel's own signature holds arrays and numbers only, so numba caches it on disk.
# numba's cache watches this file only: after changing a scalar function in elementwise.py,
# touch this file (or clear its __pycache__) so the grid kernels compile it again.


@nb.njit(parallel=True, cache=True, error_model="numpy")
def mse(offset, x, s, true, weights, us, vs, sigmoid, a, b, c, sums):
    """Grid kernel of mse (see the module docstring for the signature)."""
    for j in nb.prange(vs.size):
        if sigmoid:
            _row(_mse, offset, x, s, true, weights, us, vs[j], sigmoid, a, b, c, sums[j])
        else:
            _row_lanes(_mse, offset, x, s, true, weights, us, vs[j], a, b, c, sums[j])


@nb.njit(parallel=True, cache=True, error_model="numpy")
def mae(offset, x, s, true, weights, us, vs, sigmoid, a, b, c, sums):
    """Grid kernel of mae."""
    for j in nb.prange(vs.size):
        if sigmoid:
            _row(_mae, offset, x, s, true, weights, us, vs[j], sigmoid, a, b, c, sums[j])
        else:
            _row_lanes(_mae, offset, x, s, true, weights, us, vs[j], a, b, c, sums[j])


@nb.njit(parallel=True, cache=True, error_model="numpy")
def huber(offset, x, s, true, weights, us, vs, sigmoid, a, b, c, sums):
    """Grid kernel of huber (a = delta)."""
    for j in nb.prange(vs.size):
        if sigmoid:
            _row(_huber, offset, x, s, true, weights, us, vs[j], sigmoid, a, b, c, sums[j])
        else:
            _row_lanes(_huber, offset, x, s, true, weights, us, vs[j], a, b, c, sums[j])


@nb.njit(parallel=True, cache=True, error_model="numpy")
def pseudo_huber(offset, x, s, true, weights, us, vs, sigmoid, a, b, c, sums):
    """Grid kernel of pseudo_huber (a = delta)."""
    for j in nb.prange(vs.size):
        if sigmoid:
            _row(_pseudo_huber, offset, x, s, true, weights, us, vs[j], sigmoid, a, b, c, sums[j])
        else:
            _row_lanes(_pseudo_huber_simd, offset, x, s, true, weights, us, vs[j], a, b, c, sums[j])


@nb.njit(parallel=True, cache=True, error_model="numpy")
def log_cosh(offset, x, s, true, weights, us, vs, sigmoid, a, b, c, sums):
    """Grid kernel of log_cosh."""
    for j in nb.prange(vs.size):
        if sigmoid:
            _row(_log_cosh, offset, x, s, true, weights, us, vs[j], sigmoid, a, b, c, sums[j])
        else:
            _row_lanes(_log_cosh_simd, offset, x, s, true, weights, us, vs[j], a, b, c, sums[j])


@nb.njit(parallel=True, cache=True, error_model="numpy")
def quantile(offset, x, s, true, weights, us, vs, sigmoid, a, b, c, sums):
    """Grid kernel of quantile (a = q)."""
    for j in nb.prange(vs.size):
        if sigmoid:
            _row(_quantile, offset, x, s, true, weights, us, vs[j], sigmoid, a, b, c, sums[j])
        else:
            _row_lanes(_quantile, offset, x, s, true, weights, us, vs[j], a, b, c, sums[j])


@nb.njit(parallel=True, cache=True, error_model="numpy")
def barron(offset, x, s, true, weights, us, vs, sigmoid, a, b, c, sums):
    """Grid kernel of barron (a = alpha, b = scale, c = the special case)."""
    case = int(c)
    for j in nb.prange(vs.size):
        if sigmoid:
            _row(_barron, offset, x, s, true, weights, us, vs[j], sigmoid, a, b, case, sums[j])
        else:
            _row_lanes(_barron, offset, x, s, true, weights, us, vs[j], a, b, case, sums[j])


@nb.njit(parallel=True, cache=True, error_model="numpy")
def poisson_nll(offset, x, s, true, weights, us, vs, sigmoid, a, b, c, sums):
    """Grid kernel of poisson_nll."""
    for j in nb.prange(vs.size):
        if sigmoid:
            _row(_poisson_nll, offset, x, s, true, weights, us, vs[j], sigmoid, a, b, c, sums[j])
        else:
            _row_lanes(_poisson_nll_simd, offset, x, s, true, weights, us, vs[j], a, b, c, sums[j])


@nb.njit(parallel=True, cache=True, error_model="numpy")
def bce(offset, x, s, true, weights, us, vs, sigmoid, a, b, c, sums):
    """Grid kernel of bce (a = the machine epsilon, where logs are clipped)."""
    for j in nb.prange(vs.size):
        if sigmoid:
            _row(_bce, offset, x, s, true, weights, us, vs[j], sigmoid, a, b, c, sums[j])
        else:
            _row_lanes(_bce, offset, x, s, true, weights, us, vs[j], a, b, c, sums[j])


@nb.njit(parallel=True, cache=True, error_model="numpy")
def bce_with_logits(offset, x, s, true, weights, us, vs, sigmoid, a, b, c, sums):
    """Grid kernel of bce_with_logits (a = pos_weight)."""
    for j in nb.prange(vs.size):
        if sigmoid:
            _row(
                _bce_with_logits, offset, x, s, true, weights, us, vs[j], sigmoid, a, b, c, sums[j]
            )
        else:
            _row_lanes(
                _bce_with_logits_simd, offset, x, s, true, weights, us, vs[j], a, b, c, sums[j]
            )


@nb.njit(parallel=True, cache=True, error_model="numpy")
def focal(offset, x, s, true, weights, us, vs, sigmoid, a, b, c, sums):
    """Grid kernel of focal (a = gamma, b = alpha, c = 1 when alpha is given)."""
    has_alpha = c != 0.0
    for j in nb.prange(vs.size):
        if sigmoid:
            _row(_focal, offset, x, s, true, weights, us, vs[j], sigmoid, a, b, has_alpha, sums[j])
        else:
            _row_lanes(
                _focal_simd, offset, x, s, true, weights, us, vs[j], a, b, has_alpha, sums[j]
            )


@nb.njit(parallel=True, cache=True, error_model="numpy")
def hinge(offset, x, s, true, weights, us, vs, sigmoid, a, b, c, sums):
    """Grid kernel of hinge."""
    for j in nb.prange(vs.size):
        if sigmoid:
            _row(_hinge, offset, x, s, true, weights, us, vs[j], sigmoid, a, b, c, sums[j])
        else:
            _row_lanes(_hinge, offset, x, s, true, weights, us, vs[j], a, b, c, sums[j])


@nb.njit(parallel=True, cache=True, error_model="numpy")
def squared_hinge(offset, x, s, true, weights, us, vs, sigmoid, a, b, c, sums):
    """Grid kernel of squared_hinge."""
    for j in nb.prange(vs.size):
        if sigmoid:
            _row(_squared_hinge, offset, x, s, true, weights, us, vs[j], sigmoid, a, b, c, sums[j])
        else:
            _row_lanes(_squared_hinge, offset, x, s, true, weights, us, vs[j], a, b, c, sums[j])


KERNELS = {
    "mse": mse,
    "mae": mae,
    "huber": huber,
    "pseudo_huber": pseudo_huber,
    "log_cosh": log_cosh,
    "quantile": quantile,
    "barron": barron,
    "poisson_nll": poisson_nll,
    "bce": bce,
    "bce_with_logits": bce_with_logits,
    "focal": focal,
    "hinge": hinge,
    "squared_hinge": squared_hinge,
}
"""Grid kernel of each elementwise loss, by catalogue name (the keys of ``elementwise.KERNELS``)."""

"""Exact loss surfaces of a one-output linear model: the loss at every grid point, one pass.

When two entries of a one-output linear model vary, the prediction of
example ``i`` at grid point ``(u, v)`` is affine in them:
``z_i = (u x_i + v s_i) + offset_i``, with ``x`` and ``s`` the feature
columns of the two entries (ones for a bias) and ``offset`` the rest of the
prediction. :func:`kernel` returns the grid kernel of a loss definition
(one template, compiled per loss, see :mod:`losslab._kernels.compile`), with
the signature ``kernel(offset, x, s, true, weights, us, vs, sigmoid, args, sums)``:

- ``offset``, ``x``, ``s``, ``true``: float64 arrays of the ``n`` examples;
  ``weights`` the same length, or empty for none;
- ``us``, ``vs``: the grid values of the two entries, ``(nx,)`` and ``(ny,)``;
- ``sigmoid``: map ``z`` through the sigmoid head before the loss, as a
  model with that head does (the same :func:`losslab._math.sigmoid`);
- ``args``: the loss's element arguments, as in :mod:`losslab._kernels.elementwise`;
- ``sums``: float64 ``(ny, nx)``, zeros on entry; receives
  ``Σ_i w_i l(ŷ_i, y_i)`` at ``(us[k], vs[j])`` in ``sums[j, k]``.

The per-element loss is the definition's ``value``, the plain path's formula,
so a surface agrees with the plain evaluation to rounding. No ``(G, n)``
array is formed: each grid row runs on one thread, over blocks of
:data:`BLOCK` examples that stay in L1 cache while every grid point of the
row reads them, with a float64 partial sum per block (the rounding error
grows with ``BLOCK + n / BLOCK``, not ``n``). Within a block the sum is
vectorised across examples, one partial sum per SIMD lane. The examples are
read, not checked: the caller validates them and the range of the
predictions first.
"""

from __future__ import annotations

from typing import Any

import numba as nb

from losslab._kernels import scalar_math
from losslab._kernels.compile import CALLS, add, instantiate, stamp
from losslab._math import bind

BLOCK = 512
"""Examples per block: offset, x, s and true of one block fill 16 KiB, half an L1 cache."""


@nb.njit(forceinline=True, error_model="numpy")
def _block_sum(value, call, offset, x, s, true, weights, u, v, args, has_w, sigmoid):
    total = 0.0
    for i in range(true.size):
        # The plain path's order, (u x + v s) + offset, then the head.
        z = (u * x[i] + v * s[i]) + offset[i]
        prediction = scalar_math.sigmoid(z) if sigmoid else z
        loss = call(value, prediction, true[i], args)
        if has_w:
            w = weights[i]
            loss = 0.0 if w == 0.0 else loss * w
        total = add(total, loss)
    return total


@nb.njit(forceinline=True, error_model="numpy")
def _row(value, call, offset, x, s, true, weights, us, v, args, sigmoid, row):
    """Add ``Σ_i w_i l(ŷ_i, y_i)`` at ``(us[k], v)`` to ``row[k]`` for every ``k``."""
    n = true.size
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        o, xb, sb, tb = offset[start:stop], x[start:stop], s[start:stop], true[start:stop]
        has_w = weights.size != 0
        wb = weights[start:stop] if has_w else weights
        for k in range(us.size):
            # One specialised loop per (weights, head), so the loop body has no branch on them.
            if has_w:
                if sigmoid:
                    row[k] += _block_sum(value, call, o, xb, sb, tb, wb, us[k], v, args, True, True)
                else:
                    row[k] += _block_sum(
                        value, call, o, xb, sb, tb, wb, us[k], v, args, True, False
                    )
            elif sigmoid:
                row[k] += _block_sum(value, call, o, xb, sb, tb, wb, us[k], v, args, False, True)
            else:
                row[k] += _block_sum(value, call, o, xb, sb, tb, wb, us[k], v, args, False, False)


# The names a template reads, given their values by compile.instantiate for each loss.
VALUE = CALL = None


def _template(offset, x, s, true, weights, us, vs, sigmoid, args, sums):
    """The grid kernel of one loss (see the module docstring for the signature)."""
    for j in nb.prange(vs.size):
        _row(VALUE, CALL, offset, x, s, true, weights, us, vs[j], args, sigmoid, sums[j])


_KERNELS: dict[Any, Any] = {}


def kernel(definition: Any, variant: Any) -> Any:
    """The compiled grid kernel of an Elementwise ``definition`` at its ``variant``."""
    key = (definition, variant)
    if key not in _KERNELS:
        value = bind(variant.value, scalar_math)
        name = f"{definition.name}_{variant.__name__}_" + stamp(
            __name__, definition, variant, variant.value
        )
        _KERNELS[key] = instantiate(
            _template, name, VALUE=value, CALL=CALLS[value.py_func.__code__.co_argcount - 2]
        )
    return _KERNELS[key]

"""The memory-bandwidth proxy of the benchmark: the STREAM triad a = b + s c."""

from __future__ import annotations

import numba as nb


@nb.njit(parallel=True, cache=True)
def triad(a, b, c, s):
    """Write b + s c into a (1-D, same dtype): reads two arrays and writes one, like a loss."""
    for i in nb.prange(a.size):
        a[i] = b[i] + s * c[i]

"""The error-free transformations of the vocabulary (losslab._math), on both namespaces.

``two_difference`` and ``two_product`` return a rounded result and its exact error; the
check is exact rational arithmetic (fractions.Fraction). The kernels' version runs inside
a compiled loop, as the fused kernels inline it, so a reassociating compiler (fastmath)
that folded the error to 0 would fail here.
"""

from __future__ import annotations

from fractions import Fraction

import numba as nb
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from losslab._kernels import scalar_math
from losslab._math import array_math

m = array_math(np)

finite = st.floats(allow_nan=False, allow_infinity=False)
# Dekker's split is exact below 1e300; a product above 1e-250 keeps its error normal.
factors = st.floats(min_value=1e-125, max_value=1e150) | st.floats(
    min_value=-1e150, max_value=-1e-125
)


@nb.njit(error_model="numpy")
def _kernel_differences(p, t, r, e):
    for i in range(p.size):
        r[i], e[i] = scalar_math.two_difference(p[i], t[i])


@nb.njit(error_model="numpy")
def _kernel_products(a, b, s, e):
    for i in range(a.size):
        s[i], e[i] = scalar_math.two_product(a[i], b[i])


def _both(kernel, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    first, second = np.empty_like(x), np.empty_like(x)
    kernel(x, y, first, second)
    return first, second


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=16))
def test_two_difference_is_exact_on_arrays_and_in_kernels(pairs):
    p, t = (np.array(column) for column in zip(*pairs, strict=True))
    with np.errstate(all="ignore"):  # as on the plain path: p - t may overflow
        r, e = m.two_difference(p, t)
    kernel_r, kernel_e = _both(_kernel_differences, p, t)
    np.testing.assert_array_equal(kernel_r, r)
    np.testing.assert_array_equal(kernel_e, e)
    for i in range(len(p)):
        if np.isfinite(r[i]):
            assert Fraction(r[i]) + Fraction(e[i]) == Fraction(p[i]) - Fraction(t[i])
        else:  # p - t overflows: the error is 0, never NaN
            assert e[i] == 0.0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(factors, factors), min_size=1, max_size=16))
def test_two_product_is_exact_on_arrays_and_in_kernels(pairs):
    a, b = (np.array(column) for column in zip(*pairs, strict=True))
    with np.errstate(all="ignore"):
        s, e = m.two_product(a, b)
    kernel_s, kernel_e = _both(_kernel_products, a, b)
    np.testing.assert_array_equal(kernel_s, s)
    np.testing.assert_array_equal(kernel_e, e)
    for i in range(len(a)):
        if abs(s[i]) >= 1e-250:
            assert Fraction(s[i]) + Fraction(e[i]) == Fraction(a[i]) * Fraction(b[i])


def test_a_rounded_difference_has_its_error_and_an_overflow_none():
    p = np.array([19.000000000000004, -15.764352191028285, 1.7e308, 3.0])
    t = np.array([1e-17, 3.4535293893746792, -1.7e308, 3.0])
    with np.errstate(all="ignore"):  # as on the plain path: the overflows are the point
        r, e = m.two_difference(p, t)
        s, f = m.two_product(np.array([1e305, 1e301, 3.0]), np.array([1e10, 2.0, 1.0 / 3.0]))
    assert r.tolist()[::3] == [19.000000000000004, 0.0]
    assert e.tolist() == [-1e-17, e[1], 0.0, 0.0]
    assert e[1] != 0.0  # the fuzz's log_cosh input: p - t is not a float
    assert r[2] == np.inf
    assert s[0] == np.inf
    assert f.tolist()[:2] == [0.0, 0.0]  # an overflowing product or split: no NaN
    assert Fraction(s[2]) + Fraction(f[2]) == 3 * Fraction(1.0 / 3.0)

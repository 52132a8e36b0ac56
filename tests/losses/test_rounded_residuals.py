"""Losses whose derivatives magnify the rounding of r = y_pred - y_true, against mpmath.

Where p - t is not a float, r is off by up to half an ulp, and a loss whose relative
condition number grows with |r| multiplies that: log_cosh's Hessian sech² r by 2|r|,
welsch's gradient and Hessian (through e^(-z²/2), z = r / scale) by z². The element
functions carry r's rounding error (``losslab._math.two_difference``; welsch also
z = r / scale and z² exactly, ``two_product``); here both paths are held to 4 ulp of
mpmath at such residuals, where the rounding alone cost 12 ulp (log_cosh, the fuzz's
input), up to hundreds further out and up to 870 for welsch.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import losslab.losses as losses
from losslab import config

ULPS = 4.0
EPS = float(np.finfo(np.float64).eps)


def _inexact(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """The pairs whose difference is not a float64 (Fraction arithmetic is exact)."""
    keep = [
        Fraction(float(p - t)) != Fraction(float(p)) - Fraction(float(t))
        for p, t in zip(y_pred, y_true, strict=True)
    ]
    return np.array(keep)


def _residuals(low: float, high: float, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs with |p - t| in [low, high], of both signs, whose difference is not a float.

    Half have a moderate target (p = t + r rounded); half are the p = 19.000000000000004,
    t = 1e-17 kind: a float residual one or two ulps off an integer, a target far below
    its ulp.
    """
    rng = np.random.default_rng(seed)
    sign = rng.choice([-1.0, 1.0], n)
    t = rng.uniform(-4.0, 4.0, n)
    p = t + sign * rng.uniform(low, high, n)
    whole = np.round(rng.uniform(low, high, n))
    near = sign * (whole + rng.integers(1, 3, n) * np.spacing(whole))
    tiny = rng.choice([1e-17, -3e-17, 2.5e-16, -7e-18], n)
    y_pred, y_true = np.concatenate([p, near]), np.concatenate([t, tiny])
    keep = _inexact(y_pred, y_true)
    return y_pred[keep], y_true[keep]


# The fuzz's failing input (tests/losses/fuzz.py --n 100000): log_cosh's Hessian was
# 8.121198820044882e-17 on both paths, mpmath 8.1211988200448597e-17 (12 ulp).
FUZZ = (np.array([-15.764352191028285]), np.array([3.4535293893746792]))

CASES = [
    pytest.param("log_cosh", {}, FUZZ, id="log_cosh-fuzz"),
    pytest.param("log_cosh", {}, _residuals(15.0, 40.0, 40, 1), id="log_cosh-15..40"),
    pytest.param("log_cosh", {}, _residuals(40.0, 350.0, 20, 2), id="log_cosh-40..350"),
    pytest.param("welsch", {"scale": 1.0}, _residuals(15.0, 38.0, 40, 3), id="welsch-15..38"),
    pytest.param("welsch", {"scale": 2.5}, _residuals(1.0, 95.0, 40, 4), id="welsch-c2.5"),
    pytest.param("welsch", {"scale": 1.0}, _residuals(0.999, 1.001, 20, 5), id="welsch-|z|=1"),
    pytest.param(
        "barron", {"alpha": -np.inf, "scale": 1.0}, _residuals(15.0, 38.0, 20, 6), id="barron"
    ),
]


@pytest.mark.parametrize("path", ["plain", "fused"])
@pytest.mark.parametrize(("name", "params", "inputs"), CASES)
def test_value_gradient_and_hessian_carry_the_residual_rounding(
    name, params, inputs, path, require
):
    require("mpmath")
    from exactness import REFERENCES, mp  # mpmath at 200 bits

    y_pred, y_true = inputs
    assert len(y_pred) >= 1
    assert _inexact(y_pred, y_true).all()
    loss = losses.get(name, **params)
    with config.fused(path == "fused"):
        value, grad = loss.value_and_grad(y_pred, y_true, reduction="none")
        got = (value, grad, loss.hess(y_pred, y_true, reduction="none"))
    problems = []
    for i, (p, t) in enumerate(zip(y_pred, y_true, strict=True)):
        terms = REFERENCES[name].terms(float(p), float(t), **params)
        for q, quantity in enumerate(("value", "grad", "hess")):
            exact = mp.fsum(terms[q])
            scale = float(mp.fsum(abs(v) for v in terms[q]))
            error = float(abs(mp.mpf(float(got[q][i])) - exact))
            if error > ULPS * EPS * scale + 4 * float(np.finfo(np.float64).tiny):
                ulps = error / (EPS * scale) if scale else float("inf")
                problems.append(f"{quantity}({p!r}, {t!r}) = {got[q][i]!r}: {ulps:.1f} ulp")
    assert not problems, f"{len(problems)} beyond {ULPS} ulp:\n" + "\n".join(problems[:20])

"""The fused kernels against the plain path: agreement, ``out=``, bad input, the switch.

The plain NumPy path is the reference. Tolerances: float64 rtol 1e-12 (same
formulas; only libm and summation order differ), float32 rtol 1e-5 (the
kernels compute in float64 and round once, the plain path rounds each step
to float32); both with an absolute floor of rtol times the largest value, as
a Hessian or gradient may cross zero.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import losslab.losses as losses
from losslab import config
from losslab.losses import _fused

TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}


Maker = Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]]


def _regression(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    pred = rng.normal(size=n) * 2.0
    true = rng.normal(size=n)
    true[:2] = pred[:2]  # kinks at r = 0
    return pred, true


def _probability(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    pred = rng.uniform(size=n)
    pred[:4] = [0.0, 1.0, 1e-9, 1.0 - 1e-12]  # clipped at eps in both dtypes
    return pred, rng.uniform(size=n)


def _soft_logits(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    pred = rng.normal(size=n) * 3.0
    pred[:2] = [40.0, -40.0]
    return pred, rng.uniform(size=n)


def _binary_logits(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    pred = rng.normal(size=n) * 3.0
    pred[:3] = [1.0, -1.0, 0.0]  # hinge kinks
    return pred, rng.integers(0, 2, n).astype(np.float64)


def _counts(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(size=n), rng.poisson(2.0, n).astype(np.float64)


def _labels(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.integers(0, 5, n)
    labels[:3] = -100  # ignore_index
    return rng.normal(size=(n, 5)) * 3.0, labels


def _rows(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    target = rng.dirichlet(np.ones(5), n)
    target[0] = [1.0, 0.0, 0.0, 0.0, 0.0]  # 0 log 0
    return rng.normal(size=(n, 5)) * 3.0, target


# (name, parameters, maker): every catalogue loss, with parameters off their defaults
# where a parameter changes the kernel's arithmetic.
CASES: list[tuple[str, dict[str, object], Maker]] = [
    ("mse", {}, _regression),
    ("mae", {}, _regression),
    ("huber", {"delta": 0.7}, _regression),
    ("pseudo_huber", {"delta": 0.3}, _regression),
    ("log_cosh", {}, _regression),
    ("quantile", {"q": 0.9}, _regression),
    ("barron", {"alpha": 0.5, "scale": 0.8}, _regression),
    ("barron", {"alpha": 1.0}, _regression),
    ("barron", {"alpha": 0.0}, _regression),
    ("barron", {"alpha": -2.0}, _regression),
    ("barron", {"alpha": float("-inf")}, _regression),
    ("barron", {"alpha": 2.0}, _regression),
    ("poisson_nll", {}, _counts),
    ("bce", {}, _probability),
    ("bce_with_logits", {"pos_weight": 2.0}, _soft_logits),
    ("focal", {}, _binary_logits),
    ("focal", {"gamma": 1.5, "alpha": 0.25}, _binary_logits),
    ("hinge", {}, _binary_logits),
    ("squared_hinge", {}, _binary_logits),
    ("exponential", {}, _binary_logits),
    ("modified_huber", {}, _binary_logits),
    ("cross_entropy", {}, _labels),
    ("kl_div", {}, _rows),
]

IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in params.items())}" for name, params, _ in CASES]


def _inputs(maker: Maker, dtype: type, n: int = 300, seed: int = 0):
    pred, true = maker(np.random.default_rng(seed), n)
    true = true if true.dtype.kind in "iu" else true.astype(dtype)
    return pred.astype(dtype), true


def _close(actual, expected, dtype) -> None:
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype
    assert actual.shape == expected.shape
    rtol = TOLERANCE[dtype]
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * np.max(np.abs(expected)))


@pytest.fixture
def fused_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every loss that took a fused kernel; kernels at every size unless a test says."""
    monkeypatch.setenv("LOSSLAB_FUSED", "1")
    calls: list[str] = []
    for name in ("_elementwise", "_rows"):
        original = getattr(_fused, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            result = _original(*args, **kwargs)
            if result is not NotImplemented:
                calls.append(_name)
            return result

        monkeypatch.setattr(_fused, name, spy)
    return calls


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "params", "maker"), CASES, ids=IDS)
def test_fused_agrees_with_plain(name, params, maker, dtype, fused_calls) -> None:
    loss = losses.get(name, **params)
    pred, true = _inputs(maker, dtype)
    example_shape = pred.shape[:-1] if name in ("cross_entropy", "kl_div") else pred.shape
    weights = np.random.default_rng(1).uniform(0.0, 2.0, example_shape).astype(dtype)
    for reduction in ("mean", "sum", "none"):
        for w in (None, weights):
            kwargs = {"weights": w, "reduction": reduction}
            value, grad = loss.value_and_grad(pred, true, **kwargs)
            grad_only = loss.grad(pred, true, **kwargs)
            hess = loss.hess(pred, true, **kwargs)
            with config.fused(False):
                expected_value = loss(pred, true, **kwargs)
                expected_grad = loss.grad(pred, true, **kwargs)
                expected_hess = loss.hess(pred, true, **kwargs)
            _close(value, expected_value, dtype)
            _close(grad, expected_grad, dtype)
            np.testing.assert_array_equal(grad_only, grad)
            _close(hess, expected_hess, dtype)
            assert type(value) is type(expected_value)
    assert len(fused_calls) == 3 * 3 * 2  # every call above the plain block was fused


def test_many_chunks_and_float32_sums_in_float64() -> None:
    # Several chunks of the parallel loop, and a float32 sum that float32 accumulation would spoil.
    n = 3 * 16384 + 5
    pred = np.full(n, 1.0001, dtype=np.float32)
    true = np.zeros(n, dtype=np.float32)
    value, grad = losses.get("mse").value_and_grad(pred, true, reduction="sum")
    exact = n * float(np.float32(1.0001)) ** 2
    assert abs(float(value) - exact) <= 1e-6 * exact
    np.testing.assert_array_equal(grad, 2 * pred)


# ---------------------------------------------------------------- out=


def test_out_receives_the_result() -> None:
    pred, true = _inputs(_regression, np.float64)
    loss = losses.get("huber")
    out = np.empty_like(pred)
    with config.fused(False):
        expected_value, expected_grad = loss.value_and_grad(pred, true)
        expected_hess = loss.hess(pred, true)
    value, grad = loss.value_and_grad(pred, true, out=out)
    assert grad is out
    _close(value, expected_value, np.float64)
    _close(out, expected_grad, np.float64)
    assert loss.hess(pred, true, out=out) is out
    _close(out, expected_hess, np.float64)
    assert loss.grad(pred, true, out=out) is out
    _close(out, expected_grad, np.float64)


@pytest.mark.parametrize(
    ("out", "error", "match"),
    [
        (np.empty(299), ValueError, r"out must have the shape of y_pred \(300,\)"),
        (np.empty(300, dtype=np.float32), TypeError, "out must have dtype float64"),
        (np.empty(600)[::2], ValueError, "out must be C-contiguous"),
        ([0.0] * 300, TypeError, "out must be a NumPy array"),
    ],
    ids=["shape", "dtype", "strided", "list"],
)
@pytest.mark.parametrize("enabled", [True, False])
def test_bad_out_is_refused(out, error, match, enabled) -> None:
    pred, true = _inputs(_regression, np.float64)
    with config.fused(enabled), pytest.raises(error, match=match):
        losses.get("mse").value_and_grad(pred, true, out=out)


def test_read_only_or_overlapping_out_is_refused() -> None:
    pred, true = _inputs(_regression, np.float64)
    frozen = np.empty_like(pred)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="out must be writeable"):
        losses.get("mse").grad(pred, true, out=frozen)
    with pytest.raises(ValueError, match="out must not overlap"):
        losses.get("mse").grad(pred, true, out=pred)


# ---------------------------------------------------------------- awkward input


def test_strided_read_only_and_mixed_dtype_inputs_are_correct() -> None:
    pred, true = _inputs(_regression, np.float64, n=600)
    loss = losses.get("log_cosh")
    strided_pred, strided_true = pred[::2], true[::2]
    frozen = strided_pred.copy()
    frozen.flags.writeable = False
    with config.fused(False):
        expected = loss.value_and_grad(strided_pred, strided_true)
    for args in ((strided_pred, strided_true), (frozen, strided_true)):
        value, grad = loss.value_and_grad(*args)
        _close(value, expected[0], np.float64)
        _close(grad, expected[1], np.float64)
    pred32 = pred.astype(np.float32)
    value, grad = loss.value_and_grad(pred32, true)  # float64 y_true takes y_pred's dtype
    with config.fused(False):
        expected = loss.value_and_grad(pred32, true)
    assert grad.dtype == np.float32
    _close(value, expected[0], np.float32)
    _close(grad, expected[1], np.float32)


def test_two_dimensional_elementwise_input() -> None:
    pred, true = _inputs(_regression, np.float64, n=60)
    loss = losses.get("quantile", q=0.3)
    weights = np.linspace(0.5, 1.5, 6)  # broadcast over the rows
    value, grad = loss.value_and_grad(pred.reshape(10, 6), true.reshape(10, 6), weights=weights)
    with config.fused(False):
        expected = loss.value_and_grad(pred.reshape(10, 6), true.reshape(10, 6), weights=weights)
    _close(value, expected[0], np.float64)
    _close(grad, expected[1], np.float64)


def _same_error(call: Callable[[], object]) -> None:
    with pytest.raises((ValueError, TypeError)) as fused_error:
        call()
    with config.fused(False), pytest.raises((ValueError, TypeError)) as plain_error:
        call()
    assert type(fused_error.value) is type(plain_error.value)
    assert str(fused_error.value) == str(plain_error.value)


def _with(arr: np.ndarray, index: int, value: float) -> np.ndarray:
    arr = arr.copy()
    arr.flat[index] = value
    return arr


@pytest.mark.parametrize(
    ("name", "maker", "spoil"),
    [
        ("mse", _regression, lambda p, t: (_with(p, 7, np.nan), t)),
        ("mse", _regression, lambda p, t: (p, _with(t, 299, np.inf))),
        ("mse", _regression, lambda p, t: (p, t[:-1])),
        ("poisson_nll", _counts, lambda p, t: (p, _with(t, 3, -1.0))),
        ("bce", _probability, lambda p, t: (_with(p, 5, 1.5), t)),
        ("bce_with_logits", _soft_logits, lambda p, t: (p, _with(t, 5, -0.5))),
        ("focal", _binary_logits, lambda p, t: (p, _with(t, 5, 0.5))),
        ("hinge", _binary_logits, lambda p, t: (p, _with(t, 5, -1.0))),
        ("squared_hinge", _binary_logits, lambda p, t: (p, _with(t, 5, 2.0))),
        ("cross_entropy", _labels, lambda p, t: (p, _with(t, 5, 5))),
        ("cross_entropy", _labels, lambda p, t: (_with(p, 5, -np.inf), t)),
        ("kl_div", _rows, lambda p, t: (p, _with(t, 5, 0.9))),
        ("kl_div", _rows, lambda p, t: (p, _with(t, 5, np.nan))),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bad_input_raises_the_plain_error(name, maker, spoil, dtype) -> None:
    pred, true = spoil(*_inputs(maker, dtype))
    loss = losses.get(name)
    _same_error(lambda: loss.value_and_grad(pred, true))
    _same_error(lambda: loss.hess(pred, true, out=np.empty_like(pred)))


def test_bad_weights_raise_the_plain_error() -> None:
    pred, true = _inputs(_regression, np.float64)
    loss = losses.get("mse")
    _same_error(lambda: loss.value_and_grad(pred, true, weights=-np.ones(300)))
    _same_error(lambda: loss.value_and_grad(pred, true, weights=np.ones(299)))
    _same_error(lambda: loss.value_and_grad(pred, true, reduction="avg"))


# ---------------------------------------------------------------- routing


def test_switches_route_to_the_plain_path(fused_calls, monkeypatch: pytest.MonkeyPatch) -> None:
    pred, true = _inputs(_regression, np.float64)
    loss = losses.get("mse")
    loss.value_and_grad(pred, true)
    assert fused_calls == ["_elementwise"]
    with config.fused(False):
        loss.value_and_grad(pred, true)
        assert not config.fused_enabled()
    config.set_fused(False)
    try:
        loss.grad(pred, true)
        with config.fused(True):  # the innermost setting wins
            loss.grad(pred, true)
    finally:
        config.set_fused(None)
    assert fused_calls == ["_elementwise"] * 2
    monkeypatch.setenv("LOSSLAB_FUSED", "0")
    loss.hess(pred, true)
    assert fused_calls == ["_elementwise"] * 2
    monkeypatch.setenv("LOSSLAB_FUSED", "1")
    loss.hess(pred, true)
    assert fused_calls == ["_elementwise"] * 3
    monkeypatch.setenv("LOSSLAB_FUSED", "auto")  # the default: 300 elements take the plain path
    loss.hess(pred, true)
    assert fused_calls == ["_elementwise"] * 3


def test_switch_arguments_are_checked() -> None:
    with pytest.raises(TypeError, match='enabled must be True, False, "auto" or None'):
        config.set_fused("no")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match='enabled must be True, False or "auto"'), config.fused(0):  # type: ignore[arg-type]
        pass


@pytest.mark.parametrize(
    ("name", "params", "maker"),
    [
        ("cross_entropy", {"label_smoothing": 0.1}, _labels),
        ("cross_entropy", {"class_weights": (1.0, 2.0, 1.0, 1.0, 0.5)}, _labels),
        ("cross_entropy", {"label_smoothing": 0.2}, _rows),
    ],
)
def test_options_without_a_kernel_fall_back(name, params, maker, fused_calls) -> None:
    pred, true = _inputs(maker, np.float64)
    loss = losses.get(name, **params)
    out = np.empty_like(pred)
    value, grad = loss.value_and_grad(pred, true, out=out)
    assert fused_calls == []
    assert grad is out
    with config.fused(False):
        np.testing.assert_array_equal(grad, loss.grad(pred, true))
        assert value == loss(pred, true)


def test_probability_targets_of_cross_entropy_take_the_row_kernel(fused_calls) -> None:
    pred, true = _inputs(_rows, np.float64)
    loss = losses.get("cross_entropy")
    value, grad = loss.value_and_grad(pred, true)
    assert fused_calls == ["_rows"]
    with config.fused(False):
        plain_value, plain_grad = loss.value_and_grad(pred, true)
    np.testing.assert_allclose(value, plain_value, rtol=1e-12)
    np.testing.assert_allclose(grad, plain_grad, rtol=1e-12, atol=1e-300)


def test_lists_and_other_arrays_fall_back(fused_calls) -> None:
    loss = losses.get("mse")
    value, grad = loss.value_and_grad([1.0, 2.0], [0.0, 0.0])
    assert float(value) == 2.5
    assert grad.tolist() == [1.0, 2.0]
    torch = pytest.importorskip("torch")
    value, grad = loss.value_and_grad(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0]))
    assert isinstance(grad, torch.Tensor)
    assert fused_calls == []


def test_compile_cache_is_writable() -> None:
    from losslab._kernels import elementwise

    cache = os.environ.get("NUMBA_CACHE_DIR")
    folder = Path(cache) if cache else Path(elementwise.__file__).parent / "__pycache__"
    losses.get("mse").grad(np.ones(3), np.zeros(3))
    assert os.access(folder, os.W_OK), f"numba cannot cache in {folder}: set NUMBA_CACHE_DIR"
    assert list(folder.rglob("elementwise._template__mse_*.nbi")), "no cached kernel index for mse"


_RACE = """
import numpy as np, losslab.losses as L
rng = np.random.default_rng(0)
out = []
for dtype in (np.float32, np.float64):
    z = rng.normal(size=1000).astype(dtype)
    y = rng.integers(0, 2, 1000).astype(dtype)
    value, grad = L.get("bce_with_logits").value_and_grad(z, y)
    rows = rng.normal(size=(100, 3)).astype(dtype)
    ce, ce_grad = L.get("cross_entropy").value_and_grad(rows, rng.integers(0, 3, 100))
    out += [float(value), float(grad.sum()), float(ce), float(ce_grad.sum())]
print(repr(out))
"""


def test_kernels_compiled_at_once_by_two_processes_load_correctly(tmp_path) -> None:
    # pytest-xdist workers (and Dask workers) compile the same kernels at the same time into
    # one numba cache. Each cached kernel holds one signature, so their writes cannot cross.
    import subprocess
    import sys

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    racers = [
        subprocess.Popen([sys.executable, "-c", _RACE], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [racer.communicate(timeout=600)[0] for racer in racers]
    assert all(racer.returncode == 0 for racer in racers)
    loaded = subprocess.run(
        [sys.executable, "-c", _RACE], env=env, capture_output=True, text=True, timeout=600
    )
    assert loaded.returncode == 0, loaded.stderr
    assert results[0] == results[1] == loaded.stdout

"""losslab.torch: every catalogue loss as a torch loss, exact to the second derivative.

References: the loss's own NumPy value, gradient and Hessian-vector product
(float64, the plain and fused paths, themselves held to mpmath in
tests/losses), a dense Hessian assembled from that ``hvp`` on basis vectors,
``torch.autograd.functional.hessian`` and ``torch.func`` on our loss, and
``torch.nn.functional``'s own losses where PyTorch has the same one.
"""

from __future__ import annotations

import subprocess
import sys
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch_loss_cases import one_case_per_loss

import losslab.torch as lt
from losslab import config
from losslab.losses import available

CASES = one_case_per_loss()
IDS = [c.name for c in CASES]
# torch's forward-mode AD loads decompositions with torch.jit.script on first use, which
# torch 2.13 itself marks deprecated: a warning of torch's, not of losslab's.
JIT_WARNING = "ignore:`torch.jit.script:DeprecationWarning"


def _rng(*key: object) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _inputs(case, rng, shape=(3,)):
    y_pred, y_true = case.sample(rng, shape)
    example = case.example_shape(y_pred)
    weights = None if case.whole else rng.uniform(0.5, 2.0, example)
    return y_pred, y_true, weights


def _dense_hessian(loss, y_pred, y_true, weights, reduction="mean"):
    """The Hessian of the reduced loss, column by column from the loss's own hvp."""
    n = y_pred.size
    columns = []
    for i in range(n):
        e = np.zeros(n)
        e[i] = 1.0
        hv = loss.hvp(y_pred, y_true, e.reshape(y_pred.shape), weights=weights, reduction=reduction)
        columns.append(np.asarray(hv).reshape(-1))
    return np.stack(columns, axis=1)


def test_catalogue_is_covered() -> None:
    assert sorted(IDS) == sorted(available())


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "torch"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_value_gradient_and_hessian_are_the_loss_s_own(case, fused) -> None:
    loss = case.loss
    y_pred, y_true, weights = _inputs(case, _rng(case.name, "own"))
    f = lt.loss(loss)
    t = torch.as_tensor(y_true)
    w = None if weights is None else torch.as_tensor(weights)
    with config.fused(fused):
        z = torch.tensor(y_pred, requires_grad=True)
        value = f(z, t, w)
        assert value.dtype == torch.float64
        np.testing.assert_allclose(value.item(), float(loss(y_pred, y_true, weights=weights)),
                                   rtol=1e-12, atol=1e-14)  # fmt: skip
        (g,) = torch.autograd.grad(value, z, create_graph=True)
        np.testing.assert_allclose(
            g.detach().numpy(), loss.grad(y_pred, y_true, weights=weights), rtol=1e-11, atol=1e-14
        )
        v = _rng(case.name, "v").normal(size=y_pred.shape)
        (hv,) = torch.autograd.grad(g, z, torch.as_tensor(v))
        np.testing.assert_allclose(
            hv.numpy(), loss.hvp(y_pred, y_true, v, weights=weights), rtol=1e-10, atol=1e-13
        )
        dense = _dense_hessian(loss, y_pred, y_true, weights)
        hessian = torch.autograd.functional.hessian(lambda x: f(x, t, w), torch.tensor(y_pred))
        np.testing.assert_allclose(
            hessian.reshape(y_pred.size, -1).numpy(), dense, rtol=1e-10, atol=1e-13
        )


@pytest.mark.filterwarnings(JIT_WARNING)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_torch_func_transforms(case) -> None:
    from torch.func import grad, hessian, jvp, vmap

    loss = case.loss
    y_pred, y_true, _ = _inputs(case, _rng(case.name, "func"))
    f = lt.loss(loss)
    t = torch.as_tensor(y_true)
    z = torch.tensor(y_pred)

    def objective(x):
        return f(x, t)

    np.testing.assert_allclose(
        grad(objective)(z).numpy(), loss.grad(y_pred, y_true), rtol=1e-11, atol=1e-14
    )
    np.testing.assert_allclose(
        hessian(objective)(z).reshape(y_pred.size, -1).numpy(),
        _dense_hessian(loss, y_pred, y_true, None),
        rtol=1e-10,
        atol=1e-13,
    )
    v = _rng(case.name, "tangent").normal(size=y_pred.shape)
    _, tangent = jvp(objective, (z,), (torch.as_tensor(v),))
    np.testing.assert_allclose(
        tangent.item(), float(np.sum(loss.grad(y_pred, y_true) * v)), rtol=1e-10, atol=1e-13
    )
    other_pred, other_true, _ = _inputs(case, _rng(case.name, "func", 2))
    batched = vmap(f)(
        torch.stack([z, torch.tensor(other_pred)]), torch.stack([t, torch.as_tensor(other_true)])
    )
    expected = [float(loss(y_pred, y_true)), float(loss(other_pred, other_true))]
    np.testing.assert_allclose(batched.numpy(), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_dtypes_are_kept(case) -> None:
    loss = case.loss
    y_pred, y_true, _ = _inputs(case, _rng(case.name, "dtype"), shape=(4,))
    f = lt.loss(loss)
    t = torch.as_tensor(y_true)
    for dtype, rtol in ((torch.float32, 1e-6), (torch.bfloat16, 1e-2), (torch.float16, 1e-3)):
        z = torch.tensor(y_pred, dtype=dtype, requires_grad=True)
        with config.fused(False):  # the fused float32 kernels are tested against torch's losses
            value = f(z, t)
        (g,) = torch.autograd.grad(value, z)
        assert value.dtype == dtype
        assert g.dtype == dtype
        # The reference at the predictions as rounded to the dtype, rounded once at the end.
        rounded = z.detach().double().numpy()
        expected = float(loss(rounded, y_true))
        np.testing.assert_allclose(value.double().item(), expected, rtol=rtol, atol=rtol)
        expected_grad = loss.grad(rounded, y_true)
        np.testing.assert_allclose(g.double().numpy(), expected_grad, rtol=rtol, atol=rtol)


def test_fast_path_is_taken_and_stays_exact_under_double_backward() -> None:
    rng = _rng("fast")
    y_pred, y_true = rng.normal(size=(50,)), rng.integers(0, 2, 50).astype(float)
    loss = lt.loss("bce_with_logits")
    z = torch.tensor(y_pred, requires_grad=True)
    value = loss(z, torch.tensor(y_true), reduction="sum")
    assert type(value.grad_fn).__name__ == "_FusedBackward"
    (g,) = torch.autograd.grad(value, z, create_graph=True)
    (hv,) = torch.autograd.grad(g, z, torch.ones(50, dtype=torch.float64))
    reference = lt.loss("bce_with_logits").loss
    np.testing.assert_allclose(g.detach().numpy(), reference.grad(y_pred, y_true, reduction="sum"))
    np.testing.assert_allclose(
        hv.numpy(), reference.hess(y_pred, y_true, reduction="sum"), rtol=1e-12
    )
    # A second backward through a retained graph, and an upstream gradient other than 1.
    z.grad = None
    value = loss(z, torch.tensor(y_true))
    (3.0 * value).backward(retain_graph=True)
    first = z.grad.clone()
    z.grad = None
    (3.0 * value).backward()
    np.testing.assert_allclose(z.grad.numpy(), first.numpy(), rtol=1e-14)
    np.testing.assert_allclose(first.numpy(), 3.0 * reference.grad(y_pred, y_true), rtol=1e-14)


@pytest.mark.parametrize("name", ["huber", "cross_entropy"])
def test_small_work_runs_the_serial_kernel_with_the_parallel_kernel_s_bits(
    name, monkeypatch
) -> None:
    """Below SERIAL_BELOW the serial kernel runs: numba's thread team is never touched.

    Per-chunk sums make the result independent of how the chunks are run, so
    the serial kernel gives the parallel kernel's bits.
    """
    import numba

    rng = _rng("serial", name)
    if name == "cross_entropy":
        z0, t = rng.normal(size=(256, 10)), torch.tensor(rng.integers(0, 10, 256))
    else:
        z0, t = rng.normal(size=256), torch.tensor(rng.normal(size=256), dtype=torch.float32)
    loss = lt.loss(name)

    def value_and_grad():
        z = torch.tensor(z0, dtype=torch.float32, requires_grad=True)
        value = loss(z, t)
        value.backward()
        return value.item(), z.grad.numpy().copy()

    def untouched(*args):
        raise AssertionError("numba's thread team was changed for small work")

    with monkeypatch.context() as patched:
        patched.setattr(numba, "set_num_threads", untouched)
        serial = value_and_grad()
    monkeypatch.setattr(config, "SERIAL_BELOW", 1)  # every size runs the parallel kernel
    parallel = value_and_grad()
    assert serial[0] == parallel[0]
    np.testing.assert_array_equal(serial[1], parallel[1])
    kernels = loss._direct[torch.float32].kernels  # the rows' hold (label counts, loss)
    assert set(kernels) == {False, True}
    for parallel, kernel in kernels.items():
        for compiled in kernel if isinstance(kernel, tuple) else [kernel]:
            assert bool(compiled.targetoptions.get("parallel")) == parallel


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "torch"])
def test_reduction_none_takes_the_upstream_gradient(fused) -> None:
    rng = _rng("none")
    z = torch.tensor(rng.normal(size=(5, 3)), requires_grad=True)
    y = torch.tensor([0, 1, 2, 1, 0])
    upstream = torch.tensor(rng.uniform(0.5, 2.0, 5))
    with config.fused(fused):
        ours = lt.loss("cross_entropy")(z, y, reduction="none")
        (g,) = torch.autograd.grad(ours, z, upstream)
    z_ref = z.detach().clone().requires_grad_()
    ref = F.cross_entropy(z_ref, y, reduction="none")
    (g_ref,) = torch.autograd.grad(ref, z_ref, upstream)
    torch.testing.assert_close(ours.detach(), ref.detach(), rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(g, g_ref, rtol=1e-12, atol=1e-14)


def _torch_reference(name, z, t, reduction):
    references = {
        "mse": lambda: F.mse_loss(z, t, reduction=reduction),
        "mae": lambda: F.l1_loss(z, t, reduction=reduction),
        "huber": lambda: F.huber_loss(z, t, delta=0.7, reduction=reduction),
        "bce_with_logits": lambda: F.binary_cross_entropy_with_logits(
            z, t, pos_weight=torch.tensor(2.5, dtype=z.dtype), reduction=reduction
        ),
    }
    return references[name]()


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "torch"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    ("name", "params"),
    [("mse", {}), ("mae", {}), ("huber", {"delta": 0.7}), ("bce_with_logits", {"pos_weight": 2.5})],
)
def test_matches_torch_functional(name, params, reduction, fused) -> None:
    rng = _rng(name, reduction)
    z_np = rng.normal(size=(6, 5))
    t_np = (
        rng.integers(0, 2, (6, 5)).astype(float)
        if name == "bce_with_logits"
        else rng.normal(size=(6, 5))
    )
    for dtype, tol in ((torch.float64, 1e-12), (torch.float32, 1e-5)):
        z = torch.tensor(z_np, dtype=dtype, requires_grad=True)
        z_ref = torch.tensor(z_np, dtype=dtype, requires_grad=True)
        t = torch.tensor(t_np, dtype=dtype)
        with config.fused(fused):
            ours = lt.loss(name, **params)(z, t, reduction=reduction)
        ref = _torch_reference(name, z_ref, t, reduction)
        torch.testing.assert_close(ours, ref, rtol=tol, atol=tol)
        upstream = torch.ones_like(ref)
        (g,) = torch.autograd.grad(ours, z, upstream)
        (g_ref,) = torch.autograd.grad(ref, z_ref, upstream)
        torch.testing.assert_close(g, g_ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "torch"])
@pytest.mark.parametrize(
    "params",
    [{}, {"label_smoothing": 0.1}, {"class_weights": (1.0, 2.0, 0.5)}, {"ignore_index": 1}],
    ids=["plain", "smoothing", "class_weights", "ignore_index"],
)
def test_cross_entropy_takes_nchw_logits_as_torch_does(params, fused) -> None:
    rng = _rng("nchw", sorted(params))
    logits = rng.normal(size=(2, 3, 4, 5))
    labels = torch.tensor(rng.integers(0, 3, (2, 4, 5)))
    z = torch.tensor(logits, requires_grad=True)
    z_ref = torch.tensor(logits, requires_grad=True)
    kwargs = {"label_smoothing": params.get("label_smoothing", 0.0)}
    if "class_weights" in params:
        kwargs["weight"] = torch.tensor(params["class_weights"], dtype=torch.float64)
    if "ignore_index" in params:
        kwargs["ignore_index"] = params["ignore_index"]
    with config.fused(fused):
        ours = lt.LossModule("cross_entropy", axis=1, **params)(z, labels)
    ref = F.cross_entropy(z_ref, labels, **kwargs)
    torch.testing.assert_close(ours, ref, rtol=1e-12, atol=1e-14)
    (g,) = torch.autograd.grad(ours, z, create_graph=True)
    (g_ref,) = torch.autograd.grad(ref, z_ref, create_graph=True)
    torch.testing.assert_close(g, g_ref, rtol=1e-12, atol=1e-14)
    v = torch.tensor(rng.normal(size=logits.shape))
    (hv,) = torch.autograd.grad(g, z, v)
    (hv_ref,) = torch.autograd.grad(g_ref, z_ref, v)
    torch.testing.assert_close(hv, hv_ref, rtol=1e-10, atol=1e-13)


def test_kl_div_takes_target_rows_on_the_class_axis() -> None:
    rng = _rng("kl")
    logits = torch.tensor(rng.normal(size=(2, 4, 3)), requires_grad=True)
    target = torch.softmax(torch.tensor(rng.normal(size=(2, 4, 3))), dim=1)
    ours = lt.loss("kl_div", axis=1)(logits, target, reduction="none")
    ref = F.kl_div(F.log_softmax(logits, dim=1), target, reduction="none").sum(dim=1)
    torch.testing.assert_close(ours, ref, rtol=1e-12, atol=1e-14)


def test_weights_of_zero_silence_an_infinite_loss() -> None:
    z = torch.tensor([1000.0, 1.0], dtype=torch.float64, requires_grad=True)
    f = lt.loss("exponential")
    with config.fused(False):
        value = f(z, torch.tensor([0.0, 1.0], dtype=torch.float64), torch.tensor([0.0, 1.0]))
        (g,) = torch.autograd.grad(value, z)
    assert torch.isfinite(value)
    assert torch.all(torch.isfinite(g))
    assert g[0].item() == 0.0


@pytest.mark.filterwarnings(JIT_WARNING)
@pytest.mark.filterwarnings("ignore:.*should not be instantiated:DeprecationWarning")
def test_compiles_with_fullgraph() -> None:
    # torch 2.13's dynamo instantiates autograd Functions while tracing them, and its
    # compiler calls torch.jit.script_method; it warns of both (its own warnings). One
    # compiled function holds an elementwise and a softmax loss: one compilation to pay.
    huber = lt.loss("huber", delta=0.5, validate=False)
    cross_entropy = lt.loss("cross_entropy", validate=False)

    def both(x, y, logits, labels):
        return huber(x, y) + cross_entropy(logits, labels)

    compiled = torch.compile(both, fullgraph=True, dynamic=False)
    rng = _rng("compile")
    x = torch.tensor(rng.normal(size=8), requires_grad=True)
    y = torch.tensor(rng.normal(size=8))
    logits = torch.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    labels = torch.tensor([0, 2, 1, 1])
    ours = compiled(x, y, logits, labels)
    ours.backward()
    grads = x.grad.clone(), logits.grad.clone()
    x.grad = logits.grad = None
    ref = F.huber_loss(x, y, delta=0.5) + F.cross_entropy(logits, labels)
    ref.backward()
    torch.testing.assert_close(ours, ref, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(grads[0], x.grad, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(grads[1], logits.grad, rtol=1e-12, atol=1e-14)


def test_loss_module() -> None:
    module = lt.LossModule("huber", delta=2.0, reduction="sum")
    assert list(module.parameters()) == []
    assert list(module.buffers()) == []
    assert "huber" in repr(module)
    assert "delta=2.0" in repr(module)
    assert "'sum'" in repr(module)
    z = torch.tensor([0.5, 3.0])
    assert module(z, torch.zeros(2)).item() == pytest.approx(0.125 + 2.0 * (3.0 - 1.0))
    with pytest.raises(ValueError, match="reduction='avg' must be one of"):
        lt.LossModule("mse", reduction="avg")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: lt.loss("hubr"), ValueError, "unknown loss 'hubr'"),
        (lambda: lt.loss("huber", delta=-1.0), ValueError, "delta must be > 0"),
        (lambda: lt.loss("huber", alpha=1.0), TypeError, "no parameter 'alpha'"),
        (lambda: lt.loss("huber", axis=1), ValueError, "axis=1: loss 'huber' is elementwise"),
        (lambda: lt.loss("mse", validate=1), TypeError, "validate must be True or False"),
        (lambda: lt.loss("mse")([1.0], [1.0]), TypeError, "y_pred must be a torch tensor"),
        (
            lambda: lt.loss("mse")(torch.zeros(3), torch.zeros(2)),
            ValueError,
            r"same shape, got \(3,\) and \(2,\)",
        ),
        (
            lambda: lt.loss("mse")(torch.tensor([float("nan")]), torch.zeros(1)),
            ValueError,
            "y_pred must be finite",
        ),
        (
            lambda: lt.loss("bce")(torch.tensor([1.5]), torch.zeros(1)),
            ValueError,
            r"y_pred must be probabilities in \[0, 1\]",
        ),
        (
            lambda: lt.loss("cross_entropy")(torch.zeros(2, 3), torch.tensor([0, 3])),
            ValueError,
            "y_true holds label 3, outside the classes 0..2",
        ),
        (
            lambda: lt.loss("cross_entropy", axis=2)(torch.zeros(2, 3), torch.tensor([0, 1])),
            ValueError,
            "axis=2 is out of range",
        ),
        (
            lambda: lt.loss("mse")(torch.zeros(2), torch.zeros(2, requires_grad=True)),
            ValueError,
            "y_true must not require grad",
        ),
        (
            lambda: lt.loss("mse")(torch.zeros(2), torch.zeros(2), torch.tensor([1.0, -1.0])),
            ValueError,
            "weights must be non-negative",
        ),
        (
            lambda: lt.loss("mse")(torch.zeros(2), torch.zeros(2), torch.ones(3)),
            ValueError,
            "weights of shape",
        ),
        (
            lambda: lt.loss("mse")(torch.zeros(2), torch.zeros(2), reduction="avg"),
            ValueError,
            "reduction='avg'",
        ),
        (
            lambda: lt.loss("mse")(torch.zeros(2, dtype=torch.int64), torch.zeros(2)),
            TypeError,
            "y_pred must be a floating-point tensor",
        ),
    ],
)
def test_errors_name_the_argument(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


def test_loss_module_pickles_and_copies() -> None:
    import copy
    import pickle

    module = lt.LossModule("cross_entropy", axis=1, label_smoothing=0.2, reduction="sum")
    z, y = torch.randn(2, 3, 4, dtype=torch.float64), torch.tensor([[0, 1, 2, 1], [2, 2, 0, 1]])
    for twin in (pickle.loads(pickle.dumps(module)), copy.deepcopy(module)):
        assert twin.function.axis == 1
        torch.testing.assert_close(twin(z, y), module(z, y), rtol=0, atol=0)


def test_validate_false_skips_the_value_checks() -> None:
    value = lt.loss("mse", validate=False)(torch.tensor([float("nan")]), torch.zeros(1))
    assert torch.isnan(value)


def test_importing_losslab_does_not_import_torch() -> None:
    code = "import sys, losslab, losslab.losses; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_torch_gives_one_clear_error() -> None:
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "try:\n    import losslab.torch\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert "pip install 'losslab[torch]'" in out.stdout

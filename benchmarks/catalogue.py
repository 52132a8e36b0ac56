"""Every catalogue loss beyond the fused table: value_and_grad against the peers that have it.

    python benchmarks/catalogue.py            # 10**6 elements (rows: 2.5 x 10**5 of 4)
    python benchmarks/catalogue.py --quick    # 10**5

`benchmarks/run.py` (``make bench``) calls :func:`catalogue` and puts its table in
BENCHMARKS.md. For each loss: losslab's ``value_and_grad`` with the path it takes
(*fused* for elementwise and softmax losses, *plain* for ``Rows`` and ``Whole`` losses,
which have no kernels), PyTorch's forward plus ``torch.autograd.grad`` of the same loss
(the torch formulas of the test suite's references, ``tests/losses``), and the peer that
ships the loss: scikit-learn's ``_loss`` (Tweedie, Gamma, exponential) or optax under
``jax.jit`` (PolyLoss, sparsemax, the ranking softmax loss). Inputs are the test suite's
normal-range samples, float64, 2 threads.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

import losslab.losses as losses

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "losses"))
import conftest  # noqa: E402  (the test suite's cases: one sampler per loss)
from test_reference_torch import torch_per_example  # noqa: E402
from test_structured import _torch_overlap  # noqa: E402


def _median_time(fn: Callable[[], object], repeats: int) -> float:
    import time

    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _case(name: str) -> conftest.Case:
    """The first test case of ``name``: its default parameters where the suite has them."""
    cases = [c for c in conftest.CASES if c.name == name]
    defaults = [c for c in cases if c.params == losses.parameters(name)]
    return (defaults or cases)[0]


def _sklearn_peer(name: str, pred: np.ndarray, true: np.ndarray) -> Callable[[], object] | None:
    from sklearn._loss import loss as sk

    factory = {
        "tweedie": lambda: sk.HalfTweedieLoss(power=1.5),
        "gamma_nll": sk.HalfGammaLoss,
        "exponential": sk.ExponentialLoss,
    }.get(name)
    if factory is None:
        return None
    peer = factory()
    loss_out, grad_out = np.empty_like(pred), np.empty_like(pred)
    y = np.ascontiguousarray(true, dtype=np.float64)

    def step() -> None:
        peer.loss_gradient(y, pred, loss_out=loss_out, gradient_out=grad_out, n_threads=2)
        loss_out.mean()

    return step


def _optax_peer(name: str, pred: np.ndarray, true: np.ndarray) -> Callable[[], object] | None:
    if name not in ("poly1", "sparsemax", "softmax_ranking"):
        return None
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import optax

    rows = np.asarray(true)
    if rows.ndim == pred.ndim - 1:  # labels: the one-hot rows optax takes
        rows = np.eye(pred.shape[-1])[rows]
    z, t = jnp.asarray(pred), jnp.asarray(rows, dtype=jnp.float64)
    if name == "poly1":

        def total(x):
            return optax.losses.poly_loss_cross_entropy(x, t, epsilon=1.0).mean()
    elif name == "sparsemax":

        def total(x):
            return optax.losses.multiclass_sparsemax_loss(x, jnp.argmax(t, axis=-1)).mean()
    else:

        def total(x):
            return optax.losses.ranking_softmax_loss(x, t, reduce_fn=jnp.mean)

    step = jax.jit(jax.value_and_grad(total))
    return lambda: jax.block_until_ready(step(z))


def _torch_step(name: str, case: conftest.Case, pred: np.ndarray, true: np.ndarray):
    z = torch.tensor(pred, requires_grad=True)
    y = torch.tensor(np.asarray(true))
    if isinstance(case.loss.definition, type) and issubclass(case.loss.definition, losses.Whole):

        def total():
            return _torch_overlap(torch, name, dict(case.params), z, y, torch.ones_like(z))
    else:
        fake = SimpleNamespace(name=name, params=dict(case.params))

        def total():
            return torch_per_example(torch, fake, z, y).mean()

    return lambda: torch.autograd.grad(total(), z)


def _path(definition: type) -> str:
    fused = issubclass(definition, (losses.Elementwise, losses.SoftmaxRows))
    return "fused" if fused else "plain"


def catalogue(quick: bool = False, skip: set[str] | frozenset[str] = frozenset()) -> list[dict]:
    """One row per catalogue loss not in ``skip``: times in seconds and the ratios."""
    n = 10**5 if quick else 10**6
    repeats = 3 if quick else 5
    rng = np.random.default_rng(0)
    torch.set_default_dtype(torch.float64)
    rows = []
    for name in losses.available():
        if name in skip:
            continue
        case = _case(name)
        definition = losses.definition(name)
        per_row = 1 if not (case.rows or issubclass(definition, losses.Rows)) else None
        shape = (n,) if per_row else (n // conftest.K,)
        pred, true = case.make(rng, shape)
        loss = case.loss
        row = {"loss": name, "path": _path(definition), "n": int(pred.size)}
        row["losslab"] = _median_time(partial(loss.value_and_grad, pred, true), repeats)
        row["torch"] = _median_time(_torch_step(name, case, pred, true), repeats)
        for kind, make in (("sklearn", _sklearn_peer), ("optax", _optax_peer)):
            step = make(name, pred, true)
            if step is not None:
                row["peer"], row["peer_time"] = kind, _median_time(step, repeats)
        row["load"] = os.getloadavg()[0]
        rows.append(row)
        print(f"  {name} done", file=sys.stderr)
    torch.set_default_dtype(torch.float32)
    return rows


def markdown(rows: list[dict]) -> list[str]:
    """The table for BENCHMARKS.md."""
    out = [
        "| loss | path | n | losslab ms | torch ms | torch / losslab | peer | peer ms "
        "| peer / losslab | load |",
        "|" + " --- |" * 10,
    ]
    for r in rows:
        peer = r.get("peer", "-")
        peer_ms = f"{1e3 * r['peer_time']:.1f}" if "peer" in r else "-"
        peer_ratio = f"{r['peer_time'] / r['losslab']:.2f}" if "peer" in r else "-"
        out.append(
            f"| {r['loss']} | {r['path']} | {r['n']:.0e} | {1e3 * r['losslab']:.1f} "
            f"| {1e3 * r['torch']:.1f} | {r['torch'] / r['losslab']:.2f} | {peer} | {peer_ms} "
            f"| {peer_ratio} | {r['load']:.2f} |"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10**5 elements")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    print("\n".join(markdown(catalogue(quick=args.quick))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Top Hessian eigenvalue and trace of a torch MLP: losslab.torch against PyHessian, one run.

Both get the same module (a ~100k-parameter tanh MLP, float32, cross-entropy)
and the same 10,000 samples as one pair of tensors: one batch, PyHessian's
fastest mode (it keeps the graph of the gradient and runs each product as one
backward pass; losslab.torch.Objective does the same for the eigenvalue, and
for the trace cuts the tensors into chunks itself, below). Timed from
construction, so each side pays for its graphs; the best of ``--repeats``
interleaved runs is shown, wall and CPU time.

- Top eigenvalue: PyHessian's ``eigenvalues()`` (power iteration, its
  defaults ``maxIter=100, tol=1e-3``) against ``top_eigenvalues`` (Lanczos,
  stopped when the Ritz residual ``‖Hy − θy‖``, a bound on the distance of
  ``θ`` to an eigenvalue, is at most PyHessian's achieved relative error
  times ``θ``: equal accuracy guaranteed by a bound, the realised error is
  usually far smaller). Accuracy: relative error against a tight Lanczos
  run (residual ``<= 1e-9 · λ``, not timed).
- Trace: PyHessian's ``trace()`` (Hutchinson with Rademacher probes on the
  Hessian of all the data, its defaults ``maxIter=100, tol=1e-3``: it stops
  when the running mean changes by less than 0.1%, after 30 probes here)
  against ``hutchinson_trace`` stratified over chunks of the data (its
  default for a torch objective in eval mode: chunks of at most 1,024 rows,
  each chunk's Hessian probed with its own Rademacher probes through that
  chunk's kept gradient graph, one backward pass a product; the estimate
  ``Σ_b (n_b/N) mean_k z_kᵀ H_b z_k`` is unbiased, and a product with a
  chunk's Hessian costs about its share ``n_b/N`` of a full one). Equal
  accuracy means losslab's reported standard error is at most PyHessian's
  (the sample standard deviation of its terms over the square root of their
  number): losslab starts with 4 probes per chunk and stops on
  ``target_stderr`` = PyHessian's standard error. Products are counted in
  full-data equivalents (probes per chunk). Both values are compared with a
  reference: a long stratified run (200 probes on each of 40 chunks, untimed)
  whose own standard error is printed.

    python benchmarks/torch_curvature.py                 # 10,000 samples, ~100k parameters
    python benchmarks/torch_curvature.py --samples 1000 --hidden 64   # a quick look
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from losslab.landscape import hutchinson_trace, top_eigenvalues
from losslab.torch import Objective


def problem(samples: int, inputs: int, hidden: int, classes: int, seed: int = 0):
    """A tanh MLP and data labelled by a random teacher network (so the loss has structure)."""
    torch.manual_seed(seed)
    X = torch.randn(samples, inputs)
    teacher = torch.nn.Linear(inputs, classes)
    with torch.no_grad():
        y = teacher(X).argmax(dim=1)
    model = torch.nn.Sequential(
        torch.nn.Linear(inputs, hidden), torch.nn.Tanh(),
        torch.nn.Linear(hidden, hidden), torch.nn.Tanh(),
        torch.nn.Linear(hidden, classes),
    )  # fmt: skip
    return model, X, y


def pyhessian_instance(pyhessian, model, X, y):
    model.zero_grad(set_to_none=True)  # PyHessian adds its gradient to .grad
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # its backward(create_graph=True)
        return pyhessian.hessian(model, F.cross_entropy, data=(X, y), cuda=False)


WALL: dict[str, list[float]] = {}
CPU: dict[str, list[float]] = {}


def timed(name: str, fn):
    """``fn()``; its wall and CPU seconds (all threads) go to ``WALL[name]`` and ``CPU[name]``."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    CPU.setdefault(name, []).append(time.process_time() - cpu)
    WALL.setdefault(name, []).append(time.perf_counter() - start)
    return out


class ProductCounter:
    """Counts PyHessian's Hessian-vector products (its module-level helper, wrapped)."""

    def __init__(self, module) -> None:
        self.module, self.inner, self.count = module, module.hessian_vector_product, 0
        module.hessian_vector_product = self

    def __call__(self, *args):
        self.count += 1
        return self.inner(*args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--inputs", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's)")
    parser.add_argument("--repeats", type=int, default=3, help="timings: the best of these")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    import importlib

    import pyhessian

    counter = ProductCounter(importlib.import_module("pyhessian.hessian"))

    model, X, y = problem(args.samples, args.inputs, args.hidden, args.classes)
    n_params = sum(p.numel() for p in model.parameters())
    print(
        f"MLP {args.inputs}-{args.hidden}-{args.hidden}-{args.classes}, {n_params:,} parameters, "
        f"{args.samples:,} samples, torch {torch.__version__}, {torch.get_num_threads()} threads"
    )

    reference_objective = Objective(model, F.cross_entropy, (X, y))
    reference = top_eigenvalues(reference_objective, reference_objective.theta0, tol=1e-9)
    reference_objective.clear_cache()
    top = float(reference.values[0])
    print(f"reference top eigenvalue {top:.6g} ({reference.n_products} products, untimed)")
    reference_trace = hutchinson_trace(
        reference_objective, reference_objective.theta0, n_probes=200, chunks=40, seed=99
    )
    print(
        f"reference trace {reference_trace.estimate:.6g} ± {reference_trace.stderr:.2g} "
        f"(200 probes on each of 40 chunks, untimed)"
    )

    def peer_eigen():
        torch.manual_seed(1)
        counter.count = 0
        values, _ = pyhessian_instance(pyhessian, model, X, y).eigenvalues()
        return values[0], counter.count

    def peer_trace():
        torch.manual_seed(2)
        return np.array(pyhessian_instance(pyhessian, model, X, y).trace())

    # PyHessian's own accuracy decides losslab's tolerances (deterministic: seeded).
    peer_value, peer_eigen_products = peer_eigen()
    peer_error = abs(peer_value - top) / abs(top)
    # Equal accuracy: Lanczos stops once its residual bound, |λ − θ| <= ‖Hy − θy‖, is
    # within PyHessian's achieved relative error (its realised error is usually far smaller).
    tol = max(peer_error, 1e-6)
    terms = peer_trace()
    peer_stderr = terms.std(ddof=1) / np.sqrt(len(terms))

    def ours_eigen():
        obj = Objective(model, F.cross_entropy, (X, y))
        return top_eigenvalues(obj, obj.theta0, tol=tol, seed=1)

    def ours_trace():
        obj = Objective(model, F.cross_entropy, (X, y))
        # Equal accuracy: probe until the reported standard error is at most PyHessian's.
        return hutchinson_trace(obj, obj.theta0, n_probes=4, target_stderr=peer_stderr, seed=2)

    # Interleaved, so that a busy spell of the machine hits both sides alike.
    for _ in range(args.repeats):
        timed("peer_eigen", peer_eigen)
        ours = timed("ours_eigen", ours_eigen)
        timed("peer_trace", peer_trace)
        trace = timed("ours_trace", ours_trace)
    ours_value = float(ours.values[0])
    peer_eigen_s, ours_eigen_s, peer_trace_s, ours_trace_s = (
        min(WALL[k]) for k in ("peer_eigen", "ours_eigen", "peer_trace", "ours_trace")
    )

    cpu = [min(CPU[k]) for k in ("peer_eigen", "ours_eigen", "peer_trace", "ours_trace")]
    print()
    print(f"best of {args.repeats}, interleaved")
    print(f"{'':16}{'PyHessian':>14}{'losslab':>14}{'speed-up':>10}")
    rows = [
        ("top eigenvalue", peer_eigen_s, ours_eigen_s),
        ("  CPU time", cpu[0], cpu[1]),
    ]
    for label, a, b in rows:
        print(f"{label:16}{a:>13.2f}s{b:>13.2f}s{a / b:>9.2f}x")
    print(f"{'  value':16}{peer_value:>14.6g}{ours_value:>14.6g}   (reference {top:.6g})")
    print(f"{'  rel. error':16}{peer_error:>14.2e}{abs(ours_value - top) / abs(top):>14.2e}")
    print(
        f"{'  products':16}{peer_eigen_products:>14}{ours.n_products:>14}"
        f"{peer_eigen_products / ours.n_products:>9.2f}x   (losslab tol {tol:.2g})"
    )
    for label, a, b in [("trace", peer_trace_s, ours_trace_s), ("  CPU time", cpu[2], cpu[3])]:
        print(f"{label:16}{a:>13.2f}s{b:>13.2f}s{a / b:>9.2f}x")
    exact = reference_trace.estimate
    print(f"{'  value':16}{terms.mean():>14.6g}{trace.estimate:>14.6g}   (reference {exact:.6g})")
    print(f"{'  stderr':16}{peer_stderr:>14.3g}{trace.stderr:>14.3g}")
    print(f"{'  error':16}{terms.mean() - exact:>14.3g}{trace.estimate - exact:>14.3g}")
    print(
        f"{'  products':16}{len(terms):>14}{trace.n_probes:>14}   "
        f"(losslab: probes per chunk, {trace.chunks} chunks; full-data equivalents)"
    )


if __name__ == "__main__":
    main()

"""losslab on accelerator tensors against torch.nn.functional on the same device.

The catalogue's array-API path runs on a PyTorch CUDA tensor as it is: no
copy to NumPy, only a few scalars (the input checks) come back to the host.
This times ``Loss.value_and_grad`` on such tensors against the same loss's
forward and backward with autograd, both synchronised, and reports the ratio.

    python benchmarks/accelerator.py             # CUDA when present, else says so
    python benchmarks/accelerator.py --device cpu --n 100000   # the same code on CPU tensors

``benchmarks/run.py`` calls :func:`accelerator_rows` when CUDA is available
and adds the table to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

import losslab.losses as losses

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ELEMENTWISE, ROWS, torch_loss  # benchmarks/run.py, beside this file


def _inputs(name: str, n: int, n_classes: int, dtype: torch.dtype, device: str):
    generator = torch.Generator(device=device).manual_seed(0)
    if name in ROWS:
        n_rows = max(n // n_classes, 1)
        pred = torch.randn(n_rows, n_classes, generator=generator, dtype=dtype, device=device)
        if name == "cross_entropy":
            labels = torch.randint(0, n_classes, (n_rows,), generator=generator, device=device)
            return pred, labels
        return pred, torch.softmax(torch.randn_like(pred), dim=-1)
    pred = torch.randn(n, generator=generator, dtype=dtype, device=device)
    if name == "bce":
        return torch.sigmoid(pred), torch.rand(n, generator=generator, dtype=dtype, device=device)
    if name in ("bce_with_logits", "focal", "hinge", "squared_hinge"):
        labels = torch.randint(0, 2, (n,), generator=generator, device=device)
        return pred, labels.to(dtype)
    if name == "poisson_nll":
        rates = torch.full((n,), 2.0, dtype=dtype, device=device)
        return pred, torch.poisson(rates, generator=generator)
    return pred, torch.randn(n, generator=generator, dtype=dtype, device=device)


def _median_seconds(fn, repeats: int, device: str) -> float:
    def synchronise() -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    fn()  # warm-up: kernels compiled, memory pools filled
    synchronise()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        synchronise()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def accelerator_rows(
    device: str = "cuda",
    n: int = 10**7,
    n_classes: int = 10,
    repeats: int = 10,
    names: list[str] | None = None,
) -> list[dict]:
    """Time every loss on ``device`` tensors: losslab's value_and_grad and torch's autograd.

    Each row checks first that both give the same value (rtol 1e-4 in float32,
    1e-10 in float64) and that losslab's gradient stays a tensor on ``device``.
    """
    rows = []
    for dtype in (torch.float32, torch.float64):
        for name in names or ELEMENTWISE + ROWS:
            pred, true = _inputs(name, n, n_classes, dtype, device)
            loss = losses.get(name)
            value, grad = loss.value_and_grad(pred, true)
            if not (isinstance(grad, torch.Tensor) and grad.device == pred.device):
                raise RuntimeError(f"{name}: the gradient left {device}")
            leaf = pred.detach().requires_grad_(True)
            reference = torch_loss(name, leaf, true)
            rtol = 1e-4 if dtype == torch.float32 else 1e-10
            if not torch.allclose(value, reference.detach(), rtol=rtol, atol=rtol):
                raise RuntimeError(f"{name}: losslab {float(value)} != torch {float(reference)}")

            def ours(loss=loss, pred=pred, true=true):
                return loss.value_and_grad(pred, true)

            def theirs(name=name, pred=pred, true=true):
                z = pred.detach().requires_grad_(True)
                torch_loss(name, z, true).backward()
                return z.grad

            ours_s = _median_seconds(ours, repeats, device)
            theirs_s = _median_seconds(theirs, repeats, device)
            rows.append(
                {
                    "loss": name,
                    "dtype": str(dtype).removeprefix("torch."),
                    "shape": list(pred.shape),
                    "losslab_ms": 1e3 * ours_s,
                    "torch_ms": 1e3 * theirs_s,
                    "speedup": theirs_s / ours_s,
                }
            )
    return rows


def markdown(rows: list[dict], device_name: str) -> list[str]:
    """The table BENCHMARKS.md shows for these rows."""
    out = [
        f"## On an accelerator: {device_name}",
        "",
        "losslab's `value_and_grad` on torch tensors of this device (the array-API path, no "
        "NumPy round trip) against `torch.nn.functional` forward + backward on the same "
        "device, medians after warm-up, synchronised. The array-API path is not fused: it "
        "validates the inputs (a few host round trips of scalars) and evaluates the value "
        "and the gradient as separate element-wise expressions.",
        "",
        "| loss | dtype | shape | losslab ms | torch ms | torch / losslab |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        out.append(
            f"| {r['loss']} | {r['dtype']} | {' x '.join(map(str, r['shape']))} "
            f"| {r['losslab_ms']:.3f} | {r['torch_ms']:.3f} | {r['speedup']:.2f} |"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--n", type=int, default=10**7)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("no CUDA device here: nothing to measure (try --device cpu)")
        return
    rows = accelerator_rows(args.device, args.n, repeats=args.repeats)
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU tensors"
    print("\n".join(markdown(rows, name)))


if __name__ == "__main__":
    main()

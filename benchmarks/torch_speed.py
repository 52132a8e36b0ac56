"""losslab.torch against torch.nn.functional, side by side in one process.

    python benchmarks/torch_speed.py                # n = 10**6 and 10**7, batches 256 and 65,536
    python benchmarks/torch_speed.py --quick        # n = 10**5 and 10**6, fewer repeats
    python benchmarks/torch_speed.py --threads 8    # torch and numba threads (default: 2)

For mse, mae, huber, bce_with_logits, cross_entropy (rows of 10 classes, n
logits in all) and focal (torchvision's formula in torch operations; PyTorch
has no focal loss), float32 and float64: the time of one forward plus
``backward()`` of ``losslab.torch.loss(name)`` and of PyTorch's own loss on
the same tensors, and one training step (``zero_grad``, forward, loss,
``backward``, SGD ``step``) of a small MLP (32 -> 64 -> 64 -> 1 or 10 outputs,
tanh) at batch 256 and 65,536 in float32. After a warm-up, losslab and torch
run in alternation, each sample lasting about 5 ms; *torch / losslab* is the
median of the paired ratios (above 1: losslab is faster), with their
quartiles, which show how far the machine moved it. A last pair of rows times
a loss that does no work, as a ``torch.autograd.Function``, against
``mse_loss`` in the same step: the ceiling for losses that run Python. The
same runs on a CUDA GPU when one is at hand, labelled by device. ``benchmarks/run.py``
(``make bench``) calls :func:`torch_speed` and records the table in
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numba
import torch
import torch.nn.functional as F

import losslab.torch as lt

LOSSES = ("mse", "mae", "huber", "bce_with_logits", "cross_entropy", "focal")
CLASSES = 10


def _focal(z: torch.Tensor, t: torch.Tensor, gamma: float = 2.0) -> torch.Tensor:
    # torchvision.ops.sigmoid_focal_loss with alpha=None (losslab's default), mean.
    p = torch.sigmoid(z)
    ce = F.binary_cross_entropy_with_logits(z, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    return torch.mean(ce * (1 - p_t) ** gamma)


REFERENCE: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "mse": F.mse_loss,
    "mae": F.l1_loss,
    "huber": F.huber_loss,
    "bce_with_logits": F.binary_cross_entropy_with_logits,
    "cross_entropy": F.cross_entropy,
    "focal": _focal,
}


class _NoWork(torch.autograd.Function):
    """The least a loss written in Python can cost: no arithmetic, a kept gradient handed back.

    Timed in the MLP step against torch's ``mse_loss``, it measures the floor
    of any loss that runs its own code through a ``torch.autograd.Function``
    (as the fused path does): the Function's own overhead in forward and backward.
    """

    @staticmethod
    def forward(ctx: Any, z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        ctx.grad = torch.empty_like(z)
        return z.new_zeros(())

    @staticmethod
    def backward(ctx: Any, upstream: torch.Tensor) -> tuple[torch.Tensor, None]:
        grad, ctx.grad = ctx.grad, None
        return grad, None


FLOOR = "no-work Function vs mse"


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _paired(
    ours: Callable[[], Any], theirs: Callable[[], Any], repeats: int, device: torch.device
) -> dict[str, float]:
    """Both callables timed in alternation: medians of each, and of the per-pair ratios.

    Each sample runs a callable enough times in a row to last about 5 ms, and
    the two alternate (their order swapping every pair), so a drift of the
    machine's speed hits both sides of a ratio alike. The quartiles of the
    paired ratios show how much the machine let the ratio move.
    """
    for fn in (ours, theirs, ours, theirs):
        fn()
    _sync(device)
    start = time.perf_counter()
    ours()
    _sync(device)
    inner = max(1, int(0.005 / max(time.perf_counter() - start, 1e-7)))

    def sample(fn: Callable[[], Any]) -> float:
        begin = time.perf_counter()
        for _ in range(inner):
            fn()
        _sync(device)
        return (time.perf_counter() - begin) / inner

    mine, other = [], []
    for i in range(repeats):
        if i % 2:
            other.append(sample(theirs))
            mine.append(sample(ours))
        else:
            mine.append(sample(ours))
            other.append(sample(theirs))
    ratios = [b / a for a, b in zip(mine, other, strict=True)]
    q25, _, q75 = statistics.quantiles(ratios, n=4)
    return {
        "losslab": statistics.median(mine),
        "torch": statistics.median(other),
        "ratio": statistics.median(ratios),
        "q25": q25,
        "q75": q75,
    }


def _data(name: str, n: int, dtype: torch.dtype, device: torch.device):
    generator = torch.Generator().manual_seed(0)
    if name == "cross_entropy":
        rows = n // CLASSES
        z = torch.randn(rows, CLASSES, generator=generator, dtype=dtype)
        t = torch.randint(0, CLASSES, (rows,), generator=generator)
    else:
        z = torch.randn(n, generator=generator, dtype=dtype)
        if name in ("bce_with_logits", "focal"):
            t = torch.randint(0, 2, (n,), generator=generator).to(dtype)
        else:
            t = z + torch.randn(n, generator=generator, dtype=dtype)
    return z.to(device).requires_grad_(), t.to(device)


def _forward_backward(loss: Callable, z: torch.Tensor, t: torch.Tensor) -> Callable[[], None]:
    def step() -> None:
        z.grad = None
        loss(z, t).backward()

    return step


def _mlp_step(loss: Callable, batch: int, outputs: int, device: torch.device):
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(32, 64), torch.nn.Tanh(), torch.nn.Linear(64, 64), torch.nn.Tanh(),
        torch.nn.Linear(64, outputs),
    ).to(device)  # fmt: skip
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    x = torch.randn(batch, 32, device=device)
    if outputs == 1:
        t = torch.randint(0, 2, (batch,), device=device).float()
    else:
        t = torch.randint(0, outputs, (batch,), device=device)

    def step() -> None:
        optimizer.zero_grad()
        out = model(x)
        loss(out[:, 0] if outputs == 1 else out, t).backward()
        optimizer.step()

    return step


def torch_speed(
    quick: bool = False, devices: tuple[str, ...] | None = None, repeats: int | None = None
) -> list[dict[str, Any]]:
    """The rows of the comparison: one per device, case, loss, dtype and size."""
    sizes = (10**5, 10**6) if quick else (10**6, 10**7)
    batches = (256, 65_536)
    repeats = repeats or (7 if quick else 21)
    if devices is None:
        devices = ("cpu", "cuda") if torch.cuda.is_available() else ("cpu",)
    rows = []
    for device_name in devices:
        device = torch.device(device_name)
        label = "cpu" if device.type == "cpu" else f"cuda ({torch.cuda.get_device_name()})"
        for name in LOSSES:
            ours = lt.loss(name)
            for dtype in (torch.float32, torch.float64):
                for n in sizes:
                    z, t = _data(name, n, dtype, device)
                    times = _paired(
                        _forward_backward(ours, z, t),
                        _forward_backward(REFERENCE[name], z, t),
                        repeats,
                        device,
                    )
                    rows.append(_row(label, "forward+backward", name, dtype, n, times))
                    print(_line(rows[-1]), file=sys.stderr)
            outputs = CLASSES if name == "cross_entropy" else 1
            for batch in batches:
                times = _paired(
                    _mlp_step(ours, batch, outputs, device),
                    _mlp_step(REFERENCE[name], batch, outputs, device),
                    repeats,
                    device,
                )
                rows.append(_row(label, "MLP step", name, torch.float32, batch, times))
                print(_line(rows[-1]), file=sys.stderr)
        for batch in batches:
            times = _paired(
                _mlp_step(_NoWork.apply, batch, 1, device),
                _mlp_step(F.mse_loss, batch, 1, device),
                repeats,
                device,
            )
            rows.append(_row(label, "MLP step", FLOOR, torch.float32, batch, times))
            print(_line(rows[-1]), file=sys.stderr)
    return rows


def _row(device: str, case: str, name: str, dtype: torch.dtype, n: int, times: dict) -> dict:
    return {
        "device": device,
        "case": case,
        "loss": name,
        "dtype": str(dtype).removeprefix("torch."),
        "n": n,
        "losslab_ms": 1e3 * times["losslab"],
        "torch_ms": 1e3 * times["torch"],
        "ratio": times["ratio"],
        "q25": times["q25"],
        "q75": times["q75"],
        "load": os.getloadavg()[0],
    }


def _line(r: dict) -> str:
    return (
        f"{r['device']:>6} {r['case']:>16} {r['loss']:>15} {r['dtype']:>7} {r['n']:>9} "
        f"losslab {r['losslab_ms']:8.3f} ms  torch {r['torch_ms']:8.3f} ms  "
        f"torch/losslab {r['ratio']:5.2f} ({r['q25']:.2f}-{r['q75']:.2f})"
    )


def markdown(rows: list[dict[str, Any]], threads: int) -> list[str]:
    """The table for BENCHMARKS.md."""
    out = [
        "## PyTorch: losslab.torch against torch.nn.functional",
        "",
        "`benchmarks/torch_speed.py`, in the same run: forward plus `backward()` of",
        "`losslab.torch.loss(name)` and of PyTorch's loss on the same tensors (cross_entropy:",
        f"rows of {CLASSES} classes, *n* logits in all; focal: torchvision's formula in torch",
        "operations), and one SGD training step of an MLP 32-64-64-(1 or 10), tanh, float32,",
        f"at batch *n*. {threads} threads for torch and numba. The two run in alternation;",
        "*torch / losslab* is the median of the paired ratios (>= 1: losslab at least as",
        "fast), *quartiles* their middle half. Target: >= 1.0 on the CPU.",
        f"The rows *{FLOOR}* time a loss that does no arithmetic at all, written as a",
        "`torch.autograd.Function` (as the fused path is), against `mse_loss`: the ceiling",
        "of any loss whose forward and backward run Python code.",
        "",
        "| device | case | loss | dtype | n | losslab ms | torch ms | torch / losslab "
        "| quartiles | load | target |",
        "|" + " --- |" * 11,
    ]
    for r in rows:
        met = "met" if r["ratio"] >= 1.0 else "MISSED"
        target = f"{met} (>= 1.0x)" if r["device"] == "cpu" and r["loss"] != FLOOR else "-"
        out.append(
            f"| {r['device']} | {r['case']} | {r['loss']} | {r['dtype']} | {r['n']:,} "
            f"| {r['losslab_ms']:.3f} | {r['torch_ms']:.3f} | {r['ratio']:.2f} "
            f"| {r['q25']:.2f}-{r['q75']:.2f} | {r['load']:.2f} | {target} |"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--threads", type=int, default=2, help="torch and numba threads")
    parser.add_argument("--device", action="append", help="cpu, cuda (default: both if any)")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    numba.set_num_threads(args.threads)
    devices = tuple(args.device) if args.device else None
    rows = torch_speed(quick=args.quick, devices=devices, repeats=args.repeats)
    print("\n".join(markdown(rows, args.threads)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

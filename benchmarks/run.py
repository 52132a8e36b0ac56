"""Benchmark losslab's fused value_and_grad against a bandwidth proxy, the plain path,
PyTorch (CPU, autograd) and scikit-learn's ``_loss`` module, in one process.

    python benchmarks/run.py            # n = 10**7 (10**6 x 10 for the softmax losses)
    python benchmarks/run.py --quick    # n = 10**6, fewer repeats
    python benchmarks/run.py --check    # compare ratios with benchmarks/baseline.json

A full run writes BENCHMARKS.md and the "full" entry of baseline.json; a
quick run writes only the "quick" entry. ``--check`` writes nothing and exits
1 when a loss's time relative to the bandwidth proxy got more than 10% worse.
Every library runs on 2 threads.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np
import sklearn
import torch
import torch.nn.functional as F
from sklearn._loss import loss as sk
from threadpoolctl import threadpool_limits

import losslab.losses as losses
from losslab import config
from losslab._kernels.bandwidth import triad

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalogue import catalogue, markdown  # benchmarks/catalogue.py
from torch_speed import markdown as torch_markdown  # benchmarks/torch_speed.py
from torch_speed import torch_speed
from training import training  # benchmarks/training.py, beside this file

THREADS = 2
ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "benchmarks" / "baseline.json"
REPORT = ROOT / "BENCHMARKS.md"
TOLERANCE = 1.1  # --check fails past 10% worse

ELEMENTWISE = [
    "mse",
    "mae",
    "huber",
    "pseudo_huber",
    "log_cosh",
    "quantile",
    "barron",
    "poisson_nll",
    "bce",
    "bce_with_logits",
    "focal",
    "hinge",
    "squared_hinge",
]
ROWS = ["cross_entropy", "kl_div"]
BANDWIDTH_TARGET = {"mse", "mae", "huber", "pseudo_huber", "quantile"}
PEER_TARGET = {"bce_with_logits", "cross_entropy", "focal", "log_cosh"}
LOG2 = math.log(2.0)


def median_time(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make_inputs(name: str, n: int, n_classes: int, dtype: type, rng: np.random.Generator):
    if name in ROWS:
        pred = rng.normal(size=(n, n_classes)).astype(dtype)
        if name == "cross_entropy":
            return pred, rng.integers(0, n_classes, n)
        return pred, rng.dirichlet(np.ones(n_classes), n).astype(dtype)
    pred = rng.normal(size=n).astype(dtype)
    if name == "bce":
        return rng.uniform(0.01, 0.99, n).astype(dtype), rng.uniform(size=n).astype(dtype)
    if name in ("bce_with_logits", "focal", "hinge", "squared_hinge"):
        return pred, rng.integers(0, 2, n).astype(dtype)
    if name == "poisson_nll":
        return pred, rng.poisson(2.0, n).astype(dtype)
    return pred, rng.normal(size=n).astype(dtype)


def torch_loss(name: str, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The same loss in torch ops (torch.nn.functional where it has it)."""
    if name == "mse":
        return F.mse_loss(z, y)
    if name == "mae":
        return F.l1_loss(z, y)
    if name == "huber":
        return F.huber_loss(z, y, delta=1.0)
    if name in ("pseudo_huber", "barron"):  # barron's default alpha = 1 is pseudo-Huber
        return (torch.sqrt(1.0 + (z - y) ** 2) - 1.0).mean()
    if name == "log_cosh":
        r = z - y
        return (r + F.softplus(-2.0 * r) - LOG2).mean()
    if name == "quantile":
        r = z - y
        return torch.maximum(0.5 * r, -0.5 * r).mean()
    if name == "poisson_nll":
        return F.poisson_nll_loss(z, y, log_input=True, full=False)
    if name == "bce":
        return F.binary_cross_entropy(z, y)
    if name == "bce_with_logits":
        return F.binary_cross_entropy_with_logits(z, y)
    if name == "focal":  # torchvision's sigmoid_focal_loss with alpha = None, gamma = 2
        p = torch.sigmoid(z)
        ce = F.binary_cross_entropy_with_logits(z, y, reduction="none")
        p_t = p * y + (1 - p) * (1 - y)
        return (ce * (1 - p_t) ** 2).mean()
    if name in ("hinge", "squared_hinge"):
        slack = torch.clamp(1.0 - (2.0 * y - 1.0) * z, min=0.0)
        return slack.mean() if name == "hinge" else (slack * slack).mean()
    if name == "cross_entropy":
        return F.cross_entropy(z, y)
    if name == "kl_div":
        return F.kl_div(F.log_softmax(z, dim=-1), y, reduction="batchmean")
    raise ValueError(name)


def sklearn_loss(name: str):
    return {
        "mse": sk.HalfSquaredError,
        "mae": sk.AbsoluteError,
        "quantile": lambda: sk.PinballLoss(quantile=0.5),
        "huber": lambda: sk.HuberLoss(delta=1.0),
        "poisson_nll": sk.HalfPoissonLoss,
        "bce_with_logits": sk.HalfBinomialLoss,
        "cross_entropy": lambda: sk.HalfMultinomialLoss(n_classes=10),
    }.get(name)


def bench_one(name: str, n: int, dtype: type, repeats: int, rng: np.random.Generator) -> dict:
    n_classes = 10
    pred, true = make_inputs(name, n, n_classes, dtype, rng)
    loss = losses.get(name)
    out = np.empty_like(pred)
    row: dict = {"loss": name, "dtype": np.dtype(dtype).name, "n": int(pred.size)}

    # The bandwidth proxy reads two arrays and writes one of y_pred's size.
    a, b, c = np.empty(pred.size, dtype), np.ones(pred.size, dtype), np.ones(pred.size, dtype)
    row["triad_numba"] = median_time(lambda: triad(a, b, c, 2.0), repeats)

    def numpy_triad() -> None:
        np.multiply(c, 2.0, out=a)
        np.add(a, b, out=a)

    row["triad_numpy"] = median_time(numpy_triad, repeats)
    row["fused_out"] = median_time(lambda: loss.value_and_grad(pred, true, out=out), repeats)
    row["fused"] = median_time(lambda: loss.value_and_grad(pred, true), repeats)
    with config.fused(False):
        row["plain"] = median_time(lambda: loss.value_and_grad(pred, true), max(2, repeats // 2))

    z = torch.from_numpy(pred).requires_grad_(True)
    y = torch.from_numpy(true)

    def torch_step() -> None:
        torch.autograd.grad(torch_loss(name, z, y), z)

    row["torch"] = median_time(torch_step, repeats)

    factory = sklearn_loss(name)
    if factory is not None:
        sk_loss = factory()
        raw = pred.astype(np.float64) if name == "cross_entropy" else pred
        y_sk = true.astype(raw.dtype)
        loss_out = np.empty(raw.shape[0], dtype=raw.dtype)
        grad_out = np.empty_like(raw)

        def sklearn_step() -> None:
            sk_loss.loss_gradient(
                y_sk, raw, loss_out=loss_out, gradient_out=grad_out, n_threads=THREADS
            )
            loss_out.mean()

        row["sklearn"] = median_time(sklearn_step, repeats)

    # Allocation during one fused value_and_grad, relative to y_pred.
    tracemalloc.start()
    for key, kwargs in (("alloc", {}), ("alloc_out", {"out": out})):
        tracemalloc.reset_peak()
        loss.value_and_grad(pred, true, **kwargs)
        row[key] = tracemalloc.get_traced_memory()[1] / pred.nbytes
    tracemalloc.stop()
    row["load"] = os.getloadavg()[0]
    row["vs_bandwidth"] = row["fused_out"] / row["triad_numba"]
    row["torch_speedup"] = row["torch"] / row["fused"]
    if "sklearn" in row:
        row["sklearn_speedup"] = row["sklearn"] / row["fused_out"]
    return row


def machine() -> dict:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "threads": THREADS,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "torch": torch.__version__,
        "sklearn": sklearn.__version__,
        "threading_layer": numba.threading_layer(),
    }


def print_table(rows: list[dict]) -> None:
    header = (
        "loss",
        "dtype",
        "triad ms",
        "fused(out) ms",
        "fused ms",
        "plain ms",
        "torch ms",
        "sklearn ms",
        "÷bandwidth",
        "torch/fused",
        "sklearn/fused",
    )
    lines = [header]
    for r in rows:
        lines.append(
            (
                r["loss"],
                r["dtype"],
                f"{1e3 * r['triad_numba']:.2f}",
                f"{1e3 * r['fused_out']:.2f}",
                f"{1e3 * r['fused']:.2f}",
                f"{1e3 * r['plain']:.1f}",
                f"{1e3 * r['torch']:.1f}",
                f"{1e3 * r['sklearn']:.1f}" if "sklearn" in r else "-",
                f"{r['vs_bandwidth']:.2f}",
                f"{r['torch_speedup']:.2f}",
                f"{r['sklearn_speedup']:.2f}" if "sklearn" in r else "-",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)))


def verdict(r: dict) -> str:
    parts = []
    if r["loss"] in BANDWIDTH_TARGET:
        ok = r["vs_bandwidth"] <= 1.25 and r["torch_speedup"] >= 5
        parts.append(("met" if ok else "MISSED") + " (<=1.25x bandwidth, >=5x torch)")
    if r["loss"] in PEER_TARGET:
        ok = r["torch_speedup"] >= 2.5 and r.get("sklearn_speedup", math.inf) >= 1.5
        parts.append(("met" if ok else "MISSED") + " (>=2.5x torch, >=1.5x sklearn)")
    return "; ".join(parts) or "-"


def write_report(
    rows: list[dict],
    train: list[dict],
    rest: list[dict],
    info: dict,
    command: str,
    elapsed: float,
    loads: dict,
    versus_torch: list[dict],
) -> None:
    out = [
        "# Benchmarks",
        "",
        "Made by `" + command + f"` in {elapsed:.0f} s (one process; medians over repeats",
        "after a warm-up). Regenerate with `make bench` (the same command);",
        "`make bench ARGS=--check` compares a new run with `benchmarks/baseline.json` and",
        "fails if a loss's time relative to the bandwidth proxy got more than 10% worse.",
        "",
        "Load average (1 min, `os.getloadavg()`, 2 cores) during the run: "
        + f"{loads['start']:.2f} at the start, {loads['end']:.2f} at the end, "
        + f"{loads['min']:.2f} to {loads['max']:.2f} over the rows (column *load*). Other",
        "engineers' processes share this machine: a load above ~1 means the timings include",
        "waiting for a core; compare ratios within a row (measured seconds apart) rather",
        "than absolute times across rows.",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()) + ".",
        "All libraries pinned to 2 threads (torch.set_num_threads, numba.set_num_threads,",
        "threadpoolctl, scikit-learn n_threads).",
        "",
        "Columns: *triad* is the bandwidth proxy a = b + s c (numba, parallel, preallocated",
        "a), moving the bytes a loss moves: two inputs read, one gradient written (for the",
        "softmax losses over n K elements); numpy's two-pass triad is in baseline.json.",
        "*fused(out)* is `value_and_grad(..., out=buf)`, *fused* the same allocating its",
        "gradient, *plain* the NumPy reference path (`LOSSLAB_FUSED=0`), *torch* a forward",
        "plus `torch.autograd.grad`, *sklearn* `loss_gradient` into preallocated buffers",
        "plus the mean. Ratios: ÷bandwidth = fused(out) / triad; torch/fused = torch /",
        "fused; sklearn/fused = sklearn / fused(out). *alloc* is the tracemalloc peak of one",
        "fused `value_and_grad` over `y_pred.nbytes`, without and with `out=`.",
        "",
        "| loss | dtype | n | triad ms | fused(out) ms | fused ms | plain ms | torch ms "
        "| sklearn ms | ÷bandwidth | torch/fused | sklearn/fused | alloc | alloc(out) "
        "| load | target |",
        "|" + " --- |" * 17,
    ]
    for r in rows:
        sk_ms = f"{1e3 * r['sklearn']:.1f}" if "sklearn" in r else "-"
        sk_ratio = f"{r['sklearn_speedup']:.2f}" if "sklearn" in r else "-"
        out.append(
            f"| {r['loss']} | {r['dtype']} | {r['n']:.0e} | {1e3 * r['triad_numba']:.2f} "
            f"| {1e3 * r['fused_out']:.2f} | {1e3 * r['fused']:.2f} | {1e3 * r['plain']:.1f} "
            f"| {1e3 * r['torch']:.1f} | {sk_ms} | {r['vs_bandwidth']:.2f} "
            f"| {r['torch_speedup']:.2f} | {sk_ratio} | {r['alloc']:.2f} | {r['alloc_out']:.3f} "
            f"| {r['load']:.2f} | {verdict(r)} |"
        )
    out += [
        "",
        "## The rest of the catalogue",
        "",
        "`benchmarks/catalogue.py`, in the same run: every other loss, float64, 10^6",
        "elements (rows of 4, or of the loss's width), `value_and_grad` allocating its",
        "gradient, against PyTorch's forward plus `torch.autograd.grad` of the same formula",
        "and the peer that ships the loss (scikit-learn's `_loss`, or optax under",
        "`jax.jit`). *path* is the one losslab takes: losses of rows other than the softmax",
        "family, and of whole batches, have no fused kernels and run the plain NumPy path.",
        "",
        *markdown(rest),
    ]
    out += [
        "",
        "## Training throughput",
        "",
        "Full-batch gradient descent, `bce_with_logits`, float64, lr 0.5, through losslab's",
        'own `losslab.train.fit(..., optimizer="gd", metrics_every=0)` (benchmarks/training.py):',
        "logistic regression on 100,000 x 20 (zero init) and a tanh MLP (64, 64) on moons",
        "10,000 x 2 (losslab's seeded init copied into torch). PyTorch: the same model, loss",
        "and `torch.optim.SGD`, `zero_grad, forward, loss, backward, step`, 2 threads.",
        "*with metrics* is `fit` with the default `metrics_every=1` (all metrics, norms and",
        "a record every epoch). Best of 3 timed runs after a warm-up; the final losses agree.",
        "Target: losslab / torch >= 1.0.",
        "",
        "| case | epochs | losslab epochs/s | with metrics epochs/s | torch epochs/s "
        "| losslab / torch | final loss losslab | final loss torch | load | target |",
        "|" + " --- |" * 10,
    ]
    for t in train:
        met = "met" if t["ratio"] >= 1.0 else "MISSED"
        out.append(
            f"| {t['case']} {t['shape'][0]} x {t['shape'][1]} | {t['epochs']} "
            f"| {t['losslab']['epochs_per_s']:.1f} "
            f"| {t['losslab_metrics_every_epoch']['epochs_per_s']:.1f} "
            f"| {t['torch']['epochs_per_s']:.1f} | {t['ratio']:.2f} "
            f"| {t['losslab']['final_loss']:.6f} | {t['torch']['final_loss']:.6f} "
            f"| {max(t['load']):.2f} | {met} (>= 1.0x torch) |"
        )
    out += ["", *torch_markdown(versus_torch, THREADS)]
    notes = ROOT / "benchmarks" / "NOTES.md"
    if notes.exists():
        out += ["", notes.read_text().strip()]
    REPORT.write_text("\n".join(out) + "\n")


def check(rows: list[dict], mode: str) -> int:
    if not BASELINE.exists():
        print(f"no baseline at {BASELINE}: run without --check first", file=sys.stderr)
        return 2
    baseline = json.loads(BASELINE.read_text()).get(mode)
    if baseline is None:
        print(f"baseline.json has no {mode!r} run: run without --check first", file=sys.stderr)
        return 2
    worse = []
    for r in rows:
        key = f"{r['loss']}/{r['dtype']}"
        before = baseline["ratios"].get(key)
        if before is not None and r["vs_bandwidth"] > TOLERANCE * before:
            worse.append(f"{key}: {r['vs_bandwidth']:.2f}x bandwidth, was {before:.2f}x")
    for line in worse:
        print("WORSE", line)
    print("check:", "FAILED" if worse else "ok", f"({len(rows)} compared with the {mode} run)")
    return 1 if worse else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="n = 10**6, fewer repeats")
    parser.add_argument("--check", action="store_true", help="compare with baseline.json")
    parser.add_argument("--losses", nargs="*", default=ELEMENTWISE + ROWS)
    args = parser.parse_args(argv)
    torch.set_num_threads(THREADS)
    numba.set_num_threads(THREADS)
    mode = "quick" if args.quick else "full"
    n, repeats = (10**6, 5) if args.quick else (10**7, 5)
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    rows = []
    with threadpool_limits(THREADS):
        for dtype in (np.float32, np.float64):
            for name in args.losses:
                size = n // 10 if name in ROWS else n
                rows.append(bench_one(name, size, dtype, repeats, rng))
                print(f"  {name} {np.dtype(dtype).name} done", file=sys.stderr)
        train = training(quick=args.quick)
        rest = catalogue(quick=args.quick, skip=set(ELEMENTWISE + ROWS))
        versus_torch = torch_speed(quick=args.quick)
    accelerator = None
    if torch.cuda.is_available():
        from accelerator import accelerator_rows, markdown  # benchmarks/accelerator.py

        accelerator = markdown(accelerator_rows(n=n), torch.cuda.get_device_name())
        print("\n".join(accelerator))
    elapsed = time.perf_counter() - started
    row_loads = [r["load"] for r in rows] + [x for t in train for x in t["load"]]
    loads = {"start": load_start, "end": os.getloadavg()[0]}
    loads.update(min=min(row_loads), max=max(row_loads))
    print_table(rows)
    for t in train:
        print(
            f"training {t['case']}: losslab {t['losslab']['epochs_per_s']:.1f}, torch "
            f"{t['torch']['epochs_per_s']:.1f} epochs/s, ratio {t['ratio']:.2f}"
        )
    print("load average: " + ", ".join(f"{k} {v:.2f}" for k, v in loads.items()))
    if args.check:
        return check(rows, mode)
    stored = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    stored[mode] = {
        "machine": machine(),
        "ratios": {f"{r['loss']}/{r['dtype']}": r["vs_bandwidth"] for r in rows},
        "rows": rows,
        "training": train,
        "catalogue": rest,
        "torch": versus_torch,
        "load": loads,
    }
    BASELINE.write_text(json.dumps(stored, indent=1) + "\n")
    if mode == "full" and set(args.losses) == set(ELEMENTWISE + ROWS):
        command = "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/run.py"
        write_report(rows, train, rest, machine(), command, elapsed, loads, versus_torch)
        if accelerator is not None:
            REPORT.write_text(REPORT.read_text() + "\n" + "\n".join(accelerator) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

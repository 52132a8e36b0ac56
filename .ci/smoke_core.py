"""Run by .ci/wheel-check in a virtual environment holding the wheel and nothing optional.

The catalogue, the fast path and training work; every optional feature fails with one
message naming its extra; the closure's size and the import time are printed.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import sysconfig
from pathlib import Path

OPTIONAL = {
    "losslab.experiments": "report",
    "losslab.plots": "report",
    "losslab.demo": "report",
    "losslab.sweep": "sweep",
    "losslab.web": "web",
    "losslab.estimators": "sklearn",
    "losslab.torch": "torch",
    "losslab.cli": "cli",
}


def check(condition: bool, message: str) -> None:
    """Stop the check with ``message`` unless ``condition`` holds."""
    if not condition:
        raise SystemExit(f"FAILED: {message}")


def import_seconds(module: str, repeats: int = 3) -> float:
    """Best of ``repeats`` fresh interpreters (the first also writes the bytecode cache)."""
    script = (
        f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", script], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(repeats + 1)
    ]
    return min(runs[1:])


def main() -> None:
    """Run every check in order; the first failure stops with its message."""
    print(f"import losslab.losses: {import_seconds('losslab.losses') * 1e3:.0f} ms")
    import numpy as np

    import losslab.losses as losses

    value, grad = losses.get("huber").value_and_grad(np.linspace(-3, 3, 1000), np.zeros(1000))
    check(np.isfinite(value) and grad.shape == (1000,), "huber on 1000 elements")
    check("numba" not in sys.modules, "a small first call imported numba")
    big = np.linspace(-3, 3, 1 << 20)
    losses.get("huber").value_and_grad(big, np.zeros_like(big))
    check("numba" in sys.modules, "a large call did not reach the kernels")

    from losslab import datasets, models, train

    data = datasets.load("linear", n_samples=50)
    history = train.fit(models.LinearRegression(data.X.shape[1]), "mse", data.X, data.y, epochs=5)
    check(history.epochs_completed == 5, "training five epochs")

    from losslab._optional import MissingExtra

    for module, extra in OPTIONAL.items():
        try:
            importlib.import_module(module)
        except MissingExtra as exc:
            check(f"losslab[{extra}]" in str(exc), f"{module}: {exc}")
        else:
            raise SystemExit(f"FAILED: {module} imported without its extra [{extra}]")
    from losslab import custom

    try:
        custom.expression_loss("(y_pred - y_true)**2")
    except MissingExtra as exc:
        check("losslab[symbolic]" in str(exc), str(exc))
    else:
        raise SystemExit("FAILED: expression_loss ran without sympy")

    done = subprocess.run(["losslab", "--version"], capture_output=True, text=True)
    check(done.returncode == 0 and done.stdout.startswith("losslab "), f"--version: {done.stderr}")
    for args in (["losses"], ["compare", "--dataset", "linear", "--losses", "mse"]):
        done = subprocess.run(["losslab", *args], capture_output=True, text=True)
        check(done.returncode == 2, f"losslab {args[0]} without [cli] exited {done.returncode}")
        check("losslab[cli]" in done.stderr, f"losslab {args[0]}: {done.stderr}")
        check("Traceback" not in done.stderr, f"losslab {args[0]} printed a traceback")

    site = Path(sysconfig.get_paths()["purelib"])
    sizes: dict[str, int] = {}
    for f in site.rglob("*"):
        if f.is_file():
            top = f.relative_to(site).parts[0].split("-")[0].split(".")[0].lower()
            sizes[top] = sizes.get(top, 0) + f.stat().st_size
    tools = ("pip", "setuptools", "pkg_resources", "_distutils_hack", "distutils")
    size = sum(n for top, n in sizes.items() if top not in tools)
    biggest = sorted(((t, n) for t, n in sizes.items() if t not in tools), key=lambda kv: -kv[1])[
        :5
    ]
    print(
        "core closure, less pip and setuptools: "
        + f"{size / 1e6:.1f} MB ("
        + ", ".join(f"{top} {n / 1e6:.0f}" for top, n in biggest)
        + " MB)"
    )
    print("core install: OK")


if __name__ == "__main__":
    main()

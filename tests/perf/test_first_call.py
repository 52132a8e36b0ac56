"""A first call on a small input is quick: the plain path answers and numba stays unimported.

The sizes come from ``losslab.losses._crossover`` (measured by ``benchmarks/crossover.py``);
the latency itself is measured by that benchmark, not asserted here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import losslab
import losslab.losses as losses
from losslab import config
from losslab.losses import _crossover, _fused

SRC = Path(losslab.__file__).resolve().parent.parent


def _run(script: str, **env: str) -> dict:
    dropped = ("LOSSLAB_FUSED", "NUMBA_CACHE_DIR")
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(env)
    environment["PYTHONPATH"] = os.pathsep.join([env.get("PYTHONPATH", str(SRC)), ""])
    out = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


_CALL = """
import json, sys
import numpy as np
import losslab.losses as losses
n = {n}
value, grad = losses.get("huber").value_and_grad(np.linspace(-3, 3, n), np.zeros(n))
print(json.dumps({{"numba": "numba" in sys.modules, "finite": bool(np.isfinite(value))}}))
"""


def test_a_small_first_call_never_imports_numba() -> None:
    assert 1000 < _crossover.fused_from("huber", np.float64)
    result = _run(_CALL.format(n=1000))
    assert result == {"numba": False, "finite": True}


def test_a_large_call_loads_the_kernels() -> None:
    n = _crossover.fused_from("huber", np.float64)
    assert _run(_CALL.format(n=n)) == {"numba": True, "finite": True}


def test_every_kernel_has_a_measured_crossover() -> None:
    """A loss added without running ``benchmarks/crossover.py --write`` fails here."""
    for name in losses.available():
        kernel = _fused.has_kernel(losses.get(name).definition, losses.parameters(name))
        for dtype in ("float32", "float64"):
            assert ((name, dtype) in _crossover.CROSSOVER) == kernel, (name, dtype)


@pytest.mark.parametrize("name", ["mse", "bce_with_logits", "cross_entropy"])
def test_auto_routes_by_size(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[int] = []
    original = _fused._load

    def spy():
        taken.append(1)
        return original()

    monkeypatch.setattr(_fused, "_load", spy)
    loss = losses.get(name)
    n = _crossover.fused_from(name, np.float64)
    rng = np.random.default_rng(0)
    for size, fused in ((n // 2, False), (n, True)):
        if name == "cross_entropy":
            pred, true = rng.normal(size=(size // 8, 8)), rng.integers(0, 8, size // 8)
        else:
            pred, true = rng.normal(size=size), (rng.random(size) > 0.5).astype(float)
        taken.clear()
        with config.fused("auto"):
            value, grad = loss.value_and_grad(pred, true)
        assert bool(taken) == fused, (name, size)
        with config.fused(False):
            plain_value, plain_grad = loss.value_and_grad(pred, true)
        np.testing.assert_allclose(value, plain_value, rtol=1e-12)
        np.testing.assert_allclose(grad, plain_grad, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        ("0", "off"),
        ("off", "off"),
        ("1", "always"),
        ("on", "always"),
        ("auto", "auto"),
        ("", "auto"),
    ],
)
def test_the_environment_variable_chooses_the_mode(
    value: str, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOSSLAB_FUSED", value)
    assert config.fused_mode() == mode
    with config.fused("auto"):
        assert config.fused_mode() == "auto"


def test_a_read_only_package_caches_kernels_in_the_user_cache(tmp_path: Path) -> None:
    """numba writes beside the package when it can, else to the user's cache folder."""
    package = tmp_path / "site" / "losslab"
    shutil.copytree(SRC / "losslab", package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "_kernels" / "__pycache__").write_text("not a folder: in-tree caching fails")
    cache = tmp_path / "cache"
    script = _CALL.format(n=100)
    result = _run(
        script, PYTHONPATH=str(tmp_path / "site"), LOSSLAB_FUSED="1", XDG_CACHE_HOME=str(cache)
    )
    assert result == {"numba": True, "finite": True}
    assert list((cache / "numba").rglob("*.nbi")), "no kernel index in the user cache"

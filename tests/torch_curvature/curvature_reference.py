"""Shared references for the torch curvature tests: exact Hessians and small modules."""

from __future__ import annotations

import copy
import importlib
import os
from types import ModuleType

import numpy as np
import pytest


def require(module_name: str) -> ModuleType:
    """Import a reference library; skip when missing, unless LOSSLAB_REQUIRE_REFERENCES=1.

    With the variable set (CI) the ImportError propagates, so a missing
    reference fails the run instead of silently skipping the comparison.
    """
    if os.environ.get("LOSSLAB_REQUIRE_REFERENCES") == "1":
        return importlib.import_module(module_name)
    return pytest.importorskip(module_name)


torch = require("torch")
F = torch.nn.functional


def mlp(n_in: int = 4, hidden: int = 6, n_out: int = 3, seed: int = 0) -> torch.nn.Module:
    """A float32 tanh MLP with one hidden layer."""
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(n_in, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, n_out)
    )


def classification(n: int = 120, n_in: int = 4, n_classes: int = 3, seed: int = 0):
    """Gaussian features and labels that depend on them (so the loss is not flat)."""
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, n_in, generator=gen)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).long() + (X[:, 2] > 1).long()
    return X, y.clamp(max=n_classes - 1)


def exact_hessian(model: torch.nn.Module, loss_fn, X, y) -> np.ndarray:
    """The full Hessian of ``loss_fn(model(X), y)`` in float64 by ``torch.autograd.functional``.

    The flat order is ``named_parameters()``, each in C order (the objective's).
    """
    model64 = copy.deepcopy(model).double().eval()
    names = [k for k, p in model64.named_parameters() if p.requires_grad]
    params = tuple(p.detach() for k, p in model64.named_parameters() if p.requires_grad)
    X64 = X.double() if X.is_floating_point() else X
    y64 = y.double() if y.is_floating_point() else y

    def f(*ps):
        out = torch.func.functional_call(model64, dict(zip(names, ps, strict=True)), (X64,))
        return loss_fn(out, y64)

    blocks = torch.autograd.functional.hessian(f, params)
    sizes = [p.numel() for p in params]
    offsets = np.cumsum([0, *sizes])
    H = np.zeros((offsets[-1], offsets[-1]))
    for i, si in enumerate(sizes):
        for j, sj in enumerate(sizes):
            H[offsets[i] : offsets[i + 1], offsets[j] : offsets[j + 1]] = (
                blocks[i][j].reshape(si, sj).numpy()
            )
    return 0.5 * (H + H.T)

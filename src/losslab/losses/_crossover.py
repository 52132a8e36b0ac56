"""From what size an input takes the fused kernels when :func:`losslab.config.fused_mode` is "auto".

The first fused call of a process imports numba and loads its kernel, about
:data:`LOAD_SECONDS` with numba's cache warm (seconds more when it compiles).
Each later call saves the difference between the plain path's time and the
kernel's. The crossover of a loss and dtype is the smallest size at which
:data:`HORIZON` calls repay that load; smaller inputs take the plain path and
leave numba unimported, so a first call on a small array is quick, and larger
ones take the kernels. ``benchmarks/crossover.py --write`` measures the table
again (run it after adding a loss; a loss missing from it uses :data:`DEFAULT`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

HORIZON = 1000
"""Calls over which the kernel's load must pay for itself."""

DEFAULT = 1 << 14
"""Crossover of a loss or dtype the table does not list."""

LOAD_SECONDS = 0.643

CROSSOVER: dict[tuple[str, str], int] = {
    ("barron", "float32"): 32768,
    ("barron", "float64"): 32768,
    ("bce", "float32"): 65536,
    ("bce", "float64"): 65536,
    ("bce_with_logits", "float32"): 32768,
    ("bce_with_logits", "float64"): 32768,
    ("cauchy", "float32"): 32768,
    ("cauchy", "float64"): 32768,
    ("charbonnier", "float32"): 32768,
    ("charbonnier", "float64"): 65536,
    ("cross_entropy", "float32"): 4096,
    ("cross_entropy", "float64"): 8192,
    ("epsilon_insensitive", "float32"): 65536,
    ("epsilon_insensitive", "float64"): 131072,
    ("expectile", "float32"): 65536,
    ("expectile", "float64"): 65536,
    ("exponential", "float32"): 32768,
    ("exponential", "float64"): 32768,
    ("focal", "float32"): 16384,
    ("focal", "float64"): 16384,
    ("gamma_nll", "float32"): 65536,
    ("gamma_nll", "float64"): 65536,
    ("geman_mcclure", "float32"): 32768,
    ("geman_mcclure", "float64"): 32768,
    ("hinge", "float32"): 32768,
    ("hinge", "float64"): 32768,
    ("huber", "float32"): 65536,
    ("huber", "float64"): 131072,
    ("kl_div", "float32"): 2048,
    ("kl_div", "float64"): 8192,
    ("log_cosh", "float32"): 32768,
    ("log_cosh", "float64"): 32768,
    ("mae", "float32"): 131072,
    ("mae", "float64"): 131072,
    ("modified_huber", "float32"): 16384,
    ("modified_huber", "float64"): 32768,
    ("mse", "float32"): 65536,
    ("mse", "float64"): 262144,
    ("mse_probability", "float32"): 131072,
    ("mse_probability", "float64"): 262144,
    ("msle", "float32"): 32768,
    ("msle", "float64"): 32768,
    ("poisson_nll", "float32"): 65536,
    ("poisson_nll", "float64"): 65536,
    ("pseudo_huber", "float32"): 32768,
    ("pseudo_huber", "float64"): 32768,
    ("quantile", "float32"): 65536,
    ("quantile", "float64"): 65536,
    ("squared_hinge", "float32"): 32768,
    ("squared_hinge", "float64"): 32768,
    ("tukey", "float32"): 16384,
    ("tukey", "float64"): 16384,
    ("tweedie", "float32"): 32768,
    ("tweedie", "float64"): 32768,
    ("welsch", "float32"): 65536,
    ("welsch", "float64"): 65536,
}


def fused_from(name: str, dtype: Any) -> int:
    """The smallest ``y_pred.size`` at which loss ``name`` on ``dtype`` input runs fused."""
    return CROSSOVER.get((name, np.dtype(dtype).name), DEFAULT)

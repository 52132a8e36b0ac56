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

LOAD_SECONDS = 5.093

CROSSOVER: dict[tuple[str, str], int] = {
    ("barron", "float32"): 16384,
    ("barron", "float64"): 32768,
    ("bce", "float32"): 16384,
    ("bce", "float64"): 16384,
    ("bce_with_logits", "float32"): 4096,
    ("bce_with_logits", "float64"): 8192,
    ("cauchy", "float32"): 16384,
    ("cauchy", "float64"): 16384,
    ("charbonnier", "float32"): 32768,
    ("charbonnier", "float64"): 32768,
    ("cross_entropy", "float32"): 4096,
    ("cross_entropy", "float64"): 4096,
    ("epsilon_insensitive", "float32"): 32768,
    ("epsilon_insensitive", "float64"): 65536,
    ("expectile", "float32"): 32768,
    ("expectile", "float64"): 32768,
    ("exponential", "float32"): 16384,
    ("exponential", "float64"): 8192,
    ("focal", "float32"): 8192,
    ("focal", "float64"): 4096,
    ("gamma_nll", "float32"): 32768,
    ("gamma_nll", "float64"): 32768,
    ("geman_mcclure", "float32"): 16384,
    ("geman_mcclure", "float64"): 8192,
    ("hinge", "float32"): 8192,
    ("hinge", "float64"): 32768,
    ("huber", "float32"): 32768,
    ("huber", "float64"): 65536,
    ("kl_div", "float32"): 4096,
    ("kl_div", "float64"): 4096,
    ("log_cosh", "float32"): 16384,
    ("log_cosh", "float64"): 16384,
    ("mae", "float32"): 65536,
    ("mae", "float64"): 65536,
    ("modified_huber", "float32"): 2048,
    ("modified_huber", "float64"): 16384,
    ("mse", "float32"): 65536,
    ("mse", "float64"): 65536,
    ("mse_probability", "float32"): 32768,
    ("mse_probability", "float64"): 32768,
    ("msle", "float32"): 32768,
    ("msle", "float64"): 32768,
    ("poisson_nll", "float32"): 32768,
    ("poisson_nll", "float64"): 16384,
    ("pseudo_huber", "float32"): 16384,
    ("pseudo_huber", "float64"): 32768,
    ("quantile", "float32"): 32768,
    ("quantile", "float64"): 32768,
    ("squared_hinge", "float32"): 16384,
    ("squared_hinge", "float64"): 16384,
    ("tukey", "float32"): 8192,
    ("tukey", "float64"): 8192,
    ("tweedie", "float32"): 16384,
    ("tweedie", "float64"): 8192,
    ("welsch", "float32"): 32768,
    ("welsch", "float64"): 32768,
}


def fused_from(name: str, dtype: Any) -> int:
    """The smallest ``y_pred.size`` at which loss ``name`` on ``dtype`` input runs fused."""
    return CROSSOVER.get((name, np.dtype(dtype).name), DEFAULT)

"""Run-time switches of losslab.

The fast path: for NumPy float32 and float64 arrays, ``Loss.grad``,
``Loss.hess`` and ``Loss.value_and_grad`` run numba-compiled kernels that
compute the reduced loss and its gradient (or Hessian diagonal) in one pass
over the data (:mod:`losslab.losses._fused`). They agree with the plain
NumPy path to rounding error.

By default (``"auto"``) an input runs fused only from the size at which
loading the kernel pays for itself (:mod:`losslab.losses._crossover`, measured
per loss and dtype by ``benchmarks/crossover.py``): smaller inputs take the
plain path and never import numba, so a first call on a small array is quick.
The choice depends on the call alone (the loss, the dtype and the size), never
on what ran before, so a computation repeated in one process gives the same
bits. Choose otherwise, to compare or to debug, with

- ``losslab.config.set_fused(True | False | "auto")`` for the whole process,
- ``with losslab.config.fused(True | False | "auto"): ...`` for a block (per
  thread and per asyncio task, as it uses a context variable),
- the environment variable ``LOSSLAB_FUSED``: ``0`` (or ``off``) for the plain
  path, ``1`` (or ``on``) for the kernels at every size, ``auto`` or unset for
  the default (read at every call, so it may be set after import;
  ``set_fused`` and ``fused`` take precedence).

When numba is not installed the plain path is used and nothing else changes.

Kernels are compiled on first use, one per loss, dtype and shape of work
(a few seconds each), and cached on disk by numba in the ``__pycache__``
folder of ``losslab/_kernels``; where the installed package is read-only,
numba falls back to a user cache folder, and ``NUMBA_CACHE_DIR`` chooses
one. A kernel's cached name carries a hash of its sources, so an edited loss
compiles again rather than loading a stale kernel.

:func:`kernel_threads` is the one policy for how many threads the kernels use.

Example:
    >>> from losslab import config
    >>> with config.fused(False):
    ...     config.fused_enabled()
    False
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal

__all__ = [
    "SERIAL_BELOW",
    "fused",
    "fused_available",
    "fused_enabled",
    "fused_mode",
    "kernel_threads",
    "set_fused",
]

_ENV_VAR = "LOSSLAB_FUSED"
_OFF = frozenset({"0", "false", "no", "off"})
_ALWAYS = frozenset({"1", "true", "yes", "on", "always"})

Setting = bool | Literal["auto"]

# None: follow the environment variable.
_process_setting: Setting | None = None
_block_setting: ContextVar[Setting | None] = ContextVar("losslab_fused", default=None)


def fused_mode() -> Literal["off", "auto", "always"]:
    """Where the fused kernels run: nowhere, from each loss's crossover size, or everywhere.

    The innermost :func:`fused` block decides, else :func:`set_fused`, else
    ``LOSSLAB_FUSED`` (``0``/``false``/``no``/``off``: ``"off"``;
    ``1``/``true``/``yes``/``on``/``always``: ``"always"``; anything else: ``"auto"``).
    """
    setting = _block_setting.get()
    if setting is None:
        setting = _process_setting
    if setting is None:
        value = os.environ.get(_ENV_VAR, "auto").strip().lower()
        return "off" if value in _OFF else "always" if value in _ALWAYS else "auto"
    return "auto" if setting == "auto" else "always" if setting else "off"


def fused_enabled() -> bool:
    """Whether the fused kernels may run at all (:func:`fused_mode` is not ``"off"``)."""
    return fused_mode() != "off"


def _check_setting(enabled: Any, allowed: str) -> None:
    if not (isinstance(enabled, bool) or enabled == "auto"):
        raise TypeError(f"enabled must be {allowed}, got {enabled!r}")


def set_fused(enabled: Setting | None) -> None:
    """Fused kernels for the process: True everywhere, False nowhere, ``"auto"`` by size.

    None goes back to ``LOSSLAB_FUSED``.

    Raises:
        TypeError: If ``enabled`` is not True, False, "auto" or None.
    """
    global _process_setting
    if enabled is not None:
        _check_setting(enabled, 'True, False, "auto" or None')
    _process_setting = enabled


@contextmanager
def fused(enabled: Setting) -> Iterator[None]:
    """Within the block, fused kernels everywhere (True), nowhere (False) or by size ("auto").

    Raises:
        TypeError: If ``enabled`` is not True, False or "auto".
    """
    _check_setting(enabled, 'True, False or "auto"')
    token = _block_setting.set(enabled)
    try:
        yield
    finally:
        _block_setting.reset(token)


def fused_available() -> bool:
    """Whether the fused kernels can run here: numba is installed."""
    return importlib.util.find_spec("numba") is not None


SERIAL_BELOW = 1 << 18
"""Work of fewer elements runs the serial kernels: one thread, numba's team untouched.

(:func:`kernel_threads` gives the reason; the parallel kernels run larger work.)
"""


@contextmanager
def kernel_threads(n_elements: int, n_jobs: int | None = None) -> Iterator[None]:
    """Within the block, numba's parallel kernels use ``n_jobs`` threads, or one for small work.

    Waking the thread pool costs more than a small array's whole pass, and far
    more when the cores are busy (training loops call the loss thousands of
    times on ~100 rows). Worse, numba's OpenMP threads spin for a while after a
    parallel loop and steal the cores from OpenBLAS's threads in the matmuls
    that follow: on 2 cores, full-batch logistic regression on 10^5 rows ran
    its loss 20x and its backward 7x slower with 2 kernel threads than with 1.
    The vectorised kernels take ~0.25 ms for 10^5 elements on one thread, so
    below :data:`SERIAL_BELOW` elements one thread is the faster choice.
    ``n_jobs=None`` keeps numba's setting for larger work.
    """
    if n_elements >= SERIAL_BELOW and n_jobs is None:
        yield
        return
    import numba

    previous = numba.get_num_threads()
    wanted = 1 if n_elements < SERIAL_BELOW else n_jobs or previous
    numba.set_num_threads(max(1, min(wanted, numba.config.NUMBA_NUM_THREADS)))
    try:
        yield
    finally:
        numba.set_num_threads(previous)

"""Kernels from templates: each loop skeleton is written once and compiled per loss.

A template is a plain function whose body refers to a few global names
(``VALUE``, ``GRAD``, ``HESS``, ``CALL``, domains...). :func:`instantiate`
gives it those names, the loss's element functions bound to
:mod:`losslab._kernels.scalar_math`, and compiles it with numba, so the
element functions are inlined into the loop and vectorised with it.

numba caches a compiled kernel on disk under its qualified name and checks
only the modification time of the file holding its code (the template's
file). The qualified name therefore carries :func:`stamp`, a hash of every
source the kernel is made of (the template's module, the loss's module, the
vocabulary and its scalar implementation) and of numba's version: editing a
loss's formula makes a new name, so a stale kernel is never loaded. It also
carries the input dtype: each cached kernel then has exactly one compiled
signature, so two processes that compile it at once (pytest-xdist workers, a
Dask cluster) write the same files, where two signatures in one cache index
could be crossed by concurrent writers.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
import types
from collections.abc import Callable
from typing import Any

import numba as nb


@functools.cache
def _file_digest(path: str) -> bytes:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).digest()


def stamp(*sources: Any) -> str:
    """A short hash of the source files of ``sources`` and of numba's version.

    A source is a module name, or an object (a function, a class) whose module
    counts, so an inherited element function brings the file it is written in.
    The vocabulary (:mod:`losslab._math` and its scalar version) always counts.
    """
    modules = {s if isinstance(s, str) else s.__module__ for s in sources}
    modules |= {"losslab._math", "losslab._kernels.scalar_math"}
    digest = hashlib.sha256(nb.__version__.encode())
    for name in sorted(modules):
        path = getattr(sys.modules[name], "__file__", None)
        if path:
            digest.update(_file_digest(path))
    return digest.hexdigest()[:12]


def instantiate(
    template: Callable[..., Any], name: str, *, parallel: bool = True, **constants: Any
) -> Any:
    """Compile ``template`` with the global names ``constants``, as a kernel called ``name``.

    ``name`` should identify the loss and carry a :func:`stamp` of the sources.
    ``parallel=False`` compiles the template's ``prange`` loops as plain loops:
    the kernel for work below :data:`losslab.config.SERIAL_BELOW` elements,
    which never wakes or switches numba's threads and compiles about 10x
    faster (0.4 s against 4.6 s for a loss).
    """
    if not parallel:
        name += "_serial"
    scope = dict(template.__globals__)
    scope.update(constants)
    safe = re.sub(r"\W", "_", name)
    kernel = types.FunctionType(
        template.__code__, scope, safe, template.__defaults__, template.__closure__
    )
    kernel.__qualname__ = f"{template.__name__}__{safe}"
    kernel.__module__ = template.__module__
    kernel.__doc__ = template.__doc__
    return nb.njit(parallel=parallel, cache=True, error_model="numpy")(kernel)


@nb.njit(forceinline=True, error_model="numpy")
def call0(function, p, t, args):
    """``function(p, t)``: element functions take their parameters unpacked."""
    return function(p, t)


@nb.njit(forceinline=True, error_model="numpy")
def call1(function, p, t, args):
    """``function(p, t, args[0])``."""
    return function(p, t, args[0])


@nb.njit(forceinline=True, error_model="numpy")
def call2(function, p, t, args):
    """``function(p, t, args[0], args[1])``."""
    return function(p, t, args[0], args[1])


@nb.njit(forceinline=True, error_model="numpy")
def call3(function, p, t, args):
    """``function(p, t, *args[:3])``."""
    return function(p, t, args[0], args[1], args[2])


@nb.njit(forceinline=True, error_model="numpy")
def call4(function, p, t, args):
    """``function(p, t, *args[:4])``."""
    return function(p, t, args[0], args[1], args[2], args[3])


CALLS = (call0, call1, call2, call3, call4)
"""The caller for each number of parameters (numba cannot inline ``function(p, t, *args)``)."""


@nb.njit(fastmath={"reassoc"})
def add(total, term):
    """Total + term, the only reassociable addition.

    After LLVM inlines it into a loop, the vectoriser keeps one partial sum
    per SIMD lane (a fixed order, so the same bits on every run and thread
    count), while the loss formulas around it keep strict IEEE semantics.
    """
    return total + term

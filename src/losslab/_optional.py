"""Optional features: which extra brings each, and one message when it is missing.

``pip install losslab`` brings the catalogue, its fast path and the training
engine (NumPy, SciPy, array-api-compat, numba). Everything else, the
command line included, is an extra; a feature whose extra is missing raises
:class:`MissingExtra` (an ImportError) naming the command that installs it,
before any of its modules is imported.

>>> require("core", "the catalogue")
"""

from __future__ import annotations

import importlib.util

__all__ = ["EXTRAS", "MissingExtra", "require"]

EXTRAS: dict[str, tuple[str, ...]] = {
    "core": (),
    "cli": ("typer", "rich"),
    "plot": ("matplotlib",),
    "report": ("pandas", "matplotlib"),
    "sklearn": ("sklearn", "pandas"),
    "symbolic": ("sympy",),
    "web": ("fastapi", "uvicorn", "plotly", "multipart", "pydantic", "pandas", "matplotlib"),
    "sweep": ("dask", "distributed", "pyarrow", "pydantic", "pandas", "matplotlib"),
    "torch": ("torch",),
    "boost": ("xgboost", "lightgbm"),
}
"""The modules each extra installs, as imported (``sklearn`` for scikit-learn)."""


class MissingExtra(ImportError):
    """An optional feature was used without the extra that installs its dependencies."""


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # a finder that refuses the name, or a broken install
        return False


def require(extra: str, feature: str) -> None:
    """Raise :class:`MissingExtra` unless every module of ``extra`` can be imported.

    Args:
        extra: A key of :data:`EXTRAS`.
        feature: What needs it, as the user called it (``"losslab compare"``).
    """
    missing = [m for m in EXTRAS[extra] if not _installed(m)]
    if missing:
        raise MissingExtra(
            f"{feature} needs {', '.join(missing)}, which losslab's core install leaves out: "
            f"pip install 'losslab[{extra}]'"
        )

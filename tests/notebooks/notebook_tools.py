"""Where the notebooks are, and the import helper for the tools that pair and run them."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
"""The folder of the lessons as notebooks: NAME.py (jupytext percent) beside NAME.ipynb."""


def require(module_name: str) -> ModuleType:
    """Import a notebook tool (jupytext, nbformat, nbclient, nbmake); skip when missing.

    With LOSSLAB_REQUIRE_REFERENCES=1 (CI) the ImportError propagates, so a
    missing tool fails the run instead of silently skipping the notebooks.
    """
    if os.environ.get("LOSSLAB_REQUIRE_REFERENCES") == "1":
        return importlib.import_module(module_name)
    return pytest.importorskip(module_name)

"""The registry of loss cases of tests/losses, loaded for the torch tests (one case per loss).

``tests/losses/conftest.py`` holds one :class:`Case` (a generator of valid
inputs and what the loss is) for every catalogue loss; it is loaded here by
path under its own module name, so the two conftest files never meet.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

_NAME = "losslab_tests_loss_cases"


def _load() -> Any:
    if _NAME in sys.modules:
        return sys.modules[_NAME]
    path = Path(__file__).resolve().parents[1] / "losses" / "conftest.py"
    spec = importlib.util.spec_from_file_location(_NAME, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[_NAME] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


CASES_MODULE = _load()
K = CASES_MODULE.K
require = CASES_MODULE.require


def one_case_per_loss() -> list[Any]:
    """The first case of every catalogue loss, whole-batch losses included."""
    seen: dict[str, Any] = {}
    for case in CASES_MODULE.CASES:
        seen.setdefault(case.name, case)
    return list(seen.values())

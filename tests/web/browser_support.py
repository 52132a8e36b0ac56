"""Whether the browser tests can run, and what happens when they cannot."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("LOSSLAB_CHROMIUM", "/usr/bin/chromium")


def browser_missing() -> str | None:
    """Why Playwright cannot drive chromium here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"playwright cannot be imported ({exc}); pip install -e '.[test]'"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


def skip_or_fail(reason: str) -> None:
    """Fail when LOSSLAB_REQUIRE_BROWSER=1 (CI), else skip, with ``reason``."""
    if os.environ.get("LOSSLAB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"LOSSLAB_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)

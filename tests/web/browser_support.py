"""Whether the browser tests can run, and what happens when they cannot."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("LOSSLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


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


def launch_browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright, for a fixture to ``yield from``.

    Skipped when it cannot run, unless CI requires it (:func:`skip_or_fail`).
    """
    reason = browser_missing()
    if reason is not None:
        skip_or_fail(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser: Any, base: str, *, failed_requests: bool = False) -> Iterator[Any]:
    """A fresh page at laptop size, for a fixture to ``yield from``; ``page.base`` is ``base``.

    Uncaught exceptions and console errors land in ``page.errors``, and failed
    requests too when ``failed_requests`` (the playground aborts its streams
    on purpose; a static site has no reason to).
    """
    context = browser.new_context(viewport={"width": 1366, "height": 860})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    if failed_requests:
        tab.on("requestfailed", lambda request: errors.append(f"request failed: {request.url}"))
    tab.errors = errors
    tab.base = base
    yield tab
    context.close()

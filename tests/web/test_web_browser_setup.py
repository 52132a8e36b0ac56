"""A missing browser fails the browser tests in CI and skips them, with the reason, elsewhere."""

from __future__ import annotations

import sys

import pytest
from browser_support import browser_missing, skip_or_fail


def test_missing_playwright_is_the_reason(monkeypatch):
    # A None entry in sys.modules makes the import raise ImportError.
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    assert browser_missing().startswith("playwright cannot be imported")


def test_missing_chromium_is_the_reason(monkeypatch):
    monkeypatch.setattr("browser_support.CHROMIUM", "/nonexistent/chromium")
    reason = browser_missing()
    assert reason == "chromium not found at /nonexistent/chromium (apt-get install chromium)"


def test_ci_fails_when_the_browser_is_missing(monkeypatch):
    monkeypatch.setenv("LOSSLAB_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="LOSSLAB_REQUIRE_BROWSER=1 but playwright"):
        skip_or_fail("playwright cannot be imported (No module named 'playwright')")


def test_elsewhere_a_missing_browser_skips_with_the_reason(monkeypatch):
    monkeypatch.delenv("LOSSLAB_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium not found"):
        skip_or_fail("chromium not found at /usr/bin/chromium (apt-get install chromium)")

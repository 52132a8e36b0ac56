"""Fixtures for the web tests: an app, a TestClient, a live uvicorn server, a browser."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import launch_browser, open_page

from losslab.web import create_app
from losslab.web.jobs import JobManager

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def app():
    application = create_app(JobManager(idle_timeout=5.0))
    yield application
    application.state.jobs.shutdown()


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """uvicorn serving a fresh app on a free loopback port, in a thread."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(
        create_app(), host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 10 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright; skipped when missing unless CI requires it."""
    yield from launch_browser()


@pytest.fixture
def page(browser, live_server):
    """A fresh page at ``live_server``; page and console errors go to ``page.errors``."""
    yield from open_page(browser, live_server)


@pytest.fixture
def screenshot():
    """Save a screenshot of a page under test-artifacts/ and return its path."""

    def save(tab, name: str, *, full_page: bool = False) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        # A page or one element (a Locator, which has no full_page).
        options = {"full_page": True} if full_page else {}
        tab.screenshot(path=str(path), **options)
        return path

    return save

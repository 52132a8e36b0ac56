"""``losslab serve``: starts uvicorn on the loopback by default and prints the address."""

from __future__ import annotations

import pytest
import uvicorn
from typer.testing import CliRunner

from losslab.cli import app


@pytest.fixture
def calls(monkeypatch):
    seen = []
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: seen.append((application, kw)))
    return seen


def test_serve_defaults_to_loopback_8000(calls):
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8000/" in result.output
    application, options = calls[0]
    assert options["host"] == "127.0.0.1"
    assert options["port"] == 8000
    assert application.title == "losslab playground"


def test_serve_takes_host_and_port(calls):
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "9001"])
    assert result.exit_code == 0
    assert "http://0.0.0.0:9001/" in result.output
    assert "other machines" in result.output
    assert calls[0][1] == {"host": "0.0.0.0", "port": 9001, "log_level": "warning"}


def test_serve_refuses_a_bad_port():
    assert CliRunner().invoke(app, ["serve", "--port", "70000"]).exit_code == 2

"""Helpers of the sweep tests: small sweep files, free ports, subprocesses cleaned up."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

BIN = Path(sys.executable).parent
LOSSLAB = [sys.executable, "-m", "losslab"]

TINY = """
name = "tiny"
epochs = 8
seeds = [0, 1]

[[datasets]]
name = "linear_outliers"
params = {n_samples = 60}

[[losses]]
name = "huber"
grid = {delta = [0.5, 2]}

[[losses]]
name = "mse"

[[optimizers]]
name = "gd"
lr = [0.05, 0.5]
"""
"""12 runs of a few milliseconds each."""

SLOW = """
name = "slow"
epochs = 100
seeds = [0, 1, 2, 3]

[[datasets]]
name = "linear_outliers"
params = {n_samples = 300}

[[models]]
kind = "mlp"
hidden = [16]

[[losses]]
name = "huber"
grid = {delta = [0.5, 1, 2]}

[[losses]]
name = "mse"

[[optimizers]]
name = "gd"
lr = [0.01, 0.05, 0.1]
"""
"""48 runs of tens of milliseconds: long enough to interrupt mid-sweep."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def parquet_files(out: Path) -> list[Path]:
    return sorted((out / "runs").glob("*.parquet")) if (out / "runs").is_dir() else []


def temp_files(out: Path) -> list[Path]:
    return sorted(out.rglob("*.tmp"))


class Processes:
    """Subprocesses started by a test, each in its own session, all killed at the end."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen] = []

    def start(self, args: list[str], name: str) -> subprocess.Popen:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        log.close()
        process.log_path = self.logs / f"{name}.log"  # type: ignore[attr-defined]
        self.started.append(process)
        return process

    def output(self, process: subprocess.Popen) -> str:
        return process.log_path.read_text(errors="replace")  # type: ignore[attr-defined]

    def close(self) -> None:
        for process in reversed(self.started):
            # The whole session: a LocalCluster's workers are the CLI's children.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.started):
            try:
                process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)

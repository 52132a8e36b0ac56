"""The README's torch example runs and writes its report (examples/torch_landscape.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "torch_landscape.py"


def test_the_torch_landscape_example_runs(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), "--out", str(tmp_path), "--epochs", "40",
         "--resolution", "7"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "top Hessian eigenvalues:" in out
    eigenvalues = json.loads(out.split("top Hessian eigenvalues:")[1].splitlines()[0])
    assert len(eigenvalues) == 3
    assert eigenvalues == sorted(eigenvalues, reverse=True)
    assert eigenvalues[0] > 0
    page = (tmp_path / "index.html").read_text()
    assert page.count("data:image/png;base64,") == 2

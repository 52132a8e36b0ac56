"""How CI runs the notebooks: nbmake, on this interpreter's kernel, failing on a wrong answer.

``make test`` executes every ``notebooks/*.ipynb`` with ``pytest --nbmake``;
these tests check what that relies on with two tiny notebooks written here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from notebook_tools import require

import losslab


def _notebook(path: Path, *sources: str) -> Path:
    nbformat = require("nbformat")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nbformat.write(notebook, path)
    return path


def _environment() -> dict[str, str]:
    # The kernel imports the losslab under test, installed or not.
    source = str(Path(losslab.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    return env


def test_the_python3_kernel_is_this_interpreter(tmp_path):
    require("ipykernel")
    nbclient = require("nbclient")
    nbformat = require("nbformat")
    path = _notebook(tmp_path / "which.ipynb", "import sys\nprint(sys.prefix)")
    notebook = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    printed = notebook.cells[0].outputs[0]["text"].strip()
    assert Path(printed).resolve() == Path(sys.prefix).resolve()


def test_nbmake_fails_a_notebook_with_a_wrong_checked_answer(tmp_path):
    require("nbmake")
    for name, answer in (("right", 32), ("wrong", 30)):
        check = f'lessons.check("rainfall_mse_b", {answer})'
        _notebook(tmp_path / f"{name}.ipynb", "from losslab import lessons", check)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbmake", "-p", "no:cacheprovider", "-o", "addopts=",
         "right.ipynb", "wrong.ipynb"],
        cwd=tmp_path, env=_environment(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAILED wrong.ipynb" in run.stdout
    assert "1 failed, 1 passed" in run.stdout
    # The kernel's traceback, coloured: the name and the message arrive apart.
    assert "WrongAnswer" in run.stdout
    assert "rainfall_mse_b: 30 is not right." in run.stdout

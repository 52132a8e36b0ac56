"""Each optional feature, with its extra missing, fails with one message naming the extra.

The modules an extra brings are hidden from a fresh interpreter by a finder that refuses
them, as if they were not installed. CI also installs the wheel alone in a fresh
environment (``.ci/wheel-check``).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from losslab._optional import EXTRAS, MissingExtra, require

FEATURES = [
    ("import losslab.experiments", "report"),
    ("import losslab.plots", "report"),
    ("import losslab.demo", "report"),
    ("import losslab.sweep", "sweep"),
    ("import losslab.web", "web"),
    ("import losslab.estimators", "sklearn"),
    ("import losslab.advisor", "sklearn"),
    ("from losslab.landscape import contour_figure", "plot"),
    ("from losslab.custom import expression_loss", "symbolic"),
    ("import losslab.cli", "cli"),
    ("losslab.train.fit(LinearRegression(1), 'mse', [[0.0]], [1.0], progress=True)", "cli"),
]


def _hidden(*extras: str) -> str:
    names = sorted({m for extra in extras for m in EXTRAS[extra]})
    return (
        f"class _Hide:\n"
        f"    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.partition('.')[0] in {names!r}:\n"
        f"            raise ModuleNotFoundError(f'No module named {{name!r}} (hidden)')\n"
        f"sys.meta_path.insert(0, _Hide())\n"
    )


def _python(script: str) -> subprocess.CompletedProcess[str]:
    """``script`` run by this interpreter in a fresh process, its output captured."""
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)


@pytest.mark.parametrize(("statement", "extra"), FEATURES)
def test_a_missing_extra_is_named(statement: str, extra: str) -> None:
    script = (
        f"import sys\n{_hidden(extra)}"
        "from losslab._optional import MissingExtra\nimport losslab.train\n"
        "from losslab.models import LinearRegression\n"
        f"try:\n    {statement}\nexcept MissingExtra as exc:\n    print(exc)\n"
        "else:\n    print('imported')\n"
    )
    out = _python(script)
    assert out.returncode == 0, out.stderr
    assert f"pip install 'losslab[{extra}]'" in out.stdout


def test_the_core_loads_without_any_extra() -> None:
    hidden = _hidden(*EXTRAS)
    script = (
        f"import sys\n{hidden}"
        "import numpy as np\nimport losslab, losslab.losses, losslab.train, losslab.custom\n"
        "import losslab.landscape\n"
        "print(losslab.losses.get('huber')(np.ones(3), np.zeros(3)))\n"
    )
    out = _python(script)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) == pytest.approx(0.5)


def test_the_command_line_names_the_extra() -> None:
    script = (
        f"import sys\n{_hidden('report')}"
        "sys.argv = ['losslab', 'compare', '--dataset', 'linear', '--losses', 'mse']\n"
        "from losslab.cli import main\nmain()\n"
    )
    out = _python(script)
    assert out.returncode == 2
    assert "pip install 'losslab[report]'" in out.stderr
    assert "Traceback" not in out.stderr


def _losslab(hidden: str, *args: str) -> subprocess.CompletedProcess[str]:
    script = (
        f"import sys\n{hidden}sys.argv = ['losslab', *{list(args)!r}]\n"
        "from losslab.__main__ import main\nmain()\n"
    )
    return _python(script)


def test_the_command_without_its_extra_still_tells_the_version() -> None:
    import losslab

    done = _losslab(_hidden("cli"), "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"losslab {losslab.__version__}"
    done = _losslab(_hidden("cli"), "losses")
    assert done.returncode == 2
    assert "pip install 'losslab[cli]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_command_runs_the_command_line_when_installed() -> None:
    done = _losslab("", "losses")
    assert done.returncode == 0, done.stderr
    assert "huber" in done.stdout


def test_require_passes_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    require("core", "the catalogue")
    monkeypatch.setitem(EXTRAS, "boost", ("a_module_that_does_not_exist",))
    with pytest.raises(MissingExtra, match=r"the boosters needs .* pip install 'losslab\[boost\]'"):
        require("boost", "the boosters")

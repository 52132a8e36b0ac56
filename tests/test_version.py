from importlib import metadata

from typer.testing import CliRunner

import losslab
from losslab.cli import app


def test_version_comes_from_the_package_metadata() -> None:
    assert losslab.__version__ == metadata.version("losslab")
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"losslab {metadata.version('losslab')}"

"""``python -m losslab``: the same command line as ``losslab``."""

from losslab.cli import app

if __name__ == "__main__":
    app(prog_name="losslab")

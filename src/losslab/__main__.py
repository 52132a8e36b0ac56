"""The ``losslab`` command, and ``python -m losslab``.

The command line itself (:mod:`losslab.cli`) needs the ``[cli]`` extra (Typer
and Rich); without it ``losslab --version`` still answers and every other
command says which extra to install.
"""

from __future__ import annotations

import sys

from losslab._optional import MissingExtra, require


def main() -> None:
    """Run :func:`losslab.cli.main`, or say which extra it needs (exit status 2)."""
    if sys.argv[1:] == ["--version"]:
        from losslab import __version__

        print(f"losslab {__version__}")
        return
    try:
        require("cli", "losslab's command line")
    except MissingExtra as exc:
        print(f"Error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    from losslab.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()

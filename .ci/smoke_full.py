"""Run by .ci/wheel-check after the extras are installed: every module imports, data ships."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from importlib import resources
from pathlib import Path

import losslab

NEEDS_TORCH = ("losslab.torch",)
# The libraries a package is built on, whose own import time is printed beside it.
BUILT_ON = {"losslab.estimators": "sklearn.base"}


def main() -> None:
    """Run every check in order; the first failure stops with its message."""
    names = [m.name for m in pkgutil.walk_packages(losslab.__path__, "losslab.")]
    for name in names:
        if not name.startswith(NEEDS_TORCH):
            importlib.import_module(name)
    print(f"imported {len(names)} modules")
    sys.path.insert(0, str(Path(__file__).parent))
    from smoke_core import import_seconds

    for package in (
        "losslab",
        "losslab.losses",
        "losslab.custom",
        "losslab.landscape",
        "losslab.estimators",
        "losslab.experiments",
        "losslab.train",
        "losslab.advisor",
        "losslab.cli",
    ):
        line = f"import {package}: {import_seconds(package) * 1e3:.0f} ms"
        if package in BUILT_ON:
            library = BUILT_ON[package]
            line += f" (import {library} alone: {import_seconds(library) * 1e3:.0f} ms)"
        print(line)
    static = resources.files("losslab.web") / "static"
    shipped = [p.name for p in static.iterdir()]
    assert "index.html" in shipped, f"web static files missing from the wheel: {shipped}"
    from losslab.web import create_app

    create_app()
    print("full install: OK")


if __name__ == "__main__":
    main()

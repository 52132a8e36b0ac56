"""The ``"name:key=value,key=value"`` strings a command line uses for losses and datasets."""

from __future__ import annotations

import ast
from typing import Any


def parse_spec(spec: str, what: str) -> tuple[str, dict[str, Any]]:
    """Split a spec into its name and parameters.

    Values are read as Python literals where possible (``0.1``, ``3``,
    ``True``), otherwise kept as strings (``kind=leverage``, ``path=data.csv``).
    ``what`` starts the error message (``"dataset spec"``, ``"losses: spec"``).

    Example:
        >>> parse_spec("huber:delta=2,kind=leverage", "loss spec")
        ('huber', {'delta': 2, 'kind': 'leverage'})
    """
    name, _, rest = spec.partition(":")
    params: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{what} {spec!r}: expected key=value, got {item!r}")
        params[key.strip()] = _literal(value.strip())
    return name.strip(), params


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text  # A bare word such as a kind or a path stays a string.

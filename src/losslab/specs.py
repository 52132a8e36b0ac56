"""The ``name:key=value,key=value`` strings that name a loss or a dataset, and ``key=value`` lists.

One reader for everything typed on a command line or stored as text: dataset
specs (``"moons:n_samples=50,noise=0.3"``), loss specs (``"huber:delta=1"``),
lists of specs (``"mse,huber:delta=1,quantile:q=0.9"``) and repeated
options (``--param delta=2``). Values are read as Python literals where
possible (``0.1``, ``3``, ``True``, ``[1, 2]``), otherwise kept as strings
(``kind=leverage``, ``path=data.csv``). Commas inside brackets or quotes do
not separate parameters, so ``class_weights=[1, 2]`` and ``path='a,b.csv'``
are one parameter each. :func:`format_spec` writes a spec that reads back to
the same name and values.

>>> parse_spec("huber:delta=2,kind=leverage", "loss spec")
('huber', {'delta': 2, 'kind': 'leverage'})
>>> parse_spec("cross_entropy:class_weights=[1, 2.5]", "loss spec")
('cross_entropy', {'class_weights': [1, 2.5]})
>>> format_spec("csv", {"path": "a,b.csv", "target": "y"})
"csv:path='a,b.csv',target=y"
>>> split_specs("mse,huber:delta=1,quantile:q=0.9")
['mse', 'huber:delta=1', 'quantile:q=0.9']
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["format_spec", "parse_pairs", "parse_spec", "read_value", "split_specs"]

_OPENING = {"(": ")", "[": "]", "{": "}"}


def read_value(text: str) -> Any:
    """A Python literal where ``text`` is one (``0.1``, ``True``, ``[1, 2]``), else the text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text  # A bare word such as a kind or a path stays a string.


def parse_pairs(
    items: Iterable[str], what: str, *, convert: Callable[[str, str], Any] | None = None
) -> dict[str, Any]:
    """Read ``["a=2", "b=x"]`` into ``{"a": 2, "b": "x"}``.

    Args:
        items: ``key=value`` strings; spaces around keys and values are dropped.
        what: What the items are, to start each error message (``"--param"``).
        convert: ``convert(key, text)`` makes each value; default :func:`read_value`.

    Raises:
        ValueError: An item without ``=`` or without a key, or a key given
            twice; the message starts with ``what``.

    Example:
        >>> parse_pairs(["a=2", " b = x "], "--param")
        {'a': 2, 'b': 'x'}
    """
    params: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"{what}: expected key=value, got {item!r}")
        if key in params:
            raise ValueError(f"{what}: {key!r} is given twice")
        params[key] = convert(key, text.strip()) if convert else read_value(text.strip())
    return params


def _top_level_parts(text: str) -> list[str]:
    """``text`` cut at commas outside brackets and quotes."""
    parts, start, closers, quote = [], 0, [], ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in _OPENING:
            closers.append(_OPENING[char])
        elif closers and char == closers[-1]:
            closers.pop()
        elif char == "," and not closers:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def parse_spec(spec: str, what: str) -> tuple[str, dict[str, Any]]:
    """Split ``"name:key=value,key=value"`` into the name and its parameters.

    ``what`` starts the error message (``"dataset spec"``, ``"losses: spec"``).

    Raises:
        ValueError: A parameter that is not ``key=value``, or a key given twice.

    Example:
        >>> parse_spec("moons:n_samples=50, noise=0.3", "dataset spec")
        ('moons', {'n_samples': 50, 'noise': 0.3})
    """
    name, _, rest = spec.partition(":")
    return name.strip(), parse_pairs(_top_level_parts(rest), f"{what} {spec!r}")


def _written(value: Any) -> str:
    text = str(value)
    # A string that would read back as something else (a number, a list, a quoted word) or
    # that holds a separator is written as a Python literal, quotes included.
    if isinstance(value, str) and (
        read_value(text) != value or text != text.strip() or set(text) & set(",()[]{}'\"")
    ):
        return repr(value)
    return text if isinstance(value, str) else repr(value)


def format_spec(name: str, params: Mapping[str, Any]) -> str:
    """The spec :func:`parse_spec` reads back as ``(name, params)``.

    >>> format_spec("huber", {"delta": 0.5}), format_spec("mse", {})
    ('huber:delta=0.5', 'mse')
    >>> parse_spec(format_spec("csv", {"target": "1", "path": "a.csv"}), "spec")
    ('csv', {'target': '1', 'path': 'a.csv'})
    """
    if not params:
        return name
    return f"{name}:" + ",".join(f"{key}={_written(value)}" for key, value in params.items())


def split_specs(text: str) -> list[str]:
    """Split ``"mse,huber:delta=1,q=2,mae"`` into specs.

    A comma followed by ``key=`` continues the previous spec's parameters
    (``"barron:alpha=1,scale=2"`` is one spec); commas inside brackets or
    quotes never split.

    >>> split_specs("barron:alpha=1,scale=2,cross_entropy:class_weights=[1,2]")
    ['barron:alpha=1,scale=2', 'cross_entropy:class_weights=[1,2]']
    """
    specs: list[str] = []
    for part in _top_level_parts(text):
        if "=" in part and ":" not in part.partition("=")[0] and specs:
            specs[-1] += "," + part
        else:
            specs.append(part)
    return specs

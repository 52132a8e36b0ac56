"""A Griffe extension: losslab's docstrings, written for Sphinx habits, read well in MkDocs.

- The docstrings head their doctests ``Example:`` or ``Example (what it shows):``;
  Griffe's Google parser knows only ``Examples:``, and would render the others as
  an admonition of Markdown text. Each becomes an ``Examples:`` section whose
  first line is the parenthesis, so the doctests render as code.
- Sphinx roles (``:class:`Loss```, ``:func:`~losslab.losses.quantile```) would
  show as text; each becomes inline code of the name (the last part with ``~``).
"""

from __future__ import annotations

import re

import griffe

_HEADING = re.compile(r"^(?P<indent>\s*)Example(?: \((?P<what>.*)\))?:\s*$")
_ROLE = re.compile(r":(?:class|func|mod|meth|attr|data|exc|obj):`(?P<tilde>~?)(?P<name>[^`]+)`")


def _role(match: re.Match[str]) -> str:
    name = match["name"]
    return f"`{name.rsplit('.', 1)[-1] if match['tilde'] else name}`"


def rewrite(text: str) -> str:
    """The docstring with each ``Example...:`` heading made an ``Examples:`` section.

    A doctest outside any section (``>>>`` at the left margin) becomes one too, and
    each Sphinx role becomes inline code.
    """
    lines: list[str] = []
    in_doctest = False
    for line in text.splitlines():
        if line.startswith(">>>") and not in_doctest:
            in_doctest = True
            lines.append("Examples:")
        if in_doctest:
            in_doctest = bool(line.strip())
            lines.append(f"    {line}" if in_doctest else line)
            continue
        match = _HEADING.match(line)
        if match is None:
            lines.append(line)
            continue
        indent, what = match["indent"], match["what"]
        lines.append(f"{indent}Examples:")
        if what:
            lines.extend([f"{indent}    {what[0].upper()}{what[1:]}:", ""])
    return _ROLE.sub(_role, "\n".join(lines))


class SphinxHabits(griffe.Extension):
    """Rewrite the examples and roles of every docstring Griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: object) -> None:
        """Rewrite ``obj``'s docstring, if it has one."""
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value)

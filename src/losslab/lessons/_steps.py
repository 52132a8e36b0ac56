"""Steps of a worked solution, as plain data any front end can print.

A worked solution is a list of :class:`Step`: a title, a paragraph of text
and an optional :class:`Table` of numbers. The CLI renders them with Rich;
a notebook or the web playground can render the same data.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

Cell = float | int | str | tuple[float, ...]
"""One table cell: a number, a row of numbers (formatted by the front end) or text."""


@dataclass(frozen=True)
class Table:
    """A small table: column headers and rows of cells.

    Attributes:
        headers: one header per column.
        rows: rows of cells, each as long as ``headers``.
    """

    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.headers):
                raise ValueError(
                    f"every row must have {len(self.headers)} cells, got a row of {len(row)}"
                )

    def column(self, header: str) -> list[Cell]:
        """The cells of the column named ``header``.

        Example:
            >>> Table(("x", "y"), ((1, 2), (3, 4))).column("y")
            [2, 4]
        """
        try:
            index = self.headers.index(header)
        except ValueError:
            raise ValueError(f"no column {header!r}; columns: {', '.join(self.headers)}") from None
        return [row[index] for row in self.rows]

    def _repr_html_(self) -> str:
        # Jupyter's rich display; numbers formatted as the command line formats them.
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(format_cell(c))}</td>" for c in row) + "</tr>"
            for row in self.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@dataclass(frozen=True)
class Step:
    """One step of a worked solution.

    Attributes:
        title: a short heading ("Step 3: the MSE of each model").
        text: the explanation, in sentences; may be empty.
        table: the numbers of the step, or None.
    """

    title: str
    text: str = ""
    table: Table | None = field(default=None)

    def _repr_html_(self) -> str:
        # Jupyter's rich display: the title as a heading, the text, then the table.
        parts = [f"<h4>{html.escape(self.title)}</h4>"]
        if self.text:
            parts.append(f"<p>{html.escape(self.text)}</p>")
        if self.table is not None:
            parts.append(self.table._repr_html_())
        return "".join(parts)


def format_number(x: float) -> str:
    """Format a number for reading: exact integers whole, others to six significant digits.

    Integers up to 10¹⁵ print with thousands separators, numbers of 10 000 or
    more with two decimals, the rest with six significant digits.

    Example:
        >>> format_number(200_000_000.0)
        '200,000,000'
        >>> format_number(14142.135623730951)
        '14,142.14'
        >>> format_number(4.4)
        '4.4'
        >>> format_number(-0.10536051565782628)
        '-0.105361'
    """
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0.0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return f"{x:,.0f}"
    if 1e4 <= abs(x) < 1e15:
        return f"{x:,.2f}"
    return f"{x:.6g}"


def format_cell(cell: Cell) -> str:
    """Format a table cell: numbers with :func:`format_number`, rows as ``[a, b, c]``.

    Example:
        >>> format_cell((0.6652409557748219, -1.0))
        '[0.665241, -1]'
        >>> format_cell("Zero")
        'Zero'
    """
    if isinstance(cell, str):
        return cell
    if isinstance(cell, tuple):
        return "[" + ", ".join(format_number(v) for v in cell) + "]"
    return format_number(cell)

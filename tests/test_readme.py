"""The README's catalogue table is the registry's: every loss, what y_pred is, its parameters."""

from __future__ import annotations

from pathlib import Path

from losslab import losses

README = Path(__file__).resolve().parent.parent / "README.md"


def _yes(flag: bool | None) -> str:
    return "—" if flag is None else ("yes" if flag else "no")


def catalogue_table() -> str:
    """The table as the README should hold it (print it to update the README)."""
    lines = [
        "| name | task | `y_pred` is | parameters (defaults) | convex | smooth | Lipschitz "
        "| robust | proper |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in losses.available():
        entry = losses.describe(name)
        link = losses.definition(name).link
        params = ", ".join(f"`{k}={v!r}`" for k, v in entry["params"].items()) or "—"
        p = entry["properties"]
        lipschitz = "—" if p["lipschitz"] is None else f"{p['lipschitz']:.4g}"
        lines.append(
            f"| `{name}` | {entry['task']} | {link.description} | {params} "
            f"| {_yes(p['convex'])} | {p['smoothness']} | {lipschitz} | {_yes(p['robust'])} "
            f"| {_yes(p['proper'])} |"
        )
    return "\n".join(lines)


def test_readme_catalogue_is_the_registry() -> None:
    table = catalogue_table()
    assert table in README.read_text(), (
        "README.md's catalogue table is out of date; replace it with:\n" + table
    )

"""MkDocs hooks: a page for every loss of the catalogue, and the lesson notebooks.

The loss pages are generated from the registry (so a new loss gets its page
without a new file), and the notebooks are read from ``notebooks/*.ipynb`` at
the repository root (mkdocs-jupyter renders them) instead of being copied into
``docs/``. Both are added to the navigation here, after the user guide.
"""

from __future__ import annotations

import json
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def _loss_names() -> list[str]:
    from losslab import losses

    return list(losses.available())


def _notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb")) if NOTEBOOKS.is_dir() else []


def notebook_title(path: Path) -> str:
    """The first Markdown heading of a notebook, or its file name without the extension."""
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else source
        for line in text.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return path.stem.replace("_", " ")


def _yes(flag: bool | None) -> str:
    return "—" if flag is None else ("yes" if flag else "no")


def loss_page(name: str) -> str:
    """The Markdown of one loss's page: its summary, its properties, its docstring."""
    from losslab import losses

    entry = losses.describe(name)
    definition = losses.definition(name)
    props = entry["properties"]
    params = ", ".join(f"`{k}={v!r}`" for k, v in entry["params"].items()) or "—"
    lipschitz = "—" if props["lipschitz"] is None else f"{props['lipschitz']:.4g}"
    path = f"{definition.__module__}.{definition.__qualname__}"
    return "\n".join(
        [
            # A search for a loss's name finds its own page first, before pages that use it.
            "---",
            "search:",
            "  boost: 4",
            "---",
            "",
            f"# {name}",
            "",
            entry["summary"],
            "",
            "| task | `y_pred` is | link | parameters (defaults) |",
            "| --- | --- | --- | --- |",
            f"| {entry['task']} | {definition.link.description} | `{definition.link.name}` "
            f"| {params} |",
            "",
            "| convex | smooth | Lipschitz | robust | redescending | proper | calibrated |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            f"| {_yes(props['convex'])} | {props['smoothness']} | {lipschitz} "
            f"| {_yes(props['robust'])} | {_yes(props['redescending'])} "
            f"| {_yes(props['proper'])} | {_yes(props['calibrated'])} |",
            "",
            f'Get it with `losslab.losses.get("{name}", ...)`; the functions `{name}`, '
            f"`{name}_grad` and `{name}_hess` of `losslab.losses` take the same parameters "
            "as keywords. What the property columns mean: "
            "[the catalogue guide](../../guide/catalogue.md#properties).",
            "",
            "In the formulas $\\hat y$ is `y_pred` (a value, or $z$ for a logit, score or "
            "log-rate), $y$ is `y_true`, $r = \\hat y - y$ the residual, and derivatives are "
            "per example, with respect to `y_pred`.",
            "",
            f"::: {path}",
            "    options:",
            "      show_root_heading: false",
            "      show_root_toc_entry: false",
            "      members: false",
            "",
        ]
    )


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Put the advisor's rules table, from ``losslab.advisor.RULES``, into its guide page."""
    marker = "<!-- losslab-advise-rules -->"
    if marker not in markdown:
        return markdown
    from losslab.advisor import rules_markdown

    return markdown.replace(marker, rules_markdown())


def on_config(config):
    """Add the "Lessons" and "Losses" sections to the navigation."""
    nav = config["nav"]
    position = next(i for i, item in enumerate(nav) if item == "generated/gallery") + 1
    lessons = [{notebook_title(path): f"notebooks/{path.name}"} for path in _notebooks()]
    losses = [{name: f"reference/losses/{name}.md"} for name in _loss_names()]
    sections = [{"Losses": losses}]
    if lessons:
        sections.insert(0, {"Lessons": lessons})
    nav[position:position] = sections
    return config


@event_priority(100)  # before mkdocs-jupyter's on_files, which turns the notebooks into pages
def on_files(files: Files, config) -> Files:
    """Add the generated loss pages and the notebooks to the site's files."""
    for name in _loss_names():
        files.append(File.generated(config, f"reference/losses/{name}.md", content=loss_page(name)))
    for path in _notebooks():
        files.append(
            File(
                f"notebooks/{path.name}",
                src_dir=str(ROOT),
                dest_dir=config["site_dir"],
                use_directory_urls=config["use_directory_urls"],
            )
        )
    return files

"""Every ```python block of the documentation's pages runs.

The blocks of one page run in order in one namespace (a page builds on its
earlier blocks), in a temporary folder, with matplotlib drawing off screen.
A comment after a value is prose, not an assertion; the numbers that matter
are asserted by the doctests and the tests of each feature.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(page: Path) -> list[str]:
    """The ```python blocks of ``page``, in order."""
    return FENCE.findall(page.read_text(encoding="utf-8"))


PAGES = sorted(
    path
    for path in DOCS.rglob("*.md")
    if "generated" not in path.relative_to(DOCS).parts and python_blocks(path)
)


def test_the_pages_have_snippets() -> None:
    with_code = [page.relative_to(DOCS).as_posix() for page in PAGES]
    assert "getting-started.md" in with_code
    assert {f"guide/{name}.md" for name in ("catalogue", "training", "pytorch")} <= set(with_code)


# torch's forward-mode AD (torch.func.hessian on the PyTorch page) loads decompositions with
# torch.jit.script on first use, which torch itself marks deprecated.
@pytest.mark.filterwarnings("ignore:`torch.jit.script:DeprecationWarning")
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(DOCS).as_posix())
def test_page_snippets_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from losslab import config

    blocks = python_blocks(page)
    # A page may set process-wide options (config.set_fused): they end with the test.
    monkeypatch.setattr(config, "_process_setting", config._process_setting)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for number, block in enumerate(blocks, start=1):
        code = compile(block, f"{page.relative_to(DOCS)} block {number}", "exec")
        exec(code, namespace)
    assert os.getcwd() == str(tmp_path)

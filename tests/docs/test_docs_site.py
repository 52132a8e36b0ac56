"""The documentation site builds with warnings as errors, and its pages render in Chromium.

The site is built once per module (``mkdocs build --strict``, which runs the
gallery's scripts) into a temporary folder and served on 127.0.0.1 by
``http.server`` in a thread. Playwright drives Debian's chromium as the web
tests do (tests/web/browser_support.py): without it the browser tests skip,
except with LOSSLAB_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import fcntl
import functools
import html
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "web"))
from browser_support import launch_browser, open_page, skip_or_fail  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BUILD_SECONDS = 300


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built with ``mkdocs build --strict`` into a temporary folder.

    Built once per session: under pytest-xdist the workers share the folder and
    take a lock, as the build also writes the gallery into docs/generated.
    """
    try:
        import mkdocs  # noqa: F401
    except ImportError as exc:
        skip_or_fail(f"mkdocs cannot be imported ({exc}); pip install -e '.[docs]'")
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    out = shared / "docs-site"
    with open(shared / "docs-site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "index.html").is_file():
            _build(out)
    return out


def _build(out: Path) -> None:
    started = time.monotonic()
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_SECONDS,
        check=False,
    )
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stderr[-6000:]}"
    print(f"docs built in {time.monotonic() - started:.1f} s")


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    """The built site served on a free loopback port."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright; skipped when missing unless CI requires it."""
    yield from launch_browser()


@pytest.fixture
def page(browser, server):
    """A fresh page; page errors, console errors and failed requests land in ``page.errors``."""
    yield from open_page(browser, server, failed_requests=True)


def _screenshot(tab, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"docs-{name}.png"), full_page=True)


# ---------------------------------------------------------------- the build


def test_build_has_every_section(site: Path) -> None:
    from losslab import losses

    assert (site / "index.html").is_file()
    assert (site / "getting-started" / "index.html").is_file()
    for guide in ("catalogue", "training", "comparisons", "landscapes", "custom",
                  "estimators", "sweeps", "playground", "pytorch"):  # fmt: skip
        assert (site / "guide" / guide / "index.html").is_file(), guide
    for name in losses.available():
        assert (site / "reference" / "losses" / name / "index.html").is_file(), name
    for module in ("losses", "links", "train", "torch", "sweep"):
        assert (site / "reference" / module / "index.html").is_file(), module
    figures = sorted((site / "generated" / "gallery" / "images").glob("*.png"))
    assert len(figures) >= 4, figures
    assert all(path.stat().st_size > 10_000 for path in figures), figures


def test_no_page_needs_the_network(site: Path) -> None:
    """Nothing is loaded from another host: the site reads offline (no CDN, no web fonts)."""
    for path in site.rglob("*.html"):
        parser = _Links()
        parser.feed(path.read_text(encoding="utf-8"))
        for kind, url in parser.links:
            if kind in ("src", "stylesheet"):
                assert not urlsplit(url).netloc, f"{path.relative_to(site)} loads {url}"


def test_lesson_notebooks_are_pages(site: Path) -> None:
    """Every notebooks/*.ipynb is a page of the site; without notebooks there is no section."""
    built = sorted(path.parent.name for path in (site / "notebooks").glob("*/index.html"))
    assert built == [path.stem for path in NOTEBOOKS]
    landing = (site / "index.html").read_text(encoding="utf-8")
    assert ('href="notebooks/' in landing) == bool(NOTEBOOKS)


# ---------------------------------------------------------------- internal links


class _Links(HTMLParser):
    """The href and src of a page, and every id it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"] or "")
        for key in ("href", "src"):
            url = values.get(key)
            if url is not None:
                kind = "stylesheet" if tag == "link" and values.get("rel") == "stylesheet" else key
                self.links.append((kind, url))


def _target(site: Path, page: Path, url: str) -> tuple[Path, str] | None:
    """The file and anchor an internal link of ``page`` points at; None for external ones."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("mailto:", "javascript:")):
        return None
    base = "/" + page.relative_to(site).as_posix()
    resolved = urlsplit(urljoin(base, parts.path)).path if parts.path else base
    path = site / unquote(resolved).lstrip("/")
    if path.is_dir() or resolved.endswith("/"):
        path = path / "index.html"
    return path, unquote(parts.fragment)


def test_no_broken_internal_link(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    parsed: dict[Path, _Links] = {}
    for path in pages:
        parsed[path] = _Links()
        parsed[path].feed(path.read_text(encoding="utf-8"))
    broken = []
    checked = 0
    for page_path, links in parsed.items():
        for _, url in links.links:
            target = _target(site, page_path, url)
            if target is None:
                continue
            checked += 1
            path, anchor = target
            where = f"{page_path.relative_to(site)} -> {url}"
            if not path.is_file():
                broken.append(f"{where}: no file {path.relative_to(site)}")
            elif anchor and path.suffix == ".html":
                if path not in parsed:
                    parsed[path] = _Links()
                    parsed[path].feed(path.read_text(encoding="utf-8"))
                if anchor not in parsed[path].ids:
                    broken.append(f"{where}: no #{anchor}")
    assert checked > 1000
    assert not broken, "\n".join(broken[:50])


# ---------------------------------------------------------------- in the browser


def test_landing_page_renders(page) -> None:
    page.goto(page.base + "/")
    page.wait_for_load_state("networkidle")
    assert page.title().startswith("losslab")
    assert page.locator("article h1").first.inner_text().rstrip("¶") == "losslab"
    assert page.locator("nav.md-nav--primary a", has_text="Getting started").count() >= 1
    _screenshot(page, "landing")
    assert page.errors == []


def test_api_page_renders_formulas_as_mathematics(page) -> None:
    page.goto(page.base + "/reference/losses/huber/")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector(".arithmatex .katex")
    display = page.locator("div.arithmatex .katex-display").first
    box = display.bounding_box()
    assert box is not None
    assert box["width"] > 200
    assert box["height"] > 30
    # KaTeX typesets, it does not print the source: the rendered text has no backslash.
    assert "\\" not in display.locator(".katex-html").inner_text()
    source = display.locator(".katex-mathml annotation").text_content() or ""
    assert "\\ell(r) = \\begin{cases}" in source
    # the KaTeX fonts loaded (glyphs would be drawn in a fallback font otherwise)
    assert page.evaluate("document.fonts.check('16px KaTeX_Main')")
    assert page.locator("article h1").first.inner_text().rstrip("¶") == "huber"
    _screenshot(page, "api-huber")
    assert page.errors == []


_MATH = re.compile(
    r'<div class="arithmatex">\\\[(.*?)\\\]</div>|<span class="arithmatex">\\\((.*?)\\\)</span>',
    re.DOTALL,
)


def test_every_formula_of_the_site_typesets(page, site: Path) -> None:
    """Each formula of every page goes through KaTeX without an error (one page, many calls)."""
    formulas = sorted(
        {
            (html.unescape(display or inline), bool(display))
            for path in site.rglob("*.html")
            for display, inline in _MATH.findall(path.read_text(encoding="utf-8"))
        }
    )
    assert sum(display for _, display in formulas) >= 40  # one display block per loss at least
    page.goto(page.base + "/reference/losses/huber/")
    page.wait_for_load_state("networkidle")
    failures = page.evaluate(
        """formulas => formulas.flatMap(([tex, display]) => {
            try {
                katex.renderToString(tex, {displayMode: display, throwOnError: true});
                return [];
            } catch (error) {
                return [tex + ": " + error.message];
            }
        })""",
        [list(formula) for formula in formulas],
    )
    assert failures == []


def test_gallery_page_shows_its_figure(page) -> None:
    page.goto(page.base + "/generated/gallery/plot_robust_regression/")
    page.wait_for_load_state("networkidle")
    image = page.locator("img.mkd-glr-single-img, img[src*='images/mkd_glr_']").first
    image.scroll_into_view_if_needed()
    width = image.evaluate("img => img.complete ? img.naturalWidth : 0")
    assert width > 300
    assert page.locator("h1", has_text="MSE, MAE and Huber").count() == 1
    _screenshot(page, "gallery-robust-regression")
    assert page.errors == []


def test_lesson_notebook_renders(page) -> None:
    if not NOTEBOOKS:
        pytest.skip("no notebooks/*.ipynb to render")
    notebook = NOTEBOOKS[0]
    page.goto(f"{page.base}/notebooks/{notebook.stem}/")
    page.wait_for_load_state("networkidle")
    assert page.locator(".jupyter-wrapper .jp-Cell").count() > 0
    markdown = "".join(
        "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        if cell["cell_type"] == "markdown"
    )
    if "$" in markdown:  # the notebook's math is typeset, not left as $...$ text
        assert page.locator(".jp-RenderedMarkdown .katex").count() > 0
    _screenshot(page, f"lesson-{notebook.stem}")
    assert page.errors == []


def test_search_finds_a_loss_by_name(page) -> None:
    page.goto(page.base + "/")
    page.wait_for_load_state("networkidle")
    page.keyboard.press("/")  # Material's shortcut to the search box
    search = page.locator("input.md-search__input")
    assert search.is_visible()
    search.type("huber", delay=30)
    results = page.locator(".md-search-result__item > a")
    results.first.wait_for(timeout=10_000)
    paths = [
        urlsplit(results.nth(i).get_attribute("href") or "").path for i in range(results.count())
    ]
    assert paths[0] == "/reference/losses/huber/", paths
    _screenshot(page, "search-huber")
    assert page.errors == []

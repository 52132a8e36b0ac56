"""The FastAPI application: the JSON API under ``/api`` and the static front end.

``create_app()`` builds a fresh app with its own job manager and upload
store. Pages are static HTML, CSS and ES modules (no build step); Plotly.js
is served from the installed ``plotly`` package, so nothing is fetched from
the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from losslab import __version__
from losslab.web import api_jobs, api_landscape, api_lessons, api_losses, errors, limits
from losslab.web.data import UploadStore
from losslab.web.jobs import JobManager
from losslab.web.schemas import ErrorResponse, Limits

STATIC = Path(str(resources.files("losslab.web") / "static"))
PAGES = {"/": "index.html", "/explorer": "explorer.html", "/landscape": "landscape.html",
         "/lessons": "lessons.html"}  # fmt: skip


@functools.cache
def plotly_js() -> bytes:
    """Plotly.js from the installed ``plotly`` package (read once)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode("utf-8")


def create_app(jobs: JobManager | None = None) -> FastAPI:
    """Build the app.

    Args:
        jobs: the training-job manager; a fresh one with the default limits if None.

    Returns:
        The FastAPI app, ready for uvicorn or a TestClient.
    """
    manager = jobs if jobs is not None else JobManager()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async def reaper() -> None:
            while True:
                await asyncio.sleep(1.0)
                manager.reap()

        task = asyncio.create_task(reaper())
        try:
            yield
        finally:
            task.cancel()
            manager.shutdown()

    app = FastAPI(
        title="losslab playground",
        version=__version__,
        description="Loss functions, their gradients and training dynamics, live.",
        lifespan=lifespan,
    )
    app.state.jobs = manager
    app.state.uploads = UploadStore()
    errors.install(app)
    # Every route may answer a malformed body (400), an oversized one (413) or, for a
    # failure nobody foresaw, 503 with a generic message.
    common = {code: {"model": ErrorResponse} for code in (400, 413, 503)}
    for module in (api_losses, api_jobs, api_lessons, api_landscape):
        app.include_router(module.router, responses=common)

    @app.get("/api/limits", response_model=Limits, tags=["meta"])
    def get_limits() -> Limits:
        """The limits the server enforces (body size, samples, epochs, grid, jobs)."""
        return Limits(**limits.as_dict())

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly() -> Response:
        headers = {"Cache-Control": "public, max-age=86400"}
        return Response(plotly_js(), media_type="text/javascript", headers=headers)

    for path, page in PAGES.items():
        app.add_api_route(path, _page(page), methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _page(name: str):
    def page() -> FileResponse:
        return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

    page.__name__ = f"page_{name.split('.')[0]}"
    return page

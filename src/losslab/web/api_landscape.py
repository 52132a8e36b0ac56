"""The landscape endpoints: a (w, b) grid, and a 2-D slice of a playground run's loss.

``/api/landscape``: the loss over a grid of (w, b) for a linear model on
1-feature data; ``/api/jobs/{id}/runs/{index}/landscape``: a 2-D slice of a
playground run's loss with its trajectory (:mod:`losslab.web.run_landscape`).

The surfaces themselves are computed by :mod:`losslab.landscape`.
"""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Query, Request

from losslab.models import make_model
from losslab.web import data as _data
from losslab.web import limits
from losslab.web.api_jobs import request_loss
from losslab.web.errors import FieldError
from losslab.web.jobs import finite
from losslab.web.schemas import (
    ErrorResponse,
    LandscapeRequest,
    LandscapeResponse,
    RunLandscapeResponse,
)

router = APIRouter(prefix="/api", tags=["landscape"])


@router.post(
    "/landscape",
    response_model=LandscapeResponse,
    responses={404: {"model": ErrorResponse}},
)
def landscape(body: LandscapeRequest, request: Request) -> LandscapeResponse:
    """The loss of a linear model ``w x + b`` over a grid of (w, b), at most 201 x 201."""
    from losslab.landscape import grid_surface  # matplotlib loads on the first landscape

    for low, high, name in ((body.w_min, body.w_max, "w_max"), (body.b_min, body.b_max, "b_max")):
        if not high > low:
            raise FieldError(name, f"must be greater than its minimum ({low}), got {high}")
    data = _data.build(body.dataset, request.app.state.uploads)
    if data.n_features != 1 or data.task != "regression":
        raise FieldError(
            "dataset.name",
            f"a 2-parameter landscape needs 1-feature regression data; {data.name!r} has "
            f"{data.n_features} features ({data.task})",
        )
    loss = request_loss(body.loss, 0, data.task)
    if loss.task != "regression":
        raise FieldError("loss.name", f"loss {loss.name!r} is not a regression loss")
    model = make_model(loss, 1, kind="linear")
    surface = grid_surface(
        model, loss, data.X, data.y, params=("weight[0]", "bias"),
        ranges=((body.w_min, body.w_max), (body.b_min, body.b_max)), resolution=body.size,
    )  # fmt: skip
    values = np.asarray(surface.values)
    j, i = np.unravel_index(np.nanargmin(values), values.shape)
    return LandscapeResponse(
        w=finite(surface.x),
        b=finite(surface.y),
        z=finite(values),
        loss=loss.name,
        minimum=[float(surface.x[i]), float(surface.y[j]), float(values[j, i])],
    )


@router.get(
    "/jobs/{job_id}/runs/{index}/landscape",
    response_model=RunLandscapeResponse,
    responses={404: {"model": ErrorResponse}},
)
def run_landscape(
    job_id: str,
    index: int,
    request: Request,
    plane: str = Query("auto", description="auto, weights, random or pca"),
    size: int = Query(41, ge=5, le=limits.LANDSCAPE_GRID),
    seed: int = Query(0, ge=0, le=2**31 - 1),
) -> RunLandscapeResponse:
    """Run ``index``'s loss on a 2-D slice of its parameters, its path so far projected on it.

    Ask again as the run trains: the path and the current point move with it.
    """
    from losslab.web.run_landscape import PLANES, run_slice

    if plane not in PLANES:
        raise FieldError("plane", f"must be one of {PLANES}, got {plane!r}")
    job = request.app.state.jobs.get(job_id)
    if not 0 <= index < len(job.runs):
        raise FieldError("index", f"the job has runs 0 to {len(job.runs) - 1}, got {index}")
    job_run = job.runs[index]
    with job.lock:
        points = job_run.points
    if not points:
        raise FieldError("index", "the run has not recorded an epoch yet")
    path = np.stack([theta for _, theta in points])
    epochs = [epoch for epoch, _ in points]
    return RunLandscapeResponse(**run_slice(job_run, path, epochs, plane, size, seed))

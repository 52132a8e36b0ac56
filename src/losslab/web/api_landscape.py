"""``/api/landscape``: the loss over a grid of (w, b) for a linear model on 1-feature data.

The surface itself is computed by :func:`losslab.landscape.grid_surface`.
"""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Request

from losslab.models import make_model
from losslab.web import data as _data
from losslab.web.api_jobs import request_loss
from losslab.web.errors import FieldError
from losslab.web.jobs import finite
from losslab.web.schemas import ErrorResponse, LandscapeRequest, LandscapeResponse

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

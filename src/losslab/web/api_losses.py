"""``/api/losses``: the catalogue, loss curves, and custom expressions through the safe parser."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from losslab import losses
from losslab.web.curves import sweep
from losslab.web.errors import FieldError
from losslab.web.schemas import (
    Curve,
    EvaluateRequest,
    ExpressionRequest,
    ExpressionResponse,
    LossInfo,
    LossList,
    ParamValue,
)

router = APIRouter(prefix="/api", tags=["losses"])


def bound_loss(name: str, params: dict[str, ParamValue], field: str = "loss") -> Any:
    """The catalogue loss with ``params``; errors name ``field`` or ``field.params``."""
    if name not in losses.available():
        raise FieldError(f"{field}", f"unknown loss {name!r}; available: {losses.available()}")
    try:
        return losses.get(name, **params)
    except (ValueError, TypeError) as exc:
        raise FieldError(f"{field}.params" if field != "loss" else "params", str(exc)) from exc


@router.get("/losses", response_model=LossList)
def list_losses() -> LossList:
    """Every loss in the catalogue with its task, what it reads, parameters and summary."""
    return LossList(losses=[LossInfo(**losses.describe(name)) for name in losses.available()])


@router.post("/losses/evaluate", response_model=Curve)
def evaluate(body: EvaluateRequest) -> Curve:
    """A loss, its gradient and its Hessian diagonal along the residual, margin or probability."""
    loss = bound_loss(body.loss, body.params)
    return sweep(loss, body.x_min, body.x_max, body.num, body.y_true, label=body.loss)


@router.post("/custom/check", response_model=ExpressionResponse)
def check_expression(body: ExpressionRequest) -> ExpressionResponse:
    """Parse an expression with the safe whitelist parser, derive its gradient, plot both.

    A refused or unusable expression is a normal answer (``ok: false`` and why),
    not an error: the page shows the message next to the box.
    """
    from losslab import custom  # sympy loads on the first expression

    try:
        loss = custom.expression_loss(
            body.expression, task=body.task, y_pred_kind=body.y_pred_kind, **body.params
        )
        curve = sweep(loss, body.x_min, body.x_max, body.num, body.y_true, label="custom")
    except FieldError:
        raise
    except (ValueError, TypeError) as exc:
        return ExpressionResponse(ok=False, message=str(exc))
    formulas = loss.formulas
    return ExpressionResponse(
        ok=True,
        message="ok: the expression is safe and differentiable",
        value_formula=str(formulas["value"]),
        grad_formula=str(formulas["grad"]),
        hess_formula=str(formulas["hess"]),
        curve=curve,
    )

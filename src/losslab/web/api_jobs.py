"""``/api/datasets`` and ``/api/jobs``: data for the playground and its training jobs.

Start a job with ``POST /api/jobs``, then read ``GET /api/jobs/{id}/stream``
(Server-Sent Events: ``update`` events about 20 times a second, then one
``done``). Pause, resume and stop with ``POST /api/jobs/{id}/{action}``.
Closing the stream stops the job and frees it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import StreamingResponse

from losslab.datasets import Dataset
from losslab.metrics import metric_names
from losslab.runs import RunSpec, RunSpecError, prepare
from losslab.web import data as _data
from losslab.web import limits
from losslab.web.api_losses import bound_loss
from losslab.web.errors import FieldError
from losslab.web.features import expand
from losslab.web.jobs import Job, JobManager, JobRun, make_drawer
from losslab.web.schemas import (
    DatasetList,
    ErrorResponse,
    JobCreated,
    JobSettings,
    JobStatus,
    LossSpec,
    RunInfo,
    ScriptRequest,
    ScriptResponse,
    TrainRequest,
    UploadResponse,
)
from losslab.web.script import python_script

router = APIRouter(prefix="/api", tags=["training"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (404, 413, 429, 503)
}


def client_of(request: Request) -> str:
    """Who is asking: the page's ``X-Client-Id``, else the peer address."""
    header = request.headers.get("x-client-id", "")[:64]
    if header:
        return f"id:{header}"
    return f"ip:{request.client.host if request.client else 'unknown'}"


def _manager(request: Request) -> JobManager:
    return request.app.state.jobs


def _store(request: Request) -> _data.UploadStore:
    return request.app.state.uploads


@router.get("/datasets", response_model=DatasetList)
def list_datasets() -> DatasetList:
    """The generated datasets, their task and the knobs each takes."""
    return DatasetList(datasets=_data.catalogue())


@router.post(
    "/datasets/upload",
    response_model=UploadResponse,
    responses={code: {"model": ErrorResponse} for code in (400, 413)},
)
async def upload_dataset(
    request: Request,
    file: Annotated[UploadFile, File(description="a CSV file with a header row")],
    target: Annotated[str, Form(min_length=1, max_length=200)],
    task: Annotated[Literal["regression", "binary", "multiclass"] | None, Form()] = None,
    standardize: Annotated[
        bool, Form(description="scale numeric features to mean 0, sd 1 (false: raw units)")
    ] = True,
    encode: Annotated[
        Literal["onehot", "ordinal"], Form(description="how string columns become numbers")
    ] = "onehot",
    impute: Annotated[
        Literal["median", "mean", "most_frequent"] | None,
        Form(description="fill missing values; without it a missing value is refused"),
    ] = None,
) -> UploadResponse:
    """Upload a CSV (at most 2 MB) with one target column named by ``target``.

    Numeric features are standardised unless ``standardize`` is false, string
    columns one-hot (or ordinal) encoded, missing values refused with their
    column and rows unless ``impute`` says how to fill them (see
    :func:`losslab.datasets.csv`). A playground job trains on every row, so the
    preprocessing is fitted on every row.
    """
    content = await file.read(limits.MAX_BODY_BYTES + 1)
    options = {"standardize": standardize, "encode": encode, "impute": impute}
    try:
        upload_id, data = _store(request).add(content, target, task, **options)
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise FieldError("file", str(exc)) from exc
    except Exception as exc:  # pandas' parser errors are not ValueErrors
        raise FieldError("file", f"could not read the CSV: {exc}") from exc
    return UploadResponse(
        upload_id=upload_id,
        n_samples=data.n_samples,
        n_features=data.n_features,
        task=data.task,
        feature_names=list(data.feature_names),
        description=data.description,
        categorical=list(data.preprocessing.categorical if data.preprocessing else ()),
        **options,
    )


def request_loss(spec: LossSpec, i: int, task: str) -> Any:
    """The loss a request names: a catalogue loss, or a custom expression for ``task``.

    Raises:
        FieldError: naming ``losses.<i>`` (its ``expression`` or ``params``).
    """
    field = f"losses.{i}"
    if spec.name == "custom":
        if not spec.expression:
            raise FieldError(f"{field}.expression", "a custom loss needs an expression")
        from losslab import custom

        kind = "value" if task == "regression" else "logit"
        params = {k: float(v) for k, v in spec.params.items() if v is not None}
        try:
            return custom.expression_loss(
                spec.expression, task="regression" if task == "regression" else "binary",
                y_pred_kind=kind, name="custom", **params,
            )  # fmt: skip
        except (ValueError, TypeError) as exc:
            raise FieldError(f"{field}.expression", str(exc)) from exc
    return bound_loss(spec.name, spec.params, field)


def job_spec(body: TrainRequest, data: Dataset, loss: Any, label: str) -> RunSpec:
    """The run a job trains for one loss (``epochs`` is the cap, or one segment without one)."""
    return RunSpec(
        data, loss, model=body.model, hidden=body.layers(), activation=body.activation,
        optimizer=body.optimizer, lr=body.lr, weight_decay=body.weight_decay, l1=body.l1,
        epochs=body.epochs or limits.SEGMENT_EPOCHS, seed=body.seed,
        val_fraction=body.val_fraction, label=label,
    )  # fmt: skip


def with_features(body: TrainRequest, data: Dataset) -> Dataset:
    """``data`` with the input features the request chooses (generated 2-D data only).

    Raises:
        FieldError: naming ``features`` for uploads and data without two features.
    """
    if body.features is None:
        return data
    if body.dataset.upload_id is not None or data.n_features != 2 or data.preprocessing:
        raise FieldError("features", "input features apply to the generated 2-D data sets only")
    X = expand(data.X, body.features)
    return replace(data, X=X, feature_names=tuple(body.features))


def _prepare(body: TrainRequest, data: Dataset, i: int) -> JobRun:
    spec = body.losses[i]
    loss = request_loss(spec, i, data.task)
    try:
        # The task, the targets and the loss's own domain (counts >= 0 ...) are checked here.
        run = prepare(job_spec(body, data, loss, spec.label()))
    except RunSpecError as exc:
        field = f"losses.{i}.name" if exc.argument == "loss" else exc.argument
        raise FieldError(field, exc.reason) from exc
    return JobRun(index=i, run=run)


@router.post("/script", response_model=ScriptResponse, responses={404: {"model": ErrorResponse}})
def copy_as_python(body: ScriptRequest, request: Request) -> ScriptResponse:
    """Copy as Python: a script that trains this setup with losslab and prints its numbers.

    Each run trains ``run_epochs[i]`` epochs (the epochs the page reached), or
    ``epochs``; the script prints each run's last record as the playground's
    results table shows it.
    """
    if body.run_epochs is not None and len(body.run_epochs) != len(body.losses):
        raise FieldError("run_epochs", "give one epoch count per loss")
    if body.run_epochs is None and body.epochs is None:
        raise FieldError("epochs", "name the epochs to train (or run_epochs, one per loss)")
    data = with_features(body, _data.build(body.dataset, _store(request)))
    for i in range(len(body.losses)):
        _prepare(body, data, i)  # the same checks as a job: a script that cannot run is refused
    return ScriptResponse(script=python_script(body, data.task))


@router.post("/jobs", response_model=JobCreated, status_code=201, responses=_ERRORS)
def start_job(body: TrainRequest, request: Request) -> JobCreated:
    """Start training one model per loss on the dataset; stream it from ``stream``."""
    manager = _manager(request)
    client = client_of(request)
    raw = _data.build(body.dataset, _store(request))
    data = with_features(body, raw)
    runs = [_prepare(body, data, i) for i in range(len(body.losses))]
    manager.admit(client)
    view = _data.view_of(raw)
    rows = _data.display_rows(data.n_samples, body.seed)
    X = raw.X if body.features else _data.features(runs[0].run)
    val = _data.validation_mask(runs[0].run)
    names = body.features
    drawer = make_drawer(X, view, rows, (lambda G: expand(G, names)) if names else None)
    job = Job(client, runs, drawer, epochs=body.epochs, paused=body.start_paused)
    manager.add(job)
    job.start(body.epochs_per_second)
    return JobCreated(
        job_id=job.id,
        runs=[RunInfo(index=r.index, loss=r.loss.name, label=r.label) for r in runs],
        task=data.task,
        view=view,  # type: ignore[arg-type]
        n_features=data.n_features,
        n_classes=data.n_classes,
        metrics=["loss", *metric_names(data.task)],
        data=_data.points(X, data.y, rows, val),
        stream=f"/api/jobs/{job.id}/stream",
    )


def _status(job: Job) -> JobStatus:
    return JobStatus(
        job_id=job.id,
        state=job.state,  # type: ignore[arg-type]
        epochs=[len(r.records) for r in job.runs],
        messages=[r.message for r in job.runs],
    )


@router.get("/jobs/{job_id}", response_model=JobStatus, responses=_ERRORS)
def job_status(job_id: str, request: Request) -> JobStatus:
    """Where a job stands: its state and the epochs each run has done."""
    return _status(_manager(request).get(job_id))


@router.post("/jobs/{job_id}/pause", response_model=JobStatus, responses=_ERRORS)
def pause_job(job_id: str, request: Request) -> JobStatus:
    """Pause every run of the job at the end of its current epoch."""
    job = _manager(request).get(job_id)
    job.resume.clear()
    return _status(job)


@router.post("/jobs/{job_id}/resume", response_model=JobStatus, responses=_ERRORS)
def resume_job(job_id: str, request: Request) -> JobStatus:
    """Resume a paused job."""
    job = _manager(request).get(job_id)
    job.resume.set()
    return _status(job)


@router.post("/jobs/{job_id}/step", response_model=JobStatus, responses=_ERRORS)
def step_job(job_id: str, request: Request) -> JobStatus:
    """Train one more epoch of every run of a paused job, then pause again.

    A running job is not changed (pause it first).
    """
    job = _manager(request).get(job_id)
    if not job.resume.is_set():
        job.step()
    return _status(job)


@router.post("/jobs/{job_id}/settings", response_model=JobStatus, responses=_ERRORS)
def change_job(job_id: str, body: JobSettings, request: Request) -> JobStatus:
    """Change the learning rate, the L2 or L1 rate or the losses' parameters from the next epoch.

    A paused job takes them when it resumes (or steps). The optimizer's state
    (momentum, Adam's moments) starts afresh; the model keeps its parameters.
    """
    job = _manager(request).get(job_id)
    if body.losses is not None and len(body.losses) != len(job.runs):
        raise FieldError("losses", f"the job trains {len(job.runs)} losses; list each once")
    specs = []
    for job_run in job.runs:
        spec = job_run.next_spec or job_run.run.spec
        changes: dict[str, Any] = {}
        if body.lr is not None:
            changes["lr"] = body.lr
        if body.weight_decay is not None:
            changes["weight_decay"] = body.weight_decay
        if body.l1 is not None:
            changes["l1"] = body.l1
        if body.losses is not None:
            given = body.losses[job_run.index]
            if given.name != job_run.loss.name and not (
                given.name == "custom" and job_run.label.startswith("custom")
            ):
                raise FieldError(
                    f"losses.{job_run.index}.name",
                    f"run {job_run.index} trains {job_run.loss.name!r}; only parameters change",
                )
            changes["loss"] = request_loss(given, job_run.index, job_run.run.dataset.task)
            changes["label"] = given.label()
        specs.append(replace(spec, **changes))
    job.change(specs)
    return _status(job)


@router.post("/jobs/{job_id}/stop", response_model=JobStatus, responses=_ERRORS)
def stop_job(job_id: str, request: Request) -> JobStatus:
    """Stop the job; its stream sends what is left, then ``done``."""
    job = _manager(request).get(job_id)
    job.stop.set()
    job.resume.set()
    return _status(job)


@router.delete("/jobs/{job_id}", status_code=204, responses=_ERRORS)
def delete_job(job_id: str, request: Request) -> None:
    """Stop the job and forget it (the page's Reset)."""
    manager = _manager(request)
    manager.get(job_id)
    manager.remove(job_id)


def _event(name: str, payload: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n"


@router.get(
    "/jobs/{job_id}/stream",
    responses={200: {"content": {"text/event-stream": {}}}, **_ERRORS},
    response_class=StreamingResponse,
)
async def stream_job(job_id: str, request: Request) -> StreamingResponse:
    """Server-Sent Events: ``update`` (new records and snapshots) about 20 a second, ``done``.

    When the client goes away the job is stopped and forgotten. A job that
    finished is kept until it has been idle for :data:`~limits.IDLE_TIMEOUT_S`
    (its runs' landscape may still be asked for, which counts as activity).
    """
    manager = _manager(request)
    job = manager.get(job_id)

    async def events() -> AsyncIterator[str]:
        finished = False
        sent = [0] * len(job.runs)
        versions = [-1] * len(job.runs)
        job.streams += 1
        last = time.monotonic()
        try:
            yield "retry: 2000\n\n"
            while True:
                if await request.is_disconnected():
                    break
                job.touch()
                finished = not job.alive
                runs = job.collect(sent, versions)
                if runs:
                    yield _event("update", {"state": job.state, "runs": runs})
                    last = time.monotonic()
                elif time.monotonic() - last > 1.0:
                    yield _event("update", {"state": job.state, "runs": []})
                    last = time.monotonic()
                if finished:
                    yield _event("done", _status(job).model_dump())
                    break
                await asyncio.sleep(limits.STREAM_INTERVAL_S)
        finally:
            job.streams -= 1
            if not finished:
                manager.remove(job.id)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

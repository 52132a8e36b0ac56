"""The JSON API through FastAPI's TestClient: answers, limits, errors, jobs and streams."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import pytest

from losslab import lessons
from losslab.web import create_app, limits
from losslab.web.jobs import JobManager

STATIC = Path(__file__).resolve().parents[2] / "src" / "losslab" / "web" / "static"
QUICK_JOB = {"losses": [{"name": "mse"}, {"name": "huber", "params": {"delta": 1.0}}],
             "epochs": 40, "epochs_per_second": 400}  # fmt: skip


def events(client, job_id: str) -> list[tuple[str, dict]]:
    """Read a job's SSE stream to its end: (event name, payload) pairs."""
    out, name = [], None
    with client.stream("GET", f"/api/jobs/{job_id}/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                out.append((name, json.loads(line.split(":", 1)[1])))
    return out


def field_of(response) -> list[str]:
    return [".".join(str(p) for p in e["loc"]) for e in response.json()["detail"]]


# ---------------------------------------------------------------- losses and curves


def test_losses_lists_the_catalogue(client):
    names = [loss["name"] for loss in client.get("/api/losses").json()["losses"]]
    assert {"mse", "mae", "huber", "bce", "focal", "cross_entropy"} <= set(names)


def test_evaluate_huber_matches_the_definition(client):
    body = {"loss": "huber", "params": {"delta": 1.0}, "x_min": -3, "x_max": 3, "num": 7}
    curve = client.post("/api/losses/evaluate", json=body).json()
    assert curve["x"] == [-3, -2, -1, 0, 1, 2, 3]
    # Huber: r²/2 inside δ, δ(|r| - δ/2) beyond (DESIGN.md).
    assert curve["value"] == [2.5, 1.5, 0.5, 0.0, 0.5, 1.5, 2.5]
    assert curve["grad"] == [-1, -1, -1, 0, 1, 1, 1]


def test_evaluate_changes_with_a_parameter(client):
    def values(delta):
        body = {"loss": "huber", "params": {"delta": delta}, "num": 11}
        return client.post("/api/losses/evaluate", json=body).json()["value"]

    assert values(0.5) != values(2.0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"loss": "nope"}, "body.loss"),
        ({"loss": "huber", "params": {"delta": -1}}, "body.params"),
        ({"loss": "huber", "params": {"gamma": 1}}, "body.params"),
        ({"loss": "mse", "x_min": 2, "x_max": 1}, "body.x_max"),
        ({"loss": "mse", "num": limits.MAX_CURVE_POINTS + 1}, "body.num"),
        ({"loss": "mse", "typo": 1}, "body.typo"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, body, field):
    response = client.post("/api/losses/evaluate", json=body)
    assert response.status_code == 422
    assert field in field_of(response)


def test_nan_is_refused(client):
    response = client.post(
        "/api/losses/evaluate",
        content='{"loss": "mse", "x_min": NaN}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422


def test_custom_expression_gives_its_gradient(client):
    body = {"expression": "where(y_pred > y_true, 3*(y_pred - y_true)**2, (y_pred - y_true)**2)"}
    answer = client.post("/api/custom/check", json=body).json()
    assert answer["ok"]
    assert "y_pred" in answer["grad_formula"]
    assert len(answer["curve"]["grad"]) == 201


@pytest.mark.parametrize("expression", ["__import__('os')", "y_pred.real", "open('x')"])
def test_custom_expression_refuses_unsafe_input(client, expression):
    answer = client.post("/api/custom/check", json={"expression": expression}).json()
    assert answer["ok"] is False
    assert "not allowed" in answer["message"]


# ---------------------------------------------------------------- limits and errors


def test_body_over_two_megabytes_is_413(client):
    response = client.post(
        "/api/losses/evaluate",
        content=b"x" * (limits.MAX_BODY_BYTES + 1),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


def test_chunked_body_over_the_limit_is_413(client):
    def chunks():
        for _ in range(3):
            yield b"x" * (limits.MAX_BODY_BYTES // 2)

    response = client.post(
        "/api/losses/evaluate", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"losses": [{"name": "mse"}], "epochs": limits.MAX_EPOCHS + 1}, "body.epochs"),
        (
            {"losses": [{"name": "mse"}], "dataset": {"n_samples": limits.MAX_SAMPLES + 1}},
            "body.dataset.n_samples",
        ),
        ({"losses": [{"name": "mse"}] * (limits.MAX_LOSSES_PER_JOB + 1)}, "body.losses"),
        ({"losses": []}, "body.losses"),
        ({"losses": [{"name": "bce"}]}, "body.losses.0.name"),
        ({"losses": [{"name": "mse"}], "dataset": {"name": "nope"}}, "body"),
        ({"losses": [{"name": "custom"}]}, "body.losses.0.expression"),
    ],
)
def test_job_limits_are_4xx_naming_the_field(client, body, field):
    response = client.post("/api/jobs", json=body)
    assert response.status_code == 422
    assert any(f.startswith(field) for f in field_of(response))


def test_grid_over_201_is_422(client):
    response = client.post("/api/landscape", json={"size": limits.MAX_GRID + 1})
    assert response.status_code == 422
    assert "body.size" in field_of(response)


def test_unexpected_errors_are_503_without_a_traceback(app, monkeypatch):
    from fastapi.testclient import TestClient

    from losslab.web import api_losses

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api_losses, "sweep", broken)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.post("/api/losses/evaluate", json={"loss": "mse"})
    assert response.status_code == 503
    assert "secret" not in response.text


def test_library_value_errors_are_422(client):
    response = client.post("/api/jobs", json={"losses": [{"name": "poisson_nll"}]})
    assert response.status_code == 422
    assert "non-negative" in response.text


# ---------------------------------------------------------------- jobs


def test_job_streams_records_and_snapshots_then_done(client):
    created = client.post("/api/jobs", json=QUICK_JOB)
    assert created.status_code == 201
    job = created.json()
    assert job["view"] == "line"
    assert [r["loss"] for r in job["runs"]] == ["mse", "huber"]
    stream = events(client, job["job_id"])
    updates = [payload for name, payload in stream if name == "update"]
    assert stream[-1][0] == "done"
    assert stream[-1][1]["state"] == "finished"
    epochs = [r["epoch"] for u in updates for run in u["runs"] if run["index"] == 0
              for r in run.get("records", [])]  # fmt: skip
    assert epochs == list(range(1, 41))
    snapshots = [run["snapshot"] for u in updates for run in u["runs"] if "snapshot" in run]
    assert len(snapshots[-1]["x"]) == len(snapshots[-1]["y"]) == 101
    # A finished job stays (for its landscape) until idle; Reset's DELETE frees it.
    assert client.get(f"/api/jobs/{job['job_id']}").json()["state"] == "finished"
    assert client.delete(f"/api/jobs/{job['job_id']}").status_code in (200, 204)
    assert client.get(f"/api/jobs/{job['job_id']}").status_code == 404


def test_stream_sends_at_least_ten_updates_a_second(client):
    body = {**QUICK_JOB, "epochs": 200, "epochs_per_second": 200}
    job = client.post("/api/jobs", json=body).json()
    start = time.monotonic()
    stream = events(client, job["job_id"])
    elapsed = time.monotonic() - start
    updates = [payload for name, payload in stream if name == "update" and payload["runs"]]
    assert elapsed > 0.5
    assert len(updates) / elapsed >= 10


def test_classification_job_draws_a_boundary(client):
    body = {"dataset": {"name": "moons"}, "losses": [{"name": "bce_with_logits"},
            {"name": "cross_entropy"}], "model": "mlp", "epochs": 5,
            "epochs_per_second": None}  # fmt: skip
    job = client.post("/api/jobs", json=body).json()
    assert job["view"] == "boundary"
    assert "accuracy" in job["metrics"]
    stream = events(client, job["job_id"])
    snapshot = next(run["snapshot"] for n, u in stream if n == "update" for run in u["runs"]
                    if "snapshot" in run)  # fmt: skip
    assert len(snapshot["z"]) == 41


def test_pause_resume_stop(client):
    job = client.post("/api/jobs", json={**QUICK_JOB, "epochs": 5000, "epochs_per_second": 50})
    job_id = job.json()["job_id"]
    assert client.post(f"/api/jobs/{job_id}/pause").json()["state"] == "paused"
    time.sleep(0.2)
    frozen = client.get(f"/api/jobs/{job_id}").json()["epochs"]
    time.sleep(0.3)
    assert client.get(f"/api/jobs/{job_id}").json()["epochs"] == frozen
    assert client.post(f"/api/jobs/{job_id}/resume").json()["state"] == "running"
    client.post(f"/api/jobs/{job_id}/stop")
    stream = events(client, job_id)
    assert stream[-1] == ("done", stream[-1][1])
    assert stream[-1][1]["state"] == "stopped"


def test_jobs_per_client_and_in_all_are_limited():
    from fastapi.testclient import TestClient

    app = create_app(JobManager(max_jobs=3, max_per_client=2))
    slow = {**QUICK_JOB, "epochs": 5000, "epochs_per_second": 10}
    with TestClient(app) as client:
        for _ in range(2):
            assert client.post("/api/jobs", json=slow, headers={"X-Client-Id": "a"}).is_success
        third = client.post("/api/jobs", json=slow, headers={"X-Client-Id": "a"})
        assert third.status_code == 429
        assert "per client" in third.json()["detail"]
        assert client.post("/api/jobs", json=slow, headers={"X-Client-Id": "b"}).is_success
        busy = client.post("/api/jobs", json=slow, headers={"X-Client-Id": "c"})
        assert busy.status_code == 503
        app.state.jobs.shutdown()


def test_idle_jobs_are_stopped_and_freed():
    from fastapi.testclient import TestClient

    manager = JobManager(idle_timeout=0.2)
    app = create_app(manager)
    with TestClient(app) as client:
        body = {**QUICK_JOB, "epochs": 5000, "epochs_per_second": 20}
        job_id = client.post("/api/jobs", json=body).json()["job_id"]
        job = manager.get(job_id)
        time.sleep(0.5)
        manager.reap()
        assert len(manager) == 0
        for run in job.runs:
            run.thread.join(timeout=2)
        assert not job.alive


def test_stream_disconnect_stops_the_job(app):
    """When the stream's client goes away the job is stopped and forgotten."""
    import asyncio

    from fastapi.testclient import TestClient

    body = {**QUICK_JOB, "epochs": 5000, "epochs_per_second": 20}
    # No ``with``: the app's shutdown would stop every job before the test looks.
    job_id = TestClient(app).post("/api/jobs", json=body).json()["job_id"]
    job = app.state.jobs._jobs[job_id]

    async def disconnect_after_start() -> None:
        sent = []

        async def receive():
            await asyncio.sleep(0.2)
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http", "method": "GET", "path": f"/api/jobs/{job_id}/stream",
            "raw_path": b"", "query_string": b"", "headers": [], "client": ("t", 1),
            "server": ("t", 80), "scheme": "http", "root_path": "", "http_version": "1.1",
        }  # fmt: skip
        await asyncio.wait_for(app(scope, receive, send), timeout=5)
        assert sent[0]["status"] == 200

    asyncio.run(disconnect_after_start())
    assert job_id not in app.state.jobs._jobs
    assert job.stop.is_set()


def test_unknown_job_is_404(client):
    assert client.get("/api/jobs/nope").status_code == 404
    assert client.post("/api/jobs/nope/pause").status_code == 404


# ---------------------------------------------------------------- uploads


def test_upload_csv_and_train_on_it(client):
    rows = "\n".join(f"{i},{2 * i + 1}" for i in range(30))
    files = {"file": ("data.csv", f"x,y\n{rows}\n", "text/csv")}
    upload = client.post("/api/datasets/upload", files=files, data={"target": "y"})
    assert upload.status_code == 200, upload.text
    info = upload.json()
    assert info["task"] == "regression"
    assert info["n_samples"] == 30
    body = {"dataset": {"upload_id": info["upload_id"]}, "losses": [{"name": "mse"}],
            "epochs": 3, "epochs_per_second": None}  # fmt: skip
    job = client.post("/api/jobs", json=body)
    assert job.status_code == 201
    assert events(client, job.json()["job_id"])[-1][0] == "done"


def test_upload_with_a_wrong_target_is_422(client):
    files = {"file": ("data.csv", "x,y\n1,2\n3,4\n", "text/csv")}
    response = client.post("/api/datasets/upload", files=files, data={"target": "z"})
    assert response.status_code == 422
    assert "body.file" in field_of(response)


def test_upload_encodes_imputes_and_scales_as_asked(client):
    rows = "\n".join(f"{'' if i == 4 else i},{('red', 'blue')[i % 2]},{3 * i}" for i in range(30))
    files = {"file": ("data.csv", f"x,colour,y\n{rows}\n", "text/csv")}
    refused = client.post("/api/datasets/upload", files=files, data={"target": "y"})
    assert refused.status_code == 422
    assert "body.file" in field_of(refused)
    assert "column 'x' in row 5" in refused.text
    form = {"target": "y", "impute": "median", "standardize": "false"}
    upload = client.post("/api/datasets/upload", files=files, data=form)
    assert upload.status_code == 200, upload.text
    info = upload.json()
    assert info["feature_names"] == ["x", "colour_blue", "colour_red"]
    assert info["categorical"] == ["colour"]
    assert (info["impute"], info["standardize"], info["encode"]) == ("median", False, "onehot")
    body = {"dataset": {"upload_id": info["upload_id"]}, "losses": [{"name": "mse"}],
            "epochs": 2, "epochs_per_second": None}  # fmt: skip
    job = client.post("/api/jobs", json=body)
    assert job.status_code == 201
    assert events(client, job.json()["job_id"])[-1][0] == "done"
    ordinal = client.post("/api/datasets/upload", files=files,
                          data={"target": "y", "impute": "mean", "encode": "ordinal"})  # fmt: skip
    assert ordinal.json()["feature_names"] == ["x", "colour"]
    bad = client.post("/api/datasets/upload", files=files, data={"target": "y", "encode": "hash"})
    assert bad.status_code == 422


# ---------------------------------------------------------------- lessons


def test_lessons_material(client):
    material = client.get("/api/lessons").json()
    assert material["rainfall_true"] == list(lessons.RAINFALL_TRUE)
    assert len(material["matching_terms"]) == 5


def test_matching_right_and_wrong(client):
    right = client.post(
        "/api/lessons/check", json={"exercise": "matching", "pairs": lessons.MATCHING_ANSWERS}
    ).json()
    assert right["correct"]
    assert right["playground"].startswith("/?")
    wrong = dict(lessons.MATCHING_ANSWERS)
    wrong["Predicting apartment price in dollars"] = "Zero"
    answer = client.post("/api/lessons/check", json={"exercise": "matching", "pairs": wrong})
    assert not answer.json()["correct"]
    assert answer.json()["cells"]["Predicting apartment price in dollars"] is False


@pytest.mark.parametrize(("number", "correct"), [(4, True), (4.02, True), (2, False)])
def test_ratio_question(client, number, correct):
    answer = client.post("/api/lessons/check", json={"exercise": "ratio", "number": number})
    assert answer.json()["correct"] is correct


@pytest.mark.parametrize(("choice", "correct"), [("0.99", True), ("0.51", False), ("same", False)])
def test_confidence_question(client, choice, correct):
    answer = client.post("/api/lessons/check", json={"exercise": "confidence", "choice": choice})
    assert answer.json()["correct"] is correct


@pytest.mark.parametrize(
    ("step", "cells", "choice"),
    [
        (
            "errors",
            {
                "a1": 2,
                "a2": -2,
                "a3": 1,
                "a4": -2,
                "a5": 3,
                "b1": 1,
                "b2": -5,
                "b3": 5,
                "b4": 10,
                "b5": -3,
            },
            None,
        ),
        ("mse", {"a": 4.4, "b": 32}, None),
        ("lower_mse", {}, "A"),
        ("outlier", {"contribution": 20, "without": 12}, None),
        ("bonus", {"a": 2.0, "b": 4.8}, "mae"),
    ],
)
def test_rainfall_steps_right(client, step, cells, choice):
    body = {"exercise": "rainfall", "step": step, "cells": cells, "choice": choice}
    answer = client.post("/api/lessons/check", json=body).json()
    assert answer["correct"], answer


def test_rainfall_wrong_cells_are_marked(client):
    body = {"exercise": "rainfall", "step": "mse", "cells": {"a": 4.4, "b": 26}}
    answer = client.post("/api/lessons/check", json=body).json()
    assert answer["correct"] is False
    assert answer["cells"] == {"a": True, "b": False}


def test_check_without_its_field_is_422(client):
    response = client.post("/api/lessons/check", json={"exercise": "ratio"})
    assert response.status_code == 422
    assert "body.number" in field_of(response)


# ---------------------------------------------------------------- the front end


def test_pages_and_plotly_are_served_locally(client):
    for path in ("/", "/explorer", "/landscape", "/lessons"):
        response = client.get(path)
        assert response.status_code == 200
        assert '<script src="/static/vendor/plotly.min.js">' in response.text
    plotly = client.get("/static/vendor/plotly.min.js")
    assert plotly.status_code == 200
    assert "plotly.js" in plotly.text[:200]


def test_no_cdn_or_remote_url_anywhere_in_the_front_end():
    remote = re.compile(
        r"""(src|href)\s*=\s*["']?(https?:)?//|import\s.*["']https?://|url\(\s*["']?https?:"""
    )
    for path in STATIC.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not remote.search(text), f"{path.name} loads something from the network"
            assert "cdn" not in text.lower(), f"{path.name} mentions a CDN"


def test_openapi_schema_names_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/losses", "/api/losses/evaluate", "/api/jobs", "/api/jobs/{job_id}/stream",
                 "/api/jobs/{job_id}/pause", "/api/landscape", "/api/custom/check",
                 "/api/lessons/check", "/api/limits"):  # fmt: skip
        assert path in paths


# ---------------------------------------------------------------- playground controls


def _epochs(client, job_id: str) -> list[int]:
    return client.get(f"/api/jobs/{job_id}").json()["epochs"]


def _wait(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def _records(client, job_id: str, index: int | None = None) -> list[dict]:
    """Every epoch record the job's stream sends, of run ``index`` or of all runs."""
    return [r for n, u in events(client, job_id) if n == "update" for run in u["runs"]
            if index is None or run["index"] == index
            for r in run.get("records", [])]  # fmt: skip


def _change_while_paused(client, change: dict, *, first: int, then: int) -> tuple[list, int]:
    """Pause a job after ``first`` epochs, post ``change``, resume for ``then`` more, stop.

    The job trains Huber (δ = 1) by GD at lr 0.05 without a cap. Returns its
    streamed records and the epoch it paused at.
    """
    body = {"losses": [{"name": "huber", "params": {"delta": 1.0}}], "epochs": None,
            "epochs_per_second": 200, "optimizer": "gd", "lr": 0.05}  # fmt: skip
    job_id = client.post("/api/jobs", json=body).json()["job_id"]
    _wait(lambda: _epochs(client, job_id)[0] >= first)
    client.post(f"/api/jobs/{job_id}/pause")
    assert client.post(f"/api/jobs/{job_id}/settings", json=change).status_code == 200
    paused_at = _epochs(client, job_id)[0]
    client.post(f"/api/jobs/{job_id}/resume")
    _wait(lambda: _epochs(client, job_id)[0] >= paused_at + then)
    client.post(f"/api/jobs/{job_id}/stop")
    return _records(client, job_id), paused_at


def test_step_trains_exactly_one_epoch_of_a_paused_job(client):
    body = {**QUICK_JOB, "epochs": None, "start_paused": True}
    job_id = client.post("/api/jobs", json=body).json()["job_id"]
    time.sleep(0.2)
    assert _epochs(client, job_id) == [0, 0]
    for n in (1, 2, 3):
        assert client.post(f"/api/jobs/{job_id}/step").json()["state"] == "paused"
        _wait(lambda n=n: _epochs(client, job_id) == [n, n])
    time.sleep(0.2)
    assert _epochs(client, job_id) == [3, 3]
    client.post(f"/api/jobs/{job_id}/stop")


def test_without_a_cap_a_job_trains_past_one_segment(client, app, monkeypatch):
    monkeypatch.setattr(limits, "SEGMENT_EPOCHS", 300)
    # Nobody streams this job while it trains: keep it past the fixture's 5 s idle limit.
    monkeypatch.setattr(app.state.jobs, "idle_timeout", 120.0)
    body = {**QUICK_JOB, "epochs": None, "epochs_per_second": None}
    job_id = client.post("/api/jobs", json=body).json()["job_id"]
    _wait(lambda: min(_epochs(client, job_id)) > limits.SEGMENT_EPOCHS + 10, timeout=60)
    assert client.get(f"/api/jobs/{job_id}").json()["state"] == "running"
    client.post(f"/api/jobs/{job_id}/stop")
    epochs = [r["epoch"] for r in _records(client, job_id, index=0)]
    # Numbered on across segments, without gaps or repeats.
    assert epochs == list(range(1, len(epochs) + 1))


def test_settings_changed_while_paused_take_effect_on_resume(client):
    huber = {"name": "huber", "params": {"delta": 0.3}}
    change = {"lr": 0.01, "weight_decay": 0.5, "losses": [huber]}
    records, paused_at = _change_while_paused(client, change, first=5, then=5)
    before = [r for r in records if r["epoch"] <= paused_at]
    after = [r for r in records if r["epoch"] > paused_at]
    assert {r["lr"] for r in before} == {0.05}
    assert {r["lr"] for r in after} == {0.01}
    # Huber with delta 0.3 is below Huber with delta 1 at the same parameters.
    assert after[0]["train_loss"] < before[-1]["train_loss"]


def test_l1_set_while_paused_pulls_the_weights_to_zero_on_resume(client):
    # Huber's gradient in a weight is at most delta · mean|x_j| (< delta here: standard normal
    # features, mean |x| ≈ 0.8): an L1 rate of 5 outweighs it, so every parameter ends
    # oscillating within one step, lr · (l1 + delta), of 0, where L1 alone puts it.
    records, paused_at = _change_while_paused(client, {"l1": 5.0}, first=40, then=30)
    before = next(r for r in records if r["epoch"] == paused_at)
    assert max(abs(t) for t in before["theta"]) > 0.5
    assert max(abs(t) for t in records[-1]["theta"]) <= 0.05 * (5.0 + 1.0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lr": 0}, "body.lr"),
        ({"l1": -0.1}, "body.l1"),
        ({"losses": [{"name": "mse"}]}, "body.losses.0.name"),
        ({"losses": [{"name": "huber"}, {"name": "huber"}]}, "body.losses"),
        ({"losses": [{"name": "huber", "params": {"delta": -1}}]}, "body.losses.0.params"),
    ],
)
def test_bad_settings_are_422_naming_the_field(client, change, field):
    body = {"losses": [{"name": "huber"}], "epochs": None, "start_paused": True}
    job_id = client.post("/api/jobs", json=body).json()["job_id"]
    response = client.post(f"/api/jobs/{job_id}/settings", json=change)
    assert response.status_code == 422
    assert any(f.startswith(field) for f in field_of(response)), field_of(response)
    client.post(f"/api/jobs/{job_id}/stop")


def test_hidden_layers_are_limited(client):
    too_many = {"losses": [{"name": "mse"}], "model": "mlp", "hidden": [4, 4, 4, 4, 4]}
    assert client.post("/api/jobs", json=too_many).status_code == 422
    too_wide = {**too_many, "hidden": [4, limits.MAX_HIDDEN_UNITS + 1]}
    assert client.post("/api/jobs", json=too_wide).status_code == 422
    job = client.post("/api/jobs", json={**too_many, "hidden": [3, 5], "epochs": 2})
    assert job.status_code == 201
    assert sum(job.json()["data"]["val"]) == 50  # a quarter of 200 rows held out
    events(client, job.json()["job_id"])


# ---------------------------------------------------------------- copy as Python


def test_copied_script_prints_what_the_job_recorded(client):
    import contextlib
    import io

    body = {"dataset": {"name": "heavy_tailed", "n_samples": 120}, "epochs": 30,
            "losses": [{"name": "huber", "params": {"delta": 0.5}},
                       {"name": "custom", "expression": "abs(y_pred - y_true)**1.5"}],
            "model": "mlp", "hidden": [4, 3], "optimizer": "adam", "lr": 0.05,
            "weight_decay": 0.01, "l1": 0.003, "epochs_per_second": None}  # fmt: skip
    job = client.post("/api/jobs", json=body).json()
    stream = events(client, job["job_id"])
    last = {}
    for name, update in stream:
        for run in update.get("runs", []) if name == "update" else []:
            if run.get("records"):
                last[run["index"]] = run["records"][-1]
    script = client.post("/api/script", json={**body, "run_epochs": [30, 30]}).json()["script"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(script, "setup.py", "exec"), {"__name__": "__main__"})
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 2
    for i, line in enumerate(lines):
        printed = dict(item.split("=", 1) for item in line.split() if "=" in item and "_" in item)
        assert {"train_loss", "val_loss", "val_mse", "val_r2"} <= set(printed)
        for key, value in printed.items():
            assert float(value) == pytest.approx(last[i][key], rel=1e-5, abs=1e-9), key


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"epochs": None}, "body.epochs"), ({"run_epochs": [3]}, "body.run_epochs")],
)
def test_script_needs_its_epochs(client, extra, field):
    body = {"losses": [{"name": "mse"}, {"name": "mae"}], "epochs": 5, **extra}
    response = client.post("/api/script", json=body)
    assert response.status_code == 422
    assert field in field_of(response)


# ---------------------------------------------------------------- input features


def _final(client, body) -> dict:
    job = client.post("/api/jobs", json=body)
    assert job.status_code == 201, job.text
    last = {}
    for name, update in events(client, job.json()["job_id"]):
        for run in update.get("runs", []) if name == "update" else []:
            if run.get("records"):
                last = run["records"][-1]
    return last


def test_the_x1x2_feature_makes_xor_linear(client):
    body = {"dataset": {"name": "xor", "n_samples": 400, "noise": 0.0},
            "losses": [{"name": "bce_with_logits"}], "model": "linear", "optimizer": "adam",
            "lr": 0.1, "epochs": 200, "epochs_per_second": None}  # fmt: skip
    raw = _final(client, body)
    lifted = _final(client, {**body, "features": ["x1x2"]})
    assert raw["val_accuracy"] < 0.75  # no line separates the quadrants
    assert lifted["val_accuracy"] >= 0.95  # the sign of x1 * x2 is the class


def test_the_schema_offers_exactly_the_features_the_server_computes():
    import typing

    from losslab.web.features import FEATURES
    from losslab.web.schemas import TrainRequest

    listed = typing.get_args(TrainRequest.model_fields["features"].annotation)[0]  # list[...]
    (names,) = typing.get_args(listed)
    assert list(typing.get_args(names)) == list(FEATURES)


def test_features_only_for_generated_plane_data(client):
    body = {"dataset": {"name": "linear"}, "losses": [{"name": "mse"}], "features": ["x1"]}
    response = client.post("/api/jobs", json=body)
    assert response.status_code == 422
    assert field_of(response) == ["body.features"]


# ---------------------------------------------------------------- a run's landscape


def _landscape(client, job_id, run=0, **params):
    return client.get(f"/api/jobs/{job_id}/runs/{run}/landscape", params=params)


def test_logistic_run_landscape_is_the_log_loss_over_its_two_weights(client, app):
    from sklearn.metrics import log_loss

    body = {"dataset": {"name": "moons", "n_samples": 200}, "model": "linear", "epochs": 30,
            "losses": [{"name": "bce_with_logits"}, {"name": "hinge"}],
            "optimizer": "adam", "lr": 0.1, "epochs_per_second": None}  # fmt: skip
    job_id = client.post("/api/jobs", json=body).json()["job_id"]
    records = _records(client, job_id, index=0)
    response = _landscape(client, job_id, size=21)
    assert response.status_code == 200, response.text
    sliced = response.json()
    assert sliced["plane"] == "weights"
    assert sliced["labels"] == ["weight[0]", "weight[1]"]
    assert sliced["epochs"] == [0] + [r["epoch"] for r in records] == list(range(31))
    job_run = app.state.jobs.get(job_id).runs[0]
    weight, bias = job_run.model.params["weight"].ravel(), job_run.model.params["bias"][0]
    assert sliced["current"] == pytest.approx(weight, abs=1e-6)
    assert sliced["path"][0] == [0.0, 0.0]  # the linear model starts at zero
    X, y, _, _ = job_run.run.training_data()
    for i, j in [(0, 0), (20, 3), (7, 15)]:
        w = np.array([sliced["x"][i], sliced["y"][j]])
        p = 1.0 / (1.0 + np.exp(-(X @ w + bias)))
        assert sliced["z"][j][i] == pytest.approx(log_loss(y, p), rel=1e-5)
    hinge = _landscape(client, job_id, run=1, size=21).json()
    assert hinge["loss"] == "hinge"
    assert hinge["z"] != sliced["z"]


def test_mlp_run_landscape_on_random_and_pca_planes(client, app):
    from losslab.runs import prepare

    body = {"dataset": {"name": "moons", "n_samples": 200}, "model": "mlp", "hidden": [6, 5],
            "epochs": 25, "losses": [{"name": "bce_with_logits"}], "optimizer": "adam",
            "lr": 0.05, "epochs_per_second": None}  # fmt: skip
    job_id = client.post("/api/jobs", json=body).json()["job_id"]
    records = _records(client, job_id)
    auto = _landscape(client, job_id, size=21).json()
    assert auto["plane"] == "random"
    # The random plane is centred on the start: the grid's middle is the untrained loss.
    assert auto["path"][0] == [0.0, 0.0]
    assert auto["x"][10] == pytest.approx(0.0, abs=1e-12)
    start = prepare(app.state.jobs.get(job_id).runs[0].run.spec)
    X, y, _, _ = start.training_data()
    assert auto["z"][10][10] == pytest.approx(start.loss(start.model(X), y), rel=1e-5)
    assert _landscape(client, job_id, size=21, seed=1).json()["z"] != auto["z"]
    pca = _landscape(client, job_id, size=21, plane="pca").json()
    # The PCA plane is centred on the latest point: its middle is the last loss.
    assert pca["current"] == [0.0, 0.0]
    assert pca["z"][10][10] == pytest.approx(records[-1]["train_loss"], rel=1e-6)
    assert 0.0 < sum(pca["explained"]) <= 1.0 + 1e-9
    # Bad requests name their field; an unknown job is 404.
    assert _landscape(client, job_id, plane="weights").status_code == 422
    assert _landscape(client, job_id, plane="hessian").status_code == 422
    assert _landscape(client, job_id, run=3).status_code == 422
    assert _landscape(client, job_id, size=500).status_code == 422
    assert _landscape(client, "nope").status_code == 404


def test_a_long_path_is_thinned_evenly_keeping_its_ends(monkeypatch):
    from losslab.web.jobs import JobRun

    monkeypatch.setattr(limits, "PATH_POINTS", 10)
    job_run = JobRun(index=0, run=None)
    for epoch in range(0, 101):
        job_run.keep_point(epoch, np.array([float(epoch), 0.0]))
        assert job_run.points[-1][0] == epoch  # the latest point is always there
    job_run.keep_point(100, np.array([100.0, 0.0]))  # a new segment's start: not kept twice
    epochs = [epoch for epoch, _ in job_run.points]
    assert len(epochs) <= 10
    assert epochs[0] == 0
    assert epochs[-1] == 100
    assert epochs == sorted(set(epochs))
    assert [theta[0] for _, theta in job_run.points] == epochs
    gaps = np.diff(epochs[:-1])
    assert gaps.max() == gaps.min()  # even, but for the latest point


def test_a_diverged_run_draws_its_finite_points(client, app):
    body = {"dataset": {"name": "linear", "n_samples": 100}, "model": "linear", "epochs": 60,
            "losses": [{"name": "mse"}], "optimizer": "gd", "lr": 10.0,
            "epochs_per_second": None}  # fmt: skip
    job_id = client.post("/api/jobs", json=body).json()["job_id"]
    events(client, job_id)
    job = app.state.jobs.get(job_id)
    assert job.runs[0].state == "diverged"
    with job.lock:  # past the divergence check, the parameters may overflow
        job.runs[0].keep_point(999, np.array([np.inf, np.nan]))
    for plane in ("auto", "random", "pca"):
        response = _landscape(client, job_id, plane=plane, size=11)
        assert response.status_code == 200, (plane, response.text)
        assert all(None not in point for point in response.json()["path"])
        assert 999 not in response.json()["epochs"]

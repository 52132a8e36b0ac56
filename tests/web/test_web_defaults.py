"""The playground's defaults, measured through the running server (uvicorn, SSE, real pace).

Every bundled 2-D classification set reaches 95% validation accuracy with
each default loss within 30 s; every regression set's runs end below the
validation loss of the best constant (the loss's own ``optimal_constant`` of
the training targets), the reference an untrained model would have to beat.
The data sets run concurrently, one client each, so the test takes about as
long as the slowest.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import numpy as np
import pytest

from losslab import datasets, losses
from losslab.web import defaults

BUDGET_S = 30.0
REGRESSION = ("linear", "linear_outliers", "heavy_tailed", "heteroscedastic", "sine", "diabetes")


def _call(url: str, body: dict | None = None, client: str = "defaults", timeout: float = 30):
    """An HTTP request (POST when ``body`` is given), its response open for reading."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"X-Client-Id": client, "Content-Type": "application/json"}
    method = "GET" if body is None else "POST"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    return urllib.request.urlopen(request, timeout=timeout)


def _setups(base: str) -> dict[str, dict]:
    with _call(f"{base}/api/datasets") as response:
        catalogue = json.load(response)["datasets"]
    return {d["name"]: d["defaults"] for d in catalogue}


def _train_until(base: str, body: dict, done, client: str) -> tuple[list[list[dict]], float]:
    """Start a job, read its stream until ``done(records)`` holds or the budget ends.

    Closing the stream stops the job and frees it.
    """
    with _call(f"{base}/api/jobs", body, client) as created:
        assert created.status == 201
        info = json.load(created)
    records: list[list[dict]] = [[] for _ in info["runs"]]
    start = time.monotonic()
    with _call(f"{base}{info['stream']}", client=client, timeout=60) as stream:
        for raw in stream:
            line = raw.decode()
            if line.startswith("data:"):
                for run in json.loads(line[5:]).get("runs", []):
                    records[run["index"]].extend(run.get("records", []))
            if done(records) or time.monotonic() - start > BUDGET_S:
                break
    elapsed = time.monotonic() - start
    return records, elapsed


def _concurrently(jobs: dict[str, callable]) -> dict[str, object]:
    results: dict[str, object] = {}

    def work(name, job):
        try:
            results[name] = job()
        except Exception as exc:  # reported by the assertion below
            results[name] = exc

    threads = [threading.Thread(target=work, args=item) for item in jobs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BUDGET_S + 30)
    return results


def test_every_plane_set_reaches_95_percent_within_30_s(live_server):
    setups = _setups(live_server)

    def reached(records):
        return all(any((r.get("val_accuracy") or 0) >= 0.95 for r in run) for run in records)

    jobs = {
        name: (lambda name=name: _train_until(live_server, setups[name], reached, f"acc-{name}"))
        for name in defaults.PLANE
    }
    results = _concurrently(jobs)
    for name in defaults.PLANE:
        result = results[name]
        assert not isinstance(result, Exception), f"{name}: {result!r}"
        records, elapsed = result
        assert setups[name]["model"] == "mlp"
        best = [max((r.get("val_accuracy") or 0) for r in run) for run in records]
        assert min(best) >= 0.95, f"{name}: best validation accuracy {best} in {elapsed:.1f} s"
        assert elapsed <= BUDGET_S


def _constant_loss(setup: dict, name: str) -> float:
    """Validation loss of the best constant for loss ``name`` on the job's own split."""
    knobs = {k: v for k, v in setup["dataset"].items() if k != "name"}  # the loader's own
    data = datasets.load(setup["dataset"]["name"], **knobs)
    split = data.split(setup["val_fraction"], setup["seed"])
    loss = losses.get(name)
    constant = np.full(len(split.y_val), loss.optimal_constant(split.y_train), dtype=float)
    return float(loss(constant, split.y_val))


def test_every_regression_set_beats_the_constant_model(live_server):
    setups = _setups(live_server)
    names = {d: [spec["name"] for spec in setups[d]["losses"]] for d in REGRESSION}
    reference = {d: [_constant_loss(setups[d], n) for n in names[d]] for d in REGRESSION}

    def beaten(dataset):
        def check(records):
            return all(run and run[-1]["val_loss"] < ref
                       for run, ref in zip(records, reference[dataset], strict=True))  # fmt: skip

        return check

    jobs = {
        d: (lambda d=d: _train_until(live_server, setups[d], beaten(d), f"reg-{d}"))
        for d in REGRESSION
    }
    results = _concurrently(jobs)
    for d in REGRESSION:
        result = results[d]
        assert not isinstance(result, Exception), f"{d}: {result!r}"
        records, elapsed = result
        final = [run[-1]["val_loss"] for run in records]
        assert all(f < ref for f, ref in zip(final, reference[d], strict=True)), (
            f"{d}: validation losses {final} vs constant {reference[d]} after {elapsed:.1f} s"
        )


@pytest.mark.parametrize("name", defaults.PLANE)
def test_plane_defaults_are_valid_requests(name):
    from losslab.web.schemas import TrainRequest

    body = TrainRequest(**defaults.setup(name, "binary", {"n_samples": 200, "seed": 0}))
    assert body.epochs is None
    assert body.val_fraction == 0.25

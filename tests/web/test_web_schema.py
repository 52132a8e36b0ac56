"""Schemathesis against the OpenAPI schema: no 5xx, every answer matches the schema.

Examples are few per operation so the run stays well under a minute; jobs the
fuzzer starts are stopped by the small idle timeout and at teardown.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis import checks  # noqa: E402

from losslab.web import create_app  # noqa: E402
from losslab.web.jobs import JobManager  # noqa: E402

APP = create_app(JobManager(max_jobs=2, max_per_client=2, idle_timeout=0.1, max_seconds=5.0))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="module", autouse=True)
def _stop_jobs():
    yield
    APP.state.jobs.shutdown()


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case):
    # Any job a case started is stopped right away: the fuzzer only checks the answers.
    case.call_and_validate(checks=CHECKS)
    APP.state.jobs.shutdown()

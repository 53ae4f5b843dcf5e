"""schemathesis over intake's own OpenAPI document, in-process (WSGI), bounded and repeatable.

Every phase schemathesis has (explicit examples, coverage of each constraint's edges, then
fuzzing with valid and invalid bodies) runs against the Flask app with the stand-in
redactor. Every answer must be a documented status, never a 5xx, in the documented
content type, with a body that matches the documented schema; data the document accepts
must be accepted (200/202, or 404 for a code nobody holds), data it refuses must be
refused, and a method the document does not list must get a 405 with Allow.
"""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from services.intake.settings import IntakeWebSettings

from ..conftest import make_app

pytestmark = pytest.mark.slow

# So the fuzzer reaches the operations rather than the rate limiter.
RAISED_LIMITS = {"report": "100000 per hour", "wrong_code": "100000 per hour"}

CONFIG = {
    # Look-ups are padded to a floor, so the example count is kept modest.
    "generation": {"max-examples": 30, "deterministic": True, "database": "none"},
    "checks": {"positive_data_acceptance": {"expected-statuses": [200, 202, 404]}},
}


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the API's behaviour on PostgreSQL is covered by test_api.py


@pytest.fixture
def fuzz_app(env, fake_preview):
    limits = {"PORTAL_INTAKE_REPORT_LIMIT": RAISED_LIMITS["report"],
              "PORTAL_INTAKE_WRONG_CODE_LIMIT": RAISED_LIMITS["wrong_code"]}
    app = make_app("intake", IntakeWebSettings.from_env({**env, **limits}))
    yield app
    app.extensions["portal"]["engine"].dispose()


def _run(app) -> tuple[list[str], dict[str, int]]:
    """Failures as readable lines, and how many times each check passed."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG))
    failures: list[str] = []
    passed: dict[str, int] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, (events.NonFatalError, events.FatalError)):
            failures.append(f"engine error: {event!r}"[:500])
        if not isinstance(event, events.ScenarioFinished):
            continue
        recorder = event.recorder
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.status == Status.SUCCESS:
                    passed[check.name] = passed.get(check.name, 0) + 1
                    continue
                if check.status != Status.FAILURE:
                    continue
                case = recorder.cases[case_id].value
                interaction = recorder.interactions.get(case_id)
                response = interaction.response if interaction else None
                title = check.failure_info.failure.title if check.failure_info else ""
                failures.append(
                    f"{event.label} [{check.name}] {title}: {case.method} body={case.body!r:.200} -> "
                    f"{response.status_code if response else None} {response.content[:200] if response else b''!r}"
                )
    return failures, passed


def test_the_api_answers_every_input_as_documented(fuzz_app):
    failures, passed = _run(fuzz_app)
    assert not failures, "\n".join(failures[:20])
    for check in ("not_a_server_error", "status_code_conformance", "response_schema_conformance",
                  "content_type_conformance", "positive_data_acceptance", "negative_data_rejection",
                  "unsupported_method"):
        assert passed.get(check, 0) >= 50, (check, passed)

"""Fixtures for intake: a test client that speaks forms with CSRF, and a stand-in preview."""

from __future__ import annotations

import re

import pytest

from services.intake import preview
from services.intake.preview import Preview, PreviewUnavailable, RedactedText

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DRAFT = re.compile(r'name="draft" value="([^"]+)"')


class FormClient:
    """Flask's test client, plus the hidden fields a browser would send back."""

    def __init__(self, client):
        self.client = client

    def token(self, path: str = "/report") -> str:
        return CSRF.search(self.client.get(path).get_data(as_text=True)).group(1)

    def post(self, path: str, data: dict, token_from: str = "/report", **kw):
        data = {"csrf_token": self.token(token_from), **data}
        return self.client.post(path, data=data, **kw)


@pytest.fixture
def client(intake_app):
    return intake_app.test_client()


@pytest.fixture
def forms(client):
    return FormClient(client)


@pytest.fixture
def sessions(intake_app):
    return intake_app.extensions["intake"].sessions


def fake_redact(text: str) -> RedactedText:
    """A stand-in for the redactor in view tests: hides the word 'Alice'."""
    count = text.count("Alice")
    return RedactedText(
        redacted=text.replace("Alice", "[PERSON]"),
        themes=["where_from"] if "from" in text else [],
        entity_counts={"PERSON": count} if count else {},
        risk={"score": 0.1, "reasons": [], "needs_review": False},
    )


@pytest.fixture
def fake_preview(monkeypatch):
    """Replace the backbone call in view tests; the real one is tested with a real worker."""
    calls = []

    def _preview(_publisher, _cipher, account, what_would_help, timeout=8.0):
        calls.append((account, what_would_help))
        return Preview(fake_redact(account), fake_redact(what_would_help) if what_would_help else None)

    monkeypatch.setattr(preview, "request_preview", _preview)
    return calls


@pytest.fixture
def slow_redactor(monkeypatch):
    def _unavailable(*_a, **_kw):
        raise PreviewUnavailable

    monkeypatch.setattr(preview, "request_preview", _unavailable)


def draft_from(response) -> str:
    return DRAFT.search(response.get_data(as_text=True)).group(1)


@pytest.fixture
def env(databases, private_redis, tmp_path):
    """A Redis of the test's own: rate-limit counters and preview queues stay isolated."""
    from ..conftest import base_env

    return base_env(databases, private_redis.url, tmp_path)

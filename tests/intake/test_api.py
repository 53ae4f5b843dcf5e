"""The JSON API on SQLite and PostgreSQL: its contract, its refusals, and nothing half-stored."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from portal_common.db import unit_of_work
from services.intake import receipt_codes
from services.intake.models import FollowUp, Outbox, Submission


def count(sessions, model) -> int:
    with unit_of_work(sessions) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_report_is_accepted_with_a_receipt_code_and_stored_only_as_ciphertext(client, sessions):
    response = client.post("/api/v1/reports", json={"account": "Asked where I am really from.", "setting": "acute"})
    assert response.status_code == 202
    body = response.get_json()
    assert set(body) == {"id", "status", "receipt_code"}
    assert body["status"] == "received"
    assert receipt_codes.normalise(body["receipt_code"]) == body["receipt_code"]
    with unit_of_work(sessions) as session:
        row = session.get(Submission, body["id"])
        assert "really from" not in row.ciphertext
        assert row.receipt_key and body["receipt_code"] not in row.receipt_key
        assert row.receipt_key.startswith("v2:") and len(row.receipt_key) == 46
        assert row.details["setting"] == "acute"
    assert count(sessions, Outbox) == 1


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"account": "   \n  "}, "account", "Tell us what happened."),
        ({}, "account", "Tell us what happened."),
        ({"account": "x" * 5001}, "account", "5,000 characters"),
        ({"account": "ok", "setting": "the moon"}, "setting", "Choose one of the options"),
        ({"account": "ok", "characteristics": ["race", "martian"]}, "characteristics", "Choose one of the options"),
        ({"account": "ok", "occurred_month": "2026-13"}, "occurred_month", "YYYY-MM"),
        ({"account": "ok", "occurred_month": "2999-01"}, "occurred_month", "future"),
        ({"account": "ok", "ip_address": "203.0.113.9"}, "ip_address", "Unknown field"),
        ({"account": "bad \ufffd bytes"}, "account", "could not be read"),
        ({"account": "ok", "what_would_help": "y" * 1001}, "what_would_help", "1,000"),
        # Found by fuzzing: item errors and the no-repeats rule used to collide (a 500).
        ({"account": "ok", "characteristics": ["race", "race", "banana"]}, "characteristics", "Choose one"),
        ({"account": "ok", "characteristics": ["race", "race"]}, "characteristics", "chosen once"),
        ({"account": "ok", "sources": ["patient", "patient"]}, "sources", "chosen once"),
        ({"account": "ok", "characteristics": [""]}, "characteristics", "Choose one"),
        ({"account": "ok", "occurred_month": "2026-01\n"}, "occurred_month", "YYYY-MM"),
        ({"account": "ok \ud800"}, "account", "could not be read"),
        ({"account": "ok\x1c"}, "account", "could not be read"),
        ({"account": ""}, "account", "Tell us what happened."),
    ],
)
def test_bad_reports_get_field_errors_and_store_nothing(client, sessions, body, field, message):
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert message in str(errors[field])
    assert count(sessions, Submission) == 0 and count(sessions, Outbox) == 0


def test_list_errors_name_the_field_and_the_item(client):
    response = client.post("/api/v1/reports", json={"account": "ok", "characteristics": ["race", "banana"]})
    assert response.status_code == 422
    assert response.get_json() == {"errors": {"characteristics": {"1": ["Choose one of the options listed."]}}}


def test_malformed_bodies_are_refused_clearly(client, sessions):
    not_json = client.post("/api/v1/reports", data="account=hi", content_type="application/x-www-form-urlencoded")
    assert not_json.status_code == 415
    broken = client.post("/api/v1/reports", data=b'{"account": "\xff\xfe"}', content_type="application/json")
    assert broken.status_code == 400
    assert "UTF-8" in broken.get_json()["errors"]["_schema"][0]
    a_list = client.post("/api/v1/reports", json=["account"])
    assert a_list.status_code == 422
    huge = client.post("/api/v1/reports", json={"account": "x" * 70_000})
    assert huge.status_code == 413
    null = client.post("/api/v1/reports", data=b"null", content_type="application/json")
    assert null.status_code == 422 and null.get_json()["errors"]["_schema"] == ["Send a JSON object."]
    assert count(sessions, Submission) == 0


@pytest.mark.parametrize("path", ["/api/v1/reports", "/api/v1/receipts/lookup", "/api/v1/receipts/notes"])
@pytest.mark.parametrize(
    "body",
    [b"[" * 5000 + b"]" * 5000, b'{"account": ' + b"[" * 5000, b'{"account": "x", "a": ' + b'{"b": ' * 3000],
    ids=["arrays", "unclosed", "objects"],
)
def test_deeply_nested_bodies_are_refused_clearly(client, sessions, path, body):
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {"errors": {"_schema": ["The body is nested too deeply."]}}
    assert count(sessions, Submission) == 0


def test_brackets_inside_strings_are_not_nesting(client):
    text = "[{" * 300 + ' he said "[" and left \\ '
    response = client.post("/api/v1/reports", json={"account": text})
    assert response.status_code == 202


def test_wrong_methods_answer_405_with_allow(client):
    for path in ("/api/v1/reports", "/api/v1/receipts/lookup"):
        response = client.get(path)
        assert response.status_code == 405
        assert set(response.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
        assert response.is_json
    page = client.put("/report")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]
    assert "text/html" in page.content_type


def test_html_is_kept_as_plain_text(client, sessions):
    script = "<script>alert('x')</script><b>bold</b>"
    body = client.post("/api/v1/reports", json={"account": script}).get_json()
    with unit_of_work(sessions) as session:
        row = session.get(Submission, body["id"])
        row.status, row.redacted_text, row.ciphertext = "redacted", script, None
    page = client.post("/receipt", data={"code": body["receipt_code"], "csrf_token": _token(client)})
    html = page.get_data(as_text=True)
    assert "&lt;script&gt;alert(" in html and "<script>alert(" not in html


def _token(client) -> str:
    from .conftest import CSRF

    return CSRF.search(client.get("/receipt").get_data(as_text=True)).group(1)


def test_receipt_lookup_shows_progress_and_accepts_any_spacing_or_case(client, sessions):
    body = client.post("/api/v1/reports", json={"account": "Someone mocked my accent."}).get_json()
    typed = "  " + body["receipt_code"].replace("-", " ").upper() + " "
    found = client.post("/api/v1/receipts/lookup", json={"code": typed})
    assert found.status_code == 200
    view = found.get_json()
    assert view["status"] == "received" and view["redacted_text"] is None
    assert [s["code"] for s in view["stages"]] == ["received", "redacted", "in_report", "training_case"]
    assert view["actions"] == [] and view["follow_ups"] == []
    assert "mocked" not in found.get_data(as_text=True)

    with unit_of_work(sessions) as session:
        row = session.get(Submission, body["id"])
        row.status, row.redacted_text = "redacted", "[PERSON] mocked my accent."
        row.themes, row.ciphertext = ["accent_language"], None
    view = client.post("/api/v1/receipts/lookup", json={"code": body["receipt_code"]}).get_json()
    assert view["status"] == "redacted"
    assert view["redacted_text"] == "[PERSON] mocked my accent."
    assert view["themes"] == ["accent_language"]


def test_wrong_codes_are_answered_in_the_same_time_and_then_limited(client, intake_app):
    body = client.post("/api/v1/reports", json={"account": "It happened at handover."}).get_json()
    timings = {}
    for label, code in (("right", body["receipt_code"]), ("wrong", "apple " * 6), ("junk", "x")):
        started = time.monotonic()
        response = client.post("/api/v1/receipts/lookup", json={"code": code})
        timings[label] = time.monotonic() - started
        assert response.status_code == (200 if label == "right" else 404 if label == "wrong" else 404)
    floor = receipt_codes.LOOKUP_FLOOR_SECONDS
    assert all(floor <= t < floor + 0.25 for t in timings.values()), timings

    statuses = [client.post("/api/v1/receipts/lookup", json={"code": f"no such code at all {n}"}).status_code
                for n in range(10)]
    assert statuses[-1] == 429, statuses
    # The right code is limited too once the connection has guessed too often...
    assert client.post("/api/v1/receipts/lookup", json={"code": body["receipt_code"]}).status_code == 429
    # ...but another connection is not.
    other = intake_app.test_client()
    answer = other.post("/api/v1/receipts/lookup", json={"code": body["receipt_code"]},
                        environ_base={"REMOTE_ADDR": "192.0.2.44"})
    assert answer.status_code == 200


def test_a_note_is_redacted_before_it_is_stored(client, sessions, fake_preview):
    body = client.post("/api/v1/reports", json={"account": "It happened again."}).get_json()
    note = {"code": body["receipt_code"], "note": "Alice said it again."}
    response = client.post("/api/v1/receipts/notes", json=note)
    assert response.status_code == 202
    assert response.get_json() == {"redacted_text": "[PERSON] said it again.", "status": "added"}
    with unit_of_work(sessions) as session:
        notes = session.scalars(select(FollowUp)).all()
        assert [n.redacted_text for n in notes] == ["[PERSON] said it again."]
        events = [o.event_type for o in session.scalars(select(Outbox))]
    assert events == ["report.submitted", "report.followup_added"]
    view = client.post("/api/v1/receipts/lookup", json={"code": body["receipt_code"]}).get_json()
    assert [n["redacted_text"] for n in view["follow_ups"]] == ["[PERSON] said it again."]


def test_a_note_is_not_stored_when_the_redactor_is_slow(client, sessions, slow_redactor):
    body = client.post("/api/v1/reports", json={"account": "It happened again."}).get_json()
    response = client.post("/api/v1/receipts/notes", json={"code": body["receipt_code"], "note": "More."})
    assert response.status_code == 503
    assert count(sessions, FollowUp) == 0


def test_a_note_needs_the_right_code_and_some_text(client, fake_preview):
    body = client.post("/api/v1/reports", json={"account": "It happened again."}).get_json()
    assert client.post("/api/v1/receipts/notes", json={"code": "a b c d e f", "note": "x"}).status_code == 404
    blank = client.post("/api/v1/receipts/notes", json={"code": body["receipt_code"], "note": "  "})
    assert blank.status_code == 422 and blank.get_json()["errors"]["note"] == ["Write your note."]


def test_the_openapi_document_describes_the_api(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/reports", "/api/v1/receipts/lookup", "/api/v1/receipts/notes"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert "account" in schemas["ReportInput"]["properties"]
    assert "receipt_code" in schemas["ReportAccepted"]["properties"]
    account = schemas["ReportInput"]["properties"]["account"]
    assert account["minLength"] == 1 and account["maxLength"] == 5000 and "pattern" in account
    assert schemas["ReportInput"]["properties"]["characteristics"]["uniqueItems"] is True
    statuses = {path: set(item["post"]["responses"]) for path, item in spec["paths"].items()}
    assert statuses["/api/v1/reports"] == {"202", "400", "413", "415", "422", "429", "503"}
    assert statuses["/api/v1/receipts/lookup"] == {"200", "400", "404", "413", "415", "422", "429", "503"}
    assert statuses["/api/v1/receipts/notes"] == {"202", "400", "404", "413", "415", "422", "429", "503"}


def test_receipt_codes_survive_a_secret_key_rotation_when_a_receipt_key_is_set(settings_for):
    from pydantic import SecretStr

    from ..conftest import make_app

    base = settings_for("intake").model_copy(update={"receipt_key": SecretStr("r" * 40)})
    before = make_app("intake", base)
    after = make_app("intake", base.model_copy(update={"secret_key": SecretStr("n" * 40)}))
    try:
        code = "apple-brave-cedar-delta-eagle-fable"
        keys = [app.extensions["intake"].receipt_keys.lookup_key(code) for app in (before, after)]
        assert keys[0] == keys[1]
    finally:
        for app in (before, after):
            app.extensions["portal"]["engine"].dispose()

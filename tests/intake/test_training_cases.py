"""What training tells intake about case studies: the receipt of a report whose case study is
in the case library says it is helping train others; once the case leaves (or the reporter
withdraws) it says so no more, whatever order the events arrive in."""

from __future__ import annotations

import datetime as dt
import re

from portal_common.db import unit_of_work
from portal_common.events import make_event
from services.intake import operations
from services.intake.models import CASE_PUBLISHED, CASE_WITHDRAWN, Submission

from .conftest import CSRF

HELPING = "Your experience is helping train others"


def _report(client, sessions, consent=True) -> tuple[str, str]:
    body = client.post("/api/v1/reports", json={"account": "My accent was mocked at handover.",
                                                 "training_consent": consent}).get_json()
    with unit_of_work(sessions) as session:
        row = session.get(Submission, body["id"])
        row.status, row.redacted_text, row.ciphertext = "complete", "My accent was mocked at handover.", None
    return body["id"], body["receipt_code"]


def _apply(sessions, event_type: str, report_id: str) -> None:
    payload = {"report_id": report_id}
    if event_type == "case.published":
        payload["published_week"] = dt.date(2026, 11, 16)
    handler = {"case.published": operations.apply_case_published,
               "case.withdrawn": operations.apply_case_withdrawn}[event_type]
    with unit_of_work(sessions) as session:
        handler(session, make_event(event_type, payload, "training"))


def _stage(client, code: str):
    view = client.post("/api/v1/receipts/lookup", json={"code": code}).get_json()
    return next(s["done"] for s in view["stages"] if s["code"] == "training_case")


def _page(client, code: str) -> str:
    token = CSRF.search(client.get("/receipt").get_data(as_text=True)).group(1)
    return client.post("/receipt", data={"code": code, "csrf_token": token}).get_data(as_text=True)


def test_a_published_case_shows_on_the_receipt_until_it_leaves_the_library(client, sessions):
    report_id, code = _report(client, sessions)
    assert _stage(client, code) is False
    page = _page(client, code)
    assert HELPING not in page and "Not tracked yet" not in page
    assert re.search(r'id="stage-training_case">.*?Not yet', page, re.S)

    _apply(sessions, "case.published", report_id)
    _apply(sessions, "case.published", report_id)  # a re-send changes nothing
    assert _stage(client, code) is True
    page = _page(client, code)
    assert HELPING in page and re.search(r'id="stage-training_case">.*?Done', page, re.S)

    _apply(sessions, "case.withdrawn", report_id)
    assert _stage(client, code) is False and HELPING not in _page(client, code)
    _apply(sessions, "case.published", report_id)  # a late copy of the publication: it stays gone
    with unit_of_work(sessions) as session:
        assert session.get(Submission, report_id).training_case == CASE_WITHDRAWN


def test_withdrawing_consent_ends_it_at_once_and_a_report_without_consent_never_shows_it(client, sessions, forms):
    report_id, code = _report(client, sessions)
    _apply(sessions, "case.published", report_id)
    with unit_of_work(sessions) as session:
        assert session.get(Submission, report_id).training_case == CASE_PUBLISHED
    page = forms.post("/receipt/training-consent/withdraw", {"code": code}, token_from="/receipt")
    assert page.status_code == 200
    assert _stage(client, code) is False and HELPING not in _page(client, code)

    other_id, other_code = _report(client, sessions, consent=False)
    _apply(sessions, "case.published", other_id)  # cannot happen, and would not count if it did
    assert _stage(client, other_code) is False
    assert re.search(r'id="stage-training_case">.*?Not used in training', _page(client, other_code), re.S)

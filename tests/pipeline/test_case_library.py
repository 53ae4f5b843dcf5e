"""A real case, end to end, through real workers, the real redactor, the relay and Redis: a
consenting report reaches training; a reviewer masks and clears it; a trainer's case study is
checked by the redactor again over the backbone, and what it finds is masked before it can be
submitted; another trainer approves it; the reporter's receipt says it is helping train
others; the reporter withdraws, and the case leaves the library and the receipt within
moments."""

from __future__ import annotations

import re

import pytest

from services.intake.models import CASE_PUBLISHED, CASE_WITHDRAWN, Submission
from services.training.models import CaseCandidate, CaseStudy

from ..intake.conftest import CSRF, FormClient
from ..signin.conftest import csrf_token, provider, provider_server, rp_factory, sign_in  # noqa: F401
from ..support.processes import wait_for

pytestmark = [pytest.mark.pipeline]

ACCOUNT = "On the ward round the registrar told me my accent made me sound stupid, and the whole team laughed."
REVIEWER = {"name": "Rae Reviewer", "email": "rae@example.nhs.uk", "roles": ["reviewer"], "amr": ["pwd", "otp"]}
TRAINER = {"name": "Tam Trainer", "email": "tam@example.nhs.uk", "roles": ["trainer"]}
SECOND = {"name": "Tor Trainer", "email": "tor@example.nhs.uk", "roles": ["trainer"]}
HELPING = "Your experience is helping train others"


def _signed_in(app, provider, sub, claims):  # noqa: F811
    client = app.test_client()
    sign_in(provider, client, sub, claims)
    return client


def _receipt(client, code: str) -> str:
    token = CSRF.search(client.get("/receipt").get_data(as_text=True)).group(1)
    return client.post("/receipt", data={"code": code, "csrf_token": token}).get_data(as_text=True)


def test_a_case_is_published_shown_on_the_receipt_and_leaves_when_its_reporter_withdraws(
    env, intake_app, stack_factory, fetch, rp_factory, provider  # noqa: F811
):
    stack = stack_factory(env)
    stack.start_all()
    reporter = intake_app.test_client()
    sent = reporter.post("/api/v1/reports", json={"account": ACCOUNT, "training_consent": True}).get_json()
    report_id, code = sent["id"], sent["receipt_code"]
    candidate = wait_for(lambda: fetch("training", CaseCandidate, report_id), 120, message="the training pool")

    training = rp_factory("training")
    reviewer = _signed_in(training, provider, "rev-1", REVIEWER)
    page = reviewer.get(f"/cases/review/{candidate.ref}").get_data(as_text=True)
    token = csrf_token(page)
    masked = reviewer.post(f"/cases/review/{candidate.ref}/mask",
                           data={"csrf_token": token, "phrases": "on the ward round"})
    assert masked.status_code == 303
    cleared = reviewer.post(f"/cases/review/{candidate.ref}/clear", data={"csrf_token": token, "read": "yes"})
    assert cleared.status_code == 200

    author = _signed_in(training, provider, "tr-1", TRAINER)
    page = author.get(f"/cases/new/{candidate.ref}").get_data(as_text=True)
    assert "[REDACTED] the registrar" in page
    token = csrf_token(page)
    text = "During a ward round, Dr Sarah Okonkwo told a junior doctor their accent made them sound slow."
    form = {"csrf_token": token, "title": "Accent on the ward round", "text": text,
            "themes": ["accent_language"], "suggested_ds": ["delay", "delegate"],
            "checklist": ["names", "roles", "places", "dates", "characteristics", "quotes", "changed"]}
    saved = author.post(f"/cases/new/{candidate.ref}", data=form)
    assert saved.status_code == 303 and "unchecked" not in saved.headers["Location"]
    page = author.get(saved.headers["Location"]).get_data(as_text=True)
    # The real redactor, asked over the backbone, found the name the trainer left in.
    assert "The redactor found details to mask" in page
    assert "Okonkwo" not in re.search(r'data-testid="redactor-version">(.*?)</p>', page, re.S).group(1)
    case_id = int(saved.headers["Location"].split("/")[2].split("?")[0])
    assert author.post(f"/cases/{case_id}/submit", data={"csrf_token": token}).status_code == 400
    used = author.post(f"/cases/{case_id}/use-redacted", data={"csrf_token": token})
    assert used.status_code == 303 and "unchecked" not in used.headers["Location"]
    assert "Nothing found" in author.get(f"/cases/{case_id}").get_data(as_text=True)
    assert author.post(f"/cases/{case_id}/submit", data={"csrf_token": token}).status_code == 200

    second = _signed_in(training, provider, "tr-2", SECOND)
    page = second.get(f"/cases/{case_id}").get_data(as_text=True)
    assert second.post(f"/cases/{case_id}/approve", data={"csrf_token": csrf_token(page)}).status_code == 303
    assert "Accent on the ward round" in second.get("/cases/library").get_data(as_text=True)

    # The relay carries case.published to intake: the receipt says so.
    wait_for(lambda: (s := fetch("intake", Submission, report_id)) and s.training_case == CASE_PUBLISHED, 60,
             message="intake to hear the case was published")
    assert HELPING in _receipt(reporter, code)

    # The reporter withdraws: the case leaves the library, and the receipt stops saying it.
    forms = FormClient(reporter)
    done = forms.post("/receipt/training-consent/withdraw", {"code": code}, token_from="/receipt")
    assert done.status_code == 200 and HELPING not in _receipt(reporter, code)
    wait_for(lambda: fetch("training", CaseStudy, case_id) is None, 60, message="the case deleted")
    assert "Accent on the ward round" not in second.get("/cases/library").get_data(as_text=True)
    assert second.get(f"/cases/library/{case_id}").status_code == 404
    wait_for(lambda: (s := fetch("intake", Submission, report_id)) and s.training_case == CASE_WITHDRAWN, 60,
             message="intake to hear the case left the library")
    assert HELPING not in _receipt(reporter, code)

"""The case pipeline as reviewers, trainers and leads use it, signed in through a real OpenID
Connect provider: review and mask without JavaScript, clear, write a case study, see what the
redactor would still mask, submit, a second person approves, the library, the audit page.

The redactor itself is replaced here by a stand-in that masks one known name, so each page's
behaviour can be pinned down; tests/pipeline/test_case_library.py runs the real one."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlalchemy import select

from portal_common.db import unit_of_work
from services.training import case_pages, cases
from services.training.models import (
    CANDIDATE,
    CASE_PUBLISHED,
    AuditEntry,
    CaseCandidate,
    CaseStudy,
    Outbox,
)
from services.training.redaction_check import CheckResult, CheckUnavailable

from ..signin.conftest import csrf_token, sign_in

TEXT = "At handover Dr Patel said my accent was 'too much' and Mrs Achebe from 4B laughed with him."
REVIEWER = {"name": "Rae Reviewer", "email": "rae@example.nhs.uk", "roles": ["reviewer"], "amr": ["pwd", "otp"]}
TRAINER = {"name": "Tam Trainer", "email": "tam@example.nhs.uk", "roles": ["trainer"]}
TRAINER_TWO = {"name": "Tor Trainer", "email": "tor@example.nhs.uk", "roles": ["trainer"]}
LEAD = {"name": "Lee Lead", "email": "lee@example.nhs.uk", "roles": ["lead"], "lead_scope": "system",
        "amr": ["pwd", "otp"]}
ADMIN = {"name": "Ada Admin", "email": "ada@example.nhs.uk", "roles": ["admin"], "amr": ["pwd", "otp"]}


class StandIn:
    """Masks "Achebe" as the redactor would, or is unavailable when told to be."""

    def __init__(self):
        self.calls: list[str] = []
        self.down = False

    def __call__(self, text: str) -> CheckResult:
        self.calls.append(text)
        if self.down:
            raise CheckUnavailable
        count = text.count("Achebe")
        return CheckResult(text.replace("Achebe", "[PERSON 1]"), {"PERSON": count} if count else {})


def _app(rp_factory):
    app = rp_factory("training")
    checker = StandIn()
    app.extensions[case_pages.CHECKER] = checker
    return app, checker


def _client(app, provider, sub, claims):
    client = app.test_client()
    sign_in(provider, client, sub, claims)
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def _add_candidate(app, *, needs_review=False, risk=0.1, text=TEXT) -> str:
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        candidate = CaseCandidate(report_id=str(uuid.uuid4()), redacted_text=text, themes=["accent_language"],
                                  characteristics=[], setting="acute", risk_score=risk, needs_review=needs_review,
                                  status=CANDIDATE, ref=cases.new_ref(), received_on=cases.week_of(dt.date.today()))
        db.add(candidate)
        return candidate.ref


def _rows(app, model):
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        rows = list(db.scalars(select(model)))
        for row in rows:
            db.expunge(row)
        return rows


def _word(page: str, word: str) -> str:
    found = re.search(rf'value="(\d+)">\s*<label[^>]*><span class="nhsuk-u-visually-hidden">Word \d+: </span>'
                      rf'{re.escape(word)}</label>', page)
    assert found, f"no checkbox for {word}"
    return found.group(1)


def test_a_reviewer_masks_words_and_phrases_without_javascript_then_clears_the_candidate(rp_factory, provider):
    app, _checker = _app(rp_factory)
    calm = _add_candidate(app)
    flagged = _add_candidate(app, needs_review=True, risk=0.8)
    reviewer = _client(app, provider, "rev-1", REVIEWER)

    queue = _text(reviewer.get("/cases/review"))
    assert queue.index(f"Candidate {flagged}") < queue.index(f"Candidate {calm}")
    assert "Flagged" in queue
    assert not any(c.report_id in queue for c in _rows(app, CaseCandidate))  # never the report's id

    page = _text(reviewer.get(f"/cases/review/{calm}"))
    assert "Dr Patel" in page and 'data-testid="flagged"' not in page
    patel = _word(page, "Patel")
    token = csrf_token(page)
    # No CSRF token: refused. A phrase that is not there: refused, with what was typed kept.
    assert reviewer.post(f"/cases/review/{calm}/mask", data={"word": patel}).status_code == 400
    wrong = reviewer.post(f"/cases/review/{calm}/mask",
                          data={"csrf_token": token, "word": patel, "phrases": "Mrs Acheeb"})
    text = _text(wrong)
    assert wrong.status_code == 400 and "There is a problem" in text and "Phrase 1 is not in the text" in text
    assert ">Mrs Acheeb</textarea>" in text and f'value="{patel}" checked' in text
    assert _rows(app, AuditEntry) == []
    [held] = [c for c in _rows(app, CaseCandidate) if c.ref == calm]
    assert held.redacted_text == TEXT

    seen = re.search(r'name="seen" value="([0-9a-f]{64})"', page).group(1)
    done = reviewer.post(f"/cases/review/{calm}/mask",
                         data={"csrf_token": token, "seen": seen, "word": patel, "phrases": "mrs achebe\nfrom 4B"})
    assert done.status_code == 303
    # A second reviewer working from the page as it was before: word numbers no longer match.
    stale = reviewer.post(f"/cases/review/{calm}/mask", data={"csrf_token": token, "seen": seen, "word": "0"})
    assert stale.status_code == 400 and "Someone else masked this text" in _text(stale)
    page = _text(reviewer.get(done.headers["Location"]))
    assert "2 passages masked" in page
    [held] = [c for c in _rows(app, CaseCandidate) if c.ref == calm]
    assert held.redacted_text == ("At handover Dr [REDACTED] said my accent was 'too much' and [REDACTED] laughed "
                                  "with him.")

    # Trainers see nothing until it is cleared; clearing needs the reviewer to say they read it all.
    trainer = _client(app, provider, "tr-1", TRAINER)
    assert trainer.get("/cases/review").status_code == 403
    assert trainer.get(f"/cases/review/{calm}").status_code == 403
    assert f"candidate {calm}" not in _text(trainer.get("/cases"))
    assert trainer.get(f"/cases/new/{calm}").status_code == 404
    unticked = reviewer.post(f"/cases/review/{calm}/clear", data={"csrf_token": token})
    assert unticked.status_code == 400 and "Confirm you have read" in _text(unticked)
    cleared = reviewer.post(f"/cases/review/{calm}/clear", data={"csrf_token": token, "read": "yes"})
    assert cleared.status_code == 200 and "Candidate cleared" in _text(cleared)
    assert f"Write a case study from candidate {calm}" in _text(trainer.get("/cases"))
    assert reviewer.get(f"/cases/review/{calm}").status_code == 404  # out of the queue
    [entry] = _rows(app, AuditEntry)
    assert (entry.actor, entry.action, entry.target) == ("rae@example.nhs.uk", "case.cleared", f"candidate {calm}")
    assert entry.detail == "2 passages masked by hand; not flagged"
    assert "Patel" not in entry.detail and "4B" not in entry.detail

    # Rejecting deletes, after a confirmation, and is audited with counts only.
    page = _text(reviewer.get(f"/cases/review/{flagged}"))
    assert 'data-testid="flagged"' in page
    assert reviewer.post(f"/cases/review/{flagged}/reject", data={"csrf_token": token}).status_code == 400
    gone = reviewer.post(f"/cases/review/{flagged}/reject", data={"csrf_token": token, "sure": "yes"})
    assert gone.status_code == 200 and [c.ref for c in _rows(app, CaseCandidate)] == [calm]
    assert [e.action for e in _rows(app, AuditEntry)] == ["case.cleared", "case.rejected"]


def _cleared(app) -> str:
    ref = _add_candidate(app)
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        candidate = db.scalar(select(CaseCandidate).where(CaseCandidate.ref == ref))
        candidate.status = "cleared"
        candidate.cleared_on = candidate.received_on
    return ref


def _case_form(token: str, **changes) -> dict:
    form = {"csrf_token": token, "title": "Accent at handover",
            "text": "A nurse's accent was mocked at handover, and Mrs Achebe laughed.",
            "themes": ["accent_language"], "suggested_ds": ["delay", "direct"],
            "checklist": list(cases.CHECKLIST_CODES)}
    form.update(changes)
    return form


def test_a_trainer_writes_a_case_the_redactor_checks_and_someone_else_approves_it(rp_factory, provider):
    app, checker = _app(rp_factory)
    ref = _cleared(app)
    author = _client(app, provider, "tr-1", TRAINER)
    page = _text(author.get(f"/cases/new/{ref}"))
    assert "Dr Patel" in page  # the cleared text is where the trainer starts
    token = csrf_token(page)

    # Bad input is refused and kept.
    bad = author.post(f"/cases/new/{ref}", data=_case_form(token, title="", themes=["moon"]))
    text = _text(bad)
    assert bad.status_code == 400 and "Enter a title for the case study" in text
    assert "Select themes from the list" in text
    assert "Mrs Achebe laughed." in text and _rows(app, CaseStudy) == []

    saved = author.post(f"/cases/new/{ref}", data=_case_form(token))
    assert saved.status_code == 303
    [case] = _rows(app, CaseStudy)
    assert checker.calls == [case.text]
    page = _text(author.get(saved.headers["Location"]))
    # What the redactor would still mask is shown, and the case cannot be submitted yet.
    assert "The redactor found details to mask" in page and "1 × person" in page
    assert "mocked at handover, and Mrs [PERSON 1] laughed." in page
    refused = author.post(f"/cases/{case.id}/submit", data={"csrf_token": token})
    assert refused.status_code == 400 and "find nothing to mask" in _text(refused)

    # The redactor is away: the draft is kept, and says it is unchecked.
    checker.down = True
    edited = author.post(f"/cases/{case.id}", data=_case_form(token, text="A nurse's accent was mocked, and "
                                                                           "Mrs Achebe laughed again."))
    assert edited.status_code == 303 and "unchecked=1" in edited.headers["Location"]
    page = _text(author.get(edited.headers["Location"]))
    assert "could not check it just now" in page and "laughed again." in page
    checker.down = False
    assert author.post(f"/cases/{case.id}/check", data={"csrf_token": token}).status_code == 303
    assert author.post(f"/cases/{case.id}/use-redacted", data={"csrf_token": token}).status_code == 303
    [case] = _rows(app, CaseStudy)
    assert case.text == "A nurse's accent was mocked, and Mrs [PERSON 1] laughed again." and case.checked_clean
    assert "Nothing found" in _text(author.get(f"/cases/{case.id}"))
    submitted = author.post(f"/cases/{case.id}/submit", data={"csrf_token": token})
    assert submitted.status_code == 200 and "Case study submitted" in _text(submitted)

    # Not by its author; by another trainer, it is published and intake will hear of it.
    page = _text(author.get(f"/cases/{case.id}"))
    assert 'data-testid="own-case"' in page and "Approve and publish" not in page
    own = author.post(f"/cases/{case.id}/approve", data={"csrf_token": token})
    assert own.status_code == 400 and "someone else must approve it" in _text(own)
    assert _rows(app, Outbox) == []
    other = _client(app, provider, "tr-2", TRAINER_TWO)
    page = _text(other.get(f"/cases/{case.id}"))
    assert "Approve and publish" in page
    approved = other.post(f"/cases/{case.id}/approve", data={"csrf_token": csrf_token(page)})
    assert approved.status_code == 303 and approved.headers["Location"] == f"/cases/library/{case.id}"
    [case] = _rows(app, CaseStudy)
    assert case.status == CASE_PUBLISHED
    [event] = _rows(app, Outbox)
    assert event.event_type == "case.published"

    library = _text(other.get("/cases/library"))
    assert "Accent at handover" in library
    assert "Accent at handover" not in _text(other.get("/cases/library?d=distract"))
    shown = _text(other.get(f"/cases/library/{case.id}"))
    assert "Mrs [PERSON 1] laughed again." in shown and "Delay, Direct" in shown

    # Leads read the audit log; trainers do not.
    assert author.get("/audit").status_code == 403
    lead = _client(app, provider, "lead-1", LEAD)
    log = _text(lead.get("/audit"))
    for name in ("Started a case study", "Took the redactor&#39;s version of a case study",
                 "Submitted a case study for approval", "Approved a case study",
                 "Published a case study to the library"):
        assert name in log, name
    assert "tor@example.nhs.uk" in log and "Achebe" not in log and "Patel" not in log
    only = _text(lead.get("/audit?action=case.approved"))
    assert 'data-testid="entry-count">1 entry' in only
    assert _client(app, provider, "admin-1", ADMIN).get("/audit").status_code == 200


def test_a_lead_can_send_a_case_back_and_its_author_changes_it(rp_factory, provider):
    app, _checker = _app(rp_factory)
    ref = _cleared(app)
    author = _client(app, provider, "tr-1", TRAINER)
    token = csrf_token(_text(author.get(f"/cases/new/{ref}")))
    author.post(f"/cases/new/{ref}", data=_case_form(token, text="A nurse's accent was mocked at handover."))
    [case] = _rows(app, CaseStudy)
    author.post(f"/cases/{case.id}/submit", data={"csrf_token": token})
    # While it waits, its author cannot change it.
    assert author.post(f"/cases/{case.id}", data=_case_form(token)).status_code == 403
    lead = _client(app, provider, "lead-1", LEAD)
    page = _text(lead.get(f"/cases/{case.id}"))
    back = lead.post(f"/cases/{case.id}/return", data={"csrf_token": csrf_token(page)})
    assert back.status_code == 200 and "Sent back to its author" in _text(back)
    # Someone else's draft cannot be changed by another trainer.
    other = _client(app, provider, "tr-2", TRAINER_TWO)
    assert other.post(f"/cases/{case.id}", data=_case_form(csrf_token(_text(other.get("/cases"))))).status_code == 403
    assert author.post(f"/cases/{case.id}", data=_case_form(token, title="Accent, again")).status_code == 303
    assert _rows(app, CaseStudy)[0].title == "Accent, again"

"""Published cases in use: a trainer puts library cases down for discussion at a cohort session (and takes
them off again), and a trainer or lead takes a published case out of the library by hand: asked why,
audited, deleted from every session, and intake is told (case.withdrawn) so the reporter's receipt
stops saying it helps train others, unless another case from the same report is still published."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlalchemy import select

from portal_common.db import unit_of_work
from portal_common.events import parse_message
from services.training.models import (
    CASE_DRAFT,
    CASE_PUBLISHED,
    AuditEntry,
    CaseStudy,
    Cohort,
    CohortSession,
    Outbox,
    SessionCase,
)

from ..signin.conftest import csrf_token, sign_in

TRAINER = {"name": "Tam Trainer", "email": "tam@example.nhs.uk", "roles": ["trainer"]}
LEAD = {"name": "Lee Lead", "email": "lee@example.nhs.uk", "roles": ["lead"], "lead_scope": "system",
        "amr": ["pwd", "otp"]}
TODAY = dt.date.today()


def _text(response) -> str:
    return response.get_data(as_text=True)


def _client(app, provider, sub, claims):
    client = app.test_client()
    sign_in(provider, client, sub, claims)
    return client


def _case(db, title: str, status: str = CASE_PUBLISHED, report_id: str | None = None) -> int:
    case = CaseStudy(report_id=report_id or str(uuid.uuid4()), title=title, text=f"{title}: what happened, retold.",
                     themes=["accent_language"], suggested_ds=["delay", "direct"], checklist=[], status=status,
                     author_key="a" * 64, created_on=TODAY, received_on=TODAY,
                     published_on=TODAY if status == CASE_PUBLISHED else None)
    db.add(case)
    db.flush()
    return case.id


def _seed(app) -> dict[str, int]:
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        cohort = Cohort(name="Theatres cohort", join_code="CASES001", created_on=TODAY, closed=False)
        db.add(cohort)
        db.flush()
        row = CohortSession(cohort_id=cohort.id, kind="action_learning_set", title="Learning set 2",
                            held_on=TODAY + dt.timedelta(days=14), place="Seminar room")
        db.add(row)
        db.flush()
        report = str(uuid.uuid4())
        return {"cohort": cohort.id, "session": row.id, "report": report,
                "accent": _case(db, "Accent mocked at handover", report_id=report),
                "twin": _case(db, "Name mispronounced on purpose", report_id=report),
                "banter": _case(db, "Banter in the coffee room"),
                "draft": _case(db, "Still a draft", status=CASE_DRAFT)}


def _rows(app, model):
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        rows = list(db.scalars(select(model)))
        db.expunge_all()
        return rows


def _cases_section(page: str) -> str:
    return re.search(r'data-testid="session-cases">(.*?)<h2>Facilitator mode', page, re.S).group(1)


def test_a_trainer_puts_published_cases_down_for_a_session_and_takes_them_off(rp_factory, provider):
    app = rp_factory("training")
    ids = _seed(app)
    trainer = _client(app, provider, "case-trainer", TRAINER)
    path = f"/cohorts/{ids['cohort']}/sessions/{ids['session']}"
    page = _text(trainer.get(path))
    section = _cases_section(page)
    assert "No cases are down for this session yet." in section
    assert "Accent mocked at handover" in section and "Banter in the coffee room" in section
    assert "Still a draft" not in section  # only published cases are offered
    token = csrf_token(page)

    missing = trainer.post(path + "/cases", data={"csrf_token": token, "case": ""})
    assert missing.status_code == 400 and "There is a problem" in _text(missing)
    assert "Select a case study from the library" in _text(missing)
    draft = trainer.post(path + "/cases", data={"csrf_token": token, "case": str(ids["draft"])})
    assert draft.status_code == 400 and "no longer in the library" in _text(draft)
    assert _rows(app, SessionCase) == []

    added = trainer.post(path + "/cases", data={"csrf_token": token, "case": str(ids["accent"])})
    assert added.status_code == 303
    again = trainer.post(path + "/cases", data={"csrf_token": token, "case": str(ids["accent"])})
    assert again.status_code == 303 and len(_rows(app, SessionCase)) == 1
    section = _cases_section(_text(trainer.get(path)))
    assert f'href="/cases/library/{ids["accent"]}">Accent mocked at handover</a>' in section
    assert "Suggested: Delay, Direct" in section
    assert f'<option value="{ids["accent"]}"' not in section  # no longer offered: it is down already

    lead = _client(app, provider, "case-lead", LEAD)
    lead_page = _text(lead.get(path))
    assert "Accent mocked at handover" in _cases_section(lead_page) and "Take off this session" not in lead_page
    assert lead.post(path + "/cases", data={"csrf_token": csrf_token(lead_page), "case": str(ids["banter"])}
                     ).status_code == 403

    printed = lead.get(path + "/cases.pdf")
    assert printed.status_code == 200 and printed.content_type == "application/pdf"
    assert printed.data.startswith(b"%PDF") and printed.headers["Cache-Control"] == "no-store"
    assert printed.headers["Content-Disposition"] == f'attachment; filename="cases-for-session-{ids["session"]}.pdf"'
    [printed_entry] = [e for e in _rows(app, AuditEntry) if e.action == "session.cases_printed"]
    assert printed_entry.actor == "lee@example.nhs.uk" and printed_entry.detail == f"1 case: {ids['accent']}"

    off = trainer.post(f"{path}/cases/{ids['accent']}/remove", data={"csrf_token": token})
    assert off.status_code == 303 and _rows(app, SessionCase) == []
    assert lead.get(path + "/cases.pdf").status_code == 404  # nothing to print
    assert trainer.get(f"/cases/library/{ids['accent']}").status_code == 200  # still in the library
    assert trainer.post(f"{path}/cases/{ids['accent']}/remove", data={"csrf_token": token}).status_code == 404
    actions = [e.action for e in _rows(app, AuditEntry)]
    assert actions.count("session.case_added") == 1 and actions.count("session.case_removed") == 1


def test_a_published_case_is_taken_out_of_the_library_by_hand_audited_and_intake_is_told(rp_factory, provider):
    app = rp_factory("training")
    ids = _seed(app)
    trainer = _client(app, provider, "case-trainer", TRAINER)
    session_path = f"/cohorts/{ids['cohort']}/sessions/{ids['session']}"
    token = csrf_token(_text(trainer.get(session_path)))
    for case in ("accent", "banter"):
        trainer.post(session_path + "/cases", data={"csrf_token": token, "case": str(ids[case])})

    lead = _client(app, provider, "case-lead", LEAD)
    shown = _text(lead.get(f"/cases/library/{ids['banter']}"))
    assert f'href="/cases/library/{ids["banter"]}/remove"' in shown
    form = _text(lead.get(f"/cases/library/{ids['banter']}/remove"))
    lead_token = csrf_token(form)
    nothing = lead.post(f"/cases/library/{ids['banter']}/remove", data={"csrf_token": lead_token})
    text = _text(nothing)
    assert nothing.status_code == 400 and "Select why you are taking the case out of the library" in text
    assert "Confirm that you want to take the case out of the library" in text
    unsure = lead.post(f"/cases/library/{ids['banter']}/remove",
                       data={"csrf_token": lead_token, "reason": "recognisable"})
    assert unsure.status_code == 400 and 'value="recognisable" checked' in _text(unsure)  # their choice is kept
    assert len(_rows(app, CaseStudy)) == 4

    done = lead.post(f"/cases/library/{ids['banter']}/remove",
                     data={"csrf_token": lead_token, "reason": "recognisable", "sure": "yes"})
    assert done.status_code == 200 and "Taken out of the library" in _text(done)
    assert lead.get(f"/cases/library/{ids['banter']}").status_code == 404
    assert "Banter in the coffee room" not in _text(lead.get("/cases/library"))
    assert [r.case_id for r in _rows(app, SessionCase)] == [ids["accent"]]  # off the session too
    [event] = [parse_message(r.message) for r in _rows(app, Outbox) if r.event_type == "case.withdrawn"]
    assert str(event.payload["report_id"]) != ids["report"]  # the banter case's own report
    [entry] = [e for e in _rows(app, AuditEntry) if e.action == "case.removed"]
    assert entry.actor == "lee@example.nhs.uk" and entry.target == f"case {ids['banter']}"
    assert entry.detail == "Someone could recognise the people or the place in it; taken off 1 session"
    assert "Took a published case out of the library" in _text(lead.get("/audit"))

    # Two cases from one report: taking one out leaves the other helping, so intake is not told yet.
    trainer.post(f"/cases/library/{ids['twin']}/remove",
                 data={"csrf_token": token, "reason": "not_useful", "sure": "yes"})
    assert len([r for r in _rows(app, Outbox) if r.event_type == "case.withdrawn"]) == 1
    trainer.post(f"/cases/library/{ids['accent']}/remove",
                 data={"csrf_token": token, "reason": "inaccurate", "sure": "yes"})
    withdrawn = [str(parse_message(r.message).payload["report_id"])
                 for r in _rows(app, Outbox) if r.event_type == "case.withdrawn"]
    assert withdrawn[-1] == ids["report"] and len(withdrawn) == 2
    assert _rows(app, SessionCase) == [] and [c.id for c in _rows(app, CaseStudy)] == [ids["draft"]]
    assert trainer.get(f"/cases/library/{ids['draft']}/remove").status_code == 404  # not published

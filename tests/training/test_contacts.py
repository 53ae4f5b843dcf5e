"""Local contacts: managed by trainers and administrators (validated, audited), chosen by the learner's
organisation, shown on the support page, beside content warnings, after scenario endings and on the
5 Ds pocket card."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from portal_common.db import unit_of_work
from services.training import pdf
from services.training.curriculum import load_curriculum
from services.training.learning import learner_key
from services.training.models import AuditEntry, LearnerProfile, LocalContact, ScenarioRun

from ..signin.conftest import csrf_token, sign_in

CONTENT = load_curriculum()
ADMIN = {"name": "Ada Admin", "email": "ada.admin@example.nhs.uk", "roles": ["admin"]}
LEARNER = {"name": "Lou Learner", "email": "lou.learner@example.nhs.uk"}


def _text(response) -> str:
    return response.get_data(as_text=True)


def _rows(app, model):
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        rows = list(db.scalars(select(model)))
        for row in rows:
            db.expunge(row)
        return rows


def _contact(token: str, **values) -> dict:
    base = {"csrf_token": token, "organisation": "DEMO1", "kind": "ftsu_guardian", "name": "Priya, FTSU guardian",
            "phone": "0113 496 0000 ext 4321", "email": "", "link": "", "notes": ""}
    base.update(values)
    return base


def _local(page: str) -> str:
    found = re.search(r'data-testid="local-contacts">(.*?)</div>', page, re.S)
    return found.group(1) if found else ""


def test_contacts_are_managed_validated_and_shown_for_the_learners_organisation(rp_factory, provider, monkeypatch):
    app = rp_factory("training")
    admin = app.test_client()
    sign_in(provider, admin, "contacts-admin", ADMIN)
    form = _text(admin.get("/contacts/new"))
    token = csrf_token(form)
    assert "Everyone (every organisation)" in form and "Northfield Hospitals NHS Foundation Trust (demo)" in form

    bad = admin.post("/contacts/new", data=_contact(token, organisation="NOPE", kind="", name="", phone=""))
    text = _text(bad)
    assert bad.status_code == 400
    for message in ("Select an organisation from the list", "Select what kind of contact this is",
                    "Enter a name or a role", "Enter at least one way to get in touch"):
        assert message in text
    wrong = admin.post("/contacts/new", data=_contact(token, phone="call me", email="not-an-email",
                                                      link="http://example.org", notes="x" * 501))
    text = _text(wrong)
    assert wrong.status_code == 400 and 'value="call me"' in text and 'value="not-an-email"' in text
    for message in ("Enter a phone number using digits", "Enter an email address in the correct format",
                    "Enter an address that starts with https://", "The notes must be 500 characters or fewer"):
        assert message in text
    assert _rows(app, LocalContact) == []

    assert admin.post("/contacts/new", data=_contact(token)).status_code == 303
    admin.post("/contacts/new", data=_contact(token, organisation="DEMO2", kind="union_rep", name="Sam, union rep",
                                              phone="", email="sam.rep@example.org"))
    admin.post("/contacts/new", data=_contact(token, organisation="", kind="employee_assistance",
                                              name="Staff support line", phone="0800 000 0000",
                                              link="https://support.example.org/"))
    listing = _text(admin.get("/contacts?done=added"))
    assert "The contact was added." in listing and "Priya, FTSU guardian" in listing and "Sam, union rep" in listing

    # A learner who has not chosen an organisation: everyone's contacts and each organisation's, by name.
    learner = app.test_client()
    sign_in(provider, learner, "contacts-learner", LEARNER)
    support = _text(learner.get("/support"))
    local = _local(support)
    assert "Staff support line" in local and "Priya, FTSU guardian" in local and "Sam, union rep" in local
    assert "Riverside Community Health NHS Trust (demo)" in local
    assert 'href="/profile">Choose your organisation</a>' in support

    # Choosing an organisation: refused without a choice, then only that one's and everyone's contacts.
    profile = _text(learner.get("/profile"))
    refused = learner.post("/profile", data={"csrf_token": csrf_token(profile)})
    assert refused.status_code == 400 and "Select your organisation" in _text(refused)
    saved = learner.post("/profile", data={"csrf_token": csrf_token(profile), "organisation": "DEMO1"})
    assert saved.status_code == 303 and "Your organisation was saved." in _text(learner.get(saved.headers["Location"]))
    [chosen] = _rows(app, LearnerProfile)
    assert chosen.learner == learner_key(app.config["SECRET_KEY"], "contacts-learner")
    assert chosen.organisation == "DEMO1"
    assert 'value="DEMO1" checked' in _text(learner.get("/profile"))
    local = _local(_text(learner.get("/support")))
    assert "People you can talk to at Northfield Hospitals NHS Foundation Trust (demo)" in local
    assert "Priya, FTSU guardian" in local and 'href="tel:01134960000ext4321"' in local
    assert "Staff support line" in local and "Sam, union rep" not in local

    # Beside a module's content warning, and after a scenario's ending.
    module = next(m for m in CONTENT.modules if m.content_warning)
    warning = re.search(r'data-testid="warning-contacts">(.*?)</p>', _text(learner.get(f"/learn/{module.id}")), re.S)
    assert warning and "Priya, FTSU guardian (0113 496 0000 ext 4321)" in warning.group(1)
    scenario = CONTENT.scenarios[0]
    harmful = next((s for s in scenario.endings if s.outcome == "harmful"), scenario.endings[0])
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        db.add(ScenarioRun(learner=chosen.learner, scenario_id=scenario.id, content_version=scenario.version,
                           current_step=harmful.id, status="finished", ending=harmful.id,
                           started_on=dt.date.today(), finished_on=dt.date.today()))
    ending = _text(learner.get(f"/scenarios/{scenario.id}/play"))
    assert harmful.ending_title.replace("'", "&#39;") in ending and "Priya, FTSU guardian" in _local(ending)

    # The pocket card: the 5 Ds, safety first, NHS 111 option 2, and this learner's contacts.
    kept: list[str] = []
    real = pdf.render
    monkeypatch.setattr(pdf, "render", lambda html: kept.append(html) or real(html))
    card = learner.get("/pocket-card")
    assert card.status_code == 200 and card.content_type == "application/pdf" and card.data.startswith(b"%PDF-")
    assert card.headers["Content-Disposition"] == 'attachment; filename="five-ds-pocket-card.pdf"'
    for d in ("Distract", "Delegate", "Document", "Delay", "Direct", "Safety first", "NHS 111, option 2",
              "Freedom to Speak Up guardian", "Priya, FTSU guardian", "0113 496 0000 ext 4321"):
        assert d in kept[-1], d
    assert "Sam, union rep" not in kept[-1]
    # Anyone can print one; without a sign-in it carries no local contacts.
    anonymous = rp_factory("training").test_client()
    assert anonymous.get("/pocket-card").status_code == 200 and "Priya" not in kept[-1]
    assert "Northfield" not in kept[-1]

    # Learners cannot manage contacts; changing and deleting are audited.
    assert learner.get("/contacts").status_code == 403
    [priya] = [c for c in _rows(app, LocalContact) if c.name.startswith("Priya")]
    edit = _text(admin.get(f"/contacts/{priya.id}/edit"))
    assert 'value="Priya, FTSU guardian"' in edit
    bad_edit = admin.post(f"/contacts/{priya.id}/edit", data=_contact(token, name="Priya P", phone="", email=""))
    assert bad_edit.status_code == 400 and 'value="Priya P"' in _text(bad_edit)
    assert admin.post(f"/contacts/{priya.id}/edit", data=_contact(token, name="Priya P")).status_code == 303
    assert "Priya P" in _local(_text(learner.get("/support")))
    assert "Delete \"Priya P\"?" in _text(admin.get(f"/contacts/{priya.id}/delete"))
    assert admin.post(f"/contacts/{priya.id}/delete", data={"csrf_token": token}).status_code == 303
    assert "Priya" not in _text(learner.get("/support"))
    actions = [(e.action, e.target, e.actor) for e in _rows(app, AuditEntry)]
    assert ("contact_changed", f"contact {priya.id}", "ada.admin@example.nhs.uk") in actions
    assert ("contact_deleted", f"contact {priya.id}", "ada.admin@example.nhs.uk") in actions
    assert sum(1 for a in actions if a[0] == "contact_added") == 3

    # "I would rather not say" removes the choice.
    learner.post("/profile", data={"csrf_token": csrf_token(profile), "organisation": "none"})
    assert _rows(app, LearnerProfile) == []

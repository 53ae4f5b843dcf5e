"""Leads draft, approve, publish and withdraw "you said, we did" actions through the pages,
signed in for real (mock OpenID Connect provider); every step is audited and publishing
queues the event intake reads."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal_common.db import unit_of_work
from services.analytics.models import Action, AuditEntry, Outbox

from .conftest import post_form

GOOD = {
    "title": "Names in the rota system",
    "you_said": "People's names were being shortened because the rota could not hold them.",
    "we_did": "The rota now takes full names and a note on how to say them.",
    "themes": ["names"],
    "characteristics": ["race"],
}


def _rows(app, model):
    with unit_of_work(app.extensions["portal"]["sessions"]) as session:
        return list(session.scalars(select(model)))


def _audit(app) -> list[tuple[str, str]]:
    with unit_of_work(app.extensions["portal"]["sessions"]) as session:
        return [(e.actor, e.action) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def _draft(client, **changes) -> str:
    response = post_form(client, "/actions/new", {**GOOD, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    found = re.fullmatch(r"/actions/([0-9a-f-]{36})", response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


def test_a_form_with_mistakes_comes_back_with_every_word_typed_and_clear_errors(rp_factory, staff_client):
    app = rp_factory("analytics")
    lead = staff_client(app, "lead-a", scope="system")
    typed = {
        "title": "   ",
        "you_said": "Staff told us that handover jokes\r\nwere hurting people.",
        "we_did": "x" * 1001,
        "organisation": "DEMO2",
    }
    response = post_form(lead, "/actions/new", typed)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Enter a title" in page
    assert "What was done must be 1,000 characters or fewer" in page
    assert "Choose at least one theme or characteristic this action responds to" in page
    assert 'href="#themes-accent_language"' in page  # the summary leads to the first checkbox
    assert "Staff told us that handover jokes\r\nwere hurting people.</textarea>" in page
    assert "x" * 1001 in page
    assert '<option value="DEMO2" selected>' in page
    assert _rows(app, Action) == [] and _audit(app) == []

    unknown = post_form(lead, "/actions/new", {**GOOD, "organisation": "NOPE9"})
    assert unknown.status_code == 422
    assert "Choose every organisation or one organisation from the list" in unknown.get_data(as_text=True)
    assert _rows(app, Action) == []


def test_a_form_without_its_csrf_token_changes_nothing(rp_factory, staff_client):
    app = rp_factory("analytics")
    lead = staff_client(app, "lead-a")
    refused = lead.post("/actions/new", data=GOOD)
    assert refused.status_code == 400
    assert "This page has expired" in refused.get_data(as_text=True)
    assert _rows(app, Action) == []


def test_where_approval_is_required_the_author_cannot_approve_and_a_second_lead_publishes(rp_factory, staff_client):
    app = rp_factory("analytics", APPROVAL_REQUIRED="DEMO1")
    author = staff_client(app, "lead-a", scope="DEMO1", name="Ada Author")
    second = staff_client(app, "lead-b", scope="system", name="Bea Second")
    action_id = _draft(author, organisation="DEMO2")  # a scoped lead's action is for their own organisation
    [action] = _rows(app, Action)
    assert action.organisation == "DEMO1" and action.status == "draft" and action.created_by == "lead-a@example.nhs.uk"

    shown = author.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "Submit for approval" in shown and ">Publish<" not in shown
    refused = post_form(author, f"/actions/{action_id}/publish")
    assert refused.status_code == 409
    assert "need a second lead&#39;s approval before they are published" in refused.get_data(as_text=True)

    assert post_form(author, f"/actions/{action_id}/submit").status_code == 302
    waiting = author.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "Waiting for approval" in waiting and "a different lead must approve it" in waiting
    assert "Approve and publish" not in waiting

    same = post_form(author, f"/actions/{action_id}/approve")
    assert same.status_code == 403
    assert "You cannot approve this action because you wrote, edited or submitted it" in same.get_data(as_text=True)
    assert _rows(app, Action)[0].status == "awaiting_approval"
    assert _rows(app, Outbox) == []

    assert "Approve and publish" in second.get(f"/actions/{action_id}").get_data(as_text=True)
    approved = post_form(second, f"/actions/{action_id}/approve")
    assert approved.status_code == 302
    assert "Approved and published" in second.get(approved.headers["Location"]).get_data(as_text=True)
    [action] = _rows(app, Action)
    assert action.status == "published" and action.approved_by == "lead-b@example.nhs.uk"
    assert action.published_on is not None and action.approved_on == action.published_on

    [queued] = _rows(app, Outbox)
    assert queued.event_type == "action.published" and not queued.sent
    payload = queued.message["payload"]
    assert payload["action_id"] == action_id and payload["organisation"] == "DEMO1"
    assert payload["title"] == GOOD["title"] and payload["themes"] == ["names"]
    assert payload["characteristics"] == ["race"] and payload["you_said"] == GOOD["you_said"]
    assert queued.message["producer"] == "analytics"

    assert _audit(app) == [
        ("lead-a@example.nhs.uk", "action.drafted"),
        ("lead-a@example.nhs.uk", "action.submitted"),
        ("lead-b@example.nhs.uk", "action.approved"),
        ("lead-b@example.nhs.uk", "action.published"),
    ]


def test_without_approval_one_lead_publishes_and_withdraws(rp_factory, staff_client):
    app = rp_factory("analytics", APPROVAL_REQUIRED="DEMO1")
    lead = staff_client(app, "lead-c", scope="DEMO3")
    action_id = _draft(lead)
    refused = post_form(lead, f"/actions/{action_id}/submit")
    assert refused.status_code == 409 and "publish it instead" in refused.get_data(as_text=True)

    assert post_form(lead, f"/actions/{action_id}/publish").status_code == 302
    page = lead.get(f"/actions/{action_id}").get_data(as_text=True)
    assert ">Published<" in page and "Withdraw" in page
    # A published action is public: it cannot be changed any more.
    edit = post_form(lead, f"/actions/{action_id}/edit", {**GOOD, "title": "Something else"})
    assert edit.status_code == 409 and "Only a draft can be changed" in edit.get_data(as_text=True)
    assert _rows(app, Action)[0].title == GOOD["title"]

    assert post_form(lead, f"/actions/{action_id}/withdraw").status_code == 302
    [action] = _rows(app, Action)
    assert action.status == "withdrawn" and action.withdrawn_by == "lead-c@example.nhs.uk"
    again = post_form(lead, f"/actions/{action_id}/publish")
    assert again.status_code == 409
    events = [(row.event_type, row.message["payload"]["action_id"]) for row in _rows(app, Outbox)]
    assert events == [("action.published", action_id), ("action.withdrawn", action_id)]
    assert [what for _who, what in _audit(app)] == ["action.drafted", "action.published", "action.withdrawn"]


def test_a_draft_changed_by_another_lead_needs_a_third_to_approve_it(rp_factory, staff_client):
    app = rp_factory("analytics", APPROVAL_REQUIRED="all")
    first, editor, third = (staff_client(app, sub) for sub in ("lead-a", "lead-b", "lead-c"))
    action_id = _draft(first)
    form = editor.get(f"/actions/{action_id}/edit").get_data(as_text=True)
    assert f'value="{GOOD["title"]}"' in form and f">{GOOD['we_did']}</textarea>" in form
    assert 'value="names" checked' in form and 'value="race" checked' in form
    changed = post_form(editor, f"/actions/{action_id}/edit", {**GOOD, "we_did": "Full names, and training."})
    assert changed.status_code == 302
    assert post_form(first, f"/actions/{action_id}/submit").status_code == 302
    assert post_form(editor, f"/actions/{action_id}/approve").status_code == 403
    assert post_form(third, f"/actions/{action_id}/approve").status_code == 302
    [action] = _rows(app, Action)
    assert action.status == "published" and action.we_did == "Full names, and training."


def test_leads_act_only_for_their_own_organisation(rp_factory, staff_client):
    app = rp_factory("analytics")
    system = staff_client(app, "lead-s", scope="system")
    theirs = _draft(system, organisation="DEMO1")
    everyone = _draft(system, title="For every organisation", organisation="")
    other = staff_client(app, "lead-o", scope="DEMO2")

    listed = other.get("/actions").get_data(as_text=True)
    assert "For every organisation" in listed and f"/actions/{theirs}" not in listed
    assert other.get(f"/actions/{theirs}").status_code == 404
    assert post_form(other, f"/actions/{theirs}/publish").status_code == 404
    # An action covering everyone is visible to every lead, but only a system lead changes it.
    assert other.get(f"/actions/{everyone}").status_code == 200
    refused = post_form(other, f"/actions/{everyone}/publish")
    assert refused.status_code == 403
    assert "Only leads for the whole system" in refused.get_data(as_text=True)
    assert {a.status for a in _rows(app, Action)} == {"draft"}

    unscoped = staff_client(app, "lead-u", scope=None)
    cannot = unscoped.get("/actions/new")
    assert cannot.status_code == 403 and "lead scope" in cannot.get_data(as_text=True)


def test_the_audit_log_is_for_leads_and_admins_only(rp_factory, staff_client):
    app = rp_factory("analytics")
    lead = staff_client(app, "lead-a")
    action_id = _draft(lead, title="Prayer room access")
    assert post_form(lead, f"/actions/{action_id}/publish").status_code == 302

    admin = staff_client(app, "admin-a", roles=["admin"], scope=None)
    page = admin.get("/audit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count("lead-a@example.nhs.uk") == 2 and "action.published" in text and "Prayer room access" in text
    assert ">Analytics audit log<" in text  # the admin's header links here
    filtered = admin.get("/audit?action=action.drafted").get_data(as_text=True)
    assert "2 entries" in text and "1 entry" in filtered
    assert admin.get("/actions").status_code == 403
    assert lead.get("/audit").status_code == 200

    learner = staff_client(app, "learner-a", roles=[], scope=None)
    assert learner.get("/audit").status_code == 403
    assert learner.get("/actions").status_code == 403

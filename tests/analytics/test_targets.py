"""Reduction targets, signed in for real: set through the form, measured from published
12-month releases only, refused beyond a lead's scope, and every change audited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from portal_common.db import unit_of_work
from services.analytics.models import AuditEntry, Target

from ..signin.conftest import csrf_token, sign_in
from .releases import ROLLING_YEAR, add_release, quarter_start

TODAY = dt.date.today()
YESTERDAY = TODAY - dt.timedelta(days=1)
SYSTEM_LEAD = {"name": "Sam System", "email": "sam@example.nhs.uk", "roles": ["lead"], "lead_scope": "system"}
DEMO1_LEAD = {"name": "Lee North", "email": "lee@example.nhs.uk", "roles": ["lead"], "lead_scope": "DEMO1"}
LATER = TODAY + dt.timedelta(days=400)


@pytest.fixture
def app(rp_factory):
    return rp_factory("analytics")


def sessions(app):
    return app.extensions["portal"]["sessions"]


@pytest.fixture
def years(app):
    """Two published 12-month releases that share no month, and a quarter (not a baseline)."""
    with unit_of_work(sessions(app)) as session:
        baseline = add_release(
            session,
            kind=ROLLING_YEAR,
            starts_on=quarter_start(TODAY, 8),
            publish_on=YESTERDAY - dt.timedelta(days=365),
            organisations={"DEMO1": 100, "DEMO2": 60, "DEMO3": 8},  # system 168 -> 170
        )
        latest = add_release(
            session,
            kind=ROLLING_YEAR,
            starts_on=quarter_start(TODAY, 4),
            publish_on=YESTERDAY,
            organisations={"DEMO1": 63, "DEMO2": 20, "DEMO3": 8},  # system 91 -> 90; DEMO2 race 6: [c]
        )
        add_release(session, starts_on=quarter_start(TODAY, 1), publish_on=YESTERDAY)
    return baseline, latest


def signed_in(app, provider, claims, sub):
    client = app.test_client()
    sign_in(provider, client, sub, claims)
    return client


def page_of(response, status=200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True)


def form_for(measure: str, scope: str, baseline: int, reduction: str = "20", when: dt.date = LATER) -> dict:
    return {
        "measure": measure,
        "scope": scope,
        "baseline": str(baseline),
        "reduction": reduction,
        "target_date-day": str(when.day),
        "target_date-month": str(when.month),
        "target_date-year": str(when.year),
    }


def create(client, data: dict, status: int = 302):
    token = csrf_token(page_of(client.get("/targets/new")))
    response = client.post("/targets/new", data={**data, "csrf_token": token})
    assert response.status_code == status, response.get_data(as_text=True)[:1500]
    return response


def card(page: str, target_id: int) -> str:
    return page.split(f'id="target-{target_id}"', 1)[1].split("</section>", 1)[0]


def target_ids(app) -> dict[tuple[str, str, str], int]:
    with unit_of_work(sessions(app)) as session:
        return {(t.scope, t.measure, t.code): t.id for t in session.scalars(select(Target))}


def audit(app) -> list[tuple[str, str, str, str]]:
    with unit_of_work(sessions(app)) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(r.actor, r.action, r.target, r.detail or "") for r in rows]


def test_progress_is_measured_from_published_releases_with_an_exact_interval(app, provider, years):
    baseline, latest = years
    client = signed_in(app, provider, SYSTEM_LEAD, "sam")
    create(client, form_for("overall", "system", baseline.release_id, "20"))
    create(client, form_for("overall", "DEMO1", baseline.release_id, "50"))
    create(client, form_for("characteristic:race", "DEMO2", baseline.release_id, "25"))
    ids = target_ids(app)
    page = page_of(client.get("/targets/"))

    system = card(page, ids[("", "overall", "")])
    assert 'data-testid="status">Met<' in system
    # 170 rounded at baseline, 90 now: at most 136 was the aim; 90/170 = 0.53, exact interval 0.41 to 0.69.
    assert "170 reports" in system and "90 reports" in system and "At most 136 reports" in system
    assert "0.53 (95% interval 0.41 to 0.69)" in system
    assert "whole interval is below the target" in system
    assert "less able or less safe to report" in system

    demo1 = card(page, ids[("DEMO1", "overall", "")])
    # 100 then 65 against a target of 50: not met, though the fall itself is more than chance (0.47 to 0.90).
    assert 'data-testid="status">Not met<' in demo1
    assert "0.65 (95% interval 0.47 to 0.90)" in demo1
    assert "reaches above the target" in demo1

    race = card(page, ids[("DEMO2", "characteristic", "race")])
    assert 'data-testid="status">Not yet measurable<' in race
    assert "The latest figure" in race and "is suppressed ([c])" in race
    assert 'data-testid="latest">[c] reports' in race
    assert latest.hidden[("DEMO2", "characteristics", "race")] == 6
    assert not re.search(r"[^\d.,]6 reports", race)  # the true value behind [c] is never shown
    assert "95% interval" not in race


def test_a_baseline_with_no_later_release_is_not_yet_measurable(app, provider, years):
    _baseline, latest = years
    client = signed_in(app, provider, SYSTEM_LEAD, "sam")
    create(client, form_for("theme:names", "system", latest.release_id, "10", TODAY + dt.timedelta(days=800)))
    page = page_of(client.get("/targets/"))
    assert 'data-testid="status">Not yet measurable<' in page
    assert "No 12-month release that starts after the baseline ends has been published yet" in page


def test_a_refused_form_says_what_is_wrong_and_keeps_what_was_typed(app, provider, years):
    baseline, _latest = years
    client = signed_in(app, provider, SYSTEM_LEAD, "sam")
    data = form_for("characteristic:race", "DEMO2", baseline.release_id, "abc")
    data.update({"target_date-day": "31", "target_date-month": "2", "target_date-year": "2031"})
    page = page_of(create(client, data, status=400), 400)
    assert "There is a problem" in page and "<title>Error: Set a target" in page
    assert 'href="#reduction">Enter the reduction as a whole number from 1 to 99' in page
    assert 'href="#target_date-day">The target date must be a real date' in page
    assert (
        'value="abc"' in page
        and 'id="target_date-day" name="target_date-day" type="text" inputmode="numeric" value="31"' in page
    )
    assert '<option value="characteristic:race" selected>' in page
    assert '<option value="DEMO2" selected>' in page
    assert f'<option value="{baseline.release_id}" selected>' in page
    # Age is [c] in the baseline: a target on it could never be measured, so it is refused.
    page = page_of(create(client, form_for("characteristic:age", "system", baseline.release_id), status=400), 400)
    assert "suppressed ([c]) in this period, so no reduction from it could ever be measured" in page
    # A quarter is not a 12-month release; a date in the past is refused.
    page = page_of(create(client, form_for("overall", "system", baseline.release_id, "20", YESTERDAY), status=400), 400)
    assert "The target date must be" in page
    assert target_ids(app) == {}
    assert audit(app) == []


def test_create_edit_and_delete_each_leave_an_audit_entry(app, provider, years):
    baseline, latest = years
    client = signed_in(app, provider, SYSTEM_LEAD, "sam")
    create(client, form_for("theme:competence_questioned", "system", baseline.release_id, "15"))
    (target_id,) = target_ids(app).values()
    token = csrf_token(page_of(client.get(f"/targets/{target_id}/edit")))
    changed = form_for("theme:competence_questioned", "system", baseline.release_id, "30")
    response = client.post(f"/targets/{target_id}/edit", data={**changed, "csrf_token": token})
    assert response.status_code == 302
    with unit_of_work(sessions(app)) as session:
        assert session.get(Target, target_id).reduction == 30
    confirm = page_of(client.get(f"/targets/{target_id}/delete"))
    assert "Delete this target?" in confirm
    response = client.post(f"/targets/{target_id}/delete", data={"csrf_token": csrf_token(confirm)})
    assert response.status_code == 302
    assert target_ids(app) == {}
    entries = audit(app)
    assert [(actor, action, target) for actor, action, target, _d in entries] == [
        ("sam@example.nhs.uk", "target.created", f"target {target_id}"),
        ("sam@example.nhs.uk", "target.changed", f"target {target_id}"),
        ("sam@example.nhs.uk", "target.deleted", f"target {target_id}"),
    ]
    assert "Competence or seniority questioned" in entries[0][3] and "15% fewer" in entries[0][3]
    assert "30% fewer" in entries[1][3] and "30% fewer" in entries[2][3]
    # Without the form's token nothing is deleted.
    create(client, form_for("overall", "system", baseline.release_id))
    (other,) = target_ids(app).values()
    assert client.post(f"/targets/{other}/delete").status_code == 400
    assert target_ids(app) != {}


def test_an_organisation_lead_works_only_on_their_organisations_targets(app, provider, years):
    baseline, _latest = years
    system = signed_in(app, provider, SYSTEM_LEAD, "sam")
    create(system, form_for("overall", "system", baseline.release_id))
    create(system, form_for("overall", "DEMO2", baseline.release_id))
    lead = signed_in(app, provider, DEMO1_LEAD, "lee")
    form = page_of(lead.get("/targets/new"))
    assert 'name="scope" value="DEMO1"' in form and "Riverside" not in form
    create(lead, form_for("overall", "DEMO1", baseline.release_id, "10"))
    ids = target_ids(app)
    listing = page_of(lead.get("/targets/"))
    assert f'id="target-{ids[("DEMO1", "overall", "")]}"' in listing
    assert f'id="target-{ids[("", "overall", "")]}"' not in listing
    assert f'id="target-{ids[("DEMO2", "overall", "")]}"' not in listing
    token = csrf_token(form)
    for scope in ("system", "DEMO2"):
        refused = lead.post(
            "/targets/new", data={**form_for("overall", scope, baseline.release_id), "csrf_token": token}
        )
        assert refused.status_code == 403, scope
        assert "covers Northfield Hospitals NHS Foundation Trust (demo) only" in refused.get_data(as_text=True)
    for other in (ids[("", "overall", "")], ids[("DEMO2", "overall", "")]):
        assert lead.get(f"/targets/{other}/edit").status_code == 403
        assert lead.post(f"/targets/{other}/delete", data={"csrf_token": token}).status_code == 403
    assert len(target_ids(app)) == 3
    assert [a for _actor, a, _t, _d in audit(app)] == ["target.created"] * 3

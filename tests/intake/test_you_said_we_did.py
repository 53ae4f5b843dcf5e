"""What analytics publishes reaches reporters: the public "You said, we did" page, and each
receipt's "included in a report to leads" stage and matching actions."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlalchemy import select

from portal_common.db import unit_of_work
from portal_common.events import make_event
from services.intake import operations
from services.intake.models import PublishedAction, Submission
from services.intake.operations.events import week_start

from ..contract.test_events import EXAMPLES
from .conftest import CSRF

WEEK = dt.date(2026, 11, 16)


def _published(**changes):
    payload = {**EXAMPLES[("action.published", 1)], "action_id": uuid.uuid4(), **changes}
    return make_event("action.published", payload, "analytics")


def _withdrawn(action_id):
    return make_event("action.withdrawn", {"action_id": action_id}, "analytics")


def _period(starts_on: dt.date, ends_on: dt.date, kind: str = "quarter"):
    return make_event("release.published", {"kind": kind, "starts_on": starts_on, "ends_on": ends_on}, "analytics")


def _apply(sessions, *events) -> None:
    handlers = {
        "action.published": operations.apply_action_published,
        "action.withdrawn": operations.apply_action_withdrawn,
        "release.published": operations.apply_release_published,
    }
    for event in events:
        with unit_of_work(sessions) as session:
            handlers[event.type](session, event)


def _titles(sessions) -> list[str]:
    with unit_of_work(sessions) as session:
        return sorted(a.title for a in session.scalars(select(PublishedAction)))


def test_withdrawn_actions_go_and_stay_gone_even_if_their_publication_comes_late(sessions_for):
    sessions = sessions_for("intake")
    kept, withdrawn, overtaken = _published(title="Kept"), _published(title="Withdrawn"), _published(title="Late")
    _apply(sessions, kept, withdrawn, _withdrawn(withdrawn.payload["action_id"]))
    assert _titles(sessions) == ["Kept"]
    # The withdrawal overtook the publication (two workers, or a redelivery): it stays withdrawn.
    _apply(sessions, _withdrawn(overtaken.payload["action_id"]), overtaken)
    assert _titles(sessions) == ["Kept"]
    _apply(sessions, kept)  # applying the same publication again changes nothing
    assert _titles(sessions) == ["Kept"]


def test_the_public_page_lists_published_actions_newest_first_with_their_themes(client, sessions):
    assert "No actions have been published yet" in client.get("/you-said-we-did").get_data(as_text=True)
    older = _published(
        title="Prayer space on every site",
        themes=["religious_dress_practice"],
        characteristics=["religion_belief"],
        organisation=None,
        published_week=WEEK,
    )
    newer = _published(title="Names <b>in</b> the rota", published_week=WEEK + dt.timedelta(days=7))
    gone = _published(title="Taken down", published_week=WEEK + dt.timedelta(days=14))
    _apply(sessions, older, newer, gone, _withdrawn(gone.payload["action_id"]))

    page = client.get("/you-said-we-did")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Taken down" not in html
    assert html.index("Names &lt;b&gt;in&lt;/b&gt; the rota") < html.index("Prayer space on every site")
    assert "Names mispronounced or replaced" in html and "Religious dress and practice" in html
    assert "Northfield Hospitals NHS Foundation Trust (demo)" in html  # DEMO1, by name
    assert "Every organisation in the partnership" in html
    assert "week beginning 23 November 2026" in html
    assert "2 actions" in html

    only = client.get("/you-said-we-did?theme=religious_dress_practice").get_data(as_text=True)
    assert "Prayer space on every site" in only and "Names &lt;b&gt;" not in only
    none = client.get("/you-said-we-did?theme=gender_identity").get_data(as_text=True)
    assert "No actions about Gender identity and pronouns have been published yet" in none
    assert client.get("/you-said-we-did?theme=<script>&page=x").status_code == 200
    assert 'href="/you-said-we-did"' in client.get("/").get_data(as_text=True)  # start page and footer


def _report(client, sessions, characteristics=("race",), themes=("names",), redacted=True, **details) -> str:
    body = client.post(
        "/api/v1/reports",
        json={"account": "My name was changed on the rota.", "characteristics": list(characteristics)},
    ).get_json()
    if redacted:
        with unit_of_work(sessions) as session:
            row = session.get(Submission, body["id"])
            row.status, row.redacted_text, row.ciphertext = "complete", "My name was changed on the rota.", None
            row.themes = list(themes)
            row.details = {**row.details, **details}
    return body["receipt_code"]


def _look_up(client, code: str) -> dict:
    response = client.post("/api/v1/receipts/lookup", json={"code": code})
    assert response.status_code == 200
    return response.get_json()


def _stage(view: dict, code: str):
    return next(s["done"] for s in view["stages"] if s["code"] == code)


def test_a_receipt_counts_as_reported_once_a_published_release_covers_its_week(client, sessions):
    code = _report(client, sessions)
    waiting = _report(client, sessions, redacted=False)
    view = _look_up(client, code)
    assert _stage(view, "in_report") is False and _stage(view, "training_case") is False

    this_week = week_start(dt.datetime.now(dt.UTC).date())
    _apply(sessions, _period(this_week - dt.timedelta(days=91), this_week - dt.timedelta(days=1)))
    assert _stage(_look_up(client, code), "in_report") is False  # an earlier period does not cover it
    _apply(sessions, _period(this_week - dt.timedelta(days=28), this_week + dt.timedelta(days=6), "rolling_year"))
    view = _look_up(client, code)
    assert _stage(view, "in_report") is True
    assert _stage(view, "training_case") is False  # no case study made from it
    assert _stage(_look_up(client, waiting), "in_report") is False  # not redacted: analytics has not got it

    page = client.post(
        "/receipt",
        data={"code": code, "csrf_token": CSRF.search(client.get("/receipt").get_data(as_text=True)).group(1)},
    ).get_data(as_text=True)
    row = re.search(r'id="stage-in_report">.*?</div>', page, re.S).group(0)
    assert "Included in a report to leads" in row and ">Done<" in row


def test_a_receipt_lists_the_actions_that_match_its_themes_or_characteristics(client, sessions):
    by_theme = _published(title="By theme", themes=["names"], characteristics=[], organisation=None)
    by_characteristic = _published(
        title="By characteristic", themes=["jokes_banter"], characteristics=["race"], organisation="DEMO1"
    )
    other_org = _published(title="Elsewhere", themes=["names"], characteristics=[], organisation="DEMO2")
    unrelated = _published(title="Unrelated", themes=["disability_access"], characteristics=["disability"])
    withdrawn = _published(title="Withdrawn", themes=["names"])
    _apply(
        sessions,
        by_theme,
        by_characteristic,
        other_org,
        unrelated,
        withdrawn,
        _withdrawn(withdrawn.payload["action_id"]),
    )

    unnamed = _look_up(client, _report(client, sessions))
    assert sorted(a["title"] for a in unnamed["actions"]) == ["By characteristic", "By theme", "Elsewhere"]
    unsaid = _look_up(client, _report(client, sessions, organisation="prefer_not_to_say"))
    assert sorted(a["title"] for a in unsaid["actions"]) == ["By characteristic", "By theme", "Elsewhere"]
    named = _look_up(client, _report(client, sessions, organisation="DEMO1"))
    assert sorted(a["title"] for a in named["actions"]) == ["By characteristic", "By theme"]
    shown = next(a for a in named["actions"] if a["title"] == "By characteristic")
    assert shown["organisation_name"] == "Northfield Hospitals NHS Foundation Trust (demo)"
    assert shown["you_said"] == EXAMPLES[("action.published", 1)]["you_said"]
    assert shown["published_week"] == "2026-11-16"

    named_code = _report(client, sessions, organisation="DEMO1")
    page = client.post(
        "/receipt",
        data={"code": named_code, "csrf_token": CSRF.search(client.get("/receipt").get_data(as_text=True)).group(1)},
    ).get_data(as_text=True)
    cards = re.search(r'<div id="actions">.*?<p><a href="/you-said-we-did">', page, re.S).group(0)
    assert cards.count('class="nhsuk-card app-action"') == 2
    assert '<h3 class="nhsuk-card__heading">By theme</h3>' in cards and "Elsewhere" not in cards
    assert "You said" in cards and "Names mispronounced or replaced" in cards

    code = _report(client, sessions, characteristics=(), themes=("where_from",))
    assert _look_up(client, code)["actions"] == []
    page = client.post(
        "/receipt",
        data={"code": code, "csrf_token": CSRF.search(client.get("/receipt").get_data(as_text=True)).group(1)},
    ).get_data(as_text=True)
    assert 'id="no-actions"' in page and 'href="/you-said-we-did"' in page

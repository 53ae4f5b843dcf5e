"""One audit log for analytics: exports, the steps of "you said, we did" actions and release
announcements are written by one function and read on one page, signed in for real."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from portal_common.db import unit_of_work
from services.analytics import audit
from services.analytics.models import AuditEntry
from services.analytics.publication import publish_due_releases
from services.analytics.published import period_label

from .conftest import post_form
from .releases import add_release, quarter_start

TODAY = dt.date.today()


@pytest.fixture
def app(rp_factory):
    return rp_factory("analytics")


def _table(page: str) -> str:
    return page.split('data-testid="audit-entries"', 1)[1].split("</table>", 1)[0]


def test_exports_action_steps_and_release_announcements_share_one_log_and_one_page(app, staff_client):
    sessions = app.extensions["portal"]["sessions"]
    with unit_of_work(sessions) as session:
        made = add_release(session, starts_on=quarter_start(TODAY, 1), publish_on=TODAY - dt.timedelta(days=1))
    lead = staff_client(app, "lead-a", scope="system")
    assert lead.get(f"/exports/csv?release={made.release_id}&scope=system").status_code == 200
    drafted = post_form(
        lead,
        "/actions/new",
        {
            "title": "A quiet room on every site",
            "you_said": "There was nowhere quiet to pray during shifts.",
            "we_did": "Each site now has a quiet room, open all day.",
            "themes": ["religious_dress_practice"],
        },
    )
    assert drafted.status_code == 302, drafted.get_data(as_text=True)[:2000]
    action_id = drafted.headers["Location"].rsplit("/", 1)[1]
    assert post_form(lead, f"/actions/{action_id}/publish").status_code == 302
    with unit_of_work(sessions) as session:
        [announced] = publish_due_releases(session, TODAY)
        period = period_label(announced)
        targets = {e.action: e.target for e in session.scalars(select(AuditEntry))}
    assert targets == {
        "export_csv": f"release:{made.release_id}",
        "action.drafted": f"action:{action_id}",
        "action.published": f"action:{action_id}",
        "release.published": f"release:{made.release_id}",
    }

    admin = staff_client(app, "admin-a", roles=["admin"], scope=None)
    for reader in (lead, admin):
        response = reader.get("/audit")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert 'data-testid="entry-count">4 entries.' in page
        table = _table(page)
        # Action names in words, never codes; a release by its period, an action by its title.
        for words in (
            "Downloaded the tidy data (CSV)",
            "Drafted an action",
            "Published an action",
            "Release became visible to leads",
        ):
            assert words in table
        assert not re.search(r"export_csv|action\.drafted|action\.published|release\.published", table)
        assert table.count(f"Release {made.release_id} ({period})") == 2
        assert table.count("Action: A quiet room on every site") == 2
        assert "lead-a@example.nhs.uk" in table and audit.SYSTEM_ACTOR in table
        # The filter offers every kind the log holds, by name, and shows one kind only.
        assert '<option value="action.published">Published an action</option>' in page
        only = reader.get("/audit?action=action.published").get_data(as_text=True)
        assert 'data-testid="entry-count">1 entry.' in only
        assert "Published an action" in _table(only) and "Drafted an action" not in _table(only)
    assert page.count(">Analytics audit log<") == 1  # one link in the admin's header
    assert staff_client(app, "trainer-a", roles=["trainer"], scope=None).get("/audit").status_code == 403


def test_the_page_is_newest_first_fifty_at_a_time(app, staff_client):
    with unit_of_work(app.extensions["portal"]["sessions"]) as session:
        for n in range(audit.PAGE_SIZE + 1):
            audit.record(session, "lead-a@example.nhs.uk", "export_pdf", "release:999", f"entry {n}", minute=1000 + n)
    admin = staff_client(app, "admin-a", roles=["admin"], scope=None)
    first = admin.get("/audit").get_data(as_text=True)
    assert f"{audit.PAGE_SIZE + 1} entries, page 1 of 2." in first
    table = _table(first)
    assert table.index(f"entry {audit.PAGE_SIZE}<") < table.index("entry 49<")
    assert "entry 0<" not in table and "Release 999<" in table  # a release no longer held, by number
    assert 'href="/audit?page=2"' in first
    second = admin.get("/audit?page=2").get_data(as_text=True)
    assert "entry 0<" in _table(second) and 'href="/audit?page=1"' in second
    assert "page 2 of 2" in admin.get("/audit?page=99").get_data(as_text=True)


def test_an_entry_names_who_acted():
    with pytest.raises(ValueError, match="someone to name"):
        audit.record(None, "", "export_csv", "release:1")  # type: ignore[arg-type]

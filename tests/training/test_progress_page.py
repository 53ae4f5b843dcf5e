"""The learner's progress page shows their cohorts with the sessions coming up (linking to My cohorts)
and where they stand on the certificate: what is left to do, or the one they hold and its dates."""

from __future__ import annotations

import datetime as dt
import re

from portal_common.db import unit_of_work
from services.training import certificates as certs
from services.training.learning import learner_key
from services.training.models import Cohort, CohortMember, CohortSession

from ..signin.conftest import sign_in

LEARNER = {"name": "Pat Progress", "email": "pat.progress@example.nhs.uk"}


def _text(response) -> str:
    return response.get_data(as_text=True)


def _section(page: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</div>', page, re.S)
    assert found, testid
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_progress_shows_cohorts_upcoming_sessions_and_the_certificate_held(rp_factory, provider):
    app = rp_factory("training")
    client = app.test_client()
    sign_in(provider, client, "progress-learner", LEARNER)
    learner = learner_key(app.config["SECRET_KEY"], "progress-learner")
    today = dt.date.today()
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        cohort = Cohort(name="Ward 7 bystanders", join_code="PRG00001", created_on=today, closed=False)
        other = Cohort(name="Someone else's cohort", join_code="PRG00002", created_on=today, closed=False)
        db.add_all([cohort, other])
        db.flush()
        db.add(CohortMember(cohort_id=cohort.id, learner=learner, joined_on=today))
        db.add(CohortSession(cohort_id=cohort.id, kind="workshop", title="Opening workshop",
                             held_on=today - dt.timedelta(days=7), place="Room 1"))
        for month in range(1, 6):
            db.add(CohortSession(cohort_id=cohort.id, kind="action_learning_set", title=f"Learning set {month}",
                                 held_on=today + dt.timedelta(days=30 * month), start_time="14:00",
                                 place="Education centre"))
        db.add(CohortSession(cohort_id=other.id, kind="workshop", title="Not my workshop",
                             held_on=today + dt.timedelta(days=3), place="Room 9"))
        certs.issue(db, learner, 24, renewal=False, on=today - dt.timedelta(days=10))
    page = _text(client.get("/progress"))
    cohorts = _section(page, "cohorts")
    assert "Ward 7 bystanders" in cohorts and "Someone else" not in cohorts and "Not my workshop" not in cohorts
    first = today + dt.timedelta(days=30)
    assert f"Learning set 1 (Action learning set): {first.strftime('%-d %B %Y')} at 14:00, Education centre" in cohorts
    assert "Learning set 3" in cohorts and "Learning set 4" not in cohorts  # the next three only
    assert "And 2 more later." in cohorts
    assert "Opening workshop" not in cohorts  # already happened
    assert 'href="/my-cohorts"' in page and 'data-testid="my-cohorts-link"' in page
    held = _section(page, "certificate-status")
    issued, renew = today - dt.timedelta(days=10), certs.add_months(today - dt.timedelta(days=10), 24)
    assert "In date" in held and f"Issued on {issued.strftime('%-d %B %Y')}" in held
    assert f"renew by {renew.strftime('%-d %B %Y')}" in held and "Download your certificate" in held


def test_progress_of_a_new_learner_says_what_the_certificate_still_needs_and_how_to_join(rp_factory, provider):
    app = rp_factory("training")
    client = app.test_client()
    sign_in(provider, client, "progress-newcomer", LEARNER)
    page = _text(client.get("/progress"))
    held = _section(page, "certificate-status")
    assert held.startswith("Not yet.") and "Pass the knowledge check for Distract" in held
    assert "Finish the scenario:" in held
    assert "You are not in a cohort" in _section(page, "cohorts") and 'href="/join"' in page

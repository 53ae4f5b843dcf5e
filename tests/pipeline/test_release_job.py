"""The release job in the running system, with a real Redis, real Celery workers and the
relay: the relay queues the job on its own queue, the analytics jobs worker builds the
releases that are due, announces them, and intake learns the periods are published."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import select

from portal_common import organisations
from portal_common.db import unit_of_work
from services.analytics import releases, synthetic
from services.analytics.models import QUARTER, ROLLING_YEAR, Release, ReleaseAnnouncement, Report
from services.intake.models import PublishedPeriod

from ..support.processes import wait_for

pytestmark = [pytest.mark.pipeline]


def test_the_relay_queues_the_job_and_a_due_release_is_built_once_then_published(env, stack_factory, sessions_for):
    today = dt.datetime.now(dt.UTC).date()
    index = releases.quarter_index(today) - 2  # over, past its grace period and its lag
    start, end = releases.quarter_start(index), releases.quarter_end(index)
    monday = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    analytics = sessions_for("analytics")
    with unit_of_work(analytics) as session:
        orgs = [o.code for o in organisations.load()]
        for n, row in enumerate(synthetic.reports(5, orgs, monday, 12, 4)):
            session.add(Report(id=f"00000000-0000-4000-8000-{n:012d}", **row))
    assert releases.quarter_index(monday + dt.timedelta(weeks=11)) == index

    stack = stack_factory(
        {**env, "PORTAL_ANALYTICS_RELEASE_BUILD_INTERVAL": "1", "PORTAL_ANALYTICS_RELEASE_CHECK_INTERVAL": "1"}
    )
    stack.start_worker("intake")
    stack.start_jobs_worker("analytics")
    stack.start_relay()

    def built() -> list[tuple[str, dt.date]]:
        with unit_of_work(analytics) as session:
            return sorted((r.kind, r.ends_on) for r in session.scalars(select(Release)))

    # every quarter over (plus 14 days' grace) from the data's: this one, perhaps the next
    due = [q for q in (index, index + 1) if releases.quarter_end(q) + dt.timedelta(days=14) < today]
    expected = sorted((kind, releases.quarter_end(q)) for q in due for kind in (QUARTER, ROLLING_YEAR))
    wait_for(lambda: built() == expected, 180, message="the due quarters' releases to be built")
    assert (QUARTER, end) in built() and (ROLLING_YEAR, end) in built()

    def published() -> set[tuple[str, dt.date]]:
        with unit_of_work(sessions_for("intake")) as session:
            return {(p.kind, p.starts_on) for p in session.scalars(select(PublishedPeriod))}

    wait_for(lambda: (QUARTER, start) in published(), 120, message="intake to learn the quarter is published")
    assert (ROLLING_YEAR, releases.quarter_start(index - 3)) in published()
    with unit_of_work(analytics) as session:
        assert len(session.scalars(select(ReleaseAnnouncement)).all()) == len(built())
    # The relay keeps queueing the job every second: nothing is built twice.
    time.sleep(4)
    assert built() == expected
    assert "release cannot be protected" not in stack.logs()

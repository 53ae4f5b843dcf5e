"""The release job and retention: due releases are built once, by one run at a time; report
rows go only once every release counting them is built, and the trend survives them."""

from __future__ import annotations

import datetime as dt

import pytest
import redis
from sqlalchemy import func, select

from portal_common import organisations
from portal_common.audit import SYSTEM_ACTOR
from portal_common.db import unit_of_work
from portal_ops import registry
from services.analytics import jobs, published, releases, retention, synthetic
from services.analytics.models import (
    AuditEntry,
    FollowUp,
    Release,
    ReleaseAnnouncement,
    Report,
)
from services.analytics.relay import AnalyticsRelay

ORGS = [o.code for o in organisations.load()]
POLICY = releases.ReleasePolicy()
FIRST = dt.date(2025, 1, 6)


def _load(sessions, weeks: int = 52, per_week: float = 4) -> None:
    """About 50 reports a quarter from 6 January 2025, and a follow-up note on every tenth."""
    with unit_of_work(sessions) as session:
        for n, row in enumerate(synthetic.reports(5, ORGS, FIRST, weeks, per_week)):
            report_id = f"00000000-0000-4000-8000-{n:012d}"
            session.add(Report(id=report_id, **row))
            if n % 10 == 0:
                session.add(
                    FollowUp(
                        id=f"00000000-0000-4000-9000-{n:012d}",
                        report_id=report_id,
                        added_week=row["submitted_week"],
                        themes=["exclusion"],
                    )
                )


def _count(sessions, model, *where) -> int:
    with unit_of_work(sessions) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_the_job_builds_every_due_release_once_and_one_run_at_a_time(sessions_for, machine_redis):
    sessions = sessions_for("analytics")
    _load(sessions)
    client = redis.Redis.from_url(machine_redis)
    today = dt.date(2026, 1, 20)  # 2025's four quarters are over (plus the grace period)

    held = client.lock(jobs.LOCK, timeout=30)
    assert held.acquire(blocking=False)
    busy = jobs.run_once(client, 60, sessions, today, POLICY, ORGS, 3650)
    assert busy.ran is False and busy.built == []
    assert _count(sessions, Release) == 0  # the run that found the lock taken did nothing
    held.release()

    done = jobs.run_once(client, 60, sessions, today, POLICY, ORGS, 3650)
    assert done.ran and done.failed is None
    assert done.built == ["2025-01-01", "2025-04-01", "2025-07-01", "2025-10-01"]
    assert _count(sessions, Release) == 8  # each quarter and the rolling year ending with it
    # visible from 28 days after the quarter: three quarters by 20 January, not the fourth
    assert done.announced == 6 and _count(sessions, ReleaseAnnouncement) == 6
    assert client.get(jobs.LOCK) is None  # released

    again = jobs.run_once(client, 60, sessions, today, POLICY, ORGS, 3650)
    assert again.ran and again.built == [] and again.announced == 0
    later = jobs.run_once(client, 60, sessions, dt.date(2026, 2, 1), POLICY, ORGS, 3650)
    assert later.built == [] and later.announced == 2  # the fourth quarter's day has come
    assert _count(sessions, Release) == 8


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_retention_deletes_rows_only_once_their_releases_are_built(backend, sessions_for):
    sessions = sessions_for("analytics")
    _load(sessions)
    with unit_of_work(sessions) as session:
        releases.build_due_releases(session, dt.date(2026, 1, 20), POLICY, ORGS)  # 2025's quarters
    today = dt.date(2026, 6, 1)
    with unit_of_work(sessions) as session:
        trend_before = published.quarterly_series(session, "", today, today)
    q1 = (Report.submitted_week >= dt.date(2025, 1, 1), Report.submitted_week <= dt.date(2025, 3, 31))
    q2_old = (Report.submitted_week >= dt.date(2025, 4, 1), Report.submitted_week < dt.date(2025, 6, 1))
    before = {
        "q1": _count(sessions, Report, *q1),
        "q2": _count(sessions, Report, *q2_old),
        "all": _count(sessions, Report),
        "notes": _count(sessions, FollowUp),
    }
    assert before["q1"] > 30 and before["q2"] > 20

    with unit_of_work(sessions) as session:
        purged = retention.purge(session, today, 365)  # everything sent before 1 June 2025 is old
    # January to March 2025 is counted by its quarter and rolling years ending March to
    # December 2025, all built: its rows go. April and May are old too, but the rolling year
    # ending March 2026 (which counts them) is not built yet: they stay.
    assert purged.reports == before["q1"] and purged.quarters == [releases.quarter_index(dt.date(2025, 1, 1))]
    assert _count(sessions, Report, *q1) == 0
    assert _count(sessions, Report, *q2_old) == before["q2"]
    assert _count(sessions, Report) == before["all"] - before["q1"]
    assert 0 < purged.follow_ups < before["notes"]
    assert _count(sessions, FollowUp) == before["notes"] - purged.follow_ups
    with unit_of_work(sessions) as session:
        assert len(session.scalars(select(Release)).all()) == 8  # every release stays
        trend_after = published.quarterly_series(session, "", today, today)
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == retention.ACTION))
        assert entry is not None
        assert entry.actor == SYSTEM_ACTOR
        assert f"{before['q1']} report rows" in entry.detail and "Jan to Mar 2025" in entry.detail
    # the dashboards' trend reads releases only: the same four quarters, the same figures
    assert [q.count for q in trend_after] == [q.count for q in trend_before]
    assert len(trend_after) == 4 and all(q.count is not None for q in trend_after)

    with unit_of_work(sessions) as session:
        again = retention.purge(session, today, 365)
    assert again.reports == 0
    assert _count(sessions, AuditEntry, AuditEntry.action == retention.ACTION) == 1  # nothing deleted, no entry

    # once the rolling year ending March 2026 is built, April and May go too
    with unit_of_work(sessions) as session:
        releases.build_due_releases(session, dt.date(2026, 4, 20), POLICY, ORGS)
    with unit_of_work(sessions) as session:
        assert retention.purge(session, today, 365).reports == before["q2"]
    assert _count(sessions, Report, Report.submitted_week < dt.date(2025, 6, 1)) == 0
    assert _count(sessions, Report, Report.submitted_week >= dt.date(2025, 6, 1)) > 0


def test_the_relay_queues_the_release_job_on_its_own_queue_once_an_interval(
    settings_for, sessions_for, machine_redis, monkeypatch
):
    sessions_for("analytics")  # the database exists
    monkeypatch.setenv("PORTAL_ANALYTICS_RELEASE_BUILD_INTERVAL", "3600")
    settings = settings_for("analytics", "relay")
    assert settings.release_build_interval == 3600
    relay = AnalyticsRelay.build(settings, registry.routing())
    client = redis.Redis.from_url(machine_redis)
    try:
        relay.tick(0.0)
        relay.tick(settings.release_check_interval + 1)  # announcement checked again, no new job
    finally:
        relay.sessions.kw["bind"].dispose()
    assert client.llen(jobs.QUEUE) == 1  # the job waits for the analytics-jobs worker
    assert client.llen("analytics.events") == 0  # never on the events' queue

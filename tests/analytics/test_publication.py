"""A release is announced to intake once, on or after the day leads can see it, with an
audit entry; the relay checks for due releases and publishes its outbox."""

from __future__ import annotations

import datetime as dt

import redis
from sqlalchemy import select

from portal_common.db import unit_of_work
from portal_ops import registry
from services.analytics.models import AuditEntry, Outbox, Release
from services.analytics.publication import publish_due_releases
from services.analytics.relay import AnalyticsRelay


def _release(session, kind: str, starts_on: dt.date, ends_on: dt.date, publish_on: dt.date) -> Release:
    release = Release(
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        publish_on=publish_on,
        built_on=ends_on,
        k=10,
        rounding=5,
        cells=0,
        suppressed=0,
        method="test",
    )
    session.add(release)
    session.flush()
    return release


def _announced(session) -> list[tuple[str, str, str]]:
    rows = session.scalars(select(Outbox).where(Outbox.event_type == "release.published").order_by(Outbox.seq))
    return [
        (r.message["payload"]["kind"], r.message["payload"]["starts_on"], r.message["payload"]["ends_on"]) for r in rows
    ]


def test_each_release_is_announced_once_when_its_publication_date_comes(sessions_for):
    sessions = sessions_for("analytics")
    with unit_of_work(sessions) as session:
        _release(session, "quarter", dt.date(2026, 7, 1), dt.date(2026, 9, 30), dt.date(2026, 10, 21))
        _release(session, "rolling_year", dt.date(2025, 10, 1), dt.date(2026, 9, 30), dt.date(2026, 10, 21))
        _release(session, "quarter", dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 20))

    with unit_of_work(sessions) as session:
        assert publish_due_releases(session, dt.date(2026, 10, 20)) == []
    with unit_of_work(sessions) as session:
        due = publish_due_releases(session, dt.date(2026, 10, 21))
        assert [(r.kind, r.starts_on) for r in due] == [
            ("quarter", dt.date(2026, 7, 1)),
            ("rolling_year", dt.date(2025, 10, 1)),
        ]
    with unit_of_work(sessions) as session:
        assert publish_due_releases(session, dt.date(2026, 11, 1)) == []  # nothing twice
        assert _announced(session) == [
            ("quarter", "2026-07-01", "2026-09-30"),
            ("rolling_year", "2025-10-01", "2026-09-30"),
        ]
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.action, e.detail) for e in entries] == [
            ("release.published", "quarter 2026-07-01 to 2026-09-30, visible to leads from 2026-10-21"),
            ("release.published", "rolling year 2025-10-01 to 2026-09-30, visible to leads from 2026-10-21"),
        ]
        assert all(e.actor == "the portal (scheduled)" for e in entries)
    with unit_of_work(sessions) as session:
        [late] = publish_due_releases(session, dt.date(2027, 2, 1))  # a date passed while nobody checked
        assert (late.kind, late.starts_on) == ("quarter", dt.date(2026, 10, 1))


def test_the_relay_announces_a_due_release_and_sends_it_to_intake(settings_for, sessions_for, machine_redis):
    sessions = sessions_for("analytics")
    today = dt.datetime.now(dt.UTC).date()
    with unit_of_work(sessions) as session:
        _release(session, "quarter", dt.date(2026, 1, 1), dt.date(2026, 3, 31), today)
        _release(session, "quarter", dt.date(2026, 4, 1), dt.date(2026, 6, 30), today + dt.timedelta(days=1))
    relay = AnalyticsRelay.build(settings_for("analytics", "relay"), registry.routing())
    try:
        assert relay.tick(0.0) == 1
        assert relay.tick(1.0) == 0  # not due to check again yet, and nothing left to send
    finally:
        relay.sessions.kw["bind"].dispose()
    with unit_of_work(sessions) as session:
        [row] = session.scalars(select(Outbox)).all()
        assert row.sent and row.message is None
    assert redis.Redis.from_url(machine_redis).llen("intake.events") == 1

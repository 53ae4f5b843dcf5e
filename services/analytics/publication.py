"""Announcing releases: once a release's publication date has come, tell intake.

Leads see a release from its ``publish_on`` date. On or after that day
``publish_due_releases`` queues ``release.published`` (kind and period) in analytics'
outbox, once per release, and writes the audit log; intake then tells each reporter whose
report falls in that period that it was counted in a report to leads. The release job calls
it after building releases, and the relay checks again every
``PORTAL_ANALYTICS_RELEASE_CHECK_INTERVAL`` seconds, so a release built with a later
publication date is announced on the day it becomes visible.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_common.db import is_postgres
from portal_common.events import Event, derived_id, make_event
from portal_common.outbox import add_event

from . import audit
from .models import Outbox, Release, ReleaseAnnouncement

log = logging.getLogger("portal.analytics")


def release_event(release: Release) -> Event:
    """The release's announcement. Its id comes from the period, so announcing the same
    period twice (a rebuilt release) is applied once by every subscriber."""
    key = f"{release.kind}:{release.starts_on.isoformat()}:{release.ends_on.isoformat()}"
    return make_event(
        "release.published",
        {"kind": release.kind, "starts_on": release.starts_on, "ends_on": release.ends_on},
        "analytics",
        event_id=derived_id("release.published", key),
    )


def publish_due_releases(session: Session, today: dt.date) -> list[Release]:
    """Queue release.published for every release visible by ``today`` and not yet announced.

    Commits nothing: the caller's unit of work commits the announcements, their outbox
    events and audit entries together. Two callers at once on PostgreSQL skip each other's
    locked rows; on SQLite writes are serialised, and the primary key of
    ``release_announcements`` refuses a second announcement in any case.
    """
    announced = select(ReleaseAnnouncement.release_id)
    query = (
        select(Release)
        .where(Release.publish_on <= today, Release.id.not_in(announced))
        .order_by(Release.publish_on, Release.kind, Release.starts_on)
    )
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    due = list(session.scalars(query))
    for release in due:
        session.add(ReleaseAnnouncement(release_id=release.id, announced_on=today))
        add_event(session, Outbox, release_event(release))
        audit.record(
            session,
            audit.SYSTEM_ACTOR,
            "release.published",
            audit.release_target(release),
            f"{release.kind.replace('_', ' ')} {release.starts_on.isoformat()} to {release.ends_on.isoformat()}, "
            f"visible to leads from {release.publish_on.isoformat()}",
        )
    if due:
        session.flush()
        log.info("releases announced", extra={"count": len(due)})
    return due

"""Analytics' scheduled job: build every due release, announce those whose day has come, and
delete the report rows retention allows.

    celery -A portal_ops.workers:analytics worker -Q analytics.releases -c 1

It runs as its own Celery task on its own queue (``analytics.releases``), in a worker of its
own, so building a release (seconds to minutes) never holds up the events on
``analytics.events``. The relay queues it every ``PORTAL_ANALYTICS_RELEASE_BUILD_INTERVAL``
seconds (services/analytics/relay.py). It is idempotent (a release is built once; a built
quarter is skipped) and single-flight: a run holds a lock in Redis, and a run that finds the
lock taken does nothing. Each quarter is built and committed on its own, oldest first, so a
run cut short keeps what it finished.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import redis
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from portal_common.db import unit_of_work

from . import disclosure, releases, retention
from .models import QUARTER, Release
from .publication import publish_due_releases

log = logging.getLogger("portal.analytics")

QUEUE = "analytics.releases"
TASK = "analytics.release_job"
LOCK = "portal:analytics:release-job"


@dataclass
class Outcome:
    ran: bool = True  # False: another run held the lock
    built: list[str] = field(default_factory=list)  # "quarter:<start>" of each quarter built
    announced: int = 0
    purged: retention.Purged | None = None
    failed: str | None = None  # the quarter that could not be protected, if any


def next_due(session: Session, today: dt.date, policy: releases.ReleasePolicy) -> int | None:
    """The oldest quarter that is over (plus the grace period) and not built yet."""
    due = releases.due_quarters(session, today, policy)
    built = {
        releases.quarter_index(end) for end in session.scalars(select(Release.ends_on).where(Release.kind == QUARTER))
    }
    return next((q for q in due if q not in built), None)


def run(
    sessions: sessionmaker[Session],
    today: dt.date,
    policy: releases.ReleasePolicy,
    organisation_codes: Sequence[str],
    retention_days: int,
) -> Outcome:
    """One run, without the lock (``run_once`` takes it)."""
    outcome = Outcome()
    while True:
        with unit_of_work(sessions) as session:
            index = next_due(session, today, policy)
            if index is None:
                break
            try:
                releases.build_quarter(session, index, today, policy, organisation_codes)
            except disclosure.Unprotectable:
                # Never publish what cannot be protected. Later quarters need this one first,
                # so stop here; the next run tries again (an operator is told by the log).
                outcome.failed = releases.quarter_start(index).isoformat()
                log.error("release cannot be protected", extra={"quarter": outcome.failed})
                session.rollback()
                break
        outcome.built.append(releases.quarter_start(index).isoformat())
        log.info("release built", extra={"quarter": outcome.built[-1]})
    try:
        with unit_of_work(sessions) as session:
            outcome.announced = len(publish_due_releases(session, today))
    except IntegrityError:  # the relay announced the same release at the same moment
        log.info("release already announced elsewhere")
    with unit_of_work(sessions) as session:
        outcome.purged = retention.purge(session, today, retention_days)
    if outcome.purged.reports:
        log.info("report rows past retention deleted", extra={"count": outcome.purged.reports})
    return outcome


def run_once(client: redis.Redis, lock_seconds: int, *args, **kwargs) -> Outcome:
    """``run`` if no other run holds the lock; the lock expires after ``lock_seconds`` in case
    a worker dies holding it."""
    lock = client.lock(LOCK, timeout=lock_seconds, blocking=False)
    if not lock.acquire(blocking=False):
        log.info("release job already running elsewhere")
        return Outcome(ran=False)
    try:
        return run(*args, **kwargs)
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:  # it expired first: another run may hold it now
            log.warning("release job outlived its lock")

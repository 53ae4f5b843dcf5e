"""Analytics' part of ``portal-relay``: publish its outbox (actions, releases), announce
releases whose publication date has come (see publication.py), and queue the release job
(jobs.py) every ``PORTAL_ANALYTICS_RELEASE_BUILD_INTERVAL`` seconds."""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import IntegrityError

from portal_common.db import unit_of_work
from portal_common.messaging import TRANSIENT_ERRORS
from portal_common.models import today
from portal_common.outbox import OutboxRelay

from . import jobs
from .models import Outbox
from .publication import publish_due_releases

log = logging.getLogger("portal.analytics")


class AnalyticsRelay(OutboxRelay):
    outbox = Outbox
    last_job: float | None = None

    @property
    def chore_interval(self) -> float:
        return float(min(self.settings.release_check_interval, self.settings.release_build_interval))

    def chores(self) -> None:
        """Announce every release whose publication date has come; queue the release job when
        its interval has passed (the job itself runs in the worker on ``analytics.releases``)."""
        now = time.monotonic()
        interval = float(self.settings.release_build_interval)
        if self.last_job is None or now - self.last_job >= interval:
            try:
                # A job nobody picked up within the interval is dropped: the next one replaces it.
                self.publisher.app.send_task(jobs.TASK, queue=jobs.QUEUE, expires=interval)
                self.last_job = now
            except TRANSIENT_ERRORS as exc:
                log.warning("release job not queued", extra={"error": type(exc).__name__})
        try:
            with unit_of_work(self.sessions) as session:
                publish_due_releases(session, today())
        except IntegrityError:
            # The release job announced the same release at the same moment: it is announced.
            log.info("release already announced elsewhere")

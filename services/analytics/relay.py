"""Analytics' part of ``portal-relay``: publish its outbox (actions, releases) and announce
releases whose publication date has come (see publication.py)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from portal_common.db import unit_of_work
from portal_common.models import today
from portal_common.outbox import OutboxRelay

from .models import Outbox
from .publication import publish_due_releases

log = logging.getLogger("portal.analytics")


class AnalyticsRelay(OutboxRelay):
    outbox = Outbox

    @property
    def chore_interval(self) -> float:
        return float(self.settings.release_check_interval)

    def chores(self) -> None:
        """Announce every release whose publication date has come."""
        try:
            with unit_of_work(self.sessions) as session:
                publish_due_releases(session, today())
        except IntegrityError:
            # The release job announced the same release at the same moment: it is announced.
            log.info("release already announced elsewhere")

"""Analytics' part of ``portal-relay``: publish its outbox (actions, releases) and announce
releases whose publication date has come (see publication.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from portal_common.db import make_engine, make_session_factory, unit_of_work
from portal_common.messaging import Publisher, make_sender
from portal_common.models import today
from portal_common.outbox import purge_sent, relay_once
from portal_common.routing import Routing

from .models import Outbox
from .publication import publish_due_releases
from .settings import AnalyticsRelaySettings

log = logging.getLogger("portal.analytics")


@dataclass
class AnalyticsRelay:
    settings: AnalyticsRelaySettings
    routing: Routing
    sessions: sessionmaker[Session]
    publisher: Publisher
    last_check: float | None = None

    @classmethod
    def build(cls, settings: AnalyticsRelaySettings, routing: Routing) -> AnalyticsRelay:
        settings.require_redis()
        sessions = make_session_factory(make_engine(settings.database_url))
        return cls(settings, routing, sessions, Publisher(make_sender(settings), routing))

    @property
    def interval(self) -> float:
        return self.settings.relay_interval

    def tick(self, now: float) -> int:
        """One pass: announce due releases when a check is due, then the outbox. Returns events sent."""
        if self.last_check is None or now - self.last_check >= self.settings.release_check_interval:
            try:
                with unit_of_work(self.sessions) as session:
                    publish_due_releases(session, today())
            except IntegrityError:
                # The release job announced the same release at the same moment: it is announced.
                log.info("release already announced elsewhere")
            purge_sent(self.sessions, Outbox)
            self.last_check = now
        return relay_once(self.sessions, Outbox, self.publisher)

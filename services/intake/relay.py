"""Intake's part of ``portal-relay``: publish the outbox, and re-send what was never confirmed.

The outbox makes a report and its report.submitted event commit together; the relay sends
pending rows to the broker. Every ``resend_interval`` the sweep also queues, through the
same outbox, report.submitted again for reports still pending, report.redacted again
for consumers that have not confirmed, and report.training_consent_withdrawn again for
consumers that have not confirmed a withdrawal: this is how a Redis that lost its queues
recovers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from portal_common.db import make_engine, make_session_factory, unit_of_work
from portal_common.messaging import Publisher, make_sender
from portal_common.outbox import purge_sent, relay_once
from portal_common.routing import Routing

from .models import Outbox
from .operations import purge_sent_drafts, sweep_unconfirmed, sweep_unconfirmed_withdrawals
from .settings import IntakeRelaySettings


@dataclass
class IntakeRelay:
    settings: IntakeRelaySettings
    routing: Routing
    sessions: sessionmaker[Session]
    publisher: Publisher
    last_sweep: float | None = None

    @classmethod
    def build(cls, settings: IntakeRelaySettings, routing: Routing) -> IntakeRelay:
        settings.require_redis()
        sessions = make_session_factory(make_engine(settings.database_url))
        return cls(settings, routing, sessions, Publisher(make_sender(settings), routing))

    @property
    def interval(self) -> float:
        return self.settings.relay_interval

    def tick(self, now: float) -> int:
        """One pass: the sweep when it is due, then the outbox. Returns events sent."""
        if self.last_sweep is None or now - self.last_sweep >= self.settings.resend_interval:
            with unit_of_work(self.sessions) as session:
                sweep_unconfirmed(session, self.routing.confirmers_of("report.redacted"))
                sweep_unconfirmed_withdrawals(session, self.routing.confirmers_of("report.training_consent_withdrawn"))
                purge_sent_drafts(session)
            purge_sent(self.sessions, Outbox)
            self.last_sweep = now
        return relay_once(self.sessions, Outbox, self.publisher)

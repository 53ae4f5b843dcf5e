"""Intake's part of ``portal-relay``: publish the outbox, and re-send what was never confirmed.

The outbox makes a report and its report.submitted event commit together; the relay sends
pending rows to the broker. Every ``resend_interval`` the sweep also queues, through the
same outbox, report.submitted again for reports still pending, report.redacted again
for consumers that have not confirmed, and report.training_consent_withdrawn again for
consumers that have not confirmed a withdrawal: this is how a Redis that lost its queues
recovers.
"""

from __future__ import annotations

from portal_common.db import unit_of_work
from portal_common.outbox import OutboxRelay

from .models import Outbox
from .operations import purge_sent_drafts, sweep_unconfirmed, sweep_unconfirmed_withdrawals


class IntakeRelay(OutboxRelay):
    outbox = Outbox

    @property
    def chore_interval(self) -> float:
        return float(self.settings.resend_interval)

    def chores(self) -> None:
        """The sweep: re-send what was never confirmed, and drop drafts already sent."""
        with unit_of_work(self.sessions) as session:
            sweep_unconfirmed(session, self.routing.confirmers_of("report.redacted"))
            sweep_unconfirmed_withdrawals(session, self.routing.confirmers_of("report.training_consent_withdrawn"))
            purge_sent_drafts(session)

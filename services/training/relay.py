"""Training's part of ``portal-relay``: publish its outbox (case.published, case.withdrawn) and,
every ``PORTAL_TRAINING_EXPIRY_CHECK_INTERVAL`` seconds, delete case candidates (and case
studies made from them) that nobody published within ``PORTAL_TRAINING_CANDIDATE_DAYS``."""

from __future__ import annotations

import logging

from portal_common.db import unit_of_work
from portal_common.models import today
from portal_common.outbox import OutboxRelay

from .cases import expire
from .models import Outbox

log = logging.getLogger("portal.training")


class TrainingRelay(OutboxRelay):
    outbox = Outbox

    @property
    def chore_interval(self) -> float:
        return float(self.settings.expiry_check_interval)

    def chores(self) -> None:
        with unit_of_work(self.sessions) as session:
            candidates, studies = expire(session, today(), int(self.settings.candidate_days))
        if candidates or studies:
            log.info("case candidates expired", extra={"count": candidates + studies})

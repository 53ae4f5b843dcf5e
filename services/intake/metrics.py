"""How far behind intake's confirmations are, for the relay's metrics (portal_ops/metrics.py).

Intake keeps no time finer than the day a report was sent (ADR 0004). What it does keep is
a count of the re-send sweeps that found each report unconfirmed: a report that needed
``resend_count`` re-sends was seen unconfirmed by two sweeps for each (one to notice it, one
to send it again), plus ``unconfirmed_sweeps`` since. Sweeps are the resend interval apart
(or further: none runs while the outbox has a backlog), so that count times the interval
is a lower bound of how long the report has waited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from portal_common.db import unit_of_work
from portal_common.models import today

from .models import PENDING, REDACTED, Submission


@dataclass(frozen=True)
class Unconfirmed:
    count: int  # reports some consumer has not confirmed (pending or redacted)
    oldest_sweeps: int  # the most sweeps any of them has been seen unconfirmed
    oldest_seconds: float  # oldest_sweeps x the resend interval: a lower bound
    oldest_days: int  # whole days since the earliest of them was sent


def unconfirmed_summary(sessions: sessionmaker[Session], resend_interval: float) -> Unconfirmed:
    waiting = Submission.status.in_((PENDING, REDACTED))
    sweeps = Submission.resend_count * 2 + Submission.unconfirmed_sweeps
    with unit_of_work(sessions) as session:
        count, most_sweeps, earliest = session.execute(
            select(func.count(), func.max(sweeps), func.min(Submission.submitted_on)).where(waiting)
        ).one()
    most = int(most_sweeps or 0)
    days = (today() - earliest).days if earliest is not None else 0
    return Unconfirmed(int(count or 0), most, most * resend_interval, max(days, 0))

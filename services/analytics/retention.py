"""Retention: per-report rows go once every release that counts them is built.

A report of quarter q is counted by the quarter's own release and by the four rolling years
ending with quarters q to q + 3. Once all five are built (final: a release is never rebuilt),
its row is no longer needed: later windows read those releases' published figures, never
the rows behind them. So ``purge`` deletes the reports (and the themes of their follow-up
notes) sent more than ``PORTAL_ANALYTICS_RETENTION_DAYS`` ago whose five releases exist, and
leaves every other row alone however old it is. Only the protected releases remain, and the
year-on-year trend the dashboards draw from them survives the wipe. Each run that deletes
anything writes one audit entry (``SYSTEM_ACTOR``, how many rows, which quarters).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from . import audit
from .models import QUARTER, ROLLING_YEAR, FollowUp, Release, Report
from .releases import quarter_end, quarter_index, quarter_start

ACTION = "retention.deleted"


@dataclass(frozen=True)
class Purged:
    reports: int
    follow_ups: int
    quarters: list[int]  # quarter indexes whose rows went


def final(session: Session, index: int) -> bool:
    """Is every release that counts quarter ``index`` built?"""
    ends = {quarter_end(q) for q in range(index, index + 4)}
    built = {
        (kind, end)
        for kind, end in session.execute(select(Release.kind, Release.ends_on).where(Release.ends_on.in_(ends)))
    }
    return (QUARTER, quarter_end(index)) in built and all((ROLLING_YEAR, end) in built for end in ends)


def purge(session: Session, today: dt.date, retention_days: int) -> Purged:
    """Delete the rows older than ``retention_days`` whose releases are all built; commits
    nothing (the caller's unit of work commits the deletion and its audit entry together)."""
    cutoff = today - dt.timedelta(days=retention_days)
    oldest = session.scalar(select(func.min(Report.submitted_week)).where(Report.submitted_week < cutoff))
    if oldest is None:
        return Purged(0, 0, [])
    quarters: list[int] = []
    reports = notes = 0
    for index in range(quarter_index(oldest), quarter_index(cutoff) + 1):
        if not final(session, index):
            continue
        first, last = quarter_start(index), min(quarter_end(index), cutoff - dt.timedelta(days=1))
        in_quarter = select(Report.id).where(Report.submitted_week >= first, Report.submitted_week <= last)
        dropped = session.execute(delete(FollowUp).where(FollowUp.report_id.in_(in_quarter)))
        notes += dropped.rowcount or 0  # type: ignore[attr-defined]
        deleted = session.execute(delete(Report).where(Report.submitted_week >= first, Report.submitted_week <= last))
        gone = deleted.rowcount or 0  # type: ignore[attr-defined]
        if gone:
            reports += gone
            quarters.append(index)
    if reports:
        audit.record(
            session,
            audit.SYSTEM_ACTOR,
            ACTION,
            "reports",
            f"{reports} report rows and {notes} follow-up rows older than {retention_days} days deleted "
            f"(sent {', '.join(_label(q) for q in quarters)}); their releases are built and stay",
        )
    return Purged(reports, notes, quarters)


def _label(index: int) -> str:
    start = quarter_start(index)
    return f"{start.strftime('%b')} to {quarter_end(index).strftime('%b %Y')}"

"""Analytics' use cases."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_common.events import DETAIL_FIELDS, Event

from .models import FollowUp, Report


def store_redacted(session: Session, event: Event) -> None:
    """Keep a report's coded answers and themes; its redacted text is not stored here."""
    payload = event.payload
    report_id = str(payload["report_id"])
    if session.get(Report, report_id) is not None:
        return
    details = payload["details"]
    session.add(
        Report(
            id=report_id,
            submitted_week=payload["submitted_week"],
            themes=list(payload["themes"]),
            organisation=details.get("organisation"),
            **{key: details.get(key) for key in DETAIL_FIELDS},
        )
    )


def store_follow_up(session: Session, event: Event) -> None:
    payload = event.payload
    follow_up_id = str(payload["followup_id"])
    if session.get(FollowUp, follow_up_id) is not None:
        return
    session.add(
        FollowUp(
            id=follow_up_id,
            report_id=str(payload["report_id"]),
            added_week=payload["added_week"],
            themes=list(payload["themes"]),
        )
    )


def report_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Report)) or 0

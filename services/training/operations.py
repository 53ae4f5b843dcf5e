"""Training's use cases."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_common.events import Event

from .models import CANDIDATE, CaseCandidate, CaseFollowUp


def add_candidate(session: Session, event: Event) -> None:
    payload = event.payload
    report_id = str(payload["report_id"])
    if session.get(CaseCandidate, report_id) is not None:
        return
    session.add(
        CaseCandidate(
            report_id=report_id,
            redacted_text=payload["redacted_text"],
            themes=list(payload["themes"]),
            characteristics=list(payload["details"].get("characteristics") or []),
            setting=payload["details"].get("setting"),
            risk_score=payload["risk"]["score"],
            needs_review=payload["risk"]["needs_review"],
            status=CANDIDATE,
        )
    )


def add_follow_up(session: Session, event: Event) -> None:
    payload = event.payload
    follow_up_id = str(payload["followup_id"])
    if session.get(CaseFollowUp, follow_up_id) is not None:
        return
    session.add(
        CaseFollowUp(
            id=follow_up_id,
            report_id=str(payload["report_id"]),
            redacted_text=payload["redacted_text"],
            themes=list(payload["themes"]),
            needs_review=payload["risk"]["needs_review"],
        )
    )


def candidate_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CaseCandidate)) or 0

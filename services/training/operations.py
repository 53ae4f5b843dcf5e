"""Training's use cases.

Training keeps a report, and the notes added to it, only when its reporter agreed that an
anonymised version may be used as a training example (``training_consent`` in the event).
Everything else is confirmed (see the registry) but not stored: not even its id.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal_common.events import Event
from portal_common.models import today

from . import audit, cases
from .models import CANDIDATE, CaseCandidate, CaseFollowUp, CaseStudy, ConsentWithdrawal

# Every table holding something derived from a report, each with a ``report_id`` column.
# A model made from a report later (a case study, a training aid quoting it) is added here,
# so a withdrawal deletes it too: delete_training_material reads this list and nothing else.
DERIVED_FROM_REPORT: tuple[type, ...] = (CaseStudy, CaseFollowUp, CaseCandidate)


def _may_keep(session: Session, event: Event) -> bool:
    """The reporter agreed, and has not withdrawn since (a withdrawal can overtake the report)."""
    payload = event.payload
    if not payload.get("training_consent"):
        return False
    return session.get(ConsentWithdrawal, str(payload["report_id"])) is None


def add_candidate(session: Session, event: Event) -> None:
    payload = event.payload
    report_id = str(payload["report_id"])
    if not _may_keep(session, event) or session.get(CaseCandidate, report_id) is not None:
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
            ref=cases.new_ref(),
            received_on=cases.week_of(today()),
        )
    )


def add_follow_up(session: Session, event: Event) -> None:
    """A note joins the pool only when its report may be kept (intake says so in the event)."""
    payload = event.payload
    follow_up_id = str(payload["followup_id"])
    if not _may_keep(session, event) or session.get(CaseFollowUp, follow_up_id) is not None:
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


def withdraw_consent(session: Session, event: Event) -> None:
    """report.training_consent_withdrawn: delete everything held from the report (its candidate,
    notes and case studies, published or not), and remember the withdrawal so that nothing of it
    is taken in again. Idempotent."""
    report_id = str(event.payload["report_id"])
    if session.get(ConsentWithdrawal, report_id) is None:
        session.add(ConsentWithdrawal(report_id=report_id))
    # A published case leaves the library: intake hears of it (case.withdrawn) to update the receipt.
    cases.withdraw_published(session, report_id)
    deleted = delete_training_material(session, report_id)
    if deleted:
        audit.record(session, audit.SYSTEM_ACTOR, "consent.withdrawn", "a reporter's material",
                     f"{deleted} items deleted (candidate, notes, case studies)")


def delete_training_material(session: Session, report_id: str) -> int:
    """Delete every row derived from one report (DERIVED_FROM_REPORT); returns how many."""
    deleted = 0
    for model in DERIVED_FROM_REPORT:
        result = session.execute(delete(model).where(model.report_id == report_id))  # type: ignore[attr-defined]
        deleted += result.rowcount or 0  # type: ignore[attr-defined]
    return deleted


def candidate_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CaseCandidate)) or 0

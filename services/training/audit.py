"""Training's audit log: every approval, publication, withdrawal and deletion of a case,
every export of learner figures, and every change to cohorts and the resource library.

``record`` adds an entry in the caller's unit of work (see portal_common.audit). Targets
and details are written by the portal (a cohort's name, a case's number, a file's name),
never a learner key and never anything a report said.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal_common.audit import SYSTEM_ACTOR, add_entry, minute_now, minute_text  # noqa: F401 (re-exported)

from .models import AuditEntry

# What each kind of entry is called on the audit page; a kind not listed shows its code.
ACTION_NAMES: dict[str, str] = {
    "export_confidence_csv": "Downloaded the confidence figures (CSV)",
    "export_confidence_xlsx": "Downloaded the confidence figures (XLSX)",
    "download_evaluation_pdf": "Downloaded the programme evaluation report (PDF)",
    "add_programme_cost": "Added a programme cost",
    "delete_programme_cost": "Deleted a programme cost",
    "resource_added": "Resource added",
    "resource_changed": "Resource changed",
    "resource_deleted": "Resource deleted",
    "contact_added": "Local contact added",
    "contact_changed": "Local contact changed",
    "contact_deleted": "Local contact deleted",
    "xapi_exported": "xAPI statements exported",
    "cohort.created": "Cohort created",
    "cohort.changed": "Cohort renamed or moved to another organisation",
    "cohort.closed": "Cohort closed",
    "cohort.journey_added": "Programme journey added to a cohort",
    "session.created": "Cohort session added",
    "session.deleted": "Cohort session deleted",
    "notes.deleted": "Action learning notes deleted",
    "case.cleared": "Cleared a case candidate for trainers",
    "case.rejected": "Rejected and deleted a case candidate",
    "case.drafted": "Started a case study",
    "case.edited": "Changed a draft case study",
    "case.masked": "Took the redactor's version of a case study",
    "case.submitted": "Submitted a case study for approval",
    "case.returned": "Sent a case study back to its author",
    "case.approved": "Approved a case study",
    "case.published": "Published a case study to the library",
    "case.withdrawn": "Removed a published case (consent withdrawn)",
    "case.removed": "Took a published case out of the library",
    "session.case_added": "Put a published case down for a cohort session",
    "session.case_removed": "Took a case off a cohort session",
    "session.cases_printed": "Downloaded a session's cases for discussion (PDF)",
    "consent.withdrawn": "Deleted a reporter's material (consent withdrawn)",
    "case.expired": "Deleted case candidates nobody published in time",
}


def record(
    session: Session, actor: str, action: str, target: str, detail: str | None = None, *, minute: int | None = None
) -> AuditEntry:
    return add_entry(session, AuditEntry, actor, action, target, detail, minute=minute)

"""The analytics audit log: who did what to which release, action, target or upload, to the minute.

Every export of a release, every step of a "you said, we did" action (drafted, edited,
submitted, returned to draft, approved, published, withdrawn), every reduction target set,
changed or deleted, every staff survey or WRES upload and its deletion, and every release
announced to intake is written here by one function, ``record``, in the caller's unit of
work: the entry is committed with the change it records or not at all, so the log can
neither miss a change nor record one that was rolled back (an export whose entry cannot be
written is not served). Times are kept to the minute; the actor is the member of staff as
their sign-in names them (email address, else name or subject), or ``SYSTEM_ACTOR`` for
what the portal does on its own schedule. Targets (``release:<id>``, ``action:<id>``,
``target <id>``, ``upload <id>``) and details are written by the portal (a scope's name,
an action's title, what a reduction target aims at, an uploaded file's name and summary),
never anything a report said. Leads and administrators read the log at ``/audit``
(``audit_pages``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_common.audit import SYSTEM_ACTOR, add_entry, minute_now, minute_text  # noqa: F401 (re-exported)

from .models import Action, AuditEntry, Release
from .published import period_label

PAGE_SIZE = 50
RELEASE_TARGET = "release:"
ACTION_TARGET = "action:"

# What each kind of entry is called on the audit page; a kind this table does not know is
# shown by its code.
ACTION_NAMES = {
    "export_pdf": "Downloaded the steering-group report (PDF)",
    "export_xlsx": "Downloaded the workbook (XLSX)",
    "export_csv": "Downloaded the tidy data (CSV)",
    "action.drafted": "Drafted an action",
    "action.edited": "Changed a draft action",
    "action.submitted": "Submitted an action for approval",
    "action.returned_to_draft": "Returned an action to draft",
    "action.approved": "Approved an action",
    "action.published": "Published an action",
    "action.withdrawn": "Withdrew an action",
    "release.published": "Release became visible to leads",
    "retention.deleted": "Deleted report rows past retention (their releases stay)",
    "target.created": "Set a reduction target",
    "target.changed": "Changed a reduction target",
    "target.deleted": "Deleted a reduction target",
    "benchmark.uploaded": "Uploaded staff survey or WRES figures",
    "benchmark.deleted": "Deleted uploaded staff survey or WRES figures",
}


def release_target(release: Release) -> str:
    return f"{RELEASE_TARGET}{release.id}"


def action_target(action: Action) -> str:
    return f"{ACTION_TARGET}{action.id}"


def record(
    session: Session, actor: str, action: str, target: str, detail: str | None = None, *, minute: int | None = None
) -> AuditEntry:
    """Add one entry; it is written when the caller's unit of work flushes or commits.

    ``minute`` (minutes since the epoch) defaults to now; a web request passes its sign-in
    clock's minute. An entry must name who acted: ``SYSTEM_ACTOR`` for the portal itself.
    """
    return add_entry(session, AuditEntry, actor, action, target, detail, minute=minute)


@dataclass(frozen=True)
class Line:
    """One entry as the audit page shows it."""

    when: str
    actor: str
    action: str
    target: str
    detail: str


@dataclass(frozen=True)
class Page:
    lines: list[Line]
    total: int
    page: int
    pages: int
    actions: list[tuple[str, str]]  # (code, name) of every kind of entry the log holds, for the filter


def read(session: Session, action: str = "", page: int = 1) -> Page:
    """Entries newest first, PAGE_SIZE at a time, optionally of one kind only (an unknown
    kind shows every entry)."""
    codes = sorted(session.scalars(select(AuditEntry.action).distinct()))
    query, counter = select(AuditEntry), select(func.count()).select_from(AuditEntry)
    if action in codes:
        query, counter = query.where(AuditEntry.action == action), counter.where(AuditEntry.action == action)
    total = session.scalar(counter) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = max(1, min(page, pages))
    entries = session.scalars(
        query.order_by(AuditEntry.at_minute.desc(), AuditEntry.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    release_ids = {int(i) for i in _ids(entries, RELEASE_TARGET) if i.isdigit()}
    periods = (
        {r.id: period_label(r) for r in session.scalars(select(Release).where(Release.id.in_(release_ids)))}
        if release_ids
        else {}
    )
    action_ids = _ids(entries, ACTION_TARGET)
    titles = (
        {a.id: a.title for a in session.scalars(select(Action).where(Action.id.in_(action_ids)))} if action_ids else {}
    )
    lines = [
        Line(
            minute_text(e.at_minute),
            e.actor,
            ACTION_NAMES.get(e.action, e.action),
            _target_text(e.target, periods, titles),
            e.detail or "",
        )
        for e in entries
    ]
    return Page(lines, total, page, pages, [(code, ACTION_NAMES.get(code, code)) for code in codes])


def _ids(entries: Sequence[AuditEntry], prefix: str) -> set[str]:
    return {e.target.removeprefix(prefix) for e in entries if e.target.startswith(prefix)}


def _target_text(target: str, periods: dict[int, str], titles: dict[str, str]) -> str:
    """A release by its number and period, an action by its title now; anything else as written."""
    if target.startswith(RELEASE_TARGET) and target.removeprefix(RELEASE_TARGET).isdigit():
        number = int(target.removeprefix(RELEASE_TARGET))
        return f"Release {number} ({periods[number]})" if number in periods else f"Release {number}"
    if target.startswith(ACTION_TARGET):
        found = titles.get(target.removeprefix(ACTION_TARGET))
        return f"Action: {found}" if found else "Action (no longer held)"
    return target

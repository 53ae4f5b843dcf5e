"""The analytics audit log: who exported (or otherwise acted on) which release, and when.

An entry is added in the caller's unit of work, so it is committed with what it records or
not at all. Times are kept to the minute; the actor is the member of staff as their sign-in
names them (email address, else subject). Targets and details are written by the portal
(``release:<id>``, a scope's name), never anything a report said.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import AuditEntry, Release
from .published import period_label

PAGE_SIZE = 50
RELEASE_TARGET = "release:"

# What each action is called on the audit page; an action another part of analytics writes
# and this table does not know is shown by its code.
ACTION_NAMES = {
    "export_pdf": "Downloaded the steering-group report (PDF)",
    "export_xlsx": "Downloaded the workbook (XLSX)",
    "export_csv": "Downloaded the tidy data (CSV)",
}


def minute_text(minute: int) -> str:
    return dt.datetime.fromtimestamp(minute * 60, dt.UTC).strftime("%-d %B %Y, %H:%M UTC")


def release_target(release: Release) -> str:
    return f"{RELEASE_TARGET}{release.id}"


def record(
    session: Session, actor: str, action: str, target: str, detail: str | None = None, *, minute: int
) -> AuditEntry:
    """Add one entry; it is written when the caller's unit of work flushes or commits."""
    if not actor:
        raise ValueError("an audit entry needs someone to name")
    entry = AuditEntry(
        at_minute=minute,
        actor=actor[:320],
        action=action[:40],
        target=target[:200],
        detail=detail[:300] if detail else None,
    )
    session.add(entry)
    return entry


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
    actions: list[tuple[str, str]]  # (code, name) of every action the log holds, for the filter


def read(session: Session, action: str = "", page: int = 1) -> Page:
    """Entries newest first, PAGE_SIZE at a time, optionally of one action only."""
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
    release_ids = {int(t) for t in (e.target.removeprefix(RELEASE_TARGET) for e in entries) if t.isdigit()}
    periods = (
        {r.id: period_label(r) for r in session.scalars(select(Release).where(Release.id.in_(release_ids)))}
        if release_ids
        else {}
    )
    lines = [
        Line(
            minute_text(e.at_minute),
            e.actor,
            ACTION_NAMES.get(e.action, e.action),
            _target_text(e.target, periods),
            e.detail or "",
        )
        for e in entries
    ]
    return Page(lines, total, page, pages, [(code, ACTION_NAMES.get(code, code)) for code in codes])


def _target_text(target: str, periods: dict[int, str]) -> str:
    if target.startswith(RELEASE_TARGET) and target.removeprefix(RELEASE_TARGET).isdigit():
        number = int(target.removeprefix(RELEASE_TARGET))
        return f"Release {number} ({periods[number]})" if number in periods else f"Release {number}"
    return target

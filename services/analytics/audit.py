"""The analytics audit log: who did what to which release or action, to the minute.

Every export, approval, publication, withdrawal and deletion is written here in the same
transaction as the change itself, so the log cannot miss a change nor record one that was
rolled back. Leads and administrators read it (``audit_pages``). Targets and details are
written by the portal (an action's title, a release's period), never a report's text.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import AuditEntry

SYSTEM_ACTOR = "the portal (scheduled)"  # what did something no person asked for at that moment
PAGE_SIZE = 50


def minute_now(clock: Callable[[], float] = time.time) -> int:
    return int(clock() // 60)


def minute_text(minute: int) -> str:
    return dt.datetime.fromtimestamp(minute * 60, dt.UTC).strftime("%-d %B %Y, %H:%M UTC")


def record(
    session: Session, actor: str, action: str, target: str, detail: str | None = None, *, minute: int | None = None
) -> AuditEntry:
    """Add one entry to the log (committed with the caller's unit of work)."""
    entry = AuditEntry(
        at_minute=minute_now() if minute is None else minute,
        actor=actor[:320] or SYSTEM_ACTOR,
        action=action[:40],
        target=target[:200],
        detail=detail[:300] if detail else None,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class Page:
    entries: list[AuditEntry]
    total: int
    page: int
    pages: int
    actions: list[str]  # every action the log holds, for the filter


def read(session: Session, action: str = "", page: int = 1) -> Page:
    """Newest first, ``PAGE_SIZE`` at a time, optionally only one kind of action."""
    actions = sorted(session.scalars(select(AuditEntry.action).distinct()))
    if action not in actions:
        action = ""
    query = select(AuditEntry)
    counter = select(func.count()).select_from(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
        counter = counter.where(AuditEntry.action == action)
    total = session.scalar(counter) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = max(1, min(page, pages))
    entries = list(
        session.scalars(query.order_by(AuditEntry.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    )
    return Page(entries, total, page, pages, actions)

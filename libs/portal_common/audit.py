"""Writing an audit entry, shared by every service that keeps an audit log.

A service keeps its own ``audit_log`` table (``models.AuditEntryMixin``) and its own list of
what each kind of entry is called; this module only builds the row, in the caller's unit of
work, so an entry is committed with the change it records or not at all.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

Entry = TypeVar("Entry")

SYSTEM_ACTOR = "the portal (scheduled)"  # what did something no person asked for at that moment


def minute_now(clock: Callable[[], float] = time.time) -> int:
    return int(clock() // 60)


def minute_text(minute: int) -> str:
    return dt.datetime.fromtimestamp(minute * 60, dt.UTC).strftime("%-d %B %Y, %H:%M UTC")


def add_entry(
    session: Session,
    model: Callable[..., Entry],
    actor: str,
    action: str,
    target: str,
    detail: str | None = None,
    *,
    minute: int | None = None,
) -> Entry:
    """Add one entry of ``model``; it is written when the caller's unit of work flushes.

    An entry must name who acted: ``SYSTEM_ACTOR`` for the portal itself.
    """
    if not actor:
        raise ValueError("an audit entry needs someone to name")
    entry = model(
        at_minute=minute_now() if minute is None else minute,
        actor=actor[:320],
        action=action[:40],
        target=target[:200],
        detail=detail[:300] if detail else None,
    )
    session.add(entry)
    return entry

"""Tables every service has in its own database: outbox, inbox and dead letters.

A service declares them on its own base::

    class Outbox(OutboxMixin, Base): pass

No column holds an exact time: ordering comes from sequence numbers, and the only date
kept is the Monday of the week.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def this_week() -> dt.date:
    """The Monday of the current week: the date every messaging table keeps.

    An inbox row names the event (and through it the report); a finer date beside it
    would tell a service the day a report arrived, which only intake may know.
    """
    day = today()
    return day - dt.timedelta(days=day.weekday())


class OutboxMixin:
    """Events written in the same transaction as the business change, published by the relay."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    # The message, removed once sent so no ciphertext outlives its delivery.
    message: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # Subscribing services to deliver to; null means every subscriber.
    targets: Mapped[list | None] = mapped_column(JSON, nullable=True)
    sent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)
    created_on: Mapped[dt.date] = mapped_column(Date, nullable=False, default=this_week)  # a Monday


class InboxMixin:
    """Ids of events already applied; written in the same transaction as the effect."""

    __tablename__ = "inbox"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    applied_on: Mapped[dt.date] = mapped_column(Date, nullable=False, default=this_week)  # a Monday


class DeadLetterMixin:
    """Messages that kept failing, kept for an operator to inspect and replay.

    ``error`` holds the exception class and a message we wrote ourselves, never the text
    of an exception raised from user input.
    """

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    event_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    task_name: Mapped[str] = mapped_column(String(128), nullable=False)
    message: Mapped[dict | list | str | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str] = mapped_column(Text, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    failed_on: Mapped[dt.date] = mapped_column(Date, nullable=False, default=this_week)  # a Monday
    replayed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class AuditEntryMixin:
    """Who did what to what, to the minute: exports, approvals, publications, deletions.

    Staff are named (they act in their role); the time is kept to the minute, like accounts.
    Targets and details are written by the portal, never anything a report said.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at_minute: Mapped[int] = mapped_column(Integer, nullable=False, index=True)  # minutes since the epoch
    actor: Mapped[str] = mapped_column(String(320), nullable=False)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    target: Mapped[str] = mapped_column(String(200), nullable=False)
    detail: Mapped[str | None] = mapped_column(String(300))


class StaffSessionMixin:
    """A signed-in member of staff's session on one relying party (docs/adr/0009).

    The browser's cookie holds a random token; the row's id is the token's SHA-256, so a
    copy of the table cannot be replayed as a cookie. Tokens from the identity provider
    are encrypted (see ``signin``). Times are whole minutes since 1970, never finer, and
    nothing here refers to a report.
    """

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie's token
    subject: Mapped[str] = mapped_column(String(255), nullable=False, index=True)  # the provider's `sub`
    display_name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(320), nullable=False, default="")
    roles: Mapped[str] = mapped_column(Text, nullable=False, default="")  # space-separated role codes
    lead_scope: Mapped[str | None] = mapped_column(String(64), nullable=True)
    amr: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # space-separated methods
    access_token: Mapped[str | None] = mapped_column(Text, nullable=True)  # Fernet ciphertext
    id_token: Mapped[str | None] = mapped_column(Text, nullable=True)  # Fernet ciphertext
    provider_sid: Mapped[str | None] = mapped_column(String(255), nullable=True)
    started_minute: Mapped[int] = mapped_column(Integer, nullable=False)
    seen_minute: Mapped[int] = mapped_column(Integer, nullable=False)
    ended: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)

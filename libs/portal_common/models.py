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

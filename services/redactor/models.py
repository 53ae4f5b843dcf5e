"""The redactor keeps no reports: its database holds only dead letters (and, for
symmetry with the other services, empty inbox and outbox tables)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from portal_common.models import DeadLetterMixin, InboxMixin, OutboxMixin


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass


class DeadLetter(DeadLetterMixin, Base):
    pass

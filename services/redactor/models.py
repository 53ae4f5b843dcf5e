"""The redactor keeps no reports: its database holds only dead letters (and an inbox
table the batch task does not need, kept so every consumer has the same shape)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from portal_common.models import DeadLetterMixin, InboxMixin


class Base(DeclarativeBase):
    pass


class Inbox(InboxMixin, Base):
    pass


class DeadLetter(DeadLetterMixin, Base):
    pass

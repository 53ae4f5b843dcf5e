"""Analytics' own tables: redacted reports, as received from the redactor."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, Float, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal_common.models import DeadLetterMixin, InboxMixin, StaffSessionMixin


class Base(DeclarativeBase):
    pass


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the report id, not a person
    submitted_week: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    experience: Mapped[str | None] = mapped_column(String(32))
    characteristics: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    sources: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    setting: Mapped[str | None] = mapped_column(String(32))
    staff_group: Mapped[str | None] = mapped_column(String(32))
    internationally_recruited: Mapped[str | None] = mapped_column(String(32))
    occurred_month: Mapped[str | None] = mapped_column(String(7))
    impact: Mapped[str | None] = mapped_column(String(32))
    raised_formally: Mapped[str | None] = mapped_column(String(32))
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    entity_counts: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    redacted_text: Mapped[str] = mapped_column(Text, nullable=False)
    redacted_help: Mapped[str | None] = mapped_column(Text)
    risk_score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    needs_review: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class FollowUp(Base):
    """A later note its reporter added to a report, already redacted."""

    __tablename__ = "follow_ups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    added_week: Mapped[dt.date] = mapped_column(Date, nullable=False)
    redacted_text: Mapped[str] = mapped_column(Text, nullable=False)
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    needs_review: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Inbox(InboxMixin, Base):
    pass


class DeadLetter(DeadLetterMixin, Base):
    pass


class StaffSession(StaffSessionMixin, Base):
    """A signed-in member of staff (never linked to any report)."""

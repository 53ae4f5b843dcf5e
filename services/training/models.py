"""Training's own tables: the pool of redacted reports that may become training cases.

Only reports whose reporter agreed to training use are kept, with their notes; a
withdrawal deletes them (operations.delete_training_material)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal_common.models import DeadLetterMixin, InboxMixin, StaffSessionMixin


class Base(DeclarativeBase):
    pass


CANDIDATE = "candidate"


class CaseCandidate(Base):
    __tablename__ = "case_candidates"

    report_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    redacted_text: Mapped[str] = mapped_column(Text, nullable=False)
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    characteristics: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    setting: Mapped[str | None] = mapped_column(String(32))
    risk_score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    # Above the redactor's risk threshold: a person must review it before trainers see it.
    needs_review: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=CANDIDATE, index=True)


class CaseFollowUp(Base):
    """A later note its reporter added to a candidate case, already redacted."""

    __tablename__ = "case_follow_ups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    redacted_text: Mapped[str] = mapped_column(Text, nullable=False)
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    needs_review: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ConsentWithdrawal(Base):
    """A report whose reporter withdrew their agreement to training use. Kept so that a copy
    of the report or a note that arrives later (a re-send, or one still on its way when the
    withdrawal came) is not taken in again. Holds the report's id and nothing else."""

    __tablename__ = "consent_withdrawals"

    report_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class Inbox(InboxMixin, Base):
    pass


class DeadLetter(DeadLetterMixin, Base):
    pass


class StaffSession(StaffSessionMixin, Base):
    """A signed-in member of staff (never linked to any report)."""

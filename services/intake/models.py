"""Intake's own tables. The raw text exists here only as ciphertext, and only until the
redactor's result is confirmed."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal_common.models import DeadLetterMixin, InboxMixin, OutboxMixin, today


class Base(DeclarativeBase):
    pass


PENDING = "pending"
REDACTED = "redacted"  # redacted, some consumer has not confirmed yet
COMPLETE = "complete"  # redacted and held by every consumer

CASE_PUBLISHED = "published"  # Submission.training_case values
CASE_WITHDRAWN = "withdrawn"
WITHDRAWAL_PENDING = "pending"  # consent withdrawn; some consumer has not confirmed the deletion
WITHDRAWAL_DONE = "done"  # every consumer confirmed it deleted what it held for training


class Submission(Base):
    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    # Fernet token of {"account", "what_would_help"}; set to NULL once the redaction is back.
    ciphertext: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[dict] = mapped_column(JSON, nullable=False)
    submitted_on: Mapped[dt.date] = mapped_column(Date, nullable=False, default=today)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PENDING, index=True)
    # How many re-send sweeps found it unconfirmed (a counter, not a clock).
    unconfirmed_sweeps: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # How many times the sweep has re-sent it; it stops at operations.delivery.RESEND_LIMIT.
    resend_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    redacted_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    redacted_help: Mapped[str | None] = mapped_column(Text, nullable=True)
    themes: Mapped[list | None] = mapped_column(JSON, nullable=True)
    entity_counts: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    risk: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    confirmed_by: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # The redactor's report.redacted message as received, re-sent verbatim to a consumer
    # that has not confirmed it (intake never builds another service's event).
    redacted_message: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # "v2:" + HMAC(pepper, receipt code), or before version 2 HMAC(pepper, Argon2id(code)) in
    # hex (see receipt_codes.py): lets the code's holder find this row, and nothing else.
    # Null for reports sent before receipts existed.
    receipt_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True, index=True)
    # The reporter agreed that an anonymised version may be used as a training example...
    training_consent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=sa_false())
    # ...and later withdrew that agreement with the receipt code: WITHDRAWAL_PENDING until every
    # consumer of report.training_consent_withdrawn has confirmed it, then WITHDRAWAL_DONE.
    consent_withdrawal: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    # Consumers that confirmed they deleted what they held for training after the withdrawal.
    withdrawal_confirmed_by: Mapped[list | None] = mapped_column(JSON, nullable=True)
    # Re-send sweeps that found the withdrawal unconfirmed (a counter, not a clock).
    withdrawal_sweeps: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    # What training told us (case.published, case.withdrawn): a case study made from this
    # report is in its case library (CASE_PUBLISHED) or has left it for good (CASE_WITHDRAWN).
    training_case: Mapped[str | None] = mapped_column(String(16), nullable=True)

    @property
    def training_use_agreed(self) -> bool:
        """What the events say now: agreed, and not withdrawn since."""
        return bool(self.training_consent) and self.consent_withdrawal is None


class FollowUp(Base):
    """A note added later with the receipt code. Only its redacted form is ever stored:
    it is redacted (by the redactor, over the backbone) before it is written."""

    __tablename__ = "follow_ups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    report_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    redacted_text: Mapped[str] = mapped_column(Text, nullable=False)
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    entity_counts: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    risk: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # Order among a report's notes without a clock: 1, 2, 3...
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    added_on: Mapped[dt.date] = mapped_column(Date, nullable=False, default=today)


class SentDraft(Base):
    """Drafts already sent, so a replayed or double-clicked "send" stores nothing twice.

    Written in the same transaction as the submission it produced: no Redis needed, and a
    failed send leaves no claim behind. Only a hash of the draft's random nonce is kept,
    and rows are purged after a day (a draft lives two hours).
    """

    __tablename__ = "sent_drafts"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    sent_on: Mapped[dt.date] = mapped_column(Date, nullable=False, default=today)


class PublishedAction(Base):
    """A "you said, we did" action analytics published: shown on the public page and on the
    receipts of matching reports. Written by leads; holds no report's text."""

    __tablename__ = "published_actions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the action's id in analytics
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    you_said: Mapped[str] = mapped_column(Text, nullable=False)
    we_did: Mapped[str] = mapped_column(Text, nullable=False)
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    characteristics: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    organisation: Mapped[str | None] = mapped_column(String(32), nullable=True)  # None: every organisation
    published_week: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    # Order of arrival, for "newest first" within a week (a counter, not a clock).
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class WithdrawnAction(Base):
    """An action withdrawn after publication. Kept (its id only) so that its publication,
    arriving late or again, cannot bring it back."""

    __tablename__ = "withdrawn_actions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    withdrawn_on: Mapped[dt.date] = mapped_column(Date, nullable=False, default=today)


class PublishedPeriod(Base):
    """A period whose counts leads can now see (a release analytics has published)."""

    __tablename__ = "published_periods"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    starts_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    ends_on: Mapped[dt.date] = mapped_column(Date, nullable=False)


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass


class DeadLetter(DeadLetterMixin, Base):
    pass

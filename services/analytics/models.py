"""Analytics' own tables: the coded answers of each report (never any free text), the releases
built from them (counts protected at small numbers, the only thing any page reads), the
reduction targets and survey benchmarks leads set beside them, and the audit of what leads
did."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal_common.models import AuditEntryMixin, DeadLetterMixin, InboxMixin, OutboxMixin, StaffSessionMixin


class Base(DeclarativeBase):
    pass


class Report(Base):
    """One report's coded answers. No free text: the redacted account stays with intake (for its
    reporter) and training (if its reporter agreed); leads only ever see released counts."""

    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the report id, not a person
    submitted_week: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    organisation: Mapped[str | None] = mapped_column(String(32))
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


class FollowUp(Base):
    """The themes of a later note its reporter added to a report (its text is not kept here)."""

    __tablename__ = "follow_ups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    added_week: Mapped[dt.date] = mapped_column(Date, nullable=False)
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)


# Release kinds and states.
QUARTER = "quarter"
ROLLING_YEAR = "rolling_year"
PUBLISHED = "published"  # visible to leads (its publication date has come)
WAITING = "waiting"  # built, but its lag has not passed: no page shows it yet


class Release(Base):
    """Counts for one fixed period, computed and protected once (docs/adr/0010)."""

    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("kind", "starts_on", name="uq_release_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    starts_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[dt.date] = mapped_column(Date, nullable=False)  # the last day in the period
    publish_on: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    built_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    k: Mapped[int] = mapped_column(Integer, nullable=False)
    rounding: Mapped[int] = mapped_column(Integer, nullable=False)
    cells: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    suppressed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    method: Mapped[str] = mapped_column(String(64), nullable=False)


class ReleaseCell(Base):
    """One published number. ``scope`` is a path in the hierarchy ("" for the whole system,
    "ORG", "ORG/setting", "ORG/setting/staff_group"); ``status`` is shown, zero or suppressed
    (``value`` is then None and pages show [c])."""

    __tablename__ = "release_cells"

    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(120), primary_key=True)
    table: Mapped[str] = mapped_column(String(40), primary_key=True)
    category: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    value: Mapped[int | None] = mapped_column(Integer)


class AuditEntry(AuditEntryMixin, Base):
    """Who did what to which release or action: exports, approvals, publications, deletions."""


class ReleaseAnnouncement(Base):
    """A release whose publication date has come and whose release.published event has been
    queued (services/analytics/publication.py): each release is announced once."""

    __tablename__ = "release_announcements"

    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True)
    announced_on: Mapped[dt.date] = mapped_column(Date, nullable=False)


# "You said, we did" action states (published reuses PUBLISHED above).
DRAFT = "draft"
AWAITING_APPROVAL = "awaiting_approval"
WITHDRAWN = "withdrawn"
ACTION_STATES = (DRAFT, AWAITING_APPROVAL, PUBLISHED, WITHDRAWN)


class Action(Base):
    """A "you said, we did" action. Every word of it is written by leads and is public once
    published: what staff raised, summarised (never a report's text), and what was done.
    ``organisation`` is an organisation's code, or None for an action covering all of them.

    ``*_by`` name the member of staff as they are shown (email address, else name);
    ``author_subjects`` holds the sign-in subject of everyone who wrote or submitted it, so
    none of them can be the second lead who approves it. Dates are to the day."""

    __tablename__ = "actions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    you_said: Mapped[str] = mapped_column(String(1000), nullable=False)
    we_did: Mapped[str] = mapped_column(String(1000), nullable=False)
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    characteristics: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    organisation: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=DRAFT, index=True)
    author_subjects: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    created_by: Mapped[str] = mapped_column(String(320), nullable=False)
    created_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(320), nullable=False)
    updated_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    submitted_by: Mapped[str | None] = mapped_column(String(320))
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    approved_by: Mapped[str | None] = mapped_column(String(320))
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    published_by: Mapped[str | None] = mapped_column(String(320))
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    withdrawn_by: Mapped[str | None] = mapped_column(String(320))
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)


class Outbox(OutboxMixin, Base):
    """Events analytics publishes (actions, releases), relayed by ``portal-relay``."""


# What a target measures.
OVERALL = "overall"  # every report in the scope
CHARACTERISTIC = "characteristic"  # reports naming one protected characteristic
THEME = "theme"  # reports tagged with one theme


class Target(Base):
    """A lead's aim to see fewer reports of something by a date (docs/targets.md).

    The baseline is the published 12-month release starting on ``baseline_starts_on``
    (a period, not a release id, so a rebuilt release for the same months still counts).
    ``scope`` is "" for the whole system or an organisation code, as in release cells."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    measure: Mapped[str] = mapped_column(String(16), nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False, default="")  # taxonomy code; "" for overall
    baseline_starts_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    reduction: Mapped[int] = mapped_column(Integer, nullable=False)  # whole percent, 1 to 99
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)  # the target date
    created_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    changed_on: Mapped[dt.date] = mapped_column(Date, nullable=False)


# Kinds of benchmark upload.
STAFF_SURVEY = "staff_survey"  # the NHS Staff Survey organisational results workbook
WRES = "wres"  # Workforce Race Equality Standard indicators 5 to 8, as a tidy CSV


class BenchmarkUpload(Base):
    """One uploaded file of published survey figures. ``scope`` is the uploading lead's
    scope ("system" or an organisation code): who may later delete it."""

    __tablename__ = "benchmark_uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    scope: Mapped[str] = mapped_column(String(32), nullable=False)
    file_name: Mapped[str] = mapped_column(String(120), nullable=False)
    uploaded_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    figures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    summary: Mapped[str] = mapped_column(String(300), nullable=False, default="")


class BenchmarkFigure(Base):
    """One published percentage: of ``base`` staff who answered, ``percent`` said yes (or at
    least once). ``percent`` and ``base`` are None where the source withheld them."""

    __tablename__ = "benchmark_figures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("benchmark_uploads.id", ondelete="CASCADE"), nullable=False, index=True
    )
    org_code: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    source: Mapped[str] = mapped_column(String(60), nullable=False)
    measure: Mapped[str] = mapped_column(String(60), nullable=False)
    group_label: Mapped[str] = mapped_column(String(120), nullable=False)
    percent: Mapped[float | None] = mapped_column(Float)
    base: Mapped[int | None] = mapped_column(Integer)


class Inbox(InboxMixin, Base):
    pass


class DeadLetter(DeadLetterMixin, Base):
    pass


class StaffSession(StaffSessionMixin, Base):
    """A signed-in member of staff (never linked to any report)."""

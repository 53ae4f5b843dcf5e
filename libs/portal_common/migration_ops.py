"""DDL for the tables every service has (outbox, inbox, dead letters), used by each
service's first migration so the four copies cannot drift apart. Changes to these tables
go in a new migration of every service."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_messaging_tables() -> None:
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.Column("event_type", sa.String(length=64), nullable=True),
        sa.Column("task_name", sa.String(length=128), nullable=False),
        sa.Column("message", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed_on", sa.Date(), nullable=False),
        sa.Column("replayed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dead_letters_event_id", "dead_letters", ["event_id"])
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    create_outbox()


def create_outbox() -> None:
    """Only a service that publishes through an outbox keeps this table."""
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("message", sa.JSON(), nullable=True),
        sa.Column("targets", sa.JSON(), nullable=True),
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_outbox_event_id", "outbox", ["event_id"])
    op.create_index("ix_outbox_sent", "outbox", ["sent"])


def drop_outbox() -> None:
    op.drop_index("ix_outbox_sent", table_name="outbox")
    op.drop_index("ix_outbox_event_id", table_name="outbox")
    op.drop_table("outbox")


def drop_messaging_tables() -> None:
    drop_outbox()
    op.drop_table("inbox")
    op.drop_index("ix_dead_letters_event_id", table_name="dead_letters")
    op.drop_table("dead_letters")


def create_staff_sessions() -> None:
    """The relying parties' server-side sign-in sessions (docs/adr/0009)."""
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("lead_scope", sa.String(length=64), nullable=True),
        sa.Column("amr", sa.String(length=64), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("id_token", sa.Text(), nullable=True),
        sa.Column("provider_sid", sa.String(length=255), nullable=True),
        sa.Column("started_minute", sa.Integer(), nullable=False),
        sa.Column("seen_minute", sa.Integer(), nullable=False),
        sa.Column("ended", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_staff_sessions_subject", "staff_sessions", ["subject"])
    op.create_index("ix_staff_sessions_ended", "staff_sessions", ["ended"])


def drop_staff_sessions() -> None:
    op.drop_index("ix_staff_sessions_ended", table_name="staff_sessions")
    op.drop_index("ix_staff_sessions_subject", table_name="staff_sessions")
    op.drop_table("staff_sessions")

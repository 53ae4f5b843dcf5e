"""cohorts, their sessions, members, attendance and ratings; training's audit log

Learners are opaque keys (never names); dates are days; audit times are minutes.

Revision ID: 0007_cohorts_and_audit
Revises: 0005_consent_withdrawals
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_cohorts_and_audit"
down_revision = "0005_consent_withdrawals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at_minute", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at_minute", "audit_log", ["at_minute"])
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=True),
        sa.Column("join_code", sa.String(length=16), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("join_code"),
    )
    op.create_table(
        "cohort_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cohort_id", sa.Integer(), sa.ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("start_time", sa.String(length=5), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cohort_sessions_cohort_id", "cohort_sessions", ["cohort_id"])
    op.create_table(
        "cohort_members",
        sa.Column("cohort_id", sa.Integer(), sa.ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("learner", sa.String(length=64), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("cohort_id", "learner"),
    )
    op.create_index("ix_cohort_members_learner", "cohort_members", ["learner"])
    op.create_table(
        "attendances",
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("cohort_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("learner", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "learner"),
    )
    op.create_table(
        "session_ratings",
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("cohort_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("learner", sa.String(length=64), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "learner"),
    )


def downgrade() -> None:
    for table in ("session_ratings", "attendances", "cohort_members", "cohort_sessions", "cohorts"):
        op.drop_table(table)
    op.drop_index("ix_audit_log_at_minute", table_name="audit_log")
    op.drop_table("audit_log")

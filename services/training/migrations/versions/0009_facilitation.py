"""attendance codes, action learning notes, and facilitator mode's live runs and answer counts

Live answers are counts per option, never a row per person.

Revision ID: 0009_facilitation
Revises: 0008_confidence
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_facilitation"
down_revision = "0008_confidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "session_codes",
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("cohort_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "session_notes",
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("cohort_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("discussed", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_table(
        "live_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("cohort_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("scenario_id", sa.String(length=64), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("current_step", sa.String(length=64), nullable=False),
        sa.Column("step_number", sa.Integer(), nullable=False),
        sa.Column("revealed", sa.Boolean(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("ended", sa.Boolean(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_live_runs_session_id", "live_runs", ["session_id"])
    op.create_table(
        "live_answer_counts",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("live_runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("choice_id", sa.String(length=64), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "step_id", "choice_id"),
    )


def downgrade() -> None:
    op.drop_table("live_answer_counts")
    op.drop_index("ix_live_runs_session_id", table_name="live_runs")
    op.drop_table("live_runs")
    op.drop_table("session_notes")
    op.drop_table("session_codes")

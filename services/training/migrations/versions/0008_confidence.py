"""the hub's confidence measure (before, after, follow-up) and the programme evaluation report

Learners are opaque keys (never names); dates are days.

Revision ID: 0008_confidence
Revises: 0007_cohorts_and_audit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_confidence"
down_revision = "0007_cohorts_and_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "confidence_responses",
        sa.Column("learner", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("instrument_version", sa.Integer(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("acted", sa.String(length=16), nullable=True),
        sa.Column("ds_used", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("learner", "stage"),
    )
    op.create_index("ix_confidence_responses_stage", "confidence_responses", ["stage", "instrument_version"])
    op.create_table(
        "evaluation_narratives",
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("area"),
    )
    op.create_table(
        "programme_costs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("programme_costs")
    op.drop_table("evaluation_narratives")
    op.drop_index("ix_confidence_responses_stage", table_name="confidence_responses")
    op.drop_table("confidence_responses")

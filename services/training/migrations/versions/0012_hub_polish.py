"""the trainers' choices page from summary tables: choice_learners (each learner once per step and
D, and once per step) and choice_counts, backfilled from scenario_choices; session_cases (published
case studies put down for discussion at a cohort session)

Revision ID: 0012_hub_polish
Revises: 0011_certificates_resources
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_hub_polish"
down_revision = "0011_certificates_resources"
branch_labels = None
depends_on = None

# d_tag '*' (STEP_TOTAL in services/training/models.py): a learner who answered the step at all.


def upgrade() -> None:
    op.create_table(
        "choice_learners",
        sa.Column("scenario_id", sa.String(length=64), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("d_tag", sa.String(length=16), nullable=False),
        sa.Column("learner", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("scenario_id", "content_version", "step_id", "d_tag", "learner"),
    )
    op.create_table(
        "choice_counts",
        sa.Column("scenario_id", sa.String(length=64), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("d_tag", sa.String(length=16), nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scenario_id", "content_version", "step_id", "d_tag"),
    )
    op.execute(
        "INSERT INTO choice_learners (scenario_id, content_version, step_id, d_tag, learner) "
        "SELECT DISTINCT scenario_id, content_version, step_id, d_tag, learner FROM scenario_choices"
    )
    op.execute(
        "INSERT INTO choice_learners (scenario_id, content_version, step_id, d_tag, learner) "
        "SELECT DISTINCT scenario_id, content_version, step_id, '*', learner FROM scenario_choices"
    )
    op.execute(
        "INSERT INTO choice_counts (scenario_id, content_version, step_id, d_tag, learners) "
        "SELECT scenario_id, content_version, step_id, d_tag, count(*) FROM choice_learners "
        "GROUP BY scenario_id, content_version, step_id, d_tag"
    )


    op.create_table(
        "session_cases",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["cohort_sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["case_studies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "case_id"),
    )
    op.create_index("ix_session_cases_case_id", "session_cases", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_session_cases_case_id", table_name="session_cases")
    op.drop_table("session_cases")
    op.drop_table("choice_counts")
    op.drop_table("choice_learners")

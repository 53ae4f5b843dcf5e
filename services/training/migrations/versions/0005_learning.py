"""the 5 Ds hub: learner progress and scenario choices

Modules read, knowledge-check results, scenario play-throughs and every choice made in a
scenario. A learner is an opaque keyed hash of their account's subject (never an email);
dates are days at most, and a choice keeps only the Monday of its week.

Revision ID: 0005_learning
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_learning"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "module_completions",
        sa.Column("learner", sa.String(length=64), nullable=False),
        sa.Column("module_id", sa.String(length=64), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("learner", "module_id"),
    )
    op.create_table(
        "check_results",
        sa.Column("learner", sa.String(length=64), nullable=False),
        sa.Column("module_id", sa.String(length=64), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("best_score", sa.Integer(), nullable=False),
        sa.Column("out_of", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("passed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("learner", "module_id"),
    )
    op.create_table(
        "scenario_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("learner", sa.String(length=64), nullable=False),
        sa.Column("scenario_id", sa.String(length=64), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("current_step", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ending", sa.String(length=64), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("finished_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_scenario_runs_learner_scenario", "scenario_runs", ["learner", "scenario_id"], unique=False)
    op.create_table(
        "scenario_choices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("learner", sa.String(length=64), nullable=False),
        sa.Column("scenario_id", sa.String(length=64), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("choice_id", sa.String(length=64), nullable=False),
        sa.Column("d_tag", sa.String(length=16), nullable=False),
        sa.Column("chosen_week", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["scenario_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_scenario_choices_run_id", "scenario_choices", ["run_id"], unique=False)
    op.create_index(
        "ix_scenario_choices_scenario_step",
        "scenario_choices",
        ["scenario_id", "content_version", "step_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_scenario_choices_scenario_step", table_name="scenario_choices")
    op.drop_index("ix_scenario_choices_run_id", table_name="scenario_choices")
    op.drop_table("scenario_choices")
    op.drop_index("ix_scenario_runs_learner_scenario", table_name="scenario_runs")
    op.drop_table("scenario_runs")
    op.drop_table("check_results")
    op.drop_table("module_completions")

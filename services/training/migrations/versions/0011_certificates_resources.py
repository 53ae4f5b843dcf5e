"""certificates, the resource library, local contacts and learners' chosen organisation;
three indexes on scenario_choices for the hub at scale

The certificate record holds its code, issue and renewal days and the learner key; never a
name. Dates are days.

Revision ID: 0011_certificates_resources
Revises: 0010_case_library
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_certificates_resources"
down_revision = "0010_case_library"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("code", sa.String(length=19), nullable=False),
        sa.Column("learner", sa.String(length=64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("renew_on", sa.Date(), nullable=False),
        sa.Column("renewal", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index("ix_certificates_learner", "certificates", ["learner"])
    op.create_table(
        "resources",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("summary", sa.String(length=1000), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("file_name", sa.String(length=120), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("file_data", sa.LargeBinary(), nullable=True),
        sa.Column("ds", sa.JSON(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("audiences", sa.JSON(), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "local_contacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("notes", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_local_contacts_organisation", "local_contacts", ["organisation"])
    op.create_table(
        "learner_profiles",
        sa.Column("learner", sa.String(length=64), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("learner"),
    )
    # The hub at scale: a learner's own choices, and the trainers' per-step counts from the index alone.
    op.create_index("ix_scenario_choices_learner", "scenario_choices", ["learner"])
    op.create_index(
        "ix_scenario_choices_counts",
        "scenario_choices",
        ["scenario_id", "content_version", "step_id", "d_tag", "learner"],
    )
    op.create_index(
        "ix_scenario_choices_step_learners",
        "scenario_choices",
        ["scenario_id", "content_version", "step_id", "learner"],
    )


def downgrade() -> None:
    op.drop_index("ix_scenario_choices_step_learners", table_name="scenario_choices")
    op.drop_index("ix_scenario_choices_counts", table_name="scenario_choices")
    op.drop_index("ix_scenario_choices_learner", table_name="scenario_choices")
    op.drop_table("learner_profiles")
    op.drop_index("ix_local_contacts_organisation", table_name="local_contacts")
    op.drop_table("local_contacts")
    op.drop_table("resources")
    op.drop_index("ix_certificates_learner", table_name="certificates")
    op.drop_table("certificates")

"""the case library: candidates get a random reference, their week and review fields; case
studies; an outbox for case.published and case.withdrawn

Candidates already held get a reference and this week as the week they were received, so
they expire from now, not at once.

Revision ID: 0010_case_library
Revises: 0009_facilitation
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from alembic import op

from portal_common.migration_ops import create_outbox, drop_outbox

revision = "0010_case_library"
down_revision = "0009_facilitation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_candidates") as batch_op:
        batch_op.add_column(sa.Column("ref", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("received_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("masked_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("cleared_on", sa.Date(), nullable=True))
    candidates = sa.table("case_candidates", sa.column("report_id", sa.String), sa.column("ref", sa.String),
                          sa.column("received_on", sa.Date))
    connection = op.get_bind()
    today = dt.datetime.now(dt.UTC).date()
    monday = today - dt.timedelta(days=today.weekday())
    for (report_id,) in connection.execute(sa.select(candidates.c.report_id)).all():
        connection.execute(
            candidates.update().where(candidates.c.report_id == report_id).values(ref=secrets.token_hex(4),
                                                                                  received_on=monday)
        )
    op.create_index("ix_case_candidates_ref", "case_candidates", ["ref"], unique=True)
    op.create_table(
        "case_studies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("suggested_ds", sa.JSON(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author_key", sa.String(length=64), nullable=False),
        sa.Column("check_text", sa.Text(), nullable=True),
        sa.Column("check_counts", sa.JSON(), nullable=True),
        sa.Column("check_of", sa.String(length=64), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_studies_report_id", "case_studies", ["report_id"])
    op.create_index("ix_case_studies_status", "case_studies", ["status"])
    create_outbox()


def downgrade() -> None:
    drop_outbox()
    op.drop_index("ix_case_studies_status", table_name="case_studies")
    op.drop_index("ix_case_studies_report_id", table_name="case_studies")
    op.drop_table("case_studies")
    op.drop_index("ix_case_candidates_ref", table_name="case_candidates")
    with op.batch_alter_table("case_candidates") as batch_op:
        batch_op.drop_column("cleared_on")
        batch_op.drop_column("masked_count")
        batch_op.drop_column("received_on")
        batch_op.drop_column("ref")

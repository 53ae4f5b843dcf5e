"""initial tables

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from portal_common.migration_ops import create_messaging_tables, drop_messaging_tables

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables()
    op.create_table('reports',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('submitted_week', sa.Date(), nullable=False),
    sa.Column('experience', sa.String(length=32), nullable=True),
    sa.Column('characteristics', sa.JSON(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('setting', sa.String(length=32), nullable=True),
    sa.Column('staff_group', sa.String(length=32), nullable=True),
    sa.Column('internationally_recruited', sa.String(length=32), nullable=True),
    sa.Column('occurred_month', sa.String(length=7), nullable=True),
    sa.Column('impact', sa.String(length=32), nullable=True),
    sa.Column('raised_formally', sa.String(length=32), nullable=True),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('entity_counts', sa.JSON(), nullable=False),
    sa.Column('redacted_text', sa.Text(), nullable=False),
    sa.Column('redacted_help', sa.Text(), nullable=True),
    sa.Column('risk_score', sa.Float(), nullable=False),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_submitted_week'), ['submitted_week'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_submitted_week'))

    op.drop_table('reports')
    drop_messaging_tables()

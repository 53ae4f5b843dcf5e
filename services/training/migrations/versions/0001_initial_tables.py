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
    op.create_table('case_candidates',
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.Column('redacted_text', sa.Text(), nullable=False),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('characteristics', sa.JSON(), nullable=False),
    sa.Column('setting', sa.String(length=32), nullable=True),
    sa.Column('risk_score', sa.Float(), nullable=False),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('report_id')
    )
    with op.batch_alter_table('case_candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_candidates_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_candidates_status'))

    op.drop_table('case_candidates')
    drop_messaging_tables()

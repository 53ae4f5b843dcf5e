"""initial tables

Revision ID: 0001
Revises: (none)
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
    op.create_table('submissions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('ciphertext', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('unconfirmed_sweeps', sa.Integer(), nullable=False),
    sa.Column('redacted_text', sa.Text(), nullable=True),
    sa.Column('redacted_help', sa.Text(), nullable=True),
    sa.Column('themes', sa.JSON(), nullable=True),
    sa.Column('entity_counts', sa.JSON(), nullable=True),
    sa.Column('risk', sa.JSON(), nullable=True),
    sa.Column('confirmed_by', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submissions_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_status'))

    op.drop_table('submissions')
    drop_messaging_tables()

"""training consent: the reporter's answer, its withdrawal, and who confirmed the withdrawal

Reports sent before the question existed did not agree (false).

Revision ID: 0006_training_consent
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006_training_consent'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('training_consent', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('consent_withdrawal', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_confirmed_by', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_sweeps', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_submissions_consent_withdrawal'), ['consent_withdrawal'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_consent_withdrawal'))
        batch_op.drop_column('withdrawal_sweeps')
        batch_op.drop_column('withdrawal_confirmed_by')
        batch_op.drop_column('consent_withdrawal')
        batch_op.drop_column('training_consent')

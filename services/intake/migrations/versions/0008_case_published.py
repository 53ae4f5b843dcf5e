"""training cases: whether a case study made from a report is in training's case library

Revision ID: 0008_case_published
Revises: 0006_you_said_we_did
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008_case_published'
down_revision = '0006_you_said_we_did'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('submissions') as batch_op:
        batch_op.add_column(sa.Column('training_case', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('submissions') as batch_op:
        batch_op.drop_column('training_case')

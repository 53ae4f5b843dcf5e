"""consent withdrawals: reports whose reporter withdrew their agreement to training use

Revision ID: 0005_consent_withdrawals
Revises: 0005_learning
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_consent_withdrawals'
down_revision = '0005_learning'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'consent_withdrawals',
        sa.Column('report_id', sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint('report_id'),
    )


def downgrade() -> None:
    op.drop_table('consent_withdrawals')

"""you said, we did: published actions and published release periods

Intake keeps the actions analytics publishes (for the public page and matching receipts),
the ids of withdrawn ones, and the periods leads have a release for (a report in one of
them has been "included in a report to leads").

Revision ID: 0006_you_said_we_did
Revises: 0006_training_consent
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006_you_said_we_did'
down_revision = '0006_training_consent'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'published_actions',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('you_said', sa.Text(), nullable=False),
        sa.Column('we_did', sa.Text(), nullable=False),
        sa.Column('themes', sa.JSON(), nullable=False),
        sa.Column('characteristics', sa.JSON(), nullable=False),
        sa.Column('organisation', sa.String(length=32), nullable=True),
        sa.Column('published_week', sa.Date(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_published_actions_published_week', 'published_actions', ['published_week'], unique=False)
    op.create_table(
        'withdrawn_actions',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('withdrawn_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'published_periods',
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'starts_on'),
    )


def downgrade() -> None:
    op.drop_table('published_periods')
    op.drop_table('withdrawn_actions')
    op.drop_index('ix_published_actions_published_week', table_name='published_actions')
    op.drop_table('published_actions')

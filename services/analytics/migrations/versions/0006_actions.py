"""you said, we did: actions, release announcements and an outbox

Leads draft, approve, publish and withdraw "you said, we did" actions; publishing and
withdrawing queue events for intake through an outbox (analytics had none since 0003), and
so does a release whose publication date has come (release_announcements remembers which
releases have been announced).

Revision ID: 0006_actions
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from portal_common.migration_ops import create_outbox, drop_outbox

revision = '0006_actions'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'actions',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('you_said', sa.String(length=1000), nullable=False),
        sa.Column('we_did', sa.String(length=1000), nullable=False),
        sa.Column('themes', sa.JSON(), nullable=False),
        sa.Column('characteristics', sa.JSON(), nullable=False),
        sa.Column('organisation', sa.String(length=32), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('author_subjects', sa.JSON(), nullable=False),
        sa.Column('created_by', sa.String(length=320), nullable=False),
        sa.Column('created_on', sa.Date(), nullable=False),
        sa.Column('updated_by', sa.String(length=320), nullable=False),
        sa.Column('updated_on', sa.Date(), nullable=False),
        sa.Column('submitted_by', sa.String(length=320), nullable=True),
        sa.Column('submitted_on', sa.Date(), nullable=True),
        sa.Column('approved_by', sa.String(length=320), nullable=True),
        sa.Column('approved_on', sa.Date(), nullable=True),
        sa.Column('published_by', sa.String(length=320), nullable=True),
        sa.Column('published_on', sa.Date(), nullable=True),
        sa.Column('withdrawn_by', sa.String(length=320), nullable=True),
        sa.Column('withdrawn_on', sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_actions_organisation', 'actions', ['organisation'], unique=False)
    op.create_index('ix_actions_status', 'actions', ['status'], unique=False)
    op.create_table(
        'release_announcements',
        sa.Column('release_id', sa.Integer(), nullable=False),
        sa.Column('announced_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('release_id'),
    )
    create_outbox()


def downgrade() -> None:
    drop_outbox()
    op.drop_table('release_announcements')
    op.drop_index('ix_actions_status', table_name='actions')
    op.drop_index('ix_actions_organisation', table_name='actions')
    op.drop_table('actions')

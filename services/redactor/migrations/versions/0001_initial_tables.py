"""initial tables

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

from portal_common.migration_ops import create_messaging_tables, drop_messaging_tables

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables()


def downgrade() -> None:
    drop_messaging_tables()

"""staff sign-in sessions

Analytics is an OpenID Connect relying party (docs/adr/0009): signed-in staff have a
server-side session here, revocable and with no exact times.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from portal_common.migration_ops import create_staff_sessions, drop_staff_sessions

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_staff_sessions()


def downgrade() -> None:
    drop_staff_sessions()

"""drop the outbox table nothing writes

Analytics publishes only report.stored confirmations, directly (docs/adr/0008), so its outbox
was always empty and the relay polled it for nothing.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from portal_common.migration_ops import create_outbox, drop_outbox

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    drop_outbox()


def downgrade() -> None:
    create_outbox()

"""drop the outbox table nothing writes

Redactor publishes report.redacted directly with a derived id (docs/adr/0002), so its outbox
was always empty and the relay polled it for nothing.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from portal_common.migration_ops import create_outbox, drop_outbox

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    drop_outbox()


def downgrade() -> None:
    create_outbox()

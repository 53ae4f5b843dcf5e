"""no free text; releases and the audit log

Analytics keeps only coded answers (issue 10): the redacted text, help text, entity counts
and risk flags it used to copy from the redactor's event are deleted. The reports and
follow_ups tables are rebuilt rather than altered, so on PostgreSQL the old row versions go
with the old table's files instead of lingering until a vacuum, and on SQLite the freed
pages are overwritten (secure_delete). Adds the organisation answer, releases (protected
counts per period, the only thing pages read) and the audit log.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

CODED = (
    "id", "submitted_week", "experience", "characteristics", "sources", "setting", "staff_group",
    "internationally_recruited", "occurred_month", "impact", "raised_formally", "themes",
)


def _reports_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('submitted_week', sa.Date(), nullable=False),
        sa.Column('organisation', sa.String(length=32), nullable=True),
        sa.Column('experience', sa.String(length=32), nullable=True),
        sa.Column('characteristics', sa.JSON(), nullable=False),
        sa.Column('sources', sa.JSON(), nullable=False),
        sa.Column('setting', sa.String(length=32), nullable=True),
        sa.Column('staff_group', sa.String(length=32), nullable=True),
        sa.Column('internationally_recruited', sa.String(length=32), nullable=True),
        sa.Column('occurred_month', sa.String(length=7), nullable=True),
        sa.Column('impact', sa.String(length=32), nullable=True),
        sa.Column('raised_formally', sa.String(length=32), nullable=True),
        sa.Column('themes', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA secure_delete = ON")
    columns = ", ".join(CODED)
    _reports_table('reports_coded')
    op.execute(f"INSERT INTO reports_coded ({columns}) SELECT {columns} FROM reports")  # noqa: S608 (constant column names)
    op.drop_index('ix_reports_submitted_week', table_name='reports')
    op.drop_table('reports')
    op.rename_table('reports_coded', 'reports')
    op.create_index('ix_reports_submitted_week', 'reports', ['submitted_week'], unique=False)

    op.create_table(
        'follow_up_themes',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('report_id', sa.String(length=36), nullable=False),
        sa.Column('added_week', sa.Date(), nullable=False),
        sa.Column('themes', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute(
        "INSERT INTO follow_up_themes (id, report_id, added_week, themes) "
        "SELECT id, report_id, added_week, themes FROM follow_ups"
    )
    op.drop_index('ix_follow_ups_report_id', table_name='follow_ups')
    op.drop_table('follow_ups')
    op.rename_table('follow_up_themes', 'follow_ups')
    op.create_index('ix_follow_ups_report_id', 'follow_ups', ['report_id'], unique=False)

    op.create_table(
        'releases',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('publish_on', sa.Date(), nullable=False),
        sa.Column('built_on', sa.Date(), nullable=False),
        sa.Column('k', sa.Integer(), nullable=False),
        sa.Column('rounding', sa.Integer(), nullable=False),
        sa.Column('cells', sa.Integer(), nullable=False),
        sa.Column('suppressed', sa.Integer(), nullable=False),
        sa.Column('method', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'starts_on', name='uq_release_period'),
    )
    op.create_index('ix_releases_publish_on', 'releases', ['publish_on'], unique=False)
    op.create_table(
        'release_cells',
        sa.Column('release_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=120), nullable=False),
        sa.Column('table', sa.String(length=40), nullable=False),
        sa.Column('category', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('value', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('release_id', 'scope', 'table', 'category'),
    )
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('at_minute', sa.Integer(), nullable=False),
        sa.Column('actor', sa.String(length=320), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('target', sa.String(length=200), nullable=False),
        sa.Column('detail', sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_log_at_minute', 'audit_log', ['at_minute'], unique=False)


def downgrade() -> None:
    # The deleted text cannot come back: the old columns return empty.
    op.drop_index('ix_audit_log_at_minute', table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_table('release_cells')
    op.drop_index('ix_releases_publish_on', table_name='releases')
    op.drop_table('releases')
    with op.batch_alter_table('follow_ups') as batch:
        batch.add_column(sa.Column('redacted_text', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('needs_review', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('reports') as batch:
        batch.drop_column('organisation')
        batch.add_column(sa.Column('entity_counts', sa.JSON(), nullable=False, server_default='{}'))
        batch.add_column(sa.Column('redacted_text', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('redacted_help', sa.Text(), nullable=True))
        batch.add_column(sa.Column('risk_score', sa.Float(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('needs_review', sa.Boolean(), nullable=False, server_default=sa.false()))

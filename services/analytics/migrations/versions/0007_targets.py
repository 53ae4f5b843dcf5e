"""reduction targets and survey benchmarks

A lead's reduction targets (a measure, a scope, a baseline 12-month period, a percentage and
a date) and the published staff survey and WRES figures leads upload to show beside the
report counts (docs/targets.md, docs/benchmarks.md).

Revision ID: 0007_targets
Revises: 0006_actions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007_targets'
down_revision = '0006_actions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'targets',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('scope', sa.String(length=32), nullable=False),
        sa.Column('measure', sa.String(length=16), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('baseline_starts_on', sa.Date(), nullable=False),
        sa.Column('reduction', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('created_on', sa.Date(), nullable=False),
        sa.Column('changed_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_targets_scope', 'targets', ['scope'], unique=False)
    op.create_table(
        'benchmark_uploads',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('scope', sa.String(length=32), nullable=False),
        sa.Column('file_name', sa.String(length=120), nullable=False),
        sa.Column('uploaded_on', sa.Date(), nullable=False),
        sa.Column('figures', sa.Integer(), nullable=False),
        sa.Column('summary', sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'benchmark_figures',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('upload_id', sa.Integer(), nullable=False),
        sa.Column('org_code', sa.String(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=60), nullable=False),
        sa.Column('measure', sa.String(length=60), nullable=False),
        sa.Column('group_label', sa.String(length=120), nullable=False),
        sa.Column('percent', sa.Float(), nullable=True),
        sa.Column('base', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['upload_id'], ['benchmark_uploads.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_benchmark_figures_upload_id', 'benchmark_figures', ['upload_id'], unique=False)
    op.create_index('ix_benchmark_figures_org_code', 'benchmark_figures', ['org_code'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_benchmark_figures_org_code', table_name='benchmark_figures')
    op.drop_index('ix_benchmark_figures_upload_id', table_name='benchmark_figures')
    op.drop_table('benchmark_figures')
    op.drop_table('benchmark_uploads')
    op.drop_index('ix_targets_scope', table_name='targets')
    op.drop_table('targets')

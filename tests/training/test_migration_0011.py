"""Migration 0011 (certificates, resources, local contacts, learner profiles) goes down and up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect

from portal_ops.migrate import alembic_config, upgrade

NEW_TABLES = {"certificates", "resources", "local_contacts", "learner_profiles"}


def test_migration_0011_is_reversible(tmp_path):
    url = f"sqlite:///{tmp_path / 'training.db'}"
    upgrade("training", url)
    engine = create_engine(url)
    try:
        assert NEW_TABLES <= set(inspect(engine).get_table_names())
        command.downgrade(alembic_config("training", url), "0007_cohorts_and_audit")
        tables = set(inspect(engine).get_table_names())
        assert not NEW_TABLES & tables and {"cohorts", "audit_log"} <= tables
        upgrade("training", url)
        assert NEW_TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()

"""Migration 0008_confidence goes down as cleanly as it comes up, on both backends."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect

from portal_ops.migrate import alembic_config, upgrade

from ..support.databases import Databases

TABLES = {"confidence_responses", "evaluation_narratives", "programme_costs"}


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_confidence_migration_is_reversible(backend, tmp_path):
    dbs = Databases(backend, tmp_path)
    try:
        url = dbs.urls["training"]
        upgrade("training", url)
        assert TABLES <= _tables(url)
        command.downgrade(alembic_config("training", url), "0007_cohorts_and_audit")
        left = _tables(url)
        assert not TABLES & left and {"cohorts", "session_ratings", "audit_log"} <= left
        upgrade("training", url)
        assert TABLES <= _tables(url)
    finally:
        if backend == "postgres":
            dbs.drop()

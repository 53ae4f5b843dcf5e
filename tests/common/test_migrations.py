"""Each service's migrations build exactly the tables its models declare, on both backends."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal_common.config import SERVICES
from portal_common.db import make_engine


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_models(databases, service):
    metadata = importlib.import_module(f"services.{service}.models").Base.metadata
    engine = make_engine(databases.urls[service])
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    assert diff == [], f"{service}: models and migrations differ: {diff}"


def test_services_do_not_share_tables_by_accident():
    """Each service declares its own base; no model class is imported across services."""
    bases = {importlib.import_module(f"services.{s}.models").Base for s in SERVICES}
    assert len(bases) == len(SERVICES)

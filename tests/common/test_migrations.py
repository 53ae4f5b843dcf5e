"""Each service's migrations build exactly the tables its models declare, on both backends."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal_common.db import make_engine
from portal_ops import registry

SERVICES = registry.NAMES


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_models(databases, service):
    metadata = registry.service(service).metadata
    engine = make_engine(databases.urls[service])
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    assert diff == [], f"{service}: models and migrations differ: {diff}"


def test_services_do_not_share_tables_by_accident():
    """Each service declares its own base; no model class is imported across services."""
    metadatas = {id(registry.service(s).metadata) for s in SERVICES}
    assert len(metadatas) == len(SERVICES)

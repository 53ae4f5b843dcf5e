from __future__ import annotations

import pytest

from portal_common.db import unit_of_work


@pytest.fixture
def count_rows(sessions_for):
    """count_rows(service, Model) -> int, on that service's own database."""
    factories = {}

    def _count(service: str, model, **filters) -> int:
        if service not in factories:
            factories[service] = sessions_for(service)
        with unit_of_work(factories[service]) as session:
            return session.query(model).filter_by(**filters).count()

    return _count


@pytest.fixture
def fetch(sessions_for):
    factories = {}

    def _fetch(service: str, model, key):
        if service not in factories:
            factories[service] = sessions_for(service)
        with unit_of_work(factories[service]) as session:
            row = session.get(model, key)
            if row is not None:
                session.expunge(row)
            return row

    return _fetch

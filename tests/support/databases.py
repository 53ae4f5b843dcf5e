"""Isolated databases for tests: a SQLite file per service, or a PostgreSQL schema per service
(one schema per service, so services stay as separate as they are in production).

Migrations run once per test session into a template. A SQLite test gets a copy of the
template's files. A PostgreSQL test shares the session's migrated schemas and every table is
emptied after it (TRUNCATE ... RESTART IDENTITY), which is sound because only the test's own
process writes there. A test that starts worker processes (which may still be writing when
the test ends) gets schemas of its own, migrated afresh and dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from portal_ops import registry
from portal_ops.migrate import upgrade
from portal_ops.registry import NAMES as SERVICES

POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class Databases:
    def __init__(self, backend: str, tmp: Path):
        self.backend = backend
        self.tmp = tmp
        self.tag = uuid.uuid4().hex[:10]
        self.urls: dict[str, str] = {}
        if backend == "postgres":
            engine = create_engine(POSTGRES_URL)
            with engine.begin() as conn:
                for service in SERVICES:
                    conn.execute(text(f'CREATE SCHEMA "{self.schema(service)}"'))
            engine.dispose()
            for service in SERVICES:
                self.urls[service] = f"{POSTGRES_URL}?options=-csearch_path%3D{self.schema(service)}"
        else:
            for service in SERVICES:
                self.urls[service] = f"sqlite:///{(tmp / f'{service}.db').as_posix()}"

    def schema(self, service: str) -> str:
        return f"t_{self.tag}_{service}"

    def migrate(self) -> Databases:
        for service in SERVICES:
            upgrade(service, self.urls[service])
        return self

    def copy_to(self, tmp: Path) -> Databases:
        """A SQLite copy of these (migrated) databases in ``tmp``."""
        assert self.backend == "sqlite"
        copy = Databases("sqlite", tmp)
        for service in SERVICES:
            for suffix in ("", "-wal", "-shm"):
                source = self.tmp / f"{service}.db{suffix}"
                if source.exists():
                    shutil.copyfile(source, tmp / f"{service}.db{suffix}")
        return copy

    def env(self) -> dict[str, str]:
        return {registry.service(s).database.env_name("database_url"): url for s, url in self.urls.items()}

    def empty(self) -> None:
        """Delete every row of every service's tables (not the migration version)."""
        assert self.backend == "postgres"
        engine = create_engine(POSTGRES_URL)
        try:
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '15s'"))
                tables = [
                    f'"{self.schema(service)}"."{name}"'
                    for service in SERVICES
                    for name in inspect(conn).get_table_names(schema=self.schema(service))
                    if name != "alembic_version"
                ]
                if tables:
                    conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        finally:
            engine.dispose()

    def drop(self) -> None:
        if self.backend != "postgres":
            return
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            for service in SERVICES:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema(service)}" CASCADE'))
        engine.dispose()

"""Fresh, isolated databases per test: a SQLite file each, or a PostgreSQL schema each
(one schema per service, so services stay as separate as they are in production)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

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
                    conn.execute(text(f'CREATE SCHEMA "t_{self.tag}_{service}"'))
            engine.dispose()
            for service in SERVICES:
                self.urls[service] = f"{POSTGRES_URL}?options=-csearch_path%3Dt_{self.tag}_{service}"
        else:
            for service in SERVICES:
                self.urls[service] = f"sqlite:///{(tmp / f'{service}.db').as_posix()}"

    def env(self) -> dict[str, str]:
        return {f"PORTAL_{s.upper()}_DATABASE_URL": url for s, url in self.urls.items()}

    def drop(self) -> None:
        if self.backend != "postgres":
            return
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            for service in SERVICES:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "t_{self.tag}_{service}" CASCADE'))
        engine.dispose()

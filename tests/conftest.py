"""Shared fixtures: real databases (SQLite and PostgreSQL), real Redis, real workers."""

from __future__ import annotations

import os
import secrets
import uuid

import pytest
import redis

from portal_common.config import SERVICES, load_settings
from portal_common.crypto import new_key
from portal_common.db import make_engine, make_session_factory
from portal_common.migrate import upgrade

from .support.databases import Databases
from .support.processes import RedisServer, Stack

# A database number per test run (2-15), so two suites on one machine rarely share one:
# each test flushes its database.
MACHINE_REDIS = os.environ.get("PORTAL_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{2 + os.getpid() % 14}")


def base_env(databases: Databases, redis_url: str, data_dir) -> dict[str, str]:
    env = {
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_REDIS_URL": redis_url,
        "PORTAL_FERNET_KEYS": new_key(),
        "PORTAL_VISIBILITY_TIMEOUT": "8",
        "PORTAL_RETRY_BACKOFF_MAX": "2",
        "PORTAL_TASK_MAX_RETRIES": "3",
        "PORTAL_RELAY_INTERVAL": "0.2",
        "PORTAL_RESEND_INTERVAL": "3",
        "PORTAL_LOG_LEVEL": "INFO",
        **databases.env(),
    }
    for service in ("intake", "analytics", "training"):
        env[f"PORTAL_{service.upper()}_SECRET_KEY"] = secrets.token_urlsafe(40)
    return env


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


@pytest.fixture
def databases(backend, tmp_path):
    dbs = Databases(backend, tmp_path)
    for service in SERVICES:
        upgrade(service, dbs.urls[service])
    yield dbs
    dbs.drop()


@pytest.fixture
def machine_redis():
    client = redis.Redis.from_url(MACHINE_REDIS)
    client.flushdb()
    yield MACHINE_REDIS
    client.flushdb()


@pytest.fixture
def env(databases, machine_redis, tmp_path) -> dict[str, str]:
    return base_env(databases, machine_redis, tmp_path)


@pytest.fixture
def settings_for(env):
    def _settings(service: str):
        return load_settings(service, env)

    return _settings


@pytest.fixture
def intake_app(settings_for):
    from services.intake.app import create_app

    app = create_app(settings_for("intake"))
    app.config["TESTING"] = True
    yield app
    app.extensions["portal"]["engine"].dispose()


@pytest.fixture
def sessions_for(databases):
    """sessionmaker on a service's test database; engines are disposed after the test."""
    engines = []

    def _sessions(service: str):
        engine = make_engine(databases.urls[service])
        engines.append(engine)
        return make_session_factory(engine)

    yield _sessions
    for engine in engines:
        engine.dispose()


@pytest.fixture
def private_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stack_factory(tmp_path):
    stacks: list[Stack] = []

    def _make(env: dict[str, str]) -> Stack:
        logdir = tmp_path / f"logs-{uuid.uuid4().hex[:6]}"
        logdir.mkdir()
        stack = Stack(env, logdir)
        stacks.append(stack)
        return stack

    yield _make
    for stack in stacks:
        stack.stop_all()

"""Shared fixtures: real databases (SQLite and PostgreSQL), real Redis, real workers."""

from __future__ import annotations

import os
import secrets
import uuid

import pytest
import redis

from portal_common.crypto import new_key
from portal_common.db import make_engine, make_session_factory
from portal_common.messaging import Publisher, make_sender
from portal_ops import registry

from .support.databases import Databases
from .support.processes import RedisServer, Stack

# A database number per test run (2-15), so two suites on one machine rarely share one:
# each test flushes its database.
MACHINE_REDIS = os.environ.get("PORTAL_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{2 + os.getpid() % 14}")


# Fixtures that need a running server (Redis, PostgreSQL) or worker processes.
NEEDS_SERVICES = {"machine_redis", "private_redis", "stack_factory"}


def pytest_collection_modifyitems(config, items):
    """Every test gets exactly one layer marker, so `-m unit` runs with nothing running.

    browser and pipeline are declared by the tests themselves; integration is any other test
    that uses Redis, PostgreSQL or worker processes; everything else is unit.
    """
    for item in items:
        if item.get_closest_marker("browser") or item.get_closest_marker("pipeline"):
            continue
        if item.get_closest_marker("postgres") or NEEDS_SERVICES & set(item.fixturenames):
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)


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
    for service in ("intake", "analytics", "training", "accounts"):
        env[f"PORTAL_{service.upper()}_SECRET_KEY"] = secrets.token_urlsafe(40)
    for service in ("analytics", "training"):  # the relying parties (docs/adr/0009)
        env[f"PORTAL_{service.upper()}_OIDC_CLIENT_SECRET"] = secrets.token_urlsafe(40)
    return env


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory):
    """Each backend's databases, migrated once per test session."""
    made: dict[str, Databases] = {}

    def _template(backend: str) -> Databases:
        if backend not in made:
            made[backend] = Databases(backend, tmp_path_factory.mktemp(f"template-{backend}")).migrate()
        return made[backend]

    yield _template
    for dbs in made.values():
        dbs.drop()


@pytest.fixture
def databases(backend, tmp_path, request, migrated_templates):
    """Migrated, empty databases for every service (see tests/support/databases.py)."""
    if backend == "sqlite":
        yield migrated_templates("sqlite").copy_to(tmp_path)
        return
    if "stack_factory" in request.fixturenames:
        dbs = Databases(backend, tmp_path).migrate()  # workers may outlive the test's own writes
        yield dbs
        dbs.drop()
        return
    shared = migrated_templates(backend)
    shared.empty()
    yield shared
    shared.empty()


@pytest.fixture
def machine_redis():
    client = redis.Redis.from_url(MACHINE_REDIS)
    client.flushdb()
    yield MACHINE_REDIS
    client.flushdb()


@pytest.fixture
def env(databases, machine_redis, tmp_path) -> dict[str, str]:
    return base_env(databases, machine_redis, tmp_path)


def settings_class(service: str, kind: str = "web"):
    svc = registry.service(service)
    if kind == "web" and svc.web is not None:
        return svc.web.settings
    if kind == "relay" and svc.relay_settings is not None:
        return svc.relay_settings
    if svc.worker_settings is None:
        raise LookupError(f"{service} has no {kind} process")
    return svc.worker_settings


@pytest.fixture
def settings_for(env):
    """settings_for("intake") -> the web app's settings; kind="worker" or "relay" for those."""

    def _settings(service: str, kind: str = "web"):
        return settings_class(service, kind).from_env(env)

    return _settings


def make_app(service: str, settings):
    web = registry.service(service).web
    return web.create_app(settings)


def run_relay_once(settings_for, service: str = "intake") -> None:
    """One pass of the service's real relay, which also writes the heartbeat its web app's
    readiness checks (intake is not ready until its relay has run)."""
    relay = registry.service(service).relay(settings_for(service, "relay"), registry.routing())
    relay.tick(0.0)
    relay.sessions.kw["bind"].dispose()


@pytest.fixture
def publisher_for(settings_for):
    """A Publisher that sends as the named service would, with the registry's routing."""

    def _publisher(service: str) -> Publisher:
        return Publisher(make_sender(settings_for(service, "worker")), registry.routing())

    return _publisher


@pytest.fixture
def intake_app(settings_for):
    app = make_app("intake", settings_for("intake"))
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

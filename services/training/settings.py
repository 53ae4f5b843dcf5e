"""Training's settings, one class per process type (web app, worker)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from portal_common.messaging import WorkerSettings
from portal_common.settings import DatabaseSettings, service_prefix
from portal_common.signin import StaffRelyingPartySettings

NAME = "training"


class TrainingDatabase(DatabaseSettings):
    service: ClassVar[str] = NAME
    model_config = service_prefix(NAME)


class TrainingWebSettings(StaffRelyingPartySettings, TrainingDatabase):
    """The staff web app: its secret, broker, database, the staff site's addresses and sign-in."""

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

"""Training's settings, one class per process type (web app, worker)."""

from __future__ import annotations

from typing import ClassVar

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


class TrainingWorkerSettings(WorkerSettings, TrainingDatabase):
    model_config = service_prefix(NAME)

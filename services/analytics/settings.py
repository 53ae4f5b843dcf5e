"""Analytics's settings, one class per process type (web app, worker, relay)."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import Field, field_validator

from portal_common.messaging import RelaySettings, WorkerSettings
from portal_common.settings import DatabaseSettings, service_prefix
from portal_common.signin import StaffRelyingPartySettings

NAME = "analytics"

# What may be listed in PORTAL_ANALYTICS_APPROVAL_REQUIRED besides organisation codes.
EVERY_ORGANISATION = "all"
SYSTEM_WIDE = "system"
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")


class AnalyticsDatabase(DatabaseSettings):
    service: ClassVar[str] = NAME
    model_config = service_prefix(NAME)


class AnalyticsWebSettings(StaffRelyingPartySettings, AnalyticsDatabase):
    """The staff web app: its secret, broker, database, the staff site's addresses and sign-in."""

    model_config = service_prefix(NAME)

    approval_required: str = Field(
        "",
        description="Organisations whose 'you said, we did' actions need a second lead's approval before "
        "they are published: comma-separated organisation codes (e.g. `RX1,RX2`), `system` for actions "
        "covering every organisation, or `all` for every action. Empty: one lead may publish.",
    )

    @field_validator("approval_required")
    @classmethod
    def _codes(cls, value: str) -> str:
        codes = [part.strip() for part in value.split(",") if part.strip()]
        words = {EVERY_ORGANISATION, SYSTEM_WIDE}
        codes = [code.lower() if code.lower() in words else code for code in codes]
        for code in codes:
            if not _CODE.fullmatch(code):
                raise ValueError(f"must be organisation codes separated by commas, 'system' or 'all', got {code!r}")
        if EVERY_ORGANISATION in codes and len(codes) > 1:
            raise ValueError("'all' already covers every organisation: list nothing else with it")
        return ",".join(codes)

    def needs_approval(self, organisation: str | None) -> bool:
        """Does an action for ``organisation`` (None: every organisation) need a second lead?"""
        codes = set(self.approval_required.split(",")) - {""}
        return EVERY_ORGANISATION in codes or (organisation or SYSTEM_WIDE) in codes


class AnalyticsWorkerSettings(WorkerSettings, AnalyticsDatabase):
    """The worker: events on ``analytics.events``; the release job on ``analytics.releases``."""

    model_config = service_prefix(NAME)

    disclosure_k: int = Field(
        10,
        ge=8,
        le=100,
        description="The smallest count a release shows: 1 to k-1 is shown as [c] (never below 8).",
    )
    release_grace_days: int = Field(
        14,
        ge=0,
        le=90,
        description="Days after a quarter ends before its releases are built (reports still on their way).",
    )
    release_lag_days: int = Field(
        28,
        ge=0,
        le=365,
        description="Days after a quarter ends before leads see its releases, so that no figure can be "
        "tied to an incident still fresh in people's minds.",
    )
    retention_days: int = Field(
        400,
        ge=120,
        le=3650,
        description="Days a report's coded answers are kept. Older rows are deleted once every release "
        "counting them (its quarter and the four rolling years that include it) is built; rows whose "
        "releases are not built yet stay. Releases are kept, so trends survive.",
    )
    release_job_lock: int = Field(
        21600,
        ge=60,
        le=172800,
        description="Seconds a release job's lock in Redis lasts if its worker dies holding it.",
    )


class AnalyticsRelaySettings(RelaySettings, AnalyticsDatabase):
    """Analytics' part of ``portal-relay``: its outbox, and releases whose publication date has come."""

    model_config = service_prefix(NAME)

    release_check_interval: float = Field(
        60,
        ge=0.5,
        le=86400,
        description="Seconds between checks for releases whose publication date has come; each is "
        "announced once (release.published), so intake can tell reporters their report was counted.",
    )
    release_build_interval: float = Field(
        3600,
        ge=1,
        le=86400,
        description="Seconds between release jobs the relay queues on `analytics.releases`: each builds "
        "every release that is due and not built, announces those whose day has come and deletes report "
        "rows past retention. A job already running makes the next one do nothing.",
    )

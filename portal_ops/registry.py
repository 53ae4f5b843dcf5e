"""The one registry: which services exist, what each publishes and subscribes to, who confirms.

Everything that starts or wires processes reads this table and nothing else: the queues
each worker consumes, the ``Routing`` handed to every worker and relay, the relay's list of
outboxes, the runner's processes, the migrations, the dead-letter tool, the README's event
catalogue and configuration reference. Adding a consumer of an event is one edit here (plus
its handler); the services themselves never name one another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from celery import Celery
from flask import Flask
from sqlalchemy import MetaData

from portal_common.messaging import PREVIEW_QUEUE, queue_for
from portal_common.models import DeadLetterMixin
from portal_common.routing import Routing
from portal_common.settings import DatabaseSettings, PortalSettings
from services.accounts import app as accounts_app
from services.accounts import models as accounts_models
from services.accounts import settings as accounts_settings
from services.analytics import app as analytics_app
from services.analytics import jobs as analytics_jobs
from services.analytics import models as analytics_models
from services.analytics import relay as analytics_relay
from services.analytics import settings as analytics_settings
from services.analytics import worker as analytics_worker
from services.intake import app as intake_app
from services.intake import models as intake_models
from services.intake import relay as intake_relay
from services.intake import settings as intake_settings
from services.intake import worker as intake_worker
from services.redactor import models as redactor_models
from services.redactor import settings as redactor_settings
from services.redactor import worker as redactor_worker
from services.training import app as training_app
from services.training import models as training_models
from services.training import relay as training_relay
from services.training import settings as training_settings
from services.training import worker as training_worker

SERVICES_DIR = Path(intake_app.__file__).resolve().parents[1]


@dataclass(frozen=True)
class Web:
    """A Flask app served under gunicorn. Web apps publish only through their outbox (the
    relay routes it), so unlike workers they are not handed a Routing."""

    create_app: Callable[[Any], Flask]
    settings: type[PortalSettings]
    port_offset: int  # from portal-run's base port


@dataclass(frozen=True)
class Service:
    name: str
    database: type[DatabaseSettings]  # what migrations and the dead-letter tool read
    metadata: MetaData
    # A service with no worker (accounts: web only, no events) has none of these three.
    dead_letters: type[DeadLetterMixin] | None = None
    make_worker: Callable[[Routing], Celery] | None = None
    worker_settings: type[PortalSettings] | None = None
    subscribes: tuple[str, ...] = ()
    publishes: tuple[str, ...] = ()
    # Events this service confirms holding (with report.stored), so their producer stops re-sending.
    confirms: tuple[str, ...] = ()
    # Queues beyond <service>.events that its worker consumes (request/response tasks).
    extra_queues: tuple[str, ...] = ()
    # Queues of long jobs, served by a worker process of their own (same Celery app) so that
    # they never hold up the events: analytics' release job.
    job_queues: tuple[str, ...] = ()
    web: Web | None = None
    # Builds the service's relay (outbox publisher), if it publishes through an outbox.
    relay: Callable[[Any, Routing], Any] | None = None
    relay_settings: type[PortalSettings] | None = None

    @property
    def queues(self) -> tuple[str, ...]:
        own = (queue_for(self.name),) if self.subscribes else ()
        return (*own, *self.extra_queues)

    @property
    def migrations(self) -> Path:
        return SERVICES_DIR / self.name / "migrations"

    def settings_classes(self) -> list[type[PortalSettings]]:
        found: list[type[PortalSettings]] = [self.database]
        if self.worker_settings:
            found.append(self.worker_settings)
        if self.web:
            found.append(self.web.settings)
        if self.relay_settings:
            found.append(self.relay_settings)
        return found


SERVICES: tuple[Service, ...] = (
    Service(
        name="intake",
        database=intake_settings.IntakeDatabase,
        metadata=intake_models.Base.metadata,
        dead_letters=intake_models.DeadLetter,
        make_worker=intake_worker.make_worker,
        worker_settings=intake_settings.IntakeWorkerSettings,
        subscribes=(
            "report.redacted", "report.stored", "action.published", "action.withdrawn", "release.published",
            "case.published", "case.withdrawn",
        ),
        publishes=("report.submitted", "report.followup_added", "report.training_consent_withdrawn"),
        web=Web(intake_app.create_app, intake_settings.IntakeWebSettings, 0),
        relay=intake_relay.IntakeRelay.build,
        relay_settings=intake_settings.IntakeRelaySettings,
    ),
    Service(
        name="redactor",
        database=redactor_settings.RedactorDatabase,
        metadata=redactor_models.Base.metadata,
        dead_letters=redactor_models.DeadLetter,
        make_worker=redactor_worker.make_worker,
        worker_settings=redactor_settings.RedactorWorkerSettings,
        subscribes=("report.submitted",),
        publishes=("report.redacted",),
        extra_queues=(PREVIEW_QUEUE,),
    ),
    Service(
        name="analytics",
        database=analytics_settings.AnalyticsDatabase,
        metadata=analytics_models.Base.metadata,
        dead_letters=analytics_models.DeadLetter,
        make_worker=analytics_worker.make_worker,
        worker_settings=analytics_settings.AnalyticsWorkerSettings,
        subscribes=("report.redacted", "report.followup_added"),
        publishes=("report.stored", "action.published", "action.withdrawn", "release.published"),
        confirms=("report.redacted",),
        web=Web(analytics_app.create_app, analytics_settings.AnalyticsWebSettings, 1),
        job_queues=(analytics_jobs.QUEUE,),
        relay=analytics_relay.AnalyticsRelay.build,
        relay_settings=analytics_settings.AnalyticsRelaySettings,
    ),
    Service(
        name="training",
        database=training_settings.TrainingDatabase,
        metadata=training_models.Base.metadata,
        dead_letters=training_models.DeadLetter,
        make_worker=training_worker.make_worker,
        worker_settings=training_settings.TrainingWorkerSettings,
        subscribes=("report.redacted", "report.followup_added", "report.training_consent_withdrawn"),
        publishes=("report.stored", "case.published", "case.withdrawn"),
        # Every report.redacted, kept or not (only consenting reports are kept), and every
        # withdrawal once applied, so intake re-sends neither for ever.
        confirms=("report.redacted", "report.training_consent_withdrawn"),
        web=Web(training_app.create_app, training_settings.TrainingWebSettings, 2),
        relay=training_relay.TrainingRelay.build,
        relay_settings=training_settings.TrainingRelaySettings,
    ),
    # Staff sign-in (docs/adr/0009): an OpenID Connect provider; no worker, no events.
    Service(
        name="accounts",
        database=accounts_settings.AccountsDatabase,
        metadata=accounts_models.Base.metadata,
        web=Web(accounts_app.create_app, accounts_settings.AccountsWebSettings, 3),
    ),
)

BY_NAME: dict[str, Service] = {service.name: service for service in SERVICES}
NAMES: tuple[str, ...] = tuple(BY_NAME)


def service(name: str) -> Service:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown service {name!r}; known: {', '.join(NAMES)}") from None


@cache
def routing() -> Routing:
    """The routing every process is given, derived from the table above."""
    subscribers: dict[str, list[str]] = {}
    confirmers: dict[str, list[str]] = {}
    for svc in SERVICES:
        for event_type in svc.subscribes:
            subscribers.setdefault(event_type, []).append(svc.name)
        for event_type in svc.confirms:
            confirmers.setdefault(event_type, []).append(svc.name)
    return Routing(
        subscribers={k: tuple(v) for k, v in subscribers.items()},
        confirmers={k: tuple(v) for k, v in confirmers.items()},
    )


def web_services() -> list[Service]:
    return [svc for svc in SERVICES if svc.web is not None]


def workers() -> list[Service]:
    """Services that run a Celery worker."""
    return [svc for svc in SERVICES if svc.make_worker is not None]


def relays() -> list[Service]:
    return [svc for svc in SERVICES if svc.relay is not None]

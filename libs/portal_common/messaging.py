"""Celery over Redis: the app factory, publishing, and the idempotent consumer.

Every consuming service has one queue, ``<service>.events``, and one task,
``<service>.handle_event``, that takes an event message (a small JSON object). A
``Publisher`` fans an event out to the queue of each subscriber the ``Routing`` names.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from celery import Celery, Task
from celery.utils.time import get_exponential_backoff_interval
from kombu.exceptions import OperationalError as BrokerError
from marshmallow import ValidationError
from pydantic import Field
from redis.exceptions import RedisError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .db import TRANSIENT_DB_ERRORS, make_engine, make_session_factory, unit_of_work
from .events import Event, derived_id, make_event, parse_message
from .metrics import MetricsSettings, serve_worker_metrics
from .routing import Routing
from .settings import BrokerSettings, DatabaseSettings, shared

log = logging.getLogger("portal.messaging")

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    *TRANSIENT_DB_ERRORS,
    BrokerError,
    RedisError,
    ConnectionError,
    TimeoutError,
)


class TransientFailure(Exception):
    """What a task retries with: names the underlying error class only, never its text."""


# The one request/response task: "check your answers" asks for a redaction and waits for it.
# Named for what it does, not who does it; the registry says which worker serves the queue.
PREVIEW_TASK = "redaction.preview"
PREVIEW_QUEUE = "redaction.preview"


def queue_for(service: str) -> str:
    return f"{service}.events"


def relay_heartbeat_key(service: str) -> str:
    """The Redis key a service's relay refreshes while it runs, with a TTL: readiness of a web
    app whose reports leave through that relay checks the key is there."""
    return f"portal:relay:{service}:heartbeat"


def task_for(service: str) -> str:
    return f"{service}.handle_event"


def celery_config(settings: BrokerSettings) -> dict[str, Any]:
    broker = settings.require_redis()
    return {
        "broker_url": broker,
        # Results are kept only for request/response tasks (ignore_result=False), briefly.
        "result_backend": broker,
        "result_expires": 300,
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_transport_options": {"visibility_timeout": settings.visibility_timeout},
        "broker_connection_retry_on_startup": True,
        "task_default_queue": queue_for(settings.service),
        "task_create_missing_queues": True,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "task_send_sent_event": False,
        "enable_utc": True,
        "timezone": "UTC",
        # Publishing must fail fast when Redis is away: the outbox keeps the event.
        "broker_connection_timeout": 2,
        "broker_pool_limit": 4,
    }


def make_celery(name: str, settings: Callable[[], BrokerSettings], **overrides: Any) -> Celery:
    """A Celery app whose configuration is read (``settings()``) on first use, not at import."""
    app = Celery(name, set_as_current=False)

    @app.on_configure.connect(weak=False)
    def _configure(sender: Celery, **_kw: Any) -> None:
        sender.conf.update({**celery_config(settings()), **overrides})

    serve_worker_metrics(app, name, settings)
    return app


def make_sender(settings: BrokerSettings) -> Celery:
    """A Celery app used only to send: for web apps, the relay and command-line tools."""
    app = Celery(f"{settings.service}-sender", set_as_current=False)
    app.conf.update(celery_config(settings))
    return app


_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


@dataclass
class Publisher:
    """Sends event messages to the queue of every subscriber the routing names."""

    app: Celery
    routing: Routing

    def publish(self, message: dict[str, Any], targets: Iterable[str] | None = None) -> list[str]:
        """Send one event message to each subscribing service's queue (or only ``targets``).

        Raises a broker error when Redis cannot be reached; the caller keeps the event.
        """
        chosen = list(self.routing.subscribers_of(message["type"], targets))
        for service in chosen:
            self.app.send_task(
                task_for(service),
                args=[message],
                queue=queue_for(service),
                retry=True,
                retry_policy=_RETRY_POLICY,
                ignore_result=True,  # events have no result; never touch the result store
            )
        return chosen


class WorkerSettings(BrokerSettings, DatabaseSettings, MetricsSettings):
    """What a consuming worker reads: its broker, its own database, where it serves metrics."""


class RelaySettings(WorkerSettings):
    """What a service's outbox relay reads (it runs inside ``portal-relay``)."""

    relay_interval: float = Field(
        0.5,
        ge=0.05,
        le=60,
        validation_alias=shared("PORTAL_RELAY_INTERVAL"),
        description="Seconds between outbox relay passes.",
    )
    relay_heartbeat_ttl: int = Field(
        60,
        ge=5,
        le=3600,
        validation_alias=shared("PORTAL_RELAY_HEARTBEAT_TTL"),
        description="Seconds a relay's heartbeat (a Redis key it refreshes while it runs) lasts; intake is not "
        "ready (/readyz) once its relay's heartbeat has expired.",
    )


@dataclass
class Runtime:
    """What a service's worker process needs, built once per process."""

    settings: WorkerSettings
    routing: Routing
    engine: Engine
    sessions: sessionmaker[Session]
    inbox: type
    dead_letters: type
    publisher: Publisher | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: WorkerSettings, routing: Routing, inbox: type, dead_letters: type) -> Runtime:
        engine = make_engine(settings.database_url)
        return cls(settings, routing, engine, make_session_factory(engine), inbox, dead_letters)

    def get_publisher(self) -> Publisher:
        if self.publisher is None:
            self.publisher = Publisher(make_sender(self.settings), self.routing)
        return self.publisher


def store_dead_letter(runtime: Runtime, task_name: str, message: Any, error: str, attempts: int) -> None:
    event_id = event_type = None
    if isinstance(message, dict):
        event_id = str(message.get("id"))[:36] if message.get("id") else None
        event_type = str(message.get("type"))[:64] if message.get("type") else None
    with unit_of_work(runtime.sessions) as session:
        session.add(
            runtime.dead_letters(
                event_id=event_id,
                event_type=event_type,
                task_name=task_name,
                message=message,
                error=error,
                attempts=attempts,
            )
        )
    log.warning(
        "message dead-lettered",
        extra={"event_id": event_id, "event_type": event_type, "task": task_name, "error": error},
    )


def retry_or_dead_letter(task: Task, runtime: Runtime, message: Any, exc: BaseException) -> Any:
    """Retry a transient failure with exponential backoff and full jitter, or give up."""
    retries = task.request.retries
    kind = type(exc).__name__
    if retries >= runtime.settings.task_max_retries:
        store_dead_letter(runtime, task.name, message, f"{kind}: retries exhausted", retries)
        return "dead-lettered"
    countdown = get_exponential_backoff_interval(
        factor=1, retries=retries, maximum=runtime.settings.retry_backoff_max, full_jitter=True
    )
    log.info("transient failure, retrying", extra={"task": task.name, "error": kind, "retries": retries})
    raise task.retry(countdown=countdown, exc=TransientFailure(kind), max_retries=None)


Handler = Callable[[Session, Event], None]
AfterCommit = Callable[[Runtime, Event, bool], None]


def consume(
    task: Task,
    runtime: Runtime,
    message: Any,
    handlers: Mapping[str, Handler],
    after_commit: AfterCommit | None = None,
) -> str:
    """Apply one event exactly once: the effect and the inbox row commit together."""
    try:
        event = parse_message(message)
    except ValidationError as exc:
        problems = sorted(exc.messages) if isinstance(exc.messages, dict) else ["message"]
        store_dead_letter(runtime, task.name, message, f"invalid event: fields {problems}", 0)
        return "dead-lettered"
    handler = handlers.get(event.type)
    if handler is None:
        store_dead_letter(runtime, task.name, message, f"no handler for {event.type}", 0)
        return "dead-lettered"
    duplicate = False
    try:
        try:
            with unit_of_work(runtime.sessions) as session:
                if session.get(runtime.inbox, str(event.id)) is not None:
                    duplicate = True
                else:
                    handler(session, event)
                    session.add(runtime.inbox(event_id=str(event.id), event_type=event.type))
                    session.flush()
        except IntegrityError:
            # Two deliveries raced: the other one committed first, so this is a duplicate.
            with unit_of_work(runtime.sessions) as session:
                if session.get(runtime.inbox, str(event.id)) is None:
                    raise
            duplicate = True
    except TRANSIENT_ERRORS as exc:
        return retry_or_dead_letter(task, runtime, message, exc)
    except Exception as exc:  # noqa: BLE001 - any other failure is a poison message
        store_dead_letter(runtime, task.name, message, f"{type(exc).__name__}", task.request.retries)
        return "dead-lettered"
    log.info(
        "event duplicate ignored" if duplicate else "event applied",
        extra={"event_id": str(event.id), "event_type": event.type},
    )
    if after_commit is not None:
        try:
            after_commit(runtime, event, duplicate)
        except TRANSIENT_ERRORS as exc:
            log.warning("after-commit step failed", extra={"event_id": str(event.id), "error": type(exc).__name__})
    return "duplicate" if duplicate else "applied"


def register_consumer(
    app: Celery,
    service: str,
    get_runtime: Callable[[], Runtime],
    handlers: Mapping[str, Handler],
    after_commit: AfterCommit | None = None,
) -> Task:
    @app.task(name=task_for(service), bind=True, acks_late=True, reject_on_worker_lost=True)
    def handle_event(self: Task, message: Any) -> str:
        return consume(self, get_runtime(), message, handlers, after_commit)

    return handle_event


def confirm_stored(runtime: Runtime, event: Event, _duplicate: bool) -> None:
    """After-commit step of a consumer that confirms what it has applied (see the registry).

    A consumer confirms an event even when its handler chose to keep nothing (training and a
    report whose reporter did not agree to training use): the producer waits for applied,
    not for stored. Sent on duplicates too, so a lost confirmation is repaired by the producer's re-send.
    The event id is derived, so repeated confirmations are applied once. Published
    directly, not through an outbox: see docs/adr/0008-confirmations-skip-the-outbox.md.
    """
    consumer = runtime.settings.service
    if consumer not in runtime.routing.confirmers_of(event.type):
        return
    report_id = event.payload["report_id"]
    # The confirmation of report.redacted keeps the id it had before other events could be
    # confirmed; each other confirmed event has its own, so the producer's inbox keeps both.
    key = f"{report_id}:{consumer}" if event.type == "report.redacted" else f"{report_id}:{consumer}:{event.type}"
    ack = make_event(
        "report.stored",
        {"report_id": report_id, "consumer": consumer, "event_type": event.type},
        consumer,
        event_id=derived_id("report.stored", key),
    )
    runtime.get_publisher().publish(ack.to_message())

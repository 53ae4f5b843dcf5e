"""The gauges the relay serves on ``PORTAL_METRICS_PORT``, read from Redis and the databases
each time Prometheus scrapes (docs/operations.md lists them, deploy/prometheus/alerts.yml
alerts on them).

- ``portal_queue_messages{queue}``: messages waiting in each Celery queue the registry names
  (Redis LLEN, priority lists included). Not counted: messages a worker holds unacknowledged.
- ``portal_outbox_pending{service}`` and ``portal_outbox_oldest_pending_seconds{service}``:
  unsent outbox rows, and how long the oldest of them has been the oldest. The rows keep
  only the Monday of their week (ADR 0004), so the age is measured here, in memory: the
  seconds since a scrape first saw the current oldest unsent row (by its sequence number).
  It restarts at 0 when the relay restarts, and its resolution is the scrape interval.
- ``portal_dead_letters{service}``: dead letters not yet replayed, per service.
- ``portal_intake_unconfirmed_reports``, ``portal_intake_unconfirmed_oldest_seconds`` and
  ``portal_intake_unconfirmed_oldest_days``: reports some consumer has not confirmed. The
  seconds are a lower bound counted in re-send sweeps (each report counts the sweeps that
  found it unconfirmed; sweeps are ``PORTAL_RESEND_INTERVAL`` apart, and none run while the
  outbox has a backlog); the days come from the day of submission intake keeps.
- ``portal_relay_up{service}``: 1 for each outbox this relay serves.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import Any

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from portal_common.db import make_engine, make_session_factory, unit_of_work
from portal_common.metrics import READ_ERRORS, FunctionCollector
from services.intake.metrics import unconfirmed_summary

from . import registry

log = logging.getLogger("portal.metrics")

# kombu's Redis transport keeps a queue's messages of priority p > 0 in "<queue>\x06\x16<p>".
_PRIORITY_SEP = "\x06\x16"
_PRIORITIES = (3, 6, 9)

Family = tuple[str, str, tuple[str, ...], list]


def all_queues() -> list[str]:
    queues: list[str] = []
    for svc in registry.SERVICES:
        for queue in (*svc.queues, *svc.job_queues):
            if queue not in queues:
                queues.append(queue)
    return queues


def queue_depths(client: Any, queues: Iterable[str]) -> dict[str, int]:
    pipe = client.pipeline()
    names = list(queues)
    for queue in names:
        pipe.llen(queue)
        for priority in _PRIORITIES:
            pipe.llen(f"{queue}{_PRIORITY_SEP}{priority}")
    counts = pipe.execute()
    per = 1 + len(_PRIORITIES)
    return {queue: int(sum(counts[i * per : (i + 1) * per])) for i, queue in enumerate(names)}


def outbox_backlog(sessions: sessionmaker[Session], outbox: Any) -> tuple[int, int | None]:
    """(unsent rows, sequence number of the oldest unsent row or None)."""
    with unit_of_work(sessions) as session:
        count, oldest = session.execute(
            select(func.count(), func.min(outbox.seq)).select_from(outbox).where(outbox.sent.is_(False))
        ).one()
    return int(count or 0), (int(oldest) if oldest is not None else None)


def dead_letter_count(sessions: sessionmaker[Session], model: Any) -> int:
    with unit_of_work(sessions) as session:
        count = session.scalar(select(func.count()).select_from(model).where(model.replayed.is_(False)))
    return int(count or 0)


class OldestSeen:
    """How long each service's current oldest unsent row has been the oldest, by its seq."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.first: dict[str, tuple[int, float]] = {}
        self.lock = threading.Lock()

    def age(self, service: str, oldest_seq: int | None) -> float:
        with self.lock:
            if oldest_seq is None:
                self.first.pop(service, None)
                return 0.0
            now = self.clock()
            seen = self.first.get(service)
            if seen is None or seen[0] != oldest_seq:
                self.first[service] = (oldest_seq, now)
                return 0.0
            return now - seen[1]


class RelayMetrics:
    """What the relay process serves: queue depths, outbox backlogs, dead letters, intake's
    unconfirmed reports. ``relays`` are (service name, OutboxRelay) pairs."""

    def __init__(
        self,
        redis_url: str,
        relays: list[tuple[str, Any]],
        clock: Callable[[], float] = time.monotonic,
        env: Mapping[str, str] | None = None,
    ):
        self.redis_url = redis_url
        self.env = env  # where the other services' database URLs are read (default: the environment)
        self.relays = relays
        self.oldest = OldestSeen(clock)
        self._sessions: dict[str, sessionmaker[Session]] = {name: relay.sessions for name, relay in relays}

    def sessions_for(self, service: str) -> sessionmaker[Session]:
        if service not in self._sessions:
            settings = registry.service(service).database.from_env(self.env)
            self._sessions[service] = make_session_factory(make_engine(settings.database_url))
        return self._sessions[service]

    def collectors(self) -> list[FunctionCollector]:
        return [
            FunctionCollector("queues", self.read_queues),
            FunctionCollector("outbox", self.read_outboxes),
            FunctionCollector("dead_letters", self.read_dead_letters),
            FunctionCollector("intake", self.read_intake),
        ]

    def read_queues(self) -> Iterator[Family]:
        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2, socket_timeout=2)
        try:
            depths = queue_depths(client, all_queues())
        finally:
            client.close()
        yield (
            "portal_queue_messages",
            "Messages waiting in a Celery queue (Redis), not counting those a worker holds.",
            ("queue",),
            [((queue,), depth) for queue, depth in depths.items()],
        )

    def read_outboxes(self) -> Iterator[Family]:
        pending, ages, up = [], [], []
        for name, relay in self.relays:
            up.append(((name,), 1))
            read = _guarded(f"outbox_{name}", partial(outbox_backlog, relay.sessions, relay.outbox))
            if read is None:
                continue
            count, oldest = read
            pending.append(((name,), count))
            ages.append(((name,), self.oldest.age(name, oldest)))
        yield ("portal_relay_up", "1 for each service's outbox this relay process publishes.", ("service",), up)
        yield ("portal_outbox_pending", "Outbox rows not yet published to the broker.", ("service",), pending)
        yield (
            "portal_outbox_oldest_pending_seconds",
            "Seconds the current oldest unsent outbox row has been the oldest, as seen by this relay's scrapes "
            "(0 with no backlog; restarts at 0 with the relay).",
            ("service",),
            ages,
        )

    def read_dead_letters(self) -> Iterator[Family]:
        samples = []
        for svc in registry.SERVICES:
            if svc.dead_letters is None:
                continue
            count = _guarded(f"dead_letters_{svc.name}", partial(self._dead_letters, svc.name, svc.dead_letters))
            if count is not None:
                samples.append(((svc.name,), count))
        yield ("portal_dead_letters", "Dead letters not yet replayed, per service.", ("service",), samples)

    def _dead_letters(self, service: str, model: Any) -> int:
        return dead_letter_count(self.sessions_for(service), model)

    def read_intake(self) -> Iterator[Family]:
        intake = next((relay for name, relay in self.relays if name == "intake"), None)
        if intake is None:
            return
        summary = unconfirmed_summary(intake.sessions, float(intake.settings.resend_interval))
        yield ("portal_intake_unconfirmed_reports", "Reports some consumer has not confirmed yet.", (), [
            ((), summary.count)
        ])
        yield (
            "portal_intake_unconfirmed_oldest_seconds",
            "Lower bound of the age of the oldest unconfirmed report: the re-send sweeps that found it "
            "unconfirmed times PORTAL_RESEND_INTERVAL.",
            (),
            [((), summary.oldest_seconds)],
        )
        yield (
            "portal_intake_unconfirmed_oldest_days",
            "Whole days since the oldest unconfirmed report was sent (intake keeps the day only).",
            (),
            [((), summary.oldest_days)],
        )


def _guarded(name: str, read: Callable[[], Any]) -> Any:
    """One source's reading, or None (counted in portal_metrics_read_errors) if it failed."""
    try:
        return read()
    except Exception as exc:  # noqa: BLE001 - reported as a count and a class name only
        READ_ERRORS.labels(name).inc()
        log.warning("metrics read failed", extra={"collector": name, "error": type(exc).__name__})
        return None

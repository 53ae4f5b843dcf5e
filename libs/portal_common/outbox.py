"""Transactional outbox: events are written with the business change and relayed later.

``add_event`` is called inside the producer's unit of work. ``relay_once`` publishes
pending rows in order and marks them sent (and drops their message, so no ciphertext
outlives delivery). A crash between publish and commit re-publishes, which consumers
absorb through their inbox: at-least-once, never lost.
"""

from __future__ import annotations

import abc
import datetime as dt
import logging
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from .db import is_postgres, make_engine, make_session_factory, unit_of_work
from .events import Event
from .messaging import TRANSIENT_ERRORS, Publisher, make_sender, relay_heartbeat_key
from .models import today

log = logging.getLogger("portal.outbox")


def add_event(session: Session, outbox: Any, event: Event, targets: list[str] | None = None) -> None:
    add_message(session, outbox, event.to_message(), targets)


def add_message(session: Session, outbox: Any, message: dict[str, Any], targets: list[str] | None = None) -> None:
    """Queue an event message as it is (for example one received earlier, to re-send it)."""
    session.add(
        outbox(
            event_id=str(message["id"]),
            event_type=str(message["type"]),
            message=message,
            targets=targets,
            sent=False,
        )
    )


def relay_once(sessions: sessionmaker[Session], outbox: Any, publisher: Publisher, batch: int = 200) -> int:
    """Publish pending outbox rows; returns how many were sent. Stops at the first broker error."""
    sent = 0
    with unit_of_work(sessions) as session:
        query = select(outbox).where(outbox.sent.is_(False)).order_by(outbox.seq).limit(batch)
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True)
        for row in session.scalars(query).all():
            try:
                publisher.publish(row.message, row.targets)
            except TRANSIENT_ERRORS as exc:
                log.warning("broker unavailable, outbox kept", extra={"error": type(exc).__name__})
                break
            row.sent = True
            row.message = None
            sent += 1
    if sent:
        log.info("outbox relayed", extra={"count": sent})
    return sent


def purge_sent(sessions: sessionmaker[Session], outbox: Any, keep_days: int = 7) -> int:
    cutoff = today() - dt.timedelta(days=keep_days)
    with unit_of_work(sessions) as session:
        statement = delete(outbox).where(outbox.sent.is_(True), outbox.created_on < cutoff)
        result = cast(CursorResult, session.execute(statement))
        return result.rowcount or 0


def pending_count(sessions: sessionmaker[Session], outbox: Any) -> int:
    with unit_of_work(sessions) as session:
        count: int | None = session.scalar(select(func.count()).select_from(outbox).where(outbox.sent.is_(False)))
        return count or 0


class OutboxRelay(abc.ABC):
    """A service's part of ``portal-relay``: every pass publishes its outbox; every
    ``chore_interval`` seconds it first does the service's periodic work (:meth:`chores`) and
    purges sent rows. A service subclasses it, naming its ``outbox`` model."""

    outbox: Any  # the service's Outbox model

    def __init__(self, settings: Any, routing: Any, sessions: sessionmaker[Session], publisher: Publisher):
        self.settings, self.routing, self.sessions, self.publisher = settings, routing, sessions, publisher
        self.last_chores: float | None = None
        self.last_beat: float | None = None
        self._redis: Any = None

    @classmethod
    def build(cls, settings: Any, routing: Any) -> OutboxRelay:
        settings.require_redis()
        sessions = make_session_factory(make_engine(settings.database_url))
        return cls(settings, routing, sessions, Publisher(make_sender(settings), routing))

    @property
    def interval(self) -> float:
        return float(self.settings.relay_interval)

    @property
    @abc.abstractmethod
    def chore_interval(self) -> float:
        """Seconds between the service's periodic chores (and purges of sent rows)."""

    @abc.abstractmethod
    def chores(self) -> None:
        """The service's periodic work, before the outbox is published."""

    def tick(self, now: float) -> int:
        """One pass: the chores and a purge when they are due, then the outbox. Returns events sent."""
        if self.last_chores is None or now - self.last_chores >= self.chore_interval:
            self.chores()
            purge_sent(self.sessions, self.outbox)
            self.last_chores = now
        sent = relay_once(self.sessions, self.outbox, self.publisher)
        self.beat(now)
        return sent

    def beat(self, now: float) -> None:
        """Refresh this relay's heartbeat (a Redis key with a TTL) a few times per TTL.

        Only a pass that reached the database gets here, so an expired heartbeat means the
        relay stopped or cannot work. The key holds nothing but "1".
        """
        ttl = int(self.settings.relay_heartbeat_ttl)
        if self.last_beat is not None and now - self.last_beat < ttl / 4:
            return
        try:
            if self._redis is None:
                import redis

                self._redis = redis.Redis.from_url(
                    self.settings.require_redis(), socket_connect_timeout=2, socket_timeout=2
                )
            self._redis.set(relay_heartbeat_key(self.settings.service), "1", ex=ttl)
            self.last_beat = now
        except TRANSIENT_ERRORS as exc:
            log.warning("relay heartbeat not written", extra={"error": type(exc).__name__})

"""The outbox relay: publishes each service's pending events, and for intake re-sends
reports that were never confirmed (which is how a Redis that lost its queues recovers).

    portal-relay                          # every service that has an outbox
    portal-relay --service intake --once  # one pass, for scripts and tests
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
import time
from dataclasses import dataclass

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from .config import ConfigError, Settings, load_settings
from .db import TRANSIENT_DB_ERRORS, make_engine, make_session_factory, unit_of_work
from .logs import configure as configure_logging
from .messaging import make_publisher
from .outbox import purge_sent, relay_once

log = logging.getLogger("portal.relay")

PRODUCERS = ("intake", "analytics", "training")


@dataclass
class ServiceRelay:
    settings: Settings
    sessions: sessionmaker[Session]
    outbox: type
    publisher: Celery
    last_sweep: float = 0.0

    @classmethod
    def build(cls, service: str) -> ServiceRelay:
        settings = load_settings(service, _relay_env(service))
        models = importlib.import_module(f"services.{service}.models")
        engine = make_engine(settings.database_url)
        return cls(settings, make_session_factory(engine), models.Outbox, make_publisher(settings))

    def tick(self, now: float) -> int:
        sent = 0
        if self.settings.service == "intake" and now - self.last_sweep >= self.settings.resend_interval:
            from services.intake.operations import purge_sent_drafts, sweep_unconfirmed

            with unit_of_work(self.sessions) as session:
                sweep_unconfirmed(session)
                purge_sent_drafts(session)
            self.last_sweep = now
            purge_sent(self.sessions, self.outbox)
        sent += relay_once(self.sessions, self.outbox, self.publisher)
        return sent


def _relay_env(service: str) -> dict[str, str]:
    """The relay needs database and broker only; secrets it never uses are not demanded."""
    import os

    from .crypto import new_key

    env = dict(os.environ)
    env.setdefault(f"PORTAL_{service.upper()}_SECRET_KEY", "relay-does-not-serve-pages-" + "x" * 8)
    env.setdefault("PORTAL_FERNET_KEYS", new_key())
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--service", action="append", choices=PRODUCERS, help="repeatable; default: all")
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    args = parser.parse_args(argv)
    services = args.service or list(PRODUCERS)
    try:
        relays = [ServiceRelay.build(s) for s in services]
        for relay in relays:
            relay.settings.require_redis()
    except ConfigError as exc:
        print(f"portal-relay: {exc}", file=sys.stderr)
        return 2
    configure_logging("relay", relays[0].settings.log_level)
    stopping = False

    def _stop(*_a):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    interval = min(r.settings.relay_interval for r in relays)
    log.info("relay started", extra={"count": len(relays)})
    while not stopping:
        for relay in relays:
            try:
                relay.tick(time.monotonic())
            except TRANSIENT_DB_ERRORS as exc:
                name = relay.settings.service
                log.warning("database unavailable", extra={"error": type(exc).__name__, "queue": name})
        if args.once:
            break
        time.sleep(interval)
    log.info("relay stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())

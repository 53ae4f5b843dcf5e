"""The outbox relay: runs the relay of every service that publishes through an outbox
(intake's, which also re-sends reports never confirmed, see services/intake/relay.py; and
analytics', which also announces releases whose publication date has come, see
services/analytics/relay.py).

    portal-relay                          # every service with an outbox
    portal-relay --service intake --once  # one pass, for scripts and tests
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time

from portal_common.db import TRANSIENT_DB_ERRORS
from portal_common.logs import configure as configure_logging
from portal_common.metrics import serve
from portal_common.settings import ConfigError

from . import registry
from .metrics import RelayMetrics

log = logging.getLogger("portal.relay")


def main(argv: list[str] | None = None) -> int:
    producers = [svc.name for svc in registry.relays()]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--service", action="append", choices=producers, help="repeatable; default: all")
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    args = parser.parse_args(argv)
    relays = []
    try:
        for name in args.service or producers:
            svc = registry.service(name)
            assert svc.relay is not None and svc.relay_settings is not None
            relays.append((name, svc.relay(svc.relay_settings.load(), registry.routing())))
    except ConfigError as exc:
        print(f"portal-relay: {exc}", file=sys.stderr)
        return 2
    configure_logging("relay", relays[0][1].settings.log_level)
    first = relays[0][1].settings
    if first.metrics_port:
        serve(first, RelayMetrics(first.require_redis(), relays).collectors())
    stopping = False

    def _stop(*_a):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    interval = min(relay.interval for _name, relay in relays)
    log.info("relay started", extra={"count": len(relays)})
    while not stopping:
        for name, relay in relays:
            try:
                relay.tick(time.monotonic())
            except TRANSIENT_DB_ERRORS as exc:
                log.warning("database unavailable", extra={"error": type(exc).__name__, "queue": name})
        if args.once:
            break
        time.sleep(interval)
    log.info("relay stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())

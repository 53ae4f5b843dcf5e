"""Inspect and replay dead-lettered messages of a service.

    portal-dlq list --service analytics
    portal-dlq replay --service analytics 12 13
    portal-dlq replay --service redactor --all
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import cache

from sqlalchemy import select

from portal_common.db import make_engine, make_session_factory, unit_of_work
from portal_common.messaging import WorkerSettings, make_sender, queue_for, task_for
from portal_common.settings import ConfigError

from . import registry


@cache
def tool_settings(service: str) -> type[WorkerSettings]:
    """What this tool reads for a service: its database and the broker, no secrets."""
    database = registry.service(service).database
    return type(
        f"{database.__name__}DeadLetterTool",
        (WorkerSettings, database),
        {"model_config": database.model_config, "__module__": __name__},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="dead letters not yet replayed (add --all for every one)")
    with_workers = [svc.name for svc in registry.workers()]
    listing.add_argument("--service", required=True, choices=with_workers)
    listing.add_argument("--all", action="store_true")
    replay = sub.add_parser("replay", help="send dead letters back to the service's queue")
    replay.add_argument("--service", required=True, choices=with_workers)
    replay.add_argument("ids", nargs="*", type=int)
    replay.add_argument("--all", action="store_true", help="every dead letter not yet replayed")
    args = parser.parse_args(argv)

    try:
        settings = tool_settings(args.service).load()
    except ConfigError as exc:
        print(f"portal-dlq: {exc}", file=sys.stderr)
        return 2
    model = registry.service(args.service).dead_letters
    assert model is not None  # every service with a worker keeps dead letters
    sessions = make_session_factory(make_engine(settings.database_url))

    if args.command == "list":
        with unit_of_work(sessions) as session:
            query = select(model).order_by(model.id)
            if not args.all:
                query = query.where(model.replayed.is_(False))
            rows = session.scalars(query).all()
            for row in rows:
                # The message itself is not printed: it may hold ciphertext. Ids and the error suffice.
                print(json.dumps({
                    "id": row.id, "event_id": row.event_id, "event_type": row.event_type,
                    "task": row.task_name, "error": row.error, "attempts": row.attempts,
                    "failed_week": row.failed_on.isoformat(), "replayed": row.replayed,
                }))
        print(f"{len(rows)} dead letter(s)", file=sys.stderr)
        return 0

    if not args.ids and not args.all:
        parser.error("name dead-letter ids to replay, or --all")
    try:
        settings.require_redis()
    except ConfigError as exc:
        print(f"portal-dlq: {exc}", file=sys.stderr)
        return 2
    publisher = make_sender(settings)
    replayed = 0
    with unit_of_work(sessions) as session:
        query = select(model).where(model.replayed.is_(False))
        if not args.all:
            query = query.where(model.id.in_(args.ids))
        for row in session.scalars(query).all():
            publisher.send_task(task_for(args.service), args=[row.message], queue=queue_for(args.service))
            row.replayed = True
            replayed += 1
    print(f"replayed {replayed} dead letter(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

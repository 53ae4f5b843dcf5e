"""What views need from the app, built once per process: ciphers, publisher, Redis."""

from __future__ import annotations

from typing import Any

import redis
from flask import current_app

from portal_common.messaging import make_sender


def portal() -> dict[str, Any]:
    return current_app.extensions["portal"]


def publisher():
    state = portal()
    if "publisher" not in state:
        # Only request/response tasks go out from the web app (events go through the outbox).
        state["publisher"] = make_sender(state["settings"])
    return state["publisher"]


def redis_client() -> redis.Redis:
    state = portal()
    if "redis" not in state:
        state["redis"] = redis.Redis.from_url(
            state["settings"].require_redis(), socket_connect_timeout=2, socket_timeout=2
        )
    return state["redis"]

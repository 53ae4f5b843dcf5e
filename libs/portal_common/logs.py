"""Structured logs: one JSON object per line, with ids and counts, never payloads.

Only the fields listed in ``SAFE_FIELDS`` are copied from a record's ``extra``; anything
else a library attaches (request objects, task arguments) is dropped.
"""

from __future__ import annotations

import json
import logging
import sys
import time

SAFE_FIELDS = (
    "service",
    "event_id",
    "event_type",
    "report_id",
    "task",
    "error",
    "count",
    "retries",
    "status",
    "path",
    "method",
    "queue",
)


class JsonFormatter(logging.Formatter):
    converter = time.gmtime  # type: ignore[assignment]  # UTC, like every time in the portal

    def __init__(self, service: str = "portal"):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            # The hour only, like event envelopes: a finer time next to a report id could
            # tie a report to the moment someone sent it. Line order gives the sequence.
            "at": self.formatTime(record, "%Y-%m-%dT%H:00Z"),
            "level": record.levelname,
            "logger": record.name,
            "service": self.service,
            "msg": record.getMessage(),
        }
        for key in SAFE_FIELDS:
            value = getattr(record, key, None)
            if value is not None and key != "service":
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The class only: exception text can carry SQL parameters or user input.
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, default=str)


def configure(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Werkzeug's request log writes client addresses: never enable it.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

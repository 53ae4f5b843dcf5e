"""The redaction worker: decrypts in memory, redacts, emits report.redacted.

    celery -A services.redactor.worker worker -Q redactor.events,redactor.preview

The spaCy pipeline loads once per worker process. The raw text exists only in local
variables of ``redact_submission``: it is never logged, stored, or put in an exception.
A failure leaves the submission pending at intake (which re-sends it), never
half-redacted downstream.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from celery import Task
from celery.signals import setup_logging, worker_process_init
from marshmallow import ValidationError

from portal_common.config import load_settings
from portal_common.crypto import InvalidToken, TextCipher
from portal_common.events import Event, derived_id, make_event, parse_message
from portal_common.logs import configure as configure_logging
from portal_common.messaging import (
    TRANSIENT_ERRORS,
    Runtime,
    make_celery,
    publish,
    retry_or_dead_letter,
    store_dead_letter,
)

from . import models

log = logging.getLogger("portal.redactor")

PREVIEW_QUEUE = "redactor.preview"

celery = make_celery("redactor")


@cache
def runtime() -> Runtime:
    settings = load_settings("redactor")
    rt = Runtime.build(settings, models.Inbox, models.DeadLetter)
    rt.extras["cipher"] = TextCipher(settings.fernet_keys)
    return rt


@cache
def redactor():
    from .pipeline import load_redactor

    settings = runtime().settings
    return load_redactor(model=settings.redactor_model, places_csv=settings.redactor_places_csv or None)


@setup_logging.connect(weak=False)
def _logging(**_kw):
    configure_logging("redactor-worker", load_settings("redactor").log_level)


@worker_process_init.connect(weak=False)
def _preload(**_kw):
    redactor()


def redact_submission(event: Event, cipher: TextCipher) -> Event:
    """Pure step: a report.submitted event in, a report.redacted event out."""
    plain = cipher.decrypt_json(event.payload["ciphertext"])
    texts = [str(plain.get("account") or "")]
    help_text = plain.get("what_would_help")
    if help_text:
        texts.append(str(help_text))
    results = redactor().redact_batch(texts)
    main = results[0]
    counts = dict(main.entity_counts)
    if len(results) > 1:
        for label, n in results[1].entity_counts.items():
            counts[label] = counts.get(label, 0) + n
    risk = main.risk if len(results) == 1 or main.risk.score >= results[1].risk.score else results[1].risk
    report_id = event.payload["report_id"]
    return make_event(
        "report.redacted",
        {
            "report_id": report_id,
            "redacted_text": main.redacted,
            "redacted_help": results[1].redacted if len(results) > 1 else None,
            "entity_counts": counts,
            "themes": sorted(set(main.themes) | (set(results[1].themes) if len(results) > 1 else set())),
            "risk": {"score": risk.score, "reasons": list(risk.reasons), "needs_review": risk.needs_review},
            "submitted_week": event.payload["submitted_week"],
            "details": event.payload["details"],
        },
        "redactor",
        event_id=derived_id("report.redacted", str(report_id)),
    )


@celery.task(name="redactor.handle_event", bind=True, acks_late=True, reject_on_worker_lost=True)
def handle_event(self: Task, message: Any) -> str:
    rt = runtime()
    try:
        event = parse_message(message)
        if event.type != "report.submitted":
            raise ValidationError("not a report.submitted event", "type")
    except ValidationError:
        store_dead_letter(rt, self.name, message, "invalid event envelope or payload", 0)
        return "dead-lettered"
    try:
        redacted = redact_submission(event, rt.extras["cipher"])
    except InvalidToken:
        store_dead_letter(rt, self.name, message, "InvalidToken: no configured key decrypts it", 0)
        return "dead-lettered"
    except Exception as exc:  # noqa: BLE001 - the class only; the text may be in its message
        store_dead_letter(rt, self.name, message, f"{type(exc).__name__} while redacting", 0)
        return "dead-lettered"
    try:
        publish(rt.get_publisher(), redacted.to_message())
    except TRANSIENT_ERRORS as exc:
        return retry_or_dead_letter(self, rt, message, exc)
    log.info("report redacted", extra={"event_id": str(redacted.id), "report_id": str(event.payload["report_id"])})
    return "redacted"


@celery.task(name="redactor.preview", bind=True, acks_late=False, ignore_result=False)
def preview(self: Task, request: dict[str, Any]) -> dict[str, str]:
    """Request/response for intake's "check your answers": encrypted both ways."""
    cipher: TextCipher = runtime().extras["cipher"]
    plain = cipher.decrypt_json(request["ciphertext"])
    texts = [str(plain.get("account") or ""), str(plain.get("what_would_help") or "")]
    results = redactor().redact_batch(texts)
    answer = {
        "account": results[0].to_dict(),
        "what_would_help": results[1].to_dict() if texts[1] else None,
    }
    return {"ciphertext": cipher.encrypt_json(answer)}

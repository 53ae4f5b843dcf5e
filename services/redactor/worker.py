"""The redaction worker: decrypts in memory, redacts, emits report.redacted.

    celery -A portal_ops.workers:redactor worker -Q redactor.events,redaction.preview

The spaCy pipeline loads once per worker process. Messages waiting together are redacted
together: celery-batches hands the task up to ``BATCH_SIZE`` requests at a time and the
texts of all of them go through one ``nlp.pipe`` pass. The raw text exists only in the
``Job`` objects of one batch, in memory: it is never logged, stored, or put in an
exception. A failure leaves the submission pending at intake (which re-sends it), never
half-redacted downstream.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

from celery import Celery, Task
from celery.signals import setup_logging, worker_process_init
from celery.utils.time import get_exponential_backoff_interval
from celery_batches import Batches
from marshmallow import ValidationError

from portal_common.crypto import InvalidToken, TextCipher
from portal_common.events import Event, derived_id, make_event, parse_message
from portal_common.logs import configure as configure_logging
from portal_common.messaging import (
    PREVIEW_TASK,
    TRANSIENT_ERRORS,
    Runtime,
    make_celery,
    queue_for,
    store_dead_letter,
    task_for,
)
from portal_common.metrics import REDACTION_BATCH, REDACTION_OUTCOMES, REDACTION_SECONDS
from portal_common.routing import Routing

from . import models
from .settings import RedactorWorkerSettings

log = logging.getLogger("portal.redactor")

TASK_NAME = task_for("redactor")

BATCH_SIZE = 16  # messages redacted together in one nlp.pipe call
BATCH_WAIT = 0.1  # seconds a lone message waits for company


@cache
def settings() -> RedactorWorkerSettings:
    return RedactorWorkerSettings.load_or_exit()


_routing: list[Routing] = []  # set once by make_worker: who receives report.redacted


@cache
def runtime() -> Runtime:
    rt = Runtime.build(settings(), _routing[0], models.Inbox, models.DeadLetter)
    rt.extras["cipher"] = TextCipher(settings().fernet_key_list)
    return rt


@cache
def redactor():
    from .pipeline import load_redactor

    return load_redactor(model=settings().model, places_csv=settings().places_csv or None)


def _logging(**_kw):
    configure_logging("redactor-worker", settings().log_level)


def _preload(**_kw):
    redactor()


@dataclass
class Job:
    """One report.submitted message on its way through a batch; text only in memory."""

    message: Any
    event: Event
    texts: list[str]
    retries: int


def _open(request: Any, rt: Runtime) -> Job | None:
    """Parse and decrypt one queued message, or dead-letter it and return None."""
    message: Any = request.args[0] if request.args else None
    retries = int((request.request_dict or {}).get("retries") or 0)
    try:
        event = parse_message(message)
        if event.type != "report.submitted":
            raise ValidationError("not a report.submitted event", "type")
    except ValidationError:
        store_dead_letter(rt, TASK_NAME, message, "invalid event envelope or payload", retries)
        return None
    try:
        plain = rt.extras["cipher"].decrypt_json(event.payload["ciphertext"])
    except InvalidToken:
        store_dead_letter(rt, TASK_NAME, message, "InvalidToken: no configured key decrypts it", retries)
        return None
    texts = [str(plain.get("account") or "")]
    if plain.get("what_would_help"):
        texts.append(str(plain["what_would_help"]))
    return Job(message, event, texts, retries)


def redacted_event(job: Job, results: list[Any]) -> Event:
    """Pure step: a submitted report and its redaction results in, report.redacted out."""
    main, extra = results[0], results[1:]
    counts = dict(main.entity_counts)
    themes = set(main.themes)
    risk = main.risk
    for more in extra:
        for label, n in more.entity_counts.items():
            counts[label] = counts.get(label, 0) + n
        themes |= set(more.themes)
        risk = more.risk if more.risk.score > risk.score else risk
    report_id = job.event.payload["report_id"]
    return make_event(
        "report.redacted",
        {
            "report_id": report_id,
            "redacted_text": main.redacted,
            "redacted_help": extra[0].redacted if extra else None,
            "entity_counts": counts,
            "themes": sorted(themes),
            "risk": {"score": risk.score, "reasons": list(risk.reasons), "needs_review": risk.needs_review},
            "submitted_week": job.event.payload["submitted_week"],
            "details": job.event.payload["details"],
            "training_consent": job.event.payload["training_consent"],  # passed on unchanged
        },
        "redactor",
        event_id=derived_id("report.redacted", str(report_id)),
    )


def _retry_later(rt: Runtime, job: Job, exc: BaseException) -> None:
    """Put a message whose result could not be published back on the queue, with backoff.

    If even that fails (the broker is away), the message is dropped here and intake's
    re-send sweep brings the report back: it is still pending there, ciphertext and all.
    """
    kind = type(exc).__name__
    if job.retries >= rt.settings.task_max_retries:
        store_dead_letter(rt, TASK_NAME, job.message, f"{kind}: retries exhausted", job.retries)
        return
    countdown = get_exponential_backoff_interval(
        factor=1, retries=job.retries, maximum=rt.settings.retry_backoff_max, full_jitter=True
    )
    try:
        rt.get_publisher().app.send_task(
            TASK_NAME, args=[job.message], queue=queue_for("redactor"), countdown=countdown,
            retries=job.retries + 1, ignore_result=True,
        )
        log.info("transient failure, retrying", extra={"task": TASK_NAME, "error": kind, "retries": job.retries})
    except TRANSIENT_ERRORS:
        log.warning("broker unavailable; intake will re-send", extra={"error": kind})


def handle_event(requests: list[Any]) -> str:
    """Redact every waiting report.submitted message in one nlp.pipe pass.

    celery-batches acknowledges the messages when this returns, so nothing may escape:
    each message ends published, re-queued with backoff, or dead-lettered. A worker that
    dies mid-batch acknowledges nothing, and Redis hands the messages out again.
    """
    rt = runtime()
    jobs = [job for job in (_open(request, rt) for request in requests) if job is not None]
    if jobs:
        REDACTION_BATCH.observe(len(jobs))
    started = time.perf_counter()
    try:
        # People are numbered per report, across its account and "what would help".
        per_job = redactor().redact_reports([job.texts for job in jobs]) if jobs else []
    except Exception as exc:  # noqa: BLE001 - the class only: the text may be in its message
        for job in jobs:
            store_dead_letter(rt, TASK_NAME, job.message, f"{type(exc).__name__} while redacting", job.retries)
        REDACTION_OUTCOMES.labels("dead_lettered").inc(len(jobs))
        return "dead-lettered"
    if jobs:
        REDACTION_SECONDS.observe(time.perf_counter() - started)
    for job, mine in zip(jobs, per_job, strict=True):
        event = redacted_event(job, mine)
        try:
            rt.get_publisher().publish(event.to_message())
        except TRANSIENT_ERRORS as exc:
            _retry_later(rt, job, exc)
            REDACTION_OUTCOMES.labels("publish_failed").inc()
            continue
        REDACTION_OUTCOMES.labels("redacted").inc()
        log.info("report redacted", extra={"event_id": str(event.id), "report_id": str(job.event.payload["report_id"])})
    log.info("batch redacted", extra={"count": len(jobs)})
    return f"{len(jobs)} redacted"


def preview(self: Task, request: dict[str, Any]) -> dict[str, str]:
    """Request/response for intake's "check your answers": encrypted both ways."""
    cipher: TextCipher = runtime().extras["cipher"]
    plain = cipher.decrypt_json(request["ciphertext"])
    account, help_text = str(plain.get("account") or ""), str(plain.get("what_would_help") or "")
    results = redactor().redact_report(account, help_text or None)
    answer = {
        "account": results[0].to_dict(),
        "what_would_help": results[1].to_dict() if help_text else None,
    }
    return {"ciphertext": cipher.encrypt_json(answer)}


def make_worker(routing: Routing) -> Celery:
    """The redactor's Celery app: the batch task on its events queue, and the preview task."""
    if _routing and _routing[0] != routing:
        raise RuntimeError("one redactor worker per process")
    _routing[:] = [routing]
    # The worker must hold a whole batch unacknowledged, so it prefetches that many messages.
    celery = make_celery(RedactorWorkerSettings.service, settings, worker_prefetch_multiplier=BATCH_SIZE)
    celery.task(
        name=TASK_NAME,
        base=Batches,
        flush_every=BATCH_SIZE,
        flush_interval=BATCH_WAIT,
        acks_late=True,
        reject_on_worker_lost=True,
    )(handle_event)
    celery.task(name=PREVIEW_TASK, bind=True, acks_late=False, ignore_result=False)(preview)
    setup_logging.connect(_logging, weak=False)
    worker_process_init.connect(_preload, weak=False)
    return celery

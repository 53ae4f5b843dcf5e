"""The shape of every consuming worker: one Celery app, one runtime per process, one task."""

from __future__ import annotations

from functools import cache

from celery import Celery, Task
from celery.signals import setup_logging

from .config import load_settings, settings_or_exit
from .logs import configure as configure_logging
from .messaging import AfterCommit, Handler, Runtime, make_celery, register_consumer


def consumer_worker(
    service: str,
    models_module,
    handlers: dict[str, Handler],
    after_commit: AfterCommit | None = None,
) -> tuple[Celery, Task]:
    celery = make_celery(service)

    @cache
    def runtime() -> Runtime:
        return Runtime.build(load_settings(service), models_module.Inbox, models_module.DeadLetter)

    @setup_logging.connect(weak=False)
    def _logging(**_kw):
        configure_logging(f"{service}-worker", settings_or_exit(service).log_level)

    task = register_consumer(celery, service, runtime, handlers, after_commit)
    celery.portal_runtime = runtime  # type: ignore[attr-defined]
    return celery, task

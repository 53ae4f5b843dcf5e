"""The shape of every consuming worker: one Celery app, one runtime per process, one task."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from celery import Celery, Task
from celery.signals import setup_logging

from .logs import configure as configure_logging
from .messaging import AfterCommit, Handler, Runtime, WorkerSettings, make_celery, register_consumer
from .routing import Routing


def consumer_worker(
    settings_cls: type[WorkerSettings],
    routing: Routing,
    inbox: type,
    dead_letters: type,
    handlers: Mapping[str, Handler],
    after_commit: AfterCommit | None = None,
) -> tuple[Celery, Task]:
    """A worker that applies ``handlers`` to the events on its service's queue.

    Nothing is read from the environment until the worker starts: a bad value then stops
    it with one line naming the variable.
    """
    service = settings_cls.service
    unhandled = {event for event, subs in routing.subscribers.items() if service in subs} - set(handlers)
    if unhandled:
        raise ValueError(f"{service} subscribes to {sorted(unhandled)} but has no handler for them")

    @cache
    def settings() -> WorkerSettings:
        return settings_cls.load_or_exit()

    @cache
    def runtime() -> Runtime:
        return Runtime.build(settings(), routing, inbox, dead_letters)

    @setup_logging.connect(weak=False)
    def _logging(**_kw):
        configure_logging(f"{service}-worker", settings().log_level)

    celery = make_celery(service, settings)
    task = register_consumer(celery, service, runtime, handlers, after_commit)
    celery.portal_runtime = runtime  # type: ignore[attr-defined]
    return celery, task

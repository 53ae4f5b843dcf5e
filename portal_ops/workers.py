"""Celery entry points, one per service, built from the registry on first use::

    celery -A portal_ops.workers:redactor worker -Q redactor.events,redaction.preview

Each attribute is the service's Celery app, made by its ``make_worker`` with the routing
from the registry. Nothing is read from the environment until the worker starts.
"""

from __future__ import annotations

from functools import cache

from celery import Celery

from . import registry


@cache
def worker(name: str) -> Celery:
    make_worker = registry.service(name).make_worker
    if make_worker is None:
        raise AttributeError(f"{name} has no worker")
    return make_worker(registry.routing())


def __getattr__(name: str) -> Celery:
    if name in registry.BY_NAME and registry.service(name).make_worker is not None:
        return worker(name)
    raise AttributeError(name)

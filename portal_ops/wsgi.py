"""gunicorn entry points, one per web service::

    gunicorn -c python:portal_ops.gunicorn_conf "portal_ops.wsgi:create_app('intake')"

Settings are read and checked here, once per process: a bad value stops the process with
one line naming the variable.
"""

from __future__ import annotations

from flask import Flask

from . import registry


def create_app(name: str) -> Flask:
    web = registry.service(name).web
    if web is None:
        raise SystemExit(f"{name} has no web app")
    return web.create_app(web.settings.load_or_exit())

"""Intake: the anonymous report form and its JSON API."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from portal_common.config import Settings, load_settings
from portal_common.crypto import TextCipher
from portal_common.web import base_app


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings("intake")
    app = base_app(__name__, settings)
    # The only cookie (the CSRF session) is a session cookie: it dies with the browser.
    app.config.update(SESSION_COOKIE_SAMESITE="Strict", WTF_CSRF_TIME_LIMIT=3600)
    app.extensions["portal"]["cipher"] = TextCipher(settings.fernet_keys)
    csrf = CSRFProtect(app)

    from .views import api, web

    csrf.exempt(api)  # the JSON API takes no cookies, so it cannot be ridden cross-site
    app.register_blueprint(api)
    app.register_blueprint(web)
    return app

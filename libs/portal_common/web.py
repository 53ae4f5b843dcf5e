"""What every Flask service shares: health checks, security headers and safe error pages."""

from __future__ import annotations

import logging

import redis
from flask import Blueprint, Flask, jsonify, request
from sqlalchemy import Engine
from werkzeug.exceptions import HTTPException

from .db import ping
from .messaging import relay_heartbeat_key
from .metrics import MetricsSettings, install_web_metrics
from .settings import BrokerSettings, DatabaseSettings, WebSettings

log = logging.getLogger("portal.web")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def health_blueprint(engine: Engine, redis_url: str, relay_of: str | None = None) -> Blueprint:
    """/healthz (the process answers) and /readyz (database, broker and, when ``relay_of``
    names a service, that service's relay ran within its heartbeat's TTL).

    A check that fails says "unavailable" and nothing more: the cause is logged (its class
    name only), never sent to whoever asked.
    """
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @bp.get("/readyz")
    def readyz():
        checks = {"database": "ok", "broker": "ok"}
        if relay_of:
            checks["relay"] = "ok"
        try:
            ping(engine)
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            checks["database"] = _unavailable("database", exc)
        try:
            client = redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)
            try:
                client.ping()
                if relay_of and not client.exists(relay_heartbeat_key(relay_of)):
                    checks["relay"] = "unavailable"
                    log.warning("not ready", extra={"check": "relay"})
            finally:
                client.close()
        except Exception as exc:  # noqa: BLE001
            checks["broker"] = _unavailable("broker", exc)
            if relay_of:
                checks["relay"] = "unavailable"
        ready = all(v == "ok" for v in checks.values())
        return jsonify(status="ready" if ready else "unavailable", checks=checks), 200 if ready else 503

    return bp


def _unavailable(check: str, exc: BaseException) -> str:
    log.warning("not ready", extra={"check": check, "error": type(exc).__name__})
    return "unavailable"


def install_security(app: Flask) -> None:
    """Strict headers on every response; errors never echo internals or input."""

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "no-referrer"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        h.setdefault("Cache-Control", "no-store")
        if request.is_secure:
            h["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc):
        if isinstance(exc, HTTPException):
            return exc
        log.error("unhandled error", extra={"error": type(exc).__name__, "path": request.path})
        if request.path.startswith("/api/"):
            return jsonify(error="internal_error", message="Something went wrong on our side."), 500
        return "Something went wrong on our side. Nothing you entered has been logged.", 500


class WebAppSettings(WebSettings, BrokerSettings, DatabaseSettings, MetricsSettings):
    """What every web service reads: its secret, its broker, its own database."""


def base_app(import_name: str, settings: WebAppSettings, relay_of: str | None = None) -> Flask:
    """The Flask app every service starts from: logs, config, database, health, headers, metrics.

    ``relay_of``: readiness also requires that service's relay to have run recently.
    """
    from .db import make_engine, make_session_factory
    from .logs import configure as configure_logging

    configure_logging(settings.service, settings.log_level)
    app = Flask(import_name)
    app.config.update(
        SECRET_KEY=settings.secret_key.get_secret_value(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=64 * 1024,
        MAX_FORM_PARTS=100,
        MAX_FORM_MEMORY_SIZE=64 * 1024,
    )
    engine = make_engine(settings.database_url)
    app.extensions["portal"] = {
        "settings": settings,
        "engine": engine,
        "sessions": make_session_factory(engine),
    }
    app.register_blueprint(health_blueprint(engine, settings.require_redis(), relay_of))
    install_security(app)
    install_web_metrics(app, settings.service, settings.metrics_enabled)
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only the proxies we run may say who the client is; the rest of the header is ignored.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies
        )
    return app

"""Intake: the anonymous reporter's journey (NHS.UK design) and its JSON API."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask
from flask_limiter import Limiter
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect

from portal_common.web import base_app

from .context import IntakeContext
from .security import DayKeys, hide_client_keys, limiter_key
from .settings import IntakeWebSettings


class _Api(Api):
    """flask-smorest, but its JSON error handler must not take over the HTML pages, and the
    document lists each route's answers rather than a catch-all "default" of another shape."""

    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        pass


def create_app(settings: IntakeWebSettings) -> Flask:
    # Reports leave intake through its relay: a web app whose relay has stopped is not ready.
    app = base_app(__name__, settings, relay_of=settings.service)
    app.config.update(
        # The only cookie holds the CSRF token. It has no expiry date, so it ends with the
        # browser session, and it is never sent cross-site.
        SESSION_COOKIE_NAME="intake_session",
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_PERMANENT=False,
        WTF_CSRF_TIME_LIMIT=4 * 60 * 60,
        WTF_CSRF_SSL_STRICT=False,  # Referer is never sent (Referrer-Policy: no-referrer)
        TEMPLATES_AUTO_RELOAD=False,
        API_TITLE="Share a micro-aggression: intake API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {
                "description": "Send an anonymous, informal report and look it up later with its "
                "receipt code. No account, no cookies, nothing that identifies the sender."
            }
        },
    )
    # base_app keeps settings, engine and sessions under extensions["portal"]; what intake's
    # operations need is one typed object.
    app.extensions["intake"] = IntakeContext.build(settings, app.extensions["portal"]["sessions"])

    csrf = CSRFProtect(app)
    hide_client_keys()
    limiter = Limiter(
        key_func=limiter_key(DayKeys(settings.secret_key.get_secret_value())),
        app=app,
        storage_uri=settings.require_redis(),
        key_prefix="intake-rl",
        strategy="fixed-window",
        headers_enabled=False,
        swallow_errors=True,  # Redis away: serve people rather than fail closed
    )

    from .views import api, errors, pages, receipt, report

    app.register_blueprint(pages.bp)
    app.register_blueprint(report.bp)
    app.register_blueprint(receipt.bp)
    rest = _Api(app)
    csrf.exempt(api.blp)  # the JSON API reads no cookies, so it cannot be ridden cross-site
    rest.register_blueprint(api.blp)
    api.document_organisations(rest.spec, app.extensions["intake"].organisations)

    _apply_limits(app, limiter, {"report": settings.report_limit, "wrong_code": settings.wrong_code_limit})
    errors.register(app)
    app.jinja_env.globals.update(service_name="Share a micro-aggression")
    from .form_values import month_label

    app.jinja_env.filters["month_name"] = month_label
    return app


def _apply_limits(app: Flask, limiter: Limiter, limits: Mapping[str, str]) -> None:
    def wrong_code(response) -> bool:
        return response.status_code == 404

    # One counter per group, shared by the web and API routes, so switching route gains nothing.
    groups = {
        "reports": (limits["report"], None, ("report.check", "report.send", "api.create_report")),
        "receipt-codes": (
            limits["wrong_code"],
            wrong_code,
            ("receipt.find", "receipt.add_note", "receipt.confirm_withdrawal", "receipt.withdraw",
             "api.lookup_receipt", "api.add_note"),
        ),
    }
    for scope, (spec, deduct_when, endpoints) in groups.items():
        shared = limiter.shared_limit(spec, scope=scope, methods=["POST"], deduct_when=deduct_when)
        for endpoint in endpoints:
            app.view_functions[endpoint] = shared(app.view_functions[endpoint])  # type: ignore[assignment]

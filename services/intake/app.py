"""Intake: the anonymous reporter's journey (NHS.UK design) and its JSON API."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_limiter import Limiter
from flask_smorest import Api
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from portal_common.crypto import TextCipher
from portal_common.routing import Routing
from portal_common.web import base_app

from .receipts import ReceiptKeys
from .security import DayKeys, DraftSealer, limiter_key
from .settings import IntakeWebSettings

# Per client address (as a keyed hash), per endpoint. Many staff can share one address
# behind an NHS network's NAT, so the report limits are generous.
LIMITS = {
    "report": "60 per hour",
    # Only wrong codes count (a 404), so a person using their own code is never held back.
    "wrong_code": "10 per 10 minutes;30 per day",
}


class _Api(Api):
    """flask-smorest, but its JSON error handler must not take over the HTML pages."""

    def _register_error_handlers(self):
        pass


def create_app(settings: IntakeWebSettings, routing: Routing) -> Flask:
    app = base_app(__name__, settings, routing)
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
    portal = app.extensions["portal"]
    portal["cipher"] = TextCipher(settings.fernet_key_list)
    portal["sealer"] = DraftSealer(settings.secret_key.get_secret_value())
    portal["receipts"] = ReceiptKeys(settings.receipt_secret)
    portal["day_keys"] = DayKeys()
    portal["limits"] = dict(LIMITS)

    csrf = CSRFProtect(app)
    limiter = Limiter(
        key_func=limiter_key(portal["day_keys"]),
        app=app,
        storage_uri=settings.require_redis(),
        key_prefix="intake-rl",
        strategy="fixed-window",
        headers_enabled=False,
        swallow_errors=True,  # Redis away: serve people rather than fail closed
    )
    portal["limiter"] = limiter

    from . import api, views_pages, views_receipt, views_report

    app.register_blueprint(views_pages.bp)
    app.register_blueprint(views_report.bp)
    app.register_blueprint(views_receipt.bp)
    rest = _Api(app)
    csrf.exempt(api.blp)  # the JSON API reads no cookies, so it cannot be ridden cross-site
    rest.register_blueprint(api.blp)

    _apply_limits(app, limiter)
    _error_pages(app)
    app.jinja_env.globals.update(service_name="Share a micro-aggression")
    from .forms import month_label

    app.jinja_env.filters["month_name"] = month_label
    return app


def _apply_limits(app: Flask, limiter: Limiter) -> None:
    limits = app.extensions["portal"]["limits"]

    def wrong_code(response) -> bool:
        return response.status_code == 404

    # One counter per group, shared by the web and API routes, so switching route gains nothing.
    groups = {
        "reports": (limits["report"], None, ("report.check", "report.send", "api.create_report")),
        "receipt-codes": (
            limits["wrong_code"],
            wrong_code,
            ("receipt.find", "receipt.add_note", "api.lookup_receipt", "api.add_note"),
        ),
    }
    for scope, (spec, deduct_when, endpoints) in groups.items():
        shared = limiter.shared_limit(spec, scope=scope, methods=["POST"], deduct_when=deduct_when)
        for endpoint in endpoints:
            app.view_functions[endpoint] = shared(app.view_functions[endpoint])  # type: ignore[assignment]


def _error_pages(app: Flask) -> None:
    def wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.before_request
    def _refuse_floods():
        from flask import abort

        from .forms import too_many_values

        if request.method == "POST" and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"
        ) and too_many_values():
            abort(413)

    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        from .views_report import form_after_csrf_failure

        if request.endpoint in ("report.check", "report.send"):
            return form_after_csrf_failure()
        return render_template("message.html", title="This page has expired",
                               kind="expired"), 400

    @app.errorhandler(429)
    def _too_many(_exc):
        if wants_json():
            return jsonify(errors={"_schema": ["Too many attempts from this connection. "
                                               "Wait a few minutes and try again."]}), 429
        return render_template("message.html", title="Too many attempts", kind="limited"), 429

    @app.errorhandler(413)
    def _too_large(_exc):
        if wants_json():
            return jsonify(errors={"_schema": ["The request is too large or has too many fields."]}), 413
        return render_template("message.html", title="We could not read that form", kind="too_large"), 413

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if wants_json():
            return jsonify(errors={"_schema": [exc.description or exc.name]}), exc.code
        if exc.code == 404:
            return render_template("message.html", title="Page not found", kind="not_found"), 404
        if exc.code == 405:
            return render_template("message.html", title="Page not found", kind="not_found"), 405
        return render_template("message.html", title="Sorry, there is a problem", kind="problem"), exc.code

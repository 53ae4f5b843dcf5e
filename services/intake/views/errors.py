"""Error answers: an HTML page for the web journey, ``{"errors": ...}`` under /api/."""

from __future__ import annotations

from flask import Flask, abort, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..form_values import too_many_values
from .report import form_after_csrf_failure


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    @app.before_request
    def _refuse_floods():
        if request.method == "POST" and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"
        ) and too_many_values():
            abort(413)

    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        if request.endpoint in ("report.check", "report.send"):
            return form_after_csrf_failure()
        return render_template("message.html", title="This page has expired", kind="expired"), 400

    @app.errorhandler(429)
    def _too_many(_exc):
        if _wants_json():
            return jsonify(errors={"_schema": ["Too many attempts from this connection. "
                                               "Wait a few minutes and try again."]}), 429
        return render_template("message.html", title="Too many attempts", kind="limited"), 429

    @app.errorhandler(413)
    def _too_large(_exc):
        if _wants_json():
            return jsonify(errors={"_schema": ["The request is too large or has too many fields."]}), 413
        return render_template("message.html", title="We could not read that form", kind="too_large"), 413

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        # The exception's own headers (Allow on a 405), not its HTML content type.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if _wants_json():
            return jsonify(errors={"_schema": [exc.description or exc.name]}), exc.code, headers
        if exc.code in (404, 405):
            return render_template("message.html", title="Page not found", kind="not_found"), exc.code, headers
        return render_template("message.html", title="Sorry, there is a problem", kind="problem"), exc.code, headers

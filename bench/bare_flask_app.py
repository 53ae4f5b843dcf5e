"""The baseline for bench/intake_throughput.py: a bare Flask JSON endpoint, nothing else.

Same route and body as intake's ``POST /api/v1/reports``; it parses the JSON and answers
202 with an id, so the difference to intake is what intake does per report.
"""

from __future__ import annotations

import uuid

from flask import Flask, request


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/api/v1/reports")
    def create_report():
        body = request.get_json()
        if not isinstance(body, dict) or not body.get("account"):
            return {"errors": {"account": ["Tell us what happened."]}}, 422
        return {"id": str(uuid.uuid4()), "status": "received"}, 202

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app

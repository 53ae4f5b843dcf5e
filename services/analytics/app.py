"""Analytics: aggregates of redacted reports for inclusion and HR/OD leads."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify

from portal_common.db import unit_of_work
from portal_common.web import base_app

from . import operations
from .settings import AnalyticsWebSettings

api = Blueprint("analytics_api", __name__, url_prefix="/api/v1")


@api.get("/stats")
def stats():
    with unit_of_work(current_app.extensions["portal"]["sessions"]) as session:
        return jsonify(reports=operations.report_count(session))


def create_app(settings: AnalyticsWebSettings) -> Flask:
    app = base_app(__name__, settings)
    app.register_blueprint(api)
    return app

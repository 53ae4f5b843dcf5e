"""Analytics: aggregates of redacted reports for inclusion and HR/OD leads, who sign in."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, render_template

from portal_common.db import unit_of_work
from portal_common.signin import current_staff, install_signin, role_required
from portal_common.staff_web import staff_app

from . import action_pages, audit_pages, operations
from .models import StaffSession
from .settings import AnalyticsWebSettings

LABEL = "Micro-aggression insights"

pages = Blueprint("analytics_pages", __name__)
api = Blueprint("analytics_api", __name__, url_prefix="/api/v1")


def _report_count() -> int:
    with unit_of_work(current_app.extensions["portal"]["sessions"]) as session:
        return operations.report_count(session)


@pages.get("/")
@role_required("lead")
def home():
    return render_template("analytics/home.html", reports=_report_count(), staff=current_staff())


@api.get("/stats")
@role_required("lead")
def stats():
    return jsonify(reports=_report_count())


def create_app(settings: AnalyticsWebSettings) -> Flask:
    app = staff_app(__name__, settings, label=LABEL)
    install_signin(app, settings, session_model=StaffSession)
    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.register_blueprint(action_pages.bp)
    app.register_blueprint(audit_pages.bp)
    return app

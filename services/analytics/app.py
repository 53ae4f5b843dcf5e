"""Analytics: protected counts of reports for inclusion and HR/OD leads, who sign in."""

from __future__ import annotations

from flask import Flask

from portal_common.signin import install_signin
from portal_common.staff_web import staff_app

from . import (
    action_pages,
    audit_pages,
    benchmark_views,
    export_views,  # noqa: F401 - adds the export routes to the pages blueprint
    target_views,
)
from .models import StaffSession
from .settings import AnalyticsWebSettings
from .views import api, pages

LABEL = "Micro-aggression insights"


def create_app(settings: AnalyticsWebSettings) -> Flask:
    app = staff_app(__name__, settings, label=LABEL)
    install_signin(app, settings, session_model=StaffSession)
    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.register_blueprint(action_pages.bp)
    app.register_blueprint(audit_pages.bp)
    app.register_blueprint(target_views.bp)
    app.register_blueprint(benchmark_views.bp)
    return app

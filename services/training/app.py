"""Training: the active-bystander hub and the pool of candidate training cases."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify

from portal_common.db import unit_of_work
from portal_common.web import base_app

from . import operations
from .settings import TrainingWebSettings

api = Blueprint("training_api", __name__, url_prefix="/api/v1")


@api.get("/candidates/stats")
def candidate_stats():
    with unit_of_work(current_app.extensions["portal"]["sessions"]) as session:
        return jsonify(candidates=operations.candidate_count(session))


def create_app(settings: TrainingWebSettings) -> Flask:
    app = base_app(__name__, settings)
    app.register_blueprint(api)
    return app

"""Training: the active-bystander hub and the pool of candidate training cases."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, render_template
from sqlalchemy import func, select

from portal_common.crypto import TextCipher
from portal_common.db import unit_of_work
from portal_common.roles import ROLES
from portal_common.signin import current_staff, install_signin, role_required
from portal_common.staff_web import staff_app

from . import audit_pages, case_pages, measure_pages, operations
from .certificates import certificates, install_verify_limit
from .cohort_pages import cohort_pages
from .contacts import contacts
from .curriculum import load_curriculum
from .facilitation import facilitation
from .hub import CONTENT, TRAINER_ROLES, home_context, hub
from .models import CANDIDATE, CaseCandidate, StaffSession
from .redaction_check import RedactorCheck
from .resources import install_uploads, resources
from .settings import TrainingWebSettings
from .xapi import xapi

LABEL = "Active bystander hub"
CASE_ROLES = ("trainer", "reviewer")

pages = Blueprint("training_pages", __name__)
api = Blueprint("training_api", __name__, url_prefix="/api/v1")


def _waiting() -> dict[str, int]:
    """Case candidates still waiting (status candidate), and how many of them a reviewer must see first."""
    with unit_of_work(current_app.extensions["portal"]["sessions"]) as session:
        waiting = select(func.count()).select_from(CaseCandidate).where(CaseCandidate.status == CANDIDATE)
        return {
            "waiting": session.scalar(waiting) or 0,
            "needs_review": session.scalar(waiting.where(CaseCandidate.needs_review.is_(True))) or 0,
        }


@pages.get("/")
@role_required(*ROLES)
def home():
    staff = current_staff()
    assert staff is not None
    cases = _waiting() if staff.has_role(*CASE_ROLES) else None
    return render_template("training/home.html", staff=staff, cases=cases,
                           trainer=staff.has_role(*TRAINER_ROLES), **home_context())


@api.get("/candidates/stats")
@role_required(*CASE_ROLES)
def candidate_stats():
    with unit_of_work(current_app.extensions["portal"]["sessions"]) as session:
        return jsonify(candidates=operations.candidate_count(session))


def create_app(settings: TrainingWebSettings) -> Flask:
    app = staff_app(__name__, settings, label=LABEL)
    # The hub's modules and scenarios, validated now: the app does not start on broken content.
    app.extensions[CONTENT] = load_curriculum()
    install_signin(app, settings, session_model=StaffSession)
    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.register_blueprint(hub)
    measure_pages.install(app)  # the confidence measure and the programme evaluation report
    app.register_blueprint(certificates)
    app.register_blueprint(resources)
    app.register_blueprint(contacts)
    app.register_blueprint(xapi)
    install_verify_limit(app, settings)
    install_uploads(app)
    app.register_blueprint(cohort_pages)
    app.register_blueprint(facilitation)
    app.register_blueprint(case_pages.bp)
    app.register_blueprint(audit_pages.bp)
    # How a case study is checked by the redactor again: over the backbone, encrypted both ways.
    app.extensions[case_pages.CHECKER] = RedactorCheck(settings, TextCipher(settings.fernet_key_list))
    return app

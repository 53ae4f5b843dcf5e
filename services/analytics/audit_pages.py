"""The analytics audit log page: every export, every step of a "you said, we did" action and
every release announced, newest first, 50 a page, one kind at a time if chosen, for leads
and administrators (services/analytics/audit.py writes and reads the log)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from portal_common.db import unit_of_work
from portal_common.signin import role_required

from . import audit

bp = Blueprint("analytics_audit", __name__)


@bp.get("/audit")
@role_required("lead", "admin")
def audit_log():
    try:
        page = max(1, min(100_000, int(request.args.get("page", "1"))))
    except ValueError:
        page = 1
    action = request.args.get("action", "").strip()
    with unit_of_work(current_app.extensions["portal"]["sessions"]) as session:
        found = audit.read(session, action, page)
    if action not in dict(found.actions):
        action = ""
    return render_template("analytics/audit.html", found=found, action=action)

"""The analytics audit log page: every export, approval, publication, withdrawal and
deletion, newest first, for leads and administrators."""

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
        page = max(1, min(10_000, int(request.args.get("page", "1"))))
    except ValueError:
        page = 1
    with unit_of_work(current_app.extensions["portal"]["sessions"]) as session:
        found = audit.read(session, request.args.get("action", ""), page)
    action = request.args.get("action", "") if request.args.get("action", "") in found.actions else ""
    return render_template("analytics/audit.html", found=found, action=action, minute_text=audit.minute_text)

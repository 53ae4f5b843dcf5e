""" "You said, we did" pages for leads: list, draft and edit, submit for approval, approve,
publish, withdraw. Thin views: each reads the form, calls one operation in ``actions``
inside one unit of work and renders or redirects. A refused step is shown on the action's
page with the reason; a form with errors comes back with everything as it was typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session, sessionmaker

from portal_common import organisations, taxonomy
from portal_common.db import unit_of_work
from portal_common.signin import current_staff, role_required

from . import actions
from .action_schemas import CHARACTERISTICS, THEMES
from .models import AWAITING_APPROVAL, DRAFT, PUBLISHED, WITHDRAWN, Action
from .settings import AnalyticsWebSettings

bp = Blueprint("actions", __name__, url_prefix="/actions")

STATUS = {
    DRAFT: ("Draft", "grey"),
    AWAITING_APPROVAL: ("Waiting for approval", "yellow"),
    PUBLISHED: ("Published", "green"),
    WITHDRAWN: ("Withdrawn", "red"),
}
FIELDS = ("title", "you_said", "we_did", "organisation")
# Where an error in the summary leads (a group of checkboxes: its first box).
ANCHORS = {
    "themes": f"themes-{THEMES[0].code}",
    "characteristics": f"characteristics-{CHARACTERISTICS[0].code}",
    "organisation": "organisation",
    "_schema": "maincontent",
}


def _sessions() -> sessionmaker[Session]:
    return current_app.extensions["portal"]["sessions"]


def _settings() -> AnalyticsWebSettings:
    settings = current_app.extensions["portal"]["settings"]
    assert isinstance(settings, AnalyticsWebSettings)
    return settings


def _lead() -> actions.Lead:
    user = current_staff()
    assert user is not None  # role_required ran first
    return actions.Lead.from_staff(user)


def _organisations() -> dict[str, str]:
    return {org.code: org.name for org in organisations.load()}


def _typed() -> dict[str, Any]:
    """The form as sent: kept as typed, so a page with errors gives it all back."""
    values: dict[str, Any] = {key: request.form.get(key, "") for key in FIELDS}
    values["themes"] = request.form.getlist("themes")
    values["characteristics"] = request.form.getlist("characteristics")
    return values


def _values_of(action: Action) -> dict[str, Any]:
    return {
        "title": action.title,
        "you_said": action.you_said,
        "we_did": action.we_did,
        "themes": list(action.themes),
        "characteristics": list(action.characteristics),
        "organisation": action.organisation or "",
    }


def _labels() -> dict[str, Any]:
    return {
        "theme_labels": {t.code: t.label for t in taxonomy.THEMES},
        "characteristic_labels": {c.code: c.label for c in taxonomy.CHARACTERISTICS},
        "status_labels": STATUS,
        "organisation_names": _organisations(),
    }


def _form(values: dict[str, Any], errors: dict[str, str], *, action: Action | None = None, status: int = 200):
    lead = _lead()
    return render_template(
        "analytics/actions/form.html",
        values=values,
        errors=errors,
        anchors=ANCHORS,
        action=action,
        lead=lead,
        themes=THEMES,
        characteristics=CHARACTERISTICS,
        **_labels(),
    ), status


def _show(action: Action, *, error: str | None = None, status: int = 200):
    lead = _lead()
    needs_approval = _settings().needs_approval(action.organisation)
    return render_template(
        "analytics/actions/show.html",
        action=action,
        lead=lead,
        error=error,
        needs_approval=needs_approval,
        may_change=lead.can_act_for(action.organisation) and lead.scope is not None,
        wrote_it=lead.subject in action.author_subjects,
        **_labels(),
    ), status


@bp.get("")
@role_required("lead")
def index():
    lead = _lead()
    with unit_of_work(_sessions()) as session:
        listed = actions.visible(session, lead)
    return render_template("analytics/actions/index.html", listed=listed, lead=lead, **_labels())


@bp.route("/new", methods=["GET", "POST"])
@role_required("lead")
def new():
    lead = _lead()
    if lead.scope is None:
        return render_template("staff/message.html", title="You cannot draft actions yet", text=actions.NO_SCOPE), 403
    if request.method == "GET":
        return _form({"organisation": "" if lead.system else lead.scope}, {})
    values = _typed()
    try:
        with unit_of_work(_sessions()) as session:
            action = actions.draft(session, lead, values, organisations=_organisations())
    except actions.Invalid as exc:
        return _form(values, exc.errors, status=422)
    except actions.Refused as exc:
        return _form(values, {"_schema": exc.message}, status=exc.status)
    flash("Your draft has been saved. Nobody outside the leads can see it until it is published.")
    return redirect(url_for("actions.show", action_id=action.id))


@bp.get("/<action_id>")
@role_required("lead")
def show(action_id: str):
    with unit_of_work(_sessions()) as session:
        try:
            action = actions.find(session, _lead(), action_id)
        except actions.NotFound:
            abort(404)
        return _show(action)


@bp.route("/<action_id>/edit", methods=["GET", "POST"])
@role_required("lead")
def edit(action_id: str):
    lead = _lead()
    with unit_of_work(_sessions()) as session:
        try:
            action = actions.find(session, lead, action_id)
        except actions.NotFound:
            abort(404)
        if request.method == "GET":
            if action.status != DRAFT or not lead.can_act_for(action.organisation):
                return _show(action, error="Only a draft can be changed, by a lead for its organisation.", status=409)
            return _form(_values_of(action), {}, action=action)
    values = _typed()
    try:
        with unit_of_work(_sessions()) as session:
            actions.edit(session, lead, action_id, values, organisations=_organisations())
    except actions.Invalid as exc:
        return _form(values, exc.errors, action=action, status=422)
    except actions.Refused as exc:
        return _refused(action_id, exc)
    flash("Your changes have been saved.")
    return redirect(url_for("actions.show", action_id=action_id))


def _refused(action_id: str, exc: actions.Refused):
    with unit_of_work(_sessions()) as session:
        return _show(actions.find(session, _lead(), action_id), error=exc.message, status=exc.status)


def _step(action_id: str, operation: Callable[..., Action], done: str):
    """Run one step (submit, approve...) on an action; show why if it is refused."""
    try:
        with unit_of_work(_sessions()) as session:
            operation(session, _lead(), action_id)
    except actions.NotFound:
        abort(404)
    except actions.Refused as exc:
        return _refused(action_id, exc)
    flash(done)
    return redirect(url_for("actions.show", action_id=action_id))


@bp.post("/<action_id>/submit")
@role_required("lead")
def submit(action_id: str):
    def _submit(session, lead, action_id):
        return actions.submit(session, lead, action_id, _settings().needs_approval)

    return _step(action_id, _submit, "Submitted for approval. Another lead must now approve it before it is published.")


@bp.post("/<action_id>/return")
@role_required("lead")
def send_back(action_id: str):
    return _step(action_id, actions.send_back, "Returned to draft. It can be changed and submitted again.")


@bp.post("/<action_id>/approve")
@role_required("lead")
def approve(action_id: str):
    return _step(
        action_id,
        actions.approve,
        "Approved and published. It will appear on the public 'You said, we did' page shortly.",
    )


@bp.post("/<action_id>/publish")
@role_required("lead")
def publish(action_id: str):
    def _publish(session, lead, action_id):
        return actions.publish(session, lead, action_id, _settings().needs_approval)

    return _step(action_id, _publish, "Published. It will appear on the public 'You said, we did' page shortly.")


@bp.post("/<action_id>/withdraw")
@role_required("lead")
def withdraw(action_id: str):
    return _step(
        action_id,
        actions.withdraw,
        "Withdrawn. It will be removed from the public page and from reporters' receipts shortly.",
    )

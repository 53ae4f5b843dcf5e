"""Leads' reduction targets: list with progress, create, edit, delete (each one audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_common.db import unit_of_work
from portal_common.signin import StaffUser, role_required, signin_state

from . import access, audit, published, targets, views
from .models import OVERALL, Release, Target
from .published import SYSTEM

bp = Blueprint("analytics_targets", __name__, url_prefix="/targets")
SYSTEM_PARAMETER = "system"


def _sessions():
    return current_app.extensions["portal"]["sessions"]


def _names() -> dict[str, str]:
    return published.organisation_names()


def _scope_from(value: str) -> str:
    return SYSTEM if value == SYSTEM_PARAMETER else value


def _no_scope(staff: StaffUser):
    return None if staff.lead_scope else render_template("analytics/no_scope.html")


@dataclass
class TargetForm:
    """What the lead typed, kept as typed so a refused form comes back exactly as sent."""

    measure: str = OVERALL
    scope: str = ""
    baseline: str = ""
    reduction: str = ""
    day: str = ""
    month: str = ""
    year: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_target(cls, target: Target, release: Release | None) -> TargetForm:
        return cls(
            measure=targets.measure_value(target),
            scope=targets.scope_parameter(target.scope),
            baseline=str(release.id) if release else "",
            reduction=str(target.reduction),
            day=str(target.due_on.day),
            month=str(target.due_on.month),
            year=str(target.due_on.year),
        )

    @classmethod
    def from_request(cls) -> TargetForm:
        form = request.form
        return cls(
            measure=form.get("measure", "").strip()[:80],
            scope=form.get("scope", "").strip()[:40],
            baseline=form.get("baseline", "").strip()[:20],
            reduction=form.get("reduction", "").strip().removesuffix("%").strip()[:10],
            day=form.get("target_date-day", "").strip()[:4],
            month=form.get("target_date-month", "").strip()[:4],
            year=form.get("target_date-year", "").strip()[:6],
        )


@dataclass(frozen=True)
class Checked:
    measure: str
    code: str
    scope: str
    baseline: Release
    reduction: int
    target_date: dt.date


def _check(session: Session, staff: StaffUser, form: TargetForm, releases: list[Release], *, new: bool):
    """The checked target, or None with ``form.errors`` filled in (a scope beyond the lead's is 403)."""
    errors = form.errors
    measure = targets.split_measure(form.measure)
    if measure is None:
        errors["measure"] = "Choose what the target measures"
    scope = _scope_from(form.scope or targets.scope_parameter(staff.lead_scope or ""))
    if not access.is_system_lead(staff):
        access.require(staff, scope)
    elif scope not in access.scopes_for(staff):
        errors["scope"] = "Choose the whole system or one organisation from the list"
    release = next((r for r in releases if str(r.id) == form.baseline), None)
    if release is None:
        errors["baseline"] = "Choose the 12 months the target starts from"
    elif measure is not None and "scope" not in errors:
        before = targets.figure(session, release, scope, *measure)
        name = published.scope_label(scope, _names())
        if before is None:
            errors["baseline"] = (
                f"{name} had too few reports in {published.period_span(release)} for figures of its own. Choose "
                "another period, or the whole system"
            )
        elif before.number is None:
            errors["baseline"] = (
                "That measure is suppressed ([c]) in this period, so no reduction from it could ever be measured. "
                "Choose another period, a broader measure or a larger scope"
            )
        elif before.number == 0:
            errors["baseline"] = "There were no such reports in that period, so there is nothing to reduce"
    reduction = int(form.reduction) if form.reduction.isdigit() else 0
    if not 1 <= reduction <= 99:
        errors["reduction"] = "Enter the reduction as a whole number from 1 to 99, like 20"
    target_date = None
    if not (form.day and form.month and form.year):
        errors["target_date"] = "Enter the target date as a day, month and year, like 31 3 2027"
    else:
        try:
            target_date = dt.date(int(form.year), int(form.month), int(form.day))
        except ValueError:
            errors["target_date"] = "The target date must be a real date, like 31 3 2027"
    if target_date is not None and "target_date" not in errors:
        if release is not None and target_date <= release.ends_on:
            errors["target_date"] = (
                f"The target date must be after the baseline period ends ({release.ends_on.day} "
                f"{release.ends_on:%B %Y})"
            )
        elif new and target_date <= views.today():
            errors["target_date"] = "The target date must be in the future"
    if errors or measure is None or release is None or target_date is None:
        return None
    return Checked(measure[0], measure[1], scope, release, reduction, target_date)


def _detail(target: Target) -> str:
    return (
        f"{targets.target_label(target)}; {published.scope_label(target.scope, _names())}; "
        f"baseline 12 months from {target.baseline_starts_on:%B %Y}; {target.reduction}% fewer by "
        f"{target.due_on.isoformat()}"
    )


def _grouped(choices: list[targets.MeasureChoice]) -> list[tuple[str, list[targets.MeasureChoice]]]:
    groups: dict[str, list[targets.MeasureChoice]] = {}
    for choice in choices:
        groups.setdefault(choice.group, []).append(choice)
    return list(groups.items())


def _form_page(form: TargetForm, releases: list[Release], staff: StaffUser, target: Target | None):
    scopes = [(targets.scope_parameter(s), published.scope_label(s, _names())) for s in access.scopes_for(staff)]
    return render_template(
        "analytics/target_form.html",
        form=form,
        target=target,
        releases=[(r.id, published.period_label(r)) for r in releases],
        choices=_grouped(targets.measure_choices()),
        scopes=scopes,
        system_lead=access.is_system_lead(staff),
        reduction_help=targets.CAUTION,
    ), (400 if form.errors else 200)


@bp.get("/")
@role_required("lead")
def index():
    staff = access.lead()
    refusal = _no_scope(staff)
    if refusal:
        return refusal
    with unit_of_work(_sessions()) as session:
        query = select(Target).order_by(Target.due_on, Target.id)
        if not access.is_system_lead(staff):
            query = query.where(Target.scope == staff.lead_scope)
        rows = [
            {
                "target": t,
                "label": targets.target_label(t),
                "scope": published.scope_label(t.scope, _names()),
                "progress": targets.progress(session, t, views.today()),
            }
            for t in session.scalars(query)
        ]
        can_create = bool(targets.rolling_years(session, views.today()))
        return render_template("analytics/targets.html", rows=rows, can_create=can_create, caution=targets.CAUTION)


@bp.route("/new", methods=["GET", "POST"])
@role_required("lead")
def create():
    staff = access.lead()
    refusal = _no_scope(staff)
    if refusal:
        return refusal
    with unit_of_work(_sessions()) as session:
        releases = targets.rolling_years(session, views.today())
        if request.method == "GET":
            return _form_page(TargetForm(scope=targets.scope_parameter(staff.lead_scope or "")), releases, staff, None)
        form = TargetForm.from_request()
        checked = _check(session, staff, form, releases, new=True)
        if checked is None:
            return _form_page(form, releases, staff, None)
        target = Target(
            scope=checked.scope,
            measure=checked.measure,
            code=checked.code,
            baseline_starts_on=checked.baseline.starts_on,
            reduction=checked.reduction,
            due_on=checked.target_date,
            created_on=views.today(),
            changed_on=views.today(),
        )
        session.add(target)
        session.flush()
        audit.record(
            session,
            access.actor(staff),
            "target.created",
            f"target {target.id}",
            _detail(target),
            minute=signin_state().minute(),
        )
        flash(f"Target saved: {targets.target_label(target)}, {target.reduction}% fewer.")
        return redirect(url_for("analytics_targets.index") + f"#target-{target.id}")


def _target(session: Session, staff: StaffUser, target_id: int) -> Target:
    target = session.get(Target, target_id)
    if target is None:
        abort(404)
    access.require(staff, target.scope)
    return target


@bp.route("/<int:target_id>/edit", methods=["GET", "POST"])
@role_required("lead")
def edit(target_id: int):
    staff = access.lead()
    refusal = _no_scope(staff)
    if refusal:
        return refusal
    with unit_of_work(_sessions()) as session:
        target = _target(session, staff, target_id)
        releases = targets.rolling_years(session, views.today())
        if request.method == "GET":
            baseline = targets.baseline_release(session, target.baseline_starts_on, views.today())
            return _form_page(TargetForm.from_target(target, baseline), releases, staff, target)
        form = TargetForm.from_request()
        checked = _check(session, staff, form, releases, new=False)
        if checked is None:
            return _form_page(form, releases, staff, target)
        before = _detail(target)
        target.scope, target.measure, target.code = checked.scope, checked.measure, checked.code
        target.baseline_starts_on = checked.baseline.starts_on
        target.reduction, target.due_on = checked.reduction, checked.target_date
        target.changed_on = views.today()
        after = _detail(target)
        if after != before:
            audit.record(
                session,
                access.actor(staff),
                "target.changed",
                f"target {target.id}",
                f"now: {after}",
                minute=signin_state().minute(),
            )
        flash(f"Target changed: {targets.target_label(target)}, {target.reduction}% fewer.")
        return redirect(url_for("analytics_targets.index") + f"#target-{target.id}")


@bp.route("/<int:target_id>/delete", methods=["GET", "POST"])
@role_required("lead")
def delete(target_id: int):
    staff = access.lead()
    refusal = _no_scope(staff)
    if refusal:
        return refusal
    with unit_of_work(_sessions()) as session:
        target = _target(session, staff, target_id)
        if request.method == "GET":
            return render_template(
                "analytics/target_delete.html",
                target=target,
                label=targets.target_label(target),
                scope=published.scope_label(target.scope, _names()),
            )
        detail = _detail(target)
        audit.record(
            session,
            access.actor(staff),
            "target.deleted",
            f"target {target.id}",
            detail,
            minute=signin_state().minute(),
        )
        session.delete(target)
        flash(f"Target deleted: {targets.target_label(target)}.")
        return redirect(url_for("analytics_targets.index"))

"""Cohort pages: trainers run cohorts and their sessions (leads may look), learners join with a
join code, mark themselves present with a session's code and rate the sessions they attended.

Trainers never see who joined or attended: counts only, and rating summaries from K ratings.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from portal_common.db import unit_of_work
from portal_common.models import today
from portal_common.organisations import Organisation, by_code
from portal_common.roles import ROLES
from portal_common.signin import StaffUser, current_staff, role_required

from . import audit, cases, cohorts, learning, pdf
from .curriculum import Curriculum
from .hub import CONTENT
from .models import SESSION_KINDS, Cohort, CohortSession, LiveRun, SessionNote

TRAINER = ("trainer",)
VIEWERS = ("trainer", "lead")

cohort_pages = Blueprint("cohorts", __name__)


def _db():
    return current_app.extensions["portal"]["sessions"]


def _staff() -> StaffUser:
    staff = current_staff()
    assert staff is not None  # every view here is behind role_required
    return staff


def _learner() -> str:
    return learning.learner_key(current_app.config["SECRET_KEY"], _staff().subject)


def actor(staff: StaffUser) -> str:
    """A trainer as the audit log names them (email address, else name)."""
    return staff.email or staff.display_name or staff.subject


def _organisations() -> dict[str, Organisation]:
    return by_code()


@cohort_pages.app_context_processor
def _cohort_context() -> dict[str, Any]:
    return {"kind_labels": cohorts.KIND_LABELS, "show_code": cohorts.show_code}


def _cohort(session, cohort_id: int) -> Cohort:
    found = session.get(Cohort, cohort_id)
    if found is None:
        abort(404)
    return found


def _session_row(session, cohort: Cohort, session_id: int) -> CohortSession:
    row = session.get(CohortSession, session_id)
    if row is None or row.cohort_id != cohort.id:
        abort(404)
    return row


def _target(cohort: Cohort) -> str:
    return f"cohort {cohort.id}: {cohort.name}"


def _session_target(cohort: Cohort, row: CohortSession) -> str:
    return f"{_target(cohort)}, session {row.id}: {row.title} on {row.held_on.isoformat()}"


# -- trainers: cohorts -----------------------------------------------------------------------


@cohort_pages.get("/cohorts")
@role_required(*VIEWERS)
def index():
    with unit_of_work(_db()) as session:
        rows = session.scalars(select(Cohort).order_by(Cohort.closed, Cohort.created_on.desc(), Cohort.id.desc())).all()
        listing = [(c, cohorts.member_count(session, c.id), len(cohorts.sessions_of(session, c.id))) for c in rows]
    return render_template(
        "training/cohorts/index.html",
        listing=listing,
        orgs=_organisations(),
        can_edit=_staff().has_role(*TRAINER),
    )


def _cohort_form(values: cohorts.CohortForm, errors: dict[str, str], cohort: Cohort | None = None):
    return render_template(
        "training/cohorts/cohort_form.html", values=values, errors=errors, cohort=cohort, orgs=_organisations()
    ), 400 if errors else 200


@cohort_pages.route("/cohorts/new", methods=["GET", "POST"])
@role_required(*TRAINER)
def new_cohort():
    if request.method == "GET":
        return _cohort_form(cohorts.CohortForm(), {})
    values, errors = cohorts.read_cohort(request.form, _organisations())
    if errors:
        return _cohort_form(values, errors)
    with unit_of_work(_db()) as session:
        cohort = cohorts.create_cohort(session, values)
        audit.record(session, actor(_staff()), "cohort.created", _target(cohort))
        cohort_id = cohort.id
    flash(f"Cohort created. Its join code is {cohorts.show_code(cohort.join_code)}.")
    return redirect(url_for("cohorts.cohort", cohort_id=cohort_id), 303)


@cohort_pages.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@role_required(*TRAINER)
def edit_cohort(cohort_id: int):
    with unit_of_work(_db()) as session:
        cohort = _cohort(session, cohort_id)
        if request.method == "GET":
            return _cohort_form(cohorts.CohortForm(cohort.name, cohort.organisation or ""), {}, cohort)
        values, errors = cohorts.read_cohort(request.form, _organisations())
        if errors:
            return _cohort_form(values, errors, cohort)
        if (cohort.name, cohort.organisation) != (values.name, values.organisation):
            audit.record(session, actor(_staff()), "cohort.changed", _target(cohort), f"now: {values.name}")
        cohort.name, cohort.organisation = values.name, values.organisation
    flash("Cohort saved.")
    return redirect(url_for("cohorts.cohort", cohort_id=cohort_id), 303)


def _render_cohort(cohort_id: int, journey_errors: dict[str, str] | None = None, start: Any = None):
    with unit_of_work(_db()) as session:
        cohort = _cohort(session, cohort_id)
        rows = cohorts.sessions_of(session, cohort.id)
        attended = cohorts.attendance_counts(session, cohort.id)
        members = cohorts.member_count(session, cohort.id)
        session.expunge_all()
    return render_template(
        "training/cohorts/cohort.html",
        cohort=cohort,
        rows=rows,
        attended=attended,
        members=members,
        orgs=_organisations(),
        today=today(),
        can_edit=_staff().has_role(*TRAINER),
        journey_errors=journey_errors or {},
        start=start or cohorts.DateParts(),
        plan=cohorts.journey(today()),
    ), 400 if journey_errors else 200


@cohort_pages.get("/cohorts/<int:cohort_id>")
@role_required(*VIEWERS)
def cohort(cohort_id: int):
    return _render_cohort(cohort_id)


@cohort_pages.post("/cohorts/<int:cohort_id>/close")
@role_required(*TRAINER)
def close_cohort(cohort_id: int):
    with unit_of_work(_db()) as session:
        found = _cohort(session, cohort_id)
        if not found.closed:
            found.closed = True
            audit.record(session, actor(_staff()), "cohort.closed", _target(found))
    flash("Cohort closed. Nobody new can join it, and attendance can no longer be marked.")
    return redirect(url_for("cohorts.cohort", cohort_id=cohort_id), 303)


def _closed(cohort_id: int):
    flash("This cohort is closed, so no sessions can be added to it.")
    return redirect(url_for("cohorts.cohort", cohort_id=cohort_id), 303)


@cohort_pages.post("/cohorts/<int:cohort_id>/journey")
@role_required(*TRAINER)
def add_journey(cohort_id: int):
    start = cohorts.DateParts.read(request.form, "start")
    day, problem = start.parse("date of the workshop")
    if problem:
        return _render_cohort(cohort_id, {"start": problem}, start)
    assert day is not None
    with unit_of_work(_db()) as session:
        found = _cohort(session, cohort_id)
        if found.closed:
            return _closed(cohort_id)
        made = cohorts.add_journey(session, found, day)
        audit.record(
            session,
            actor(_staff()),
            "cohort.journey_added",
            _target(found),
            f"{len(made)} sessions from {day.isoformat()}",
        )
    flash(f"{len(made)} sessions added: the workshop, five monthly action learning sets and the community of practice.")
    return redirect(url_for("cohorts.cohort", cohort_id=cohort_id), 303)


# -- trainers: sessions ----------------------------------------------------------------------------


def _session_form(
    cohort: Cohort, values: cohorts.SessionForm, errors: dict[str, str], row: CohortSession | None = None
):
    kinds = [{"id": k, "text": cohorts.KIND_LABELS[k]} for k in SESSION_KINDS]
    return render_template(
        "training/cohorts/session_form.html", cohort=cohort, values=values, errors=errors, row=row, kinds=kinds
    ), 400 if errors else 200


@cohort_pages.route("/cohorts/<int:cohort_id>/sessions/new", methods=["GET", "POST"])
@role_required(*TRAINER)
def new_session(cohort_id: int):
    with unit_of_work(_db()) as session:
        found = _cohort(session, cohort_id)
        if found.closed:
            return _closed(cohort_id)
        if request.method == "GET":
            return _session_form(found, cohorts.SessionForm(), {})
        values, errors, day = cohorts.read_session(request.form)
        if errors:
            return _session_form(found, values, errors)
        assert day is not None
        row = cohorts.add_session(
            session, found, values.kind, values.title, day, cohorts.clean_time(values.start_time), values.place
        )
        audit.record(session, actor(_staff()), "session.created", _session_target(found, row))
    flash("Session added.")
    return redirect(url_for("cohorts.cohort", cohort_id=cohort_id), 303)


@cohort_pages.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@role_required(*TRAINER)
def edit_session(cohort_id: int, session_id: int):
    with unit_of_work(_db()) as session:
        found = _cohort(session, cohort_id)
        row = _session_row(session, found, session_id)
        if request.method == "GET":
            return _session_form(found, cohorts.SessionForm.of(row), {}, row)
        values, errors, day = cohorts.read_session(request.form)
        if errors:
            return _session_form(found, values, errors, row)
        assert day is not None
        row.kind, row.title, row.held_on = values.kind, values.title, day
        row.start_time, row.place = cohorts.clean_time(values.start_time), values.place
    flash("Session saved.")
    return redirect(url_for("cohorts.session_page", cohort_id=cohort_id, session_id=session_id), 303)


@cohort_pages.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/delete", methods=["GET", "POST"])
@role_required(*TRAINER)
def delete_session(cohort_id: int, session_id: int):
    with unit_of_work(_db()) as session:
        found = _cohort(session, cohort_id)
        row = _session_row(session, found, session_id)
        if request.method == "GET":
            return render_template("training/cohorts/session_delete.html", cohort=found, row=row)
        audit.record(session, actor(_staff()), "session.deleted", _session_target(found, row))
        session.delete(row)
    flash("Session deleted, with its attendance, ratings and notes.")
    return redirect(url_for("cohorts.cohort", cohort_id=cohort_id), 303)


def _render_session(cohort_id: int, session_id: int, case_errors: dict[str, str] | None = None,
                    case_choice: str = "", status: int = 200):
    content: Curriculum = current_app.extensions[CONTENT]
    with unit_of_work(_db()) as session:
        found = _cohort(session, cohort_id)
        row = _session_row(session, found, session_id)
        code = cohorts.session_code(session, row.id)
        attended = cohorts.attendance_counts(session, found.id).get(row.id, 0)
        ratings = cohorts.rating_summary(session, row.id)
        notes = session.get(SessionNote, row.id)
        live = session.scalars(
            select(LiveRun).where(LiveRun.session_id == row.id, LiveRun.ended.is_(False)).order_by(LiveRun.id.desc())
        ).all()
        down = cases.session_cases(session, row.id)
        offered = cases.attachable(session, row.id)
        session.expunge_all()
    return render_template(
        "training/cohorts/session.html",
        cohort=found,
        row=row,
        code=code,
        attended=attended,
        ratings=ratings,
        notes=notes,
        live=live,
        scenarios=content.scenarios,
        titles={s.id: s.title for s in content.scenarios},
        can_edit=_staff().has_role(*TRAINER),
        k=learning.K,
        facilitate_errors={},
        facilitate_values={"scenario": "", "threshold": ""},
        session_cases=down,
        attachable=offered,
        case_errors=case_errors or {},
        case_choice=case_choice,
    ), status


@cohort_pages.get("/cohorts/<int:cohort_id>/sessions/<int:session_id>")
@role_required(*VIEWERS)
def session_page(cohort_id: int, session_id: int):
    return _render_session(cohort_id, session_id)


# -- trainers: published cases for discussion at a session ---------------------------------------


@cohort_pages.post("/cohorts/<int:cohort_id>/sessions/<int:session_id>/cases")
@role_required(*TRAINER)
def add_case(cohort_id: int, session_id: int):
    typed = request.form.get("case", "")[:20]
    try:
        with unit_of_work(_db()) as session:
            found = _cohort(session, cohort_id)
            row = _session_row(session, found, session_id)
            case, new = cases.attach(session, row.id, typed)
            title = case.title
            if new:
                audit.record(session, actor(_staff()), "session.case_added", _session_target(found, row),
                             f"case {case.id}")
    except cases.ApprovalProblem as problem:
        return _render_session(cohort_id, session_id, {"case": str(problem)}, typed, 400)
    flash(f"“{title}” is down for discussion at this session." if new
          else f"“{title}” was already down for this session: nothing has changed.")
    return redirect(url_for("cohorts.session_page", cohort_id=cohort_id, session_id=session_id) + "#cases", 303)


@cohort_pages.post("/cohorts/<int:cohort_id>/sessions/<int:session_id>/cases/<int:case_id>/remove")
@role_required(*TRAINER)
def remove_case(cohort_id: int, session_id: int, case_id: int):
    with unit_of_work(_db()) as session:
        found = _cohort(session, cohort_id)
        row = _session_row(session, found, session_id)
        case = cases.detach(session, row.id, case_id)
        if case is None:
            abort(404)
        title = case.title
        audit.record(session, actor(_staff()), "session.case_removed", _session_target(found, row), f"case {case_id}")
    flash(f"“{title}” is no longer down for this session. It is still in the case library.")
    return redirect(url_for("cohorts.session_page", cohort_id=cohort_id, session_id=session_id) + "#cases", 303)


@cohort_pages.get("/cohorts/<int:cohort_id>/sessions/<int:session_id>/cases.pdf")
@role_required(*VIEWERS)
def cases_pdf(cohort_id: int, session_id: int):
    """The session's cases for discussion as printable A5 sheets, one case a page (audited: case text)."""
    with unit_of_work(_db()) as session:
        found = _cohort(session, cohort_id)
        row = _session_row(session, found, session_id)
        down = cases.session_cases(session, row.id)
        if not down:
            abort(404)
        audit.record(session, actor(_staff()), "session.cases_printed", _session_target(found, row),
                     f"{len(down)} case{'s' if len(down) != 1 else ''}: " + ", ".join(str(c.id) for c in down))
        html = render_template("training/cohorts/session_cases_pdf.html", cohort=found, row=row, session_cases=down)
    return pdf.attachment(pdf.render(html), f"cases-for-session-{row.id}.pdf")


# -- trainers: action learning notes ---------------------------------------------------------------


def _notes_form(found: Cohort, row: CohortSession, values: dict[str, str], errors: dict[str, str], exists: bool):
    return render_template(
        "training/cohorts/notes_form.html", cohort=found, row=row, values=values, errors=errors, exists=exists
    ), 400 if errors else 200


@cohort_pages.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/notes", methods=["GET", "POST"])
@role_required(*TRAINER)
def notes(cohort_id: int, session_id: int):
    with unit_of_work(_db()) as session:
        found = _cohort(session, cohort_id)
        row = _session_row(session, found, session_id)
        existing = session.get(SessionNote, row.id)
        if request.method == "GET":
            values = {"discussed": existing.discussed, "actions": existing.actions} if existing else {}
            return _notes_form(found, row, values, {}, existing is not None)
        values, errors = cohorts.read_notes(request.form)
        if errors:
            return _notes_form(found, row, values, errors, existing is not None)
        cohorts.save_notes(session, row.id, values)
    flash("Notes saved.")
    return redirect(url_for("cohorts.session_page", cohort_id=cohort_id, session_id=session_id), 303)


@cohort_pages.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/notes/delete", methods=["GET", "POST"])
@role_required(*TRAINER)
def delete_notes(cohort_id: int, session_id: int):
    with unit_of_work(_db()) as session:
        found = _cohort(session, cohort_id)
        row = _session_row(session, found, session_id)
        existing = session.get(SessionNote, row.id)
        if existing is None:
            abort(404)
        if request.method == "GET":
            return render_template("training/cohorts/notes_delete.html", cohort=found, row=row)
        audit.record(session, actor(_staff()), "notes.deleted", _session_target(found, row))
        session.delete(existing)
    flash("Notes deleted.")
    return redirect(url_for("cohorts.session_page", cohort_id=cohort_id, session_id=session_id), 303)


# -- learners ------------------------------------------------------------------------------------


@cohort_pages.route("/join", methods=["GET", "POST"])
@role_required(*ROLES)
def join():
    typed = request.form.get("code", "") if request.method == "POST" else request.args.get("code", "")
    if request.method == "GET":
        return render_template("training/cohorts/join.html", code=typed, errors={})
    try:
        with unit_of_work(_db()) as session:
            found, new = cohorts.join(session, _learner(), typed)
            name = found.name
    except cohorts.Refused as refused:
        return render_template("training/cohorts/join.html", code=typed, errors={"code": refused.message}), 400
    flash(f"You have joined {name}." if new else f"You were already in {name}: nothing has changed.")
    return redirect(url_for("cohorts.mine"), 303)


def _render_mine(errors: dict[str, str] | None = None, rating_for: int | None = None, status: int = 200):
    with unit_of_work(_db()) as session:
        found = cohorts.my_cohorts(session, _learner())
        session.expunge_all()
    return render_template(
        "training/cohorts/mine.html", mine=found, orgs=_organisations(), errors=errors or {}, rating_for=rating_for
    ), status


@cohort_pages.get("/my-cohorts")
@role_required(*ROLES)
def mine():
    return _render_mine()


@cohort_pages.route("/attend", methods=["GET", "POST"])
@role_required(*ROLES)
def attend():
    typed = request.form.get("code", "") if request.method == "POST" else ""
    if request.method == "GET":
        return render_template("training/cohorts/attend.html", code=typed, errors={})
    try:
        with unit_of_work(_db()) as session:
            row = cohorts.attend(session, _learner(), typed)
            title, row_id = row.title, row.id
    except cohorts.Refused as refused:
        return render_template("training/cohorts/attend.html", code=typed, errors={"code": refused.message}), 400
    flash(f"You are marked present at {title}. You can rate the session below.")
    return redirect(url_for("cohorts.mine") + f"#session-{row_id}", 303)


@cohort_pages.post("/my-cohorts/sessions/<int:session_id>/rating")
@role_required(*ROLES)
def rate(session_id: int):
    try:
        with unit_of_work(_db()) as session:
            rating = cohorts.rate(session, _learner(), session_id, request.form.get("rating", ""))
    except cohorts.Refused as refused:
        return _render_mine({f"rating-{session_id}": refused.message}, session_id, 400)
    flash(f"Thank you: you rated the session {rating} out of 5. Trainers only ever see ratings added together.")
    return redirect(url_for("cohorts.mine") + f"#session-{session_id}", 303)

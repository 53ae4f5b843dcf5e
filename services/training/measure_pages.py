"""Pages for the hub's confidence measure and the programme evaluation report.

- ``measures``: a learner answers the confidence measure before, after and three months after
  the hub (any signed-in member of staff); trainers and leads see the before/after statistics,
  k-safe, and download them as CSV or XLSX (each download audited).
- ``evaluation``: the programme lead (the lead role only: the report speaks for the programme)
  writes a narrative for each of the 16 areas, enters the programme's costs, and downloads the
  report as a PDF (audited); the hub fills in the figures its data answers.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from portal_common.db import unit_of_work
from portal_common.models import today
from portal_common.roles import ROLES
from portal_common.signin import current_staff, role_required, signin_state

from . import audit, confidence_stats, evaluation, learning, measures
from .curriculum import FIVE_DS, TAG_BY_CODE
from .hub import CONTENT, TRAINER_ROLES, curriculum
from .models import ProgrammeCost

INSTRUMENT = "training_confidence"  # app.extensions key: the validated Instrument
LEAD_ROLES = ("lead",)
STAGE_SLUGS = {"before": measures.BEFORE, "after": measures.AFTER, "follow-up": measures.FOLLOW_UP}
SLUG_OF = {v: k for k, v in STAGE_SLUGS.items()}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

measure_bp = Blueprint("measures", __name__)
evaluation_bp = Blueprint("evaluation", __name__)


def instrument() -> measures.Instrument:
    return current_app.extensions[INSTRUMENT]


def _sessions():
    return current_app.extensions["portal"]["sessions"]


def _learner() -> str:
    staff = current_staff()
    assert staff is not None  # every view here is behind role_required
    return learning.learner_key(current_app.config["SECRET_KEY"], staff.subject)


def _actor() -> str:
    staff = current_staff()
    assert staff is not None
    return staff.email or staff.subject


def _states(session) -> dict[str, measures.StageState]:
    learner = _learner()
    progress = learning.progress(session, learner, curriculum())
    return measures.stage_states(session, learner, progress, curriculum())


@measure_bp.app_template_global()
def confidence_invitation() -> dict[str, Any] | None:
    """For the hub's home page: the stage of the confidence measure open to this learner, if any."""
    staff = current_staff()
    if staff is None or INSTRUMENT not in current_app.extensions:
        return None
    with unit_of_work(_sessions()) as session:
        states = _states(session)
    for stage in (measures.BEFORE, measures.AFTER, measures.FOLLOW_UP):
        if states[stage].status == measures.OPEN:
            first = curriculum().modules[0]
            return {"stage": stage, "slug": SLUG_OF[stage], "text": instrument().stages[stage], "first_module": first}
    return None


# -- the learner's measure ---------------------------------------------------------------------


@measure_bp.route("/confidence/<slug>", methods=["GET", "POST"])
@role_required(*ROLES)
def answer(slug: str):
    stage = STAGE_SLUGS.get(slug)
    if stage is None:
        abort(404)
    found = instrument()
    kept: dict[str, Any] = {}
    errors: dict[str, str] = {}
    refused = None
    if request.method == "POST":
        with unit_of_work(_sessions()) as session:
            open_now = _states(session)[stage].status == measures.OPEN
        if not open_now:  # answered already, closed or not yet offered: refused whatever was sent
            refused = "not_open"
        else:
            kept, errors = measures.read_form(found, stage, request.form)
        if open_now and not errors:
            try:
                with unit_of_work(_sessions()) as session:
                    state = _states(session)[stage]
                    measures.record(session, _learner(), stage, found, measures.to_answers(found, stage, kept), state)
            except (measures.AnswerRefused, IntegrityError):  # IntegrityError: the same answers sent twice at once
                refused = "not_open"
            else:
                return redirect(url_for("measures.answer", slug=slug), 303)
    with unit_of_work(_sessions()) as session:
        state = _states(session)[stage]
    anchors = {item.id: f"{item.id}-1" for item in found.items}
    anchors |= {"acted": "acted-1", "ds_used": f"ds_used-{FIVE_DS[0]}"}  # the first radio or box of each
    status = 200
    if errors:
        status = 400
    elif refused:
        status = 409
    return render_template(
        "training/confidence_form.html",
        instrument=found,
        stage=stage,
        slug=slug,
        state=state,
        kept=kept,
        errors=errors,
        anchors=anchors,
        refused=refused,
        five_ds=[TAG_BY_CODE[d] for d in FIVE_DS],
        first_module=curriculum().modules[0],
    ), status


# -- what trainers and leads see ------------------------------------------------------------------


@measure_bp.get("/evaluation/confidence")
@role_required(*TRAINER_ROLES)
def confidence():
    with unit_of_work(_sessions()) as session:
        found = confidence_stats.report(session, instrument())
    return render_template(
        "training/confidence.html",
        report=found,
        labels=confidence_stats.FIELD_LABELS,
        acted_labels=confidence_stats.ACTED_LABELS,
        fields=confidence_stats.Row.FIELDS,
        rule=confidence_stats.rule_text(found.k),
        d_tags=TAG_BY_CODE,
    )


@measure_bp.get("/evaluation/confidence/download/<fmt>")
@role_required(*TRAINER_ROLES)
def download(fmt: str):
    if fmt not in CONTENT_TYPES:
        abort(404)
    with unit_of_work(_sessions()) as session:
        found = confidence_stats.report(session, instrument())
        body = confidence_stats.to_csv(found) if fmt == "csv" else confidence_stats.to_xlsx(found)
        audit.record(
            session,
            _actor(),
            f"export_confidence_{fmt}",
            "Confidence before and after",
            f"{len(found.cohorts)} cohorts; k = {found.k}; measure version {found.instrument_version}",
            minute=signin_state().minute(),
        )
    name = f"confidence-{today().isoformat()}.{fmt}"
    return Response(
        body,
        mimetype=CONTENT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


# -- the programme evaluation report ------------------------------------------------------------


def _area(code: str) -> evaluation.Area:
    area = evaluation.AREA_BY_CODE.get(code)
    if area is None:
        abort(404)
    return area


def _figures(session) -> evaluation.Figures:
    return evaluation.figures(session, curriculum(), instrument())


@evaluation_bp.get("/evaluation/report")
@role_required(*LEAD_ROLES)
def report():
    with unit_of_work(_sessions()) as session:
        written = {code: row.text for code, row in evaluation.narratives(session).items()}
        updated = {code: row.updated_on for code, row in evaluation.narratives(session).items()}
        figures = _figures(session)
        cost_rows = [(c.id, c.description, evaluation.pounds(c.amount_pence), c.added_on)
                     for c in evaluation.costs(session)]
    return render_template(
        "training/evaluation.html",
        areas=evaluation.AREAS,
        written=written,
        updated=updated,
        figures=figures,
        costs=cost_rows,
        paragraphs=evaluation.paragraphs,
        labels=confidence_stats.FIELD_LABELS,
        acted_labels=confidence_stats.ACTED_LABELS,
        d_tags=TAG_BY_CODE,
        pdf=False,
    )


@evaluation_bp.route("/evaluation/report/areas/<code>", methods=["GET", "POST"])
@role_required(*LEAD_ROLES)
def edit_area(code: str):
    area = _area(code)
    errors: dict[str, str] = {}
    if request.method == "POST":
        text = request.form.get("narrative", "").replace("\r\n", "\n")
        problem = evaluation.narrative_error(text)
        if problem:
            errors["narrative"] = problem
        else:
            with unit_of_work(_sessions()) as session:
                evaluation.save_narrative(session, area, text)
            return redirect(url_for("evaluation.report", _anchor=area.code), 303)
    else:
        with unit_of_work(_sessions()) as session:
            row = evaluation.narratives(session).get(area.code)
            text = row.text if row else ""
    return render_template(
        "training/evaluation_area.html", area=area, text=text, errors=errors, limit=evaluation.NARRATIVE_LIMIT
    ), 400 if errors else 200


@evaluation_bp.route("/evaluation/report/costs", methods=["GET", "POST"])
@role_required(*LEAD_ROLES)
def add_cost():
    errors: dict[str, str] = {}
    kept = {"description": "", "amount": ""}
    if request.method == "POST":
        kept = {"description": request.form.get("description", ""), "amount": request.form.get("amount", "")}
        pence, errors = evaluation.cost_errors(kept["description"], kept["amount"])
        if not errors:
            assert pence is not None
            description = " ".join(kept["description"].split())
            with unit_of_work(_sessions()) as session:
                session.add(ProgrammeCost(description=description, amount_pence=pence, added_on=today()))
                audit.record(session, _actor(), "add_programme_cost", description[:200], evaluation.pounds(pence),
                             minute=signin_state().minute())
            return redirect(url_for("evaluation.report", _anchor="costs"), 303)
    with unit_of_work(_sessions()) as session:
        cost_rows = [(c.id, c.description, evaluation.pounds(c.amount_pence), c.added_on)
                     for c in evaluation.costs(session)]
    return render_template("training/evaluation_costs.html", kept=kept, errors=errors, costs=cost_rows), (
        400 if errors else 200
    )


@evaluation_bp.post("/evaluation/report/costs/<cost_id>/delete")
@role_required(*LEAD_ROLES)
def delete_cost(cost_id: str):
    if not cost_id.isdigit():
        abort(404)
    with unit_of_work(_sessions()) as session:
        row = session.get(ProgrammeCost, int(cost_id))
        if row is None:
            abort(404)
        audit.record(session, _actor(), "delete_programme_cost", row.description[:200],
                     evaluation.pounds(row.amount_pence), minute=signin_state().minute())
        session.delete(row)
    return redirect(url_for("evaluation.add_cost"), 303)


@evaluation_bp.get("/evaluation/report/pdf")
@role_required(*LEAD_ROLES)
def report_pdf():
    with unit_of_work(_sessions()) as session:
        written = {code: row.text for code, row in evaluation.narratives(session).items()}
        figures = _figures(session)
        cost_rows = [(c.id, c.description, evaluation.pounds(c.amount_pence), c.added_on)
                     for c in evaluation.costs(session)]
        html = render_template(
            "training/evaluation_pdf.html",
            areas=evaluation.AREAS,
            written=written,
            figures=figures,
            costs=cost_rows,
            paragraphs=evaluation.paragraphs,
            labels=confidence_stats.FIELD_LABELS,
            acted_labels=confidence_stats.ACTED_LABELS,
            d_tags=TAG_BY_CODE,
            rule=confidence_stats.rule_text(figures.k),
        )
        body = evaluation.render_pdf(html)
        audit.record(session, _actor(), "download_evaluation_pdf", "Programme evaluation report",
                     f"{len(written)} of {len(evaluation.AREAS)} areas written", minute=signin_state().minute())
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="programme-evaluation-{today().isoformat()}.pdf"',
            "Cache-Control": "no-store",
        },
    )


def install(app: Flask) -> None:
    """Load and check the confidence measure (the app does not start on a broken one) and add the pages."""
    assert CONTENT in app.extensions, "install the hub's content first"
    app.extensions[INSTRUMENT] = measures.load_instrument()
    app.register_blueprint(measure_bp)
    app.register_blueprint(evaluation_bp)

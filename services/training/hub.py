"""The 5 Ds hub's pages: learn (modules, knowledge checks), rehearse (scenarios), progress, and
the trainers' view of which Ds learners choose.

Every page is rendered on the server and works without JavaScript; every form posts with a
CSRF token. Any signed-in member of staff is a learner here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from portal_common.db import unit_of_work
from portal_common.roles import ROLES
from portal_common.signin import current_staff, role_required

from . import cohorts, learning
from .curriculum import D_TAGS, FIVE_DS, TAG_BY_CODE, Curriculum, Module, Scenario
from .models import ScenarioChoice

CONTENT = "training_content"  # app.extensions key: the validated Curriculum
TRAINER_ROLES = ("trainer", "lead")

hub = Blueprint("hub", __name__)


def curriculum() -> Curriculum:
    return current_app.extensions[CONTENT]


def _sessions():
    return current_app.extensions["portal"]["sessions"]


def _learner() -> str:
    staff = current_staff()
    assert staff is not None  # every view here is behind role_required
    return learning.learner_key(current_app.config["SECRET_KEY"], staff.subject)


def _module(module_id: str) -> Module:
    module = curriculum().module(module_id)
    if module is None:
        abort(404)
    return module


def _scenario(scenario_id: str) -> Scenario:
    scenario = curriculum().scenario(scenario_id)
    if scenario is None:
        abort(404)
    return scenario


@hub.app_context_processor
def _hub_context() -> dict[str, Any]:
    return {"d_tags": TAG_BY_CODE, "support": current_app.extensions[CONTENT].support}


def home_context() -> dict[str, Any]:
    """What the hub's home page shows a learner: the modules, the scenarios and where they are."""
    with unit_of_work(_sessions()) as session:
        progress = learning.progress(session, _learner(), curriculum())
    return {"curriculum": curriculum(), "progress": progress}


# -- learn ---------------------------------------------------------------------------------------


@hub.get("/learn/<module_id>")
@role_required(*ROLES)
def module(module_id: str):
    found = _module(module_id)
    with unit_of_work(_sessions()) as session:
        progress = learning.progress(session, _learner(), curriculum())
    modules = curriculum().modules
    position = modules.index(found)
    return render_template(
        "training/module.html",
        module=found,
        progress=progress,
        position=position + 1,
        count=len(modules),
        following=modules[position + 1] if position + 1 < len(modules) else None,
    )


@hub.post("/learn/<module_id>/read")
@role_required(*ROLES)
def mark_read(module_id: str):
    found = _module(module_id)
    with unit_of_work(_sessions()) as session:
        learning.mark_read(session, _learner(), found)
    return redirect(url_for("hub.check", module_id=found.id), 303)


@hub.route("/learn/<module_id>/check", methods=["GET", "POST"])
@role_required(*ROLES)
def check(module_id: str):
    found = _module(module_id)
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    outcome = None
    if request.method == "POST":
        answers = {q.id: request.form.get(q.id, "") for q in found.check.questions}
        missing = learning.unanswered(found, answers)
        if missing:
            numbers = {q.id: n for n, q in enumerate(found.check.questions, 1)}
            errors = {qid: f"Select an answer to question {numbers[qid]}" for qid in missing}
        else:
            with unit_of_work(_sessions()) as session:
                outcome = learning.mark_check(session, _learner(), found, answers)
    modules = curriculum().modules
    position = modules.index(found)
    return render_template(
        "training/check.html",
        module=found,
        answers=answers,
        errors=errors,
        outcome=outcome,
        marked={m.question_id: m for m in outcome.marked} if outcome else {},
        following=modules[position + 1] if position + 1 < len(modules) else None,
    ), 400 if errors else 200


# -- rehearse ------------------------------------------------------------------------------------


@hub.get("/scenarios/<scenario_id>")
@role_required(*ROLES)
def scenario(scenario_id: str):
    found = _scenario(scenario_id)
    with unit_of_work(_sessions()) as session:
        run = learning.latest_run(session, _learner(), found)
        state = None if run is None else run.status
    return render_template("training/scenario.html", scenario=found, state=state)


@hub.post("/scenarios/<scenario_id>/start")
@role_required(*ROLES)
def start(scenario_id: str):
    found = _scenario(scenario_id)
    with unit_of_work(_sessions()) as session:
        learning.start_run(session, _learner(), found)
    return redirect(url_for("hub.play", scenario_id=found.id), 303)


def _render_step(found: Scenario, errors: dict[str, str] | None = None, notice: str | None = None):
    with unit_of_work(_sessions()) as session:
        run = learning.latest_run(session, _learner(), found)
        if run is None:
            return redirect(url_for("hub.scenario", scenario_id=found.id), 303)
        made = learning.run_choices(session, run.id)
        step = found.step(run.current_step)
    assert step is not None
    if step.is_ending:
        choices = []
        for row in made:
            made_step = found.step(row.step_id)
            chosen = made_step.choice(row.choice_id) if made_step else None
            if chosen is not None:
                choices.append(chosen)
        return render_template("training/ending.html", scenario=found, step=step, choices=choices)
    return render_template(
        "training/play.html",
        scenario=found,
        step=step,
        number=len(made) + 1,
        errors=errors or {},
        notice=notice,
    ), 400 if errors else 200


@hub.route("/scenarios/<scenario_id>/play", methods=["GET", "POST"])
@role_required(*ROLES)
def play(scenario_id: str):
    found = _scenario(scenario_id)
    if request.method == "GET":
        return _render_step(found)
    step_id = request.form.get("step", "")
    choice_id = request.form.get("choice", "")
    try:
        with unit_of_work(_sessions()) as session:
            row = learning.choose(session, _learner(), found, step_id, choice_id)
            chosen_id = row.id
    except learning.ChoiceRefused as refused:
        if refused.reason == "no_choice":
            return _render_step(found, errors={"choice": refused.message})
        return _render_step(found, notice=refused.message)
    return redirect(url_for("hub.feedback", scenario_id=found.id, choice=chosen_id), 303)


@hub.get("/scenarios/<scenario_id>/feedback")
@role_required(*ROLES)
def feedback(scenario_id: str):
    found = _scenario(scenario_id)
    row_id = request.args.get("choice", type=int)
    with unit_of_work(_sessions()) as session:
        row = session.get(ScenarioChoice, row_id) if row_id else None
        if row is None or row.learner != _learner() or row.scenario_id != found.id:
            abort(404)
        step = found.step(row.step_id) if row.content_version == found.version else None
    chosen = step.choice(row.choice_id) if step else None
    if step is None or chosen is None:
        abort(404)
    return render_template("training/feedback.html", scenario=found, step=step, chosen=chosen)


# -- progress, support and the trainers' view --------------------------------------------------------


UPCOMING_SHOWN = 3  # sessions per cohort on the progress page; the rest are on My cohorts


@hub.get("/progress")
@role_required(*ROLES)
def progress():
    from . import certificates  # imports this module: imported here to avoid a cycle
    from .web_common import settings

    learner = _learner()
    with unit_of_work(_sessions()) as session:
        found = learning.progress(session, learner, curriculum())
        mine = cohorts.my_cohorts(session, learner)
        held = certificates.latest(session, learner)
        held_state = certificates.state(held, settings().certificate_reminder_days) if held else None
        session.expunge_all()
    return render_template(
        "training/progress.html",
        curriculum=curriculum(),
        progress=found,
        five_ds=[TAG_BY_CODE[d] for d in FIVE_DS],
        other_tags=D_TAGS[5:],
        mine=mine,
        upcoming_shown=UPCOMING_SHOWN,
        kind_labels=cohorts.KIND_LABELS,
        held=held,
        held_state=held_state,
        gaps=certificates.missing(found, curriculum()),
    )


@hub.get("/support")
def support_page():
    return render_template("training/support.html")


@hub.get("/trainers/choices")
@role_required(*TRAINER_ROLES)
def choices_by_d():
    with unit_of_work(_sessions()) as session:
        tables = [(s, learning.d_table(session, s)) for s in curriculum().scenarios]
    return render_template("training/choices.html", tables=tables, tags=D_TAGS, k=learning.K)

"""Facilitator mode and printable scenario cards.

In a live session the trainer puts one step of a scenario on the room's screen; people answer
"what would you do?" from their phones at /go with the run's short code. Answering needs no
sign-in (not every trust signs staff in on their phones), so the portal keeps no identifier
at all: an answer adds one to its option's count and nothing else is written. The browser's
own signed session cookie remembers which steps it has answered, so one phone answers each
step once (someone who clears their cookies could answer again: this is a room exercise, not
a vote). Each step takes at most ANSWER_CAP answers, so a script cannot flood the counts, and
two rate limits count in Redis under keys that hold no identifier either: answers per run code
per minute, and wrong codes typed at /go per minute across the whole site (so codes cannot be
guessed quickly; while that limit is reached, /go asks everyone to wait a minute).

Results stay hidden until at least the run's threshold have answered (5 unless the trainer
sets another). That differs from the hub's k of 10 on purpose: k protects learner records
kept over time and tied to a key; here nothing is kept per person, the count belongs to one
step of one room, and the threshold only stops the first few answers being seen (and so
guessed) while the room is still answering. A room of six must still be able to see results.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass

import redis
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as browser
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from portal_common.db import unit_of_work
from portal_common.models import today
from portal_common.signin import current_staff, role_required

from . import cohorts
from .cohort_pages import TRAINER, VIEWERS
from .curriculum import D_TAGS, Curriculum, Scenario, Step
from .hub import CONTENT
from .models import Cohort, CohortSession, LiveAnswerCount, LiveRun

LIVE_CODE_LENGTH = 5
DEFAULT_THRESHOLD = 5
THRESHOLD_RANGE = (2, 50)
ANSWER_CAP = 300  # answers one step can take: more than any training room holds
ANSWERED = "live_answered"  # browser-session key: {run code: [step ids answered]}
# Rate limits (app.config may lower them): answers per run per minute, wrong codes per minute.
ANSWERS_PER_MINUTE = "TRAINING_LIVE_ANSWERS_PER_MINUTE"
CODE_MISSES_PER_MINUTE = "TRAINING_LIVE_CODE_MISSES_PER_MINUTE"
LIMITS = {ANSWERS_PER_MINUTE: 300, CODE_MISSES_PER_MINUTE: 120}

log = logging.getLogger(__name__)

facilitation = Blueprint("facilitation", __name__)


def _db():
    return current_app.extensions["portal"]["sessions"]


def _content() -> Curriculum:
    return current_app.extensions[CONTENT]


# -- use cases ----------------------------------------------------------------------------------


_clock = time.time  # the tests hold the minute still


def _minute() -> int:
    return int(_clock() // 60)


def _limit(name: str) -> int:
    return int(current_app.config.get(name, LIMITS[name]))


def _count(key: str) -> int:
    """Add one to this minute's count under ``key`` (a run code or a fixed name, never anything
    about a person) and return it. Without Redis the limits are not applied: the room still works,
    and the cap per step still holds."""
    settings = current_app.extensions["portal"]["settings"]
    name = f"training:live-limit:{key}:{_minute()}"
    try:
        client = redis.Redis.from_url(settings.require_redis(), socket_connect_timeout=1, socket_timeout=1)
        with client.pipeline() as pipe:
            pipe.incr(name)
            pipe.expire(name, 120)
            found, _ = pipe.execute()
        return int(found)
    except redis.RedisError:
        log.warning("live answer limits not applied: Redis unavailable")
        return 0


def _misses_now() -> int:
    settings = current_app.extensions["portal"]["settings"]
    try:
        client = redis.Redis.from_url(settings.require_redis(), socket_connect_timeout=1, socket_timeout=1)
        found: bytes | None = client.get(f"training:live-limit:misses:{_minute()}")  # type: ignore[assignment]
        return int(found or 0)
    except redis.RedisError:
        return 0


class Refused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def read_start(form, content: Curriculum) -> tuple[dict[str, str], dict[str, str], Scenario | None, int]:
    values = {"scenario": (form.get("scenario") or "").strip(), "threshold": (form.get("threshold") or "").strip()}
    errors: dict[str, str] = {}
    scenario = content.scenario(values["scenario"]) if values["scenario"] else None
    if scenario is None:
        errors["scenario"] = "Select the scenario to step through"
    threshold = DEFAULT_THRESHOLD
    if values["threshold"]:
        low, high = THRESHOLD_RANGE
        if not values["threshold"].isdigit() or not low <= int(values["threshold"]) <= high:
            errors["threshold"] = f"Enter how many answers to wait for as a whole number from {low} to {high}"
        else:
            threshold = int(values["threshold"])
    return values, errors, scenario, threshold


def start(session: Session, row: CohortSession, scenario: Scenario, threshold: int) -> LiveRun:
    code = ""
    for _ in range(20):
        code = cohorts.new_code(LIVE_CODE_LENGTH)
        if session.scalar(select(func.count()).where(LiveRun.code == code)) == 0:
            break
    run = LiveRun(
        code=code,
        session_id=row.id,
        scenario_id=scenario.id,
        content_version=scenario.version,
        current_step=scenario.start,
        step_number=1,
        revealed=False,
        threshold=threshold,
        ended=False,
        opened_on=today(),
    )
    session.add(run)
    session.flush()
    _open_step(session, run, scenario)
    return run


def _open_step(session: Session, run: LiveRun, scenario: Scenario) -> None:
    step = scenario.step(run.current_step)
    if step is None or step.is_ending:
        return
    for choice in step.choices:
        if session.get(LiveAnswerCount, (run.id, step.id, choice.id)) is None:
            session.add(LiveAnswerCount(run_id=run.id, step_id=step.id, choice_id=choice.id, answers=0))
    session.flush()


def counts(session: Session, run: LiveRun) -> dict[str, int]:
    """Answers so far for each option of the run's current step."""
    return dict(
        session.execute(
            select(LiveAnswerCount.choice_id, LiveAnswerCount.answers).where(
                LiveAnswerCount.run_id == run.id, LiveAnswerCount.step_id == run.current_step
            )
        ).all()
    )


def answer(session: Session, run: LiveRun, step: Step, step_id: str, choice_id: str) -> None:
    if run.ended:
        raise Refused("This session has finished. Thank you for taking part.")
    if step_id != run.current_step or run.revealed:
        raise Refused("That question has closed, so your answer was not counted. Here is where the room is now.")
    if step.choice(choice_id) is None:
        raise Refused("Select what you would do")
    if sum(counts(session, run).values()) >= ANSWER_CAP:
        raise Refused("This question has had as many answers as it can take.")
    if _count(f"answers:{run.code}") > _limit(ANSWERS_PER_MINUTE):
        raise Refused(
            "Too many answers are arriving at once, so yours was not counted. Wait a moment and send it again."
        )
    session.execute(
        update(LiveAnswerCount)
        .where(
            LiveAnswerCount.run_id == run.id,
            LiveAnswerCount.step_id == step_id,
            LiveAnswerCount.choice_id == choice_id,
        )
        .values(answers=LiveAnswerCount.answers + 1)
    )


@dataclass(frozen=True)
class Results:
    total: int
    ready: bool  # at least the threshold have answered
    by_choice: dict[str, int]
    by_d: list[tuple[str, str, int]]  # (code, label, answers), for Ds offered at this step


def results(session: Session, run: LiveRun, step: Step) -> Results:
    found = counts(session, run)
    total = sum(found.values())
    by_d: Counter[str] = Counter()
    for choice in step.choices:
        by_d[choice.d] += found.get(choice.id, 0)
    offered = {c.d for c in step.choices}
    return Results(
        total=total,
        ready=total >= run.threshold,
        by_choice=found,
        by_d=[(t.code, t.label, by_d[t.code]) for t in D_TAGS if t.code in offered],
    )


# -- the trainer's screen ------------------------------------------------------------------------


def _is_trainer() -> bool:
    staff = current_staff()
    return staff is not None and staff.has_role(*TRAINER)


def _run(session: Session, run_id: int) -> tuple[LiveRun, CohortSession, Scenario]:
    run = session.get(LiveRun, run_id)
    if run is None:
        abort(404)
    row = session.get(CohortSession, run.session_id)
    scenario = _content().scenario(run.scenario_id)
    if row is None or scenario is None or scenario.version != run.content_version:
        abort(404)
    return run, row, scenario


@facilitation.post("/cohorts/<int:cohort_id>/sessions/<int:session_id>/facilitate")
@role_required(*TRAINER)
def begin(cohort_id: int, session_id: int):
    values, errors, scenario, threshold = read_start(request.form, _content())
    with unit_of_work(_db()) as session:
        row = session.get(CohortSession, session_id)
        cohort = session.get(Cohort, cohort_id)
        if row is None or cohort is None or row.cohort_id != cohort_id:
            abort(404)
        if errors:
            session.expunge_all()
        else:
            assert scenario is not None
            run_id = start(session, row, scenario, threshold).id
    if errors:
        return render_template(
            "training/cohorts/facilitate_start.html",
            cohort=cohort,
            row=row,
            scenarios=_content().scenarios,
            facilitate_errors=errors,
            facilitate_values=values,
        ), 400
    return redirect(url_for("facilitation.screen", run_id=run_id), 303)


@facilitation.get("/live/<int:run_id>")
@role_required(*VIEWERS)
def screen(run_id: int):
    with unit_of_work(_db()) as session:
        run, row, scenario = _run(session, run_id)
        step = scenario.step(run.current_step)
        assert step is not None
        found = None if step.is_ending else results(session, run, step)
        session.expunge_all()
    return render_template(
        "training/live/screen.html",
        run=run,
        row=row,
        scenario=scenario,
        step=step,
        results=found,
        answer_url=url_for("facilitation.go", _external=True),
        letters="ABCDEFGHIJ",
        can_edit=_is_trainer(),
    )


@facilitation.post("/live/<int:run_id>/reveal")
@role_required(*TRAINER)
def reveal(run_id: int):
    with unit_of_work(_db()) as session:
        run, _row, scenario = _run(session, run_id)
        step = scenario.step(run.current_step)
        assert step is not None
        if run.ended or step.is_ending:
            abort(409)
        if not results(session, run, step).ready:
            flash(f"Results show once at least {run.threshold} people have answered. Give the room a moment longer.")
        else:
            run.revealed = True
    return redirect(url_for("facilitation.screen", run_id=run_id), 303)


@facilitation.post("/live/<int:run_id>/next")
@role_required(*TRAINER)
def follow(run_id: int):
    """Move the room on along the option the trainer picks (usually the one most chose)."""
    with unit_of_work(_db()) as session:
        run, _row, scenario = _run(session, run_id)
        step = scenario.step(run.current_step)
        assert step is not None
        choice = step.choice(request.form.get("choice", ""))
        if run.ended or not run.revealed or choice is None:
            flash("Show the results first, then pick which option the room follows.")
            return redirect(url_for("facilitation.screen", run_id=run_id), 303)
        run.current_step, run.revealed, run.step_number = choice.next, False, run.step_number + 1
        _open_step(session, run, scenario)
    return redirect(url_for("facilitation.screen", run_id=run_id), 303)


@facilitation.post("/live/<int:run_id>/end")
@role_required(*TRAINER)
def end(run_id: int):
    with unit_of_work(_db()) as session:
        run, row, _scenario = _run(session, run_id)
        run.ended = True
        cohort_id, session_id = row.cohort_id, row.id
        # The counts served the room; nothing of them is kept once the run ends.
        session.execute(delete(LiveAnswerCount).where(LiveAnswerCount.run_id == run.id))
    flash("Facilitator mode ended. The room's answers have been deleted.")
    return redirect(url_for("cohorts.session_page", cohort_id=cohort_id, session_id=session_id), 303)


# -- phones -----------------------------------------------------------------------------------------


@facilitation.route("/go", methods=["GET", "POST"])
def go():
    """Where phones start: type the code shown on the screen."""
    if request.method == "GET":
        return render_template("training/live/go.html", code="", errors={})
    typed = cohorts.normalise_code(request.form.get("code", ""))
    if _misses_now() >= _limit(CODE_MISSES_PER_MINUTE):
        errors = {"code": "Too many codes have been tried in the last minute. Wait a minute and try again"}
        return render_template("training/live/go.html", code=request.form.get("code", ""), errors=errors), 429
    if not typed:
        errors = {"code": "Enter the code shown on the screen"}
        return render_template("training/live/go.html", code="", errors=errors), 400
    with unit_of_work(_db()) as session:
        run = session.scalar(select(LiveRun).where(LiveRun.code == typed, LiveRun.ended.is_(False)))
    if run is None:
        _count("misses")
        return render_template(
            "training/live/go.html",
            code=request.form.get("code", ""),
            errors={"code": "No session running now has that code. Check the code on the screen and try again"},
        ), 400
    return redirect(url_for("facilitation.answer_page", code=typed), 303)


def _answered(code: str) -> list[str]:
    return list(browser.get(ANSWERED, {}).get(code, []))


def _remember(code: str, step_id: str) -> None:
    answered = dict(browser.get(ANSWERED, {}))
    # Only live runs matter; keep the cookie small by forgetting all but the latest few.
    answered = {k: v for k, v in list(answered.items())[-4:] if k != code}
    answered[code] = [*_answered(code), step_id][-30:]
    browser[ANSWERED] = answered


def _render_answer(run: LiveRun, scenario: Scenario, errors=None, notice=None, status=200):
    step = scenario.step(run.current_step)
    assert step is not None
    state = (
        "ended"
        if run.ended
        else "ending"
        if step.is_ending
        else "revealed"
        if run.revealed
        else ("answered" if step.id in _answered(run.code) else "open")
    )
    return render_template(
        "training/live/answer.html",
        run=run,
        scenario=scenario,
        step=step,
        state=state,
        errors=errors or {},
        notice=notice,
    ), status


@facilitation.route("/go/<code>", methods=["GET", "POST"])
def answer_page(code: str):
    code = cohorts.normalise_code(code)
    with unit_of_work(_db()) as session:
        run = session.scalar(select(LiveRun).where(LiveRun.code == code))
        scenario = _content().scenario(run.scenario_id) if run else None
        if run is None or scenario is None or scenario.version != run.content_version:
            return render_template(
                "training/live/go.html",
                code=code,
                errors={"code": "No session running now has that code. Check the code on the screen and try again"},
            ), 404
        step = scenario.step(run.current_step)
        assert step is not None
        if request.method == "GET":
            session.expunge_all()
            return _render_answer(run, scenario)
        step_id = request.form.get("step", "")
        if step_id in _answered(code) and step_id == run.current_step:
            session.expunge_all()
            return _render_answer(run, scenario, notice="Your answer to this question is already in.")
        try:
            answer(session, run, step, step_id, request.form.get("choice", ""))
        except Refused as refused:
            session.expunge_all()
            if refused.message == "Select what you would do":
                return _render_answer(run, scenario, errors={"choice": refused.message}, status=400)
            return _render_answer(run, scenario, notice=refused.message)
        session.expunge_all()
    _remember(code, step_id)
    return redirect(url_for("facilitation.answer_page", code=code), 303)


# -- printable scenario cards -------------------------------------------------------------------------


class NothingFetched(URLFetcher):
    """A URL fetcher that refuses every address: the cards carry their own styles and nothing else."""

    def fetch(self, url, headers=None):
        raise ValueError("scenario cards fetch nothing")


def cards_pdf(scenarios: tuple[Scenario, ...] | list[Scenario]) -> bytes:
    html = render_template("training/cards.html", scenarios=scenarios, letters="ABCDEFGHIJ")
    pdf = HTML(string=html, base_url=None, url_fetcher=NothingFetched()).write_pdf()
    if not pdf:
        raise RuntimeError("WeasyPrint made no PDF")
    return bytes(pdf)


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@facilitation.get("/trainers/cards")
@role_required(*VIEWERS)
def cards_index():
    return render_template("training/live/cards_index.html", scenarios=_content().scenarios)


@facilitation.get("/trainers/cards/all.pdf")
@role_required(*VIEWERS)
def all_cards():
    return _pdf(cards_pdf(_content().scenarios), "scenario-cards.pdf")


@facilitation.get("/trainers/cards/<scenario_id>.pdf")
@role_required(*VIEWERS)
def scenario_cards(scenario_id: str):
    found = _content().scenario(scenario_id)
    if found is None:
        abort(404)
    return _pdf(cards_pdf([found]), f"scenario-cards-{found.id}.pdf")

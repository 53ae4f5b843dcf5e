"""The 5 Ds hub's use cases: reading modules, knowledge checks, scenario play and what trainers see.

A learner is known here only by an opaque key: an HMAC, under the app's secret, of the
subject the identity provider gives their account. It is stable across sign-ins, cannot be
turned back into the subject without the secret, and never meets an email address or a
report. (Changing the app's secret therefore starts everyone's progress afresh.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal_common.models import this_week, today

from .curriculum import D_TAGS, Curriculum, Module, Scenario, Step
from .models import (
    STEP_TOTAL,
    CheckResult,
    ChoiceCount,
    ChoiceLearner,
    ModuleCompletion,
    ScenarioChoice,
    ScenarioRun,
)

OPEN, FINISHED, ABANDONED = "open", "finished", "abandoned"
K = 10  # trainers see no count of one to nine learners, and larger counts only to the nearest 5


def learner_key(secret_key: str, subject: str) -> str:
    """The opaque id a signed-in account's learning is kept under."""
    return hmac.new(secret_key.encode(), b"training-learner-v1\x00" + subject.encode(), hashlib.sha256).hexdigest()


# -- modules and knowledge checks --------------------------------------------------------------


def mark_read(session: Session, learner: str, module: Module, on: dt.date | None = None) -> None:
    """Record that the learner read the module; reading it again keeps the first date."""
    row = session.get(ModuleCompletion, (learner, module.id))
    if row is None:
        session.add(
            ModuleCompletion(
                learner=learner, module_id=module.id, content_version=module.version, completed_on=on or today()
            )
        )
    else:
        row.content_version = module.version


@dataclass(frozen=True)
class Marked:
    question_id: str
    option_id: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class CheckOutcome:
    marked: tuple[Marked, ...]
    score: int
    out_of: int
    passed: bool


def unanswered(module: Module, answers: dict[str, str]) -> list[str]:
    """Question ids with no answer, or an answer that is not one of the question's options."""
    return [q.id for q in module.check.questions if q.option(answers.get(q.id, "")) is None]


def mark_check(
    session: Session, learner: str, module: Module, answers: dict[str, str], on: dt.date | None = None
) -> CheckOutcome:
    """Mark a complete set of answers and keep the learner's best result. Call only when
    ``unanswered`` is empty."""
    marked = []
    for question in module.check.questions:
        option = question.option(answers[question.id])
        assert option is not None, "mark_check needs an answer to every question"
        marked.append(Marked(question.id, option.id, option.correct, option.feedback))
    score = sum(m.correct for m in marked)
    out_of = len(marked)
    passed = score >= module.check.pass_mark
    row = session.get(CheckResult, (learner, module.id))
    if row is None:
        row = CheckResult(
            learner=learner,
            module_id=module.id,
            content_version=module.version,
            attempts=0,
            best_score=0,
            out_of=out_of,
            passed=False,
        )
        session.add(row)
    if row.content_version != module.version:  # a new version of the check: the old score no longer applies
        row.content_version, row.best_score, row.passed, row.passed_on = module.version, 0, False, None
    row.attempts += 1
    row.out_of = out_of
    row.best_score = max(row.best_score, score)
    if passed and not row.passed:
        row.passed, row.passed_on = True, on or today()
    return CheckOutcome(tuple(marked), score, out_of, passed)


# -- scenarios -------------------------------------------------------------------------------


class ChoiceRefused(Exception):
    """A choice that cannot be recorded: ``reason`` is not_started, stale_step or no_choice, and
    ``message`` says why in words for the learner."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


def open_run(session: Session, learner: str, scenario: Scenario) -> ScenarioRun | None:
    """The learner's run in progress, if any. A run begun on an earlier version of the scenario
    is closed: its steps may no longer exist."""
    runs = session.scalars(
        select(ScenarioRun)
        .where(ScenarioRun.learner == learner, ScenarioRun.scenario_id == scenario.id, ScenarioRun.status == OPEN)
        .order_by(ScenarioRun.id.desc())
    ).all()
    current = None
    for run in runs:
        if current is None and run.content_version == scenario.version and scenario.step(run.current_step):
            current = run
        else:
            run.status = ABANDONED
    return current


def latest_run(session: Session, learner: str, scenario: Scenario) -> ScenarioRun | None:
    """The open run, or else the most recently finished one (to show its ending)."""
    run = open_run(session, learner, scenario)
    if run is not None:
        return run
    return session.scalars(
        select(ScenarioRun)
        .where(
            ScenarioRun.learner == learner,
            ScenarioRun.scenario_id == scenario.id,
            ScenarioRun.status == FINISHED,
            ScenarioRun.content_version == scenario.version,
        )
        .order_by(ScenarioRun.id.desc())
        .limit(1)
    ).first()


def start_run(session: Session, learner: str, scenario: Scenario, on: dt.date | None = None) -> ScenarioRun:
    """A fresh play-through from the first step; an unfinished one is abandoned (restart)."""
    session.execute(
        update(ScenarioRun)
        .where(ScenarioRun.learner == learner, ScenarioRun.scenario_id == scenario.id, ScenarioRun.status == OPEN)
        .values(status=ABANDONED)
    )
    run = ScenarioRun(
        learner=learner,
        scenario_id=scenario.id,
        content_version=scenario.version,
        current_step=scenario.start,
        status=OPEN,
        started_on=on or today(),
    )
    session.add(run)
    session.flush()
    return run


def choose(
    session: Session, learner: str, scenario: Scenario, step_id: str, choice_id: str, on: dt.date | None = None
) -> ScenarioChoice:
    """Record the learner's choice at their current step and move the run on."""
    run = open_run(session, learner, scenario)
    if run is None:
        raise ChoiceRefused("not_started", "This scenario is not in progress. Start it again to make a choice.")
    if run.current_step != step_id:
        raise ChoiceRefused(
            "stale_step", "That answer was for an earlier step, so it was not recorded. Here is where you are now."
        )
    step = scenario.step(step_id)
    assert step is not None  # open_run only returns runs whose step exists
    choice = step.choice(choice_id)
    if choice is None:
        raise ChoiceRefused("no_choice", "Select what you would do")
    row = ScenarioChoice(
        run_id=run.id,
        learner=learner,
        scenario_id=scenario.id,
        content_version=scenario.version,
        step_id=step.id,
        choice_id=choice.id,
        d_tag=choice.d,
        chosen_week=this_week(),
    )
    session.add(row)
    count_choice(session, row)
    run.current_step = choice.next
    following = scenario.step(choice.next)
    if following is not None and following.is_ending:
        run.status, run.ending, run.finished_on = FINISHED, following.id, on or today()
    session.flush()
    return row


def _upsert(session: Session, model, values: dict, *, add_one: bool = False):
    """INSERT ... ON CONFLICT on PostgreSQL or SQLite: do nothing, or add one to ``learners``."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values)
    if add_one:
        keys = [c.name for c in model.__table__.primary_key.columns]
        return statement.on_conflict_do_update(index_elements=keys, set_={"learners": model.learners + 1})
    return statement.on_conflict_do_nothing().returning(model.learner)


def count_choice(session: Session, row: ScenarioChoice) -> None:
    """Count the learner of a recorded choice on the trainers' page: once for the step and D, once for
    the step. Idempotent (ChoiceLearner's primary key), safe against a double-sent form (the insert
    that loses the race adds nothing), and in the same transaction as the choice itself."""
    for d in (row.d_tag, STEP_TOTAL):
        key = {"scenario_id": row.scenario_id, "content_version": row.content_version, "step_id": row.step_id,
               "d_tag": d}
        added = session.execute(_upsert(session, ChoiceLearner, {**key, "learner": row.learner})).first()
        if added is not None:  # a row comes back only when it was inserted
            session.execute(_upsert(session, ChoiceCount, {**key, "learners": 1}, add_one=True))


def rebuild_choice_counts(session: Session) -> None:
    """Derive both summary tables afresh from scenario_choices (what migration 0012 does)."""
    session.execute(delete(ChoiceCount))
    session.execute(delete(ChoiceLearner))
    columns = [ScenarioChoice.scenario_id, ScenarioChoice.content_version, ScenarioChoice.step_id]
    names = ["scenario_id", "content_version", "step_id", "d_tag", "learner"]
    session.execute(insert(ChoiceLearner).from_select(
        names, select(*columns, ScenarioChoice.d_tag, ScenarioChoice.learner).distinct()))
    session.execute(insert(ChoiceLearner).from_select(
        names, select(*columns, literal(STEP_TOTAL), ScenarioChoice.learner).distinct()))
    session.execute(insert(ChoiceCount).from_select(
        [*names[:4], "learners"],
        select(ChoiceLearner.scenario_id, ChoiceLearner.content_version, ChoiceLearner.step_id,
               ChoiceLearner.d_tag, func.count())
        .group_by(ChoiceLearner.scenario_id, ChoiceLearner.content_version, ChoiceLearner.step_id,
                  ChoiceLearner.d_tag),
    ))


def run_choices(session: Session, run_id: int) -> list[ScenarioChoice]:
    return list(
        session.scalars(select(ScenarioChoice).where(ScenarioChoice.run_id == run_id).order_by(ScenarioChoice.id))
    )


# -- the learner's progress ----------------------------------------------------------------------


@dataclass
class ScenarioProgress:
    in_progress: bool = False
    finished: int = 0  # play-throughs that reached an ending
    endings: list[str] = field(default_factory=list)  # ending step ids reached, most recent first


@dataclass
class Progress:
    read: dict[str, dt.date]
    checks: dict[str, CheckResult]
    scenarios: dict[str, ScenarioProgress]
    d_used: Counter

    def module_status(self, module_id: str) -> str:
        check = self.checks.get(module_id)
        if check is not None and check.passed:
            return "passed"
        if module_id in self.read:
            return "read"
        return "not_started"

    def scenario_status(self, scenario_id: str) -> str:
        progress = self.scenarios.get(scenario_id, ScenarioProgress())
        if progress.in_progress:
            return "in_progress"
        return "finished" if progress.finished else "not_started"

    @property
    def checks_passed(self) -> int:
        return sum(1 for c in self.checks.values() if c.passed)

    @property
    def scenarios_finished(self) -> int:
        return sum(1 for p in self.scenarios.values() if p.finished)


def progress(session: Session, learner: str, curriculum: Curriculum) -> Progress:
    modules = {m.id for m in curriculum.modules}
    read = {
        r.module_id: r.completed_on
        for r in session.scalars(select(ModuleCompletion).where(ModuleCompletion.learner == learner))
        if r.module_id in modules
    }
    checks = {
        c.module_id: c
        for c in session.scalars(select(CheckResult).where(CheckResult.learner == learner))
        if c.module_id in modules
    }
    scenarios: dict[str, ScenarioProgress] = {}
    for run in session.scalars(
        select(ScenarioRun).where(ScenarioRun.learner == learner).order_by(ScenarioRun.id.desc())
    ):
        scenario = curriculum.scenario(run.scenario_id)
        if scenario is None:
            continue
        entry = scenarios.setdefault(run.scenario_id, ScenarioProgress())
        if run.status == OPEN and run.content_version == scenario.version:
            entry.in_progress = True
        elif run.status == FINISHED:
            entry.finished += 1
            if run.ending:
                entry.endings.append(run.ending)
    used = Counter(
        dict(
            session.execute(
                select(ScenarioChoice.d_tag, func.count())
                .where(ScenarioChoice.learner == learner)
                .group_by(ScenarioChoice.d_tag)
            ).all()
        )
    )
    return Progress(read=read, checks=checks, scenarios=scenarios, d_used=used)


# -- what trainers see: which Ds learners reach for, k-safe -------------------------------------


def protect(count: int) -> str:
    """A count of learners as trainers may see it: 0 as is, 1 to 9 as [c], 10 or more to the nearest 5."""
    if count <= 0:
        return "0"
    if count < K:
        return "[c]"
    return str(int(count / 5 + 0.5) * 5)


@dataclass(frozen=True)
class StepRow:
    step: Step
    cells: dict[str, str]  # D tag -> protected count of distinct learners
    total: str  # protected count of distinct learners who answered the step


def d_table(session: Session, scenario: Scenario) -> list[StepRow]:
    """For each decision step of the scenario's current version: how many learners chose each D.

    Read from choice_counts (kept up to date by count_choice), one small query."""
    found = session.execute(
        select(ChoiceCount.step_id, ChoiceCount.d_tag, ChoiceCount.learners).where(
            ChoiceCount.scenario_id == scenario.id, ChoiceCount.content_version == scenario.version
        )
    ).all()
    counts: dict[tuple[str, str], int] = {(step_id, d): n for step_id, d, n in found if d != STEP_TOTAL}
    totals: dict[str, int] = {step_id: n for step_id, d, n in found if d == STEP_TOTAL}
    rows = []
    for step in scenario.decisions:
        offered = {c.d for c in step.choices}
        cells = {t.code: protect(counts.get((step.id, t.code), 0)) if t.code in offered else "" for t in D_TAGS}
        rows.append(StepRow(step=step, cells=cells, total=protect(totals.get(step.id, 0))))
    return rows

"""xAPI (Experience API 1.0.3) statements of hub learning, for a trust's learning record store.

Statements are built as ``tincan`` objects (Rustici's xAPI library: Statement, Agent with an
AgentAccount, Verb, Activity with its ActivityDefinition, Result, Context) and written out
with ``as_version("1.0.3")`` (https://github.com/adlnet/xAPI-Spec, version 1.0.3), so the
library checks every property's type as the statement is made. The one change made to its
output: tincan writes a UTC timestamp as ``+00:00``; the hub writes the equivalent ``Z``.

What a statement says about a person, and when:
- actor: an Agent identified only by an ``account`` whose ``homePage`` is the hub's address
  and whose ``name`` is an HMAC of the learner key under a key derived from the app's secret:
  opaque, stable across exports, and different from the key stored in the hub's tables, so an
  export cannot be joined back onto them without the secret. Never an email or a name.
- timestamp: xAPI requires one; the hub keeps days, not times, so every timestamp is midnight
  UTC of the day (``YYYY-MM-DDT00:00:00Z``). A scenario choice keeps only the Monday of its
  week, so its timestamp is that Monday.
- id: a UUID derived from what the statement records, so exporting the same period twice gives
  the same ids and an LRS does not store duplicates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from tincan import (
    Activity,
    ActivityDefinition,
    ActivityList,
    Agent,
    AgentAccount,
    Context,
    ContextActivities,
    Extensions,
    InteractionComponent,
    InteractionComponentList,
    LanguageMap,
    Result,
    Score,
    Statement,
    Verb,
)

from portal_common.db import unit_of_work
from portal_common.signin import current_staff, role_required

from . import audit
from .curriculum import Curriculum
from .hub import TRAINER_ROLES, curriculum
from .models import CheckResult, ModuleCompletion, ScenarioChoice, ScenarioRun
from .web_common import public_url, sessions

xapi = Blueprint("xapi", __name__)

VERSION = "1.0.3"
NAMESPACE = uuid.UUID("6f1c1b9e-0b55-4c1e-9a49-0c3d2f6f0a11")  # for statement ids
MAX_DAYS = 366
VERBS = {
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "responded": "http://adlnet.gov/expapi/verbs/responded",
}
ACTIVITY_TYPES = {
    "module": "http://adlnet.gov/expapi/activities/module",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
    "simulation": "http://adlnet.gov/expapi/activities/simulation",
    "interaction": "http://adlnet.gov/expapi/activities/cmi.interaction",
}


def actor_name(secret_key: str, learner: str) -> str:
    """The opaque account name an export gives a learner: a second HMAC, of the learner key."""
    key = hmac.new(secret_key.encode(), b"training xapi actor v1", hashlib.sha256).digest()
    return hmac.new(key, learner.encode(), hashlib.sha256).hexdigest()


def day_timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def activity(home: str, kind: str, path: str, name: str, extra: dict[str, Any] | None = None) -> Activity:
    """An Activity; ``extra`` may hold ``interactionType`` and ``choices`` (each ``{id, description}``)."""
    more = dict(extra or {})
    choices = more.pop("choices", None)
    definition = ActivityDefinition(
        type=ACTIVITY_TYPES[kind],
        name=LanguageMap({"en-GB": name}),
        interaction_type=more.pop("interactionType", None),
        choices=InteractionComponentList(
            [InteractionComponent(id=c["id"], description=LanguageMap(c["description"])) for c in choices]
        ) if choices is not None else None,
    )
    if more:
        raise ValueError(f"unknown activity definition properties: {sorted(more)}")
    return Activity(id=f"{home}/xapi/activities/{path}", definition=definition)


def outcome(
    *,
    score: tuple[int, int] | None = None,
    success: bool | None = None,
    completion: bool | None = None,
    response: str | None = None,
    extensions: dict[str, str] | None = None,
) -> Result:
    """A Result: ``score`` is (raw, out of), given with min 0 and scaled to 4 places."""
    return Result(
        score=Score(raw=score[0], min=0, max=score[1], scaled=round(score[0] / score[1], 4) if score[1] else 0)
        if score is not None else None,
        success=success, completion=completion, response=response,
        extensions=Extensions(extensions) if extensions else None,
    )


def statement(
    *,
    home: str,
    actor: str,
    verb: str,
    obj: Activity,
    day: dt.date,
    identity: str,
    result: Result | None = None,
    parent: Activity | None = None,
) -> dict[str, Any]:
    """One xAPI 1.0.3 statement, as the JSON tincan writes for it (timestamp with ``Z``)."""
    made = Statement(
        id=uuid.uuid5(NAMESPACE, identity),
        version=VERSION,
        actor=Agent(account=AgentAccount(home_page=home, name=actor)),
        verb=Verb(id=VERBS[verb], display=LanguageMap({"en-GB": verb})),
        object=obj,
        timestamp=dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC),
        result=result,
        context=Context(
            context_activities=ContextActivities(parent=ActivityList([parent])),
            platform="Active bystander hub", language="en-GB",
        ) if parent is not None else None,
    )
    data: dict[str, Any] = made.as_version(VERSION)
    data["timestamp"] = day_timestamp(day)
    return data


def statements(
    session: Session, content: Curriculum, secret_key: str, home: str, start: dt.date, end: dt.date
) -> Iterator[dict[str, Any]]:
    """Every module completion, passed check, scenario choice and finished scenario in [start, end]."""
    names: dict[str, str] = {}

    def who(learner: str) -> str:
        if learner not in names:
            names[learner] = actor_name(secret_key, learner)
        return names[learner]

    modules = {m.id: m for m in content.modules}
    scenarios = {s.id: s for s in content.scenarios}
    for row in session.scalars(
        select(ModuleCompletion).where(ModuleCompletion.completed_on.between(start, end))
        .order_by(ModuleCompletion.completed_on, ModuleCompletion.module_id, ModuleCompletion.learner)
    ):
        module = modules.get(row.module_id)
        title = module.title if module else row.module_id
        yield statement(
            home=home, actor=who(row.learner), verb="completed", day=row.completed_on,
            obj=activity(home, "module", f"module/{row.module_id}", title),
            identity=f"module|{row.learner}|{row.module_id}",
        )
    for check in session.scalars(
        select(CheckResult).where(CheckResult.passed.is_(True), CheckResult.passed_on.between(start, end))
        .order_by(CheckResult.passed_on, CheckResult.module_id, CheckResult.learner)
    ):
        assert check.passed_on is not None
        module = modules.get(check.module_id)
        title = f"Knowledge check: {module.title if module else check.module_id}"
        yield statement(
            home=home, actor=who(check.learner), verb="passed", day=check.passed_on,
            obj=activity(home, "assessment", f"module/{check.module_id}/check/v{check.content_version}", title),
            result=outcome(score=(check.best_score, check.out_of), success=True, completion=True),
            parent=activity(home, "module", f"module/{check.module_id}", module.title if module else check.module_id),
            identity=f"check|{check.learner}|{check.module_id}|{check.content_version}",
        )
    for choice in session.scalars(
        select(ScenarioChoice).where(ScenarioChoice.chosen_week.between(start, end)).order_by(ScenarioChoice.id)
    ):
        scenario = scenarios.get(choice.scenario_id)
        title = scenario.title if scenario else choice.scenario_id
        step = scenario.step(choice.step_id) if scenario and scenario.version == choice.content_version else None
        interaction: dict[str, Any] = {"interactionType": "choice"}
        if step is not None:
            interaction["choices"] = [{"id": c.id, "description": {"en-GB": c.text}} for c in step.choices]
        yield statement(
            home=home, actor=who(choice.learner), verb="responded", day=choice.chosen_week,
            obj=activity(
                home, "interaction", f"scenario/{choice.scenario_id}/v{choice.content_version}/step/{choice.step_id}",
                f"{title}: {step.question if step and step.question else choice.step_id}", interaction,
            ),
            result=outcome(response=choice.choice_id, extensions={f"{home}/xapi/extensions/d": choice.d_tag}),
            parent=activity(home, "simulation", f"scenario/{choice.scenario_id}", title),
            identity=f"choice|{choice.id}",
        )
    for run in session.scalars(
        select(ScenarioRun).where(ScenarioRun.status == "finished", ScenarioRun.finished_on.between(start, end))
        .order_by(ScenarioRun.id)
    ):
        assert run.finished_on is not None
        scenario = scenarios.get(run.scenario_id)
        ending = scenario.step(run.ending) if scenario and run.ending else None
        how_it_ended = ending.outcome if ending and scenario and scenario.version == run.content_version else None
        extensions: dict[str, str] = {}
        if run.ending:
            extensions[f"{home}/xapi/extensions/ending"] = run.ending
            if how_it_ended:
                extensions[f"{home}/xapi/extensions/outcome"] = how_it_ended
        yield statement(
            home=home, actor=who(run.learner), verb="completed", day=run.finished_on,
            obj=activity(home, "simulation", f"scenario/{run.scenario_id}",
                         scenario.title if scenario else run.scenario_id),
            result=outcome(completion=True, extensions=extensions), identity=f"run|{run.id}",
        )


def _parse(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def check_range(start_text: str, end_text: str) -> tuple[dt.date | None, dt.date | None, dict[str, str]]:
    errors: dict[str, str] = {}
    start, end = _parse(start_text), _parse(end_text)
    if start is None:
        errors["start"] = "Enter the first day as a date, like 2026-04-01"
    if end is None:
        errors["end"] = "Enter the last day as a date, like 2026-06-30"
    if start and end:
        if end < start:
            errors["end"] = "The last day must be the same as or after the first day"
        elif (end - start).days >= MAX_DAYS:
            errors["end"] = "Export at most a year at a time"
    return start, end, errors


@xapi.get("/trainers/xapi")
@role_required(*TRAINER_ROLES)
def export_form():
    """The form, and the download when it is sent (a GET: nothing changes, the audit log aside)."""
    if "start" not in request.args and "end" not in request.args:
        end = dt.date.today()
        return render_template("training/xapi.html", start=(end - dt.timedelta(days=90)).isoformat(),
                               end=end.isoformat(), errors={})
    start_text, end_text = request.args.get("start", ""), request.args.get("end", "")
    start, end, errors = check_range(start_text, end_text)
    if errors or start is None or end is None:
        return render_template("training/xapi.html", start=start_text, end=end_text, errors=errors), 400
    staff = current_staff()
    assert staff is not None
    with unit_of_work(sessions()) as session:
        made = list(statements(session, curriculum(), current_app.config["SECRET_KEY"], public_url(), start, end))
        audit.record(session, staff.email or staff.display_name, "xapi_exported", "xAPI statements",
                     f"{start.isoformat()} to {end.isoformat()}: {len(made)} statements")
    response = Response(json.dumps(made, ensure_ascii=False, indent=1), mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="hub-xapi-{start.isoformat()}-to-{end.isoformat()}.json"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response

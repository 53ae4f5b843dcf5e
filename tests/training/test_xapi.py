"""The xAPI export: statements a learning record store accepts (xAPI 1.0.3), a pseudonymous actor that
is never an email or the stored learner key, day-precision timestamps, a date range, audited."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

from sqlalchemy import select

from portal_common.db import unit_of_work
from services.training.curriculum import load_curriculum
from services.training.learning import learner_key
from services.training.models import AuditEntry, CheckResult, ModuleCompletion, ScenarioChoice, ScenarioRun
from services.training.xapi import actor_name

from ..signin.conftest import sign_in

CONTENT = load_curriculum()
TRAINER = {"name": "Tam Trainer", "email": "tam.trainer@example.nhs.uk", "roles": ["trainer"]}
LEARNER = {"name": "Lou Learner", "email": "lou.learner@example.nhs.uk"}
IN_RANGE, OUT_OF_RANGE = dt.date(2026, 3, 4), dt.date(2025, 12, 3)


def _seed(app, learner: str, day: dt.date) -> None:
    module = CONTENT.module("delay")
    scenario = CONTENT.scenario("british-doctor")
    step = scenario.step(scenario.start)
    choice = step.choices[0]
    monday = day - dt.timedelta(days=day.weekday())
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        db.add(ModuleCompletion(learner=learner, module_id=module.id, content_version=module.version, completed_on=day))
        db.add(CheckResult(learner=learner, module_id=module.id, content_version=module.version, attempts=2,
                           best_score=2, out_of=3, passed=True, passed_on=day))
        run = ScenarioRun(learner=learner, scenario_id=scenario.id, content_version=scenario.version,
                          current_step=scenario.endings[0].id, status="finished", ending=scenario.endings[0].id,
                          started_on=day, finished_on=day)
        db.add(run)
        db.flush()
        db.add(ScenarioChoice(run_id=run.id, learner=learner, scenario_id=scenario.id,
                              content_version=scenario.version, step_id=step.id, choice_id=choice.id,
                              d_tag=choice.d, chosen_week=monday))


def test_trainers_export_pseudonymous_xapi_statements_for_a_date_range(rp_factory, provider):
    app = rp_factory("training")
    secret = app.config["SECRET_KEY"]
    learner = learner_key(secret, "xapi-learner")
    _seed(app, learner, IN_RANGE)
    _seed(app, learner_key(secret, "xapi-other"), OUT_OF_RANGE)
    trainer = app.test_client()
    sign_in(provider, trainer, "xapi-trainer", TRAINER)
    form = trainer.get("/trainers/xapi")
    assert form.status_code == 200 and "midnight (UTC)" in form.get_data(as_text=True)

    bad = trainer.get("/trainers/xapi?start=2026-13-01&end=2026-01-01")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Enter the first day as a date" in text and 'value="2026-13-01"' in text
    backwards = trainer.get("/trainers/xapi?start=2026-03-31&end=2026-03-01")
    assert backwards.status_code == 400 and "must be the same as or after the first day" in backwards.get_data(True)
    assert trainer.get("/trainers/xapi?start=2024-01-01&end=2026-01-01").status_code == 400  # over a year

    got = trainer.get("/trainers/xapi?start=2026-03-01&end=2026-03-31")
    assert got.status_code == 200 and got.content_type == "application/json"
    assert got.headers["Content-Disposition"] == 'attachment; filename="hub-xapi-2026-03-01-to-2026-03-31.json"'
    statements = json.loads(got.data)
    verbs = sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in statements)
    assert verbs == ["completed", "completed", "passed", "responded"]  # module, scenario, check, choice
    home = app.extensions["portal"]["settings"].public_url("training").rstrip("/")
    raw = got.get_data(as_text=True)
    assert learner not in raw and "lou" not in raw.lower() and "xapi-learner" not in raw and "@" not in raw
    for s in statements:
        assert s["version"] == "1.0.3" and uuid.UUID(s["id"])
        assert s["actor"] == {"objectType": "Agent",
                              "account": {"homePage": home, "name": actor_name(secret, learner)}}
        assert re.fullmatch(r"[0-9a-f]{64}", s["actor"]["account"]["name"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", s["timestamp"])
        assert s["object"]["objectType"] == "Activity" and s["object"]["id"].startswith(home + "/xapi/activities/")
        assert s["verb"]["id"].startswith("http://adlnet.gov/expapi/verbs/") and s["verb"]["display"]["en-GB"]
    by_verb = {s["verb"]["display"]["en-GB"] + ":" + s["object"]["definition"]["type"].rsplit("/", 1)[1]: s
               for s in statements}
    passed = by_verb["passed:assessment"]
    assert passed["result"]["score"] == {"raw": 2, "min": 0, "max": 3, "scaled": 0.6667}
    assert passed["result"]["success"] is True and passed["timestamp"] == "2026-03-04T00:00:00Z"
    responded = by_verb["responded:cmi.interaction"]
    scenario = CONTENT.scenario("british-doctor")
    first = scenario.step(scenario.start).choices[0]
    assert responded["result"]["response"] == first.id
    assert responded["result"]["extensions"][f"{home}/xapi/extensions/d"] == first.d
    assert responded["timestamp"] == "2026-03-02T00:00:00Z"  # the Monday: choices keep only their week
    assert responded["object"]["definition"]["interactionType"] == "choice"
    parent = responded["context"]["contextActivities"]["parent"][0]
    assert parent["id"] == f"{home}/xapi/activities/scenario/british-doctor"
    finished = by_verb["completed:simulation"]
    assert finished["result"]["completion"] is True

    # The same period exported again: the same statement ids (an LRS keeps one copy).
    again = json.loads(trainer.get("/trainers/xapi?start=2026-03-01&end=2026-03-31").data)
    assert [s["id"] for s in again] == [s["id"] for s in statements]
    # The other learner's December records are in December's export, under a different account.
    december = json.loads(trainer.get("/trainers/xapi?start=2025-12-02&end=2025-12-31").data)
    assert len(december) == 3  # the choice keeps its Monday, 1 December: outside
    assert {s["actor"]["account"]["name"] for s in december} == {actor_name(secret, learner_key(secret, "xapi-other"))}

    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        exports = [(e.action, e.detail) for e in db.scalars(select(AuditEntry))]
    assert ("xapi_exported", "2026-03-01 to 2026-03-31: 4 statements") in exports and len(exports) == 3

    learner_client = app.test_client()
    sign_in(provider, learner_client, "xapi-learner", LEARNER)
    assert learner_client.get("/trainers/xapi?start=2026-03-01&end=2026-03-31").status_code == 403


def test_every_exported_statement_reads_back_as_an_xapi_1_0_3_statement(rp_factory, provider):
    """Each statement parses with tincan (Statement.from_json) and writes back out the same, so an LRS
    using the reference library reads exactly what the hub sent: ids, pseudonymous account, verb,
    activity with its definition, score, response and D extension, parent scenario, and day."""
    from tincan import Agent, Statement

    app = rp_factory("training")
    secret = app.config["SECRET_KEY"]
    learner = learner_key(secret, "xapi-roundtrip")
    _seed(app, learner, IN_RANGE)
    trainer = app.test_client()
    sign_in(provider, trainer, "xapi-trainer", TRAINER)
    statements = json.loads(trainer.get("/trainers/xapi?start=2026-03-01&end=2026-03-31").data)
    assert len(statements) == 4
    for each in statements:
        parsed = Statement.from_json(json.dumps(each))
        assert isinstance(parsed.actor, Agent) and parsed.actor.account.name == actor_name(secret, learner)
        assert parsed.timestamp == dt.datetime(2026, 3, 2 if "responded" in each["verb"]["id"] else 4,
                                               tzinfo=dt.UTC)
        again = parsed.as_version("1.0.3")
        assert again.pop("timestamp").replace("+00:00", "Z") == each["timestamp"]
        assert again == {k: v for k, v in each.items() if k != "timestamp"}
    choice = next(s for s in statements if s["verb"]["id"].endswith("/responded"))
    parsed = Statement.from_json(json.dumps(choice))
    assert parsed.object.definition.interaction_type == "choice"
    assert [c.id for c in parsed.object.definition.choices] == [
        c.id for c in CONTENT.scenario("british-doctor").step(CONTENT.scenario("british-doctor").start).choices]
    assert parsed.context.context_activities.parent[0].id.endswith("/xapi/activities/scenario/british-doctor")

"""The 5 Ds hub as a learner and a trainer use it: modules, knowledge checks, the scenario player,
progress and the trainers' k-safe table, signed in through a real OpenID Connect provider."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from portal_common.db import unit_of_work
from services.training.curriculum import load_curriculum
from services.training.learning import count_choice, learner_key, protect
from services.training.models import CheckResult, ModuleCompletion, ScenarioChoice, ScenarioRun

from ..signin.conftest import csrf_token, sign_in

LEARNER = {"name": "Lou Learner", "email": "lou.learner@example.nhs.uk"}
TRAINER = {"name": "Tam Trainer", "email": "tam.trainer@example.nhs.uk", "roles": ["trainer"]}
CONTENT = load_curriculum()


def _signed_in(rp_factory, provider, sub: str, claims: dict):
    app = rp_factory("training")
    client = app.test_client()
    sign_in(provider, client, sub, claims)
    return app, client


def _text(response) -> str:
    return response.get_data(as_text=True)


def _rows(app, model):
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        return list(db.scalars(select(model)))


def test_a_learner_reads_a_module_and_passes_its_knowledge_check(rp_factory, provider):
    app, client = _signed_in(rp_factory, provider, "learner-1", LEARNER)
    module = CONTENT.module("document")
    home = _text(client.get("/"))
    assert 'href="/learn/document"' in home and "Not started" in home

    page = client.get("/learn/document")
    text = _text(page)
    assert page.status_code == 200 and "<h1>Document</h1>" in text
    assert "Content warning" in text and "Freedom to Speak Up Guardian" in text and "NHS 111, option 2" in text
    assert "Never share a record or a recording without the consent of the person targeted." in text
    # Marking it read needs the form's CSRF token.
    assert client.post("/learn/document/read").status_code == 400
    assert _rows(app, ModuleCompletion) == []
    read = client.post("/learn/document/read", data={"csrf_token": csrf_token(text)})
    assert read.status_code == 303 and read.headers["Location"] == "/learn/document/check"
    [done] = _rows(app, ModuleCompletion)
    assert (done.module_id, done.content_version, done.completed_on) == ("document", module.version, dt.date.today())

    # Nothing chosen: every question is named in the error summary and nothing is recorded.
    form = _text(client.get("/learn/document/check"))
    token = csrf_token(form)
    empty = client.post("/learn/document/check", data={"csrf_token": token})
    text = _text(empty)
    assert empty.status_code == 400 and "There is a problem" in text
    for n in range(1, len(module.check.questions) + 1):
        assert f'href="#{module.check.questions[n - 1].id}-1">Select an answer to question {n}<' in text
    assert _rows(app, CheckResult) == []
    # One answered, the rest not: the answer given is still selected.
    first = module.check.questions[0]
    partial = client.post("/learn/document/check", data={"csrf_token": token, first.id: first.options[1].id})
    assert partial.status_code == 400
    assert re.search(rf'value="{first.options[1].id}" checked', _text(partial))
    assert "Select an answer to question 1" not in _text(partial)

    # All wrong where possible: not passed, feedback on each answer.
    wrong = {q.id: next(o for o in q.options if not o.correct).id for q in module.check.questions}
    failed = client.post("/learn/document/check", data={"csrf_token": token, **wrong})
    text = _text(failed)
    assert failed.status_code == 200 and "Not passed yet" in text and "You got 0 out of 3 right." in text
    for q in module.check.questions:
        assert q.option(wrong[q.id]).feedback.split(".")[0] in text.replace("&#39;", "'")
    right = {q.id: next(o for o in q.options if o.correct).id for q in module.check.questions}
    passed = client.post("/learn/document/check", data={"csrf_token": token, **right})
    assert "You passed" in _text(passed) and "You got 3 out of 3 right." in _text(passed)
    [result] = _rows(app, CheckResult)
    assert (result.passed, result.best_score, result.attempts, result.passed_on) == (True, 3, 2, dt.date.today())

    progress = _text(client.get("/progress"))
    assert "1 of 6 modules read. 1 of 6 knowledge checks passed." in progress
    assert dt.date.today().strftime("%-d %B %Y") in progress and "Check passed" in progress
    assert "Check passed" in _text(client.get("/"))
    assert client.get("/learn/no-such-module").status_code == 404


def _play_form(client, scenario_id: str) -> tuple[str, str, str]:
    page = client.get(f"/scenarios/{scenario_id}/play")
    assert page.status_code == 200, page.status_code
    text = _text(page)
    step = re.search(r'name="step" value="([^"]+)"', text).group(1)
    return text, step, csrf_token(text)


def test_the_scenario_player_records_every_choice_and_reaches_an_ending(rp_factory, provider):
    app, client = _signed_in(rp_factory, provider, "learner-2", LEARNER)
    scenario = CONTENT.scenario("british-doctor")
    intro = _text(client.get("/scenarios/british-doctor"))
    assert "A patient refuses a doctor because of her race" in intro and "Start the scenario" in intro
    assert client.post("/scenarios/british-doctor/start").status_code == 400  # no CSRF token
    started = client.post("/scenarios/british-doctor/start", data={"csrf_token": csrf_token(intro)})
    assert started.status_code == 303 and started.headers["Location"] == "/scenarios/british-doctor/play"

    text, step, token = _play_form(client, "british-doctor")
    assert step == scenario.start and "<h1>What do you do?</h1>" in text
    assert text.count('type="radio" name="choice"') == 0 and text.count('name="choice" type="radio"') == 5
    assert "<legend" in text and "What would you do?" in text

    # Continue with nothing selected: refused with a message, nothing recorded.
    empty = client.post("/scenarios/british-doctor/play", data={"csrf_token": token, "step": step})
    assert empty.status_code == 400 and 'href="#choice-1">Select what you would do<' in _text(empty)
    assert _rows(app, ScenarioChoice) == []

    chosen = client.post("/scenarios/british-doctor/play",
                         data={"csrf_token": token, "step": step, "choice": "fetch-nurse-in-charge"})
    assert chosen.status_code == 303 and "/scenarios/british-doctor/feedback?choice=" in chosen.headers["Location"]
    feedback = _text(client.get(chosen.headers["Location"]))
    assert "The D you used:" in feedback and ">Delegate<" in feedback
    assert "the nurse in charge can explain what the clinic will and will not do" in feedback
    assert 'href="/scenarios/british-doctor/play"' in feedback  # Continue

    [row] = _rows(app, ScenarioChoice)
    assert (row.scenario_id, row.step_id, row.choice_id, row.d_tag, row.content_version) == (
        "british-doctor", "request", "fetch-nurse-in-charge", "delegate", scenario.version)
    assert row.learner == learner_key(app.config["SECRET_KEY"], "learner-2")
    assert "learner-2" not in row.learner and "lou" not in row.learner
    assert row.chosen_week.weekday() == 0  # only the Monday of the week

    # The same first step sent again (the back button): not recorded twice.
    again = client.post("/scenarios/british-doctor/play",
                        data={"csrf_token": token, "step": step, "choice": "look-away"})
    assert again.status_code == 200 and "was for an earlier step, so it was not recorded" in _text(again)
    assert len(_rows(app, ScenarioChoice)) == 1

    for expected_step, choice in (("nurse-in-charge", "write-it-down"), ("check-in", "offer-note")):
        _text_, step, token = _play_form(client, "british-doctor")
        assert step == expected_step
        client.post("/scenarios/british-doctor/play", data={"csrf_token": token, "step": step, "choice": choice})
    ending = client.get("/scenarios/british-doctor/play")
    text = _text(ending)
    assert "<h1>She was backed up and stayed in control</h1>" in text and "A supportive ending" in text
    assert text.count('class="nhsuk-tag nhsuk-tag--') >= 3 and ">Document<" in text
    [run] = _rows(app, ScenarioRun)
    assert (run.status, run.ending, run.finished_on) == ("finished", "ending-supported", dt.date.today())

    progress = _text(client.get("/progress"))
    assert "1 of 8 scenarios finished." in progress
    used = re.search(r'data-testid="d-used">(.*?)</table>', progress, re.S).group(1)
    cells = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in re.findall(r"<tr.*?</tr>", used, re.S)]
    counts = dict(re.fullmatch(r"(\D+) (\d+)", cell).groups() for cell in cells[1:])
    assert counts["Delegate"] == "1" and counts["Document"] == "2" and counts["Direct"] == "0"
    assert "You have not used Distract, Delay, Direct yet." in progress

    # Play it again: a new run from the first step; the finished one is kept.
    replay = client.post("/scenarios/british-doctor/start", data={"csrf_token": csrf_token(text)})
    assert replay.status_code == 303
    _text_, step, _token = _play_form(client, "british-doctor")
    assert step == "request"
    assert sorted(r.status for r in _rows(app, ScenarioRun)) == ["finished", "open"]


def test_restarting_mid_scenario_abandons_the_run_and_starts_at_the_beginning(rp_factory, provider):
    app, client = _signed_in(rp_factory, provider, "learner-3", LEARNER)
    intro = _text(client.get("/scenarios/reception-abuse"))
    client.post("/scenarios/reception-abuse/start", data={"csrf_token": csrf_token(intro)})
    _text_, step, token = _play_form(client, "reception-abuse")
    client.post("/scenarios/reception-abuse/play", data={"csrf_token": token, "step": step, "choice": "go-and-help"})
    text, step, token = _play_form(client, "reception-abuse")
    assert step == "closer-look" and "dementia" in text  # the branch where he may lack capacity
    assert "Carry on where you left off" in _text(client.get("/scenarios/reception-abuse"))
    client.post("/scenarios/reception-abuse/start", data={"csrf_token": token})
    _text_, step, _token = _play_form(client, "reception-abuse")
    assert step == "shouting"
    assert sorted(r.status for r in _rows(app, ScenarioRun)) == ["abandoned", "open"]
    assert [c.choice_id for c in _rows(app, ScenarioChoice)] == ["go-and-help"]  # what was chosen stays counted


def _seed_choices(app, scenario_id: str, step_id: str, d_counts: dict[str, int]) -> None:
    scenario = CONTENT.scenario(scenario_id)
    choices = {c.d: c.id for c in scenario.step(step_id).choices}
    week = dt.date(2026, 3, 2)
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        n = 0
        for d, count in d_counts.items():
            for _ in range(count):
                n += 1
                run = ScenarioRun(learner=f"{n:064x}", scenario_id=scenario_id, content_version=scenario.version,
                                  current_step=step_id, status="open", started_on=week)
                db.add(run)
                db.flush()
                row = ScenarioChoice(run_id=run.id, learner=run.learner, scenario_id=scenario_id,
                                     content_version=scenario.version, step_id=step_id, choice_id=choices[d],
                                     d_tag=d, chosen_week=week)
                db.add(row)
                count_choice(db, row)  # as learning.choose does


def _cell(page: str, scenario_id: str, step_id: str, d: str) -> str:
    table = re.search(rf'data-testid="scenario-{scenario_id}">(.*?)</table>', page, re.S).group(1)
    row = re.search(rf'data-testid="step-{step_id}">(.*?)</tr>', table, re.S).group(1)
    return re.search(rf'data-d="{d}">(.*?)</td>', row, re.S).group(1).strip()


def test_trainers_see_which_ds_learners_choose_with_small_counts_suppressed(rp_factory, provider):
    app, client = _signed_in(rp_factory, provider, "trainer-1", TRAINER)
    # 13 learners chose Direct at the first step, 3 Distract, 1 did nothing, nobody delegated.
    _seed_choices(app, "british-doctor", "request", {"direct": 13, "distract": 3, "do_nothing": 1})
    _seed_choices(app, "theatre-banter", "during-the-case", {"distract": 12})
    home = _text(client.get("/"))
    assert 'href="/trainers/choices"' in home
    page = client.get("/trainers/choices")
    text = _text(page)
    assert page.status_code == 200
    assert "any count from 1 to 9 is shown as [c], and counts of 10 or more are rounded to the nearest 5" in text
    assert _cell(text, "british-doctor", "request", "direct") == "15"  # 13 to the nearest 5
    assert _cell(text, "british-doctor", "request", "distract") == "[c]"  # 3
    assert _cell(text, "british-doctor", "request", "do_nothing") == "[c]"  # 1
    assert _cell(text, "british-doctor", "request", "delegate") == "0"
    assert "not offered" in _cell(text, "british-doctor", "request", "delay")  # no Delay choice at that step
    assert _cell(text, "british-doctor", "request", "total") == "15"  # 17 learners
    assert _cell(text, "theatre-banter", "during-the-case", "distract") == "10"  # 12
    assert _cell(text, "british-doctor", "side-room", "total") == "0"
    for exact in (">13<", ">3<", ">17<", ">12<"):
        assert exact not in text


def test_learners_cannot_open_the_trainers_table_but_leads_can(rp_factory, provider):
    _app, learner = _signed_in(rp_factory, provider, "learner-4", LEARNER)
    refused = learner.get("/trainers/choices")
    assert refused.status_code == 403 and "trainer or lead role" in _text(refused)
    assert 'href="/trainers/choices"' not in _text(learner.get("/"))
    _app, lead = _signed_in(rp_factory, provider, "lead-1", {**LEARNER, "roles": ["lead"]})
    assert lead.get("/trainers/choices").status_code == 200


def test_the_support_page_needs_no_sign_in(rp_factory, provider):
    client = rp_factory("training").test_client()
    page = client.get("/support")
    assert page.status_code == 200
    text = _text(page)
    for place in CONTENT.support.places:
        assert place.name in text
    assert "call 999" in text


def test_counts_shown_to_trainers_follow_the_k_rule():
    assert [protect(n) for n in (0, 1, 9, 10, 12, 13, 17, 18, 22, 23, 100)] == [
        "0", "[c]", "[c]", "10", "10", "15", "15", "20", "20", "25", "100"]


def test_the_learner_key_is_a_keyed_hash_of_the_subject():
    key = learner_key("secret-one", "subject-1")
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert key == learner_key("secret-one", "subject-1")
    assert key != learner_key("secret-two", "subject-1") != learner_key("secret-one", "subject-2")

"""Facilitator mode end to end with the Flask test client: a trainer steps through a scenario on
the room's screen, phones (not signed in) answer with the short code, results appear only
once the threshold have answered, then the feedback, then the next step; and printable cards."""

from __future__ import annotations

import datetime as dt
import re
import zlib

import pytest
import redis
from alembic import command
from sqlalchemy import inspect, select

from portal_common.db import make_engine, unit_of_work
from portal_ops.migrate import alembic_config
from services.training import facilitation
from services.training.curriculum import load_curriculum
from services.training.models import CohortSession, LiveAnswerCount, LiveRun

from ..signin.conftest import csrf_token, sign_in

TRAINER = {"name": "Tam Trainer", "email": "tam.trainer@example.nhs.uk", "roles": ["trainer"]}
LEAD = {"name": "Lee Lead", "email": "lee.lead@example.nhs.uk", "roles": ["lead"]}
CONTENT = load_curriculum()
SCENARIO = CONTENT.scenario("theatre-banter")


def _text(response) -> str:
    return response.get_data(as_text=True)


def _post(client, path: str, data: dict, form_page: str):
    token = csrf_token(_text(client.get(form_page)))
    return client.post(path, data={"csrf_token": token, **data})


def _rows(app, model):
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        rows = list(db.scalars(select(model)))
        db.expunge_all()
        return rows


@pytest.fixture
def room(rp_factory, provider):
    """A trainer signed in, with a cohort and today's workshop."""
    app = rp_factory("training")
    trainer = app.test_client()
    sign_in(provider, trainer, "trainer-1", TRAINER)
    made = _post(trainer, "/cohorts/new", {"name": "Theatres group", "organisation": "DEMO1"}, "/cohorts/new")
    cohort_id = int(made.headers["Location"].rsplit("/", 1)[1])
    today = dt.date.today()
    _post(
        trainer,
        f"/cohorts/{cohort_id}/sessions/new",
        {
            "kind": "workshop",
            "title": "Theatres workshop",
            "held_on-day": str(today.day),
            "held_on-month": str(today.month),
            "held_on-year": str(today.year),
        },
        f"/cohorts/{cohort_id}/sessions/new",
    )
    [row] = _rows(app, CohortSession)
    session_path = f"/cohorts/{cohort_id}/sessions/{row.id}"
    return app, trainer, cohort_id, session_path


def _phone(app, code: str):
    """A phone that is not signed in, on the answer page for ``code``."""
    phone = app.test_client()
    start = phone.get("/go")
    assert start.status_code == 200 and "Code on the screen" in _text(start)
    went = phone.post("/go", data={"csrf_token": csrf_token(_text(start)), "code": code.lower()})
    assert went.status_code == 303 and went.headers["Location"] == f"/go/{code}"
    return phone


def _answer(phone, code: str, step: str, choice: str):
    token = csrf_token(_text(phone.get("/go")))  # the browser session's token, on any of its forms
    return phone.post(f"/go/{code}", data={"csrf_token": token, "step": step, "choice": choice})


def test_a_room_answers_from_phones_and_results_wait_for_the_threshold(room, provider):
    app, trainer, cohort_id, session_path = room
    page = _text(trainer.get(session_path))
    assert "Start facilitator mode" in page

    # A bad start is refused with what was chosen kept.
    bad = _post(trainer, f"{session_path}/facilitate", {"scenario": SCENARIO.id, "threshold": "1"}, session_path)
    text = _text(bad)
    assert bad.status_code == 400 and "whole number from 2 to 50" in text
    assert f'value="{SCENARIO.id}" selected' in text and 'value="1"' in text
    missing = _post(trainer, f"{session_path}/facilitate", {"scenario": ""}, session_path)
    assert missing.status_code == 400 and "Select the scenario to step through" in _text(missing)
    assert _rows(app, LiveRun) == []

    started = _post(trainer, f"{session_path}/facilitate", {"scenario": SCENARIO.id, "threshold": "3"}, session_path)
    assert started.status_code == 303
    [run] = _rows(app, LiveRun)
    assert started.headers["Location"] == f"/live/{run.id}"
    assert len(run.code) == 5 and not set(run.code) & set("0O1I")
    first = SCENARIO.step(SCENARIO.start)
    screen = _text(trainer.get(f"/live/{run.id}"))
    assert f'data-testid="live-code">{run.code}<' in screen and "http://localhost/go" in screen
    assert first.question.replace("'", "&#39;") in screen
    assert 'data-testid="answered">0 answered<' in screen
    assert "Results appear once at least 3 people have answered." in screen
    assert "Show the results" not in screen

    # Phones: a wrong code is refused; the right one, typed in lower case, opens the question.
    stranger = app.test_client()
    token = csrf_token(_text(stranger.get("/go")))
    wrong = stranger.post("/go", data={"csrf_token": token, "code": "ZZZZZ"})
    assert wrong.status_code == 400 and "No session running now has that code" in _text(wrong)
    assert 'value="ZZZZZ"' in _text(wrong)
    phones = [_phone(app, run.code) for _ in range(3)]
    assert first.question.replace("'", "&#39;") in _text(phones[0].get(f"/go/{run.code}"))

    # No option chosen: refused, nothing counted.
    blank = _answer(phones[0], run.code, first.id, "")
    assert blank.status_code == 400 and 'href="#choice-1">Select what you would do<' in _text(blank)

    direct = next(c for c in first.choices if c.d == "direct")
    distract = next(c for c in first.choices if c.d == "distract")
    assert _answer(phones[0], run.code, first.id, direct.id).status_code == 303
    assert 'data-testid="state">Your answer is in<' in _text(phones[0].get(f"/go/{run.code}"))
    # The same phone cannot answer the step twice.
    again = _answer(phones[0], run.code, first.id, distract.id)
    assert again.status_code == 200 and "Your answer to this question is already in." in _text(again)
    assert _answer(phones[1], run.code, first.id, direct.id).status_code == 303

    # Two answers, threshold three: no results, and revealing is refused.
    screen = _text(trainer.get(f"/live/{run.id}"))
    assert 'data-testid="answered">2 answered<' in screen and 'data-testid="by-d"' not in screen
    refused = _post(trainer, f"/live/{run.id}/reveal", {}, f"/live/{run.id}")
    assert refused.status_code == 303
    screen = _text(trainer.get(f"/live/{run.id}"))
    assert "Results show once at least 3 people have answered" in screen and 'data-testid="by-d"' not in screen

    assert _answer(phones[2], run.code, first.id, distract.id).status_code == 303
    screen = _text(trainer.get(f"/live/{run.id}"))
    assert 'data-testid="answered">3 answered<' in screen and "Show the results" in screen
    assert _post(trainer, f"/live/{run.id}/reveal", {}, f"/live/{run.id}").status_code == 303
    screen = _text(trainer.get(f"/live/{run.id}"))
    by_d = screen.split('data-testid="by-d"', 1)[1].split("</table>", 1)[0]
    labels = [h.strip() for h in re.findall(r">([^<>]+)</strong>", by_d)]
    assert sorted(labels) == sorted({c.tag.label for c in first.choices})
    counts = dict(zip(labels, re.findall(r'nhsuk-heading-l">(\d+)<', by_d), strict=True))
    assert counts["Direct"] == "2" and counts["Distract"] == "1" and counts["Did nothing"] == "0"
    for choice in first.choices:
        assert choice.feedback.split(".")[0].replace("'", "&#39;") in screen
    # Once revealed, a late answer is not counted, and the phone is told why.
    late = _phone(app, run.code)
    assert 'data-testid="state">The results are on the screen<' in _text(late.get(f"/go/{run.code}"))
    refused = _answer(late, run.code, first.id, distract.id)
    assert "That question has closed" in _text(refused)
    assert sum(c.answers for c in _rows(app, LiveAnswerCount) if c.step_id == first.id) == 3

    # The trainer carries on along the "direct" option: the next step opens on every phone.
    assert _post(trainer, f"/live/{run.id}/next", {"choice": direct.id}, f"/live/{run.id}").status_code == 303
    second = SCENARIO.step(direct.next)
    screen = _text(trainer.get(f"/live/{run.id}"))
    assert second.question.replace("'", "&#39;") in screen and "question 2" in screen
    assert 'data-testid="answered">0 answered<' in screen
    assert second.question.replace("'", "&#39;") in _text(phones[0].get(f"/go/{run.code}"))
    # An answer for the earlier step is not counted against this one.
    stale = _answer(phones[0], run.code, first.id, direct.id)
    assert "That question has closed" in _text(stale)
    for phone in phones:
        assert _answer(phone, run.code, second.id, second.choices[0].id).status_code == 303
    assert _post(trainer, f"/live/{run.id}/reveal", {}, f"/live/{run.id}").status_code == 303
    # Follow an option that ends the scenario.
    ending_choice = next(c for c in second.choices if SCENARIO.step(c.next).is_ending)
    assert _post(trainer, f"/live/{run.id}/next", {"choice": ending_choice.id}, f"/live/{run.id}").status_code == 303
    ending = SCENARIO.step(ending_choice.next)
    screen = _text(trainer.get(f"/live/{run.id}"))
    assert ending.ending_title.replace("'", "&#39;") in screen and "That is the end of the scenario" in screen
    assert "That is the end of the scenario" in _text(phones[0].get(f"/go/{run.code}"))

    # A lead may watch the screen but not drive it.
    lead = app.test_client()
    sign_in(provider, lead, "lead-1", LEAD)
    watched = _text(lead.get(f"/live/{run.id}"))
    assert "End facilitator mode" not in watched
    assert lead.post(f"/live/{run.id}/end", data={"csrf_token": csrf_token(watched)}).status_code == 403

    # Ending deletes the counts; the code no longer works.
    ended = _post(trainer, f"/live/{run.id}/end", {}, f"/live/{run.id}")
    assert ended.status_code == 303 and ended.headers["Location"] == session_path
    assert _rows(app, LiveAnswerCount) == []
    assert 'data-testid="state">This session has finished<' in _text(phones[0].get(f"/go/{run.code}"))
    token = csrf_token(_text(stranger.get("/go")))
    assert stranger.post("/go", data={"csrf_token": token, "code": run.code}).status_code == 400


def test_answers_and_code_guesses_are_rate_limited_without_any_identifier(room, monkeypatch, machine_redis):
    app, trainer, cohort_id, session_path = room
    monkeypatch.setattr(facilitation, "_clock", lambda: 1_800_000_000.0)  # one minute throughout
    app.config[facilitation.ANSWERS_PER_MINUTE] = 2
    app.config[facilitation.CODE_MISSES_PER_MINUTE] = 2
    _post(trainer, f"{session_path}/facilitate", {"scenario": SCENARIO.id}, session_path)
    [run] = _rows(app, LiveRun)
    first = SCENARIO.step(SCENARIO.start)

    # Two answers this minute are counted; the third is not, and its phone may send it again later.
    phones = [_phone(app, run.code) for _ in range(3)]
    for phone in phones[:2]:
        assert _answer(phone, run.code, first.id, first.choices[0].id).status_code == 303
    busy = _answer(phones[2], run.code, first.id, first.choices[0].id)
    assert "Too many answers are arriving at once" in _text(busy)
    assert sum(c.answers for c in _rows(app, LiveAnswerCount)) == 2
    assert 'name="choice"' in _text(phones[2].get(f"/go/{run.code}"))
    monkeypatch.setattr(facilitation, "_clock", lambda: 1_800_000_060.0)  # the next minute
    assert _answer(phones[2], run.code, first.id, first.choices[0].id).status_code == 303
    assert sum(c.answers for c in _rows(app, LiveAnswerCount)) == 3

    # Wrong codes: after two this minute, /go asks everyone to wait, even with the right code.
    guesser = app.test_client()
    token = csrf_token(_text(guesser.get("/go")))
    for guess in ("AAAAA", "BBBBB"):
        assert guesser.post("/go", data={"csrf_token": token, "code": guess}).status_code == 400
    waiting = guesser.post("/go", data={"csrf_token": token, "code": run.code})
    assert waiting.status_code == 429 and "Wait a minute and try again" in _text(waiting)
    monkeypatch.setattr(facilitation, "_clock", lambda: 1_800_000_120.0)
    assert guesser.post("/go", data={"csrf_token": token, "code": run.code}).status_code == 303

    # What Redis holds: counts under a run code or a fixed name, nothing about anybody.
    keys = sorted(k.decode() for k in redis.Redis.from_url(machine_redis).keys("training:live-limit:*"))
    assert keys and all(re.fullmatch(rf"training:live-limit:(answers:{run.code}|misses):\d+", k) for k in keys)


def test_live_answers_keep_no_identifier(room):
    """Only counts per option: no column of the live tables can hold who answered."""
    app, *_ = room
    engine = app.extensions["portal"]["engine"]
    columns = {c["name"] for c in inspect(engine).get_columns("live_answer_counts")}
    assert columns == {"run_id", "step_id", "choice_id", "answers"}
    run_columns = {c["name"] for c in inspect(engine).get_columns("live_runs")}
    assert not run_columns & {"learner", "ip", "address", "user_agent", "subject", "email"}


def _pdf_objects(pdf: bytes) -> str:
    found = []
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            found.append(zlib.decompressobj().decompress(pdf[match.end() :]).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(found)


def _page_count(pdf: bytes) -> int:
    return int(re.search(r"/Type /Pages/Kids \[[^]]*\]/Count (\d+)", _pdf_objects(pdf)).group(1))


def _titles(pdf: bytes) -> list[str]:
    """The PDF's bookmarks: WeasyPrint makes one from each heading."""
    values = []
    for literal, hexed in re.findall(r"/Title (?:\(((?:[^()\\]|\\.)*)\)|<feff([0-9a-f]*)>)", _pdf_objects(pdf)):
        values.append(literal if not hexed else bytes.fromhex(hexed).decode("utf-16-be"))
    return values


def test_scenario_cards_print_one_card_per_decision_with_feedback_behind(room, provider):
    app, trainer, *_ = room
    index = _text(trainer.get("/trainers/cards"))
    assert f'href="/trainers/cards/{SCENARIO.id}.pdf"' in index and 'href="/trainers/cards/all.pdf"' in index
    one = trainer.get(f"/trainers/cards/{SCENARIO.id}.pdf")
    assert one.status_code == 200 and one.mimetype == "application/pdf" and one.data.startswith(b"%PDF")
    assert one.headers["Content-Disposition"] == f'attachment; filename="scenario-cards-{SCENARIO.id}.pdf"'
    decisions = SCENARIO.decisions
    assert _page_count(one.data) == 2 * len(decisions)  # a front and a back for each decision
    titles = _titles(one.data)
    for step in decisions:
        assert step.question in titles
    assert titles.count("What follows") == len(decisions)

    every = trainer.get("/trainers/cards/all.pdf")
    assert every.status_code == 200
    assert _page_count(every.data) == 2 * sum(len(s.decisions) for s in CONTENT.scenarios)
    assert trainer.get("/trainers/cards/no-such-scenario.pdf").status_code == 404

    learner = app.test_client()
    sign_in(provider, learner, "learner-1", {"name": "Lou", "email": "lou@example.nhs.uk"})
    assert learner.get("/trainers/cards/all.pdf").status_code == 403


def test_migration_0009_goes_down_and_up_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'training.db'}"
    config = alembic_config("training", url)
    command.upgrade(config, "head")
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"session_codes", "session_notes", "live_runs", "live_answer_counts"} <= tables
        command.downgrade(config, "0007_cohorts_and_audit")
        engine.dispose()
        tables = set(inspect(engine).get_table_names())
        assert not {"session_codes", "session_notes", "live_runs", "live_answer_counts"} & tables
        assert "cohort_sessions" in tables
        command.upgrade(config, "head")
        engine.dispose()
        assert "live_answer_counts" in set(inspect(engine).get_table_names())
    finally:
        engine.dispose()

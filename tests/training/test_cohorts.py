"""Cohorts as trainers and learners use them, signed in through a real OpenID Connect provider:
creating a cohort and its sessions (and the programme journey), joining with a join code,
marking attendance with a session's code, rating a session, and action learning notes."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from portal_common.db import unit_of_work
from services.training import cohorts
from services.training.audit import ACTION_NAMES
from services.training.learning import learner_key
from services.training.models import (
    Attendance,
    AuditEntry,
    Cohort,
    CohortMember,
    CohortSession,
    SessionCode,
    SessionNote,
    SessionRating,
)

from ..signin.conftest import csrf_token, sign_in

LEARNER = {"name": "Lou Learner", "email": "lou.learner@example.nhs.uk"}
TRAINER = {"name": "Tam Trainer", "email": "tam.trainer@example.nhs.uk", "roles": ["trainer"]}
LEAD = {"name": "Lee Lead", "email": "lee.lead@example.nhs.uk", "roles": ["lead"]}
ORG = "DEMO1"


def _client(app, provider, sub: str, claims: dict):
    client = app.test_client()
    sign_in(provider, client, sub, claims)
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def _rows(app, model):
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        rows = list(db.scalars(select(model)))
        db.expunge_all()
        return rows


def _post(client, path: str, data: dict, form_page: str | None = None):
    token = csrf_token(_text(client.get(form_page or path)))
    return client.post(path, data={"csrf_token": token, **data})


def _org(app) -> str:
    from portal_common import organisations

    return next(iter(organisations.by_code()))


def _new_cohort(client, org: str, name: str = "Spring cohort, emergency department") -> int:
    made = _post(client, "/cohorts/new", {"name": name, "organisation": org})
    assert made.status_code == 303, _text(made)[:400]
    return int(re.search(r"/cohorts/(\d+)$", made.headers["Location"]).group(1))


def _date(prefix: str, day: dt.date) -> dict[str, str]:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def test_a_trainer_creates_a_cohort_with_sessions_and_the_programme_journey(rp_factory, provider):
    app = rp_factory("training")
    trainer = _client(app, provider, "trainer-1", TRAINER)
    org = _org(app)

    # Nothing entered: both fields are named, and nothing is made.
    empty = _post(trainer, "/cohorts/new", {})
    text = _text(empty)
    assert empty.status_code == 400 and "There is a problem" in text
    assert 'href="#name">Enter a name for the cohort<' in text
    assert 'href="#organisation">Select the organisation the cohort belongs to<' in text
    # An organisation that is not on the list is refused; the name typed is kept.
    odd = _post(trainer, "/cohorts/new", {"name": "Ward 7 group", "organisation": "NOPE"}, "/cohorts/new")
    assert odd.status_code == 400 and "Select an organisation from the list" in _text(odd)
    assert 'value="Ward 7 group"' in _text(odd)
    assert _rows(app, Cohort) == []

    cohort_id = _new_cohort(trainer, org)
    [cohort] = _rows(app, Cohort)
    assert len(cohort.join_code) == 8 and not set(cohort.join_code) & set("0O1I")
    assert set(cohort.join_code) <= set(cohorts.CODE_ALPHABET)
    page = _text(trainer.get(f"/cohorts/{cohort_id}"))
    assert cohorts.show_code(cohort.join_code) in page and "Spring cohort, emergency department" in page

    # A session with a bad date and time is refused, with what was typed kept.
    bad = _post(
        trainer,
        f"/cohorts/{cohort_id}/sessions/new",
        {
            "kind": "board_session",
            "title": "Board briefing",
            "held_on-day": "31",
            "held_on-month": "2",
            "held_on-year": "2027",
            "start_time": "25:00",
            "place": "Boardroom",
        },
    )
    text = _text(bad)
    assert bad.status_code == 400
    assert "The session&#39;s date must be a real date" in text
    assert "Enter the start time as hours and minutes on the 24-hour clock" in text
    assert 'value="Board briefing"' in text and 'value="Boardroom"' in text and 'value="31"' in text
    assert 'value="board_session" checked' in text
    no_kind = _post(
        trainer, f"/cohorts/{cohort_id}/sessions/new", {"title": "", **_date("held_on", dt.date(2027, 2, 3))}
    )
    assert "Select what kind of session it is" in _text(no_kind) and "Enter a title for the session" in _text(no_kind)
    assert _rows(app, CohortSession) == []

    good = _post(
        trainer,
        f"/cohorts/{cohort_id}/sessions/new",
        {
            "kind": "board_session",
            "title": "Board briefing",
            **_date("held_on", dt.date(2027, 1, 20)),
            "start_time": "9.30",
            "place": "Boardroom",
        },
    )
    assert good.status_code == 303
    [board] = _rows(app, CohortSession)
    assert (board.kind, board.held_on, board.start_time, board.place) == (
        "board_session",
        dt.date(2027, 1, 20),
        "09:30",
        "Boardroom",
    )

    # The programme journey from 31 January: month ends are kept to the month.
    missing = _post(trainer, f"/cohorts/{cohort_id}/journey", {}, f"/cohorts/{cohort_id}")
    assert missing.status_code == 400 and 'href="#start-day">Enter the date of the workshop<' in _text(missing)
    journey = _post(
        trainer, f"/cohorts/{cohort_id}/journey", _date("start", dt.date(2027, 1, 31)), f"/cohorts/{cohort_id}"
    )
    assert journey.status_code == 303
    rows = sorted(_rows(app, CohortSession), key=lambda r: (r.held_on, r.id))
    assert [(r.kind, r.held_on) for r in rows if r.id != board.id] == [
        ("workshop", dt.date(2027, 1, 31)),
        ("action_learning_set", dt.date(2027, 2, 28)),
        ("action_learning_set", dt.date(2027, 3, 31)),
        ("action_learning_set", dt.date(2027, 4, 30)),
        ("action_learning_set", dt.date(2027, 5, 31)),
        ("action_learning_set", dt.date(2027, 6, 30)),
        ("community_of_practice", dt.date(2027, 7, 31)),
    ]
    # Every session has its own attendance code.
    codes = [c.code for c in _rows(app, SessionCode)]
    assert len(codes) == 8 == len(set(codes))
    page = _text(trainer.get(f"/cohorts/{cohort_id}"))
    assert "Action learning set 5 of 5" in page and "30 June 2027" in page

    # Edit a session: a bad title is refused, a good one saved.
    edit_path = f"/cohorts/{cohort_id}/sessions/{board.id}/edit"
    form = _text(trainer.get(edit_path))
    assert 'value="Board briefing"' in form and 'value="09:30"' in form and 'value="20"' in form
    changed = _post(
        trainer,
        edit_path,
        {
            "kind": "board_session",
            "title": "Board development session",
            **_date("held_on", dt.date(2027, 1, 21)),
            "start_time": "",
            "place": "Room 2",
        },
    )
    assert changed.status_code == 303
    [board] = [r for r in _rows(app, CohortSession) if r.id == board.id]
    assert (board.title, board.held_on, board.start_time, board.place) == (
        "Board development session",
        dt.date(2027, 1, 21),
        None,
        "Room 2",
    )

    # Delete: a confirmation page, then gone with an audit entry.
    delete_path = f"/cohorts/{cohort_id}/sessions/{board.id}/delete"
    assert "Delete Board development session" in _text(trainer.get(delete_path))
    assert _post(trainer, delete_path, {}).status_code == 303
    assert board.id not in {r.id for r in _rows(app, CohortSession)}

    # Rename, then close: nobody can join a closed cohort.
    assert (
        _post(trainer, f"/cohorts/{cohort_id}/edit", {"name": "Spring cohort", "organisation": org}).status_code == 303
    )
    closed = _post(trainer, f"/cohorts/{cohort_id}/close", {}, f"/cohorts/{cohort_id}")
    assert closed.status_code == 303
    [cohort] = _rows(app, Cohort)
    assert cohort.closed and cohort.name == "Spring cohort"
    assert "Closed" in _text(trainer.get("/cohorts"))
    late = _post(trainer, f"/cohorts/{cohort_id}/journey", _date("start", dt.date(2027, 9, 1)), f"/cohorts/{cohort_id}")
    assert late.status_code == 303
    assert "This cohort is closed, so no sessions can be added to it." in _text(trainer.get(late.headers["Location"]))
    assert len(_rows(app, CohortSession)) == 7

    entries = [(e.action, e.actor) for e in _rows(app, AuditEntry)]
    assert [a for a, _ in entries] == [
        "cohort.created",
        "session.created",
        "cohort.journey_added",
        "session.deleted",
        "cohort.changed",
        "cohort.closed",
    ]
    assert {actor for _, actor in entries} == {"tam.trainer@example.nhs.uk"}
    assert all(a in ACTION_NAMES for a, _ in entries)


def test_leads_may_look_but_not_change_and_learners_may_not_look(rp_factory, provider):
    app = rp_factory("training")
    trainer = _client(app, provider, "trainer-1", TRAINER)
    cohort_id = _new_cohort(trainer, _org(app))
    lead = _client(app, provider, "lead-1", LEAD)
    page = lead.get(f"/cohorts/{cohort_id}")
    assert page.status_code == 200 and "Close this cohort" not in _text(page) and "Add a session" not in _text(page)
    assert "Create a cohort" not in _text(lead.get("/cohorts"))
    token = csrf_token(_text(lead.get("/join")))
    assert lead.post(f"/cohorts/{cohort_id}/close", data={"csrf_token": token}).status_code == 403
    learner = _client(app, provider, "learner-1", LEARNER)
    assert learner.get("/cohorts").status_code == 403
    assert learner.get(f"/cohorts/{cohort_id}").status_code == 403


def test_a_learner_joins_marks_attendance_and_rates_and_trainers_see_only_counts(rp_factory, provider):
    app = rp_factory("training")
    trainer = _client(app, provider, "trainer-1", TRAINER)
    cohort_id = _new_cohort(trainer, _org(app))
    today = dt.date.today()
    for title, day in (("Today's workshop", today), ("Next month's set", today + dt.timedelta(days=30))):
        made = _post(
            trainer,
            f"/cohorts/{cohort_id}/sessions/new",
            {"kind": "workshop", "title": title, **_date("held_on", day), "place": "Education centre"},
        )
        assert made.status_code == 303
    [cohort] = _rows(app, Cohort)
    sessions = {r.title: r for r in _rows(app, CohortSession)}
    codes = {c.session_id: c.code for c in _rows(app, SessionCode)}
    now, later = sessions["Today's workshop"], sessions["Next month's set"]

    learner = _client(app, provider, "learner-1", LEARNER)
    key = learner_key(app.config["SECRET_KEY"], "learner-1")
    assert "not in a cohort yet" in _text(learner.get("/my-cohorts"))
    # Empty, unknown: clear errors, the typed code kept.
    assert "Enter the join code your trainer gave you" in _text(_post(learner, "/join", {"code": ""}))
    unknown = _post(learner, "/join", {"code": "zzzz-zzzz"})
    assert unknown.status_code == 400 and "No cohort has that join code" in _text(unknown)
    assert 'value="zzzz-zzzz"' in _text(unknown)
    # Lower case with a space is the same code; joining twice is harmless.
    typed = cohorts.show_code(cohort.join_code).lower().replace("-", " ")
    joined = _post(learner, "/join", {"code": typed})
    assert joined.status_code == 303 and joined.headers["Location"] == "/my-cohorts"
    assert f"You have joined {cohort.name}" in _text(learner.get("/my-cohorts"))
    again = _post(learner, "/join", {"code": cohort.join_code})
    assert again.status_code == 303 and "You were already in" in _text(learner.get("/my-cohorts"))
    [member] = _rows(app, CohortMember)
    assert member.learner == key  # the opaque key, never a name or an email

    mine = _text(learner.get("/my-cohorts"))
    upcoming = mine.split('data-testid="upcoming"', 1)[1].split("</ul>", 1)[0]
    assert "Today&#39;s workshop" in upcoming and "Next month&#39;s set" in upcoming and "Education centre" in upcoming

    # A rating before attending is refused.
    token = csrf_token(mine)
    early = learner.post(f"/my-cohorts/sessions/{now.id}/rating", data={"csrf_token": token, "rating": "4"})
    assert early.status_code == 400 and "once you have marked yourself present" in _text(early)
    # Attendance: a session in the future cannot be marked yet; today's can, twice harmlessly.
    future = _post(learner, "/attend", {"code": codes[later.id]})
    assert future.status_code == 400 and "You can mark yourself present from that day" in _text(future)
    assert _post(learner, "/attend", {"code": "nope"}).status_code == 400
    present = _post(learner, "/attend", {"code": cohorts.show_code(codes[now.id]).lower()})
    assert present.status_code == 303 and present.headers["Location"] == f"/my-cohorts#session-{now.id}"
    assert _post(learner, "/attend", {"code": codes[now.id]}).status_code == 303
    assert [(a.session_id, a.learner) for a in _rows(app, Attendance)] == [(now.id, key)]

    # Rating: none chosen is refused, then 4, then changed to 5.
    mine = _text(learner.get("/my-cohorts"))
    assert "You were there" in mine and f'id="rating-{now.id}-1"' in mine
    token = csrf_token(mine)
    blank = learner.post(f"/my-cohorts/sessions/{now.id}/rating", data={"csrf_token": token})
    assert blank.status_code == 400 and f'href="#rating-{now.id}-1">Select how useful the session was' in _text(blank)
    assert (
        learner.post(f"/my-cohorts/sessions/{now.id}/rating", data={"csrf_token": token, "rating": "4"}).status_code
        == 303
    )
    assert (
        learner.post(f"/my-cohorts/sessions/{now.id}/rating", data={"csrf_token": token, "rating": "5"}).status_code
        == 303
    )
    assert [(r.learner, r.rating) for r in _rows(app, SessionRating)] == [(key, 5)]
    assert 'value="5" checked' in _text(learner.get("/my-cohorts"))

    # The trainer sees one attendee, and no rating summary below k ratings.
    page = _text(trainer.get(f"/cohorts/{cohort_id}/sessions/{now.id}"))
    assert re.search(r'data-testid="attended">1<', page)
    assert 'data-testid="rating-hidden"' in page and 'data-testid="ratings"' not in page
    assert "lou" not in page.lower() and key not in page
    # With twelve ratings the average shows, and the breakdown follows the k rule.
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        for n in range(11):
            db.add(Attendance(session_id=now.id, learner=f"other-{n}"))
            db.add(SessionRating(session_id=now.id, learner=f"other-{n}", rating=4 if n < 10 else 2))
    page = _text(trainer.get(f"/cohorts/{cohort_id}/sessions/{now.id}"))
    assert re.search(r'data-testid="attended">12<', page)
    assert "Average 3.9 out of 5, from 12 ratings." in page
    cells = re.findall(r'nhsuk-table__cell--numeric">([^<]*)<', page.split('data-testid="ratings"', 1)[1])
    assert cells[:5] == ["0", "[c]", "0", "10", "[c]"]

    # Once the cohort closes, nobody joins and attendance cannot be marked.
    _post(trainer, f"/cohorts/{cohort_id}/close", {}, f"/cohorts/{cohort_id}")
    other = _client(app, provider, "learner-2", {"name": "Sam", "email": "sam@example.nhs.uk"})
    refused = _post(other, "/join", {"code": cohort.join_code})
    assert refused.status_code == 400 and "has closed and is not taking new members" in _text(refused)
    assert _post(other, "/attend", {"code": codes[now.id]}).status_code == 400


def test_action_learning_notes_are_written_changed_and_deleted_with_an_audit_entry(rp_factory, provider):
    app = rp_factory("training")
    trainer = _client(app, provider, "trainer-1", TRAINER)
    cohort_id = _new_cohort(trainer, _org(app))
    _post(trainer, f"/cohorts/{cohort_id}/journey", _date("start", dt.date(2027, 3, 1)), f"/cohorts/{cohort_id}")
    first_set = next(r for r in _rows(app, CohortSession) if r.kind == "action_learning_set")
    path = f"/cohorts/{cohort_id}/sessions/{first_set.id}/notes"

    form = _text(trainer.get(path))
    assert "Leave out names" in form
    empty = _post(trainer, path, {"discussed": "  ", "actions": ""})
    assert empty.status_code == 400 and "Enter what was discussed or the actions agreed" in _text(empty)
    too_long = _post(trainer, path, {"discussed": "x" * 5001, "actions": "Try a distraction first"})
    assert too_long.status_code == 400 and "must be 5000 characters or fewer" in _text(too_long)
    assert "Try a distraction first" in _text(too_long)
    assert _rows(app, SessionNote) == []

    saved = _post(
        trainer,
        path,
        {"discussed": "Interrupting remarks in handovers", "actions": "Practise one distraction\nCheck in afterwards"},
    )
    assert saved.status_code == 303
    page = _text(trainer.get(f"/cohorts/{cohort_id}/sessions/{first_set.id}"))
    assert "Interrupting remarks in handovers" in page and "<p>Check in afterwards</p>" in page
    assert _post(trainer, path, {"discussed": "Handovers and huddles", "actions": ""}).status_code == 303
    [note] = _rows(app, SessionNote)
    assert (note.discussed, note.actions) == ("Handovers and huddles", "")

    lead = _client(app, provider, "lead-1", LEAD)
    assert "Handovers and huddles" in _text(lead.get(f"/cohorts/{cohort_id}/sessions/{first_set.id}"))
    assert lead.get(path).status_code == 403

    delete_path = f"/cohorts/{cohort_id}/sessions/{first_set.id}/notes/delete"
    assert "Delete the notes for" in _text(trainer.get(delete_path))
    assert _post(trainer, delete_path, {}).status_code == 303
    assert _rows(app, SessionNote) == []
    assert trainer.get(delete_path).status_code == 404
    assert [e.action for e in _rows(app, AuditEntry)][-1] == "notes.deleted"

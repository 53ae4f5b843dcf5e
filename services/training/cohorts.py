"""Cohorts and their sessions: creating them, the programme journey, joining with a code,
attendance, ratings and action learning notes.

A learner is known here only by their learner key (learning.learner_key). Trainers see
counts: how many joined, how many attended; anything broken down (ratings by score) follows
the hub's k rule (learning.protect), and a rating summary is shown only from K ratings up.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_common.models import today

from .learning import K, protect
from .models import (
    SESSION_KINDS,
    Attendance,
    Cohort,
    CohortMember,
    CohortSession,
    SessionCode,
    SessionNote,
    SessionRating,
)

# Codes people read off a screen or a slip of paper: no 0/O or 1/I to mix up.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8
SESSION_CODE_LENGTH = 6

KIND_LABELS: dict[str, str] = {
    "workshop": "Workshop",
    "board_session": "Board session",
    "action_learning_set": "Action learning set",
    "train_the_trainer": "Train the trainer",
    "community_of_practice": "Community of practice",
}
assert set(KIND_LABELS) == set(SESSION_KINDS)

NAME_MAX, TITLE_MAX, PLACE_MAX = 120, 160, 200
NOTES_MAX = 5000
ALS_COUNT = 5  # the programme's monthly action learning sets


def new_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalise_code(text: str) -> str:
    """What someone typed, as a code: capitals, no spaces or dashes."""
    return re.sub(r"[\s\-]", "", text or "").upper()


def show_code(code: str) -> str:
    """A code split in two with a dash, easier to read out (ABCD-EFGH)."""
    half = (len(code) + 1) // 2
    return f"{code[:half]}-{code[half:]}"


def _unique_code(session: Session, column, length: int) -> str:
    for _ in range(20):
        code = new_code(length)
        if session.scalar(select(func.count()).where(column == code)) == 0:
            return code
    raise RuntimeError("could not find an unused code")  # 32**6 codes: only if nearly all are taken


# -- forms -----------------------------------------------------------------------------------


@dataclass
class CohortForm:
    name: str = ""
    organisation: str = ""


def read_cohort(form: Mapping[str, str], organisations: Mapping[str, object]) -> tuple[CohortForm, dict[str, str]]:
    values = CohortForm(name=(form.get("name") or "").strip(), organisation=(form.get("organisation") or "").strip())
    errors: dict[str, str] = {}
    if not values.name:
        errors["name"] = "Enter a name for the cohort"
    elif len(values.name) > NAME_MAX:
        errors["name"] = f"The cohort's name must be {NAME_MAX} characters or fewer"
    if not values.organisation:
        errors["organisation"] = "Select the organisation the cohort belongs to"
    elif values.organisation not in organisations:
        errors["organisation"] = "Select an organisation from the list"
    return values, errors


@dataclass
class DateParts:
    day: str = ""
    month: str = ""
    year: str = ""

    @classmethod
    def of(cls, day: dt.date | None) -> DateParts:
        return cls() if day is None else cls(str(day.day), str(day.month), str(day.year))

    @classmethod
    def read(cls, form: Mapping[str, str], name: str) -> DateParts:
        return cls(*((form.get(f"{name}-{part}") or "").strip() for part in ("day", "month", "year")))

    def parse(self, what: str) -> tuple[dt.date | None, str | None]:
        if not (self.day or self.month or self.year):
            return None, f"Enter the {what}"
        if not (self.day and self.month and self.year):
            return None, f"The {what} must include a day, month and year"
        try:
            day = dt.date(int(self.year), int(self.month), int(self.day))
        except ValueError:
            return None, f"The {what} must be a real date, like 14 3 2027"
        if not 2000 <= day.year <= 2100:
            return None, f"The {what} must be a year between 2000 and 2100"
        return day, None


@dataclass
class SessionForm:
    kind: str = ""
    title: str = ""
    date: DateParts = None  # type: ignore[assignment]
    start_time: str = ""
    place: str = ""

    def __post_init__(self) -> None:
        if self.date is None:
            self.date = DateParts()

    @classmethod
    def of(cls, row: CohortSession) -> SessionForm:
        return cls(row.kind, row.title, DateParts.of(row.held_on), row.start_time or "", row.place)


TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


def read_session(form: Mapping[str, str]) -> tuple[SessionForm, dict[str, str], dt.date | None]:
    values = SessionForm(
        kind=(form.get("kind") or "").strip(),
        title=(form.get("title") or "").strip(),
        date=DateParts.read(form, "held_on"),
        start_time=(form.get("start_time") or "").strip(),
        place=(form.get("place") or "").strip(),
    )
    errors: dict[str, str] = {}
    if values.kind not in SESSION_KINDS:
        errors["kind"] = "Select what kind of session it is"
    if not values.title:
        errors["title"] = "Enter a title for the session"
    elif len(values.title) > TITLE_MAX:
        errors["title"] = f"The title must be {TITLE_MAX} characters or fewer"
    day, problem = values.date.parse("session's date")
    if problem:
        errors["held_on"] = problem
    if values.start_time and not TIME.match(values.start_time):
        errors["start_time"] = "Enter the start time as hours and minutes on the 24-hour clock, like 09:30 or 14:00"
    if len(values.place) > PLACE_MAX:
        errors["place"] = f"The place must be {PLACE_MAX} characters or fewer"
    return values, errors, day


def clean_time(text: str) -> str | None:
    found = TIME.match(text)
    return f"{int(found.group(1)):02d}:{found.group(2)}" if found else None


# -- cohorts and sessions ------------------------------------------------------------------------


def create_cohort(session: Session, values: CohortForm) -> Cohort:
    cohort = Cohort(
        name=values.name,
        organisation=values.organisation,
        join_code=_unique_code(session, Cohort.join_code, JOIN_CODE_LENGTH),
        created_on=today(),
        closed=False,
    )
    session.add(cohort)
    session.flush()
    return cohort


def add_session(
    session: Session, cohort: Cohort, kind: str, title: str, on: dt.date, start_time: str | None = None, place: str = ""
) -> CohortSession:
    row = CohortSession(cohort_id=cohort.id, kind=kind, title=title, held_on=on, start_time=start_time, place=place)
    session.add(row)
    session.flush()
    session.add(SessionCode(session_id=row.id, code=_unique_code(session, SessionCode.code, SESSION_CODE_LENGTH)))
    return row


def months_after(start: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` later, or that month's last day if it is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def journey(start: dt.date) -> list[tuple[str, str, dt.date]]:
    """The programme's journey from ``start``: a workshop, then an action learning set each
    month for five months, then the community of practice the month after."""
    plan = [("workshop", "Workshop: the 5 Ds in practice", start)]
    for n in range(1, ALS_COUNT + 1):
        plan.append(("action_learning_set", f"Action learning set {n} of {ALS_COUNT}", months_after(start, n)))
    plan.append(("community_of_practice", "Community of practice", months_after(start, ALS_COUNT + 1)))
    return plan


def add_journey(session: Session, cohort: Cohort, start: dt.date) -> list[CohortSession]:
    return [add_session(session, cohort, kind, title, on) for kind, title, on in journey(start)]


def sessions_of(session: Session, cohort_id: int) -> list[CohortSession]:
    return list(
        session.scalars(
            select(CohortSession)
            .where(CohortSession.cohort_id == cohort_id)
            .order_by(CohortSession.held_on, CohortSession.start_time, CohortSession.id)
        )
    )


def session_code(session: Session, session_id: int) -> str:
    """The session's attendance code, made now for a session that has none yet."""
    row = session.get(SessionCode, session_id)
    if row is None:
        row = SessionCode(session_id=session_id, code=_unique_code(session, SessionCode.code, SESSION_CODE_LENGTH))
        session.add(row)
        session.flush()
    return row.code


def member_count(session: Session, cohort_id: int) -> int:
    members = select(func.count()).select_from(CohortMember).where(CohortMember.cohort_id == cohort_id)
    return session.scalar(members) or 0


def attendance_counts(session: Session, cohort_id: int) -> dict[int, int]:
    return dict(
        session.execute(
            select(Attendance.session_id, func.count())
            .join(CohortSession, CohortSession.id == Attendance.session_id)
            .where(CohortSession.cohort_id == cohort_id)
            .group_by(Attendance.session_id)
        ).all()
    )


@dataclass(frozen=True)
class RatingSummary:
    count: int
    shown: bool  # K ratings or more: the average and the breakdown may be shown
    average: float | None
    cells: dict[int, str]  # rating -> protected count


def rating_summary(session: Session, session_id: int) -> RatingSummary:
    counts = dict(
        session.execute(
            select(SessionRating.rating, func.count())
            .where(SessionRating.session_id == session_id)
            .group_by(SessionRating.rating)
        ).all()
    )
    total = sum(counts.values())
    if total < K:
        return RatingSummary(total, False, None, {})
    average = sum(r * n for r, n in counts.items()) / total
    return RatingSummary(total, True, round(average, 1), {r: protect(counts.get(r, 0)) for r in range(1, 6)})


# -- learners -------------------------------------------------------------------------------------


class Refused(Exception):
    """Something a learner asked for that cannot be done; ``message`` says why, for them."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def join(session: Session, learner: str, typed: str) -> tuple[Cohort, bool]:
    """Join the cohort whose join code was typed: (the cohort, whether they were new to it)."""
    code = normalise_code(typed)
    if not code:
        raise Refused("Enter the join code your trainer gave you")
    cohort = session.scalar(select(Cohort).where(Cohort.join_code == code))
    if cohort is None:
        raise Refused("No cohort has that join code. Check the code with your trainer and try again")
    if cohort.closed:
        raise Refused(f"{cohort.name} has closed and is not taking new members. Ask your trainer which cohort to join")
    return cohort, _add_member(session, cohort, learner)


def _add_member(session: Session, cohort: Cohort, learner: str) -> bool:
    if session.get(CohortMember, (cohort.id, learner)) is not None:
        return False
    session.add(CohortMember(cohort_id=cohort.id, learner=learner, joined_on=today()))
    session.flush()
    return True


def attend(session: Session, learner: str, typed: str, on: dt.date | None = None) -> CohortSession:
    """Mark the learner present at the session whose attendance code was typed (again is harmless).
    Someone not yet in the cohort joins it too: they were in the room."""
    code = normalise_code(typed)
    if not code:
        raise Refused("Enter the session code shown in the room")
    found = session.scalar(select(SessionCode).where(SessionCode.code == code))
    row = session.get(CohortSession, found.session_id) if found else None
    if row is None:
        raise Refused("No session has that code. Check the code shown in the room and try again")
    cohort = session.get(Cohort, row.cohort_id)
    assert cohort is not None
    if cohort.closed:
        raise Refused(f"{cohort.name} has closed, so attendance can no longer be marked")
    if row.held_on > (on or today()):
        raise Refused(f"This session is on {row.held_on:%-d %B %Y}. You can mark yourself present from that day")
    _add_member(session, cohort, learner)
    if session.get(Attendance, (row.id, learner)) is None:
        session.add(Attendance(session_id=row.id, learner=learner))
        session.flush()
    return row


def rate(session: Session, learner: str, session_id: int, typed: str) -> int:
    """Keep the learner's rating of a session they attended (a later rating replaces it)."""
    if session.get(Attendance, (session_id, learner)) is None:
        raise Refused("You can rate a session once you have marked yourself present at it")
    if typed not in {"1", "2", "3", "4", "5"}:
        raise Refused("Select how useful the session was, from 1 to 5")
    rating = int(typed)
    row = session.get(SessionRating, (session_id, learner))
    if row is None:
        session.add(SessionRating(session_id=session_id, learner=learner, rating=rating))
    else:
        row.rating = rating
    return rating


@dataclass(frozen=True)
class MySession:
    row: CohortSession
    attended: bool
    rating: int | None


@dataclass(frozen=True)
class MyCohort:
    cohort: Cohort
    upcoming: list[MySession]
    past: list[MySession]


def my_cohorts(session: Session, learner: str, on: dt.date | None = None) -> list[MyCohort]:
    day = on or today()
    cohorts = session.scalars(
        select(Cohort)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.learner == learner)
        .order_by(Cohort.closed, Cohort.name, Cohort.id)
    ).all()
    attended = set(session.scalars(select(Attendance.session_id).where(Attendance.learner == learner)))
    ratings = dict(
        session.execute(
            select(SessionRating.session_id, SessionRating.rating).where(SessionRating.learner == learner)
        ).all()
    )
    found = []
    for cohort in cohorts:
        rows = [MySession(r, r.id in attended, ratings.get(r.id)) for r in sessions_of(session, cohort.id)]
        upcoming = [s for s in rows if s.row.held_on >= day]
        found.append(MyCohort(cohort, upcoming, [s for s in reversed(rows) if s.row.held_on < day]))
    return found


# -- action learning notes -------------------------------------------------------------------------


def read_notes(form: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    values = {name: (form.get(name) or "").strip() for name in ("discussed", "actions")}
    errors: dict[str, str] = {}
    if not values["discussed"] and not values["actions"]:
        errors["discussed"] = "Enter what was discussed or the actions agreed"
    for name, what in (("discussed", "What was discussed"), ("actions", "The actions agreed")):
        if len(values[name]) > NOTES_MAX:
            errors[name] = f"{what} must be {NOTES_MAX} characters or fewer"
    return values, errors


def save_notes(session: Session, session_id: int, values: Mapping[str, str]) -> SessionNote:
    row = session.get(SessionNote, session_id)
    if row is None:
        row = SessionNote(session_id=session_id)
        session.add(row)
    row.discussed, row.actions, row.updated_on = values["discussed"], values["actions"], today()
    return row

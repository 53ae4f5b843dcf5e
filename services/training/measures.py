"""The hub's confidence measure: the instrument, who is offered which stage, and storing answers.

The instrument is a versioned YAML file (``content/measures/confidence.yaml``) checked against
``content/schemas/confidence.schema.json`` and the rules below when the app starts, like the
modules and scenarios. A learner answers it at up to three stages:

- ``before``: offered until the learner marks their first module read (after that it would
  not be a baseline); they may skip it;
- ``after``: offered once the hub is complete (every D module's knowledge check passed and
  every scenario played to an ending);
- ``follow_up``: optional, offered from 90 days after the day they answered ``after``; it
  first asks whether they had a chance to act, and which Ds they used.

Answers are final: one set per learner per stage, and a second set for a stage already
answered is refused (a "before" retaken after some learning would no longer be a baseline, and
an "after" retaken until it looks better would flatter the programme). They are kept against
the learner key with the day only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_common.models import today

from .curriculum import CONTENT_DIR, FIVE_DS, TAG_BY_CODE, ContentError, Curriculum, schema_problems
from .learning import Progress
from .models import CONFIDENCE_STAGES, ConfidenceResponse

BEFORE, AFTER, FOLLOW_UP = CONFIDENCE_STAGES
FOLLOW_UP_AFTER_DAYS = 90
ACTED = ("yes", "no", "not_sure")
INSTRUMENT_FILE = Path("measures") / "confidence.yaml"

# What a stage can be for one learner.
OPEN, TAKEN, CLOSED, NOT_YET = "open", "taken", "closed", "not_yet"


@dataclass(frozen=True)
class Point:
    value: int
    label: str

    @property
    def id(self) -> str:  # the radios macro's shape
        return str(self.value)

    @property
    def text(self) -> str:
        return f"{self.value}: {self.label}"


@dataclass(frozen=True)
class Item:
    id: str
    d: str
    text: str


@dataclass(frozen=True)
class StageText:
    title: str
    intro: str


@dataclass(frozen=True)
class ActedOption:
    id: str
    text: str


@dataclass(frozen=True)
class Instrument:
    version: int
    title: str
    intro: str
    privacy: str
    scale: tuple[Point, ...]
    stages: dict[str, StageText]
    acted_question: str
    acted_options: tuple[ActedOption, ...]
    which_ds: str
    items: tuple[Item, ...]

    def items_for(self, d: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.d == d)

    @property
    def values(self) -> frozenset[int]:
        return frozenset(p.value for p in self.scale)


def instrument_problems(data: Mapping[str, Any]) -> list[str]:
    """What a schema cannot say: unique item ids, one to three items for each of the five Ds, a
    scale of consecutive whole numbers in rising order, and each follow-up answer offered once."""
    problems = []
    ids = [i["id"] for i in data["items"]]
    for item_id in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"item id {item_id!r} is used twice")
    for d in FIVE_DS:
        count = sum(1 for i in data["items"] if i["d"] == d)
        if not 1 <= count <= 3:
            problems.append(f"{TAG_BY_CODE[d].label} has {count} items; each D needs one to three")
    values = [p["value"] for p in data["scale"]]
    if values != list(range(values[0], values[0] + len(values))):
        problems.append(f"the scale's values {values} are not consecutive whole numbers in rising order")
    acted = [o["id"] for o in data["follow_up"]["options"]]
    if sorted(acted) != sorted(ACTED):
        problems.append(f"the follow-up question must offer yes, no and not_sure once each, not {acted}")
    return problems


def load_instrument(root: Path = CONTENT_DIR) -> Instrument:
    path = root / INSTRUMENT_FILE
    name = INSTRUMENT_FILE.as_posix()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContentError([f"{name}: missing (the hub's confidence measure)"]) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ContentError([f"{name}: not readable YAML ({type(exc).__name__})"]) from None
    problems = schema_problems("confidence", data) or instrument_problems(data)
    if problems:
        raise ContentError([f"{name}: {p}" for p in problems])
    return Instrument(
        version=data["version"],
        title=data["title"],
        intro=data["intro"].strip(),
        privacy=data["privacy"].strip(),
        scale=tuple(Point(p["value"], p["label"]) for p in data["scale"]),
        stages={k: StageText(v["title"], v["intro"].strip()) for k, v in data["stages"].items()},
        acted_question=data["follow_up"]["question"].strip(),
        acted_options=tuple(ActedOption(o["id"], o["text"]) for o in data["follow_up"]["options"]),
        which_ds=data["follow_up"]["which_ds"].strip(),
        items=tuple(Item(i["id"], i["d"], " ".join(i["text"].split())) for i in data["items"]),
    )


# -- who is offered what -----------------------------------------------------------------------


def hub_complete(progress: Progress, curriculum: Curriculum) -> bool:
    """Every D module's knowledge check passed and every scenario played to an ending."""
    d_modules = [m.id for m in curriculum.modules if m.d in FIVE_DS]
    return all(progress.module_status(m) == "passed" for m in d_modules) and all(
        s.id in progress.scenarios and progress.scenarios[s.id].finished > 0 for s in curriculum.scenarios
    )


@dataclass(frozen=True)
class StageState:
    stage: str
    status: str  # open, taken, closed (before, once learning began) or not_yet
    answered_on: dt.date | None = None
    opens_on: dt.date | None = None  # follow_up: the first day it is offered


def responses(session: Session, learner: str) -> dict[str, ConfidenceResponse]:
    return {
        r.stage: r for r in session.scalars(select(ConfidenceResponse).where(ConfidenceResponse.learner == learner))
    }


def stage_states(
    session: Session, learner: str, progress: Progress, curriculum: Curriculum, on: dt.date | None = None
) -> dict[str, StageState]:
    on = on or today()
    answered = responses(session, learner)
    states: dict[str, StageState] = {}
    for stage in CONFIDENCE_STAGES:
        row = answered.get(stage)
        if row is not None:
            states[stage] = StageState(stage, TAKEN, answered_on=row.answered_on)
    if BEFORE not in states:
        states[BEFORE] = StageState(BEFORE, CLOSED if progress.read else OPEN)
    if AFTER not in states:
        states[AFTER] = StageState(AFTER, OPEN if hub_complete(progress, curriculum) else NOT_YET)
    if FOLLOW_UP not in states:
        after = answered.get(AFTER)
        if after is None:
            states[FOLLOW_UP] = StageState(FOLLOW_UP, NOT_YET)
        else:
            opens = after.answered_on + dt.timedelta(days=FOLLOW_UP_AFTER_DAYS)
            states[FOLLOW_UP] = StageState(FOLLOW_UP, OPEN if on >= opens else NOT_YET, opens_on=opens)
    return states


# -- answering ---------------------------------------------------------------------------------


class AnswerRefused(Exception):
    """Answers that cannot be stored: the stage is not open to this learner (already answered,
    closed, or not yet offered)."""


@dataclass(frozen=True)
class Answers:
    scores: dict[str, int]
    acted: str | None
    ds_used: tuple[str, ...]


def read_form(instrument: Instrument, stage: str, form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """What the learner sent, as typed (to show again), and an error per field left wrong.

    ``form`` is a werkzeug MultiDict or a plain mapping of field name to value (``ds_used`` a list).
    """
    kept: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if stage == FOLLOW_UP:
        acted = str(form.get("acted", ""))
        getlist = getattr(form, "getlist", None)
        ds = list(getlist("ds_used")) if getlist else list(form.get("ds_used", ()))
        kept["acted"], kept["ds_used"] = acted, [d for d in ds if d in FIVE_DS]
        if acted not in ACTED:
            errors["acted"] = "Select whether you had a chance to act"
        elif acted == "yes" and not kept["ds_used"]:
            errors["ds_used"] = "Select the Ds you used, at least one"
    values = instrument.values
    for number, item in enumerate(instrument.items, 1):
        raw = str(form.get(item.id, ""))
        kept[item.id] = raw
        if not raw.isdigit() or int(raw) not in values:
            errors[item.id] = f"Select how confident you feel for statement {number}"
    return kept, errors


def to_answers(instrument: Instrument, stage: str, kept: Mapping[str, Any]) -> Answers:
    """Answers from a form that ``read_form`` found no error in."""
    scores = {item.id: int(kept[item.id]) for item in instrument.items}
    if stage != FOLLOW_UP:
        return Answers(scores, None, ())
    acted = kept["acted"]
    ds = tuple(d for d in FIVE_DS if d in kept["ds_used"]) if acted == "yes" else ()
    return Answers(scores, acted, ds)


def record(
    session: Session,
    learner: str,
    stage: str,
    instrument: Instrument,
    answers: Answers,
    state: StageState,
    on: dt.date | None = None,
) -> ConfidenceResponse:
    """Store one learner's answers for a stage that is open to them; anything else is refused."""
    if state.status != OPEN:
        raise AnswerRefused(state.status)
    if session.get(ConfidenceResponse, (learner, stage)) is not None:  # answered in another tab meanwhile
        raise AnswerRefused(TAKEN)
    row = ConfidenceResponse(
        learner=learner,
        stage=stage,
        instrument_version=instrument.version,
        answered_on=on or today(),
        scores=dict(answers.scores),
        acted=answers.acted,
        ds_used=list(answers.ds_used),
    )
    session.add(row)
    session.flush()
    return row

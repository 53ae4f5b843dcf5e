"""The programme evaluation report: sixteen areas, the lead's narrative for each, the programme's
costs, and the figures the hub's own data can answer (reach, completion, confidence change,
follow-up behaviour, session ratings, cost per completer).

Every figure about learners is k-safe: a count of learners from 1 to 9 is ``[c]`` and larger
counts are rounded to the nearest 5 (learning.protect); a rating, a share or a cost per
completer is only shown for a group of at least K. Narratives and costs are written by leads
and hold nothing about any learner.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from portal_common.models import today

from . import confidence_stats
from .curriculum import FIVE_DS, TAG_BY_CODE, Curriculum
from .learning import FINISHED, K, protect
from .measures import AFTER, BEFORE, FOLLOW_UP, Instrument
from .models import (
    SESSION_KINDS,
    CheckResult,
    CohortSession,
    ConfidenceResponse,
    EvaluationNarrative,
    ModuleCompletion,
    ProgrammeCost,
    ScenarioRun,
    SessionRating,
)

NARRATIVE_LIMIT = 6000
DESCRIPTION_LIMIT = 200
MAX_PENCE = 10_000_000 * 100  # ten million pounds: anything larger is a typing slip


@dataclass(frozen=True)
class Area:
    code: str
    title: str
    question: str  # what the lead's narrative should answer
    figures: tuple[str, ...]  # which of the hub's figures belong here


# The 16 areas of the evaluation framework, in the report's order.
AREAS: tuple[Area, ...] = (
    Area("overall_effectiveness", "Overall effectiveness",
         "Did the programme do what it set out to do? Weigh the evidence below against its aims.", ("confidence",)),
    Area("relevance", "Relevance",
         "How well did the programme fit the needs of staff, teams and the organisation?", ()),
    Area("efficiency", "Efficiency",
         "Were time, money and people used well? Could the same results be reached for less?", ("cost",)),
    Area("implementation", "Implementation",
         "Was the programme delivered as planned? What changed along the way, and why?", ("reach",)),
    Area("stakeholder_engagement", "Stakeholder engagement",
         "Who was involved (board, managers, staff networks, unions, guardians) and how?", ()),
    Area("participation", "Participation and accessibility",
         "Who took part and who did not? What made it easier or harder to join in?", ("reach",)),
    Area("quality", "Quality",
         "How good were the sessions and materials, in the eyes of those who took part?", ("ratings",)),
    Area("learning_adaptation", "Learning and adaptation",
         "What did the team learn while running it, and what did they change as a result?", ()),
    Area("sustainability", "Sustainability",
         "Can the programme carry on without extra funding: trainers, champions, ownership?", ()),
    Area("impact_cohort", "Impact on the cohort",
         "What changed for the people in each cohort?", ("cohorts",)),
    Area("collaboration", "Collaboration",
         "Which partners worked together, and what did working together add?", ()),
    Area("communication", "Communication",
         "How was the programme explained to staff and leaders, and did the message land?", ()),
    Area("cost_benefit", "Cost-benefit",
         "Set what the programme cost against what it achieved.", ("cost",)),
    Area("monitoring", "Monitoring",
         "What was measured, how often, and how complete is the evidence?", ("monitoring",)),
    Area("long_term_impact", "Long-term impact",
         "Months later, are people acting as active bystanders?", ("follow_up",)),
    Area("recommendations", "Recommendations",
         "What should happen next: keep, change, stop, or spread to other teams?", ()),
)
AREA_BY_CODE = {a.code: a for a in AREAS}


# -- the lead's narrative and costs ------------------------------------------------------------


def narratives(session: Session) -> dict[str, EvaluationNarrative]:
    return {n.area: n for n in session.scalars(select(EvaluationNarrative))}


def narrative_error(text: str) -> str | None:
    if len(text) > NARRATIVE_LIMIT:
        return f"The narrative must be {NARRATIVE_LIMIT:,} characters or fewer; it is {len(text):,}"
    return None


def save_narrative(session: Session, area: Area, text: str, on: dt.date | None = None) -> None:
    """Keep what the lead wrote for one area; an empty text clears it."""
    text = text.strip()
    row = session.get(EvaluationNarrative, area.code)
    if not text:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(EvaluationNarrative(area=area.code, text=text, updated_on=on or today()))
    else:
        row.text, row.updated_on = text, on or today()


AMOUNT = re.compile(r"^£?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")


def parse_amount(raw: str) -> tuple[int | None, str | None]:
    """Pence from what the lead typed ("£1,250.50", "300", "12.5"), or an error saying what is wrong."""
    text = raw.strip()
    if not text:
        return None, "Enter the amount, in pounds"
    if not AMOUNT.match(text):
        return None, "Enter the amount in pounds and pence, like 1250 or 1,250.50"
    try:
        pence = int(Decimal(text.lstrip("£").strip().replace(",", "")) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None, "Enter the amount in pounds and pence, like 1250 or 1,250.50"
    if pence <= 0:
        return None, "The amount must be more than £0"
    if pence > MAX_PENCE:
        return None, "The amount must be £10,000,000 or less"
    return pence, None


def cost_errors(description: str, amount: str) -> tuple[int | None, dict[str, str]]:
    errors = {}
    if not description.strip():
        errors["description"] = "Enter what the cost was for"
    elif len(description.strip()) > DESCRIPTION_LIMIT:
        errors["description"] = f"The description must be {DESCRIPTION_LIMIT} characters or fewer"
    pence, problem = parse_amount(amount)
    if problem:
        errors["amount"] = problem
    return pence, errors


def costs(session: Session) -> list[ProgrammeCost]:
    return list(session.scalars(select(ProgrammeCost).order_by(ProgrammeCost.id)))


def pounds(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


# -- what the hub's data answers ----------------------------------------------------------------


def started(session: Session) -> set[str]:
    """Learners who read a module or began a scenario."""
    read = set(session.scalars(select(ModuleCompletion.learner).distinct()))
    return read | set(session.scalars(select(ScenarioRun.learner).distinct()))


def completed(session: Session, curriculum: Curriculum) -> set[str]:
    """Learners who passed every D module's check and played every scenario to an ending
    (the same rule as measures.hub_complete)."""
    d_modules = [m.id for m in curriculum.modules if m.d in FIVE_DS]
    scenarios = [s.id for s in curriculum.scenarios]
    passed = set(
        session.scalars(
            select(CheckResult.learner)
            .where(CheckResult.passed.is_(True), CheckResult.module_id.in_(d_modules))
            .group_by(CheckResult.learner)
            .having(func.count(func.distinct(CheckResult.module_id)) == len(d_modules))
        )
    )
    finished = set(
        session.scalars(
            select(ScenarioRun.learner)
            .where(ScenarioRun.status == FINISHED, ScenarioRun.scenario_id.in_(scenarios))
            .group_by(ScenarioRun.learner)
            .having(func.count(func.distinct(ScenarioRun.scenario_id)) == len(scenarios))
        )
    )
    return passed & finished


@dataclass(frozen=True)
class Ratings:
    kind: str
    label: str
    ratings: str  # protected count
    mean: str
    useful: str  # share rating 4 or 5


KIND_LABELS = {
    "workshop": "Workshops",
    "board_session": "Board sessions",
    "action_learning_set": "Action learning sets",
    "train_the_trainer": "Train-the-trainer",
    "community_of_practice": "Community of practice",
}


def ratings(session: Session, k: int = K) -> list[Ratings]:
    """Session ratings by kind of session: how many, the mean, and the share who rated 4 or 5."""
    rows = session.execute(
        select(CohortSession.kind, SessionRating.rating)
        .join(CohortSession, CohortSession.id == SessionRating.session_id)
    ).all()
    result = []
    for kind in SESSION_KINDS:
        values = [r for kd, r in rows if kd == kind]
        if not values:
            continue
        if len(values) < k:
            result.append(Ratings(kind, KIND_LABELS.get(kind, kind), "[c]", "[c]", "[c]"))
            continue
        result.append(
            Ratings(
                kind,
                KIND_LABELS.get(kind, kind),
                protect(len(values)),
                f"{sum(values) / len(values):.1f} out of 5",
                f"{round(100 * sum(1 for v in values if v >= 4) / len(values))}%",
            )
        )
    return result


@dataclass(frozen=True)
class Figures:
    made_on: dt.date
    k: int
    started: str
    completed: str
    completion_share: str
    answered: dict[str, str]  # stage -> protected count of learners who answered it
    confidence: confidence_stats.Report
    ratings: list[Ratings]
    total_cost: str
    cost_count: int
    cost_per_completer: str

    def follow_up_rows(self) -> list[tuple[str, str]]:
        """The follow-up as label and figure: whether people had a chance to act, which Ds they used."""
        fu = self.confidence.follow_up
        rows = [(confidence_stats.ACTED_LABELS[a], f"{count} ({share})") for a, (count, share) in fu.acted.items()]
        rows += [(f"Used {TAG_BY_CODE[d].label} (share of those who acted)", f"{count} ({share})")
                 for d, (count, share) in fu.ds_used.items()]
        return rows


def _completion_share(began: int, done: int, k: int) -> str:
    if not began:
        return "-"
    if began < k or 0 < done < k:
        return "[c]"
    return f"{round(100 * done / began)}%"


def figures(session: Session, curriculum: Curriculum, instrument: Instrument, k: int = K) -> Figures:
    began = started(session)
    done = completed(session, curriculum)
    answered_counts = dict(
        session.execute(
            select(ConfidenceResponse.stage, func.count()).group_by(ConfidenceResponse.stage)
        ).all()
    )
    total = sum(c.amount_pence for c in costs(session))
    count = session.scalar(select(func.count()).select_from(ProgrammeCost)) or 0
    if not total:
        per_completer = "No costs entered yet"
    elif len(done) < k:
        per_completer = "[c]"
    else:
        per_completer = pounds(round(total / len(done)))
    return Figures(
        made_on=today(),
        k=k,
        started=protect(len(began)),
        completed=protect(len(done)),
        completion_share=_completion_share(len(began), len(done), k),
        answered={s: protect(answered_counts.get(s, 0)) for s in (BEFORE, AFTER, FOLLOW_UP)},
        confidence=confidence_stats.report(session, instrument, k),
        ratings=ratings(session, k),
        total_cost=pounds(total),
        cost_count=count,
        cost_per_completer=per_completer,
    )


# -- the PDF ---------------------------------------------------------------------------------


class NothingFetched(URLFetcher):
    """A URL fetcher that refuses every address: the report is made from its own HTML alone."""

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else "relative"
        raise ValueError(f"the evaluation report fetches nothing, and was asked for a {scheme} address")


def render_pdf(html: str) -> bytes:
    pdf = HTML(string=html, base_url=None, url_fetcher=NothingFetched()).write_pdf()
    if not pdf:
        raise RuntimeError("WeasyPrint made no PDF")
    return bytes(pdf)


def paragraphs(text: str) -> list[str]:
    """A narrative's paragraphs: split on blank lines, each with its lines joined."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]

"""What analytics tells intake it has published: "you said, we did" actions, their
withdrawal, and release periods; and what training tells it: a case study made from a
report has been published to its case library, or has left it. The worker applies these events (each once, through the
inbox); the public page and receipts read what they leave behind.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_common.events import Event
from portal_common.models import today
from portal_common.taxonomy import PREFER_NOT_TO_SAY

from ..models import (
    CASE_PUBLISHED,
    CASE_WITHDRAWN,
    PENDING,
    PublishedAction,
    PublishedPeriod,
    Submission,
    WithdrawnAction,
)
from .events import week_start

log = logging.getLogger("portal.intake")

PAGE_SIZE = 20


def apply_action_published(session: Session, event: Event) -> None:
    payload = event.payload
    action_id = str(payload["action_id"])
    if session.get(WithdrawnAction, action_id) is not None:
        return  # withdrawn already (the withdrawal overtook its publication): stays gone
    action = session.get(PublishedAction, action_id)
    if action is None:
        last = session.scalar(select(func.max(PublishedAction.position))) or 0
        action = PublishedAction(id=action_id, position=last + 1)
        session.add(action)
    action.title = payload["title"]
    action.you_said = payload["you_said"]
    action.we_did = payload["we_did"]
    action.themes = sorted(payload["themes"])
    action.characteristics = sorted(payload["characteristics"])
    action.organisation = payload["organisation"]
    action.published_week = payload["published_week"]
    log.info("action published", extra={"event_id": str(event.id)})


def apply_action_withdrawn(session: Session, event: Event) -> None:
    action_id = str(event.payload["action_id"])
    action = session.get(PublishedAction, action_id)
    if action is not None:
        session.delete(action)
    if session.get(WithdrawnAction, action_id) is None:
        session.add(WithdrawnAction(id=action_id, withdrawn_on=today()))
    log.info("action withdrawn", extra={"event_id": str(event.id)})


def apply_release_published(session: Session, event: Event) -> None:
    payload = event.payload
    period = session.get(PublishedPeriod, (payload["kind"], payload["starts_on"]))
    if period is None:
        session.add(PublishedPeriod(kind=payload["kind"], starts_on=payload["starts_on"], ends_on=payload["ends_on"]))
    else:
        period.ends_on = payload["ends_on"]


def apply_case_published(session: Session, event: Event) -> None:
    """case.published: a case study made from the report is in training's library. Ignored
    once the case has left it, or once the reporter withdrew (a late or re-sent event)."""
    submission = session.get(Submission, str(event.payload["report_id"]))
    if submission is None or submission.training_case == CASE_WITHDRAWN or not submission.training_use_agreed:
        return
    submission.training_case = CASE_PUBLISHED
    log.info("training case published", extra={"event_id": str(event.id)})


def apply_case_withdrawn(session: Session, event: Event) -> None:
    """case.withdrawn: the case has left training's library, for good."""
    submission = session.get(Submission, str(event.payload["report_id"]))
    if submission is not None:
        submission.training_case = CASE_WITHDRAWN
    log.info("training case withdrawn", extra={"event_id": str(event.id)})


# -- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionsPage:
    actions: list[PublishedAction]
    page: int
    pages: int
    total: int


def newest_first(session: Session, page: int = 1, theme: str | None = None) -> ActionsPage:
    """Published actions, the newest first, ``PAGE_SIZE`` at a time (optionally one theme's)."""
    query = select(PublishedAction)
    if theme:
        # Few actions, so the theme filter runs here rather than in JSON-aware SQL per backend.
        every = list(
            session.scalars(query.order_by(PublishedAction.published_week.desc(), PublishedAction.position.desc()))
        )
        chosen = [a for a in every if theme in a.themes]
        total = len(chosen)
        pages = max(1, -(-total // PAGE_SIZE))
        page = max(1, min(page, pages))
        return ActionsPage(chosen[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], page, pages, total)
    total = session.scalar(select(func.count()).select_from(PublishedAction)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = max(1, min(page, pages))
    rows = session.scalars(
        query.order_by(PublishedAction.published_week.desc(), PublishedAction.position.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return ActionsPage(list(rows), page, pages, total)


def in_published_period(session: Session, submission: Submission) -> bool:
    """Has the report been counted in a release leads can see?

    Analytics knows a report only by the Monday of the week it was sent, and counts it in
    the period holding that Monday; the same day is compared here. A report still waiting
    for redaction has not reached analytics, so it is never counted yet.
    """
    if submission.status == PENDING:
        return False
    week = week_start(submission.submitted_on)
    query = select(PublishedPeriod.kind).where(PublishedPeriod.starts_on <= week, PublishedPeriod.ends_on >= week)
    return session.scalar(query.limit(1)) is not None


def matching_actions(
    session: Session, themes: Iterable[str], characteristics: Iterable[str], organisation: str | None
) -> list[PublishedAction]:
    """Published actions that answer any of a report's themes or characteristics. An action
    for one organisation is left out when the report names a different one (a reporter who
    preferred not to say, or was never asked, sees every organisation's)."""
    if organisation == PREFER_NOT_TO_SAY:
        organisation = None
    wanted_themes, wanted_characteristics = set(themes), set(characteristics)
    if not (wanted_themes or wanted_characteristics):
        return []
    found = []
    query = select(PublishedAction).order_by(PublishedAction.published_week.desc(), PublishedAction.position.desc())
    for action in session.scalars(query):
        if action.organisation and organisation and action.organisation != organisation:
            continue
        if wanted_themes & set(action.themes) or wanted_characteristics & set(action.characteristics):
            found.append(action)
    return found


def action_view(action: PublishedAction, organisation_names: Mapping[str, str]) -> dict[str, Any]:
    """What a page or the API shows of an action."""
    organisation = action.organisation
    return {
        "id": action.id,
        "title": action.title,
        "you_said": action.you_said,
        "we_did": action.we_did,
        "themes": list(action.themes),
        "characteristics": list(action.characteristics),
        "organisation": organisation,
        "organisation_name": organisation_names.get(organisation, organisation) if organisation else None,
        "published_week": action.published_week,
    }


def week_label(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"

"""'You said, we did': leads draft actions, a second lead approves them where the
organisation asks for that, and publishing or withdrawing one queues an event for intake.

Each function takes a session and commits nothing: the view's unit of work commits the
change, its audit entry and its outbox event together, or none of them. Who may do what:

- a lead whose scope is one organisation sees that organisation's actions and the
  system-wide ones, and acts only on their organisation's; a "system" lead acts on all;
- an action needs a second lead when ``needs_approval(organisation)`` says so (the
  PORTAL_ANALYTICS_APPROVAL_REQUIRED setting); the approver must not have written,
  edited or submitted it;
- only drafts can be edited; a published action cannot be changed, only withdrawn, and a
  withdrawn action stays withdrawn (intake may already have shown it: a new action is
  drafted instead).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import ColumnElement, case, or_, select
from sqlalchemy.orm import Session

from portal_common.events import derived_id, make_event
from portal_common.models import today as utc_today
from portal_common.outbox import add_event
from portal_common.roles import SYSTEM_SCOPE

from . import audit
from .action_schemas import ActionInputSchema
from .models import AWAITING_APPROVAL, DRAFT, PUBLISHED, WITHDRAWN, Action, Outbox

NeedsApproval = Callable[[str | None], bool]
_INPUT = ActionInputSchema()


class NotFound(Exception):
    """No such action, or not one this lead may see."""


class Invalid(Exception):
    """What was typed cannot be stored: ``errors`` maps each field to one message."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__("invalid action")
        self.errors = dict(errors)


class Refused(Exception):
    """The action cannot take this step, or not from this lead: ``message`` says why."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Lead:
    """The signed-in lead, as the rules above need them."""

    subject: str  # the identity provider's stable id for this person
    name: str  # how they are shown on actions and in the audit log
    scope: str | None  # "system", an organisation's code, or None (no scope given)

    @classmethod
    def from_staff(cls, user: Any) -> Lead:
        return cls(user.subject, user.email or user.display_name or user.subject, user.lead_scope)

    @property
    def system(self) -> bool:
        return self.scope == SYSTEM_SCOPE

    def can_see(self, organisation: str | None) -> bool:
        return self.system or organisation is None or (self.scope is not None and organisation == self.scope)

    def can_act_for(self, organisation: str | None) -> bool:
        return self.system or (self.scope is not None and organisation == self.scope)


NO_SCOPE = (
    "Your sign-in does not say which organisation you lead for, so you cannot draft or change "
    "actions. Ask an administrator to set your lead scope."
)
OTHER_ORGANISATION = "Only leads for {org} can change this action."
SYSTEM_ONLY = "Only leads for the whole system can change an action that covers every organisation."
SAME_PERSON = (
    "You cannot approve this action because you wrote, edited or submitted it. "
    "A different lead must approve it before it is published."
)


def _first_messages(messages: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    if not isinstance(messages, dict):
        return {"_schema": str(messages)}
    for field, value in messages.items():
        while isinstance(value, dict | list):
            value = next(iter(value.values())) if isinstance(value, dict) else (value[0] if value else "")
        found[str(field)] = str(value)
    return found


def _load(values: Mapping[str, Any]) -> dict[str, Any]:
    wanted = ("title", "you_said", "we_did", "themes", "characteristics", "organisation")
    try:
        return _INPUT.load({key: values[key] for key in wanted if key in values})
    except ValidationError as exc:
        raise Invalid(_first_messages(exc.messages)) from None


def _organisation(lead: Lead, chosen: str | None, known: Collection[str]) -> str | None:
    """The organisation an action is for: a scoped lead's own; a system lead's choice."""
    if lead.scope is None:
        raise Refused(NO_SCOPE, 403)
    if not lead.system:
        return lead.scope
    if chosen is not None and chosen not in known:
        raise Invalid({"organisation": "Choose every organisation or one organisation from the list"})
    return chosen


def _may_change(lead: Lead, action: Action) -> None:
    if lead.scope is None:
        raise Refused(NO_SCOPE, 403)
    if not lead.can_act_for(action.organisation):
        raise Refused(
            SYSTEM_ONLY if action.organisation is None else OTHER_ORGANISATION.format(org=action.organisation), 403
        )


def _in_state(action: Action, *states: str, message: str) -> None:
    if action.status not in states:
        raise Refused(message)


def _detail(action: Action) -> str:
    return f"{action.title} ({action.organisation or 'every organisation'})"


def _log(session: Session, lead: Lead, what: str, action: Action) -> None:
    audit.record(session, lead.name, what, audit.action_target(action), _detail(action))


def _authored(action: Action, lead: Lead) -> None:
    if lead.subject not in action.author_subjects:
        action.author_subjects = [*action.author_subjects, lead.subject]


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _published_event(action: Action):
    assert action.published_on is not None
    return make_event(
        "action.published",
        {
            "action_id": uuid.UUID(action.id),
            "title": action.title,
            "you_said": action.you_said,
            "we_did": action.we_did,
            "themes": list(action.themes),
            "characteristics": list(action.characteristics),
            "organisation": action.organisation,
            "published_week": week_start(action.published_on),
        },
        "analytics",
        event_id=derived_id("action.published", action.id),
    )


def _withdrawn_event(action: Action):
    return make_event(
        "action.withdrawn",
        {"action_id": uuid.UUID(action.id)},
        "analytics",
        event_id=derived_id("action.withdrawn", action.id),
    )


# -- reading ----------------------------------------------------------------------------

_ORDER = case({AWAITING_APPROVAL: 0, DRAFT: 1, PUBLISHED: 2, WITHDRAWN: 3}, value=Action.status, else_=4)


def visible(session: Session, lead: Lead) -> list[Action]:
    """The actions this lead may see: waiting for approval first, then drafts, published, withdrawn."""
    query = select(Action)
    if not lead.system:
        mine: list[ColumnElement[bool]] = [Action.organisation.is_(None)]
        if lead.scope is not None:
            mine.append(Action.organisation == lead.scope)
        query = query.where(or_(*mine))
    return list(session.scalars(query.order_by(_ORDER, Action.updated_on.desc(), Action.title)))


def find(session: Session, lead: Lead, action_id: str, *, lock: bool = False) -> Action:
    try:
        uuid.UUID(action_id)
    except ValueError:
        raise NotFound from None
    action = session.get(Action, action_id, with_for_update=lock or None)
    if action is None or not lead.can_see(action.organisation):
        raise NotFound
    return action


# -- changing ---------------------------------------------------------------------------


def draft(
    session: Session,
    lead: Lead,
    values: Mapping[str, Any],
    *,
    organisations: Collection[str],
    today: dt.date | None = None,
) -> Action:
    """A new draft from what the lead typed."""
    data = _load(values)
    organisation = _organisation(lead, data["organisation"], organisations)
    day = today or utc_today()
    action = Action(
        id=str(uuid.uuid4()),
        title=data["title"],
        you_said=data["you_said"],
        we_did=data["we_did"],
        themes=data["themes"],
        characteristics=data["characteristics"],
        organisation=organisation,
        status=DRAFT,
        author_subjects=[lead.subject],
        created_by=lead.name,
        created_on=day,
        updated_by=lead.name,
        updated_on=day,
    )
    session.add(action)
    _log(session, lead, "action.drafted", action)
    return action


def edit(
    session: Session,
    lead: Lead,
    action_id: str,
    values: Mapping[str, Any],
    *,
    organisations: Collection[str],
    today: dt.date | None = None,
) -> Action:
    action = find(session, lead, action_id, lock=True)
    _may_change(lead, action)
    _in_state(
        action,
        DRAFT,
        message="Only a draft can be changed. Return it to draft first, or, once "
        "it is published, withdraw it and draft a new action.",
    )
    data = _load(values)
    organisation = _organisation(lead, data["organisation"], organisations)
    for key in ("title", "you_said", "we_did", "themes", "characteristics"):
        setattr(action, key, data[key])
    action.organisation = organisation
    action.updated_by, action.updated_on = lead.name, today or utc_today()
    _authored(action, lead)
    _log(session, lead, "action.edited", action)
    return action


def submit(
    session: Session, lead: Lead, action_id: str, needs_approval: NeedsApproval, today: dt.date | None = None
) -> Action:
    """Ask a second lead to approve a draft."""
    action = find(session, lead, action_id, lock=True)
    _may_change(lead, action)
    _in_state(action, DRAFT, message="Only a draft can be submitted for approval.")
    if not needs_approval(action.organisation):
        raise Refused("This action does not need a second lead's approval: publish it instead.")
    day = today or utc_today()
    action.status = AWAITING_APPROVAL
    action.submitted_by, action.submitted_on = lead.name, day
    action.updated_by, action.updated_on = lead.name, day
    _authored(action, lead)
    _log(session, lead, "action.submitted", action)
    return action


def send_back(session: Session, lead: Lead, action_id: str, today: dt.date | None = None) -> Action:
    """Return an action waiting for approval to draft, so it can be changed."""
    action = find(session, lead, action_id, lock=True)
    _may_change(lead, action)
    _in_state(action, AWAITING_APPROVAL, message="Only an action waiting for approval can be returned to draft.")
    action.status = DRAFT
    action.submitted_by = action.submitted_on = None
    action.updated_by, action.updated_on = lead.name, today or utc_today()
    _log(session, lead, "action.returned_to_draft", action)
    return action


def _publish(session: Session, lead: Lead, action: Action, day: dt.date) -> None:
    action.status = PUBLISHED
    action.published_by, action.published_on = lead.name, day
    action.updated_by, action.updated_on = lead.name, day
    add_event(session, Outbox, _published_event(action))
    _log(session, lead, "action.published", action)


def approve(session: Session, lead: Lead, action_id: str, today: dt.date | None = None) -> Action:
    """A second lead approves an action, which publishes it."""
    action = find(session, lead, action_id, lock=True)
    _may_change(lead, action)
    _in_state(action, AWAITING_APPROVAL, message="Only an action waiting for approval can be approved.")
    if lead.subject in action.author_subjects:
        raise Refused(SAME_PERSON, 403)
    day = today or utc_today()
    action.approved_by, action.approved_on = lead.name, day
    _log(session, lead, "action.approved", action)
    _publish(session, lead, action, day)
    return action


def publish(
    session: Session, lead: Lead, action_id: str, needs_approval: NeedsApproval, today: dt.date | None = None
) -> Action:
    """Publish a draft that needs no second lead."""
    action = find(session, lead, action_id, lock=True)
    _may_change(lead, action)
    _in_state(action, DRAFT, message="Only a draft can be published this way.")
    if needs_approval(action.organisation):
        where = f"Actions for {action.organisation}" if action.organisation else "Actions covering every organisation"
        raise Refused(
            f"{where} need a second lead's approval before they are published: submit it for approval instead."
        )
    _publish(session, lead, action, today or utc_today())
    return action


def withdraw(session: Session, lead: Lead, action_id: str, today: dt.date | None = None) -> Action:
    """Take a published action down: intake stops showing it."""
    action = find(session, lead, action_id, lock=True)
    _may_change(lead, action)
    _in_state(action, PUBLISHED, message="Only a published action can be withdrawn.")
    day = today or utc_today()
    action.status = WITHDRAWN
    action.withdrawn_by, action.withdrawn_on = lead.name, day
    action.updated_by, action.updated_on = lead.name, day
    add_event(session, Outbox, _withdrawn_event(action))
    _log(session, lead, "action.withdrawn", action)
    return action

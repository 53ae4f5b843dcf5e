"""Staff roles: who may do what in the hub, analytics and accounts.

Reporters never sign in and have no role. A person may hold several roles. The names are
what the accounts service puts in the ``roles`` claim and what a trust's own identity
provider is mapped onto (see ``signin``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    summary: str


ROLE_LIST: tuple[Role, ...] = (
    Role("learner", "Learner", "Any member of staff: the active-bystander hub, scenarios and certificates."),
    Role("trainer", "Trainer", "Runs cohorts and sessions and turns cleared, consented cases into training aids."),
    Role("reviewer", "Reviewer",
         "Reads redacted training candidates the redactor flagged, masks what is left and clears them."),
    Role("lead", "Lead", "Inclusion, HR or OD lead: analytics, exports and publishing 'you said, we did' actions."),
    Role("admin", "Administrator", "Invites staff, gives and removes roles, disables accounts, reads the audit log."),
)
ROLES: tuple[str, ...] = tuple(r.code for r in ROLE_LIST)
BY_CODE: dict[str, Role] = {r.code: r for r in ROLE_LIST}

# Roles that see sensitive material or control others: a second factor is mandatory.
SECOND_FACTOR_REQUIRED: frozenset[str] = frozenset({"reviewer", "lead", "admin"})
# Roles whose sessions end after the shorter idle timeout.
SHORT_IDLE: frozenset[str] = frozenset({"lead", "admin"})
# A lead's scope: the whole system, or one organisation's code.
SYSTEM_SCOPE = "system"


def clean_roles(values) -> tuple[str, ...]:
    """Known roles only, in the canonical order, each once."""
    wanted = {str(v).strip().lower() for v in values or ()}
    return tuple(code for code in ROLES if code in wanted)


def needs_second_factor(roles) -> bool:
    return bool(SECOND_FACTOR_REQUIRED & set(roles))


def short_idle(roles) -> bool:
    return bool(SHORT_IDLE & set(roles))

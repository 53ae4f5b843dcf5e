"""What a signed-in lead may act on, and how the audit log names them.

A lead's sign-in scope is "system" (every organisation and the whole system) or one
organisation's code. Targets and benchmark uploads carry a scope of their own ("" for the
whole system, as in release cells), and a lead may only see or change those their sign-in
scope covers: anything else is refused with 403.
"""

from __future__ import annotations

from flask import abort, make_response

from portal_common import organisations
from portal_common.roles import SYSTEM_SCOPE
from portal_common.signin import StaffUser, current_staff
from portal_common.staff_web import render_error

from .published import SYSTEM, organisation_names, scope_label


def lead() -> StaffUser:
    staff = current_staff()
    if staff is None:  # role_required runs first; this is only a guard
        abort(401)
    return staff


def is_system_lead(staff: StaffUser) -> bool:
    return staff.lead_scope == SYSTEM_SCOPE


def organisation_codes() -> list[str]:
    return [org.code for org in organisations.load()]


def scopes_for(staff: StaffUser) -> list[str]:
    """Release scopes this lead may choose: the whole system and every organisation, or their own."""
    if is_system_lead(staff):
        return [SYSTEM, *organisation_codes()]
    return [staff.lead_scope] if staff.lead_scope else []


def covers(staff: StaffUser, scope: str) -> bool:
    """Whether the lead's scope covers a target's or an upload's scope."""
    if is_system_lead(staff):
        return True
    return bool(staff.lead_scope) and scope == staff.lead_scope


def require(staff: StaffUser, scope: str) -> None:
    """Stop with 403 unless the lead's scope covers ``scope``."""
    if not covers(staff, scope):
        own = scope_label(staff.lead_scope or "", organisation_names()) if staff.lead_scope else "no organisation"
        abort(
            make_response(
                render_error(
                    403,
                    "You cannot see or change this",
                    f"Your lead access covers {own} only. Ask an administrator if you need to work on figures "
                    "for the whole system or another organisation.",
                )
            )
        )


def actor(staff: StaffUser) -> str:
    """The lead as the audit log names them (email address, else name, else subject)."""
    return staff.email or staff.display_name or staff.subject

"""Administrators: accounts, invitations, roles, disabling, and the audit log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from portal_common import organisations
from portal_common.roles import BY_CODE, ROLE_LIST, SYSTEM_SCOPE, clean_roles

from .. import operations as ops
from ..mail import MailError
from ..models import Account, AuditEvent, Invitation
from ..web import admin_required, db, ext, minute_text, signed_in
from .auth import EMAIL

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50
ACTIONS = (
    "sign_in", "sign_in.second_factor", "sign_in.failed", "sign_in.locked", "sign_in.locked_out_attempt",
    "second_factor.failed", "second_factor.locked", "second_factor.set_up", "recovery_codes.regenerated",
    "sign_out", "sign_out.everywhere", "password.changed", "invitation.sent", "invitation.resent",
    "invitation.revoked", "registration.requested", "account.created", "roles.changed", "account.disabled",
    "account.enabled",
)


def _nav(current: str):
    items = [("Accounts", url_for("admin.accounts"), "accounts"), ("Invite someone", url_for("admin.invite"), "invite"),
             ("Audit log", url_for("admin.audit_log"), "audit"), ("Your account", url_for("account.home"), "me")]
    return [{"label": label, "href": href, "current": key == current} for label, href, key in items]


def _scope_choices():
    return [{"code": SYSTEM_SCOPE, "label": "The whole system"}] + [
        {"code": org.code, "label": org.name} for org in organisations.load()
    ]


def _check_roles_and_scope(form) -> tuple[tuple[str, ...], str | None, dict[str, str]]:
    errors: dict[str, str] = {}
    roles = clean_roles(form.getlist("roles"))
    scope = form.get("lead_scope") or SYSTEM_SCOPE
    if not roles:
        errors["roles"] = "Select at least one role"
    if scope not in {c["code"] for c in _scope_choices()}:
        errors["lead_scope"] = "Select the whole system or one organisation"
    return roles, (scope if "lead" in roles else None), errors


def _send_invitation(email: str, name: str, token: str) -> None:
    settings = ext().ctx.settings
    link = settings.public_url("accounts") + url_for("auth.invitation", token=token)
    ext().mailer.send(email, "You have been invited to the staff portal", render_template(
        "accounts/email/invitation.txt", name=name, link=link, hours=settings.invitation_hours))


@bp.get("/")
@bp.get("/accounts")
@admin_required
def accounts():
    rows = db().scalars(select(Account).order_by(Account.display_name, Account.email)).all()
    listed = []
    for account in rows:
        roles, scope = ops.roles_of(db(), account.id)
        listed.append({"account": account, "roles": [BY_CODE[r].label for r in roles], "scope": scope})
    invites = db().scalars(select(Invitation).where(
        Invitation.used.is_(False), Invitation.revoked.is_(False), Invitation.kind == "invitation",
    ).order_by(Invitation.created_minute.desc())).all()
    now_minute = ext().ctx.minute()
    return render_template("accounts/admin/accounts.html", listed=listed, invites=invites, now_minute=now_minute,
                           minute_text=minute_text, staff_nav=_nav("accounts"))


@bp.route("/invite", methods=["GET", "POST"])
@admin_required
def invite():
    me = signed_in()
    assert me is not None
    errors: dict[str, str] = {}
    form = request.form
    email = (form.get("email") or "").strip()[:320]
    name = (form.get("name") or "").strip()[:200]
    roles: tuple[str, ...] = ("learner",)
    scope = form.get("lead_scope") or SYSTEM_SCOPE
    if request.method == "POST":
        if not email:
            errors["email"] = "Enter their email address"
        elif not EMAIL.match(email):
            errors["email"] = "Enter an email address in the correct format, like name@nhs.net"
        elif ops.find_by_email(db(), email) is not None:
            errors["email"] = "An account with this email address already exists. Change its roles instead"
        if not name:
            errors["name"] = "Enter their full name"
        roles, lead_scope, more = _check_roles_and_scope(form)
        errors.update(more)
        if not errors:
            token = ops.invite(db(), ext().ctx, email=email, name=name, roles=roles, lead_scope=lead_scope,
                               invited_by=me.account.id)
            try:
                _send_invitation(email.lower(), name, token)
            except MailError:
                db().rollback()
                errors["email"] = "The invitation email could not be sent. Nothing was saved. Try again later"
            else:
                ops.audit(db(), ext().ctx, "invitation.sent", actor=me.account.id,
                          detail=f"roles: {', '.join(roles)}" + (f"; lead scope: {lead_scope}" if lead_scope else ""))
                db().commit()
                flash(f"Invitation sent to {email.lower()}. The link works once and expires in "
                      f"{ext().ctx.settings.invitation_hours} hours.")
                return redirect(url_for("admin.accounts"))
    return render_template(
        "accounts/admin/invite.html", errors=errors, email=email, name=name, roles=roles, scope=scope,
        role_list=ROLE_LIST, scopes=_scope_choices(), staff_nav=_nav("invite"),
    ), 400 if errors else 200


@bp.route("/accounts/<account_id>", methods=["GET", "POST"])
@admin_required
def edit(account_id: str):
    me, account = _admin_and_account(account_id)
    old_roles, old_scope = ops.roles_of(db(), account.id)
    errors: dict[str, str] = {}
    roles, scope = old_roles, old_scope or SYSTEM_SCOPE
    if request.method == "POST":
        roles, lead_scope, errors = _check_roles_and_scope(request.form)
        scope = request.form.get("lead_scope") or SYSTEM_SCOPE
        if account.id == me.account.id and "admin" not in roles:
            errors["roles"] = "You cannot remove your own administrator role. Ask another administrator"
        if not errors:
            ops.set_roles(db(), account.id, roles, lead_scope)
            added = [r for r in roles if r not in old_roles]
            removed = [r for r in old_roles if r not in roles]
            parts = []
            if added:
                parts.append("added " + ", ".join(added))
            if removed:
                parts.append("removed " + ", ".join(removed))
            if lead_scope and lead_scope != old_scope:
                parts.append(f"lead scope {lead_scope}")
            if parts:
                ops.audit(db(), ext().ctx, "roles.changed", actor=me.account.id, target=account.id,
                          detail="; ".join(parts))
            db().commit()
            flash(f"Roles of {account.display_name} saved. Other services see the change on their next page.")
            return redirect(url_for("admin.accounts"))
    return render_template(
        "accounts/admin/edit.html", account=account, errors=errors, roles=roles, scope=scope, role_list=ROLE_LIST,
        scopes=_scope_choices(), me=me, staff_nav=_nav("accounts"),
    ), 400 if errors else 200


@bp.post("/accounts/<account_id>/disable")
@admin_required
def disable(account_id: str):
    me, account = _admin_and_account(account_id)
    if account.id == me.account.id:
        flash("You cannot disable your own account.")
        return redirect(url_for("admin.edit", account_id=account.id))
    account.disabled = True
    ended = ops.end_all_sessions(db(), account.id)
    ops.audit(db(), ext().ctx, "account.disabled", actor=me.account.id, target=account.id,
              detail=f"{ended} session(s) ended")
    db().commit()
    flash(f"{account.display_name}'s account is disabled and they have been signed out everywhere.")
    return redirect(url_for("admin.accounts"))


@bp.post("/accounts/<account_id>/enable")
@admin_required
def enable(account_id: str):
    me, account = _admin_and_account(account_id)
    account.disabled = False
    ops.audit(db(), ext().ctx, "account.enabled", actor=me.account.id, target=account.id)
    db().commit()
    flash(f"{account.display_name}'s account is enabled again.")
    return redirect(url_for("admin.accounts"))


def _admin_and_account(account_id: str):
    """The signed-in administrator and the account they are acting on (404 if there is none)."""
    me = signed_in()
    assert me is not None
    account = db().get(Account, account_id)
    if account is None:
        abort(404)
    return me, account


def _open_invitation(token_hash: str) -> Invitation:
    row = db().get(Invitation, token_hash)
    if row is None or row.used or row.revoked or row.kind != "invitation":
        abort(404)
    return row


@bp.post("/invitations/<token_hash>/resend")
@admin_required
def resend(token_hash: str):
    me = signed_in()
    assert me is not None
    row = _open_invitation(token_hash)
    token = ops.invite(db(), ext().ctx, email=row.email, name=row.display_name, roles=row.roles,
                       lead_scope=row.lead_scope, invited_by=me.account.id)
    try:
        _send_invitation(row.email, row.display_name, token)
    except MailError:
        db().rollback()
        flash("The invitation email could not be sent. Nothing was changed. Try again later.")
        return redirect(url_for("admin.accounts"))
    ops.audit(db(), ext().ctx, "invitation.resent", actor=me.account.id, detail=f"roles: {', '.join(row.roles)}")
    db().commit()
    flash(f"A new invitation was sent to {row.email}. The earlier link no longer works.")
    return redirect(url_for("admin.accounts"))


@bp.post("/invitations/<token_hash>/revoke")
@admin_required
def revoke(token_hash: str):
    me = signed_in()
    assert me is not None
    row = _open_invitation(token_hash)
    row.revoked = True
    ops.audit(db(), ext().ctx, "invitation.revoked", actor=me.account.id, detail=f"roles: {', '.join(row.roles)}")
    db().commit()
    flash(f"The invitation to {row.email} was withdrawn. Its link no longer works.")
    return redirect(url_for("admin.accounts"))


@bp.get("/audit")
@admin_required
def audit_log():
    action = request.args.get("action") or ""
    if action not in ACTIONS:
        action = ""
    try:
        page = max(1, min(10_000, int(request.args.get("page", "1"))))
    except ValueError:
        page = 1
    query = select(AuditEvent)
    counter = select(func.count()).select_from(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
        counter = counter.where(AuditEvent.action == action)
    total = db().scalar(counter) or 0
    events = db().scalars(query.order_by(AuditEvent.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    ids = {e.actor_id for e in events} | {e.target_id for e in events}
    names = {a.id: f"{a.display_name} ({a.email})" for a in db().scalars(
        select(Account).where(Account.id.in_([i for i in ids if i]))).all()}
    return render_template(
        "accounts/admin/audit.html", events=events, names=names, action=action, actions=ACTIONS, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), total=total, minute_text=minute_text, staff_nav=_nav("audit"),
    )

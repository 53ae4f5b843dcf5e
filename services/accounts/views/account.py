"""The signed-in person's own account: who they are, roles, password, second factor, sessions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from sqlalchemy import select

from portal_common import organisations
from portal_common.roles import BY_CODE, needs_second_factor

from .. import operations as ops
from .. import passwords
from ..models import AccountSession
from ..web import current, db, ext, login_required, signed_in

bp = Blueprint("account", __name__)


def scope_label(scope: str | None) -> str:
    if not scope or scope == "system":
        return "the whole system"
    org = organisations.by_code().get(scope)
    return org.name if org else scope


def _page(errors: dict[str, str] | None = None, status: int = 200):
    now = signed_in()
    assert now is not None
    return render_template(
        "accounts/account.html", me=now, roles=[BY_CODE[r] for r in now.roles], scope=scope_label(now.lead_scope),
        errors=errors or {}, hint=passwords.HINT, codes_left=ops.recovery_codes_left(db(), now.account.id),
        second_factor_required=needs_second_factor(now.roles),
    ), status


@bp.get("/")
def home():
    now = current()
    if now is None:
        return redirect(url_for("auth.sign_in"))
    if not now.complete:
        return redirect(url_for("auth.two_factor"))
    return _page()


@bp.post("/account/password")
@login_required
def change_password():
    now = signed_in()
    assert now is not None
    errors: dict[str, str] = {}
    current_password = request.form.get("current_password") or ""
    new = request.form.get("new_password") or ""
    confirm = request.form.get("confirm_password") or ""
    if not passwords.verify(now.account.password_hash, current_password[: passwords.MAX_LENGTH + 1]):
        errors["current_password"] = "Your current password is not correct"
    problem = passwords.problem(new, email=now.account.email, name=now.account.display_name)
    if problem:
        errors["new_password"] = problem
    elif new != confirm:
        errors["confirm_password"] = "The new passwords do not match. Enter the same password twice"
    if errors:
        return _page(errors, 400)
    now.account.password_hash = passwords.hash_password(new)
    # Every other session ends: a changed password should lock out whoever else knew the old one.
    others = db().scalars(select(AccountSession).where(
        AccountSession.account_id == now.account.id, AccountSession.ended.is_(False),
        AccountSession.id != now.row.id)).all()
    for row in others:
        ops.end_session(db(), row)
    ops.audit(db(), ext().ctx, "password.changed", actor=now.account.id, target=now.account.id)
    db().commit()
    flash("Your password has been changed. You have been signed out everywhere else.")
    return redirect(url_for("account.home"))


@bp.post("/account/recovery-codes")
@login_required
def recovery_codes():
    now = signed_in()
    assert now is not None
    if not now.account.totp_secret:
        return redirect(url_for("auth.set_up_two_factor"))
    if not now.row.second_factor:
        return redirect(url_for("auth.two_factor", next=url_for("account.home")))
    codes = ops.new_recovery_codes(db(), ext().ctx, now.account)
    ops.audit(db(), ext().ctx, "recovery_codes.regenerated", actor=now.account.id, target=now.account.id)
    db().commit()
    return render_template("accounts/recovery_codes.html", codes=codes, next=url_for("account.home"))


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    now = signed_in()
    assert now is not None
    count = ops.end_all_sessions(db(), now.account.id)
    ops.audit(db(), ext().ctx, "sign_out.everywhere", actor=now.account.id, target=now.account.id,
              detail=f"{count} session(s) ended")
    db().commit()
    session.clear()
    flash("You have been signed out everywhere, including the training hub and analytics.")
    return redirect(url_for("auth.sign_in"))

"""Signing in and out, the second factor, and setting a password from an emailed link."""

from __future__ import annotations

import base64
import re

import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from portal_common.roles import needs_second_factor

from .. import operations as ops
from .. import passwords
from ..mail import MailError
from ..models import SignInThrottle
from ..web import begin, current, db, ext, next_step, safe_next

bp = Blueprint("auth", __name__)

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
FAILED = "Enter a correct email address and password."
LOCKED = (
    "There have been too many failed attempts to sign in with this email address. For your security, "
    "signing in with it is paused for {minutes} minutes. Wait, then try again."
)


def _lockout_text() -> str:
    return LOCKED.format(minutes=ext().ctx.settings.lockout_minutes)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    wanted = safe_next(request.values.get("next"))
    already = current()
    if request.method == "GET" and already is not None:
        return redirect(next_step(already, wanted))
    errors: dict[str, str] = {}
    email = (request.form.get("email") or "").strip()[:320]
    if request.method == "POST":
        password = request.form.get("password") or ""
        if not email:
            errors["email"] = "Enter your email address"
        if not password:
            errors["password"] = "Enter your password"
        if not errors:
            result = ops.attempt_sign_in(db(), ext().ctx, email, password[: passwords.MAX_LENGTH + 1])
            if result.account is None:
                db().commit()
                errors["email"] = _lockout_text() if result.locked else FAILED
            else:
                row = begin(result.account)
                ops.audit(db(), ext().ctx, "sign_in", actor=result.account.id, target=result.account.id,
                          detail="password accepted" + ("; second factor to follow" if row.stage == "otp" else ""))
                db().commit()
                now = current()
                assert now is not None
                return redirect(next_step(now, wanted))
    status = 400 if errors else 200
    return render_template("accounts/sign_in.html", errors=errors, email=email, next=wanted,
                           registration=bool(ext().ctx.settings.registration_domains)), status


def _otp_throttle_key(account_id: str) -> str:
    return ext().ctx.secrets.digest(f"otp:{account_id}")


@bp.route("/two-factor", methods=["GET", "POST"])
def two_factor():
    wanted = safe_next(request.values.get("next"))
    now = current()
    if now is None:
        return redirect(url_for("auth.sign_in", next=wanted or None))
    if not now.account.totp_secret:
        return redirect(next_step(now, wanted))
    if now.complete and now.row.second_factor:
        return redirect(wanted or url_for("account.home"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        code = (request.form.get("code") or "").strip()[:40]
        ctx = ext().ctx
        key = _otp_throttle_key(now.account.id)
        throttle = db().get(SignInThrottle, key)
        if throttle is not None and throttle.locked_until_minute > ctx.minute():
            errors["code"] = _lockout_text()
        elif not code:
            errors["code"] = "Enter the 6-digit code from your authenticator app, or a recovery code"
        else:
            used = ops.verify_second_factor(db(), ctx, now.account, code)
            if used is None:
                if throttle is None:
                    throttle = SignInThrottle(login_digest=key, failures=0, locked_until_minute=0)
                    db().add(throttle)
                throttle.failures += 1
                ops.audit(db(), ctx, "second_factor.failed", target=now.account.id)
                if throttle.failures >= ctx.settings.lockout_threshold:
                    throttle.failures = 0
                    throttle.locked_until_minute = ctx.minute() + ctx.settings.lockout_minutes
                    ops.audit(db(), ctx, "second_factor.locked", target=now.account.id)
                    errors["code"] = _lockout_text()
                else:
                    errors["code"] = ("The code is not correct or has already been used. Enter the code your "
                                      "app shows now, or one of your recovery codes")
                db().commit()
            else:
                if throttle is not None:
                    throttle.failures = 0
                now.row.stage = "complete"
                now.row.second_factor = True
                ops.audit(db(), ctx, "sign_in.second_factor", actor=now.account.id, target=now.account.id,
                          detail="recovery code used" if used == "recovery" else "authenticator code")
                db().commit()
                if used == "recovery":
                    left = ops.recovery_codes_left(db(), now.account.id)
                    flash(f"You used a recovery code. You have {left} left. You can make new ones on your "
                          "account page.")
                return redirect(next_step(now, wanted))
    return render_template("accounts/two_factor.html", errors=errors, next=wanted), 400 if errors else 200


def qr_data_uri(uri: str) -> str:
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000000", light="#ffffff", border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@bp.route("/two-factor/set-up", methods=["GET", "POST"])
def set_up_two_factor():
    wanted = safe_next(request.values.get("next"))
    now = current()
    if now is None or not now.complete:
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    ctx = ext().ctx
    if now.account.totp_secret and not now.row.second_factor:
        # Replacing a second factor needs the current one first.
        return redirect(url_for("auth.two_factor", next=request.full_path.rstrip("?")))
    errors: dict[str, str] = {}
    if request.method == "POST":
        code = (request.form.get("code") or "").strip()[:20]
        if not code:
            errors["code"] = "Enter the 6-digit code your authenticator app shows"
        elif ops.confirm_totp(db(), ctx, now.account, code):
            now.row.second_factor = True
            codes = ops.new_recovery_codes(db(), ctx, now.account)
            ops.audit(db(), ctx, "second_factor.set_up", actor=now.account.id, target=now.account.id)
            db().commit()
            return render_template("accounts/recovery_codes.html", codes=codes, next=wanted or url_for("account.home"))
        else:
            errors["code"] = "The code is not correct. Check the time on your phone is right, then enter the code " \
                             "your app shows now"
    secret = ops.pending_totp(ctx, now.account)
    if secret is None or request.method == "GET" and request.args.get("new"):
        secret = ops.begin_totp(db(), ctx, now.account)
        db().commit()
    uri = ops.provisioning_uri(secret, now.account.email)
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template(
        "accounts/set_up_two_factor.html", errors=errors, qr=qr_data_uri(uri), secret=grouped, next=wanted,
        required=needs_second_factor(now.roles), replacing=bool(now.account.totp_secret),
    ), 400 if errors else 200


@bp.route("/sign-out", methods=["GET", "POST"])
def sign_out():
    then = request.values.get("then") or ""
    registered = {c.post_logout_redirect_uri for c in ext().provider.clients.values()}  # type: ignore[attr-defined]
    target = then.split("?", 1)[0] if then else ""
    if then and target not in registered:
        then = ""
    if request.method == "GET":
        if current() is None:
            return redirect(then or url_for("auth.sign_in"))
        return render_template("accounts/sign_out.html", then=then)
    now = current()
    if now is not None:
        ops.end_session(db(), now.row)
        ops.audit(db(), ext().ctx, "sign_out", actor=now.account.id, target=now.account.id)
        db().commit()
    from flask import session

    session.clear()
    if then:
        return redirect(then)
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


# -- setting a password from an invitation or a confirmation link ------------------------


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    ctx = ext().ctx
    invite = ops.open_invitation(db(), ctx, token)
    if invite is None:
        return render_template(
            "staff/message.html", title="This link has expired or has already been used",
            text="Set-up links work once and only for a limited time. Ask an administrator to send you a new "
                 "invitation, or sign in if you have already set your password.",
        ), 410
    errors: dict[str, str] = {}
    if request.method == "POST":
        password = request.form.get("password") or ""
        confirm = request.form.get("confirm") or ""
        problem = passwords.problem(password, email=invite.email, name=invite.display_name)
        if problem:
            errors["password"] = problem
        elif password != confirm:
            errors["confirm"] = "The passwords do not match. Enter the same password twice"
        if not errors:
            account = ops.accept_invitation(db(), ctx, invite, password)
            if account is None:
                db().rollback()
                return render_template(
                    "staff/message.html", title="You already have an account",
                    text="An account with this email address already exists. Sign in instead.",
                ), 409
            begin(account)
            ops.audit(db(), ctx, "sign_in", actor=account.id, target=account.id, detail="password set from link")
            db().commit()
            flash("Your password is set and you are signed in.")
            now = current()
            assert now is not None
            return redirect(next_step(now))
    return render_template("accounts/set_password.html", errors=errors, invite=invite,
                           hint=passwords.HINT), 400 if errors else 200


@bp.route("/register", methods=["GET", "POST"])
def register():
    ctx = ext().ctx
    domains = ctx.settings.registration_domains
    if not domains:
        abort(404)
    errors: dict[str, str] = {}
    email = (request.form.get("email") or "").strip()[:320]
    name = (request.form.get("name") or "").strip()[:200]
    if request.method == "POST":
        if not name:
            errors["name"] = "Enter your full name"
        if not email:
            errors["email"] = "Enter your work email address"
        elif not EMAIL.match(email):
            errors["email"] = "Enter an email address in the correct format, like name@nhs.net"
        elif email.lower().rsplit("@", 1)[1] not in domains:
            errors["email"] = (f"You can only register with an address ending {' or '.join('@' + d for d in domains)}. "
                               "Otherwise, ask an administrator to invite you")
        if not errors:
            if ops.find_by_email(db(), email) is None:
                token = ops.invite(db(), ctx, email=email, name=name, roles=["learner"], lead_scope=None,
                                   invited_by=None, kind="registration")
                link = ctx.settings.public_url("accounts") + url_for("auth.invitation", token=token)
                try:
                    ext().mailer.send(email.lower(), "Confirm your email address", render_template(
                        "accounts/email/confirm.txt", name=name, link=link, hours=ctx.settings.invitation_hours))
                except MailError:
                    db().rollback()
                    errors["email"] = "We could not send the email just now. Try again in a few minutes"
                else:
                    ops.audit(db(), ctx, "registration.requested", detail="confirmation email sent")
                    db().commit()
            if not errors:
                # The same answer whether or not the address already has an account.
                return render_template("staff/message.html", title="Check your email",
                                       text="If the address can be registered, we have sent a link to confirm it and "
                                            "set your password. The link works once and expires in "
                                            f"{ctx.settings.invitation_hours} hours.")
    return render_template("accounts/register.html", errors=errors, email=email, name=name,
                           domains=domains), 400 if errors else 200

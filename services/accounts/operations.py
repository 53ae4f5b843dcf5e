"""What the accounts service does to its database: accounts, roles, sessions, sign-in,
second factors, invitations and the audit log. Views and the admin command call these;
nothing here knows about HTTP.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import pyotp
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal_common.roles import SYSTEM_SCOPE, clean_roles, needs_second_factor, short_idle

from . import passwords
from .models import (
    AccessToken,
    Account,
    AccountSession,
    AuditEvent,
    AuthorizationCode,
    Invitation,
    RecoveryCode,
    RoleAssignment,
    SignInThrottle,
)
from .security import Clock, Secrets, new_public_id, new_token, sha256
from .settings import AccountsWebSettings

RECOVERY_CODES = 10
TOTP_ISSUER = "NHS staff portal"


@dataclass
class Context:
    """What operations need besides a database session."""

    settings: AccountsWebSettings
    secrets: Secrets
    clock: Clock

    def minute(self) -> int:
        return self.clock.minute()


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


# -- audit ------------------------------------------------------------------------------


def audit(db: Session, ctx: Context, action: str, *, actor: str | None = None, target: str | None = None,
          detail: str = "") -> None:
    db.add(AuditEvent(minute=ctx.minute(), actor_id=actor, action=action, target_id=target, detail=detail[:200]))


# -- accounts and roles ----------------------------------------------------------------


def find_by_email(db: Session, email: str) -> Account | None:
    return db.scalar(select(Account).where(Account.email == normalise_email(email)))


def roles_of(db: Session, account_id: str) -> tuple[tuple[str, ...], str | None]:
    """(roles in canonical order, lead scope or None)."""
    rows = db.scalars(select(RoleAssignment).where(RoleAssignment.account_id == account_id)).all()
    scope = next((r.lead_scope for r in rows if r.role == "lead"), None)
    return clean_roles(r.role for r in rows), scope


def set_roles(db: Session, account_id: str, roles: Iterable[str], lead_scope: str | None) -> None:
    wanted = clean_roles(roles)
    for row in db.scalars(select(RoleAssignment).where(RoleAssignment.account_id == account_id)).all():
        db.delete(row)
    db.flush()
    for role in wanted:
        db.add(RoleAssignment(account_id=account_id, role=role,
                              lead_scope=(lead_scope or SYSTEM_SCOPE) if role == "lead" else None))


def create_account(db: Session, ctx: Context, *, email: str, name: str, password: str,
                   roles: Iterable[str], lead_scope: str | None) -> Account:
    account = Account(
        id=new_public_id(), email=normalise_email(email), display_name=name.strip(),
        password_hash=passwords.hash_password(password), disabled=False, totp_last_step=0,
        created_minute=ctx.minute(),
    )
    db.add(account)
    db.flush()
    set_roles(db, account.id, roles, lead_scope)
    return account


# -- sign-in and lockout --------------------------------------------------------------------


@dataclass(frozen=True)
class SignInResult:
    account: Account | None
    locked: bool = False


def attempt_sign_in(db: Session, ctx: Context, email: str, password: str) -> SignInResult:
    """Check a password. Unknown, wrong, disabled and locked all look alike to the caller's user."""
    email = normalise_email(email)
    now = ctx.minute()
    digest = ctx.secrets.digest(f"login:{email}")
    throttle = db.get(SignInThrottle, digest)
    account = find_by_email(db, email)
    if throttle is not None and throttle.locked_until_minute > now:
        passwords.verify(None, password)  # same time as any other answer
        audit(db, ctx, "sign_in.locked_out_attempt", target=account.id if account else None)
        return SignInResult(None, locked=True)
    ok = passwords.verify(account.password_hash if account else None, password)
    if ok and account is not None and not account.disabled:
        if throttle is not None:
            throttle.failures = 0
        if passwords.needs_rehash(account.password_hash):
            account.password_hash = passwords.hash_password(password)
        return SignInResult(account)
    if throttle is None:
        throttle = SignInThrottle(login_digest=digest, failures=0, locked_until_minute=0)
        db.add(throttle)
    throttle.failures += 1
    reason = "disabled account" if ok and account is not None else (
        "wrong password" if account else "unknown email")
    audit(db, ctx, "sign_in.failed", target=account.id if account else None, detail=reason)
    if throttle.failures >= ctx.settings.lockout_threshold:
        throttle.failures = 0
        throttle.locked_until_minute = now + ctx.settings.lockout_minutes
        audit(db, ctx, "sign_in.locked", target=account.id if account else None,
              detail=f"{ctx.settings.lockout_threshold} failures, locked for {ctx.settings.lockout_minutes} minutes")
        return SignInResult(None, locked=True)
    return SignInResult(None)


# -- sessions ----------------------------------------------------------------------------


def start_session(db: Session, ctx: Context, account: Account) -> tuple[str, AccountSession]:
    """A new session (new token: no fixation). Its stage is "otp" when a second factor is set up."""
    token = new_token()
    now = ctx.minute()
    row = AccountSession(
        id=sha256(token), sid=new_public_id(), account_id=account.id,
        stage="otp" if account.totp_secret else "complete", second_factor=False,
        created_minute=now, last_seen_minute=now, ended=False,
    )
    db.add(row)
    return token, row


def idle_limit(ctx: Context, roles: Iterable[str]) -> int:
    s = ctx.settings
    return s.session_idle_minutes_short if short_idle(roles) else s.session_idle_minutes


def session_alive(db: Session, ctx: Context, row: AccountSession | None, account: Account | None) -> bool:
    """False (and the session ended) once it was signed out, idled or outlived, or its account disabled."""
    if row is None or row.ended or account is None:
        return False
    now = ctx.minute()
    roles, _scope = roles_of(db, account.id)
    expired = (
        account.disabled
        or now - row.last_seen_minute > idle_limit(ctx, roles)
        or now - row.created_minute >= ctx.settings.session_absolute_hours * 60
    )
    if expired:
        end_session(db, row)
        return False
    return True


def touch(ctx: Context, row: AccountSession) -> None:
    now = ctx.minute()
    if row.last_seen_minute != now:
        row.last_seen_minute = now


def load_session(db: Session, ctx: Context, token: str | None) -> tuple[AccountSession, Account] | None:
    if not token:
        return None
    row = db.get(AccountSession, sha256(token))
    account = db.get(Account, row.account_id) if row else None
    if not session_alive(db, ctx, row, account):
        return None
    assert row is not None and account is not None
    touch(ctx, row)
    return row, account


def end_session(db: Session, row: AccountSession) -> None:
    row.ended = True
    db.execute(update(AccessToken).where(AccessToken.session_id == row.id).values(revoked=True))
    db.execute(update(AuthorizationCode).where(AuthorizationCode.session_id == row.id).values(used=True))


def end_all_sessions(db: Session, account_id: str) -> int:
    rows = db.scalars(select(AccountSession).where(
        AccountSession.account_id == account_id, AccountSession.ended.is_(False))).all()
    for row in rows:
        end_session(db, row)
    db.execute(update(AccessToken).where(AccessToken.account_id == account_id).values(revoked=True))
    return len(rows)


def amr(row: AccountSession) -> list[str]:
    return ["pwd", "otp"] if row.second_factor else ["pwd"]


# -- second factor --------------------------------------------------------------------------


def begin_totp(db: Session, ctx: Context, account: Account) -> str:
    """A new secret awaiting confirmation; the current one (if any) stays until it is confirmed."""
    secret = pyotp.random_base32()
    account.totp_pending = ctx.secrets.encrypt(secret)
    return secret


def pending_totp(ctx: Context, account: Account) -> str | None:
    return ctx.secrets.decrypt(account.totp_pending) if account.totp_pending else None


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def _matching_step(ctx: Context, secret: str, code: str, last_step: int) -> int | None:
    """The time-step ``code`` belongs to (now, or one either side), if newer than ``last_step``."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = ctx.clock.now()
    step_now = int(now // totp.interval)
    for step in (step_now, step_now - 1, step_now + 1):
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            return step if step > last_step else None
    return None


def confirm_totp(db: Session, ctx: Context, account: Account, code: str) -> bool:
    secret = pending_totp(ctx, account)
    if secret is None:
        return False
    step = _matching_step(ctx, secret, code, 0)
    if step is None:
        return False
    account.totp_secret = account.totp_pending
    account.totp_pending = None
    account.totp_last_step = step
    return True


def verify_second_factor(db: Session, ctx: Context, account: Account, code: str) -> str | None:
    """"otp" or "recovery" when ``code`` is a fresh TOTP code or an unused recovery code; else None."""
    if not account.totp_secret:
        return None
    step = _matching_step(ctx, ctx.secrets.decrypt(account.totp_secret), code, account.totp_last_step)
    if step is not None:
        # Compare-and-set, so the same code sent twice at once is accepted once.
        changed = db.execute(update(Account).where(
            Account.id == account.id, Account.totp_last_step < step).values(totp_last_step=step))
        if changed.rowcount == 1:  # type: ignore[attr-defined]
            account.totp_last_step = step
            return "otp"
        return None
    cleaned = _clean_recovery(code)
    if len(cleaned) == 10:
        digest = ctx.secrets.digest(f"recovery:{account.id}:{cleaned}")
        used = db.execute(update(RecoveryCode).where(
            RecoveryCode.code_hash == digest, RecoveryCode.account_id == account.id,
            RecoveryCode.used.is_(False)).values(used=True))
        if used.rowcount == 1:  # type: ignore[attr-defined]
            return "recovery"
    return None


ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def _clean_recovery(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def new_recovery_codes(db: Session, ctx: Context, account: Account) -> list[str]:
    for row in db.scalars(select(RecoveryCode).where(RecoveryCode.account_id == account.id)).all():
        db.delete(row)
    db.flush()
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.add(RecoveryCode(code_hash=ctx.secrets.digest(f"recovery:{account.id}:{raw}"),
                            account_id=account.id, used=False))
    return codes


def recovery_codes_left(db: Session, account_id: str) -> int:
    return db.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.account_id == account_id, RecoveryCode.used.is_(False))) or 0


# -- invitations --------------------------------------------------------------------------


def invite(db: Session, ctx: Context, *, email: str, name: str, roles: Iterable[str], lead_scope: str | None,
           invited_by: str | None, kind: str = "invitation") -> str:
    """A one-time link token (only its hash is kept). Earlier open links for the email stop working."""
    email = normalise_email(email)
    for old in db.scalars(select(Invitation).where(
            Invitation.email == email, Invitation.used.is_(False), Invitation.revoked.is_(False))).all():
        old.revoked = True
    token = new_token()
    now = ctx.minute()
    cleaned = list(clean_roles(roles))
    db.add(Invitation(
        token_hash=sha256(token), kind=kind, email=email, display_name=name.strip(), roles=cleaned,
        lead_scope=(lead_scope or SYSTEM_SCOPE) if "lead" in cleaned else None, created_minute=now,
        expires_minute=now + ctx.settings.invitation_hours * 60, used=False, revoked=False, invited_by=invited_by,
    ))
    return token


def open_invitation(db: Session, ctx: Context, token: str) -> Invitation | None:
    """The invitation a link's token names, if it can still be used."""
    if not token or len(token) > 100:
        return None
    row = db.get(Invitation, sha256(token))
    if row is None or row.used or row.revoked or row.expires_minute < ctx.minute():
        return None
    return row


def accept_invitation(db: Session, ctx: Context, invitation: Invitation, password: str) -> Account | None:
    """Create the account (or None if the email has one by now). Marks the link used."""
    claimed = db.execute(update(Invitation).where(
        Invitation.token_hash == invitation.token_hash, Invitation.used.is_(False)).values(used=True))
    if claimed.rowcount != 1 or find_by_email(db, invitation.email) is not None:  # type: ignore[attr-defined]
        return None
    try:
        with db.begin_nested():
            account = create_account(db, ctx, email=invitation.email, name=invitation.display_name,
                                     password=password, roles=invitation.roles, lead_scope=invitation.lead_scope)
    except IntegrityError:
        return None
    audit(db, ctx, "account.created", actor=invitation.invited_by, target=account.id,
          detail=f"{invitation.kind}; roles: {', '.join(invitation.roles) or 'none'}")
    return account


def requires_second_factor(db: Session, account_id: str) -> bool:
    roles, _scope = roles_of(db, account_id)
    return needs_second_factor(roles)

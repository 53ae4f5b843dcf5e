"""What every accounts page shares: the request's database session, who is signed in, guards."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from sqlalchemy.orm import Session, sessionmaker

from portal_common.roles import needs_second_factor

from . import operations as ops
from .mail import Mailer
from .models import Account, AccountSession

COOKIE_KEY = "t"  # the only thing the session cookie holds besides the CSRF token


@dataclass
class Accounts:
    """app.extensions["accounts"]."""

    ctx: ops.Context
    sessions: sessionmaker[Session]
    mailer: Mailer
    provider: object  # oidc.Provider (typed loosely to avoid an import cycle)


def ext() -> Accounts:
    return current_app.extensions["accounts"]


def db() -> Session:
    if "accounts_db" not in g:
        g.accounts_db = ext().sessions()
    return g.accounts_db


def close_db(_exc=None) -> None:
    found = g.pop("accounts_db", None)
    if found is not None:
        found.rollback()  # anything a view did not commit is dropped
        found.close()


@dataclass
class Current:
    row: AccountSession
    account: Account
    roles: tuple[str, ...]
    lead_scope: str | None

    @property
    def complete(self) -> bool:
        return self.row.stage == "complete"

    @property
    def needs_enrolment(self) -> bool:
        return needs_second_factor(self.roles) and not self.account.totp_secret

    @property
    def second_factor_missing(self) -> bool:
        """A role needs a second factor and it has not been passed in this session."""
        return needs_second_factor(self.roles) and not self.row.second_factor


def current() -> Current | None:
    """The browser's accounts session, at whatever stage, if alive (counts as activity)."""
    if "accounts_current" in g:
        return g.accounts_current
    found = None
    loaded = ops.load_session(db(), ext().ctx, session.get(COOKIE_KEY))
    if loaded is not None:
        row, account = loaded
        roles, scope = ops.roles_of(db(), account.id)
        found = Current(row, account, roles, scope)
    db().commit()
    g.accounts_current = found
    return found


def signed_in() -> Current | None:
    found = current()
    return found if found is not None and found.complete else None


def begin(account: Account) -> AccountSession:
    """Start a fresh session for ``account``: a new token, any earlier one in this browser ended."""
    old = current()
    if old is not None:
        ops.end_session(db(), old.row)
    token, row = ops.start_session(db(), ext().ctx, account)
    session.clear()
    session[COOKIE_KEY] = token
    g.pop("accounts_current", None)
    return row


def safe_next(value: str | None) -> str:
    """Only our own paths: never another site, never a scheme-relative or backslash trick."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return ""
    return value


def next_step(current_: Current, wanted: str = "") -> str:
    """Where someone goes once a sign-in step is done."""
    if not current_.complete:
        return url_for("auth.two_factor", next=wanted or None)
    if current_.needs_enrolment:
        return url_for("auth.set_up_two_factor", next=wanted or None)
    return wanted or url_for("account.home")


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        found = current()
        if found is None:
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        if not found.complete:
            return redirect(url_for("auth.two_factor", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        found = current()
        assert found is not None
        if "admin" not in found.roles:
            abort(403)
        if not found.row.second_factor:
            flash("Administrator pages need two-factor authentication. Set it up or enter a code first.")
            if found.needs_enrolment:
                return redirect(url_for("auth.set_up_two_factor", next=request.full_path.rstrip("?")))
            return redirect(url_for("auth.two_factor", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def minute_text(minute: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(minute * 60, dt.UTC).strftime("%-d %B %Y, %H:%M UTC")

"""Accounts: staff sign-in, two-factor, account administration and the OpenID Connect provider."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from portal_common.staff_web import staff_app

from . import operations as ops
from .mail import Mailer
from .oidc import Provider
from .security import Clock, Secrets
from .settings import AccountsWebSettings
from .views import account, admin, auth, oauth
from .web import Accounts, close_db, current, db


def create_app(settings: AccountsWebSettings) -> Flask:
    app = staff_app(__name__, settings, label="Staff account")
    ctx = ops.Context(settings, Secrets(settings.secret_key.get_secret_value()), Clock())
    sessions = app.extensions["portal"]["sessions"]
    provider = Provider(app, ctx, db, sessions)
    app.extensions["accounts"] = Accounts(ctx, sessions, Mailer(settings), provider)
    for blueprint in (auth.bp, account.bp, admin.bp, oauth.bp):
        app.register_blueprint(blueprint)
    csrf = app.extensions["csrf"]
    for view in (oauth.token, oauth.userinfo, oauth.end_session):
        csrf.exempt(view)
    app.teardown_appcontext(close_db)

    def who_is_signed_in():
        try:
            return current()
        except SQLAlchemyError:
            return None

    app.jinja_env.globals["who_is_signed_in"] = who_is_signed_in

    return app

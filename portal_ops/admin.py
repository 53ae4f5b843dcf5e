"""Staff accounts from the command line.

    portal-admin create-admin --email pat@example.nhs.uk --name "Pat Lee"
    portal-admin demo-accounts

``create-admin`` prints a one-time link that sets up the first administrator's password
(it refuses an email that already has an account). ``demo-accounts`` makes one account per
role for ``make demo-data`` and prints how to sign in as each; running it again changes
nothing. Both read the accounts service's settings (its database, secret key and public
address) from the environment, like the service itself, and migrate its database first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

import pyotp

from portal_common.db import make_engine, make_session_factory, unit_of_work
from portal_common.settings import ConfigError
from services.accounts import operations as ops
from services.accounts.security import Clock, Secrets
from services.accounts.settings import AccountsWebSettings

from .migrate import upgrade
from .runner import local_env

# (role, name, email local part, password); demo passwords pass the service's own rules.
DEMO = (
    ("learner", "Demo Learner", "learner", "pebble lantern orchard"),
    ("trainer", "Demo Trainer", "trainer", "copper meadow whistle"),
    ("reviewer", "Demo Reviewer", "reviewer", "harbour velvet thistle"),
    ("lead", "Demo Lead", "lead", "saffron glacier beacon"),
    ("admin", "Demo Administrator", "admin", "marble falcon drizzle"),
)
DEMO_DOMAIN = "demo.portal.invalid"


def _context(env: Mapping[str, str] | None) -> tuple[ops.Context, AccountsWebSettings]:
    settings = AccountsWebSettings.from_env(local_env() if env is None else env)
    return ops.Context(settings, Secrets(settings.secret_key.get_secret_value()), Clock()), settings


def create_admin(email: str, name: str, env: Mapping[str, str] | None = None) -> str:
    """The set-up link of a new administrator. ValueError if the email has an account."""
    ctx, settings = _context(env)
    upgrade("accounts", settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as db:
            if ops.find_by_email(db, email) is not None:
                raise ValueError(f"{ops.normalise_email(email)} already has an account")
            token = ops.invite(db, ctx, email=email, name=name, roles=["admin"], lead_scope=None, invited_by=None)
            ops.audit(db, ctx, "invitation.sent", detail="roles: admin; from the command line")
    finally:
        engine.dispose()
    return f"{settings.public_url('accounts')}/invitation/{token}"


def demo_accounts(env: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """One account per role (idempotent); what to sign in with, including TOTP secrets."""
    ctx, settings = _context(env)
    if settings.public_url("accounts").startswith("https://"):
        raise ValueError("demo accounts have published passwords: they are for a developer's machine, "
                         "not a site served over https")
    upgrade("accounts", settings.database_url)
    engine = make_engine(settings.database_url)
    made = []
    try:
        with unit_of_work(make_session_factory(engine)) as db:
            for role, name, local, password in DEMO:
                email = f"{local}@{DEMO_DOMAIN}"
                account = ops.find_by_email(db, email)
                if account is None:
                    account = ops.create_account(db, ctx, email=email, name=name, password=password,
                                                 roles=[role], lead_scope="system" if role == "lead" else None)
                    ops.audit(db, ctx, "account.created", target=account.id, detail=f"demo; roles: {role}")
                    if ops.requires_second_factor(db, account.id):
                        secret = pyotp.random_base32()
                        account.totp_secret = ctx.secrets.encrypt(secret)
                entry = {"role": role, "email": email, "password": password}
                if account.totp_secret:
                    entry["totp_secret"] = ctx.secrets.decrypt(account.totp_secret)
                made.append(entry)
    finally:
        engine.dispose()
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    first = sub.add_parser("create-admin", help="print a one-time link that sets up an administrator")
    first.add_argument("--email", required=True)
    first.add_argument("--name", required=True)
    sub.add_parser("demo-accounts", help="one demo account per role, printed with how to sign in")
    args = parser.parse_args(argv)
    try:
        if args.command == "create-admin":
            if "@" not in args.email or not args.name.strip():
                parser.error("give an email address and a name")
            link = create_admin(args.email, args.name)
            hours = AccountsWebSettings.from_env(local_env()).invitation_hours
            print(f"Open this link to set the administrator's password (it works once and expires in {hours} hours):"
                  f"\n{link}")
            return 0
        entries = demo_accounts()
        url = AccountsWebSettings.from_env(local_env()).public_url("accounts")
        print(f"Demo staff accounts: sign in at {url}/ (second-factor codes from any TOTP app, "
              "or `python -c \"import pyotp; print(pyotp.TOTP('SECRET').now())\"`):")
        for entry in entries:
            line = f"  {entry['role']:<9} {entry['email']:<32} password: {entry['password']}"
            if "totp_secret" in entry:
                line += f"  TOTP secret: {entry['totp_secret']}"
            print(line)
        return 0
    except ConfigError as exc:
        print(f"portal-admin: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"portal-admin: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

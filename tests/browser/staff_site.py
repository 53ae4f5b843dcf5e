"""The three staff web apps (accounts, analytics, training) live under gunicorn, for browser tests.

One site is shared by a whole test module: its own SQLite databases (copied from the session's
migrated template, as the ``databases`` fixture does), its own Redis server (as ``private_redis``)
and each service's public URL pointing at its free port on 127.0.0.1. Accounts are made directly
through the accounts service's operations, as tests/accounts does; invitations land as .eml
files in the accounts mail folder.
"""

from __future__ import annotations

import email
import email.policy
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp

from portal_common.db import unit_of_work

from ..conftest import base_env, make_app, settings_class
from ..support.databases import Databases
from ..support.processes import RedisServer, Stack, free_port, start_web

STAFF_SERVICES = ("accounts", "analytics", "training")
PASSWORD = "orchard velvet lantern"
LINK = re.compile(r"https?://127\.0\.0\.1:\d+/invitation/[A-Za-z0-9_\-]+")


@dataclass
class StaffSite:
    urls: dict[str, str]
    env: dict[str, str]
    stack: Stack
    accounts_app: Any = None
    _seen_mail: set[Path] = field(default_factory=set)

    @property
    def accounts(self) -> str:
        return self.urls["accounts"]

    @property
    def analytics(self) -> str:
        return self.urls["analytics"]

    @property
    def training(self) -> str:
        return self.urls["training"]

    @property
    def mail_dir(self) -> Path:
        return Path(self.env["PORTAL_DATA_DIR"]) / "mail"

    def ours(self, url: str) -> bool:
        """A URL on one of the three staff services (or inline data, which is no request to a host)."""
        return url.startswith("data:") or any(url == u or url.startswith(u + "/") for u in self.urls.values())

    def make_account(self, *roles: str, name: str, email_address: str | None = None, totp: bool = False,
                     lead_scope: str | None = None) -> tuple[str, str | None]:
        """(email, TOTP secret or None), made through the accounts service's own operations."""
        from services.accounts import operations as ops

        ext = self.accounts_app.extensions["accounts"]
        address = email_address or f"{'-'.join(roles)}-{secrets.token_hex(3)}@example.nhs.uk"
        with unit_of_work(ext.sessions) as db:
            account = ops.create_account(db, ext.ctx, email=address, name=name, password=PASSWORD, roles=roles,
                                         lead_scope=lead_scope)
            secret = None
            if totp:
                secret = pyotp.random_base32()
                account.totp_secret = ext.ctx.secrets.encrypt(secret)
        return address, secret

    def new_mail(self) -> list[email.message.EmailMessage]:
        """Messages written to the mail folder since the last call."""
        found = []
        for path in sorted(self.mail_dir.glob("*.eml")) if self.mail_dir.exists() else []:
            if path not in self._seen_mail:
                self._seen_mail.add(path)
                found.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
        return found

    def invitation_link(self, to: str) -> str:
        for message in self.new_mail():
            if message["To"] == to:
                body = message.get_body(preferencelist=("plain",))
                assert body is not None
                match = LINK.search(body.get_content())
                assert match, body.get_content()
                return match.group(0)
        raise AssertionError(f"no invitation to {to} in {self.mail_dir}")


def start_staff_site(template: Databases, tmp: Path) -> Iterator[StaffSite]:
    databases = template.copy_to(tmp)
    redis_server = RedisServer(tmp)
    redis_server.start()
    logdir = tmp / "logs"
    logdir.mkdir()
    ports = {service: free_port() for service in STAFF_SERVICES}
    urls = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
    env = base_env(databases, redis_server.url, tmp / "data")
    for service, url in urls.items():
        env[f"PORTAL_{service.upper()}_PUBLIC_URL"] = url
    env["PORTAL_WEB_WORKERS"] = "1"
    env["PORTAL_LOG_LEVEL"] = "WARNING"
    stack = Stack(env, logdir)
    site = StaffSite(urls=urls, env=env, stack=stack)
    try:
        for service in STAFF_SERVICES:  # accounts first: the others read its discovery document
            assert start_web(stack, service, ports[service]) == urls[service]
        # Made after the provider is up, so its signing key already exists in the database.
        site.accounts_app = make_app("accounts", settings_class("accounts").from_env(env))
        yield site
    finally:
        if site.accounts_app is not None:
            site.accounts_app.extensions["portal"]["engine"].dispose()
        stack.stop_all()
        redis_server.stop()

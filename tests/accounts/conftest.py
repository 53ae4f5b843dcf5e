"""Fixtures for accounts: the app with a movable clock, forms with CSRF, accounts made directly."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from portal_common.db import unit_of_work
from services.accounts import operations as ops

from ..conftest import make_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "orchard velvet lantern"
SECRET_RE = re.compile(r"<code>([A-Z2-7 ]{20,})</code>")


@pytest.fixture
def accounts_app(settings_for):
    app = make_app("accounts", settings_for("accounts"))
    app.config["TESTING"] = True
    yield app
    app.extensions["portal"]["engine"].dispose()


@pytest.fixture
def ext(accounts_app):
    return accounts_app.extensions["accounts"]


@pytest.fixture
def clock(ext):
    return ext.ctx.clock


class Browser:
    """Flask's test client, sending the CSRF token a browser would."""

    def __init__(self, client):
        self.client = client

    def token(self, path: str = "/sign-in") -> str:
        return CSRF.search(self.client.get(path, follow_redirects=True).get_data(as_text=True)).group(1)

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict | None = None, token_from: str = "/sign-in", **kw):
        return self.client.post(path, data={"csrf_token": self.token(token_from), **(data or {})}, **kw)

    def sign_in(self, email: str, password: str = PASSWORD, next: str = "", totp: str | None = None):
        data = {"email": email, "password": password}
        if next:
            data["next"] = next
        response = self.post("/sign-in", data)
        if totp is not None and response.status_code == 302 and "/two-factor" in response.location:
            response = self.post("/two-factor", {"code": pyotp.TOTP(totp).now(), "next": next},
                                 token_from="/two-factor")
        return response


@pytest.fixture
def browser(accounts_app):
    return Browser(accounts_app.test_client())


@pytest.fixture
def new_browser(accounts_app):
    return lambda: Browser(accounts_app.test_client())


@pytest.fixture
def make_account(ext):
    """make_account("lead", email=..., totp=True) -> (account id, totp secret or None)."""

    def _make(*roles, email=None, name="Sam Taylor", password=PASSWORD, totp=None, lead_scope=None):
        email = email or f"{'-'.join(roles) or 'none'}-{secrets.token_hex(3)}@example.nhs.uk"
        with unit_of_work(ext.sessions) as db:
            account = ops.create_account(db, ext.ctx, email=email, name=name, password=password, roles=roles,
                                         lead_scope=lead_scope)
            secret = None
            if totp if totp is not None else ops.requires_second_factor(db, account.id):
                secret = pyotp.random_base32()
                account.totp_secret = ext.ctx.secrets.encrypt(secret)
            return account.id, email, secret

    return _make


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class RelyingParty:
    """Plays the analytics service: builds authorize requests, swaps codes, calls userinfo."""

    def __init__(self, client, settings, name="analytics"):
        self.client = client  # the accounts app's test client, for back-channel calls
        self.name = name
        self.secret = settings.client_secret(name)
        self.redirect_uri = f"{settings.public_url(name)}/signin/callback"
        self.fresh()

    def fresh(self) -> None:
        """New PKCE pair, state and nonce, as a relying party makes for every sign-in."""
        self.verifier, self.challenge = pkce_pair()
        self.state = secrets.token_urlsafe(16)
        self.nonce = secrets.token_urlsafe(16)

    def authorize_url(self, **overrides) -> str:
        from urllib.parse import urlencode

        params = {
            "response_type": "code", "client_id": self.name, "redirect_uri": self.redirect_uri,
            "scope": "openid profile email roles", "state": self.state, "nonce": self.nonce,
            "code_challenge": self.challenge, "code_challenge_method": "S256",
        }
        params.update(overrides)
        return "/oauth/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})

    def code_from(self, response) -> str:
        assert response.status_code == 302, response.get_data(as_text=True)
        location = response.location
        assert location.startswith(self.redirect_uri), location
        query = parse_qs(urlsplit(location).query)
        assert query["state"] == [self.state]
        return query["code"][0]

    def exchange(self, code: str, *, secret: str | None = None, verifier: str | None = None,
                 redirect_uri: str | None = None, post: bool = False):
        data = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": redirect_uri or self.redirect_uri, "code_verifier": verifier or self.verifier}
        if verifier == "":
            data.pop("code_verifier")
        secret = self.secret if secret is None else secret
        if post:
            return self.client.post("/oauth/token", data={**data, "client_id": self.name, "client_secret": secret})
        basic = base64.b64encode(f"{self.name}:{secret}".encode()).decode()
        return self.client.post("/oauth/token", data=data, headers={"Authorization": f"Basic {basic}"})

    def userinfo(self, access_token: str):
        return self.client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access_token}"})


@pytest.fixture
def rp(accounts_app, ext):
    return RelyingParty(accounts_app.test_client(), ext.ctx.settings)

"""A real OpenID Connect provider (oidc-provider-mock on a thread) and relying parties signed in against it."""

from __future__ import annotations

import base64
import json
import re
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import flask
import pytest
import requests
import werkzeug.serving

with warnings.catch_warnings():
    # The test provider is built on Authlib's older jose module, which warns on import.
    warnings.simplefilter("ignore", DeprecationWarning)
    import oidc_provider_mock
    from authlib.jose import jwt

from ..conftest import make_app, settings_class


@dataclass
class Tamper:
    """Changes the provider makes to the next ID tokens it issues (re-signed with its real key)."""

    claims: dict[str, Any] = field(default_factory=dict)
    drop: tuple[str, ...] = ()
    bad_signature: bool = False

    def reset(self) -> None:
        self.claims, self.drop, self.bad_signature = {}, (), False

    @property
    def active(self) -> bool:
        return bool(self.claims or self.drop or self.bad_signature)


@dataclass
class Provider:
    url: str
    tamper: Tamper

    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5).raise_for_status()

    def revoke(self, sub: str) -> None:
        requests.post(f"{self.url}/users/{sub}/revoke-tokens", timeout=5).raise_for_status()


def _tampered(response: flask.Response, tamper: Tamper) -> flask.Response:
    body = response.get_json()
    header = json.loads(base64.urlsafe_b64decode(body["id_token"].split(".")[0] + "=="))
    claims = json.loads(base64.urlsafe_b64decode(body["id_token"].split(".")[1] + "=="))
    claims.update(tamper.claims)
    for name in tamper.drop:
        claims.pop(name, None)
    key = flask.g.oidc_provider_mock_storage.jwk
    token = jwt.encode(header, claims, key).decode()
    if tamper.bad_signature:
        head, payload, signature = token.split(".")
        token = f"{head}.{payload}.{signature[::-1]}"
    body["id_token"] = token
    response.set_data(json.dumps(body))
    return response


@pytest.fixture(scope="session")
def provider_server():
    tamper = Tamper()
    app = oidc_provider_mock.app(require_nonce=True)

    @app.after_request
    def _tamper(response):
        if flask.request.path == "/oauth2/token" and response.status_code == 200 and tamper.active:
            return _tampered(response, tamper)
        return response

    server = werkzeug.serving.make_server("localhost", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield Provider(url=f"http://localhost:{server.server_port}", tamper=tamper)
    server.shutdown()
    thread.join(5)
    server.server_close()


@pytest.fixture
def provider(provider_server):
    provider_server.tamper.reset()
    yield provider_server
    provider_server.tamper.reset()


class Clock:
    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def rp_factory(env, provider):
    """rp_factory("training", OIDC_ROLES_CLAIM="groups") -> a relying party's Flask app on the mock provider."""
    apps = []

    def _make(service: str, **overrides: str):
        prefix = f"PORTAL_{service.upper()}_"
        settings_env = {**env, f"{prefix}OIDC_ISSUER": provider.url}
        for name, value in overrides.items():
            settings_env[name if name.startswith("PORTAL_") else prefix + name] = value
        app = make_app(service, settings_class(service).from_env(settings_env))
        app.config["TESTING"] = True
        clock = Clock()
        app.extensions["signin"].clock = clock
        app.clock = clock  # type: ignore[attr-defined]
        apps.append(app)
        return app

    yield _make
    for app in apps:
        app.extensions["portal"]["engine"].dispose()


def authorize(provider: Provider, client, sub: str, next_path: str | None = "/") -> str:
    """Start sign-in at the relying party, sign in as ``sub`` at the provider: the callback's path and query."""
    start = client.get("/signin" + (f"?next={next_path}" if next_path else "") + ("&" if next_path else "?") + "go=1")
    assert start.status_code == 302, start.get_data(as_text=True)[:500]
    location = start.headers["Location"]
    assert location.startswith(provider.url + "/oauth2/authorize?"), location
    answer = requests.post(location, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text[:500]
    callback = urlsplit(answer.headers["Location"])
    return f"{callback.path}?{callback.query}"


def sign_in(provider: Provider, client, sub: str, claims: dict[str, Any], next_path: str = "/"):
    provider.set_user(sub, claims)
    return client.get(authorize(provider, client, sub, next_path))


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)

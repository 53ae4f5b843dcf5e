"""Tampered or failed OpenID Connect answers: a clear message, a way to try again, and no session."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from portal_common.db import unit_of_work
from services.training.models import StaffSession

from .conftest import authorize

ALICE = {"name": "Alice Okafor", "email": "alice.okafor@example.nhs.uk", "roles": ["trainer"]}


def _sessions(app) -> int:
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        return db.scalar(select(func.count()).select_from(StaffSession)) or 0


def _did_not_complete(app, client, response) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code == 400, text[:300]
    assert "Sign-in did not complete" in text and 'href="/signin?go=1"' in text
    assert "Traceback" not in text
    assert _sessions(app) == 0
    assert client.get("/").status_code == 302  # still not signed in


@pytest.fixture
def app(rp_factory, provider):
    provider.set_user("u-tamper", ALICE)
    return rp_factory("training")


def test_a_changed_state_is_refused(app, provider):
    client = app.test_client()
    path, query = authorize(provider, client, "u-tamper").split("?", 1)
    params = {k: v[0] for k, v in parse_qs(query).items()}
    params["state"] = params["state"][:-2] + ("AA" if not params["state"].endswith("AA") else "BB")
    _did_not_complete(app, client, client.get(f"{path}?{urlencode(params)}"))


def test_a_callback_from_another_browser_is_refused(app, provider):
    """Login CSRF: someone else's authorisation code delivered to this browser."""
    attacker, victim = app.test_client(), app.test_client()
    callback = authorize(provider, attacker, "u-tamper")
    _did_not_complete(app, victim, victim.get(callback))


def test_a_replayed_callback_signs_no_one_in_again(app, provider):
    client = app.test_client()
    callback = authorize(provider, client, "u-tamper")
    assert client.get(callback).status_code == 302
    assert _sessions(app) == 1
    stranger = app.test_client()
    stranger.get("/signin?go=1")  # a fresh attempt of its own, so there is state to confuse
    replay = stranger.get(callback)
    assert replay.status_code == 400 and "Sign-in did not complete" in replay.get_data(as_text=True)
    assert _sessions(app) == 1


@pytest.mark.parametrize(
    ("change", "drop", "bad_signature"),
    [
        ({"nonce": "not-the-nonce-we-sent"}, (), False),
        ({}, ("nonce",), False),
        ({"aud": "some-other-client"}, (), False),
        ({"aud": ["some-other-client", "and-another"]}, (), False),
        ({"iss": "https://impostor.example"}, (), False),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, (), False),
        ({}, (), True),
    ],
    ids=["bad-nonce", "missing-nonce", "wrong-audience", "other-audiences", "wrong-issuer", "expired",
         "bad-signature"],
)
def test_an_id_token_that_fails_its_checks_is_refused(app, provider, change, drop, bad_signature):
    client = app.test_client()
    callback = authorize(provider, client, "u-tamper")
    provider.tamper.claims, provider.tamper.drop, provider.tamper.bad_signature = change, drop, bad_signature
    _did_not_complete(app, client, client.get(callback))


def test_a_relying_party_registered_under_another_client_id_is_refused(rp_factory, provider):
    """The code was issued to one client; another cannot redeem it."""
    provider.set_user("u-tamper", ALICE)
    app = rp_factory("training")
    client = app.test_client()
    start = client.get("/signin?go=1")
    location = urlsplit(start.headers["Location"])
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    params["client_id"] = "analytics"
    answer = requests.post(f"{provider.url}{location.path}?{urlencode(params)}", data={"sub": "u-tamper"},
                           allow_redirects=False, timeout=5)
    callback = urlsplit(answer.headers["Location"])
    _did_not_complete(app, client, client.get(f"{callback.path}?{callback.query}"))


def test_an_error_from_the_provider_is_explained(app, provider):
    client = app.test_client()
    start = client.get("/signin?go=1")
    denied = requests.post(start.headers["Location"], data={"action": "deny"}, allow_redirects=False, timeout=5)
    callback = urlsplit(denied.headers["Location"])
    assert "error=access_denied" in callback.query
    _did_not_complete(app, client, client.get(f"{callback.path}?{callback.query}"))


def test_a_callback_with_nothing_in_it_is_refused(app):
    client = app.test_client()
    _did_not_complete(app, client, client.get("/signin/callback"))
    _did_not_complete(app, client, client.get("/signin/callback?code=made-up&state=made-up"))


def test_trying_again_after_a_failure_works(app, provider):
    client = app.test_client()
    _did_not_complete(app, client, client.get("/signin/callback?error=server_error"))
    assert client.get(authorize(provider, client, "u-tamper")).status_code == 302
    assert client.get("/").status_code == 200


def test_the_tampering_provider_still_signs_people_in_when_nothing_checked_is_changed(app, provider):
    """The control for the cases above: a re-signed token with a harmless extra claim is accepted."""
    client = app.test_client()
    callback = authorize(provider, client, "u-tamper")
    provider.tamper.claims = {"harmless": "extra"}
    assert client.get(callback).status_code == 302
    assert _sessions(app) == 1 and client.get("/").status_code == 200

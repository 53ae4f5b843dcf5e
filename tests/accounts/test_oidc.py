"""The OpenID Connect contract of docs/adr/0009, driven as a relying party would."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from portal_common.db import unit_of_work
from services.accounts.models import AccessToken, AuthorizationCode

from .conftest import RelyingParty


def sign_in_and_get_code(browser, rp, email, totp=None):
    rp.fresh()
    url = rp.authorize_url()
    first = browser.get(url)
    assert first.status_code == 302 and "/sign-in" in first.location
    next_ = parse_qs(urlsplit(first.location).query)["next"][0]
    assert next_.startswith("/oauth/authorize?")
    response = browser.sign_in(email, next=next_, totp=totp)
    assert response.status_code == 302
    return rp.code_from(browser.get(response.location))


def full_flow(browser, rp, email, totp=None):
    code = sign_in_and_get_code(browser, rp, email, totp)
    response = rp.exchange(code)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def verify_id_token(client, id_token, audience):
    jwks = KeySet.import_key_set(client.get("/oauth/jwks").get_json())
    token = jwt.decode(id_token, jwks, algorithms=["RS256"])
    registry = jwt.JWTClaimsRegistry(iss={"essential": True, "value": "http://127.0.0.1:5004"},
                                     aud={"essential": True, "value": audience})
    registry.validate(token.claims)
    return token


def test_discovery_names_the_contracts_endpoints(browser):
    doc = browser.get("/.well-known/openid-configuration").get_json()
    base = doc["issuer"]
    assert base == "http://127.0.0.1:5004"
    endpoints = (("authorization_endpoint", "authorize"), ("token_endpoint", "token"),
                 ("userinfo_endpoint", "userinfo"), ("jwks_uri", "jwks"), ("end_session_endpoint", "end-session"))
    for name, path in endpoints:
        assert doc[name] == f"{base}/oauth/{path}"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert set(doc["scopes_supported"]) == {"openid", "profile", "email", "roles"}
    assert set(doc["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post"}


def test_code_flow_gives_a_signed_id_token_with_the_contracts_claims(browser, rp, make_account):
    sub, email, _ = make_account("learner", "trainer", name="Ada Okafor")
    tokens = full_flow(browser, rp, email)
    token = verify_id_token(rp.client, tokens["id_token"], "analytics")
    claims = token.claims
    assert token.header["alg"] == "RS256" and token.header["kid"]
    assert claims["sub"] == sub and "@" not in claims["sub"]
    assert claims["nonce"] == rp.nonce
    assert claims["name"] == "Ada Okafor" and claims["email"] == email
    assert claims["roles"] == ["learner", "trainer"]
    assert "lead_scope" not in claims
    assert claims["amr"] == ["pwd"] and claims["sid"]
    info = rp.userinfo(tokens["access_token"])
    assert info.status_code == 200
    assert info.get_json() == {"sub": sub, "sid": claims["sid"], "amr": ["pwd"], "name": "Ada Okafor",
                               "email": email, "roles": ["learner", "trainer"]}


def test_lead_needs_a_second_factor_and_carries_its_scope(browser, rp, make_account):
    sub, email, secret = make_account("lead", lead_scope="DEMO2")
    tokens = full_flow(browser, rp, email, totp=secret)
    claims = verify_id_token(rp.client, tokens["id_token"], "analytics").claims
    assert claims["roles"] == ["lead"] and claims["lead_scope"] == "DEMO2"
    assert claims["amr"] == ["pwd", "otp"]


def test_single_sign_on_second_client_needs_no_password(browser, rp, make_account, accounts_app, ext):
    _sub, email, _ = make_account("learner")
    full_flow(browser, rp, email)
    training = RelyingParty(accounts_app.test_client(), ext.ctx.settings, "training")
    code = training.code_from(browser.get(training.authorize_url()))
    tokens = training.exchange(code, post=True).get_json()  # client_secret_post works too
    assert verify_id_token(training.client, tokens["id_token"], "training").claims["email"] == email


def test_a_role_needing_two_factor_without_one_must_enrol_before_a_code(browser, rp, make_account):
    _sub, email, _ = make_account("reviewer", totp=False)
    url = rp.authorize_url()
    response = browser.sign_in(email, next=url)
    assert "/two-factor/set-up" in response.location
    assert "/two-factor/set-up" in browser.get(url).location  # no code until enrolled


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"scope": "profile"}, None),
    ],
    ids=["missing-pkce", "plain-pkce", "no-openid"],
)
def test_authorize_refuses_bad_requests_back_to_the_client(browser, rp, make_account, change, error):
    _sub, email, _ = make_account("learner")
    browser.sign_in(email)
    response = browser.get(rp.authorize_url(**change))
    if error is None:
        return  # a plain OAuth request: allowed, but no ID token (not an OpenID flow)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.location).query)
    assert query["error"] == [error] and query["state"] == [rp.state]


def test_unknown_client_or_redirect_uri_is_shown_not_redirected(browser, rp, make_account):
    _sub, email, _ = make_account("learner")
    browser.sign_in(email)
    for change in ({"redirect_uri": "https://evil.example/callback"}, {"client_id": "nobody"}):
        response = browser.get(rp.authorize_url(**change))
        assert response.status_code == 400
        assert "evil.example" not in (response.location or "")
        assert "not valid" in response.get_data(as_text=True)


def test_token_endpoint_refuses_bad_secret_verifier_redirect_and_reuse(browser, rp, make_account, ext):
    _sub, email, _ = make_account("learner")
    code = sign_in_and_get_code(browser, rp, email)
    assert rp.exchange(code, secret="x" * 40).status_code == 401
    assert rp.exchange(code, verifier="wrong" * 10).get_json()["error"] == "invalid_grant"
    assert rp.exchange(code, verifier="").get_json()["error"] == "invalid_request"
    assert rp.exchange(code, redirect_uri="http://127.0.0.1:5002/other").get_json()["error"] == "invalid_grant"
    with unit_of_work(ext.sessions) as db:
        assert db.scalars(select(AccessToken)).all() == []  # nothing issued by the failures
    assert rp.exchange(code).status_code == 200
    again = rp.exchange(code)
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"


def test_an_expired_code_is_refused(browser, rp, make_account, clock):
    _sub, email, _ = make_account("learner")
    code = sign_in_and_get_code(browser, rp, email)
    clock.offset += 5 * 60
    assert rp.exchange(code).get_json()["error"] == "invalid_grant"


def test_a_replayed_nonce_is_refused(browser, rp, make_account):
    _sub, email, _ = make_account("learner")
    code = sign_in_and_get_code(browser, rp, email)
    assert code
    response = browser.get(rp.authorize_url())  # same nonce again
    assert parse_qs(urlsplit(response.location).query)["error"] == ["invalid_request"]


def _signed_in_tokens(browser, rp, make_account, *roles):
    sub, email, secret = make_account(*roles)
    return sub, full_flow(browser, rp, email, totp=secret)


def test_userinfo_401_after_sign_out(browser, rp, make_account):
    _sub, tokens = _signed_in_tokens(browser, rp, make_account, "learner")
    assert rp.userinfo(tokens["access_token"]).status_code == 200
    browser.post("/sign-out", token_from="/sign-out")
    response = rp.userinfo(tokens["access_token"])
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_token"
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_userinfo_401_after_sign_out_everywhere_in_another_browser(browser, new_browser, rp, make_account):
    sub, email, _ = make_account("learner")
    tokens = full_flow(browser, rp, email)
    other = new_browser()
    other.sign_in(email)
    other.post("/account/sign-out-everywhere", token_from="/")
    assert rp.userinfo(tokens["access_token"]).status_code == 401


def test_userinfo_401_after_idle_and_absolute_timeouts(browser, rp, make_account, clock):
    _sub, tokens = _signed_in_tokens(browser, rp, make_account, "learner")
    clock.offset += 119 * 60
    assert rp.userinfo(tokens["access_token"]).status_code == 200  # counts as activity
    clock.offset += 119 * 60
    assert rp.userinfo(tokens["access_token"]).status_code == 200
    clock.offset += 121 * 60
    assert rp.userinfo(tokens["access_token"]).status_code == 401

    _sub, tokens = _signed_in_tokens(browser, rp, make_account, "learner")
    for _ in range(12):
        clock.offset += 60 * 60
        last = rp.userinfo(tokens["access_token"]).status_code
    assert last == 401  # 12 hours after sign-in, however active


def test_leads_and_admins_idle_out_after_thirty_minutes(browser, rp, make_account, clock):
    _sub, tokens = _signed_in_tokens(browser, rp, make_account, "lead")
    clock.offset += 29 * 60
    assert rp.userinfo(tokens["access_token"]).status_code == 200
    clock.offset += 31 * 60
    assert rp.userinfo(tokens["access_token"]).status_code == 401


def test_role_removal_and_disabling_are_seen_by_the_next_userinfo(browser, rp, make_account, ext):
    from services.accounts import operations as ops
    from services.accounts.models import Account

    sub, tokens = _signed_in_tokens(browser, rp, make_account, "learner", "trainer")
    with unit_of_work(ext.sessions) as db:
        ops.set_roles(db, sub, ["learner"], None)
    assert rp.userinfo(tokens["access_token"]).get_json()["roles"] == ["learner"]
    with unit_of_work(ext.sessions) as db:
        db.get(Account, sub).disabled = True
    assert rp.userinfo(tokens["access_token"]).status_code == 401


def test_userinfo_without_or_with_a_made_up_token(rp):
    assert rp.client.get("/oauth/userinfo").status_code == 401
    assert rp.userinfo("made-up").status_code == 401


def test_end_session_with_hint_ends_the_session_and_returns_with_state(browser, rp, make_account):
    _sub, tokens = _signed_in_tokens(browser, rp, make_account, "learner")
    response = browser.get("/oauth/end-session?" + __import__("urllib.parse").parse.urlencode({
        "id_token_hint": tokens["id_token"], "client_id": "analytics",
        "post_logout_redirect_uri": "http://127.0.0.1:5002/signed-out", "state": "xyz"}))
    assert response.status_code == 302
    assert response.location == "http://127.0.0.1:5002/signed-out?state=xyz"
    assert rp.userinfo(tokens["access_token"]).status_code == 401
    assert "/sign-in" in browser.get("/").location


@pytest.mark.parametrize(
    "params",
    [
        {"client_id": "analytics", "post_logout_redirect_uri": "https://evil.example/"},
        {"client_id": "training", "post_logout_redirect_uri": "http://127.0.0.1:5002/signed-out"},
        {"client_id": "nobody"},
        {"id_token_hint": "not.a.token"},
    ],
    ids=["unregistered-uri", "other-clients-uri", "unknown-client", "bad-hint"],
)
def test_end_session_refuses_bad_requests_and_changes_nothing(browser, rp, make_account, params):
    from urllib.parse import urlencode

    _sub, tokens = _signed_in_tokens(browser, rp, make_account, "learner")
    response = browser.get("/oauth/end-session?" + urlencode(params))
    assert response.status_code == 400
    assert rp.userinfo(tokens["access_token"]).status_code == 200


def test_end_session_for_another_clients_token_is_refused(browser, rp, make_account):
    from urllib.parse import urlencode

    _sub, tokens = _signed_in_tokens(browser, rp, make_account, "learner")
    response = browser.get("/oauth/end-session?" + urlencode({"id_token_hint": tokens["id_token"],
                                                               "client_id": "training"}))
    assert response.status_code == 400
    assert rp.userinfo(tokens["access_token"]).status_code == 200


def test_end_session_without_hint_asks_first(browser, rp, make_account):
    _sub, tokens = _signed_in_tokens(browser, rp, make_account, "learner")
    response = browser.get(
        "/oauth/end-session?client_id=analytics&post_logout_redirect_uri=http://127.0.0.1:5002/signed-out")
    assert response.status_code == 200 and "Sign out" in response.get_data(as_text=True)
    assert rp.userinfo(tokens["access_token"]).status_code == 200
    done = browser.post("/sign-out", {"then": "http://127.0.0.1:5002/signed-out"}, token_from="/sign-out")
    assert done.location == "http://127.0.0.1:5002/signed-out"
    assert rp.userinfo(tokens["access_token"]).status_code == 401


def test_codes_and_tokens_are_stored_only_as_hashes(browser, rp, make_account, ext):
    _sub, tokens = _signed_in_tokens(browser, rp, make_account, "learner")
    with unit_of_work(ext.sessions) as db:
        stored = [t.token_hash for t in db.scalars(select(AccessToken))]
        codes = [c.code_hash for c in db.scalars(select(AuthorizationCode))]
    assert tokens["access_token"] not in stored and len(stored) == 1
    assert all(len(h) == 64 for h in stored + codes)

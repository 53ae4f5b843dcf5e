"""Analytics and training sign staff in against a real OpenID Connect provider (oidc-provider-mock)."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import select

from portal_common.db import unit_of_work
from portal_common.signin import hash_token, token_cipher
from services.analytics.models import Report
from services.training.models import CaseCandidate, StaffSession

from ..support.scan import dump_database
from .conftest import authorize, csrf_token, sign_in

ALICE = {"name": "Alice Okafor", "email": "alice.okafor@example.nhs.uk"}


def _rows(app) -> list:
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        return list(db.scalars(select(StaffSession)))


def _live(app) -> list:
    return [row for row in _rows(app) if not row.ended]


def _cookie(client, app) -> str | None:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return cookie.value if cookie else None


def test_entra_style_groups_map_to_roles_and_the_person_lands_where_they_were_going(rp_factory, provider):
    app = rp_factory("training", OIDC_ROLES_CLAIM="groups",
                     OIDC_ROLE_MAP=json.dumps({"6f1c-trainers": "trainer", "a9d2-reviewers": "reviewer"}))
    client = app.test_client()
    landed = sign_in(provider, client, "entra-oid-1", {**ALICE, "groups": ["6f1c-trainers", "0000-unrelated"]},
                     next_path="/?tab=cases")
    assert landed.status_code == 302 and landed.headers["Location"] == "/?tab=cases"
    page = client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Alice Okafor" in text and ">Sign out</button>" in text
    assert "<li>Learner</li><li>Trainer</li>" in text  # the default role plus the mapped group
    assert 'data-testid="cases-waiting">0<' in text
    assert page.headers["Cache-Control"] == "no-store"
    [row] = _rows(app)
    assert row.roles == "learner trainer" and row.subject == "entra-oid-1" and row.lead_scope is None
    # The provider's tokens are kept encrypted with a key derived from the app's secret.
    cipher = token_cipher(app.config["SECRET_KEY"])
    assert cipher.decrypt(row.access_token.encode()) and cipher.decrypt(row.id_token.encode()).count(b".") == 2
    assert "ey" not in row.id_token[:2]  # not a readable JWT
    # The cookie holds a token; the table holds only its hash.
    with client.session_transaction() as flask_session:
        assert row.id == hash_token(flask_session["_user_id"]) != flask_session["_user_id"]


def test_someone_with_no_roles_claim_is_a_learner_and_cannot_open_analytics(rp_factory, provider):
    training, analytics = rp_factory("training"), rp_factory("analytics")
    hub = training.test_client()
    sign_in(provider, hub, "learner-1", {**ALICE, "lead_scope": "RX1"})
    text = hub.get("/").get_data(as_text=True)
    assert "<li>Learner</li>" in text and "Trainer" not in text and "cases-waiting" not in text
    assert ">Analytics<" not in text  # only leads see the link
    assert _rows(training)[0].lead_scope is None  # a scope without the lead role means nothing
    assert hub.get("/api/v1/candidates/stats").status_code == 403

    insights = analytics.test_client()
    sign_in(provider, insights, "learner-1", ALICE)
    refused = insights.get("/")
    assert refused.status_code == 403
    assert "This page is for staff with the lead role" in refused.get_data(as_text=True)
    assert insights.get("/api/v1/stats").status_code == 403


def test_a_lead_signs_in_to_the_dashboard_with_their_scope(rp_factory, provider):
    app = rp_factory("analytics")
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        for n in range(3):  # report rows are never shown: only published releases are
            db.add(Report(id=f"00000000-0000-0000-0000-00000000000{n}", submitted_week=__import__("datetime").date(
                2026, 11, 16), characteristics=[], sources=[], themes=[]))
    client = app.test_client()
    sign_in(provider, client, "lead-1", {**ALICE, "roles": ["lead"], "lead_scope": "RX1", "amr": ["pwd", "otp"]})
    page = client.get("/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "No figures have been published yet" in text
    assert ">Analytics<" in text and ">Training hub<" in text and ">Your account<" in text
    assert 'href="http://127.0.0.1:5004/"' in text
    assert client.get("/api/v1/stats").status_code == 403  # the system headline is for system-wide leads
    [row] = _rows(app)
    assert (row.roles, row.lead_scope, row.amr) == ("learner lead", "RX1", "pwd otp")


def test_anonymous_people_are_sent_to_sign_in(rp_factory, provider):
    for service in ("analytics", "training"):
        client = rp_factory(service).test_client()
        page = client.get("/?x=1")
        assert page.status_code == 302 and page.headers["Location"] == "/signin?next=/?x%3D1"
        assert client.get("/api/v1/stats" if service == "analytics" else "/api/v1/candidates/stats").status_code == 401
        start = client.get("/signin")
        assert start.status_code == 302
        query = parse_qs(urlsplit(start.headers["Location"]).query)
        assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
        assert query["state"][0] and query["nonce"][0] and query["client_id"] == [service]
        assert query["redirect_uri"] == [f"http://127.0.0.1:{5002 if service == 'analytics' else 5003}/signin/callback"]
        assert set(query["scope"][0].split()) == {"openid", "profile", "email", "roles"}


def test_sign_in_never_returns_to_another_site(rp_factory, provider):
    client = rp_factory("training").test_client()
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        provider.set_user("u", ALICE)
        landed = client.get(authorize(provider, client, "u", next_path=target.replace("&", "%26")))
        assert landed.headers["Location"] == "/", target
        client.post("/signout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})


def test_sign_out_ends_the_session_here_and_at_the_provider(rp_factory, provider):
    app = rp_factory("training")
    client = app.test_client()
    sign_in(provider, client, "u-out", ALICE)
    token = csrf_token(client.get("/").get_data(as_text=True))
    [row] = _rows(app)
    id_token = token_cipher(app.config["SECRET_KEY"]).decrypt(row.id_token.encode()).decode()
    out = client.post("/signout", data={"csrf_token": token})
    assert out.status_code == 302
    location = urlsplit(out.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == provider.url + "/oauth2/end_session"
    query = parse_qs(location.query)
    assert query == {"id_token_hint": [id_token], "client_id": ["training"],
                     "post_logout_redirect_uri": ["http://127.0.0.1:5003/signed-out"]}
    [row] = _rows(app)
    assert row.ended and row.access_token is None and row.id_token is None
    assert client.get("/").status_code == 302  # signed out here


def test_the_sign_out_form_needs_its_csrf_token(rp_factory, provider):
    app = rp_factory("training")
    client = app.test_client()
    sign_in(provider, client, "u-csrf", ALICE)
    refused = client.post("/signout")
    assert refused.status_code == 400 and "This page has expired" in refused.get_data(as_text=True)
    assert client.post("/signout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/").status_code == 200 and len(_live(app)) == 1


def test_revocation_at_the_provider_signs_the_person_out_on_their_next_request(rp_factory, provider):
    app = rp_factory("analytics")
    client = app.test_client()
    sign_in(provider, client, "u-revoked", {**ALICE, "roles": ["lead"]})
    assert client.get("/").status_code == 200
    provider.revoke("u-revoked")
    page = client.get("/")
    assert page.status_code == 302 and page.headers["Location"] == "/signin?next=/"
    assert _live(app) == []
    told = client.get("/signin?next=/")
    assert told.status_code == 200 and "You have been signed out" in told.get_data(as_text=True)


def test_a_role_removed_at_the_provider_applies_on_the_next_request(rp_factory, provider):
    app = rp_factory("analytics")
    client = app.test_client()
    sign_in(provider, client, "u-demoted", {**ALICE, "roles": ["lead"], "lead_scope": "system"})
    assert client.get("/").status_code == 200
    provider.set_user("u-demoted", {**ALICE, "name": "Alice O.", "roles": []})
    assert client.get("/").status_code == 403
    [row] = _live(app)
    assert (row.roles, row.lead_scope, row.display_name) == ("learner", None, "Alice O.")
    provider.set_user("u-demoted", {**ALICE, "roles": ["lead"], "lead_scope": "system"})
    assert client.get("/").status_code == 200  # given back just as quickly


def test_an_unreachable_provider_closes_signed_in_pages(rp_factory, provider):
    app = rp_factory("training")
    client = app.test_client()
    sign_in(provider, client, "u-down", ALICE)
    app.extensions["signin"].client.server_metadata["userinfo_endpoint"] = "http://127.0.0.1:9/userinfo"
    page = client.get("/")
    assert page.status_code == 503 and "Sign-in is unavailable" in page.get_data(as_text=True)
    assert len(_live(app)) == 1  # not ended: it works again once the provider answers
    assert client.get("/healthz").status_code == 200


def test_recheck_none_keeps_sessions_until_their_timeouts(rp_factory, provider):
    app = rp_factory("training", OIDC_RECHECK="none")
    client = app.test_client()
    sign_in(provider, client, "u-norecheck", ALICE)
    provider.revoke("u-norecheck")
    assert client.get("/").status_code == 200
    app.clock.advance(120)
    assert client.get("/").status_code == 302


def test_idle_timeout_is_shorter_for_leads(rp_factory, provider):
    app = rp_factory("training")
    lead, learner = app.test_client(), app.test_client()
    sign_in(provider, lead, "u-lead", {**ALICE, "roles": ["lead"]})
    sign_in(provider, learner, "u-learner", ALICE)
    app.clock.advance(29)
    assert lead.get("/").status_code == 200 and learner.get("/").status_code == 200
    app.clock.advance(30)
    assert lead.get("/").status_code == 302  # 30 minutes idle
    assert learner.get("/").status_code == 200
    app.clock.advance(119)
    assert learner.get("/").status_code == 200
    app.clock.advance(120)
    page = learner.get("/")
    assert page.status_code == 302
    assert "nothing happened for 120 minutes" in learner.get("/signin?next=/").get_data(as_text=True)
    assert _live(app) == []


def test_absolute_lifetime_ends_even_a_busy_session(rp_factory, provider):
    app = rp_factory("training", SESSION_ABSOLUTE_HOURS="2")
    client = app.test_client()
    sign_in(provider, client, "u-busy", ALICE)
    for _ in range(11):
        app.clock.advance(10)
        assert client.get("/").status_code == 200
    app.clock.advance(10)
    assert client.get("/").status_code == 302
    assert "more than 2 hours ago" in client.get("/signin?next=/").get_data(as_text=True)


def test_each_sign_in_makes_a_new_session(rp_factory, provider):
    """No fixation: nothing planted in the cookie before sign-in survives it, and the token is new."""
    app = rp_factory("training")
    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = "a-token-an-attacker-chose"
        flask_session["planted"] = "by someone else"
    client.get("/signin?go=1")
    before = _cookie(client, app)
    provider.set_user("u-fix", ALICE)
    client.get(authorize(provider, client, "u-fix"))
    assert _cookie(client, app) != before
    with client.session_transaction() as flask_session:
        token = flask_session["_user_id"]
        assert token != "a-token-an-attacker-chose" and "planted" not in flask_session
        assert not any(key.startswith("_state_") for key in flask_session)
    [row] = _live(app)
    assert row.id == hash_token(token)
    # A second person signing in on another browser gets a session of their own.
    other = app.test_client()
    sign_in(provider, other, "u-fix-2", ALICE)
    assert len(_live(app)) == 2
    with other.session_transaction() as flask_session:
        assert flask_session["_user_id"] != token


def test_cookies_are_httponly_samesite_and_secure_over_https(rp_factory, provider):
    app = rp_factory("training")
    client = app.test_client()
    provider.set_user("u-cookie", ALICE)
    landed = client.get(authorize(provider, client, "u-cookie"))
    cookie = landed.headers["Set-Cookie"]
    assert cookie.startswith("training_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie

    secure = rp_factory("training", PORTAL_TRAINING_PUBLIC_URL="https://hub.example.nhs.uk")
    client = secure.test_client()
    base = "https://hub.example.nhs.uk"
    start = client.get("/signin?go=1", base_url=base)
    assert "Secure" in start.headers["Set-Cookie"]
    assert parse_qs(urlsplit(start.headers["Location"]).query)["redirect_uri"] == [base + "/signin/callback"]
    answer = requests.post(start.headers["Location"], data={"sub": "u-cookie"}, allow_redirects=False, timeout=5)
    callback = urlsplit(answer.headers["Location"])
    assert f"{callback.scheme}://{callback.netloc}" == base
    landed = client.get(f"{callback.path}?{callback.query}", base_url=base)
    assert landed.status_code == 302 and landed.headers["Location"] == "/"
    assert "Secure" in landed.headers["Set-Cookie"] and "HttpOnly" in landed.headers["Set-Cookie"]
    assert client.get("/", base_url=base).status_code == 200


def test_nothing_about_the_browser_or_its_address_is_kept(rp_factory, provider, databases, caplog):
    caplog.set_level(logging.DEBUG)
    app = rp_factory("training")
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR="192.0.2.77", HTTP_USER_AGENT="ProbeBrowser/9.1")
    sign_in(provider, client, "u-private", ALICE)
    client.get("/")
    stored = dump_database(databases.urls["training"])
    for trace in ("192.0.2.77", "ProbeBrowser"):
        assert trace not in stored and trace not in caplog.text
    with client.session_transaction() as flask_session:
        assert set(flask_session) <= {"_user_id", "_fresh", "_id", "csrf_token"}
        assert not flask_session.get("_id")
        assert hash_token(flask_session["_user_id"]) == _rows(app)[0].id


def test_reviewers_see_how_many_candidates_wait_for_them(rp_factory, provider):
    app = rp_factory("training")
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        for n, flagged in enumerate((True, False, True)):
            db.add(CaseCandidate(report_id=f"r{n}", redacted_text="x", themes=[], characteristics=[],
                                 needs_review=flagged))
    client = app.test_client()
    sign_in(provider, client, "u-reviewer", {**ALICE, "roles": ["reviewer"]})
    text = client.get("/").get_data(as_text=True)
    assert 'data-testid="cases-waiting">3<' in text and "2 of them were flagged" in text
    assert client.get("/api/v1/candidates/stats").get_json() == {"candidates": 3}


def test_forms_may_lead_on_to_the_provider_and_the_other_staff_services_and_nowhere_else(rp_factory, provider):
    # Browsers apply form-action to the redirects after a POST: signing out posts here and is sent
    # on to the provider's end-session page, so its origin must be allowed, and only that widens.
    app = rp_factory("training")
    policy = app.test_client().get("/signed-out").headers["Content-Security-Policy"]
    [form_action] = [d.strip() for d in policy.split(";") if d.strip().startswith("form-action")]
    assert form_action.split() == ["form-action", "'self'", "http://127.0.0.1:5004", "http://127.0.0.1:5002",
                                   provider.url]
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy

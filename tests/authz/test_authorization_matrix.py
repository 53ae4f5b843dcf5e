"""Every route of every web service, called by every kind of caller, against authorization.yaml.

The staff services run as they do in production: the accounts service is a live OpenID
Connect provider on a real socket, and analytics and training sign people in through it
(discovery, token exchange and the per-request userinfo check all go over HTTP). Each
role gets a real account, with a second factor where the role needs one, and signs in
once at accounts; the relying parties then sign in by single sign-on.

CSRF is switched off here so that a refused POST is refused for who is calling, not for a
missing token; CSRF on every form is tested in each service's own tests.
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import werkzeug.serving
import yaml

from portal_common.db import unit_of_work
from portal_common.roles import ROLES, needs_second_factor
from portal_ops import registry

from ..accounts.conftest import PASSWORD, Browser
from ..conftest import make_app, settings_class
from ..support.processes import free_port

TABLE = yaml.safe_load((Path(__file__).with_name("authorization.yaml")).read_text())
CALLERS = ("anonymous", *ROLES)
IGNORED_METHODS = {"HEAD", "OPTIONS"}
SAMPLE_ARGS = {
    "account_id": "no-such-account",
    "token_hash": "0" * 64,
    "token": "not-a-real-invitation-link",
}
STATIC_FILES = {"static": "intake.css", "staff_ui.static": "staff.css"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - IGNORED_METHODS):
            yield f"{method} {rule.endpoint}", method, rule


def _url(app, rule) -> str:
    args = {name: SAMPLE_ARGS.get(name, "x") for name in rule.arguments}
    if rule.endpoint in STATIC_FILES:
        args["filename"] = STATIC_FILES[rule.endpoint]
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **args)


def _spec(value) -> tuple[object, int | None, bool]:
    if isinstance(value, dict):
        return value["access"], value.get("expect"), bool(value.get("signs_out"))
    return value, None, False


def _sent_to_sign_in(response) -> bool:
    if response.status_code not in (301, 302, 303, 307, 308):
        return False
    path = urlsplit(response.headers.get("Location", "")).path
    return path.rstrip("/").endswith(("/signin", "/sign-in"))


def _verdict(path: str, spec, caller: str, response) -> str | None:
    """None when the answer is what the table says this caller should get, else why not."""
    access, expect, signs_out = spec
    status = response.status_code
    if expect is not None:
        return None if status == expect else f"expected {expect}"
    if status >= 500:
        return "server error"
    allowed = access == "public" or (caller != "anonymous" and (access == "signed_in" or caller in access))
    if allowed:
        if status in (401, 403) or (_sent_to_sign_in(response) and not signs_out):
            return "refused a caller the table allows"
        return None
    if caller == "anonymous":
        if path.startswith("/api/"):
            return None if status == 401 else "expected 401 for an anonymous API call"
        return None if _sent_to_sign_in(response) else "expected a redirect to sign in"
    return None if status == 403 else "expected 403"


class StaffSite:
    """accounts live on a socket; analytics and training as in-process relying parties of it."""

    def __init__(self, env):
        port = free_port()
        self.accounts_url = f"http://127.0.0.1:{port}"
        site_env = {
            **env,
            "PORTAL_ACCOUNTS_PUBLIC_URL": self.accounts_url,
            "PORTAL_ANALYTICS_PUBLIC_URL": "http://analytics.test",
            "PORTAL_TRAINING_PUBLIC_URL": "http://training.test",
        }
        self.apps = {name: make_app(name, settings_class(name).from_env(site_env))
                     for name in ("accounts", "analytics", "training")}
        for app in self.apps.values():
            app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
        self.server = werkzeug.serving.make_server("127.0.0.1", port, self.apps["accounts"], threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()
        self.made = 0

    def close(self):
        self.server.shutdown()
        self.thread.join(5)
        self.server.server_close()
        for app in self.apps.values():
            app.extensions["portal"]["engine"].dispose()

    def make_account(self, *roles: str) -> tuple[str, str, str | None]:
        import pyotp

        from services.accounts import operations as ops

        ext = self.apps["accounts"].extensions["accounts"]
        self.made += 1
        email = f"{'-'.join(roles)}-{self.made}@example.nhs.uk"
        with unit_of_work(ext.sessions) as db:
            account = ops.create_account(db, ext.ctx, email=email, name=f"Staff Member {self.made}",
                                         password=PASSWORD, roles=roles,
                                         lead_scope="system" if "lead" in roles else None)
            secret = None
            if needs_second_factor(roles):
                secret = pyotp.random_base32()
                account.totp_secret = ext.ctx.secrets.encrypt(secret)
            return account.id, email, secret

    def accounts_browser(self, *roles: str) -> Browser:
        """A browser signed in at accounts (second factor passed where the role needs one)."""
        _id, email, secret = self.make_account(*roles)
        browser = Browser(self.apps["accounts"].test_client())
        response = browser.sign_in(email, totp=secret)
        assert response.status_code == 302 and "/two-factor" not in response.headers["Location"], response.status
        return browser

    def relying_party(self, service: str, at_accounts: Browser):
        """A browser signed in to a relying party by single sign-on from ``at_accounts``."""
        client = self.apps[service].test_client()
        start = client.get("/signin?go=1")
        location = start.headers["Location"]
        assert location.startswith(self.accounts_url + "/oauth/authorize?"), location
        parts = urlsplit(location)
        answer = at_accounts.client.get(f"{parts.path}?{parts.query}")
        assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
        callback = urlsplit(answer.headers["Location"])
        assert callback.path == "/signin/callback", answer.headers["Location"]
        done = client.get(f"{callback.path}?{callback.query}")
        assert done.status_code == 302 and not _sent_to_sign_in(done), done.get_data(as_text=True)[:300]
        return client

    def client_for(self, service: str, caller: str):
        if service == "intake":
            raise AssertionError("intake is checked anonymously")
        client = self.apps[service].test_client()
        if caller == "anonymous":
            return client
        at_accounts = self.accounts_browser(caller)
        return at_accounts.client if service == "accounts" else self.relying_party(service, at_accounts)


@pytest.fixture
def staff_site(env):
    site = StaffSite(env)
    yield site
    site.close()


def test_the_table_names_every_route_and_only_routes_that_exist(settings_for, staff_site):
    apps = {**staff_site.apps, "intake": make_app("intake", settings_for("intake"))}
    assert set(TABLE) == {svc.name for svc in registry.web_services()}, "every web service has a section"
    for service, app in apps.items():
        in_map = {key for key, _method, _rule in _routes(app)}
        in_table = set(TABLE[service])
        assert not in_map - in_table, f"{service}: routes with no entry in authorization.yaml: {sorted(in_map - in_table)}"
        assert not in_table - in_map, f"{service}: entries for routes that do not exist: {sorted(in_table - in_map)}"
        for key, value in TABLE[service].items():
            access, _expect, _signs_out = _spec(value)
            assert access in ("public", "signed_in") or (isinstance(access, list) and set(access) <= set(ROLES)), key


@pytest.mark.parametrize("service", ["accounts", "analytics", "training"])
def test_every_staff_route_answers_every_caller_as_the_table_says(service, staff_site, capsys):
    app = staff_site.apps[service]
    failures, checked = [], 0
    for caller in CALLERS:
        client = staff_site.client_for(service, caller)
        for key, method, rule in sorted(_routes(app), key=lambda r: (r[1] != "GET", r[0])):
            spec = _spec(TABLE[service][key])
            path = _url(app, rule)
            if method == "GET":
                response = client.get(path)
            else:
                kwargs = {"json": {}} if path.startswith("/api/") else {"data": {}}
                response = client.open(path, method=method, **kwargs)
            response.close()
            checked += 1
            problem = _verdict(path, spec, caller, response)
            if problem:
                failures.append(f"{caller:9} {method:4} {path}: {response.status_code} ({problem})")
            if method != "GET":
                # A POST may have signed this caller out or changed their account: start afresh.
                client = staff_site.client_for(service, caller)
    with capsys.disabled():
        print(f"\n{service}: {checked} route x caller checks against authorization.yaml")
    assert not failures, "\n".join(failures)


def test_every_intake_route_answers_anonymous_reporters(settings_for):
    app = make_app("intake", settings_for("intake"))
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    failures = []
    for key, method, rule in _routes(app):
        spec = _spec(TABLE["intake"][key])
        path = _url(app, rule)
        kwargs = {"json": {}} if method != "GET" and path.startswith("/api/") else {}
        response = client.open(path, method=method, **kwargs)
        problem = _verdict(path, spec, "anonymous", response)
        response.close()
        if problem:
            failures.append(f"{method} {path}: {response.status_code} ({problem})")
    app.extensions["portal"]["engine"].dispose()
    assert not failures, "\n".join(failures)

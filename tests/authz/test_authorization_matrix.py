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

from pathlib import Path

import pytest
import yaml

from portal_common.roles import ROLES
from portal_ops import registry

from ..conftest import make_app, run_relay_once
from .site import sent_to_sign_in as _sent_to_sign_in

TABLE = yaml.safe_load((Path(__file__).with_name("authorization.yaml")).read_text())
CALLERS = ("anonymous", *ROLES)
IGNORED_METHODS = {"HEAD", "OPTIONS"}
SAMPLE_ARGS = {
    "account_id": "no-such-account",
    "token_hash": "0" * 64,
    "token": "not-a-real-invitation-link",
    "target_id": "0",
    "upload_id": "0",
    "cohort_id": "0",
    "session_id": "0",
    "run_id": "0",
    "case_id": "0",
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


def test_the_table_names_every_route_and_only_routes_that_exist(settings_for, staff_site):
    apps = {**staff_site.apps, "intake": make_app("intake", settings_for("intake"))}
    assert set(TABLE) == {svc.name for svc in registry.web_services()}, "every web service has a section"
    for service, app in apps.items():
        in_map = {key for key, _method, _rule in _routes(app)}
        in_table = set(TABLE[service])
        missing = sorted(in_map - in_table)
        assert not missing, f"{service}: routes with no entry in authorization.yaml: {missing}"
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
    run_relay_once(settings_for)  # intake is ready (/readyz) only once its relay has run
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

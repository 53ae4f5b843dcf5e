"""Administrators: invitations by email (real SMTP and the folder), roles, disabling, audit."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from email import message_from_bytes
from pathlib import Path

import pyotp
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal_common.db import unit_of_work
from services.accounts.mail import Mailer
from services.accounts.models import Account, AuditEvent

from ..support.processes import free_port
from .conftest import PASSWORD
from .test_oidc import full_flow

ROOT = Path(__file__).resolve().parents[2]


def cli_env(env):
    return {**env, "PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT}:{ROOT / 'libs'}"}


LINK = re.compile(r"http://127\.0\.0\.1:5004(/invitation/[A-Za-z0-9_-]+)")


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def admin_browser(browser, make_account):
    sub, email, secret = make_account("admin", name="Alex Admin")
    browser.sign_in(email, totp=secret)
    return sub


def folder_links(ext) -> list[str]:
    folder: Path = ext.ctx.settings.mail_folder
    found = []
    for path in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime):
        body = message_from_bytes(path.read_bytes()).get_payload(decode=True).decode()
        found += LINK.findall(body)
    return found


def test_admin_pages_refuse_anonymous_non_admins_and_admins_without_a_second_factor(browser, new_browser,
                                                                                 make_account):
    pages = ["/admin/accounts", "/admin/invite", "/admin/audit", "/admin/accounts/x"]
    for path in pages:
        assert "/sign-in" in browser.get(path).location
    for role in ("learner", "trainer", "reviewer", "lead"):
        _sub, email, secret = make_account(role)
        b = new_browser()
        b.sign_in(email, totp=secret)
        for path in pages:
            assert b.get(path).status_code == 403, (role, path)
        assert b.post("/admin/invite", {"email": "x@example.nhs.uk"}, token_from="/").status_code == 403
    _sub, email, _ = make_account("admin", totp=False)
    b = new_browser()
    b.sign_in(email)
    for path in pages:
        response = b.get(path)
        assert response.status_code == 302 and "/two-factor/set-up" in response.location
    landed = b.get("/admin/accounts", follow_redirects=True).get_data(as_text=True)
    assert "<h1>Set up two-factor authentication</h1>" in landed and "Open invitations" not in landed


def test_invite_by_folder_then_set_password_and_sign_in(browser, new_browser, make_account, ext):
    admin = admin_browser(browser, make_account)
    bad = browser.post("/admin/invite", {"email": "not-an-email", "name": "", "lead_scope": "system"},
                       token_from="/admin/invite")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "correct format" in text and "Enter their full name" in text
    assert "Select at least one role" in text and 'value="not-an-email"' in text
    ok = browser.post("/admin/invite", {"email": "Kofi.Mensah@Example.nhs.uk", "name": "Kofi Mensah",
                                        "roles": ["trainer", "lead"], "lead_scope": "DEMO3"},
                      token_from="/admin/invite")
    assert ok.status_code == 302
    [link] = folder_links(ext)
    invited = new_browser()
    page = invited.get(link)
    assert "kofi.mensah@example.nhs.uk" in page.get_data(as_text=True)
    weak = invited.post(link, {"password": "kofimensah12345", "confirm": "kofimensah12345"}, token_from=link)
    assert weak.status_code == 400 and "must not contain" in weak.get_data(as_text=True)
    done = invited.post(link, {"password": "granite willow sparrow", "confirm": "granite willow sparrow"},
                        token_from=link)
    assert done.status_code == 302 and "/two-factor/set-up" in done.location  # lead needs a second factor
    assert invited.get(link).status_code == 410  # used
    with unit_of_work(ext.sessions) as db:
        account = db.scalar(select(Account).where(Account.email == "kofi.mensah@example.nhs.uk"))
        events = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    from services.accounts import operations as ops

    with unit_of_work(ext.sessions) as db:
        assert ops.roles_of(db, account.id) == (("trainer", "lead"), "DEMO3")
    sent = [e for e in events if e.action == "invitation.sent"]
    assert sent[0].actor_id == admin
    created = [e for e in events if e.action == "account.created"]
    assert created[0].target_id == account.id and created[0].actor_id == admin


def test_expired_revoked_and_resent_links(browser, new_browser, make_account, ext, clock):
    admin_browser(browser, make_account)
    browser.post("/admin/invite", {"email": "late@example.nhs.uk", "name": "Lee Late", "roles": ["learner"],
                                   "lead_scope": "system"}, token_from="/admin/invite")
    [first] = folder_links(ext)
    clock.offset += 73 * 3600
    expired = new_browser().get(first)
    assert expired.status_code == 410 and "expired or has already been used" in expired.get_data(as_text=True)
    clock.offset = 0
    page = browser.get("/admin/accounts").get_data(as_text=True)
    resend = re.search(r'action="(/admin/invitations/[0-9a-f]+/resend)"', page).group(1)
    browser.post(resend, token_from="/admin/accounts")
    links = folder_links(ext)
    assert len(links) == 2 and new_browser().get(first).status_code == 410  # the old link stops working
    assert new_browser().get(links[1]).status_code == 200
    page = browser.get("/admin/accounts").get_data(as_text=True)
    revoke = re.search(r'action="(/admin/invitations/[0-9a-f]+/revoke)"', page).group(1)
    browser.post(revoke, token_from="/admin/accounts")
    assert new_browser().get(links[1]).status_code == 410


def test_invitation_email_goes_over_real_smtp(ext, smtp):
    controller, inbox = smtp
    settings = ext.ctx.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": controller.port,
                                                   "smtp_starttls": False})
    Mailer(settings).send("ngozi@example.nhs.uk", "You have been invited", "Open this link: http://x/invitation/y")
    deadline = time.monotonic() + 5
    while not inbox.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    [(recipients, message)] = inbox.messages
    assert recipients == ["ngozi@example.nhs.uk"]
    assert message["Subject"] == "You have been invited"
    assert "invitation/y" in message.get_payload()


def test_admin_invite_through_smtp(browser, make_account, accounts_app, ext, smtp):
    controller, inbox = smtp
    settings = ext.ctx.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": controller.port,
                                                   "smtp_starttls": False})
    ext.mailer = Mailer(settings)
    admin_browser(browser, make_account)
    browser.post("/admin/invite", {"email": "ola@example.nhs.uk", "name": "Ola Nowak", "roles": ["learner"],
                                   "lead_scope": "system"}, token_from="/admin/invite")
    deadline = time.monotonic() + 5
    while not inbox.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    body = inbox.messages[0][1].get_payload()
    assert LINK.search(body) and "72 hours" in body


def test_smtp_down_keeps_the_form_and_saves_nothing(browser, make_account, ext):
    settings = ext.ctx.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": free_port(),
                                                   "smtp_starttls": False})
    ext.mailer = Mailer(settings)
    admin_browser(browser, make_account)
    response = browser.post("/admin/invite", {"email": "x@example.nhs.uk", "name": "Xan Li", "roles": ["learner"],
                                              "lead_scope": "system"}, token_from="/admin/invite")
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "could not be sent" in text and 'value="Xan Li"' in text
    assert "x@example.nhs.uk" not in browser.get("/admin/accounts").get_data(as_text=True)


def test_roles_change_and_disable_take_effect_at_once_and_are_audited(browser, new_browser, rp, make_account, ext):
    admin_browser(browser, make_account)
    sub, email, _ = make_account("learner", "trainer")
    staff = new_browser()
    tokens = full_flow(staff, rp, email)
    response = browser.post(f"/admin/accounts/{sub}", {"roles": ["learner"], "lead_scope": "system"},
                            token_from=f"/admin/accounts/{sub}")
    assert response.status_code == 302
    assert rp.userinfo(tokens["access_token"]).get_json()["roles"] == ["learner"]
    browser.post(f"/admin/accounts/{sub}/disable", token_from=f"/admin/accounts/{sub}")
    assert rp.userinfo(tokens["access_token"]).status_code == 401
    assert "/sign-in" in staff.get("/").location
    assert "correct email address and password" in new_browser().sign_in(email).get_data(as_text=True)
    browser.post(f"/admin/accounts/{sub}/enable", token_from=f"/admin/accounts/{sub}")
    assert new_browser().sign_in(email).status_code == 302
    log = browser.get("/admin/audit").get_data(as_text=True)
    for action in ("roles.changed", "account.disabled", "account.enabled", "sign_in.failed", "sign_in"):
        assert f"<td>{action}</td>" in log
    assert "removed trainer" in log
    filtered = browser.get("/admin/audit?action=roles.changed").get_data(as_text=True)
    assert "<td>account.disabled</td>" not in filtered and "1 event" in filtered
    assert re.search(r"\d{1,2} \w+ \d{4}, \d{2}:\d{2} UTC", log)  # to the minute, no seconds


def test_admins_cannot_remove_their_own_admin_role_or_disable_themselves(browser, make_account, ext):
    me = admin_browser(browser, make_account)
    response = browser.post(f"/admin/accounts/{me}", {"roles": ["learner"], "lead_scope": "system"},
                            token_from=f"/admin/accounts/{me}")
    assert response.status_code == 400 and "cannot remove your own" in response.get_data(as_text=True)
    browser.post(f"/admin/accounts/{me}/disable", token_from=f"/admin/accounts/{me}")
    with unit_of_work(ext.sessions) as db:
        assert db.get(Account, me).disabled is False


def test_audit_minutes_are_whole_minutes(browser, make_account, ext, clock):
    clock.fixed = 1_800_000_123.9
    _sub, email, _ = make_account("learner")
    browser.sign_in(email, "wrong password here")
    with unit_of_work(ext.sessions) as db:
        [event] = db.scalars(select(AuditEvent)).all()
    assert event.minute == 1_800_000_123 // 60


def test_self_registration_is_off_by_default_and_learner_only_when_on(browser, new_browser, ext):
    assert browser.get("/register").status_code == 404
    ext.ctx.settings = ext.ctx.settings.model_copy(update={"self_registration_domains": "nhs.net"})
    wrong = browser.post("/register", {"email": "sam@gmail.com", "name": "Sam"}, token_from="/register")
    assert wrong.status_code == 400 and "@nhs.net" in wrong.get_data(as_text=True)
    ok = browser.post("/register", {"email": "sam.jones@nhs.net", "name": "Sam Jones"}, token_from="/register")
    assert "Check your email" in ok.get_data(as_text=True)
    [link] = folder_links(ext)
    b = new_browser()
    done = b.post(link, {"password": "granite willow sparrow", "confirm": "granite willow sparrow"}, token_from=link)
    assert done.status_code == 302
    from services.accounts import operations as ops

    with unit_of_work(ext.sessions) as db:
        account = ops.find_by_email(db, "sam.jones@nhs.net")
        assert ops.roles_of(db, account.id) == (("learner",), None)


def test_create_admin_prints_a_working_link(env, accounts_app, new_browser):
    result = subprocess.run(
        [sys.executable, "-m", "portal_ops.admin", "create-admin", "--email", "first@example.nhs.uk",
         "--name", "First Admin"], env=cli_env(env), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    link = LINK.search(result.stdout).group(1)
    b = new_browser()
    done = b.post(link, {"password": "granite willow sparrow", "confirm": "granite willow sparrow"}, token_from=link)
    assert done.status_code == 302 and "/two-factor/set-up" in done.location
    again = subprocess.run(
        [sys.executable, "-m", "portal_ops.admin", "create-admin", "--email", "FIRST@example.nhs.uk",
         "--name", "Again"], env=cli_env(env), capture_output=True, text=True, timeout=120,
    )
    assert again.returncode == 1 and "already has an account" in again.stderr


def test_demo_accounts_are_idempotent_and_sign_in(env, new_browser):
    from portal_ops.admin import demo_accounts

    first = demo_accounts(env)
    second = demo_accounts(env)
    assert [e["role"] for e in first] == ["learner", "trainer", "reviewer", "lead", "admin"]
    assert first == second
    admin = next(e for e in first if e["role"] == "admin")
    b = new_browser()
    response = b.sign_in(admin["email"], admin["password"])
    assert "/two-factor" in response.location
    assert b.post("/two-factor", {"code": pyotp.TOTP(admin["totp_secret"]).now()},
                  token_from="/two-factor").status_code == 302
    assert b.get("/admin/accounts").status_code == 200
    assert PASSWORD not in {e["password"] for e in first}


def test_demo_accounts_refuse_a_site_served_over_https(env):
    from portal_ops.admin import demo_accounts

    with pytest.raises(ValueError, match="published passwords"):
        demo_accounts({**env, "PORTAL_ACCOUNTS_PUBLIC_URL": "https://accounts.trust.example.nhs.uk"})

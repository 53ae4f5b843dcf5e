"""The staff site for tests: accounts live on a socket as the OpenID Connect provider, and
analytics and training as in-process relying parties of it, every account real."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import werkzeug.serving

from portal_common.db import unit_of_work
from portal_common.roles import needs_second_factor

from ..accounts.conftest import PASSWORD, Browser
from ..conftest import make_app, settings_class
from ..support.processes import free_port


def sent_to_sign_in(response) -> bool:
    if response.status_code not in (301, 302, 303, 307, 308):
        return False
    path = urlsplit(response.headers.get("Location", "")).path
    return path.rstrip("/").endswith(("/signin", "/sign-in"))



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
        return self.signed_in(*roles)[1]

    def signed_in(self, *roles: str) -> tuple[str, Browser]:
        """A new account with ``roles`` and a browser signed in with it at accounts."""
        account_id, email, secret = self.make_account(*roles)
        browser = Browser(self.apps["accounts"].test_client())
        response = browser.sign_in(email, totp=secret)
        assert response.status_code == 302 and "/two-factor" not in response.headers["Location"], response.status
        return account_id, browser

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
        assert done.status_code == 302 and not sent_to_sign_in(done), done.get_data(as_text=True)[:300]
        return client

    def client_for(self, service: str, caller: str):
        if service == "intake":
            raise AssertionError("intake is checked anonymously")
        client = self.apps[service].test_client()
        if caller == "anonymous":
            return client
        at_accounts = self.accounts_browser(caller)
        return at_accounts.client if service == "accounts" else self.relying_party(service, at_accounts)

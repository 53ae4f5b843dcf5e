"""Analytics page tests sign in against the mock OpenID Connect provider (tests/signin)."""

from __future__ import annotations

import pytest

from ..signin.conftest import csrf_token, provider, provider_server, rp_factory, sign_in  # noqa: F401


@pytest.fixture
def staff_client(provider):  # noqa: F811 - the fixture imported above
    """staff_client(app, "lead-a", roles=["lead"], scope="RX1") -> a test client signed in as that person."""

    def _client(app, sub: str, roles=("lead",), scope: str | None = "system", name: str | None = None):
        client = app.test_client()
        claims = {
            "name": name or sub.title(),
            "email": f"{sub}@example.nhs.uk",
            "roles": list(roles),
            "amr": ["pwd", "otp"],
        }
        if scope is not None:
            claims["lead_scope"] = scope
        landed = sign_in(provider, client, sub, claims)
        assert landed.status_code == 302, landed.status_code
        return client

    return _client


def post_form(client, path: str, data: dict | None = None, token_from: str = "/actions"):
    """POST a form the way a browser would, with the CSRF token from a page."""
    token = csrf_token(client.get(token_from).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **(data or {})})

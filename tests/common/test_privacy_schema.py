"""What the schemas can hold: no exact times, nothing named like a client identifier."""

from __future__ import annotations

import pytest
from sqlalchemy import Date, DateTime, Time

from portal_ops import registry

SERVICES = registry.NAMES

FORBIDDEN_NAMES = ("ip", "addr", "address_ip", "user_agent", "agent", "referer", "referrer", "cookie", "email")
# A signed-in member of staff's own address, from the identity provider, shown back to them
# (docs/adr/0009). It sits in the sessions table of a relying party and refers to no report.
STAFF_OWN = {("staff_sessions", "email")}
# Contact details a trainer publishes for learners to use (a Freedom to Speak Up guardian's
# or a staff network's address): about a role, never about a reporter or a learner.
PUBLISHED_CONTACTS = {("local_contacts", "email")}
# Accounts exists to know who staff are: it may hold their email addresses, and nothing else
# on the list (no IP address, user agent, referrer or cookie).
ALLOWED = {"accounts": {"email"}}


@pytest.mark.parametrize("service", SERVICES)
def test_no_column_can_hold_an_exact_time_or_a_client_identifier(service):
    metadata = registry.service(service).metadata
    for table in metadata.sorted_tables:
        for column in table.columns:
            assert not isinstance(column.type, DateTime | Time), f"{table.name}.{column.name} holds a time of day"
            if (table.name, column.name) in STAFF_OWN | PUBLISHED_CONTACTS:
                continue
            words = column.name.lower().split("_")
            forbidden = set(FORBIDDEN_NAMES) - ALLOWED.get(service, set())
            assert not any(w in forbidden for w in words), f"{table.name}.{column.name}"
        dates = [c.name for c in table.columns if isinstance(c.type, Date)]
        if service != "intake":
            # Only intake knows the day; other services learn the week (a Monday) at most.
            assert all(name.endswith(("_week", "_on")) for name in dates), dates


def test_hsts_only_over_tls(intake_app):
    client = intake_app.test_client()
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    secure = client.get("/healthz", base_url="https://portal.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")

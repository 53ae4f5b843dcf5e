"""Nothing links a member of staff to a report (issue 9's privacy test).

The same person is signed in to accounts, training and analytics and, in the same browser,
sends a report. On one machine (the embedded default) browsers do not keep cookies apart by
port, so intake receives every staff cookie with the report. Afterwards no identifier is
shared between the accounts database and intake's, and neither holds anything of the other.
"""

from __future__ import annotations

import re

from ..support.scan import dump_database

# Identifiers, tokens, hashes, codes: runs of 8+ URL-safe characters holding a digit.
IDENTIFIER = re.compile(r"[A-Za-z0-9_\-]{8,}")


def _identifiers(dump: str) -> set[str]:
    lines = [line for line in dump.splitlines() if not line.startswith("alembic_version:")]
    return {token for token in IDENTIFIER.findall("\n".join(lines)) if any(c.isdigit() for c in token)}


def _cookies(client) -> dict[str, str]:
    return {cookie.key: cookie.value for cookie in client._cookies.values()}


def test_a_signed_in_reporter_leaves_no_link_between_account_and_report(staff_site, intake_app, databases):
    account_id, at_accounts = staff_site.signed_in("learner", "lead")
    training = staff_site.relying_party("training", at_accounts)
    analytics = staff_site.relying_party("analytics", at_accounts)
    cookies = {**_cookies(at_accounts.client), **_cookies(training), **_cookies(analytics)}
    assert {"accounts_session", "training_session", "analytics_session"} <= set(cookies)

    sent = intake_app.test_client().post(
        "/api/v1/reports",
        json={"account": "In the handover a senior colleague mimicked my accent and the room laughed.",
              "characteristics": ["race"]},
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
    )
    assert sent.status_code == 202
    report = sent.get_json()
    assert "Set-Cookie" not in sent.headers

    accounts_db = dump_database(databases.urls["accounts"])
    intake_db = dump_database(databases.urls["intake"])
    staff_values = [account_id, *cookies.values()]
    with staff_site.apps["accounts"].app_context():
        from portal_common.db import unit_of_work
        from services.accounts.models import Account

        ext = staff_site.apps["accounts"].extensions["accounts"]
        with unit_of_work(ext.sessions) as db:
            account = db.get(Account, account_id)
            staff_values += [account.email, account.display_name]  # the id is the OIDC `sub`
    for value in filter(None, staff_values):
        assert value not in intake_db, "intake holds something of a staff account"
    for value in (report["id"], report.get("receipt_code", ""), "mimicked my accent"):
        if value:
            assert value not in accounts_db, "accounts holds something of a report"
    shared = _identifiers(accounts_db) & _identifiers(intake_db)
    assert not shared, f"identifiers in both databases: {sorted(shared)[:5]}"
    # The relying parties' session tables hold the staff side only: the report is not there either.
    for service in ("analytics", "training"):
        assert report["id"] not in dump_database(databases.urls[service])

"""One sign-in for the whole staff site, and changes at accounts felt everywhere at once.

accounts runs live as the OpenID Connect provider; analytics and training are its relying
parties (see site.StaffSite). Nothing here touches another service's
tables: every change is made the way an administrator or the person makes it, through
accounts' own pages, and seen through the relying parties' pages.
"""

from __future__ import annotations

from .site import sent_to_sign_in as _sent_to_sign_in


def test_signing_in_once_signs_in_to_training_and_analytics(staff_site):
    _id, at_accounts = staff_site.signed_in("learner", "lead")
    # relying_party() fails unless accounts answers the authorize request with a code at once:
    # no second password prompt, no second TOTP code.
    analytics = staff_site.relying_party("analytics", at_accounts)
    training = staff_site.relying_party("training", at_accounts)
    assert analytics.get("/").status_code == 200
    page = training.get("/").get_data(as_text=True)
    assert "Staff Member" in page and "Lead" in page


def test_a_removed_role_and_a_disabled_account_take_effect_on_the_next_request(staff_site):
    person_id, at_accounts = staff_site.signed_in("learner", "lead")
    analytics = staff_site.relying_party("analytics", at_accounts)
    training = staff_site.relying_party("training", at_accounts)
    assert analytics.get("/").status_code == 200

    _admin_id, admin = staff_site.signed_in("admin")
    saved = admin.client.post(f"/admin/accounts/{person_id}", data={"roles": ["learner"], "lead_scope": "system"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:500]
    assert analytics.get("/").status_code == 403  # no longer a lead, with no new sign-in
    assert training.get("/").status_code == 200  # still a learner

    disabled = admin.client.post(f"/admin/accounts/{person_id}/disable")
    assert disabled.status_code == 302
    assert _sent_to_sign_in(training.get("/"))
    assert _sent_to_sign_in(analytics.get("/"))
    # and the accounts session itself is gone
    assert _sent_to_sign_in(at_accounts.client.get("/"))


def test_sign_out_everywhere_reaches_every_service(staff_site):
    _id, at_accounts = staff_site.signed_in("learner", "trainer")
    training = staff_site.relying_party("training", at_accounts)
    assert training.get("/").status_code == 200
    _other_id, other_browser = staff_site.signed_in("learner")
    other_training = staff_site.relying_party("training", other_browser)

    answer = at_accounts.client.post("/account/sign-out-everywhere")
    assert answer.status_code == 302
    assert _sent_to_sign_in(training.get("/"))
    assert other_training.get("/").status_code == 200  # nobody else is signed out


def test_signing_out_of_one_service_ends_the_single_sign_on(staff_site):
    _id, at_accounts = staff_site.signed_in("learner")
    training = staff_site.relying_party("training", at_accounts)
    analytics_client = staff_site.apps["analytics"].test_client()

    out = training.post("/signout")
    assert out.status_code == 302
    end_session = out.headers["Location"]
    assert end_session.startswith(staff_site.accounts_url + "/oauth/end-session?")
    # the browser follows the redirect to accounts, which ends its own session
    from urllib.parse import urlsplit

    parts = urlsplit(end_session)
    back = at_accounts.client.get(f"{parts.path}?{parts.query}")
    assert back.status_code == 302 and back.headers["Location"].startswith("http://training.test/")
    assert _sent_to_sign_in(training.get("/"))
    # a later visit to analytics has to sign in again at accounts: no session is left there
    start = analytics_client.get("/signin?go=1")
    authorize = urlsplit(start.headers["Location"])
    assert _sent_to_sign_in(at_accounts.client.get(f"{authorize.path}?{authorize.query}"))

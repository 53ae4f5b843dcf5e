"""The organisation and training-consent questions: asked on the form and by the API, checked,
shown back, stored and put in report.submitted; and withdrawing consent from the receipt page."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from portal_common.db import unit_of_work
from portal_common.events import derived_id, parse_message
from portal_common.settings import ConfigError
from services.intake.models import WITHDRAWAL_PENDING, Outbox, Submission
from services.intake.settings import IntakeWebSettings

from ..conftest import make_app
from .conftest import FormClient, draft_from

LONG_LIST = "code,name,type\n" + "".join(f"ORG{n:02d},Trust number {n} (test),acute\n" for n in range(1, 13))


def _outbox(sessions, event_type):
    with unit_of_work(sessions) as session:
        rows = session.scalars(select(Outbox).where(Outbox.event_type == event_type).order_by(Outbox.seq))
        return [parse_message(row.message) for row in rows]


def _submission(sessions, report_id):
    with unit_of_work(sessions) as session:
        row = session.get(Submission, report_id)
        session.expunge(row)
        return row


def _only_submission(sessions):
    with unit_of_work(sessions) as session:
        [row] = session.scalars(select(Submission)).all()
        session.expunge(row)
        return row


@pytest.fixture
def app_with_list(env, tmp_path):
    """An intake app whose operator configured their own list (12 organisations)."""
    made = []

    def _make(text: str = LONG_LIST):
        path = tmp_path / f"orgs-{len(made)}.csv"
        path.write_text(text, encoding="utf-8")
        app = make_app("intake", IntakeWebSettings.from_env({**env, "PORTAL_ORGANISATIONS_CSV": str(path)}))
        made.append(app)
        return app

    yield _make
    for app in made:
        app.extensions["portal"]["engine"].dispose()


# The form ----------------------------------------------------------------------------------


def test_a_short_list_is_offered_as_radios_and_consent_as_yes_or_no(client):
    html = client.get("/report").get_data(as_text=True)
    assert "Which organisation were you with when it happened?" in html
    assert 'id="organisation-1" name="organisation" type="radio" value="DEMO1"' in html
    assert "Riverside Community Health NHS Trust (demo)" in html
    assert 'name="organisation" type="radio" value="prefer_not_to_say"' in html
    assert "May an anonymised version of this be used as a training example?" in html
    assert 'name="training_consent" type="radio" value="yes"' in html
    assert 'name="training_consent" type="radio" value="no"' in html
    assert "only ever be used after a person has checked" in html
    assert "withdraw your agreement later with your receipt code" in html
    assert "checked" not in html.split('name="training_consent"')[1].split("</fieldset>")[0]


def test_a_long_list_is_a_labelled_select_and_errors_link_to_it(app_with_list, fake_preview):
    forms = FormClient(make_client := app_with_list().test_client())
    html = make_client.get("/report").get_data(as_text=True)
    assert '<label class="nhsuk-label nhsuk-label--m" for="organisation">' in html
    assert '<select class="nhsuk-select" id="organisation" name="organisation"' in html
    assert '<option value="ORG12">Trust number 12 (test)</option>' in html
    assert '<option value="prefer_not_to_say">Prefer not to say</option>' in html
    refused = forms.post("/report/check", {"account": "It happened at handover.", "organisation": "DEMO1"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert '<a href="#organisation">Choose an organisation from the list' in page
    assert "It happened at handover." in page  # nothing typed is lost


def test_the_answers_are_shown_back_then_stored_and_sent_on(forms, sessions, fake_preview):
    answers = {"account": "Alice laughed at my accent.", "organisation": "DEMO2", "training_consent": "yes"}
    check = forms.post("/report/check", answers)
    html = check.get_data(as_text=True)
    assert check.status_code == 200
    rows = html.split("Your other answers")[1]
    assert "Organisation</dt>" in rows and "Riverside Community Health NHS Trust (demo)" in rows
    assert "Use as a training example</dt>" in rows
    assert rows.split("Use as a training example</dt>")[1].split("</dd>")[0].strip().endswith("Yes")

    changed = forms.post("/report/change", {"draft": draft_from(check)}).get_data(as_text=True)
    assert 'value="DEMO2" checked' in changed and 'value="yes" checked' in changed

    assert forms.post("/report/send", {"draft": draft_from(check)}).status_code == 200
    row = _only_submission(sessions)
    assert row.details["organisation"] == "DEMO2" and row.training_consent is True
    [event] = _outbox(sessions, "report.submitted")
    assert event.payload["details"]["organisation"] == "DEMO2"
    assert event.payload["training_consent"] is True


def test_questions_left_unanswered_mean_no_organisation_and_no_consent(forms, sessions, fake_preview):
    check = forms.post("/report/check", {"account": "It happened again."})
    rows = check.get_data(as_text=True).split("Your other answers")[1]
    assert rows.split("Use as a training example</dt>")[1].split("</dd>")[0].strip().endswith("No")
    forms.post("/report/send", {"draft": draft_from(check)})
    row = _only_submission(sessions)
    assert row.details["organisation"] is None and row.training_consent is False
    [event] = _outbox(sessions, "report.submitted")
    assert event.payload["training_consent"] is False and event.payload["details"]["organisation"] is None


def test_prefer_not_to_say_is_an_answer_of_its_own(forms, sessions, fake_preview):
    check = forms.post("/report/check", {"account": "It happened.", "organisation": "prefer_not_to_say"})
    assert "Prefer not to say" in check.get_data(as_text=True).split("Organisation</dt>")[1].split("</dd>")[0]
    forms.post("/report/send", {"draft": draft_from(check)})
    assert _only_submission(sessions).details["organisation"] == "prefer_not_to_say"


@pytest.mark.parametrize(
    ("field", "value", "message", "anchor"),
    [
        ("organisation", "NOPE", "Choose an organisation from the list", "organisation-1"),
        ("organisation", "DEMO1<script>", "Choose an organisation from the list", "organisation-1"),
        ("training_consent", "maybe", "Choose yes or no.", "training_consent-1"),
    ],
)
def test_a_wrong_answer_is_refused_with_the_form_given_back(forms, sessions, field, value, message, anchor):
    response = forms.post("/report/check", {"account": "Kept as typed.", "setting": "acute", field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<a href="#{anchor}">{message}' in html
    assert "Kept as typed." in html and 'value="acute" checked' in html
    assert _outbox(sessions, "report.submitted") == []


# The API -----------------------------------------------------------------------------------


def test_the_api_takes_both_answers(client, sessions):
    body = {"account": "Asked where I am really from.", "organisation": "DEMO4", "training_consent": True}
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 202
    row = _submission(sessions, response.get_json()["id"])
    assert row.details["organisation"] == "DEMO4" and row.training_consent is True


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"organisation": "NOT-LISTED"}, "organisation", "Choose an organisation from the list"),
        ({"organisation": 7}, "organisation", "Not a valid string."),
        ({"training_consent": "yes"}, "training_consent", "Choose yes or no."),
        ({"training_consent": 1}, "training_consent", "Choose yes or no."),
        ({"training_consent": None}, "training_consent", "Field may not be null."),
    ],
)
def test_the_api_refuses_what_is_not_on_the_list_or_not_a_boolean(client, sessions, extra, field, message):
    response = client.post("/api/v1/reports", json={"account": "ok", **extra})
    assert response.status_code == 422
    assert message in str(response.get_json()["errors"][field])
    assert _outbox(sessions, "report.submitted") == []


def test_the_openapi_document_lists_the_configured_organisations(client, app_with_list):
    properties = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["ReportInput"]["properties"]
    assert properties["organisation"]["enum"] == ["DEMO1", "DEMO2", "DEMO3", "DEMO4", "DEMO5",
                                                  "prefer_not_to_say", "", None]
    assert "Eastmoor Mental Health NHS Trust (demo)" in properties["organisation"]["description"]
    assert properties["training_consent"]["type"] == "boolean"
    assert properties["training_consent"]["default"] is False
    other = app_with_list().test_client().get("/api/v1/openapi.json").get_json()
    assert other["components"]["schemas"]["ReportInput"]["properties"]["organisation"]["enum"][:2] == ["ORG01", "ORG02"]


def test_an_operators_list_replaces_the_demonstration_list(app_with_list):
    client = app_with_list().test_client()
    assert client.post("/api/v1/reports", json={"account": "ok", "organisation": "ORG12"}).status_code == 202
    refused = client.post("/api/v1/reports", json={"account": "ok", "organisation": "DEMO1"})
    assert refused.status_code == 422 and "organisation" in refused.get_json()["errors"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("code,name,type\nbad code,Spaces in the code,acute\n", "'bad code'"),
        ("code,name,type\nprefer_not_to_say,A clash with the answer,acute\n", "'prefer_not_to_say'"),
        ("code,name,type\n" + "X" * 40 + ",Far too long,acute\n", "XXXX"),
    ],
)
def test_a_list_with_unusable_codes_stops_intake_with_one_clear_line(env, tmp_path, text, problem):
    path = tmp_path / "orgs.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        IntakeWebSettings.from_env({**env, "PORTAL_ORGANISATIONS_CSV": str(path)})
    assert "PORTAL_ORGANISATIONS_CSV" in str(err.value) and problem in str(err.value)
    with pytest.raises(ConfigError) as missing:
        IntakeWebSettings.from_env({**env, "PORTAL_ORGANISATIONS_CSV": str(tmp_path / "absent.csv")})
    assert "cannot be read" in str(missing.value)


# Withdrawing consent from the receipt page -------------------------------------------------


def _send(client, consent: bool) -> dict:
    return client.post("/api/v1/reports", json={"account": "It happened.", "training_consent": consent}).get_json()


def test_a_reporter_who_agreed_can_withdraw_after_confirming(forms, client, sessions):
    sent = _send(client, True)
    code = sent["receipt_code"]
    page = forms.post("/receipt", {"code": code}, token_from="/receipt").get_data(as_text=True)
    assert "You agreed that an anonymised version of this report may be used as a training example" in page
    assert 'id="withdraw-consent"' in page

    confirm = forms.post("/receipt/training-consent", {"code": code}, token_from="/receipt")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Stop your report being used in training?" in html
    assert 'id="confirm-withdrawal"' in html and "This cannot be undone" in html
    assert _outbox(sessions, "report.training_consent_withdrawn") == [], "nothing happens before confirming"
    assert _submission(sessions, sent["id"]).consent_withdrawal is None

    done = forms.post("/receipt/training-consent/withdraw", {"code": code}, token_from="/receipt")
    html = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "Your agreement has been withdrawn" in html
    assert "You withdrew your agreement for this report to be used as a training example" in html
    assert 'id="withdraw-consent"' not in html
    [event] = _outbox(sessions, "report.training_consent_withdrawn")
    assert event.payload == {"report_id": uuid.UUID(sent["id"])}
    assert event.id == derived_id("report.training_consent_withdrawn", sent["id"])
    assert _submission(sessions, sent["id"]).consent_withdrawal == WITHDRAWAL_PENDING

    again = forms.post("/receipt/training-consent/withdraw", {"code": code}, token_from="/receipt")
    assert again.status_code == 200 and "You had already withdrawn your agreement" in again.get_data(as_text=True)
    assert len(_outbox(sessions, "report.training_consent_withdrawn")) == 1, "withdrawn once, sent once"
    lookup = client.post("/api/v1/receipts/lookup", json={"code": code}).get_json()
    assert lookup["training_consent"] == "withdrawn"


def test_there_is_nothing_to_withdraw_for_a_reporter_who_said_no(forms, client, sessions):
    code = _send(client, False)["receipt_code"]
    page = forms.post("/receipt", {"code": code}, token_from="/receipt").get_data(as_text=True)
    assert "You did not agree to this report being used as a training example" in page
    assert 'id="withdraw-consent"' not in page
    for path in ("/receipt/training-consent", "/receipt/training-consent/withdraw"):
        response = forms.post(path, {"code": code}, token_from="/receipt")
        assert response.status_code == 409
        assert "there is nothing to withdraw" in response.get_data(as_text=True)
    assert _outbox(sessions, "report.training_consent_withdrawn") == []
    assert client.post("/api/v1/receipts/lookup", json={"code": code}).get_json()["training_consent"] == "no"


def test_a_withdrawal_needs_the_right_code_and_a_csrf_token(forms, client, sessions):
    sent = _send(client, True)
    wrong = forms.post("/receipt/training-consent/withdraw", {"code": "apple " * 6}, token_from="/receipt")
    assert wrong.status_code == 404 and "could not find a report" in wrong.get_data(as_text=True)
    forged = client.post("/receipt/training-consent/withdraw", data={"code": sent["receipt_code"]})
    assert forged.status_code == 400
    assert _submission(sessions, sent["id"]).consent_withdrawal is None
    assert _outbox(sessions, "report.training_consent_withdrawn") == []


def test_notes_say_whether_training_may_keep_them(client, sessions, fake_preview):
    sent = _send(client, True)
    note = {"code": sent["receipt_code"], "note": "It happened again."}
    assert client.post("/api/v1/receipts/notes", json=note).status_code == 202
    forms = FormClient(client)
    forms.post("/receipt/training-consent/withdraw", {"code": sent["receipt_code"]}, token_from="/receipt")
    assert client.post("/api/v1/receipts/notes", json=note).status_code == 202
    consents = [e.payload["training_consent"] for e in _outbox(sessions, "report.followup_added")]
    assert consents == [True, False]

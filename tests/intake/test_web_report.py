"""The web journey with a stand-in redactor: form, check, change, send, receipt, and refusals."""

from __future__ import annotations

from sqlalchemy import func, select

from portal_common.db import unit_of_work
from services.intake.models import Outbox, Submission

from .conftest import draft_from

ANSWERS = {
    "account": "Alice asked where I was <b>really</b> from.",
    "experience": "experienced",
    "characteristics": ["race", "religion_belief"],
    "sources": ["patient"],
    "setting": "acute",
    "staff_group": "nursing_midwifery",
    "internationally_recruited": "yes",
    "occurred_month": "",
    "impact": "3",
    "what_would_help": "Training for Alice's team.",
    "raised_formally": "no",
}


def stored(sessions) -> int:
    with unit_of_work(sessions) as session:
        return session.scalar(select(func.count()).select_from(Submission))


def test_every_page_renders_with_strict_headers_and_no_third_party_asset(client):
    for path in ("/", "/faq", "/privacy", "/accessibility", "/support", "/report", "/receipt", "/you-said-we-did"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "<script>" not in html and "style=" not in html and "<style" not in html
        assert "https://" not in html.split("</head>")[0]
    response = client.get("/static/vendor/nhsuk-frontend.min.css")
    css = response.get_data(as_text=True)
    response.close()
    assert "assets.nhs.uk" not in css and "@font-face" not in css


def test_the_journey_shows_the_redacted_text_then_sends_once(forms, client, sessions, fake_preview):
    check = forms.post("/report/check", ANSWERS)
    html = check.get_data(as_text=True)
    assert check.status_code == 200
    assert "[PERSON] asked where I was &lt;b&gt;really&lt;/b&gt; from." in html
    assert "Training for [PERSON]" in html
    assert stored(sessions) == 0, "nothing is stored before sending"
    draft = draft_from(check)
    assert "Alice" not in draft and "really" not in draft

    changed = forms.post("/report/change", {"draft": draft})
    assert "Alice asked where I was &lt;b&gt;really&lt;/b&gt; from." in changed.get_data(as_text=True)
    assert 'value="religion_belief" checked' in changed.get_data(as_text=True)

    sent = forms.post("/report/send", {"draft": draft})
    assert sent.status_code == 200
    page = sent.get_data(as_text=True)
    assert "Report sent" in page and 'id="receipt-code"' in page
    assert stored(sessions) == 1
    assert not any("Max-Age" in c or "Expires" in c for c in sent.headers.getlist("Set-Cookie"))

    again = forms.post("/report/send", {"draft": draft})
    assert again.status_code == 409 and "already been sent" in again.get_data(as_text=True)
    assert stored(sessions) == 1


def test_errors_re_render_the_form_with_every_answer_intact(forms, sessions):
    response = forms.post("/report/check", {**ANSWERS, "account": "   ", "setting": "moon"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html and "Tell us what happened." in html
    assert "Choose one of the options listed." in html
    assert 'value="race" checked' in html and 'value="patient" checked' in html
    assert "Training for Alice&#39;s team." in html
    assert stored(sessions) == 0


def test_over_long_text_and_unreadable_bytes_are_explained(forms):
    long = forms.post("/report/check", {"account": "x" * 5001})
    assert "Keep it to 5,000 characters or fewer." in long.get_data(as_text=True)
    token = forms.token()
    raw = f"csrf_token={token}&account=caf%FF".encode()
    bad = forms.client.post("/report/check", data=raw, content_type="application/x-www-form-urlencoded")
    assert bad.status_code == 422
    assert "could not be read" in bad.get_data(as_text=True)


def test_a_missing_csrf_token_gives_the_answers_back(client, sessions):
    response = client.post("/report/check", data={"account": "It happened at lunch."})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "It happened at lunch." in html and "Your answers are still here" in html
    assert stored(sessions) == 0


def test_too_many_fields_are_refused_whole(forms, sessions):
    data = {f"field{n}": "x" for n in range(150)}
    response = forms.post("/report/check", {"account": "hello", **data})
    assert response.status_code == 413
    assert "more answers than it should" in response.get_data(as_text=True)
    assert stored(sessions) == 0


def test_a_tampered_draft_is_refused(forms, fake_preview, sessions):
    draft = draft_from(forms.post("/report/check", ANSWERS))
    response = forms.post("/report/send", {"draft": draft[:-4] + "AAAA"})
    assert response.status_code == 400
    assert "could not read the answers" in response.get_data(as_text=True)
    assert stored(sessions) == 0


def test_a_slow_redactor_is_explained_and_sending_still_works(forms, sessions, slow_redactor):
    check = forms.post("/report/check", ANSWERS)
    html = check.get_data(as_text=True)
    assert "We could not show the redacted version just now" in html
    assert "Alice" not in html.split("Your other answers")[0]
    sent = forms.post("/report/send", {"draft": draft_from(check)})
    assert sent.status_code == 200 and stored(sessions) == 1
    with unit_of_work(sessions) as session:
        assert session.scalar(select(func.count()).select_from(Outbox)) == 1


def test_receipt_page_and_follow_up_note(forms, client, sessions, fake_preview):
    code = client.post("/api/v1/reports", json={"account": "It happened."}).get_json()["receipt_code"]
    wrong = forms.post("/receipt", {"code": "apple apple apple apple apple apple"}, token_from="/receipt")
    assert wrong.status_code == 404 and "could not find a report" in wrong.get_data(as_text=True)
    page = forms.post("/receipt", {"code": code.replace("-", " ")}, token_from="/receipt")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "We are still removing personal details" in html
    assert "No actions have been published yet" in html
    blank = forms.post("/receipt/note", {"code": code, "note": "  "}, token_from="/receipt")
    assert blank.status_code == 422 and "Write your note." in blank.get_data(as_text=True)
    added = forms.post("/receipt/note", {"code": code, "note": "Alice did it again."}, token_from="/receipt")
    assert added.status_code == 200
    assert "[PERSON] did it again." in added.get_data(as_text=True)
    assert "Alice" not in added.get_data(as_text=True).split("Add a note")[0]


def test_a_checked_report_is_still_accepted_while_redis_is_down(forms, sessions, fake_preview, private_redis):
    """The outbox holds the event; nothing about sending needs the broker."""
    draft = draft_from(forms.post("/report/check", ANSWERS))
    private_redis.stop()
    sent = forms.post("/report/send", {"draft": draft})
    assert sent.status_code == 200 and 'id="receipt-code"' in sent.get_data(as_text=True)
    assert stored(sessions) == 1
    again = forms.post("/report/send", {"draft": draft})
    assert again.status_code == 409
    assert stored(sessions) == 1


def test_a_database_outage_answers_503_and_keeps_every_answer(settings_for, fake_preview):
    """Nothing is lost: the form comes back with what the person typed, ready to send again."""
    from ..conftest import make_app
    from ..support.processes import free_port
    from .conftest import FormClient

    down = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    app = make_app("intake", settings_for("intake").model_copy(update={"database_url": down}))
    try:
        forms = FormClient(app.test_client())
        draft = draft_from(forms.post("/report/check", ANSWERS))
        response = forms.post("/report/send", {"draft": draft})
        page = response.get_data(as_text=True)
        assert response.status_code == 503
        assert "Alice asked where I was &lt;b&gt;really&lt;/b&gt; from." in page
        assert 'value="religion_belief" checked' in page
        assert "Training for Alice&#39;s team." in page or "Training for Alice's team." in page
    finally:
        app.extensions["portal"]["engine"].dispose()

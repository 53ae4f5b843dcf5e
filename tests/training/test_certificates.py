"""Certificates as a learner and a stranger meet them: earning one, the PDF with the name typed at
download time (never stored), the public verify page, the renewal reminder and the refresher."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select, text, update

from portal_common.db import unit_of_work
from services.training import certificates as certs
from services.training import pdf
from services.training.curriculum import FIVE_DS, load_curriculum
from services.training.learning import learner_key
from services.training.models import Certificate, CheckResult, ScenarioRun

from ..signin.conftest import csrf_token, sign_in

CONTENT = load_curriculum()
LEARNER = {"name": "Lou Learner", "email": "lou.learner@example.nhs.uk"}
D_MODULES = [m for m in CONTENT.modules if m.d in FIVE_DS]


def _text(response) -> str:
    return response.get_data(as_text=True)


def _db(app):
    return unit_of_work(app.extensions["portal"]["sessions"])


def _complete_everything(app, sub: str, *, skip_scenario: str | None = None) -> str:
    learner = learner_key(app.config["SECRET_KEY"], sub)
    today = dt.date.today()
    with _db(app) as db:
        for m in D_MODULES:
            db.add(CheckResult(learner=learner, module_id=m.id, content_version=m.version, attempts=1,
                               best_score=len(m.check.questions), out_of=len(m.check.questions), passed=True,
                               passed_on=today))
        for s in CONTENT.scenarios:
            if s.id != skip_scenario:
                db.add(ScenarioRun(learner=learner, scenario_id=s.id, content_version=s.version,
                                   current_step=s.endings[0].id, status="finished", ending=s.endings[0].id,
                                   started_on=today, finished_on=today))
    return learner


def _certificates(app) -> list[Certificate]:
    with _db(app) as db:
        rows = list(db.scalars(select(Certificate).order_by(Certificate.issued_on, Certificate.renewal)))
        for row in rows:
            db.expunge(row)
        return rows


def _keep_html(monkeypatch) -> list[str]:
    kept: list[str] = []
    real = pdf.render

    def keep(html: str) -> bytes:
        kept.append(html)
        return real(html)

    monkeypatch.setattr(pdf, "render", keep)
    return kept


def test_a_learner_earns_a_certificate_with_their_typed_name_that_is_never_stored(rp_factory, provider, monkeypatch):
    app = rp_factory("training")
    client = app.test_client()
    sign_in(provider, client, "cert-1", LEARNER)
    # Not yet earned: the page lists what is left and a download is refused.
    page = _text(client.get("/certificate"))
    assert "Pass the knowledge check for Distract" in page and "Finish the scenario:" in page
    _complete_everything(app, "cert-1", skip_scenario=CONTENT.scenarios[-1].id)
    page = _text(client.get("/certificate"))
    gaps = re.search(r'data-testid="gaps">(.*?)</ul>', page, re.S).group(1)
    assert gaps.count("<li>") == 1 and CONTENT.scenarios[-1].title in gaps.replace("&#39;", "'")
    refused = client.post("/certificate", data={"csrf_token": csrf_token(page), "name": "Lou Learner"})
    assert refused.status_code == 200 and "application/pdf" not in refused.content_type and _certificates(app) == []

    _complete_everything(app, "cert-1b")  # another learner's record does not count for this one
    assert _certificates(app) == []
    with _db(app) as db:
        last = CONTENT.scenarios[-1]
        db.add(ScenarioRun(learner=learner_key(app.config["SECRET_KEY"], "cert-1"), scenario_id=last.id,
                           content_version=last.version, current_step=last.endings[0].id, status="finished",
                           ending=last.endings[0].id, started_on=dt.date.today(), finished_on=dt.date.today()))
    page = _text(client.get("/certificate"))
    assert 'data-testid="gaps"' not in page and "Name to print on the certificate" in page
    token = csrf_token(page)
    assert client.post("/certificate", data={"name": "Lou"}).status_code == 400  # no CSRF token

    # No name, or one too long: refused with the reason, what was typed kept, nothing issued.
    empty = client.post("/certificate", data={"csrf_token": token, "name": "   "})
    assert empty.status_code == 400 and 'href="#name">Enter the name to print on your certificate<' in _text(empty)
    long_name = "A" * 71
    too_long = client.post("/certificate", data={"csrf_token": token, "name": long_name})
    assert too_long.status_code == 400 and f'value="{long_name}"' in _text(too_long)
    assert _certificates(app) == []

    kept = _keep_html(monkeypatch)
    download = client.post("/certificate", data={"csrf_token": token, "name": "  Lou   Learner-Smith "})
    assert download.status_code == 200 and download.content_type == "application/pdf"
    assert download.headers["Content-Disposition"].startswith('attachment; filename="active-bystander-certificate-')
    assert download.headers["Cache-Control"] == "no-store" and download.data.startswith(b"%PDF-")
    [row] = _certificates(app)
    assert re.fullmatch(r"([A-HJKMNP-Z2-9]{4}-){3}[A-HJKMNP-Z2-9]{4}", row.code)
    assert row.issued_on == dt.date.today() and row.renew_on == certs.add_months(dt.date.today(), 24)
    assert row.learner == learner_key(app.config["SECRET_KEY"], "cert-1") and not row.renewal
    html = kept[0]
    assert "Lou Learner-Smith" in html and row.code in html
    assert f"/verify?code={row.code}" in html and row.renew_on.strftime("%-d %B %Y") in html
    # The name is nowhere in the database.
    with _db(app) as db:
        for table in ("certificates", "check_results", "scenario_runs", "audit_log"):
            for values in db.execute(text(f"SELECT * FROM {table}")):  # noqa: S608 (fixed table names)
                assert "Lou" not in " ".join(str(v) for v in values)

    # Downloading again (another spelling of the name) gives the same certificate, not a new one.
    again = client.post("/certificate", data={"csrf_token": token, "name": "L. Learner"})
    assert again.status_code == 200 and "L. Learner" in kept[1] and row.code in kept[1]
    assert len(_certificates(app)) == 1
    page = _text(client.get("/certificate"))
    assert row.code in page and "Renew by" in page and 'data-testid="renewal-reminder"' not in page


def test_anyone_can_verify_a_code_and_sees_dates_but_never_a_name(rp_factory, provider):
    app = rp_factory("training")
    learner = _complete_everything(app, "cert-2")
    with _db(app) as db:
        row = certs.issue(db, learner, 24, renewal=False)
        code, renew_on = row.code, row.renew_on
        old = certs.issue(db, learner, 24, renewal=False, on=dt.date(2020, 1, 15))
        old_code = old.code
    stranger = app.test_client()
    form = _text(stranger.get("/verify"))
    assert "Verification code" in form and 'method="get"' in form

    typed = code.replace("-", "").lower()  # typed without hyphens, in lower case: still found
    valid = stranger.get(f"/verify?code={typed}")
    text = _text(valid)
    assert valid.status_code == 200 and ">Valid<" in text and renew_on.strftime("%-d %B %Y") in text
    assert "Lou" not in text and learner not in text

    expired = _text(stranger.get(f"/verify?code={old_code}"))
    assert ">Expired<" in expired and "15 January 2020" in expired and "15 January 2022" in expired

    unknown = stranger.get("/verify?code=ABCD-EFGH-JKMN-PQRS")
    assert unknown.status_code == 404 and "Unknown code" in _text(unknown)
    bad = stranger.get("/verify?code=not+a+code")
    assert bad.status_code == 400 and 'href="#code">Enter the 16-character code' in _text(bad)
    assert 'value="not a code"' in _text(bad)


def test_the_verify_page_limits_how_many_wrong_codes_one_address_may_try(rp_factory, provider):
    app = rp_factory("training", VERIFY_LIMIT="3 per hour")
    learner = _complete_everything(app, "cert-3")
    with _db(app) as db:
        code = certs.issue(db, learner, 24, renewal=False).code
    client = app.test_client()
    for _ in range(5):  # right codes do not count
        assert client.get(f"/verify?code={code}").status_code == 200
    for n in range(3):
        assert client.get(f"/verify?code=ABCD-EFGH-JKMN-PQR{'STU'[n]}").status_code == 404
    refused = client.get("/verify?code=ABCD-EFGH-JKMN-PQRV")
    assert refused.status_code == 429
    assert client.get(f"/verify?code={code}").status_code == 429  # until the window ends, this address waits
    other = app.test_client()  # another address bucket is not held back
    assert other.get(f"/verify?code={code}", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200


def test_the_renewal_reminder_and_the_refresher_issue_a_new_certificate(rp_factory, provider):
    app = rp_factory("training", CERTIFICATE_MONTHS="6", CERTIFICATE_REMINDER_DAYS="30")
    client = app.test_client()
    sign_in(provider, client, "cert-4", LEARNER)
    learner = _complete_everything(app, "cert-4")
    with _db(app) as db:
        first = certs.issue(db, learner, 6, renewal=False, on=dt.date.today() - dt.timedelta(days=170))
        code, renew_on = first.code, first.renew_on
    assert renew_on == certs.add_months(dt.date.today() - dt.timedelta(days=170), 6)
    # Not due yet (more than 30 days left): no reminder, and the refresher is not open.
    with _db(app) as db:
        db.execute(update(Certificate).where(Certificate.code == code)
                   .values(renew_on=dt.date.today() + dt.timedelta(days=31)))
    assert 'data-testid="renewal-reminder"' not in _text(client.get("/"))
    closed = _text(client.get("/certificate/refresher"))
    assert "The refresher opens when your certificate is close to its renewal date" in closed
    # Within 30 days: the hub's home and progress pages both say renew by the date.
    due_on = dt.date.today() + dt.timedelta(days=12)
    with _db(app) as db:
        db.execute(update(Certificate).where(Certificate.code == code).values(renew_on=due_on))
    for path in ("/", "/progress"):
        reminder = re.search(r'data-testid="renewal-reminder">(.*?)</div>', _text(client.get(path)), re.S).group(1)
        assert "due for renewal" in reminder and f"Renew by {due_on.strftime('%-d %B %Y')}" in reminder
    # After the date: it says it has expired, and verify says so too.
    with _db(app) as db:
        db.execute(update(Certificate).where(Certificate.code == code)
                   .values(renew_on=dt.date.today() - dt.timedelta(days=1)))
    assert "Your certificate has expired" in _text(client.get("/progress"))
    assert ">Expired<" in _text(app.test_client().get(f"/verify?code={code}"))

    form = _text(client.get("/certificate/refresher"))
    token = csrf_token(form)
    fields = re.findall(r'name="([a-z-]+--[a-z0-9-]+)" type="radio"', form)
    questions = {f"{m.id}--{q.id}": q for m in D_MODULES for q in m.check.questions}
    assert set(fields) == set(questions)
    # Nothing answered: every question named, nothing issued.
    empty = client.post("/certificate/refresher", data={"csrf_token": token})
    assert empty.status_code == 400 and "Select an answer to question 1<" in _text(empty)
    assert f"Select an answer to question {len(questions)}<" in _text(empty)
    # All answered, Delay's all wrong: not passed, the answers stay selected, nothing issued.
    answers = {name: next(o for o in q.options if o.correct).id for name, q in questions.items()}
    wrong = dict(answers)
    for name, q in questions.items():
        if name.startswith("delay--"):
            wrong[name] = next(o for o in q.options if not o.correct).id
    failed = client.post("/certificate/refresher", data={"csrf_token": token, **wrong})
    text = _text(failed)
    assert failed.status_code == 200 and 'data-testid="refresher-failed"' in text
    assert "You did not reach the pass mark for: Delay" in text
    first_delay = next(n for n in questions if n.startswith("delay--"))
    assert f'value="{wrong[first_delay]}" checked' in text
    assert len(_certificates(app)) == 1
    # All right: a new certificate from today, six months on; the reminder goes.
    passed = client.post("/certificate/refresher", data={"csrf_token": token, **answers})
    assert passed.status_code == 303 and passed.headers["Location"] == "/certificate?done=renewed"
    renewed = [c for c in _certificates(app) if c.renewal]
    assert len(renewed) == 1 and renewed[0].issued_on == dt.date.today()
    assert renewed[0].renew_on == certs.add_months(dt.date.today(), 6) and renewed[0].code != code
    page = _text(client.get("/certificate?done=renewed"))
    assert "You passed the refresher" in page and renewed[0].code in page
    assert 'data-testid="renewal-reminder"' not in _text(client.get("/"))


def test_codes_and_dates():
    codes = {certs.new_code() for _ in range(500)}
    assert len(codes) == 500 and all(certs.normalise_code(c) == c for c in codes)
    assert certs.normalise_code(" abcd efgh jkmn pqrs ") == "ABCD-EFGH-JKMN-PQRS"
    assert certs.normalise_code("ABCD-EFGH-JKMN-PQR0") is None  # 0 is never used
    assert certs.normalise_code("ABCD-EFGH-JKMN") is None
    assert certs.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert certs.add_months(dt.date(2024, 2, 29), 24) == dt.date(2026, 2, 28)
    assert certs.add_months(dt.date(2026, 11, 22), 24) == dt.date(2028, 11, 22)

"""The confidence measure as a learner answers it, the trainers' statistics and downloads, and the
lead's programme evaluation report, signed in through a real OpenID Connect provider."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select, update

from portal_common.db import unit_of_work
from services.training import evaluation
from services.training.curriculum import FIVE_DS, load_curriculum
from services.training.learning import learner_key
from services.training.measures import load_instrument
from services.training.models import (
    AuditEntry,
    CheckResult,
    Cohort,
    CohortMember,
    CohortSession,
    ConfidenceResponse,
    EvaluationNarrative,
    ProgrammeCost,
    ScenarioRun,
    SessionRating,
)

from ..signin.conftest import csrf_token, sign_in

CONTENT = load_curriculum()
INSTRUMENT = load_instrument()
LEARNER = {"name": "Lou Learner", "email": "lou.learner@example.nhs.uk"}
TRAINER = {"name": "Tam Trainer", "email": "tam.trainer@example.nhs.uk", "roles": ["trainer"]}
LEAD = {"name": "Lee Lead", "email": "lee.lead@example.nhs.uk", "roles": ["lead"]}


def _text(response) -> str:
    return response.get_data(as_text=True)


def _db(app):
    return unit_of_work(app.extensions["portal"]["sessions"])


def _client(app, provider, sub: str, claims: dict):
    client = app.test_client()
    sign_in(provider, client, sub, claims)
    return client


def _all(value: str) -> dict[str, str]:
    return {item.id: value for item in INSTRUMENT.items}


def _complete_hub(db, learner: str, on: dt.date) -> None:
    """What finishing the hub leaves behind: every D module's check passed, every scenario finished."""
    for module in CONTENT.modules:
        if module.d in FIVE_DS:
            db.add(CheckResult(learner=learner, module_id=module.id, content_version=module.version, attempts=1,
                               best_score=3, out_of=3, passed=True, passed_on=on))
    for scenario in CONTENT.scenarios:
        db.add(ScenarioRun(learner=learner, scenario_id=scenario.id, content_version=scenario.version,
                           current_step="end", status="finished", ending="end", started_on=on, finished_on=on))


def test_a_learner_answers_before_after_and_the_follow_up(rp_factory, provider):
    app = rp_factory("training")
    client = _client(app, provider, "learner-1", LEARNER)
    me = learner_key(app.config["SECRET_KEY"], "learner-1")

    home = _text(client.get("/"))
    assert 'data-testid="confidence-invitation"' in home and 'href="/confidence/before"' in home
    assert f'href="/learn/{CONTENT.modules[0].id}">skip them' in home

    form = _text(client.get("/confidence/before"))
    token = csrf_token(form)
    first, second = INSTRUMENT.items[0], INSTRUMENT.items[1]
    assert first.text in form and "5: Completely confident" in form

    # Nothing chosen: every statement is named in the error summary; nothing is stored.
    empty = client.post("/confidence/before", data={"csrf_token": token})
    text = _text(empty)
    assert empty.status_code == 400 and "There is a problem" in text
    for n, item in enumerate(INSTRUMENT.items, 1):
        assert f'href="#{item.id}-1">Select how confident you feel for statement {n}<' in text
    # Some answered, one out of range: what was chosen stays chosen.
    partial = client.post("/confidence/before", data={"csrf_token": token, first.id: "4", second.id: "9"})
    text = _text(partial)
    assert partial.status_code == 400
    assert re.search(rf'id="{first.id}-4" name="{first.id}" type="radio" value="4" checked', text)
    assert "statement 1<" not in text and "statement 2<" in text
    with _db(app) as db:
        assert db.scalars(select(ConfidenceResponse)).all() == []

    sent = client.post("/confidence/before", data={"csrf_token": token, **_all("2"), first.id: "3"})
    assert sent.status_code == 303 and sent.headers["Location"] == "/confidence/before"
    with _db(app) as db:
        [row] = db.scalars(select(ConfidenceResponse)).all()
        assert (row.learner, row.stage, row.instrument_version, row.answered_on) == (
            me, "before", INSTRUMENT.version, dt.date.today())
        assert row.scores[first.id] == 3 and row.scores[second.id] == 2 and row.acted is None
    done = _text(client.get("/confidence/before"))
    assert "Thank you" in done and "Send my answers" not in done
    # Answers are final: a second set is refused and the first kept.
    again = client.post("/confidence/before", data={"csrf_token": token, **_all("5")})
    assert again.status_code == 409 and "were not recorded" in _text(again)
    blank = client.post("/confidence/before", data={"csrf_token": token})  # refused before any check of the form
    assert blank.status_code == 409 and "There is a problem" not in _text(blank)
    with _db(app) as db:
        assert db.scalars(select(ConfidenceResponse.scores)).one()[first.id] == 3

    # "After" waits for the hub to be complete, then the home page invites it.
    assert 'data-testid="not-yet"' in _text(client.get("/confidence/after"))
    assert client.post("/confidence/after", data={"csrf_token": token, **_all("4")}).status_code == 409
    assert 'data-testid="confidence-invitation"' not in _text(client.get("/"))
    with _db(app) as db:
        _complete_hub(db, me, dt.date.today())
    assert 'href="/confidence/after"' in _text(client.get("/"))
    assert client.post("/confidence/after", data={"csrf_token": token, **_all("4")}).status_code == 303

    # The follow-up opens 90 days after "after".
    opens = dt.date.today() + dt.timedelta(days=90)
    assert opens.strftime("%-d %B %Y") in _text(client.get("/confidence/follow-up"))
    with _db(app) as db:
        db.execute(update(ConfidenceResponse).where(ConfidenceResponse.stage == "after")
                   .values(answered_on=dt.date.today() - dt.timedelta(days=90)))
    assert 'href="/confidence/follow-up"' in _text(client.get("/"))
    said_yes = client.post("/confidence/follow-up", data={"csrf_token": token, "acted": "yes", **_all("5")})
    text = _text(said_yes)
    assert said_yes.status_code == 400 and 'href="#ds_used-distract">Select the Ds you used, at least one<' in text
    assert 'value="yes" checked' in text
    assert f'id="{first.id}-5" name="{first.id}" type="radio" value="5" checked' in text
    no_answer = client.post("/confidence/follow-up", data={"csrf_token": token, **_all("5")})
    assert 'href="#acted-1">Select whether you had a chance to act<' in _text(no_answer)
    sent = client.post("/confidence/follow-up", data={"csrf_token": token, "acted": "yes",
                                                      "ds_used": ["delay", "direct", "nonsense"], **_all("5")})
    assert sent.status_code == 303
    with _db(app) as db:
        row = db.get(ConfidenceResponse, (me, "follow_up"))
        assert (row.acted, row.ds_used) == ("yes", ["delay", "direct"])


def test_before_is_no_longer_offered_once_learning_has_begun(rp_factory, provider):
    app = rp_factory("training")
    client = _client(app, provider, "learner-2", LEARNER)
    page = _text(client.get(f"/learn/{CONTENT.modules[0].id}"))
    client.post(f"/learn/{CONTENT.modules[0].id}/read", data={"csrf_token": csrf_token(page)})
    assert 'data-testid="confidence-invitation"' not in _text(client.get("/"))
    closed = client.get("/confidence/before")
    assert 'data-testid="closed"' in _text(closed)
    refused = client.post("/confidence/before", data={"csrf_token": csrf_token(page), **_all("3")})
    assert refused.status_code == 409
    with _db(app) as db:
        assert db.scalars(select(ConfidenceResponse)).all() == []
    assert client.get("/confidence/sometime").status_code == 404


def _seed_pairs(db, cohort_sizes: dict[str, int]) -> dict[str, int]:
    """Pairs for each cohort's members: most improve by one point, every fourth stays the same."""
    ids = {}
    n = 0
    for name, size in cohort_sizes.items():
        cohort = Cohort(name=name, join_code=f"J{len(ids)}", created_on=dt.date(2026, 1, 1), closed=False)
        db.add(cohort)
        db.flush()
        ids[name] = cohort.id
        for _ in range(size):
            learner = f"{n:064x}"
            after = "3" if n % 4 else "2"
            for stage, value in (("before", "2"), ("after", after)):
                db.add(ConfidenceResponse(learner=learner, stage=stage, instrument_version=INSTRUMENT.version,
                                          answered_on=dt.date(2026, 2, 2),
                                          scores={k: int(v) for k, v in _all(value).items()}, ds_used=[]))
            db.add(CohortMember(cohort_id=cohort.id, learner=learner, joined_on=dt.date(2026, 1, 2)))
            n += 1
    return ids


def test_trainers_see_k_safe_statistics_and_every_download_is_audited(rp_factory, provider):
    app = rp_factory("training")
    with _db(app) as db:
        ids = _seed_pairs(db, {"Emergency department": 12, "Board": 4})
    learner = _client(app, provider, "learner-3", LEARNER)
    assert learner.get("/evaluation/confidence").status_code == 403
    trainer = _client(app, provider, "trainer-1", TRAINER)
    assert 'href="/evaluation/confidence"' in _text(trainer.get("/"))
    page = _text(trainer.get("/evaluation/confidence"))
    overall = page.split('data-testid="overall"')[1].split("</table>")[0]
    # 16 pairs: 12 rose by one point, 4 stayed the same.
    assert re.search(r'data-measure="overall">\s*<th[^>]*>All five Ds</th>\s*'
                     r'(<td[^>]*>16</td>)\s*<td[^>]*>\+1.00</td>\s*<td[^>]*>75%</td>\s*<td[^>]*>25%</td>\s*'
                     r'<td[^>]*>0%</td>\s*<td[^>]*>12</td>', overall)
    assert "+1.00</td>" in overall.split('data-measure="distract"')[1]  # rank-biserial: everyone who changed rose
    emergency = page.split(f'data-testid="cohort-{ids["Emergency department"]}"')[1].split("</table>")[0]
    assert ">12</td>" in emergency
    board = page.split(f'data-testid="cohort-{ids["Board"]}"')[1].split("</table>")[0]
    assert set(re.findall(r'<td class="nhsuk-table__cell[^"]*">([^<]*)</td>', board)) == {"[c]"}
    assert "fewer than 10 pairs" in page and 'data-testid="follow-up-answered">[c]<' in page

    with _db(app) as db:
        assert db.scalars(select(AuditEntry)).all() == []
    got = trainer.get("/evaluation/confidence/download/csv")
    assert got.status_code == 200 and got.mimetype == "text/csv"
    assert "attachment" in got.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(_text(got))))
    assert {r[4] for r in rows if r[1] == "Board"} == {"[c]"}
    assert ["confidence", "All learners", "All five Ds", "Pairs", "16"] == rows[1][:5]
    book = load_workbook(io.BytesIO(trainer.get("/evaluation/confidence/download/xlsx").data))
    assert {c.value for row in book["Confidence"].iter_rows(min_row=2) if row[0].value == "Board"
            for c in row[2:]} == {"[c]"}
    assert trainer.get("/evaluation/confidence/download/pdf").status_code == 404
    with _db(app) as db:
        entries = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.actor, e.action) for e in entries] == [
        (TRAINER["email"], "export_confidence_csv"), (TRAINER["email"], "export_confidence_xlsx")]
    assert all(not re.search(r"[0-9a-f]{64}", e.detail or "") for e in entries)  # never a learner key


def test_the_lead_writes_the_evaluation_report_enters_costs_and_downloads_the_pdf(rp_factory, provider, monkeypatch):
    app = rp_factory("training")
    today = dt.date.today()
    with _db(app) as db:
        _seed_pairs(db, {"Wards": 10})
        for n in range(10):
            _complete_hub(db, f"{n:064x}", today)  # the ten paired learners completed the hub
        cohort_id = db.scalars(select(Cohort.id)).one()
        workshop = CohortSession(cohort_id=cohort_id, kind="workshop", title="Workshop", held_on=today, place="")
        board = CohortSession(cohort_id=cohort_id, kind="board_session", title="Board", held_on=today, place="")
        db.add_all([workshop, board])
        db.flush()
        for n in range(12):
            db.add(SessionRating(session_id=workshop.id, learner=f"{n:064x}", rating=4 if n % 2 else 5))
        db.add(SessionRating(session_id=board.id, learner="b" * 64, rating=1))

    trainer = _client(app, provider, "trainer-2", TRAINER)
    assert trainer.get("/evaluation/report").status_code == 403
    lead = _client(app, provider, "lead-1", LEAD)
    assert 'href="/evaluation/report"' in _text(lead.get("/"))
    page = _text(lead.get("/evaluation/report"))
    for area in evaluation.AREAS:
        assert f'id="{area.code}"' in page and area.title in page
    assert page.count("Nothing written yet.") == 16
    reach = page.split('data-testid="fig-reach"')[1].split("</table>")[0]
    assert ">10</td>" in reach and ">100%</td>" in reach  # ten started, ten completed
    ratings = page.split('data-testid="fig-ratings"')[1].split("</table>")[0]
    assert "4.5 out of 5" in ratings and ">100%<" in ratings  # twelve workshop ratings
    assert re.search(r"Board sessions</th>(<td[^>]*>\[c\]</td>){3}", ratings)  # one board rating: hidden
    assert 'data-testid="cost-per-completer">No costs entered yet<' in page

    # A narrative that is too long is refused and kept; an ordinary one is saved and shown.
    form = _text(lead.get("/evaluation/report/areas/relevance"))
    token = csrf_token(form)
    too_long = "x" * (evaluation.NARRATIVE_LIMIT + 1)
    refused = lead.post("/evaluation/report/areas/relevance", data={"csrf_token": token, "narrative": too_long})
    assert refused.status_code == 400
    assert 'href="#narrative">The narrative must be 6,000 characters or fewer' in _text(refused)
    assert too_long in _text(refused)
    saved = lead.post("/evaluation/report/areas/relevance",
                      data={"csrf_token": token, "narrative": "Staff asked for it.\r\n\r\nWards < theatres & clinics."})
    assert saved.status_code == 303 and saved.headers["Location"] == "/evaluation/report#relevance"
    page = _text(lead.get("/evaluation/report"))
    narrative = page.split('data-testid="narrative-relevance"')[1].split("</div>")[0]
    assert "<p>Staff asked for it.</p>" in narrative and "<p>Wards &lt; theatres &amp; clinics.</p>" in narrative
    assert lead.get("/evaluation/report/areas/nothing").status_code == 404

    # Costs: bad input refused with what was typed kept; good input added; a removal audited.
    bad = lead.post("/evaluation/report/costs", data={"csrf_token": token, "description": " ", "amount": "lots"})
    text = _text(bad)
    assert bad.status_code == 400 and 'href="#description">Enter what the cost was for<' in text
    assert 'href="#amount">Enter the amount in pounds and pence' in text and 'value="lots"' in text
    for description, amount in (("Facilitators for four workshops", "£1,500"), ("Room hire", "250.50"),
                                ("Printing", "20")):
        added = lead.post("/evaluation/report/costs",
                          data={"csrf_token": token, "description": description, "amount": amount})
        assert added.status_code == 303
    with _db(app) as db:
        printing = db.scalars(select(ProgrammeCost).where(ProgrammeCost.description == "Printing")).one()
    assert lead.post(f"/evaluation/report/costs/{printing.id}/delete", data={"csrf_token": token}).status_code == 303
    assert lead.post("/evaluation/report/costs/99999/delete", data={"csrf_token": token}).status_code == 404
    page = _text(lead.get("/evaluation/report"))
    assert 'data-testid="total-cost">£1,750.50<' in page
    assert 'data-testid="cost-per-completer">£175.05<' in page  # ten completers

    made = {}
    original = evaluation.render_pdf

    def keep_html(html: str) -> bytes:
        made["html"] = html
        return original(html)

    monkeypatch.setattr(evaluation, "render_pdf", keep_html)
    pdf = lead.get("/evaluation/report/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    html = made["html"]
    positions = [html.index(f"{n}. {area.title}") for n, area in enumerate(evaluation.AREAS, 1)]
    assert positions == sorted(positions)
    assert "<p>Staff asked for it.</p>" in html and "£175.05" in html and "Room hire" in html
    assert html.count("Not written yet.") == 15
    with _db(app) as db:
        entries = [(e.action, e.target) for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert db.get(EvaluationNarrative, "relevance").text == "Staff asked for it.\n\nWards < theatres & clinics."
    assert entries == [
        ("add_programme_cost", "Facilitators for four workshops"),
        ("add_programme_cost", "Room hire"),
        ("add_programme_cost", "Printing"),
        ("delete_programme_cost", "Printing"),
        ("download_evaluation_pdf", "Programme evaluation report"),
    ]


def test_the_pdf_fetches_nothing_even_when_its_html_asks():
    asked = []

    class Recording(evaluation.NothingFetched):
        def fetch(self, url, headers=None):
            asked.append(url)
            return super().fetch(url, headers)

    from weasyprint import HTML

    html = '<p>Report</p><img src="https://example.invalid/logo.png"><link rel="stylesheet" href="/x.css">'
    pdf = HTML(string=html, base_url=None, url_fetcher=Recording()).write_pdf()
    assert pdf.startswith(b"%PDF") and asked  # asked, and refused: nothing reached the network
    assert evaluation.render_pdf(html).startswith(b"%PDF")

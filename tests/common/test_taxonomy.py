"""The report's questions are written once (portal_common.taxonomy.QUESTIONS); every place
that carries them is built from that list or checked against it here."""

from __future__ import annotations

import re

from portal_common import organisations, taxonomy
from portal_common.events import ORGANISATION, ReportDetailsSchema
from services.analytics.models import Report
from services.intake.schemas import ReportInputSchema

TEXT_FIELDS = {"account", "what_would_help"}
# Asked by intake but not taxonomy questions: the organisation (the operator's list, carried
# in the details) and the training consent (carried beside them, as its own field).
OWN_FIELDS = {ORGANISATION, "training_consent"}


def test_the_event_carries_every_question_the_organisation_and_nothing_else():
    assert tuple(ReportDetailsSchema().fields) == (*taxonomy.DETAIL_FIELDS, ORGANISATION)


def test_the_api_accepts_every_question_the_two_texts_and_intakes_own_two():
    assert set(ReportInputSchema().fields) == {*taxonomy.DETAIL_FIELDS, *TEXT_FIELDS, *OWN_FIELDS}


def test_analytics_has_a_column_for_every_question_and_the_organisation():
    columns = set(Report.__table__.columns.keys())
    missing = [name for name in (*taxonomy.DETAIL_FIELDS, ORGANISATION) if name not in columns]
    assert missing == []


def test_the_form_asks_every_question_with_every_choice(intake_app):
    page = intake_app.test_client().get("/report").get_data(as_text=True)
    for question in taxonomy.QUESTIONS:
        assert re.search(rf'name="{question.name}"', page), question.name
        for choice in question.choices or ():
            assert f'value="{choice.code}"' in page, (question.name, choice.code)
    for org in organisations.load():
        assert f'value="{org.code}"' in page and org.name in page
    assert 'name="training_consent"' in page


def test_every_choice_list_lets_people_decline():
    for question in taxonomy.QUESTIONS:
        if question.choices is not None:
            assert taxonomy.PREFER_NOT_TO_SAY in taxonomy.codes(question.choices), question.name

"""Theme tags come from the shared taxonomy; the risk score flags what rules may have missed."""

from __future__ import annotations

import pytest

from portal_common.taxonomy import THEME_CODES

THEME_CASES = [
    ("She keeps mimicking my accent.", "accent_language"),
    ("He asked where I'm really from.", "where_from"),
    ("The relative asked for someone else and refused to be seen by me.", "care_refused"),
    ("They said it was just banter.", "jokes_banter"),
    ("I was asked to take off my hijab.", "religious_dress_practice"),
    ("The overseas nurses get the worst shifts.", "international_staff"),
    ("My manager told me to ignore it and nothing was done.", "leadership_inaction"),
    ("Nobody can pronounce my name so they gave me a nickname.", "names"),
    ("She touched my hair without asking.", "appearance_hair"),
    ("I was left out of the WhatsApp group.", "exclusion_isolation"),
    ("He asked if I was a real doctor.", "competence_questioned"),
    ("I keep being misgendered.", "gender_identity"),
    ("My reasonable adjustments were refused.", "disability_access"),
    ("Since I got pregnant I get no shifts.", "pregnancy_caring"),
    ("He said you people are all the same.", "stereotyping"),
    # Paraphrases rather than the obvious keyword.
    ("They laugh at the way I speak in handover.", "accent_language"),
    ("A patient asked which country I came from before letting me start.", "where_from"),
    ("The registrar double-checked my work every shift, never anyone else's.", "competence_questioned"),
    ("When I walk into the staff room they go quiet when I sit down.", "exclusion_isolation"),
    ("The relative asked for a different nurse as soon as I came in.", "care_refused"),
    ("My manager told me to grow a thicker skin.", "leadership_inaction"),
]


def test_clinical_isolation_is_not_a_theme(redactor):
    assert redactor.redact("The patient was moved to an isolation room on the ward.").themes == []


@pytest.mark.parametrize(("text", "code"), THEME_CASES)
def test_theme_is_tagged(redactor, text, code):
    themes = redactor.redact(text).themes
    assert code in themes
    assert set(themes) <= THEME_CODES
    assert themes == sorted(themes)


def test_neutral_text_has_no_theme(redactor):
    assert redactor.redact("The bus was late so I arrived at eight.").themes == []


def test_clean_report_is_low_risk(redactor):
    risk = redactor.redact("Dr Patel said my accent was hard to follow.").risk
    assert risk.score < 0.5
    assert not risk.needs_review


def test_leftover_numbers_and_codes_raise_risk_without_quoting_text(redactor):
    text = "It was bed 4471 on Zq9x unit, ref QX77Z, and 31337 again."
    risk = redactor.redact(text).risk
    assert risk.needs_review
    assert risk.score >= 0.5
    joined = " ".join(risk.reasons)
    assert "alphanumeric_code" in joined or "number_left" in joined
    for word in ("4471", "Zq9x", "QX77Z", "31337"):
        assert word not in joined


def test_to_dict_is_json_shaped(redactor):
    data = redactor.redact("Email a@b.com").to_dict()
    assert set(data) == {"redacted", "entities", "entity_counts", "themes", "risk"}
    assert data["entities"] == [{"start": 6, "end": 13, "label": "EMAIL"}]
    assert set(data["risk"]) == {"score", "reasons", "needs_review"}


# The trained risk scorer (data/risk_model.json, make train-risk). Examples written for
# these tests.
LEFTOVER_NAMES = [
    "On the late shift Tavrik Olumbe told me my accent was a problem.",  # nothing caught it
    "I went to the manager but Hope said nothing would change.",
    "me and kelvo were on nights when it happened, nobody stood up for me.",
]
CLEAN_REPORTS = [
    "On Monday the ICU was short again and the NHS trust did nothing about the comments.",
    "I raised it on Datix and with HR, and told the Freedom to Speak Up Guardian on Friday.",
    "The matron said my hijab was a risk in theatres, and the MDT laughed.",
    "Over Christmas my manager told me to grow a thicker skin.",
]


@pytest.mark.parametrize("text", LEFTOVER_NAMES)
def test_a_report_with_a_leftover_name_is_flagged(redactor, text):
    from services.redactor.pipeline import risk
    from services.redactor.pipeline.types import Entity

    doc = redactor.nlp.make_doc(text)
    doc = redactor.nlp.get_pipe("sentencizer")(doc)
    # Score as if the redactor had found nothing at all: the name is left visible.
    found = risk.score(doc, list[Entity](), redactor.vocab, text)
    assert found.needs_review
    for word in ("Tavrik", "Olumbe", "Hope", "kelvo"):
        assert word not in " ".join(found.reasons)


@pytest.mark.parametrize("text", CLEAN_REPORTS)
def test_a_clean_report_with_ordinary_capitalised_words_is_not_flagged(redactor, text):
    result = redactor.redact(text)
    assert result.entities == []
    assert not result.risk.needs_review


def test_a_partial_leak_scores_above_the_same_report_redacted_in_full(redactor):
    from services.redactor.pipeline import risk
    from services.redactor.pipeline.types import Entity

    text = "Yesterday Sarah Kowarski came in late and said it again."
    doc = redactor.nlp.get_pipe("sentencizer")(redactor.nlp.make_doc(text))
    partial = risk.score(doc, [Entity(10, 15, "PERSON")], redactor.vocab, text)
    full = risk.score(doc, [Entity(10, 24, "PERSON")], redactor.vocab, text)
    assert partial.needs_review and not full.needs_review
    assert partial.score > full.score


def test_the_shipped_weights_load_and_name_their_threshold():
    from services.redactor.pipeline import risk

    model = risk.load_model()
    assert 0 < model.threshold < 1
    assert model.token_weights and model.doc_weights
